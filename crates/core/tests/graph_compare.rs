//! `compare` reads the inputs' outlines and their caches' graphs, never their whole canonical
//! documents (`Document`): these hold what it answers to what the documents say, on real
//! BuildKit output, on variants of it whose times were moved and whose results were put in
//! another order, and on generated caches.
//!
//! - Its changes are `diff` of the two canonical documents, the same values in the same order.
//! - "Every change is a timestamp" (`Context::times_only`) is what comparing with timestamps
//!   ignored (the filtered documents) says: no change left.
#![cfg(not(target_arch = "wasm32"))]

use base64::Engine as _;
use cachelens_core::{Analysis, Options, analyze, compare, diff};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/real-buildkit")
}

/// Every JSON file under `dir`, by path.
fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            json_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "json") {
            out.push(p);
        }
    }
}

/// The checks themselves, for one ordered pair; whether it differs in times only.
fn holds(l: &Analysis, r: &Analysis, what: &str) -> bool {
    let plain = compare(l, r, &Options::default());
    assert_eq!(
        plain.changes,
        diff(l.canonical(), r.canonical()),
        "changes of {what}"
    );
    let ignoring = compare(
        l,
        r,
        &Options {
            ignore_timestamps: true,
            ..Options::default()
        },
    );
    let want = !plain.changes.is_empty() && ignoring.changes.is_empty();
    assert_eq!(plain.context.times_only, want, "{what}");
    want
}

/// A copy of an image config or cache with every cache time moved and each record's results
/// reversed: the same cache once times are ignored.
fn retimed(v: &Value) -> Option<Value> {
    fn times(v: &mut Value) {
        match v {
            Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    if (k == "createdAt" || k == "created") && x.is_string() {
                        *x = Value::from("2031-01-02T03:04:05.123456789Z");
                    } else {
                        times(x);
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(times),
            _ => {}
        }
    }
    // The records (an inline cache is their array; a cache config holds them), each with its
    // results in reverse order.
    fn walk(cache: &mut Value) {
        times(cache);
        let records = match cache {
            Value::Array(r) => r,
            Value::Object(m) => match m.get_mut("records") {
                Some(Value::Array(r)) => r,
                _ => return,
            },
            _ => return,
        };
        for r in records.iter_mut().filter_map(Value::as_object_mut) {
            for f in ["layers", "results", "chains"] {
                if let Some(Value::Array(a)) = r.get_mut(f) {
                    a.reverse();
                }
            }
        }
    }
    let mut v = v.clone();
    let records = v.get("records").is_some();
    match v.get_mut("moby.buildkit.cache.v0") {
        Some(Value::String(b64)) => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(b64.as_bytes())
                .ok()?;
            let mut cache: Value = serde_json::from_slice(&bytes).ok()?;
            walk(&mut cache);
            *b64 = base64::engine::general_purpose::STANDARD
                .encode(serde_json::to_vec(&cache).unwrap());
            if let Some(Value::String(c)) = v.get_mut("created") {
                *c = "2031-01-02T03:04:05Z".into();
            }
        }
        Some(_) => return None,
        None if records => walk(&mut v),
        None => return None,
    }
    Some(v)
}

#[test]
fn compare_says_what_the_documents_say_on_real_buildkit_output() {
    let mut files = Vec::new();
    json_files(&root(), &mut files);
    let mut by_dir: std::collections::BTreeMap<PathBuf, Vec<Analysis>> = Default::default();
    let (mut pairs, mut times_only, mut variants) = (0, 0, 0);
    // (No two real inputs differ in their times only: the retimed copies are those.)
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        let Ok(a) = analyze(&bytes, None) else {
            continue;
        };
        // Each input beside its variant: different bytes, the same but for times.
        if let Some(v) = serde_json::from_slice::<Value>(&bytes)
            .ok()
            .and_then(|v| retimed(&v))
        {
            let b = analyze(serde_json::to_string(&v).unwrap().as_bytes(), None).unwrap();
            let what = format!("{} and its retimed copy", f.display());
            if !a.caches.is_empty() {
                assert!(holds(&a, &b, &what), "{what}");
                assert!(holds(&b, &a, &what), "{what}");
                variants += 1;
            }
        }
        by_dir
            .entry(f.parent().unwrap().into())
            .or_default()
            .push(a);
    }
    // Every ordered pair of inputs of the same kind in a folder.
    for (dir, inputs) in &by_dir {
        for (i, l) in inputs.iter().enumerate() {
            for (j, r) in inputs.iter().enumerate() {
                if i != j && l.kind == r.kind {
                    pairs += 1;
                    times_only += usize::from(holds(l, r, &format!("{} #{i} #{j}", dir.display())));
                }
            }
        }
    }
    assert!(variants >= 40, "{variants} retimed inputs");
    assert!(pairs >= 250, "{pairs} pairs");
    eprintln!("{variants} retimed inputs, {pairs} pairs, {times_only} of them times only");
}

