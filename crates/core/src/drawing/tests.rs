//! The drawing against the canonical form of real BuildKit caches, and on the 10k pairs.

use super::*;
use crate::Pointer;
use crate::compare::{Options, compare};
use serde_json::Value;
use std::collections::{BTreeSet, HashSet};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

macro_rules! fixture {
    ($p:literal) => {
        include_bytes!(concat!("../../../../tests/fixtures/real-buildkit/", $p)).as_slice()
    };
}

/// The pairs the issue names: one record loses its chains; two lose their layers; one gains an
/// input alternative (everything built on it renamed); a 170-record cache, two lose chains.
fn pairs() -> Vec<(&'static str, &'static [u8], &'static [u8])> {
    vec![
        (
            "inline-rebuilds 2→3",
            fixture!("inline-rebuilds/2/config.json"),
            fixture!("inline-rebuilds/3/config.json"),
        ),
        (
            "registry-cache 1→2",
            fixture!("registry-cache/1/cacheconfig.json"),
            fixture!("registry-cache/2/cacheconfig.json"),
        ),
        (
            "build-args v1→v2",
            fixture!("build-args/v1/config.json"),
            fixture!("build-args/v2/config.json"),
        ),
        (
            "wide-rebuilds 2→3",
            fixture!("wide-rebuilds/2/config.json"),
            fixture!("wide-rebuilds/3/config.json"),
        ),
    ]
}

fn analyse(l: &[u8], r: &[u8]) -> (Analysis, Analysis, Comparison) {
    let l = crate::analyze(l, Some(crate::Side::Left)).unwrap();
    let r = crate::analyze(r, Some(crate::Side::Right)).unwrap();
    let cmp = compare(&l, &r, &Options::default());
    (l, r, cmp)
}

/// The canonical `records` object of a side's cache.
fn canonical_records<'a>(a: &'a Analysis, at: &Pointer) -> &'a serde_json::Map<String, Value> {
    at.child("records")
        .get(a.canonical())
        .and_then(Value::as_object)
        .unwrap()
}

/// Links of a canonical records object: (input id, user id).
fn canonical_links(recs: &serde_json::Map<String, Value>) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (id, r) in recs {
        for pos in r["inputs"].as_array().into_iter().flatten() {
            for alt in pos.as_array().unwrap() {
                let link = alt["link"].as_str().unwrap();
                // A link names the record without its `:N` suffix.
                for target in recs.keys().filter(|k| k.split(':').next() == Some(link)) {
                    out.insert((target.clone(), id.clone()));
                }
            }
        }
    }
    out
}

/// The marks the cache summary gives a record (by left id, or right id when only there).
fn expected_marks(s: &CacheSummary, key: &str) -> Vec<Mark> {
    let mut m = Vec::new();
    if s.added.iter().any(|r| r.id == key) {
        m.push(Mark::Added);
    }
    if s.removed.iter().any(|r| r.id == key) {
        m.push(Mark::Removed);
    }
    if let Some(c) = s.changed.iter().find(|c| c.record.id == key) {
        if c.inputs.is_some() {
            m.push(Mark::InputsChanged);
        }
        m.extend(match c.layers {
            Some(ResultDelta::Gained(_)) => Some(Mark::LayersGained),
            Some(ResultDelta::Lost(_)) => Some(Mark::LayersLost),
            Some(ResultDelta::Changed(_)) if c.times_only => Some(Mark::LayerTimesChanged),
            Some(ResultDelta::Changed(_)) => Some(Mark::LayersChanged),
            None => None,
        });
        m.extend(match c.chains {
            Some(ResultDelta::Gained(_)) => Some(Mark::ChainsGained),
            Some(ResultDelta::Lost(_)) => Some(Mark::ChainsLost),
            Some(ResultDelta::Changed(_)) if c.times_only => Some(Mark::ChainTimesChanged),
            Some(ResultDelta::Changed(_)) => Some(Mark::ChainsChanged),
            None => None,
        });
    }
    m.sort_unstable();
    m
}

fn overlaps(d: &Drawing) -> bool {
    d.nodes.iter().enumerate().any(|(i, a)| {
        d.nodes[i + 1..].iter().any(|b| {
            let (a, b) = (a.rect, b.rect);
            a.x < b.x + b.width
                && b.x < a.x + a.width
                && a.y < b.y + b.height
                && b.y < a.y + a.height
        })
    })
}

