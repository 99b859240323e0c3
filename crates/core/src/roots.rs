//! Root changes: the few changes the others follow from, each with its consequences.
//!
//! A replaced blob changes every layer chain built on it and every result holding those chains;
//! a step whose own cache key changed gives a record digest found on one side only, and the
//! records built on it follow. Both are found here from the cache graphs (after records
//! were paired by [`crate::matching`]), so a reader sees "1 blob replaced → 4 layer chains → 6
//! records' results" instead of every change it caused. The JSON Patch stays complete: this is
//! extra data.

use crate::canon::CacheForm;
use crate::graph::{CacheGraph, CacheRecord, LayerList};
use crate::steps::Step;
use serde::{Deserialize, Serialize};
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

/// The blob chains of a cache config's layers, in the order of its canonical `layers` object.
fn chains_of(g: &CacheGraph) -> Vec<Vec<&str>> {
    g.layers_in_order()
        .map(|l| l.chain.iter().map(|&k| g.blob(k)).collect())
        .collect()
}

/// Old blob → new blob, with the new blobs taken (hash types the page links already; a map
/// keyed by `&str` in order would be one more).
#[derive(Default)]
struct BlobMap<'a> {
    to: HashMap<&'a str, &'a str>,
    taken: HashSet<&'a str>,
}

impl<'a> BlobMap<'a> {
    fn get(&self, old: &str) -> Option<&'a str> {
        self.to.get(old).copied()
    }

    /// Maps `old` to `new` unless `new` is taken already.
    fn insert_untaken(&mut self, old: &'a str, new: &'a str) {
        if self.taken.insert(new) {
            self.to.insert(old, new);
        }
    }

    /// The pairs in the order of the old blobs.
    fn into_sorted(self) -> Vec<(&'a str, &'a str)> {
        let mut pairs: Vec<(&str, &str)> = self.to.into_iter().collect();
        pairs.sort_unstable();
        pairs
    }
}

/// A record's results of one kind as blob lists (none for an inline cache, whose layers are
/// not blobs), in canonical order, or in the order they have once their times are left out.
fn blob_lists<'a>(g: &'a CacheGraph, lists: &'a [LayerList], timed: bool) -> Vec<Vec<&'a str>> {
    let mut lists: Vec<&LayerList> = lists.iter().collect();
    if !timed && lists.len() > 1 {
        let mut buf = Vec::new();
        lists.sort_by_cached_key(|l| {
            g.list_key(l, false, &mut buf);
            buf.clone()
        });
    }
    lists
        .into_iter()
        .map(|l| match g.form {
            CacheForm::Registry => l.layers.iter().map(|&k| g.blob(k)).collect(),
            CacheForm::Inline => Vec::new(),
        })
        .collect()
}

/// Whether any of a record's results holds a blob.
fn holds_blob(g: &CacheGraph, r: &CacheRecord, blob: &str) -> bool {
    g.form == CacheForm::Registry
        && r.results
            .iter()
            .chain(&r.chains)
            .any(|l| l.layers.iter().any(|&k| g.blob(k) == blob))
}

