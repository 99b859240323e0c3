//! The cache summary of a comparison, computed from the two caches' graphs: records added and
//! removed, matched, renamed, results gained, lost or changed, time-only changes, renumbering.

use super::*;

/// Results without their `createdAt`, as a sorted list of compact texts (a multiset).
fn untimed(g: &CacheGraph, results: &[LayerList]) -> Vec<Vec<u8>> {
    let mut buf = Vec::new();
    // Sorted as (text, index) pairs: the same order of texts, through the one (bytes, index)
    // sort the canonical form's cached keys use (the page links no other sort of bytes).
    let mut out: Vec<(Vec<u8>, usize)> = results
        .iter()
        .enumerate()
        .map(|(i, r)| {
            g.list_key(r, false, &mut buf);
            (buf.clone(), i)
        })
        .collect();
    out.sort_unstable();
    out.into_iter().map(|(k, _)| k).collect()
}

/// How a record's results of one kind changed. `timed`: compared with their times (both lists
/// are then in canonical order); otherwise as multisets of results without times.
fn delta(
    lg: &CacheGraph,
    l: &[LayerList],
    rg: &CacheGraph,
    r: &[LayerList],
    timed: bool,
) -> Option<ResultDelta> {
    let same = if timed {
        l.len() == r.len() && l.iter().zip(r).all(|(a, b)| lg.same_list(a, rg, b))
    } else {
        l.len() == r.len() && untimed(lg, l) == untimed(rg, r)
    };
    if same {
        None
    } else if l.is_empty() {
        Some(ResultDelta::Gained(r.len()))
    } else if r.is_empty() {
        Some(ResultDelta::Lost(l.len()))
    } else {
        Some(ResultDelta::Changed(r.len()))
    }
}

/// A link as given: (input position, target id, selector, `link` index).
type GivenLink<'a> = (usize, &'a str, &'a str, usize);

fn links_as_given<'a>(g: &'a CacheGraph, r: &'a CacheRecord, out: &mut Vec<GivenLink<'a>>) {
    out.clear();
    for (p, pos) in r.inputs.iter().enumerate() {
        for x in pos {
            out.push((
                p,
                g.records[x.record].link_id(),
                x.selector.as_str(),
                x.record,
            ));
        }
    }
}

/// Whether a record's links are the same on both sides, place by place (target, selector and
/// `link` index), with no link given twice: then none is renumbered (what
/// [`renumbered_links`] would count, without building the lists).
fn same_links_as_given(lg: &CacheGraph, l: &CacheRecord, rg: &CacheGraph, r: &CacheRecord) -> bool {
    l.inputs.len() == r.inputs.len()
        && l.inputs.iter().zip(&r.inputs).all(|(a, b)| {
            a.len() == b.len()
                && a.iter().zip(b).all(|(x, y)| {
                    x.record == y.record
                        && x.selector == y.selector
                        && lg.records[x.record].link_id() == rg.records[y.record].link_id()
                })
                && a.iter().enumerate().all(|(k, x)| {
                    a[..k].iter().all(|y| {
                        y.selector != x.selector
                            || lg.records[y.record].link_id() != lg.records[x.record].link_id()
                    })
                })
        })
}

/// How many of a record's links point at the same record (same input, target and selector) on
/// both sides with a different index. Each left link is matched with the last unmatched right
/// link of the same key.
fn renumbered_links(left: &[GivenLink], right: &[GivenLink], taken: &mut Vec<bool>) -> usize {
    fn key<'k>(x: &GivenLink<'k>) -> (usize, &'k str, &'k str) {
        (x.0, x.1, x.2)
    }
    let mut n = 0;
    if right.len() <= 16 {
        // Records have a few links: scanning beats building a map per record.
        taken.clear();
        taken.resize(right.len(), false);
        for x in left {
            let found = (0..right.len())
                .rev()
                .find(|&j| !taken[j] && key(&right[j]) == key(x));
            if let Some(j) = found {
                taken[j] = true;
                n += usize::from(right[j].3 != x.3);
            }
        }
    } else {
        let mut right_links: HashMap<(usize, &str, &str), Vec<usize>> = HashMap::new();
        for x in right {
            right_links.entry(key(x)).or_default().push(x.3);
        }
        for x in left {
            if let Some(idx) = right_links.get_mut(&key(x)).and_then(Vec::pop) {
                n += usize::from(idx != x.3);
            }
        }
    }
    n
}