#[test]
fn nodes_edges_and_marks_agree_with_the_canonical_form_and_the_summary() {
    for (name, l, r) in pairs() {
        let (left, right, cmp) = analyse(l, r);
        let s = cmp.cache.as_ref().unwrap();
        let d = of_comparison(&left, &right, &cmp, &View::default()).unwrap();
        let (lrecs, rrecs) = (
            canonical_records(&left, &s.pointer),
            canonical_records(&right, &s.pointer),
        );
        // Every record is one node or counted in a group: matched records once.
        let common = lrecs.keys().filter(|k| rrecs.contains_key(*k)).count();
        let paired = s.changed.iter().filter(|c| c.right_id.is_some()).count() + s.renamed;
        assert_eq!(
            d.records,
            lrecs.len() + rrecs.len() - common - paired,
            "{name}"
        );
        let counted: usize = d.nodes.iter().map(|n| n.count).sum();
        assert_eq!(counted, d.records, "{name}");
        assert!(d.nodes.len() <= MAX_NODES, "{name}");
        // These caches are small: every record is drawn, no group.
        assert_eq!(d.drawn, d.records, "{name}");
        let drawn_left: HashSet<&str> = d.nodes.iter().filter_map(|n| n.left.as_deref()).collect();
        let drawn_right: HashSet<&str> =
            d.nodes.iter().filter_map(|n| n.right.as_deref()).collect();
        assert!(
            lrecs.keys().all(|k| drawn_left.contains(k.as_str())),
            "{name}"
        );
        assert!(
            rrecs.keys().all(|k| drawn_right.contains(k.as_str())),
            "{name}"
        );
        // Edges: exactly the canonical links, each on the side(s) it is on.
        let (ll, rl) = (canonical_links(lrecs), canonical_links(rrecs));
        let mut want: BTreeSet<(usize, usize, Presence)> = BTreeSet::new();
        let node_of = |side: bool, id: &str| {
            d.nodes
                .iter()
                .position(|n| if side { n.right.as_deref() } else { n.left.as_deref() } == Some(id))
                .unwrap()
        };
        let mut sides: BTreeMap<(usize, usize), (bool, bool)> = BTreeMap::new();
        for (a, b) in &ll {
            sides
                .entry((node_of(false, a), node_of(false, b)))
                .or_default()
                .0 = true;
        }
        for (a, b) in &rl {
            sides
                .entry((node_of(true, a), node_of(true, b)))
                .or_default()
                .1 = true;
        }
        for ((a, b), (inl, inr)) in sides {
            let p = match (inl, inr) {
                (true, true) => Presence::Both,
                (true, false) => Presence::Left,
                _ => Presence::Right,
            };
            want.insert((a, b, p));
        }
        let got: BTreeSet<(usize, usize, Presence)> =
            d.edges.iter().map(|e| (e.from, e.to, e.presence)).collect();
        assert_eq!(got, want, "{name}");
        // Marks: the summary's changes, a result where the canonical record holds one.
        for n in &d.nodes {
            let mut changes: Vec<Mark> =
                n.marks.iter().copied().filter(|m| m.is_change()).collect();
            changes.sort_unstable();
            assert_eq!(changes, expected_marks(s, &n.key), "{name}: {}", n.key);
            let shown = match &n.right {
                Some(id) => &rrecs[id],
                None => &lrecs[n.left.as_deref().unwrap()],
            };
            let holds = shown.get("layers").is_some() || shown.get("chains").is_some();
            assert_eq!(n.marks.contains(&Mark::Result), holds, "{name}: {}", n.key);
            // The marks in words on the label.
            for m in &n.marks {
                assert!(n.lines[1].contains(m.word()), "{name}: {:?}", n.lines);
            }
            // Labelled by the step that made the result, or the short digest.
            match n.step.as_ref().and_then(step_label) {
                Some(label) => assert_eq!(n.lines[0], label),
                None => assert_eq!(n.lines[0], short_digest(&n.digest)),
            }
        }
        let changed = s.added.len() + s.removed.len() + s.changed.len();
        assert_eq!(d.changed, changed, "{name}");
        assert!(changed > 0, "{name}");
        assert!(!overlaps(&d), "{name}");
        // Every mark used is in the legend, in words.
        for n in &d.nodes {
            for m in &n.marks {
                assert!(d.legend.iter().any(|e| e.word == m.word()), "{name}");
            }
        }
    }
}

