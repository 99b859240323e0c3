//! Synthetic inputs for benchmarks and tests: realistic BuildKit caches of any size, each with a
//! twin that is renumbered (as BuildKit's unstable sort does) and carries a few real changes.
//! Deterministic for a given seed; pure like the rest of the core.

use serde_json::{Value, json};

/// A generated pair and what a correct comparison must find.
#[derive(Debug, Clone)]
pub struct Pair {
    /// Left input bytes (Go-compact JSON, as a registry stores it).
    pub left: Vec<u8>,
    /// Right input bytes: the same cache renumbered, plus the real changes below.
    pub right: Vec<u8>,
    /// Digest of the record whose results were dropped on the right.
    pub dropped_results_of: String,
    /// Digest of the root record added on the right.
    pub added_root: String,
}

/// splitmix64: small, fast, good enough to shape test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

fn digest(tag: &str, n: usize) -> String {
    crate::Digest::sha256(format!("{tag}{n}").as_bytes()).to_string()
}

/// One record before numbering: links are indexes into the generation order.
#[derive(Clone)]
struct Rec {
    digest: String,
    inputs: Vec<Vec<(String, usize)>>,
    result: Option<(usize, String)>,
}

fn graph(records: usize, layers: usize, rng: &mut Rng) -> Vec<Rec> {
    let selectors = [
        digest("sel", 0),
        digest("sel", 1),
        digest("sel", 2),
        String::new(),
    ];
    let distinct = (records * 2 / 3).max(1);
    (0..records)
        .map(|i| {
            let root = i < 4 || rng.chance(8);
            let inputs = if root {
                Vec::new()
            } else {
                // Exec steps with mounts or COPY --from have several input positions.
                (0..1 + usize::from(rng.chance(40)))
                    .map(|_| {
                        // An input is often satisfiable by two records (content and definition keys).
                        (0..1 + usize::from(rng.chance(60)))
                            .map(|_| {
                                // Mostly recent records, as build steps chain.
                                let back = 1 + rng.below(i.min(40));
                                (selectors[rng.below(4)].clone(), i - back)
                            })
                            .collect()
                    })
                    .collect()
            };
            // mode=max exports the result of (almost) every step.
            let result = (!root && rng.chance(80)).then(|| {
                // Go's RFC3339Nano, as BuildKit writes it: no trailing zeros in the fraction.
                let fraction = format!("{:09}", rng.next() % 1_000_000_000);
                let fraction = fraction.trim_end_matches('0');
                let t = format!(
                    "2025-03-04T10:{:02}:{:02}{}{fraction}Z",
                    rng.below(60),
                    rng.below(60),
                    if fraction.is_empty() { "" } else { "." },
                );
                (rng.below(layers), t)
            });
            Rec {
                digest: digest("rec", rng.below(distinct)),
                inputs,
                result,
            }
        })
        .collect()
}

/// Numbers the records by BuildKit's order (digest, then an arbitrary tie-break from `rng`, as
/// its unstable sort gives) and writes them as JSON values.
fn number(recs: &[Rec], rng: &mut Rng, registry_layers: Option<&[usize]>) -> Vec<Value> {
    let mut order: Vec<(String, u64, usize)> = recs
        .iter()
        .enumerate()
        .map(|(i, r)| (r.digest.clone(), rng.next(), i))
        .collect();
    order.sort();
    let mut pos = vec![0usize; recs.len()];
    for (p, (_, _, i)) in order.iter().enumerate() {
        pos[*i] = p;
    }
    order
        .iter()
        .map(|(_, _, i)| {
            let r = &recs[*i];
            let mut m = serde_json::Map::new();
            if let Some((layer, t)) = &r.result {
                let layer = registry_layers.map_or(*layer, |map| map[*layer]);
                m.insert("layers".into(), json!([{"layer": layer, "createdAt": t}]));
            }
            m.insert("digest".into(), json!(r.digest));
            if !r.inputs.is_empty() {
                let inputs: Vec<Value> = r
                    .inputs
                    .iter()
                    .map(|pos_alts| {
                        let mut alts: Vec<(usize, &str)> = pos_alts
                            .iter()
                            .map(|(s, l)| (pos[*l], s.as_str()))
                            .collect();
                        alts.sort();
                        Value::Array(
                            alts.into_iter()
                                .map(|(l, s)| {
                                    if s.is_empty() {
                                        json!({"link": l})
                                    } else {
                                        json!({"selector": s, "link": l})
                                    }
                                })
                                .collect(),
                        )
                    })
                    .collect();
                m.insert("inputs".into(), Value::Array(inputs));
            }
            Value::Object(m)
        })
        .collect()
}

