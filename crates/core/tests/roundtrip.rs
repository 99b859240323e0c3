//! Nothing lost: every canonical document turns back into the content of its input.
//!
//! For each input (the real payloads, the scenario pairs, generated caches and hand-made edge
//! cases), the canonical cache is turned back into BuildKit's form (records in an array, links
//! as indexes, results as layer indexes), and compared with the input's own cache as BuildKit
//! reads it: the same records (digest, what each input links to and with which selector,
//! results, chains and unknown fields) and the same layers (blob chain, annotations), each
//! value exactly, only the numbering free. The rest of the document must equal the input's
//! (objects compared as maps, numbers and strings exactly).
//!
//! The one value the canonical form respells is a time: `createdAt` is normalised to Go's UTC
//! RFC 3339 form (a missing one to Go's zero time, as BuildKit reads it). The inputs here already
//! use that form (BuildKit writes it), and the test checks so, so their times come back exactly;
//! `a_respelled_time_is_the_same_instant` covers the others. Inputs and results are compared as
//! BuildKit (Go) reads them: fields it ignores inside inputs, results and chains are not kept.

use cachelens_core::decode::{self, CacheConfig, Record};
use cachelens_core::{CacheForm, CanonOptions, Kind, analyze_with, json, synth};
use serde_json::{Map, Value, json};
use sha2::{Digest as _, Sha256};
use std::collections::HashMap;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

// ---- The canonical form back to BuildKit's ----

fn index_of(ids: &Map<String, Value>) -> HashMap<&str, usize> {
    ids.keys()
        .enumerate()
        .map(|(i, k)| (k.as_str(), i))
        .collect()
}

/// Canonical records (`{"<id>": record}`) back to a records array; `result_layer` turns a
/// result's explicit layer list back into BuildKit's one index, `chain_layer` a chain's entry.
fn records_back(
    records: &Value,
    result_layer: &dyn Fn(&[Value]) -> Value,
    chain_layer: &dyn Fn(&Value) -> Value,
) -> Value {
    let records = records.as_object().expect("records object");
    let at = index_of(records);
    let out: Vec<Value> = records
        .values()
        .map(|r| {
            let mut rec = Map::new();
            for (k, v) in r.as_object().unwrap() {
                let back = match k.as_str() {
                    "inputs" => json!(
                        v.as_array()
                            .unwrap()
                            .iter()
                            .map(|pos| pos
                                .as_array()
                                .unwrap()
                                .iter()
                                .map(|alt| {
                                    let mut a = alt.as_object().unwrap().clone();
                                    a["link"] = json!(at[alt["link"].as_str().unwrap()]);
                                    Value::Object(a)
                                })
                                .collect::<Vec<_>>())
                            .collect::<Vec<_>>()
                    ),
                    "layers" => json!(
                        v.as_array()
                            .unwrap()
                            .iter()
                            .map(|res| json!({
                                "layer": result_layer(res["layers"].as_array().unwrap()),
                                "createdAt": res["createdAt"],
                            }))
                            .collect::<Vec<_>>()
                    ),
                    "chains" => json!(
                        v.as_array()
                            .unwrap()
                            .iter()
                            .map(|c| json!({
                                "layers": c["layers"].as_array().unwrap().iter().map(chain_layer).collect::<Vec<_>>(),
                                "createdAt": c["createdAt"],
                            }))
                            .collect::<Vec<_>>()
                    ),
                    _ => v.clone(),
                };
                rec.insert(k.clone(), back);
            }
            Value::Object(rec)
        })
        .collect();
    Value::Array(out)
}

/// An inline cache's canonical `{"records": ...}` back to the array BuildKit writes.
fn inline_back(cache: &Value) -> Value {
    records_back(
        &cache["records"],
        &|layers| layers.last().expect("a result has layers")["index"].clone(),
        &|l| l["index"].clone(),
    )
}