#[test]
fn the_pairs_show_what_the_fixtures_readme_says() {
    let marks_of = |i: usize| {
        let (_, l, r) = pairs()[i];
        let (left, right, cmp) = analyse(l, r);
        of_comparison(&left, &right, &cmp, &View::default()).unwrap()
    };
    let count = |d: &Drawing, m: Mark| d.nodes.iter().filter(|n| n.marks.contains(&m)).count();
    let d = marks_of(0);
    assert_eq!(count(&d, Mark::ChainsLost), 1);
    let d = marks_of(1);
    assert_eq!(count(&d, Mark::LayersLost), 2);
    // build-args: the `COPY /deps/app …` record gained an input alternative; 3 records added;
    // what is built on it has a new id (not added and removed).
    let d = marks_of(2);
    assert_eq!(count(&d, Mark::InputsChanged), 1);
    assert_eq!(count(&d, Mark::Added), 3);
    assert_eq!(count(&d, Mark::Removed), 0);
    assert!(count(&d, Mark::NewId) > 0);
    assert!(d.edges.iter().any(|e| e.presence == Presence::Right));
    let d = marks_of(3);
    assert_eq!(count(&d, Mark::ChainsLost), 2);
    assert_eq!(d.records, 170);
    // Readable: the wide build's 170 records lay out with few crossings.
    assert!(d.crossings < 200, "{} crossings", d.crossings);
}

#[test]
fn one_input_draws_every_record_and_link_with_its_results() {
    let a = crate::analyze(fixture!("wide-rebuilds/2/config.json"), None).unwrap();
    let d = of_input(&a, &View::default()).unwrap();
    let recs = canonical_records(&a, &a.caches[0].pointer);
    assert!(!d.overlay);
    assert_eq!(
        (d.records, d.drawn, d.nodes.len()),
        (recs.len(), recs.len(), recs.len())
    );
    let keys: Vec<&str> = d.nodes.iter().map(|n| n.key.as_str()).collect();
    let want: Vec<&str> = recs.keys().map(String::as_str).collect();
    assert_eq!(keys, want, "nodes in canonical order");
    let links: BTreeSet<(String, String)> = d
        .edges
        .iter()
        .map(|e| (d.nodes[e.from].key.clone(), d.nodes[e.to].key.clone()))
        .collect();
    assert_eq!(links, canonical_links(recs));
    assert!(d.edges.iter().all(|e| e.presence == Presence::Both));
    for n in &d.nodes {
        let holds = recs[&n.key].get("layers").is_some() || recs[&n.key].get("chains").is_some();
        assert_eq!(n.marks, if holds { vec![Mark::Result] } else { vec![] });
    }
    // Sources on top: an input is always in a layer above the record using it.
    assert!(
        d.edges
            .iter()
            .all(|e| d.nodes[e.from].layer < d.nodes[e.to].layer)
    );
    // Most records are named by their Dockerfile step (or the step they feed).
    let named = d
        .nodes
        .iter()
        .filter(|n| !n.lines[0].starts_with("sha256:"))
        .count();
    assert!(named * 2 > d.nodes.len(), "{named} of {}", d.nodes.len());
}

/// A cache config with its records reversed and every link remapped: renumbering only.
fn renumbered(text: &[u8]) -> Vec<u8> {
    let mut v: Value = serde_json::from_slice(text).unwrap();
    let n = v["records"].as_array().unwrap().len();
    let recs = v["records"].as_array_mut().unwrap();
    recs.reverse();
    for r in recs.iter_mut() {
        for pos in r["inputs"].as_array_mut().into_iter().flatten() {
            for alt in pos.as_array_mut().unwrap() {
                let link = alt["link"].as_u64().unwrap() as usize;
                alt["link"] = Value::from(n - 1 - link);
            }
        }
    }
    serde_json::to_vec(&v).unwrap()
}

#[test]
fn the_same_input_gives_the_same_picture_and_renumbering_never_shows() {
    let (l, r) = (
        fixture!("registry-cache/1/cacheconfig.json"),
        fixture!("registry-cache/2/cacheconfig.json"),
    );
    let svg = |l: &[u8], r: &[u8]| {
        let (left, right, cmp) = analyse(l, r);
        crate::picture::to_svg(&of_comparison(&left, &right, &cmp, &View::default()).unwrap())
    };
    let once = svg(l, r);
    assert_eq!(once, svg(l, r));
    assert_eq!(once, svg(&renumbered(l), &renumbered(r)));
    let single = |b: &[u8]| {
        crate::picture::to_svg(
            &of_input(&crate::analyze(b, None).unwrap(), &View::default()).unwrap(),
        )
    };
    assert_eq!(single(l), single(&renumbered(l)));
    assert_ne!(single(l), once);
}

/// Elements of an SVG document (start tags).
#[cfg(not(target_arch = "wasm32"))]
fn elements(svg: &str) -> usize {
    svg.matches('<').count() - svg.matches("</").count()
}

