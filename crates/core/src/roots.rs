//! Root changes: the few changes the others follow from, each with its consequences.
//!
//! A replaced blob changes every layer chain built on it and every result holding those chains;
//! a step whose own cache key changed gives a record digest found on one side only, and the
//! records built on it follow. Both are found here from the canonical documents (after records
//! were paired by [`crate::matching`]), so a reader sees "1 blob replaced → 4 layer chains → 6
//! records' results" instead of every change it caused. The JSON Patch stays complete: this is
//! extra data.

use crate::steps::Step;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// One root change and what follows from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RootChange {
    /// `blob-replaced` (a cache config's layer blob at the same place in its chain) or
    /// `key-changed` (a record whose own cache key is on one side only).
    #[serde(deserialize_with = "crate::error::wire::interned")]
    pub kind: crate::error::wire::Word,
    /// The left blob, or the left record's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<String>,
    /// The right blob, or the right record's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<String>,
    /// The step of the record whose key changed, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<Step>,
    /// Layer chains built on the blob (`blob-replaced`).
    pub chains: usize,
    /// Records whose results hold those chains, or records built on the changed key.
    pub records: usize,
    /// The change and its consequences, in words.
    pub text: String,
}

fn chains_of(doc_layers: Option<&Value>) -> Vec<Vec<String>> {
    doc_layers
        .and_then(Value::as_object)
        .map(|m| {
            m.values()
                .filter_map(|l| l.get("chain")?.as_array())
                .map(|c| {
                    c.iter()
                        .filter_map(|b| b.as_str().map(str::to_owned))
                        .collect()
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Every blob a record's results hold.
fn result_blobs(r: &Value) -> HashSet<&str> {
    ["layers", "chains"]
        .iter()
        .filter_map(|f| r.get(*f).and_then(Value::as_array))
        .flatten()
        .filter_map(|res| res.get("layers").and_then(Value::as_array))
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

/// Blobs replaced at the same place of their chains: left-only blobs paired with right-only
/// blobs whose chains below them are the same (earlier replacements mapped).
pub fn replaced_blobs(
    left_layers: Option<&Value>,
    right_layers: Option<&Value>,
    lrec: &Map<String, Value>,
    rrec: &Map<String, Value>,
) -> Vec<RootChange> {
    let (lc, rc) = (chains_of(left_layers), chains_of(right_layers));
    let lb: HashSet<&str> = lc.iter().flatten().map(String::as_str).collect();
    let rb: HashSet<&str> = rc.iter().flatten().map(String::as_str).collect();
    // Right chains by their prefix (all but the last blob), ending in a right-only blob.
    let mut right_by_prefix: HashMap<Vec<String>, BTreeSet<String>> = HashMap::new();
    for c in &rc {
        if let Some((last, prefix)) = c.split_last()
            && !lb.contains(last.as_str())
        {
            right_by_prefix
                .entry(prefix.to_vec())
                .or_default()
                .insert(last.clone());
        }
    }
    let mut left_ends: Vec<&Vec<String>> = lc
        .iter()
        .filter(|c| c.last().is_some_and(|b| !rb.contains(b.as_str())))
        .collect();
    left_ends.sort_by_key(|c| c.len());
    let mut map: BTreeMap<String, String> = BTreeMap::new();
    for c in left_ends {
        let Some((last, prefix)) = c.split_last() else {
            continue;
        };
        if map.contains_key(last) {
            continue;
        }
        let mapped: Vec<String> = prefix
            .iter()
            .map(|b| map.get(b).cloned().unwrap_or_else(|| b.clone()))
            .collect();
        if let Some(cands) = right_by_prefix.get(&mapped)
            && cands.len() == 1
            && let Some(new) = cands.iter().next()
            && !map.values().any(|v| v == new)
        {
            map.insert(last.clone(), new.clone());
        }
    }
    // Where a chain's place does not tell (two new base blobs share the empty prefix), the
    // records do: a record on both sides whose result held `old` at a place now holds `new`.
    let mut votes: BTreeMap<&str, BTreeMap<&str, usize>> = BTreeMap::new();
    for (id, l) in lrec {
        let Some(r) = rrec.get(id) else { continue };
        for f in ["layers", "chains"] {
            let results = |v: &'_ Value| -> Vec<Vec<String>> {
                v.get(f)
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|res| res.get("layers").and_then(Value::as_array))
                    .map(|c| {
                        c.iter()
                            .filter_map(|b| b.as_str().map(str::to_owned))
                            .collect()
                    })
                    .collect()
            };
            for (lc, rc) in results(l).iter().zip(results(r).iter()) {
                if lc.len() != rc.len() {
                    continue;
                }
                for (a, b) in lc.iter().zip(rc) {
                    if a != b && !rb.contains(a.as_str()) && !lb.contains(b.as_str()) {
                        let a = lb.get(a.as_str()).copied().unwrap_or_default();
                        let b = rb.get(b.as_str()).copied().unwrap_or_default();
                        *votes.entry(a).or_default().entry(b).or_default() += 1;
                    }
                }
            }
        }
    }
    for (old, cands) in votes {
        if map.contains_key(old) || old.is_empty() {
            continue;
        }
        let best = cands.values().copied().max().unwrap_or(0);
        let top: Vec<&&str> = cands
            .iter()
            .filter(|(_, n)| **n == best)
            .map(|(b, _)| b)
            .collect();
        if let [new] = top[..]
            && !new.is_empty()
            && !map.values().any(|v| v == *new)
        {
            map.insert(old.to_owned(), (*new).to_owned());
        }
    }
    map.into_iter()
        .map(|(old, new)| {
            let chains = lc.iter().filter(|c| c.contains(&old)).count();
            let records = lrec
                .values()
                .filter(|r| result_blobs(r).contains(old.as_str()))
                .count();
            let text = format!(
                "blob {old} replaced by {new} → {} → {}",
                crate::error::count(chains as u64, "layer chain", "layer chains"),
                crate::error::count(records as u64, "record's results", "records' results")
            );
            RootChange {
                kind: "blob-replaced",
                old: Some(old),
                new: Some(new),
                step: None,
                chains,
                records,
                text,
            }
        })
        .collect()
}

/// Records added whose own key is new (their digest is nowhere on the left) while what they are
/// built on is on both sides: the cache stops matching there; the records built on them follow.
pub fn changed_keys(
    lrec: &Map<String, Value>,
    rrec: &Map<String, Value>,
    added: &[String],
    steps: &BTreeMap<String, Step>,
) -> Vec<RootChange> {
    let left_digests: HashSet<&str> = lrec
        .values()
        .filter_map(|r| r.get("digest").and_then(Value::as_str))
        .collect();
    let added: HashSet<&str> = added.iter().map(String::as_str).collect();
    let links = crate::steps::links;
    let mut consumers: HashMap<String, Vec<String>> = HashMap::new();
    for (id, r) in rrec {
        for t in links(r) {
            consumers.entry(t).or_default().push(id.clone());
        }
    }
    let mut out = Vec::new();
    for id in &added {
        let Some(r) = rrec.get(*id) else { continue };
        let digest = r.get("digest").and_then(Value::as_str).unwrap_or("");
        if left_digests.contains(digest) {
            continue;
        }
        // Its own key: nothing it is built on is itself a new key. (A record without inputs
        // is a source: a base image, the context, a file.)
        let ins = links(r);
        if ins.iter().any(|t| added.contains(t.as_str())) {
            continue;
        }
        // What follows: records built on it, transitively, that are added too.
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut stack = vec![(*id).to_owned()];
        while let Some(cur) = stack.pop() {
            for c in consumers.get(&cur).into_iter().flatten() {
                if added.contains(c.as_str()) && seen.insert(c.clone()) {
                    stack.push(c.clone());
                }
            }
        }
        if ins.is_empty() && seen.is_empty() {
            continue; // a new source nothing is built on: said as an added record, no more
        }
        let step = steps.get(*id).cloned();
        let name = step.as_ref().map_or_else(
            || format!("record {id}"),
            |s| s.label(&format!("record {id}")),
        );
        let what = if ins.is_empty() {
            format!(
                "a source ({name}, e.g. a base image, the build context or a file): its key is new"
            )
        } else {
            format!("{name}: its own key changed")
        };
        let text = format!(
            "the cache stops matching at {what}; {} built on it {}",
            crate::error::count(seen.len() as u64, "record", "records"),
            if seen.len() == 1 { "follows" } else { "follow" }
        );
        out.push(RootChange {
            kind: "key-changed",
            old: None,
            new: Some((*id).to_owned()),
            step,
            chains: 0,
            records: seen.len(),
            text,
        });
    }
    out.sort_by(|a, b| b.records.cmp(&a.records).then(a.new.cmp(&b.new)));
    out
}