/// A cache config's canonical `{"layers": ..., "records": ...}` back to BuildKit's form.
fn registry_back(cache: &Value) -> Value {
    let layers = cache["layers"].as_object().expect("layers object");
    let chains: Vec<&Vec<Value>> = layers
        .values()
        .map(|l| l["chain"].as_array().unwrap())
        .collect();
    let by_chain = |chain: &[Value]| chains.iter().position(|c| c.as_slice() == chain);
    let by_blob = |blob: &Value| layers.values().position(|l| &l["blob"] == blob);
    let layers_back: Vec<Value> = layers
        .values()
        .map(|l| {
            let mut out = l.as_object().unwrap().clone();
            let chain = out.remove("chain").unwrap();
            let chain = chain.as_array().unwrap();
            let parent = match chain.len() {
                1 => -1,
                n => by_chain(&chain[..n - 1]).expect("the parent chain is a layer") as i64,
            };
            out.insert("parent".into(), json!(parent));
            Value::Object(out)
        })
        .collect();
    let mut out = cache.as_object().unwrap().clone();
    out["layers"] = Value::Array(layers_back);
    out["records"] = records_back(
        &cache["records"],
        &|blobs| json!(by_chain(blobs).expect("a result's chain is a layer")),
        &|blob| json!(by_blob(blob).expect("a chain's blob is a layer")),
    );
    Value::Object(out)
}

// ---- What a cache holds, independent of numbering ----

fn sha(text: &str) -> String {
    format!("{:x}", Sha256::digest(text.as_bytes()))
}

/// A time as the canonical form writes it (Go's zero time for a missing one): the inputs here
/// must already be so (checked), so their times come back exactly.
fn time(t: &str) -> String {
    if t.is_empty() {
        ZERO_TIME.into()
    } else {
        decode::normalize_time(t).unwrap_or_else(|| t.to_owned())
    }
}

/// Each record's identity: its digest and, recursively, what its inputs link to.
fn identities(recs: &[Record]) -> Vec<String> {
    fn id(recs: &[Record], i: usize, memo: &mut Vec<Option<String>>) -> String {
        if let Some(s) = &memo[i] {
            return s.clone();
        }
        let inputs: Vec<Vec<String>> = recs[i]
            .inputs
            .iter()
            .map(|pos| {
                let mut alts: Vec<String> = pos
                    .iter()
                    .map(|a| json!([id(recs, a.link as usize, memo), a.selector]).to_string())
                    .collect();
                alts.sort();
                alts
            })
            .collect();
        let s = sha(&json!([recs[i].digest, inputs]).to_string());
        memo[i] = Some(s.clone());
        s
    }
    let mut memo = vec![None; recs.len()];
    (0..recs.len()).map(|i| id(recs, i, &mut memo)).collect()
}

/// Every record as one string (identity, results, chains, unknown fields), sorted: equal lists
/// mean the same records whatever their numbering. `result` names a result's layers.
fn record_set(
    recs: &[Record],
    result: &dyn Fn(i64) -> Value,
    chain: &dyn Fn(i64) -> Value,
) -> Vec<String> {
    let ids = identities(recs);
    let mut out: Vec<String> = recs
        .iter()
        .zip(&ids)
        .map(|(r, id)| {
            let mut results: Vec<String> = r
                .results
                .iter()
                .map(|x| json!([result(x.layer), x.created_at]).to_string())
                .collect();
            results.sort();
            let mut chains: Vec<String> = r
                .chains
                .iter()
                .map(|c| {
                    json!([
                        c.layers.iter().map(|l| chain(*l)).collect::<Vec<_>>(),
                        time(&c.created_at)
                    ])
                    .to_string()
                })
                .collect();
            chains.sort();
            // Maps compare whatever their key order.
            json::sorted(json!({"id": id, "results": results, "chains": chains, "extra": r.extra}))
                .to_string()
        })
        .collect();
    out.sort();
    out
}

/// A cache config's layers as blob chains (following `parent`).
fn blob_chains(cfg: &CacheConfig) -> Vec<Vec<String>> {
    (0..cfg.layers.len())
        .map(|mut i| {
            let mut chain = Vec::new();
            loop {
                chain.push(cfg.layers[i].blob.clone());
                match usize::try_from(cfg.layers[i].parent) {
                    Ok(p) if p != i && chain.len() <= cfg.layers.len() => i = p,
                    _ => break,
                }
            }
            chain.reverse();
            chain
        })
        .collect()
}

