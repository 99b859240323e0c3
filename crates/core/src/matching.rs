//! Records matched across two caches the way a person would: by their cache key digest and
//! their inputs, not only by canonical id.
//!
//! A canonical id hashes a record's digest with the ids of what its inputs link to, so a record
//! that gains or loses an input alternative gets a new id, and so does every record built on it.
//! Read by id alone that is "N records removed, N added". Here records on one side only are paired
//! bottom-up: a left and a right record with the same digest whose inputs, once the records they
//! link to are paired, are the same are the same record (renamed only); if each input position
//! still shares an alternative, it is one record whose input alternatives changed. Pairing repeats
//! until nothing more pairs; a record with several equally good partners stays unpaired (nothing
//! is guessed). The canonical form and the JSON Patch are unchanged: this is extra data.

use crate::graph::{CacheGraph, CacheRecord};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// How a left record was paired with a right one of another id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pairing {
    /// Same digest, same inputs once paired: only its id changed (something it links to did).
    Renamed,
    /// Same digest, every input position still shares an alternative: alternatives were
    /// gained or lost.
    InputsChanged {
        /// Alternatives only on the right.
        gained: usize,
        /// Alternatives only on the left.
        lost: usize,
    },
}

/// One input position: its alternatives as (selector, target id) pairs, a set kept as a
/// sorted vector without repeats (pairs of `&str` are sorted elsewhere in the core already, so
/// the page links no set type for them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Position<'a>(Vec<(&'a str, &'a str)>);

impl<'a> Position<'a> {
    fn new(mut pairs: Vec<(&'a str, &'a str)>) -> Self {
        pairs.sort_unstable();
        pairs.dedup();
        Position(pairs)
    }

    fn contains(&self, pair: &(&str, &str)) -> bool {
        self.0.binary_search(pair).is_ok()
    }

    fn is_disjoint(&self, other: &Position) -> bool {
        !self.0.iter().any(|p| other.contains(p))
    }

    /// How many of these pairs `other` lacks.
    fn count_not_in(&self, other: &Position) -> usize {
        self.0.iter().filter(|p| !other.contains(p)).count()
    }
}

fn positions<'a>(g: &'a CacheGraph, r: &'a CacheRecord) -> Vec<Position<'a>> {
    r.inputs
        .iter()
        .map(|alts| {
            Position::new(
                alts.iter()
                    .map(|a| (a.selector.as_str(), g.records[a.record].link_id()))
                    .collect(),
            )
        })
        .collect()
}

