//! Records matched the way a person would, on real BuildKit output: each build-arg rebuild
//! (`tests/fixtures/real-buildkit/build-args/`, both BuildKit versions) makes a cache that is a
//! superset of the one before: 3 new records (steps outside the final image that see the new
//! `CHANNEL`) and the `COPY /deps/app …` record gains an input alternative. Nothing is removed.
//! (In v0.13's v2→v3 that record also loses its chains, moby/buildkit#3009 again: said too.)
#![cfg(not(target_arch = "wasm32"))]

use cachelens_core::{Options, analyze, compare};
use std::path::Path;

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/real-buildkit")
            .join(rel),
    )
    .unwrap()
}

#[test]
fn build_arg_rebuilds_read_as_three_added_and_one_gained_alternative() {
    let mut pairs = Vec::new();
    for (a, b) in [("v1", "v2"), ("v2", "v3"), ("v3", "v4")] {
        pairs.push(format!("build-args/{a}|build-args/{b}"));
    }
    for (a, b) in [("v1", "v2"), ("v2", "v3")] {
        pairs.push(format!(
            "buildkit-0.25/build-args/{a}|buildkit-0.25/build-args/{b}"
        ));
    }
    for p in pairs {
        let (l, r) = p.split_once('|').unwrap();
        let la = analyze(&read(&format!("{l}/config.json")), None).unwrap();
        let ra = analyze(&read(&format!("{r}/config.json")), None).unwrap();
        let cmp = compare(&la, &ra, &Options::default());
        let c = cmp.cache.as_ref().unwrap();
        assert_eq!(c.added.len(), 3, "{p}");
        assert!(c.removed.is_empty(), "{p}: {:?}", c.removed);
        assert_eq!(c.changed.len(), 1, "{p}: {:?}", c.changed);
        let ch = &c.changed[0];
        let inputs = ch.inputs.expect("inputs changed");
        assert_eq!((inputs.gained, inputs.lost), (1, 0), "{p}");
        assert_ne!(ch.right_id.as_deref(), Some(ch.record.id.as_str()));
        // Named by its result's step, or (where both sides had already lost that result, v3→v4)
        // by the step it feeds.
        let text = ch
            .record
            .step
            .as_ref()
            .map(|s| s.text.as_str())
            .unwrap_or("");
        assert!(
            text == "COPY /deps/app /usr/local/bin/shop # buildkit"
                || text == "an input of `COPY /deps/app /usr/local/bin/shop # buildkit`",
            "{p}: {text}"
        );
        // What is built on it got new ids only: paired, not added or removed.
        assert!(c.renamed > 0, "{p}");
        assert_eq!(
            c.records_right - c.records_left,
            3,
            "{p}: the right cache is the left one plus 3 records"
        );
        if p.contains("v1|") {
            assert!(ch.layers.is_none() && ch.chains.is_none(), "{p}");
            assert_eq!(
                c.phrase(),
                "1 record gained an input alternative; 3 records added",
                "{p}"
            );
        }
        // The JSON Patch stays complete: it still lists every record whose id changed.
        assert!(cmp.changes.len() > 4, "{p}");
    }
}

#[test]
fn pairs_that_only_lose_results_pair_nothing_new() {
    let la = analyze(&read("inline-rebuilds/2/config.json"), None).unwrap();
    let ra = analyze(&read("inline-rebuilds/3/config.json"), None).unwrap();
    let c = compare(&la, &ra, &Options::default()).cache.unwrap();
    assert!(c.added.is_empty() && c.removed.is_empty());
    assert_eq!(c.renamed, 0);
    assert!(
        c.changed
            .iter()
            .all(|ch| ch.inputs.is_none() && ch.right_id.is_none())
    );
}

#[test]
fn a_generated_renumbered_twin_with_real_changes_keeps_its_known_answer() {
    let pair = cachelens_core::synth::inline_config_pair(400, 7);
    let la = analyze(&pair.left, None).unwrap();
    let ra = analyze(&pair.right, None).unwrap();
    let c = compare(&la, &ra, &Options::default()).cache.unwrap();
    // The added root is still added, the dropped results still reported.
    assert!(
        c.added.iter().any(|a| a.digest == pair.added_root),
        "{:?}",
        c.added
    );
    assert!(
        c.changed
            .iter()
            .any(|ch| ch.record.digest == pair.dropped_results_of && ch.inputs.is_none()),
        "{:?}",
        c.changed
    );
}

/// Root changes: a generated registry cache pair with a few replaced blobs shows exactly those
/// blobs as its root changes, with what follows from each, at 1k and 10k records.
#[test]
fn replaced_blobs_are_the_root_changes() {
    for (records, replaced) in [(1_000, 3), (10_000, 4)] {
        let (pair, swaps) =
            cachelens_core::synth::cache_config_pair_replacing(records, 11, replaced);
        assert_eq!(swaps.len(), replaced);
        let la = analyze(&pair.left, None).unwrap();
        let ra = analyze(&pair.right, None).unwrap();
        let cmp = compare(&la, &ra, &Options::default());
        let c = cmp.cache.unwrap();
        let mut found: Vec<(String, String)> = c
            .roots
            .iter()
            .filter(|r| r.kind == "blob-replaced")
            .map(|r| (r.old.clone().unwrap(), r.new.clone().unwrap()))
            .collect();
        found.sort();
        let mut want = swaps.clone();
        want.sort();
        assert_eq!(found, want, "{records}");
        for r in c.roots.iter().filter(|r| r.kind == "blob-replaced") {
            assert!(r.chains >= 1 && r.records >= 1, "{r:?}");
            assert!(r.text.contains("→"), "{}", r.text);
        }
        // They lead the cache lines.
        assert!(
            c.lines()[0].starts_with("root change: blob "),
            "{:?}",
            &c.lines()[..2]
        );
    }
    // Without replacements: no blob root change.
    let (pair, _) = cachelens_core::synth::cache_config_pair_replacing(1_000, 11, 0);
    let c = compare(
        &analyze(&pair.left, None).unwrap(),
        &analyze(&pair.right, None).unwrap(),
        &Options::default(),
    )
    .cache
    .unwrap();
    assert!(
        c.roots.iter().all(|r| r.kind != "blob-replaced"),
        "{:?}",
        c.roots
    );
}

#[test]
fn a_new_key_is_where_the_cache_stops_matching() {
    // build-args v1→v2: the steps that see the new CHANNEL have new keys.
    let la = analyze(&read("build-args/v1/config.json"), None).unwrap();
    let ra = analyze(&read("build-args/v2/config.json"), None).unwrap();
    let c = compare(&la, &ra, &Options::default()).cache.unwrap();
    let keys: Vec<_> = c.roots.iter().filter(|r| r.kind == "key-changed").collect();
    assert!(!keys.is_empty());
    let added: Vec<&str> = c.added.iter().map(|a| a.id.as_str()).collect();
    for k in keys {
        assert!(added.contains(&k.new.as_deref().unwrap()));
        assert!(
            k.text.starts_with("the cache stops matching at "),
            "{}",
            k.text
        );
    }
}