fn layer_set(cfg: &CacheConfig) -> Vec<String> {
    let chains = blob_chains(cfg);
    let mut out: Vec<String> = cfg
        .layers
        .iter()
        .zip(&chains)
        .map(|(l, c)| {
            json::sorted(json!({"chain": c, "annotations": l.annotations, "extra": l.extra}))
                .to_string()
        })
        .collect();
    out.sort();
    out
}

/// The cache as given (base64, records or cache config), read as BuildKit reads it.
fn given_cache(v: &Value) -> Value {
    match v {
        Value::String(s) => {
            let bytes = decode::base64_tolerant(s).unwrap();
            json::parse(std::str::from_utf8(&bytes).unwrap()).unwrap()
        }
        other => other.clone(),
    }
}

/// A missing time is Go's zero time: what BuildKit reads and writes back for it.
fn go_times(mut recs: Vec<Record>) -> Vec<Record> {
    for r in &mut recs {
        for t in r
            .results
            .iter_mut()
            .map(|x| &mut x.created_at)
            .chain(r.chains.iter_mut().map(|c| &mut c.created_at))
        {
            if t.is_empty() {
                *t = ZERO_TIME.into();
            }
        }
    }
    recs
}

fn all_times(recs: &[Record]) -> impl Iterator<Item = &str> {
    recs.iter().flat_map(|r| {
        r.results
            .iter()
            .map(|x| x.created_at.as_str())
            .chain(r.chains.iter().map(|c| c.created_at.as_str()))
    })
}

/// Checks one input; returns how many records came back. Every input here holds caches that
/// decode without a warning (so none is skipped for not being found).
fn check(name: &str, bytes: &[u8], opts: &CanonOptions) -> usize {
    let a = analyze_with(bytes, None, opts).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(a.warnings.is_empty(), "{name}: {:?}", a.warnings);
    assert!(!a.caches.is_empty(), "{name}: no cache found");
    let mut original = a.original.clone().into_value();
    let mut canonical = a.canonical().clone();
    let mut records = 0;
    for c in &a.caches {
        let p = c.pointer.to_string();
        let given = given_cache(original.pointer(&p).unwrap());
        let canon = canonical.pointer(&p).unwrap().clone();
        match c.form {
            CacheForm::Inline => {
                let want = go_times(decode::records(&given).unwrap());
                let got = decode::records(&inline_back(&canon)).unwrap();
                assert_eq!(got.len(), want.len(), "{name}: record count");
                for t in all_times(&want) {
                    assert!(
                        t.is_empty() || time(t) == t,
                        "{name}: {t} is not in Go's spelling"
                    );
                }
                let index = |l: i64| json!(l);
                assert_eq!(
                    record_set(&got, &index, &index),
                    record_set(&want, &index, &index),
                    "{name}: inline records"
                );
                records += got.len();
            }
            CacheForm::Registry => {
                let mut want = decode::cache_config(&given).unwrap();
                want.records = go_times(want.records);
                let got = decode::cache_config(&registry_back(&canon)).unwrap();
                assert_eq!(
                    got.records.len(),
                    want.records.len(),
                    "{name}: record count"
                );
                assert_eq!(layer_set(&got), layer_set(&want), "{name}: layers");
                assert_eq!(got.extra, want.extra, "{name}: unknown top-level fields");
                for t in all_times(&want.records) {
                    assert!(
                        t.is_empty() || time(t) == t,
                        "{name}: {t} is not in Go's spelling"
                    );
                }
                let sets = |cfg: &CacheConfig| {
                    let chains = blob_chains(cfg);
                    let result = |l: i64| json!(chains.get(l as usize));
                    let blob = |l: i64| json!(cfg.layers.get(l as usize).map(|x| &x.blob));
                    record_set(&cfg.records, &result, &blob)
                };
                assert_eq!(sets(&got), sets(&want), "{name}: registry records");
                records += got.records.len();
            }
        }
        if c.pointer.is_root() {
            return records;
        }
        let (parent, key) = c.pointer.split_last().unwrap();
        for doc in [&mut original, &mut canonical] {
            doc.pointer_mut(&parent.to_string())
                .and_then(Value::as_object_mut)
                .unwrap()
                .remove(key);
        }
    }
    // The rest is the input, keys sorted (maps compare whatever their order).
    if !matches!(a.kind, Kind::CacheIndex | Kind::CacheManifest) {
        assert_eq!(canonical, original, "{name}: the document around the cache");
    }
    records
}