// Native only: generating and comparing the 10k pairs in a debug wasm build takes minutes.
#[cfg(not(target_arch = "wasm32"))]
#[test]
fn the_10k_pairs_draw_the_changes_within_the_budget_and_groups_open() {
    for (name, p) in [
        ("registry", crate::synth::cache_config_pair(10_000, 1)),
        ("inline", crate::synth::inline_config_pair(10_000, 1)),
    ] {
        let (left, right, cmp) = analyse(&p.left, &p.right);
        let s = cmp.cache.as_ref().unwrap();
        let d = of_comparison(&left, &right, &cmp, &View::default()).unwrap();
        assert!(d.nodes.len() <= MAX_NODES, "{name}: {}", d.nodes.len());
        assert!(d.drawn < d.records);
        let counted: usize = d.nodes.iter().map(|n| n.count).sum();
        assert_eq!(counted, d.records, "{name}");
        // Every change is drawn.
        let keys: HashSet<&str> = d.nodes.iter().map(|n| n.key.as_str()).collect();
        for id in s
            .added
            .iter()
            .chain(&s.removed)
            .map(|r| r.id.as_str())
            .chain(s.changed.iter().map(|c| c.record.id.as_str()))
        {
            assert!(keys.contains(id), "{name}: {id}");
        }
        let svg = crate::picture::to_svg(&d);
        assert!(
            elements(&svg) <= 3_000,
            "{name}: {} elements",
            elements(&svg)
        );
        // Opening the largest group draws (some of) its records, within the budget.
        let g = d
            .nodes
            .iter()
            .filter(|n| n.kind == NodeKind::Group)
            .max_by_key(|n| n.count)
            .unwrap();
        let view = View {
            opened: vec![g.key.clone()],
            ..View::default()
        };
        let opened = of_comparison(&left, &right, &cmp, &view).unwrap();
        assert!(opened.nodes.len() <= MAX_NODES);
        assert_eq!(
            opened.nodes.iter().map(|n| n.count).sum::<usize>(),
            d.records
        );
        let before = keys_of(&d);
        let new = keys_of(&opened)
            .into_iter()
            .filter(|k| !k.starts_with("group:") && !before.contains(k))
            .count();
        assert!(new > 0, "{name}: opening drew no record");
        for id in s.changed.iter().map(|c| c.record.id.as_str()) {
            assert!(keys_of(&opened).contains(id), "{name}: changes stay drawn");
        }
        // The report's budget.
        let small = of_comparison(
            &left,
            &right,
            &cmp,
            &View {
                max_nodes: REPORT_NODES,
                neighbourhood: true,
                ..View::default()
            },
        )
        .unwrap();
        assert!(small.nodes.len() <= REPORT_NODES);
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn keys_of(d: &Drawing) -> HashSet<String> {
    d.nodes.iter().map(|n| n.key.clone()).collect()
}

#[test]
fn the_neighbourhood_is_the_changes_their_ancestors_and_what_they_feed() {
    for (name, l, r) in pairs() {
        let (left, right, cmp) = analyse(l, r);
        let s = cmp.cache.as_ref().unwrap();
        let view = View {
            neighbourhood: true,
            ..View::default()
        };
        let d = of_comparison(&left, &right, &cmp, &view).unwrap();
        // Expected from the canonical links of both sides, by node key.
        let full = of_comparison(&left, &right, &cmp, &View::default()).unwrap();
        let key_of_full: HashMap<String, String> = full
            .nodes
            .iter()
            .flat_map(|n| {
                let k = n.key.clone();
                [n.left.clone(), n.right.clone()]
                    .into_iter()
                    .flatten()
                    .map(move |id| (id, k.clone()))
            })
            .collect();
        let mut links: BTreeSet<(String, String)> = BTreeSet::new();
        for side in [&left, &right] {
            for (a, b) in canonical_links(canonical_records(side, &s.pointer)) {
                links.insert((key_of_full[&a].clone(), key_of_full[&b].clone()));
            }
        }
        let changed: BTreeSet<String> = full
            .nodes
            .iter()
            .filter(|n| n.changed > 0)
            .map(|n| n.key.clone())
            .collect();
        let mut want = changed.clone();
        let mut stack: Vec<String> = changed.iter().cloned().collect();
        while let Some(k) = stack.pop() {
            for (a, _) in links.iter().filter(|(_, b)| *b == k) {
                if want.insert(a.clone()) {
                    stack.push(a.clone());
                }
            }
        }
        for (a, b) in &links {
            if changed.contains(a) {
                want.insert(b.clone());
            }
        }
        let got: BTreeSet<String> = d
            .nodes
            .iter()
            .filter(|n| n.kind == NodeKind::Record)
            .map(|n| n.key.clone())
            .collect();
        assert_eq!(got, want, "{name}");
        let counted: usize = d.nodes.iter().map(|n| n.count).sum();
        assert_eq!(counted, d.records, "{name}");
        // Groups hold only unchanged records, and are linked to what is drawn.
        for g in d.nodes.iter().filter(|n| n.kind == NodeKind::Group) {
            assert_eq!(g.changed, 0);
            assert!(g.lines[0].contains("unchanged record"), "{:?}", g.lines);
        }
    }
}
