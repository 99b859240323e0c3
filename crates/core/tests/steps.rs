//! Records named by their Dockerfile steps, on real BuildKit output
//! (`tests/fixtures/real-buildkit/`): the expected step of each record is worked out here from
//! the image config's `history` and `rootfs.diff_ids` (the i-th history entry without
//! `empty_layer` made layer i), independently of `cachelens_core::steps`.
#![cfg(not(target_arch = "wasm32"))]

use cachelens_core::steps::{Found, ImageFacts, name_records};
use cachelens_core::{CacheForm, Options, analyze, compare};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn real(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/real-buildkit")
        .join(rel)
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(real(rel)).unwrap()
}

fn json(rel: &str) -> Value {
    serde_json::from_slice(&read(rel)).unwrap()
}

/// Layer i's step and diff_id, by hand.
fn layer_steps(config: &Value) -> Vec<(String, String)> {
    let steps: Vec<String> = config["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["empty_layer"] != true)
        .map(|h| {
            h.get("created_by")
                .or_else(|| h.get("comment"))
                .and_then(Value::as_str)
                .unwrap()
                .trim()
                .to_owned()
        })
        .collect();
    let ids = config["rootfs"]["diff_ids"].as_array().unwrap();
    assert_eq!(steps.len(), ids.len());
    steps
        .into_iter()
        .zip(ids.iter().map(|d| d.as_str().unwrap().to_owned()))
        .collect()
}

#[test]
fn inline_rebuilds_name_the_step_of_each_record_that_lost_its_chains() {
    for (from, to, want) in [
        ("inline-rebuilds/2", "inline-rebuilds/3", &[1usize][..]),
        ("inline-rebuilds/3", "inline-rebuilds/4", &[2, 3][..]),
    ] {
        let (l, r) = (
            analyze(&read(&format!("{from}/config.json")), None).unwrap(),
            analyze(&read(&format!("{to}/config.json")), None).unwrap(),
        );
        let by_hand = layer_steps(&json(&format!("{from}/config.json")));
        let cmp = compare(&l, &r, &Options::default());
        let cache = cmp.cache.as_ref().unwrap();
        let mut layers: Vec<usize> = Vec::new();
        for c in &cache.changed {
            assert!(c.chains.is_some(), "{from}: {c:?}");
            let step = c.record.step.as_ref().expect("named");
            let layer = step.layer.unwrap();
            assert_eq!(step.found, Found::History);
            assert_eq!(step.text, by_hand[layer].0, "{from}");
            assert_eq!(step.diff_id.as_deref(), Some(by_hand[layer].1.as_str()));
            layers.push(layer);
            // The text report leads with the step, the record id stays as the key.
            let line = cache
                .lines()
                .into_iter()
                .find(|x| x.contains(&c.record.id))
                .unwrap();
            assert!(
                line.starts_with(&format!("`{}` (layer {layer}; record ", by_hand[layer].0)),
                "{line}"
            );
        }
        layers.sort_unstable();
        assert_eq!(layers, want, "{from}");
    }
    // The step of 2→3 is the COPY of the final stage; the LABEL before it makes no layer.
    let config = json("inline-rebuilds/2/config.json");
    assert_eq!(
        layer_steps(&config)[1].0,
        "COPY /deps/app /usr/local/bin/shop # buildkit"
    );
}

#[test]
fn records_without_a_result_are_named_by_what_they_feed() {
    let (l, r) = (
        analyze(&read("build-args/v1/config.json"), None).unwrap(),
        analyze(&read("build-args/v2/config.json"), None).unwrap(),
    );
    let cmp = compare(&l, &r, &Options::default());
    let cache = cmp.cache.as_ref().unwrap();
    let fed: Vec<_> = cache
        .added
        .iter()
        .filter_map(|a| a.step.as_ref())
        .filter(|s| s.found == Found::Feeds)
        .collect();
    assert!(!fed.is_empty());
    for s in fed {
        assert!(s.text.starts_with("an input of `"), "{}", s.text);
    }
}

#[test]
fn registry_caches_of_v0_25_name_steps_through_their_images() {
    for n in 1..=6 {
        let dir = format!("buildkit-0.25/registry-cache/{n}");
        let a = analyze(&read(&format!("{dir}/cacheconfig.json")), None).unwrap();
        let manifest = json(&format!("{dir}/image/manifest.json"));
        let config = json(&format!("{dir}/image/config.json"));
        let mut facts = ImageFacts::from_doc(&manifest).unwrap();
        facts.merge(ImageFacts::from_doc(&config).unwrap());
        let by_hand = layer_steps(&config);
        let blobs: Vec<&str> = manifest["layers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["digest"].as_str().unwrap())
            .collect();
        let records = a.canonical()["records"].as_object().unwrap();
        let (steps, warnings) = name_records(records, CacheForm::Registry, Some(&facts));
        assert!(warnings.is_empty(), "{dir}: {warnings:?}");
        let mut matched = 0;
        for (id, r) in records {
            let Some(last) = r["layers"]
                .as_array()
                .and_then(|rs| rs.first())
                .and_then(|res| res["layers"].as_array())
                .and_then(|chain| chain.last())
                .and_then(Value::as_str)
            else {
                continue;
            };
            let step = &steps[id];
            match blobs.iter().position(|b| *b == last) {
                Some(i) => {
                    assert_eq!(step.found, Found::ImageLayer, "{dir} {id}");
                    assert_eq!(step.text, by_hand[i].0, "{dir} {id}");
                    assert_eq!(step.layer, Some(i));
                    matched += 1;
                }
                None => {
                    // A layer of another stage: not in the final image, said plainly.
                    assert_eq!(step.found, Found::ChainPosition, "{dir} {id}");
                    assert!(step.text.contains("not among the image's layers"));
                }
            }
        }
        assert!(matched >= 3, "{dir}: {matched}");
        // Without the image: positions only, never a guessed step.
        let (steps, _) = name_records(records, CacheForm::Registry, None);
        assert!(
            steps
                .values()
                .all(|s| matches!(s.found, Found::ChainPosition | Found::Feeds)),
            "{dir}"
        );
    }
}

#[test]
fn bad_histories_are_said_and_the_rest_stands() {
    // The history says one layer-making step fewer than the image has layers.
    let mut config = json("inline-rebuilds/2/config.json");
    let history = config["history"].as_array_mut().unwrap();
    let last_layer = history
        .iter()
        .rposition(|h| h["empty_layer"] != true)
        .unwrap();
    history.remove(last_layer);
    let short = serde_json::to_vec(&config).unwrap();
    let l = analyze(&short, None).unwrap();
    let r = analyze(&read("inline-rebuilds/3/config.json"), None).unwrap();
    let cmp = compare(&l, &r, &Options::default());
    let cache = cmp.cache.as_ref().unwrap();
    assert!(
        cache
            .step_warnings
            .iter()
            .any(|w| w.starts_with("left: the image config's history has")),
        "{:?}",
        cache.step_warnings
    );
    assert!(
        cache
            .lines()
            .iter()
            .any(|l| l.starts_with("step names: left:"))
    );
    // The record that lost its chains is still reported (named: layer 1 is before the cut).
    assert_eq!(cache.changed.len(), 1);
    // No history on either side: said, and records fall back to their ids.
    let strip = |rel: &str| {
        let mut config = json(rel);
        config.as_object_mut().unwrap().remove("history");
        analyze(&serde_json::to_vec(&config).unwrap(), None).unwrap()
    };
    let (l, r) = (
        strip("inline-rebuilds/2/config.json"),
        strip("inline-rebuilds/3/config.json"),
    );
    let cmp = compare(&l, &r, &Options::default());
    let cache = cmp.cache.as_ref().unwrap();
    assert!(cache.step_warnings.iter().any(|w| w.contains("no history")));
    assert!(
        cache.lines()[0].starts_with("record "),
        "{:?}",
        cache.lines()
    );
}

/// The coverage of every real inline config, worked out here from the raw base64 cache: a
/// record's `layers: [{layer: i}]` holds layer i as a prefix result, `chains: [{layers: [.., i]}]`
/// holds layer i independently.
#[test]
fn coverage_of_each_real_inline_config_matches_its_history() {
    use base64::Engine as _;
    let mut configs = Vec::new();
    for n in 1..=8 {
        configs.push(format!("inline-rebuilds/{n}/config.json"));
        configs.push(format!("buildkit-0.25/inline-rebuilds/{n}/config.json"));
    }
    for n in 1..=6 {
        configs.push(format!("wide-rebuilds/{n}/config.json"));
    }
    for v in ["v1", "v2", "v3", "v4"] {
        configs.push(format!("build-args/{v}/config.json"));
    }
    for rel in configs {
        let config = json(&rel);
        let raw = base64::engine::general_purpose::STANDARD
            .decode(config["moby.buildkit.cache.v0"].as_str().unwrap())
            .unwrap();
        let records: Value = serde_json::from_slice(&raw).unwrap();
        let n = config["rootfs"]["diff_ids"].as_array().unwrap().len();
        let (mut prefix, mut independent) = (vec![false; n], vec![false; n]);
        for r in records.as_array().unwrap() {
            for res in r["layers"].as_array().into_iter().flatten() {
                prefix[res["layer"].as_u64().unwrap_or(0) as usize] = true;
            }
            for ch in r["chains"].as_array().into_iter().flatten() {
                let last = ch["layers"].as_array().unwrap().last().unwrap();
                independent[last.as_u64().unwrap() as usize] = true;
            }
        }
        let steps = layer_steps(&config);
        let o = cachelens_core::overview::overview(&analyze(&read(&rel), None).unwrap());
        assert_eq!(o.coverage.len(), n, "{rel}");
        for (i, c) in o.coverage.iter().enumerate() {
            assert_eq!(c.layer, i);
            assert_eq!(c.step.as_deref(), Some(steps[i].0.as_str()), "{rel} {i}");
            assert_eq!(
                (c.held.prefix, c.held.independent),
                (prefix[i], independent[i]),
                "{rel} {i}"
            );
        }
    }
}

#[test]
fn what_the_next_build_loses_is_said_per_step() {
    let l = analyze(&read("inline-rebuilds/2/config.json"), None).unwrap();
    let r = analyze(&read("inline-rebuilds/3/config.json"), None).unwrap();
    let cmp = compare(&l, &r, &Options::default());
    let cache = cmp.cache.unwrap();
    let lost: Vec<_> = cache
        .coverage
        .iter()
        .filter(|c| c.meaning().is_some())
        .collect();
    assert_eq!(lost.len(), 1);
    assert_eq!(lost[0].layer, 1);
    assert!(lost[0].left.independent && !lost[0].right.independent);
    assert!(
        lost[0].left.prefix && lost[0].right.prefix,
        "every prefix result is still there"
    );
    assert!(
        cache
            .lines()
            .iter()
            .any(|l| l.starts_with("next build, layer 1 `COPY /deps/app /usr/local/bin/shop # buildkit`: loses the independent result")),
        "{:?}",
        cache.lines()
    );
}