macro_rules! fixture {
    ($path:literal) => {
        (
            $path,
            include_bytes!(concat!("../../../tests/fixtures/", $path)).as_slice(),
        )
    };
}

#[test]
fn real_payloads_and_scenarios_come_back() {
    let inputs = [
        fixture!("real/ctf-eksclustergames.inline-cache.b64"),
        fixture!("real/ctf-eksclustergames.inline-cache.decoded.json"),
        fixture!("real/gitlab-buildkit-index-as-manifest-list.cacheconfig.46a53c52.json"),
        fixture!("real/synthetic-renumbered-of-46a53c52.json"),
        fixture!("scenarios/chains-vanish/left.json"),
        fixture!("scenarios/chains-vanish/right.json"),
        fixture!("scenarios/env-change/left.json"),
        fixture!("scenarios/env-change/right.json"),
        fixture!("scenarios/bad-base64/left.json"),
        fixture!("scenarios/link-out-of-range/left.json"),
        fixture!("scenarios/pretty-vs-compact/left.json"),
        fixture!("scenarios/pretty-vs-compact/right.json"),
        fixture!("scenarios/registry-blob-change/left.json"),
        fixture!("scenarios/registry-blob-change/right.json"),
        fixture!("scenarios/registry-renumber/left.json"),
        fixture!("scenarios/registry-renumber/right.json"),
        fixture!("scenarios/shift-and-drop/left.json"),
        fixture!("scenarios/shift-and-drop/right.json"),
        fixture!("scenarios/tie-renumber/left.json"),
        fixture!("scenarios/tie-renumber/right.json"),
        fixture!("scenarios/timestamps-only/left.json"),
        fixture!("scenarios/timestamps-only/right.json"),
    ];
    let ctf = CanonOptions {
        diff_ids: Some(vec![
            "sha256:65014c70e84b6817fac42bb201ec5c1ea460a8da246cac0e481f5c9a9491eac0".into(),
            "sha256:8f4aa887ecc8cf569c164bbb187545f4c234b0363a7f430781065311e24e7774".into(),
        ]),
    };
    let mut records = 0;
    for (name, bytes) in inputs {
        let opts = if name.starts_with("real/ctf") {
            ctf.clone()
        } else {
            CanonOptions::default()
        };
        records += check(name, bytes, &opts);
    }
    // Every input above holds a cache (`check` asserts it): together 247 records, as counted by
    // decoding the fixtures with Python's json and base64 modules.
    assert_eq!(records, 247);
}

#[test]
fn documents_without_a_cache_come_back() {
    // Indexes and manifests (their descriptor arrays sorted: compared as sets), and caches that
    // cannot be decoded (kept as given, with a warning).
    let inputs = [
        fixture!("real/gitlab-buildkit-index-as-manifest-list.index.5d42ad55.json"),
        fixture!("real/joxit-registry-cache.index.transcribed.json"),
        fixture!("real/issue-1876-inline-fragment.json"),
        fixture!("scenarios/manifest-last-layer/left.json"),
        fixture!("scenarios/manifest-last-layer/right.json"),
        fixture!("scenarios/bad-base64/right.json"),
        fixture!("scenarios/link-out-of-range/right.json"),
    ];
    for (name, bytes) in inputs {
        let a = analyze_with(bytes, None, &CanonOptions::default()).unwrap();
        assert!(a.caches.is_empty(), "{name}");
        let (mut original, mut canonical) =
            (a.original.clone().into_value(), a.canonical().clone());
        for doc in [&mut original, &mut canonical] {
            for key in ["manifests", "layers"] {
                if let Some(Value::Array(items)) = doc.get_mut(key) {
                    items.sort_by_cached_key(|v| json::to_go_compact(&json::sorted_ref(v)));
                }
            }
        }
        assert_eq!(canonical, original, "{name}");
    }
}

