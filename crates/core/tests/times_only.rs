//! "Every change is a timestamp" (`Context::times_only`) is what comparing with timestamps
//! ignored says: no change left. `compare` answers it by walking the borrowed documents; this
//! holds the walk to the filtered copies, on real BuildKit output and on variants of it whose
//! times were moved and whose results were put in another order.
#![cfg(not(target_arch = "wasm32"))]

use base64::Engine as _;
use cachelens_core::{Analysis, Options, analyze, compare};
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

/// The check itself, for one ordered pair.
fn holds(l: &Analysis, r: &Analysis, what: &str) -> bool {
    let plain = compare(l, r, &Options::default());
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
fn times_only_is_what_ignoring_timestamps_leaves_on_real_buildkit_output() {
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
        by_dir.entry(f.parent().unwrap().into()).or_default().push(a);
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