/// The graph of a cache as compared: its own, or, when an ignored path reaches inside it, the
/// graph read back from the filtered document. `None` when the filtered document has no such
/// cache (ignored).
fn compared_graph<'a>(
    c: &'a CacheInfo,
    doc: &Value,
    opts: &Options,
) -> Option<Cow<'a, CacheGraph>> {
    let records = c
        .pointer
        .child("records")
        .get(doc)
        .and_then(Value::as_object)?;
    if opts
        .ignore
        .iter()
        .any(|p| p.starts_with(&c.pointer) && *p != c.pointer)
    {
        let layers = c
            .pointer
            .child("layers")
            .get(doc)
            .and_then(Value::as_object);
        return Some(Cow::Owned(CacheGraph::from_canonical(
            records, layers, c.form,
        )));
    }
    Some(Cow::Borrowed(&*c.graph))
}

pub(super) fn cache_summary(
    left: &Analysis,
    right: &Analysis,
    ldoc: &Value,
    rdoc: &Value,
    opts: &Options,
) -> Option<CacheSummary> {
    let (lc, rc) = left.caches.iter().find_map(|l| {
        right
            .caches
            .iter()
            .find(|r| r.pointer == l.pointer)
            .map(|r| (l, r))
    })?;
    let (lg, rg) = (
        compared_graph(lc, ldoc, opts)?,
        compared_graph(rc, rdoc, opts)?,
    );
    let (lg, rg) = (&*lg, &*rg);
    let timed = !opts.ignore_timestamps;
    // The image each cache belongs to: an inline cache's own config (and, for a document built
    // from an archive, its manifest's layers), or an image given beside the cache.
    let facts_of = |a: &Analysis, doc: &Value, c: &CacheInfo| {
        let own = match c.form {
            crate::CacheForm::Inline => c
                .pointer
                .split_last()
                .and_then(|(parent, _)| parent.get(doc))
                .and_then(crate::steps::ImageFacts::from_doc)
                .filter(|f| !f.layers.is_empty()),
            crate::CacheForm::Registry => None,
        };
        own.or_else(|| a.image_facts.clone())
    };
    let (lfacts, rfacts) = (facts_of(left, ldoc, lc), facts_of(right, rdoc, rc));
    let (lsteps, lwarn) = crate::steps::name_graph(lg, lfacts.as_ref());
    let (rsteps, rwarn) = crate::steps::name_graph(rg, rfacts.as_ref());
    let coverage = match (
        crate::steps::coverage(lg, lfacts.as_ref()),
        crate::steps::coverage(rg, rfacts.as_ref()),
    ) {
        (Some(l), Some(r)) => crate::steps::coverage_changes(&l, &r),
        _ => Vec::new(),
    };
    let mut step_warnings: Vec<String> = Vec::new();
    for (side, w) in [("left", lwarn), ("right", rwarn)] {
        step_warnings.extend(w.into_iter().map(|w| format!("{side}: {w}")));
    }
    step_warnings.dedup();
    let digest_of =
        |g: &CacheGraph, id: &str| g.get(id).map(|r| r.digest.clone()).unwrap_or_default();
    // Records on one side only, paired by digest and inputs where they are the same record.
    let counterpart = lg.counterparts(rg);
    let mut on_left = vec![false; rg.records.len()];
    for &j in counterpart.iter().flatten() {
        on_left[j] = true;
    }
    let left_only: Vec<String> = lg
        .in_order()
        .filter(|&(i, _)| counterpart[i].is_none())
        .map(|(_, r)| r.id.clone())
        .collect();
    let right_only: Vec<String> = rg
        .in_order()
        .filter(|&(j, _)| !on_left[j])
        .map(|(_, r)| r.id.clone())
        .collect();
    let paired = crate::matching::pair(lg, rg, &left_only, &right_only);
    let right_paired: std::collections::HashSet<&str> =
        paired.values().map(|(r, _)| r.as_str()).collect();
    let added = right_only
        .iter()
        .filter(|k| !right_paired.contains(k.as_str()))
        .map(|k| RecordRef {
            id: k.clone(),
            digest: digest_of(rg, k),
            step: rsteps.get(k).cloned(),
        })
        .collect();
    let added_ids: Vec<String> = right_only
        .iter()
        .filter(|k| !right_paired.contains(k.as_str()))
        .cloned()
        .collect();
    let mut roots = crate::roots::replaced_blobs(lg, rg, timed);
    roots.extend(crate::roots::changed_keys(lg, rg, &added_ids, &rsteps));
    let removed = left_only
        .iter()
        .filter(|k| !paired.contains_key(*k))
        .map(|k| RecordRef {
            id: k.clone(),
            digest: digest_of(lg, k),
            step: lsteps.get(k).cloned(),
        })
        .collect();
    let mut renamed = 0;
    let changed = lg
        .in_order()
        .filter_map(|(i, l)| {
            let k = &l.id;
            let (rid, how, r) = match paired.get(k) {
                Some((rid, how)) => (rid.as_str(), Some(*how), rg.get(rid)?),
                None => (k.as_str(), None, &rg.records[counterpart[i]?]),
            };
            let layers = delta(lg, &l.results, rg, &r.results, timed);
            let chains = delta(lg, &l.chains, rg, &r.chains, timed);
            let times_only = (layers.is_some() || chains.is_some())
                && [
                    (&l.results, &r.results, layers),
                    (&l.chains, &r.chains, chains),
                ]
                .iter()
                .all(|(ll, rl, d)| match d {
                    None => true,
                    Some(ResultDelta::Changed(_)) => untimed(lg, ll) == untimed(rg, rl),
                    Some(_) => false,
                });
            let inputs = match how {
                Some(crate::matching::Pairing::InputsChanged { gained, lost }) => {
                    Some(InputsDelta { gained, lost })
                }
                _ => None,
            };
            if how == Some(crate::matching::Pairing::Renamed)
                && layers.is_none()
                && chains.is_none()
            {
                renamed += 1;
            }
            (layers.is_some() || chains.is_some() || inputs.is_some()).then(|| RecordChange {
                record: RecordRef {
                    id: k.clone(),
                    digest: l.digest.clone(),
                    // The better-known of the two sides' names (a result's step over what
                    // a record without one feeds).
                    step: match (lsteps.get(k), rsteps.get(rid)) {
                        (Some(l), Some(r))
                            if l.found == crate::steps::Found::Feeds
                                && r.found != crate::steps::Found::Feeds =>
                        {
                            Some(r.clone())
                        }
                        (l, r) => l.or(r).cloned(),
                    },
                },
                layers,
                chains,
                times_only,
                right_id: (rid != k).then(|| rid.to_owned()),
                inputs,
            })
        })
        .collect();
    // Renumbering (the caches as given, whatever is ignored): same record, same link target,
    // different index.
    let (lgiven, rgiven) = (&*lc.graph, &*rc.graph);
    let mut links_renumbered = 0;
    let mut records_moved = 0;
    let (mut taken, mut lbuf, mut rbuf) = (Vec::new(), Vec::new(), Vec::new());
    let given_counterpart = if std::ptr::eq(lgiven, lg) && std::ptr::eq(rgiven, rg) {
        counterpart
    } else {
        lgiven.counterparts(rgiven)
    };
    for (i, l) in lgiven.records.iter().enumerate() {
        let Some(j) = given_counterpart[i] else {
            continue;
        };
        if i != j {
            records_moved += 1;
        }
        if same_links_as_given(lgiven, l, rgiven, &rgiven.records[j]) {
            continue;
        }
        links_as_given(lgiven, l, &mut lbuf);
        links_as_given(rgiven, &rgiven.records[j], &mut rbuf);
        links_renumbered += renumbered_links(&lbuf, &rbuf, &mut taken);
    }
    Some(CacheSummary {
        pointer: lc.pointer.clone(),
        records_left: lg.len(),
        records_right: rg.len(),
        added,
        removed,
        changed,
        links_renumbered,
        records_moved,
        renamed,
        step_warnings,
        coverage,
        roots,
        steps: {
            // One merge of the two sorted maps; the left side's name wins.
            let (mut all, mut lsteps) = (rsteps, lsteps);
            all.append(&mut lsteps);
            all
        },
    })
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::graph::InputRef;
    use proptest::prelude::*;

    /// A graph of `ids` (a `:2` id shares its link id with the one before it) whose record 0
    /// has these inputs (target index, selector).
    fn graph(ids: &[&str], inputs: &[Vec<(usize, &str)>]) -> CacheGraph {
        let mut g = CacheGraph::new(crate::CacheForm::Inline);
        for id in ids {
            g.records.push(CacheRecord {
                id: (*id).to_owned(),
                ..CacheRecord::default()
            });
        }
        g.records[0].inputs = inputs
            .iter()
            .map(|pos| {
                pos.iter()
                    .map(|&(record, selector)| InputRef {
                        record,
                        selector: selector.to_owned(),
                    })
                    .collect()
            })
            .collect();
        g
    }

    fn position() -> impl Strategy<Value = Vec<(usize, &'static str)>> {
        prop::collection::vec((0usize..4, prop::sample::select(vec!["", "s"])), 0..4)
    }

    proptest! {
        /// The shortcut answers only where counting finds no renumbered link.
        #[test]
        fn links_the_same_place_by_place_are_none_renumbered(
            left in prop::collection::vec(position(), 0..3),
            right in prop::collection::vec(position(), 0..3),
            copy in any::<bool>(),
        ) {
            let ids = ["r", "x", "x:2", "y"];
            let l = graph(&ids, &left);
            let r = graph(&ids, if copy { &left } else { &right });
            let (mut lbuf, mut rbuf, mut taken) = (Vec::new(), Vec::new(), Vec::new());
            links_as_given(&l, &l.records[0], &mut lbuf);
            links_as_given(&r, &r.records[0], &mut rbuf);
            let counted = renumbered_links(&lbuf, &rbuf, &mut taken);
            if same_links_as_given(&l, &l.records[0], &r, &r.records[0]) {
                prop_assert_eq!(counted, 0);
            }
        }
    }

    #[test]
    fn a_link_given_twice_is_counted_not_taken_for_the_same() {
        // Both sides link x and x:2 (one link id) with the same selector: counting pairs the
        // first with the last, a renumbering the shortcut must not hide.
        let inputs = vec![vec![(1, "s"), (2, "s")]];
        let (l, r) = (
            graph(&["r", "x", "x:2"], &inputs),
            graph(&["r", "x", "x:2"], &inputs),
        );
        assert!(!same_links_as_given(&l, &l.records[0], &r, &r.records[0]));
        let (mut lbuf, mut rbuf, mut taken) = (Vec::new(), Vec::new(), Vec::new());
        links_as_given(&l, &l.records[0], &mut lbuf);
        links_as_given(&r, &r.records[0], &mut rbuf);
        assert_eq!(renumbered_links(&lbuf, &rbuf, &mut taken), 2);
    }
}