fn changed(recs: &[Rec], rng: &mut Rng) -> (Vec<Rec>, String, String) {
    let mut twin = recs.to_vec();
    let with_result: Vec<usize> = (0..twin.len())
        .filter(|&i| twin[i].result.is_some())
        .collect();
    let dropped = with_result
        .get(rng.below(with_result.len()))
        .copied()
        .unwrap_or(0);
    twin[dropped].result = None;
    let added = digest("new-root", 0);
    twin.push(Rec {
        digest: added.clone(),
        inputs: Vec::new(),
        result: None,
    });
    (twin, recs[dropped].digest.clone(), added)
}

fn diff_ids(n: usize) -> Vec<String> {
    (0..n).map(|i| digest("layer", i)).collect()
}

/// An image config of `layers` layers with these records as its inline cache, numbered by
/// `rng` (Go-compact bytes).
fn inline_config(recs: &[Rec], layers: usize, rng: &mut Rng) -> Vec<u8> {
    let cache = crate::json::to_go_compact(&Value::Array(number(recs, rng, None)));
    use base64::Engine as _;
    let value = base64::engine::general_purpose::STANDARD.encode(cache);
    let history: Vec<Value> = (0..layers)
        .map(|i| json!({"created": "2025-03-04T10:00:00Z", "created_by": format!("RUN step {i}"), "comment": "buildkit.dockerfile.v0"}))
        .collect();
    let doc = json!({
        "architecture": "amd64",
        "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], "Cmd": ["/app"], "WorkingDir": "/app"},
        "created": "2025-03-04T10:00:00Z",
        "history": history,
        "moby.buildkit.cache.v0": value,
        "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": diff_ids(layers)},
    });
    crate::json::to_go_compact(&doc)
}

/// An image config with an inline cache of about `records` records (≈ 0.4 KB each, base64
/// included: 1k records ≈ 0.4 MB, 100k ≈ 41 MB), and its twin.
pub fn inline_config_pair(records: usize, seed: u64) -> Pair {
    let mut rng = Rng(seed);
    let layers = 24;
    let recs = graph(records, layers, &mut rng);
    let (twin, dropped, added) = changed(&recs, &mut rng);
    Pair {
        left: inline_config(&recs, layers, &mut rng),
        right: inline_config(&twin, layers, &mut rng),
        dropped_results_of: dropped,
        added_root: added,
    }
}

/// A series of `builds` image configs with inline caches of about `records` records, as a loop
/// of rebuilds gives (moby/buildkit#3009): every build numbers its records its own way (so no
/// two have the same bytes), and the cache is in one of three states, changing every 10 builds
/// and coming back: build `b` (0-based) is in state `(b / 10) % 3`. State 0 is the generated
/// cache; states 1 and 2 each lose the results of another record and gain a root record (as
/// [`inline_config_pair`]'s twin). So 50 builds make 3 groups and 4 transitions.
pub fn inline_config_series(records: usize, builds: usize, seed: u64) -> Vec<Vec<u8>> {
    let mut rng = Rng(seed);
    let layers = 24;
    let s0 = graph(records, layers, &mut rng);
    let (s1, _, _) = changed(&s0, &mut rng);
    let (mut s2, _, _) = changed(&s0, &mut rng);
    // Another record loses its results in state 2 than in state 1, whatever the draw gave.
    if let Some(i) = (0..s2.len())
        .rev()
        .find(|&i| s2[i].result.is_some() && s1[i].result.is_some())
    {
        s2[i].result = None;
    }
    let states = [s0, s1, s2];
    (0..builds)
        .map(|b| inline_config(&states[(b / 10) % 3], layers, &mut rng))
        .collect()
}