#[test]
fn compare_says_what_the_documents_say_on_generated_caches() {
    use cachelens_core::synth::{cache_config_pair, inline_config_pair};
    for seed in 1..=6 {
        for (kind, pair) in [
            ("inline", inline_config_pair(300, seed)),
            ("registry", cache_config_pair(300, seed)),
        ] {
            let l = analyze(&pair.left, None).unwrap();
            let r = analyze(&pair.right, None).unwrap();
            let what = format!("{kind} pair, seed {seed}");
            holds(&l, &r, &what);
            holds(&r, &l, &what);
            // Against the other seed's right side: many more changes.
            let other = inline_config_pair(300, seed + 1);
            if kind == "inline" {
                let o = analyze(&other.right, None).unwrap();
                holds(&l, &o, &what);
            }
            assert!(
                !compare(&l, &r, &Options::default()).changes.is_empty(),
                "{what}"
            );
        }
    }
}

/// A real cache config and a real image config, each changed where no rebuild above changed
/// them: layer annotations, unknown fields, a selector; each with and without its times moved.
#[test]
fn compare_says_what_the_documents_say_where_real_pairs_do_not_differ() {
    let read = |rel: &str| -> Value {
        serde_json::from_slice(&std::fs::read(root().join(rel)).unwrap()).unwrap()
    };
    let cfg = read("registry-cache/3/cacheconfig.json");
    let img = read("inline-rebuilds/1/config.json");
    type Edit = fn(&mut Value);
    // Edits of a cache (a cache config, or an inline cache's records).
    let edits: [(&str, Edit); 6] = [
        ("a layer annotation's time", |c| {
            if let Some(l) = c.get_mut("layers").and_then(|l| l.get_mut(0)) {
                l["annotations"] = serde_json::json!({"buildkit/createdat": "2030-01-01T00:00:00Z", "containerd.io/uncompressed": "sha256:00"});
            }
        }),
        ("a layer annotation", |c| {
            if let Some(l) = c.get_mut("layers").and_then(|l| l.get_mut(1)) {
                l["annotations"] = serde_json::json!({"containerd.io/uncompressed": "sha256:11"});
            }
        }),
        ("an unknown top-level field", |c| {
            if let Some(m) = c.as_object_mut() {
                m.insert(
                    "future".into(),
                    serde_json::json!({"created": "2030-01-01T00:00:00Z", "n": 1}),
                );
            }
        }),
        ("an unknown record field", |c| {
            records(c)[0]["future"] = serde_json::json!(["x"]);
        }),
        ("an unknown record time", |c| {
            records(c)[0]["created"] = serde_json::json!("2030-01-01T00:00:00Z");
        }),
        ("a selector", |c| {
            for r in records(c) {
                if let Some(alt) = r.pointer_mut("/inputs/0/0") {
                    alt["selector"] = "sha256:99".into();
                    break;
                }
            }
        }),
    ];
    fn records(c: &mut Value) -> &mut Vec<Value> {
        let c = if c.is_array() { c } else { &mut c["records"] };
        c.as_array_mut().unwrap()
    }
    let inline = |edit: Edit, v: &Value| {
        let mut v = v.clone();
        let b64 = v["moby.buildkit.cache.v0"].as_str().unwrap();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64.as_bytes())
            .unwrap();
        let mut cache: Value = serde_json::from_slice(&bytes).unwrap();
        edit(&mut cache);
        v["moby.buildkit.cache.v0"] = base64::engine::general_purpose::STANDARD
            .encode(serde_json::to_vec(&cache).unwrap())
            .into();
        v
    };
    let analysed = |v: &Value| analyze(serde_json::to_string(v).unwrap().as_bytes(), None).unwrap();
    let mut times_only = 0;
    for (what, edit) in edits {
        let mut c = cfg.clone();
        edit(&mut c);
        let i = inline(edit, &img);
        for (name, base, edited) in [("cache config", &cfg, c), ("image config", &img, i)] {
            let a = analysed(base);
            for e in [edited.clone(), retimed(&edited).unwrap()] {
                let b = analysed(&e);
                let w = format!("{name}: {what}");
                times_only += usize::from(holds(&a, &b, &w));
                holds(&b, &a, &w);
                // The edit on both sides, times moved on one: times only.
                let e2 = analysed(&edited);
                if !compare(&e2, &b, &Options::default()).changes.is_empty() {
                    assert!(holds(&e2, &b, &w), "{w}: retimed");
                }
            }
        }
    }
    // The annotation time, the record time and the retimed copies of the cache config.
    assert!(times_only >= 3, "{times_only}");
}