#[test]
fn generated_caches_come_back() {
    for seed in [1, 2, 3] {
        let p = synth::inline_config_pair(400, seed);
        let n = check("inline left", &p.left, &CanonOptions::default())
            + check("inline right", &p.right, &CanonOptions::default());
        assert!(n >= 700, "inline: {n}");
        let p = synth::cache_config_pair(400, seed);
        let n = check("registry left", &p.left, &CanonOptions::default())
            + check("registry right", &p.right, &CanonOptions::default());
        assert!(n >= 700, "registry: {n}");
    }
}

#[test]
fn unusual_values_come_back_exactly() {
    // Unknown fields (with numbers beyond i64 and f64, unicode and escapes), null records,
    // exact duplicates, duplicate alternatives, selectors with unicode, results without times,
    // a chain, and an unknown top-level and layer field in a cache config.
    let records = r#"[
        {"digest":"sha256:0000000000000000000000000000000000000000000000000000000000000001","note":{"big":123456789012345678901234567890,"tiny":1e-400,"s":"é\u0301 😀 \u2028 <&>"}},
        null,
        {"digest":"sha256:0000000000000000000000000000000000000000000000000000000000000002","inputs":[[{"link":0,"selector":"sha256:ünï"},{"link":0,"selector":"sha256:ünï"}],[{"link":1}]],"layers":[{"layer":0}],"chains":[{"layers":[0,0],"createdAt":"2024-02-29T23:59:59.999999999Z"}]},
        {"digest":"sha256:0000000000000000000000000000000000000000000000000000000000000002","inputs":[[{"link":0,"selector":"sha256:ünï"},{"link":0,"selector":"sha256:ünï"}],[{"link":1}]],"layers":[{"layer":0}],"chains":[{"layers":[0,0],"createdAt":"2024-02-29T23:59:59.999999999Z"}]}
    ]"#;
    use base64::Engine as _;
    let compact = json::to_go_compact(&json::parse(records).unwrap());
    let config = format!(
        r#"{{"architecture":"amd64","os":"linux","rootfs":{{"type":"layers","diff_ids":["sha256:aa"]}},"moby.buildkit.cache.v0":"{}","config":{{"Labels":{{"n":"1.0e+400","ü":"\u00fc"}}}},"n":[1.50,-0,1E400]}}"#,
        base64::engine::general_purpose::STANDARD.encode(compact)
    );
    assert_eq!(
        check(
            "inline cache in a config",
            config.as_bytes(),
            &CanonOptions::default()
        ),
        4
    );
    let config = format!(
        r#"{{"layers":[{{"blob":"sha256:b0","parent":-1,"annotations":{{"createdAt":"2024-01-01T00:00:00Z","x":"ÿ"}},"size":99999999999999999999}},{{"blob":"sha256:b1","parent":0}},{{"blob":"sha256:b1","parent":-1}}],"records":{records},"extra":[1.50,"\ud83d\ude00"]}}"#
    );
    let n = check(
        "registry config",
        config.as_bytes(),
        &CanonOptions::default(),
    );
    assert_eq!(n, 4);
}

#[test]
fn a_respelled_time_is_the_same_instant() {
    // Not Go's spelling: an offset, trailing zeros. The canonical form keeps the instant.
    let records = r#"[{"digest":"sha256:0000000000000000000000000000000000000000000000000000000000000001","layers":[{"layer":0,"createdAt":"2025-01-01T00:30:00.500-01:00"}]}]"#;
    let a = analyze_with(
        records.as_bytes(),
        None,
        &CanonOptions {
            diff_ids: Some(vec!["sha256:aa".into()]),
        },
    )
    .unwrap();
    let back = decode::records(&inline_back(a.canonical())).unwrap();
    assert_eq!(back[0].results[0].created_at, "2025-01-01T01:30:00.5Z");
}