/// A registry cache config (`mode=max`) of about `records` records, and its twin.
pub fn cache_config_pair(records: usize, seed: u64) -> Pair {
    cache_config_pair_replacing(records, seed, 0).0
}

/// As [`cache_config_pair`], with `replaced` layer blobs (among those results hold) replaced by
/// new ones on the right, as a rebuild whose step produced other bytes gives. Returns the pair
/// and the replaced blobs, `(old, new)`.
pub fn cache_config_pair_replacing(
    records: usize,
    seed: u64,
    replaced: usize,
) -> (Pair, Vec<(String, String)>) {
    let mut rng = Rng(seed);
    let nlayers = (records / 3).max(2);
    let recs = graph(records, nlayers, &mut rng);
    // Layers: chains of a few blobs each, parents pointing back.
    let layers: Vec<(String, Option<usize>)> = (0..nlayers)
        .map(|k| {
            (
                digest("blob", k),
                (k > 0 && rng.chance(80)).then(|| k - 1 - rng.below(k.min(3))),
            )
        })
        .collect();
    let (twin, dropped, added) = changed(&recs, &mut rng);
    // Blobs to replace: distinct layers that some result holds, spread over the list.
    let used: std::collections::BTreeSet<usize> = recs
        .iter()
        .filter_map(|r| r.result.as_ref().map(|(l, _)| *l))
        .collect();
    let used: Vec<usize> = used.into_iter().collect();
    let picks: Vec<usize> = (0..replaced.min(used.len()))
        .map(|j| used[j * used.len() / replaced.max(1)])
        .collect();
    let mut twin_layers = layers.clone();
    let mut swaps = Vec::new();
    for (j, &k) in picks.iter().enumerate() {
        let new = digest("replaced-blob", j);
        swaps.push((layers[k].0.clone(), new.clone()));
        twin_layers[k].0 = new;
    }
    let doc = |recs: &[Rec], layers: &[(String, Option<usize>)], rng: &mut Rng| {
        // Layers sorted by blob with arbitrary tie-breaks; parents and results remapped.
        let mut order: Vec<(String, u64, usize)> = layers
            .iter()
            .enumerate()
            .map(|(k, (b, _))| (b.clone(), rng.next(), k))
            .collect();
        order.sort();
        let mut lpos = vec![0usize; nlayers];
        for (p, (_, _, k)) in order.iter().enumerate() {
            lpos[*k] = p;
        }
        let ls: Vec<Value> = order
            .iter()
            .map(|(b, _, k)| match layers[*k].1 {
                None => json!({"blob": b, "parent": -1}),
                Some(p) if lpos[p] == 0 => json!({"blob": b}),
                Some(p) => json!({"blob": b, "parent": lpos[p]}),
            })
            .collect();
        let records = number(recs, rng, Some(&lpos));
        crate::json::to_go_compact(&json!({"layers": ls, "records": records}))
    };
    let pair = Pair {
        left: doc(&recs, &layers, &mut rng),
        right: doc(&twin, &twin_layers, &mut rng),
        dropped_results_of: dropped,
        added_root: added,
    };
    (pair, swaps)
}

/// What one input's floor produced: the parsed document, its inline cache decoded and parsed
/// (when it holds one, or is the bare base64 value as a JSON string), and the sha256 of its bytes.
pub type FloorWork = (Value, Option<Value>, crate::Digest);