/// Pairs the records found on one side only. `left_only` and `right_only` are ids; the graphs
/// are the caches of each side. Returns left id → (right id, how).
pub fn pair(
    lg: &CacheGraph,
    rg: &CacheGraph,
    left_only: &[String],
    right_only: &[String],
) -> BTreeMap<String, (String, Pairing)> {
    // Left id → right id for every record known to be the same: a common id names the same
    // record on both sides (looked up when asked: only left-only records ask), and the pairs
    // found here are added.
    let mut paired_ids: HashMap<&str, &str> = HashMap::new();
    fn same<'a>(
        (lg, rg): (&CacheGraph, &CacheGraph),
        paired_ids: &HashMap<&str, &'a str>,
        t: &'a str,
    ) -> Option<&'a str> {
        if lg.get(t).is_some() && rg.get(t).is_some() {
            return Some(t);
        }
        paired_ids.get(t).copied()
    }
    let mut right_paired: BTreeSet<&str> = BTreeSet::new();
    let mut out: BTreeMap<String, (String, Pairing)> = BTreeMap::new();
    let mut by_digest: HashMap<&str, Vec<(&str, &CacheRecord)>> = HashMap::new();
    for r in right_only {
        if let Some(v) = rg.get(r) {
            by_digest
                .entry(v.digest.as_str())
                .or_default()
                .push((r.as_str(), v));
        }
    }
    loop {
        let mut progress = false;
        for l in left_only {
            if out.contains_key(l) {
                continue;
            }
            let Some(lv) = lg.get(l) else { continue };
            // The left inputs as the right side names them, where known.
            let lpos: Vec<Option<Position>> = positions(lg, lv)
                .into_iter()
                .map(|p| {
                    let mut named = Vec::with_capacity(p.0.len());
                    for (sel, t) in p.0 {
                        named.push((sel, same((lg, rg), &paired_ids, t)?));
                    }
                    Some(Position::new(named))
                })
                .collect();
            let mut identical = Vec::new();
            let mut compatible = Vec::new();
            for &(r, rv) in by_digest.get(lv.digest.as_str()).into_iter().flatten() {
                if right_paired.contains(r) {
                    continue;
                }
                let rpos = positions(rg, rv);
                if rpos.len() != lpos.len() {
                    continue;
                }
                if lpos.iter().zip(&rpos).all(|(l, r)| l.as_ref() == Some(r)) {
                    identical.push((r, rpos));
                    continue;
                }
                // Compatible: at each position a known shared alternative.
                let shared = lpos
                    .iter()
                    .zip(&rpos)
                    .all(|(l, r)| l.as_ref().is_some_and(|l| !l.is_disjoint(r)));
                if shared {
                    compatible.push((r, rpos));
                }
            }
            let chosen = match (&identical[..], &compatible[..]) {
                ([(one, _)], _) => Some((*one, Pairing::Renamed)),
                ([], [(one, rpos)]) => {
                    let (mut gained, mut lost) = (0, 0);
                    for (l, r) in lpos.iter().zip(rpos) {
                        let l = l.clone().unwrap_or_default();
                        gained += r.count_not_in(&l);
                        lost += l.count_not_in(r);
                    }
                    Some((*one, Pairing::InputsChanged { gained, lost }))
                }
                _ => None,
            };
            if let Some((r, how)) = chosen {
                paired_ids.insert(l.as_str(), r);
                right_paired.insert(r);
                out.insert(l.clone(), (r.to_owned(), how));
                progress = true;
            }
        }
        if !progress {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// A graph of canonical records (`id → record`).
    fn map(s: &str) -> CacheGraph {
        let records = serde_json::from_str::<serde_json::Value>(s)
            .ok()
            .and_then(|v| v.as_object().cloned())
            .unwrap_or_default();
        CacheGraph::from_canonical(&records, None, crate::CacheForm::Inline)
    }

    #[test]
    fn a_gained_alternative_is_one_change_and_what_is_built_on_it_is_renamed() {
        // left: root a, x(inputs [a]), c(inputs [x]); right: roots a, b, x'(inputs [a|b]),
        // c'(inputs [x']).
        let l = map(
            r#"{"a":{"digest":"A"},"x":{"digest":"X","inputs":[[{"link":"a"}]]},"c":{"digest":"C","inputs":[[{"link":"x"}]]}}"#,
        );
        let r = map(
            r#"{"a":{"digest":"A"},"b":{"digest":"B"},"x2":{"digest":"X","inputs":[[{"link":"a"},{"link":"b"}]]},"c2":{"digest":"C","inputs":[[{"link":"x2"}]]}}"#,
        );
        let p = pair(
            &l,
            &r,
            &["c".into(), "x".into()],
            &["b".into(), "c2".into(), "x2".into()],
        );
        assert_eq!(
            p.get("x"),
            Some(&(
                "x2".to_owned(),
                Pairing::InputsChanged { gained: 1, lost: 0 }
            ))
        );
        assert_eq!(p.get("c"), Some(&("c2".to_owned(), Pairing::Renamed)));
        assert_eq!(p.len(), 2);
    }

    #[test]
    fn ambiguity_pairs_nothing() {
        let l = map(r#"{"x":{"digest":"X","inputs":[[{"link":"q"}]]}}"#);
        let r = map(
            r#"{"y":{"digest":"X","inputs":[[{"link":"z1"}]]},"z":{"digest":"X","inputs":[[{"link":"z2"}]]}}"#,
        );
        assert!(pair(&l, &r, &["x".into()], &["y".into(), "z".into()]).is_empty());
    }
}