/// Blobs replaced at the same place of their chains: left-only blobs paired with right-only
/// blobs whose chains below them are the same (earlier replacements mapped). `timed`: whether
/// results are compared with their times (false when timestamps are ignored).
pub fn replaced_blobs(lg: &CacheGraph, rg: &CacheGraph, timed: bool) -> Vec<RootChange> {
    let (lc, rc) = (chains_of(lg), chains_of(rg));
    let lb: HashSet<&str> = lc.iter().flatten().copied().collect();
    let rb: HashSet<&str> = rc.iter().flatten().copied().collect();
    // Right chains by their prefix (all but the last blob), ending in a right-only blob.
    let mut right_by_prefix: HashMap<&[&str], BTreeSet<&str>> = HashMap::new();
    for c in &rc {
        if let Some((last, prefix)) = c.split_last()
            && !lb.contains(last)
        {
            right_by_prefix.entry(prefix).or_default().insert(last);
        }
    }
    let mut left_ends: Vec<&Vec<&str>> = lc
        .iter()
        .filter(|c| c.last().is_some_and(|b| !rb.contains(b)))
        .collect();
    // Shortest first, ties in order (sort_by_cached_key is stable): a byte key, so the page
    // links the one (bytes, index) sort the canonical form uses, not one more sort.
    left_ends.sort_by_cached_key(|c| (c.len() as u64).to_be_bytes().to_vec());
    let mut map = BlobMap::default();
    for c in left_ends {
        let Some((last, prefix)) = c.split_last() else {
            continue;
        };
        if map.get(last).is_some() {
            continue;
        }
        let mapped: Vec<&str> = prefix.iter().map(|b| map.get(b).unwrap_or(b)).collect();
        if let Some(cands) = right_by_prefix.get(&mapped[..])
            && cands.len() == 1
            && let Some(new) = cands.iter().next()
        {
            map.insert_untaken(last, new);
        }
    }
    // Where a chain's place does not tell (two new base blobs share the empty prefix), the
    // records do: a record on both sides whose result held `old` at a place now holds `new`.
    // One (old, new) pair per vote, counted once sorted.
    let mut votes: Vec<(&str, &str)> = Vec::new();
    // A vote needs a left-only blob and a right-only one.
    let voting = lb.iter().any(|a| !rb.contains(a)) && rb.iter().any(|b| !lb.contains(b));
    let counterpart = if voting {
        lg.counterparts(rg)
    } else {
        Vec::new()
    };
    for (i, l) in lg.in_order() {
        let Some(r) = counterpart
            .get(i)
            .copied()
            .flatten()
            .map(|j| &rg.records[j])
        else {
            continue;
        };
        for (ll, rl) in [(&l.results, &r.results), (&l.chains, &r.chains)] {
            // The same layers place by place give no vote, in any order of their times.
            if ll.len() == rl.len() && ll.iter().zip(rl).all(|(a, b)| lg.same_layers(a, rg, b)) {
                continue;
            }
            for (lc, rc) in blob_lists(lg, ll, timed)
                .iter()
                .zip(blob_lists(rg, rl, timed).iter())
            {
                if lc.len() != rc.len() {
                    continue;
                }
                for (a, b) in lc.iter().zip(rc) {
                    if a != b && !rb.contains(a) && !lb.contains(b) {
                        let a = lb.get(a).copied().unwrap_or_default();
                        let b = rb.get(b).copied().unwrap_or_default();
                        votes.push((a, b));
                    }
                }
            }
        }
    }
    votes.sort_unstable();
    for run in votes.chunk_by(|a, b| a.0 == b.0) {
        let old = run[0].0;
        if map.get(old).is_some() || old.is_empty() {
            continue;
        }
        // Each new blob voted for, with its votes.
        let cands: Vec<(&str, usize)> = run
            .chunk_by(|a, b| a.1 == b.1)
            .map(|c| (c[0].1, c.len()))
            .collect();
        let best = cands.iter().map(|&(_, n)| n).max().unwrap_or(0);
        let top: Vec<&str> = cands
            .iter()
            .filter(|&&(_, n)| n == best)
            .map(|&(b, _)| b)
            .collect();
        if let [new] = top[..]
            && !new.is_empty()
        {
            map.insert_untaken(old, new);
        }
    }
    map.into_sorted()
        .into_iter()
        .map(|(old, new)| {
            let chains = lc.iter().filter(|c| c.contains(&old)).count();
            let records = lg
                .in_order()
                .filter(|(_, r)| holds_blob(lg, r, old))
                .count();
            let text = format!(
                "blob {old} replaced by {new} → {} → {}",
                crate::words::count(chains as u64, "layer chain", "layer chains"),
                crate::words::count(records as u64, "record's results", "records' results")
            );
            RootChange {
                kind: "blob-replaced",
                old: Some(old.to_owned()),
                new: Some(new.to_owned()),
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
    lg: &CacheGraph,
    rg: &CacheGraph,
    added: &[String],
    steps: &BTreeMap<String, Step>,
) -> Vec<RootChange> {
    let left_digests: HashSet<&str> = lg
        .in_order()
        .filter(|(_, r)| !r.no_digest)
        .map(|(_, r)| r.digest.as_str())
        .collect();
    let added: HashSet<&str> = added.iter().map(String::as_str).collect();
    // What each record is an input of, among the added records (the only ones followed).
    let mut consumers: HashMap<&str, Vec<&str>> = HashMap::new();
    for id in &added {
        if let Some(r) = rg.get(id) {
            for t in rg.links(r) {
                consumers.entry(t).or_default().push(r.id.as_str());
            }
        }
    }
    let mut out = Vec::new();
    for id in &added {
        let Some(r) = rg.get(id) else { continue };
        if left_digests.contains(r.digest.as_str()) {
            continue;
        }
        // Its own key: nothing it is built on is itself a new key. (A record without inputs
        // is a source: a base image, the context, a file.)
        let ins: Vec<&str> = rg.links(r).collect();
        if ins.iter().any(|t| added.contains(t)) {
            continue;
        }
        // What follows: records built on it, transitively, that are added too.
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        let mut stack = vec![*id];
        while let Some(cur) = stack.pop() {
            for &c in consumers.get(cur).into_iter().flatten() {
                if added.contains(c) && seen.insert(c) {
                    stack.push(c);
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
            crate::words::count(seen.len() as u64, "record", "records"),
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
    // Most records first, then by the new id (none first), ties in order: as a byte key, so the
    // page links the one (bytes, index) sort the canonical form uses (sort_by_cached_key is
    // stable), not one more sort.
    out.sort_by_cached_key(|c| {
        let mut key = (u64::MAX - c.records as u64).to_be_bytes().to_vec();
        if let Some(new) = &c.new {
            key.push(1);
            key.extend_from_slice(new.as_bytes());
        }
        key
    });
    out
}