/// The floor of the work on one input (issue 18): what any tool that answers "what changed in
/// this cache" must do at least. Parse the JSON; where the input holds an inline cache
/// (`moby.buildkit.cache.v0`, base64), decode it and parse what it holds; sha256 the bytes (the
/// input's digest). Nothing else: no canonical form, no diff. The `bench_floor` example (timed by
/// `cargo xtask bench-compare`) and the criterion `floor` group run this.
pub fn floor(bytes: &[u8]) -> Result<FloorWork, String> {
    use base64::Engine as _;
    let doc: Value = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    let cache = match &doc {
        Value::Object(m) => m
            .get(crate::detect::INLINE_CACHE_KEY)
            .and_then(Value::as_str),
        Value::String(s) => Some(s.as_str()),
        _ => None,
    };
    let cache = cache
        .map(|text| {
            let raw = base64::engine::general_purpose::STANDARD
                .decode(text)
                .map_err(|e| e.to_string())?;
            serde_json::from_slice::<Value>(&raw).map_err(|e| e.to_string())
        })
        .transpose()?;
    Ok((doc, cache, crate::Digest::sha256(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_floor_decodes_an_inline_cache_and_only_that() {
        let inline = inline_config_pair(50, 1);
        let (doc, cache, digest) = floor(&inline.left).unwrap();
        assert!(doc.is_object());
        let records = cache
            .as_ref()
            .and_then(Value::as_array) // the inline cache here is an array of records
            .map(Vec::len);
        assert!(records.is_some_and(|n| n >= 50), "{records:?}");
        assert_eq!(digest, crate::Digest::sha256(&inline.left));
        // A cache config is parsed and hashed; it holds no base64 to decode.
        let registry = cache_config_pair(50, 1);
        let (doc, cache, _) = floor(&registry.left).unwrap();
        assert!(doc["records"].is_array());
        assert!(cache.is_none());
        // A bare value given as a JSON string is decoded.
        let value = inline_cache_value(&inline.left);
        let (_, cache, _) = floor(&serde_json::to_vec(&value).unwrap()).unwrap();
        assert!(cache.is_some());
        assert!(floor(b"{").is_err());
    }

    fn inline_cache_value(config: &[u8]) -> Value {
        let doc: Value = serde_json::from_slice(config).unwrap();
        doc[crate::detect::INLINE_CACHE_KEY].clone()
    }
    use crate::{Options, analyze, compare};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn check(p: &Pair) {
        let l = analyze(&p.left, None).unwrap();
        let r = analyze(&p.right, None).unwrap();
        assert!(
            l.warnings.is_empty() && r.warnings.is_empty(),
            "{:?} {:?}",
            l.warnings,
            r.warnings
        );
        let cmp = compare(&l, &r, &Options::default());
        let cache = cmp.cache.unwrap();
        // Exactly the two real changes; the renumbering is noise.
        assert_eq!(
            cache
                .added
                .iter()
                .map(|r| r.digest.as_str())
                .collect::<Vec<_>>(),
            [p.added_root.as_str()]
        );
        assert!(
            cache
                .changed
                .iter()
                .any(|c| c.record.digest == p.dropped_results_of),
            "{:?}",
            cache.changed
        );
        assert!(cache.links_renumbered > 0);
        assert!(
            cmp.changes.len() <= 3,
            "{:#?}",
            cmp.changes
                .iter()
                .map(|c| c.path.to_string())
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn generated_pairs_hold_exactly_their_real_changes() {
        check(&inline_config_pair(300, 7));
        check(&cache_config_pair(300, 7));
    }

    #[test]
    fn a_series_makes_three_groups_that_come_back() {
        let builds = inline_config_series(200, 25, 3);
        let a: Vec<_> = builds.iter().map(|b| analyze(b, None).unwrap()).collect();
        let same = |i: usize, j: usize| {
            compare(&a[i], &a[j], &Options::default()).verdict != crate::Verdict::Different
        };
        assert!(builds[0] != builds[1] && same(0, 9));
        assert!(!same(9, 10) && !same(19, 20) && !same(10, 20));
        assert!(same(10, 19) && same(20, 24));
    }

    #[test]
    fn sizes_are_realistic() {
        let p = inline_config_pair(1000, 1);
        assert!(
            (250_000..1_000_000).contains(&p.left.len()),
            "{}",
            p.left.len()
        );
    }
}
