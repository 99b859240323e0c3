//! Laws, checked on generated inputs: renumbering changes nothing, canonicalising twice changes
//! nothing, the reported changes patch left into right, and no input makes the core panic.
#![cfg(not(target_arch = "wasm32"))]

use cachelens_core::compare::filtered;
use cachelens_core::{Options, Side, analyze, apply, compare, diff, json};
use proptest::prelude::*;
use serde_json::{Value, json};

/// A generated cache: records form a DAG (links point at lower indexes before shuffling).
#[derive(Debug, Clone)]
struct Graph {
    records: Vec<Rec>,
    /// Cache config layers: (blob, parent) with parent < own index or -1.
    layers: Vec<(u8, i64)>,
}

#[derive(Debug, Clone)]
struct Rec {
    digest: u8,
    inputs: Vec<Vec<(u8, usize)>>, // (selector, link)
    results: Vec<(usize, u8)>,     // (layer, time)
    chains: Vec<(Vec<usize>, u8)>,
}

fn graph() -> impl Strategy<Value = Graph> {
    (1usize..24, 1usize..6).prop_flat_map(|(n, nl)| {
        let recs = (0..n)
            .map(|i| {
                let inputs = if i == 0 {
                    Just(Vec::new()).boxed()
                } else {
                    prop::collection::vec(prop::collection::vec((0u8..3, 0..i), 1..3), 0..3).boxed()
                };
                // Few digests, so ties (the source of renumbering) are common.
                (
                    0u8..4,
                    inputs,
                    prop::collection::vec((0..nl, 0u8..3), 0..2),
                    prop::collection::vec((prop::collection::vec(0..nl, 1..3), 0u8..2), 0..2),
                )
                    .prop_map(|(digest, inputs, results, chains)| Rec {
                        digest,
                        inputs,
                        results,
                        chains,
                    })
            })
            .collect::<Vec<_>>();
        let layers = (0..nl)
            .map(|k| {
                (
                    0u8..3,
                    if k == 0 {
                        Just(-1i64).boxed()
                    } else {
                        (-1i64..k as i64).boxed()
                    },
                )
            })
            .collect::<Vec<_>>();
        (recs, layers).prop_map(|(records, layers)| Graph { records, layers })
    })
}

fn time(t: u8) -> String {
    // The same instant spelled in different zones must compare equal.
    match t {
        0 => "2025-01-01T00:00:00Z".into(),
        1 => "2025-01-01T00:00:00.5Z".into(),
        _ => "0001-01-01T00:00:00Z".into(),
    }
}

/// Writes the graph with records and layers placed at `rperm[i]` / `lperm[k]`, alternatives and
/// results in the given rotation, `parent: 0` omitted as Go's omitempty does.
fn render(g: &Graph, rperm: &[usize], lperm: &[usize], rot: usize, registry: bool) -> Vec<u8> {
    let mut recs = vec![Value::Null; g.records.len()];
    for (i, r) in g.records.iter().enumerate() {
        let mut m = serde_json::Map::new();
        let mut results: Vec<Value> = r
            .results
            .iter()
            .map(|(l, t)| json!({"layer": if registry { lperm[*l] } else { *l }, "createdAt": time(*t)}))
            .collect();
        let mut chains: Vec<Value> = r
            .chains
            .iter()
            .map(|(ls, t)| json!({"layers": ls.iter().map(|l| if registry { lperm[*l] } else { *l }).collect::<Vec<_>>(), "createdAt": time(*t)}))
            .collect();
        if !results.is_empty() {
            let k = rot % results.len();
            results.rotate_left(k);
            m.insert("layers".into(), Value::Array(results));
        }
        if !chains.is_empty() {
            let k = rot % chains.len();
            chains.rotate_left(k);
            m.insert("chains".into(), Value::Array(chains));
        }
        m.insert("digest".into(), json!(format!("sha256:{:064x}", r.digest)));
        if !r.inputs.is_empty() {
            let inputs: Vec<Value> = r
                .inputs
                .iter()
                .map(|pos| {
                    let mut alts: Vec<Value> = pos
                        .iter()
                        .map(|(s, l)| {
                            if *s == 0 {
                                json!({"link": rperm[*l]})
                            } else {
                                json!({"selector": format!("sha256:{s:064x}"), "link": rperm[*l]})
                            }
                        })
                        .collect();
                    let k = rot % alts.len();
                    alts.rotate_left(k);
                    Value::Array(alts)
                })
                .collect();
            m.insert("inputs".into(), Value::Array(inputs));
        }
        recs[rperm[i]] = Value::Object(m);
    }
    let v = if registry {
        let mut layers = vec![Value::Null; g.layers.len()];
        for (k, (blob, parent)) in g.layers.iter().enumerate() {
            let parent = if *parent < 0 {
                -1
            } else {
                lperm[*parent as usize] as i64
            };
            layers[lperm[k]] = if parent == 0 {
                json!({"blob": format!("sha256:{:064x}", 0xb0 + *blob as u32)})
            } else {
                json!({"blob": format!("sha256:{:064x}", 0xb0 + *blob as u32), "parent": parent})
            };
        }
        json!({"layers": layers, "records": recs})
    } else {
        Value::Array(recs)
    };
    serde_json::to_vec(&v).unwrap()
}

fn identity(n: usize) -> Vec<usize> {
    (0..n).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn renumbering_gives_equal_canonical_output(
        g in graph(),
        seed in any::<u64>(),
        rot in 0usize..3,
        registry in any::<bool>(),
    ) {
        let n = g.records.len();
        let nl = g.layers.len();
        let shuffle = |len: usize, salt: u64| {
            let mut p = identity(len);
            let mut s = seed ^ salt;
            for i in (1..len).rev() {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                p.swap(i, (s >> 33) as usize % (i + 1));
            }
            p
        };
        let a = render(&g, &identity(n), &identity(nl), 0, registry);
        let b = render(&g, &shuffle(n, 1), &shuffle(nl, 2), rot, registry);
        let ca = analyze(&a, Some(Side::Left)).unwrap();
        let cb = analyze(&b, Some(Side::Right)).unwrap();
        prop_assert!(ca.warnings.is_empty(), "{:?}", ca.warnings);
        prop_assert_eq!(ca.canonical_text(), cb.canonical_text());
        let cmp = compare(&ca, &cb, &Options::default());
        prop_assert!(cmp.changes.is_empty());
        // Idempotence.
        let again = analyze(ca.canonical_text().as_bytes(), None).unwrap();
        prop_assert_eq!(again.canonical_text(), ca.canonical_text());
    }

    #[test]
    fn a_real_change_is_never_hidden(g in graph(), which in any::<prop::sample::Index>()) {
        // Dropping the results of one record that has some is always reported.
        let mut h = g.clone();
        let with_results: Vec<usize> = (0..g.records.len()).filter(|&i| !g.records[i].results.is_empty()).collect();
        prop_assume!(!with_results.is_empty());
        let i = with_results[which.index(with_results.len())];
        h.records[i].results.clear();
        let n = g.records.len();
        let nl = g.layers.len();
        let a = analyze(&render(&g, &identity(n), &identity(nl), 0, false), None).unwrap();
        let b = analyze(&render(&h, &identity(n), &identity(nl), 0, false), None).unwrap();
        let cmp = compare(&a, &b, &Options::default());
        prop_assert!(!cmp.changes.is_empty());
        prop_assert!(cmp.cache.unwrap().changed.iter().any(|c| c.layers.is_some()));
    }
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "[a-c<&é]{0,3}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map("[a-d/~]{1,2}", inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A value and a mutation of it (so pairs share structure, as real pairs do).
fn mutate(v: &Value, seed: u64) -> Value {
    let mut s = seed;
    let mut next = || {
        s = s.wrapping_mul(6364136223846793005).wrapping_add(1);
        s >> 33
    };
    fn walk(v: &Value, next: &mut dyn FnMut() -> u64) -> Value {
        match v {
            Value::Array(a) => {
                let mut out: Vec<Value> = Vec::new();
                for x in a {
                    if !next().is_multiple_of(5) {
                        out.push(walk(x, next));
                    }
                }
                if next().is_multiple_of(3) {
                    let at = (next() as usize) % (out.len() + 1);
                    out.insert(at, Value::from(next() % 7));
                }
                Value::Array(out)
            }
            Value::Object(m) => {
                let mut out = serde_json::Map::new();
                for (k, x) in m {
                    if !next().is_multiple_of(5) {
                        out.insert(k.clone(), walk(x, next));
                    }
                }
                if next().is_multiple_of(3) {
                    out.insert(format!("n{}", next() % 4), Value::from(next() % 7));
                }
                Value::Object(out)
            }
            Value::Number(_) if next().is_multiple_of(4) => Value::from(next() % 7),
            other => other.clone(),
        }
    }
    walk(v, &mut next)
}

/// JSON text with repeated keys and numbers in every spelling (beyond i64 and f64, exponents,
/// fractions with trailing zeros), written directly (a `Value` cannot hold a repeated key).
fn arb_json_text() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        "-?(0|[1-9][0-9]{0,24})(\\.[0-9]{1,20})?([eE][+-]?[0-9]{1,3})?",
        "\"[a-c\\\\é]{0,3}\"".prop_map(|s| s.replace("\\\"", "\\\\\"")),
        Just("true".to_owned()),
        Just("null".to_owned()),
    ];
    leaf.prop_recursive(4, 64, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec(("[ab~/]", inner), 0..5).prop_map(|m| {
                let members: Vec<String> = m.iter().map(|(k, v)| format!("{k:?}:{v}")).collect();
                format!("{{{}}}", members.join(","))
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn the_checking_parser_reads_repeated_keys_and_numbers_as_serde_json_does(text in arb_json_text()) {
        match (serde_json::from_str::<Value>(&text), json::parse_checked(&text)) {
            (Ok(a), Ok((b, repeats))) => {
                prop_assert_eq!(serde_json::to_string(&a).unwrap(), serde_json::to_string(&b).unwrap());
                // Each repeat names an object of the document that holds the key.
                for d in &repeats {
                    let at = b.pointer(&d.pointer.to_string());
                    prop_assert!(at.and_then(|o| o.as_object()).is_some_and(|o| o.contains_key(&d.key)), "{:?} in {}", d, text);
                    prop_assert!(d.count >= 2);
                }
            }
            (Err(a), Err(b)) => {
                let at = match b.kind {
                    cachelens_core::ErrorKind::Json { line, column, .. } => Some((line, column)),
                    _ => None,
                };
                prop_assert_eq!(at, Some((a.line(), a.column())));
            }
            (a, b) => prop_assert!(false, "serde_json {:?} vs checked {:?} on {}", a.is_ok(), b.is_ok(), text),
        }
    }

    #[test]
    fn changes_patch_left_into_right(l in arb_json(), seed in any::<u64>(), r2 in arb_json()) {
        let r = mutate(&l, seed);
        prop_assert_eq!(apply(&l, &diff(&l, &r)).unwrap(), r.clone());
        // Also unrelated pairs.
        prop_assert_eq!(apply(&l, &diff(&l, &r2)).unwrap(), r2);
    }

    #[test]
    fn changes_patch_canonical_documents(g in graph(), h in graph()) {
        let a = analyze(&render(&g, &identity(g.records.len()), &identity(g.layers.len()), 0, true), None).unwrap();
        let b = analyze(&render(&h, &identity(h.records.len()), &identity(h.layers.len()), 0, true), None).unwrap();
        let cmp = compare(&a, &b, &Options::default());
        let (l, r) = (filtered(&a, &Options::default()), filtered(&b, &Options::default()));
        prop_assert_eq!(&apply(&l, &cmp.changes).unwrap(), r.as_ref());
    }

    #[test]
    fn the_checking_parser_reads_what_serde_json_reads(v in arb_json(), extra in "[ \\[\\]{}:,0-9.eE+-]{0,6}") {
        // Pretty and compact texts, and near-JSON (a few JSON characters appended).
        for text in [json::to_pretty(&v), serde_json::to_string(&v).unwrap(), format!("{}{extra}", serde_json::to_string(&v).unwrap())] {
            match (serde_json::from_str::<Value>(&text), json::parse_checked(&text)) {
                (Ok(a), Ok((b, repeats))) => {
                    prop_assert_eq!(&a, &b);
                    prop_assert_eq!(serde_json::to_string(&a).unwrap(), serde_json::to_string(&b).unwrap());
                    prop_assert!(repeats.is_empty());
                }
                (Err(a), Err(b)) => prop_assert_eq!(
                    (a.line(), a.column()),
                    match b.kind { cachelens_core::ErrorKind::Json { line, column, .. } => (line, column), _ => (0, 0) }
                ),
                (a, b) => prop_assert!(false, "serde_json {:?} vs checked {:?} on {}", a.is_ok(), b.is_ok(), text),
            }
        }
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        if let Ok(a) = analyze(&bytes, Some(Side::Left)) {
            let _ = compare(&a, &a, &Options { ignore_timestamps: true, ..Options::default() });
        }
    }

    #[test]
    fn random_json_never_panics(v in arb_json(), w in arb_json()) {
        let (a, b) = (json::to_pretty(&v), json::to_pretty(&w));
        let a = analyze(a.as_bytes(), Some(Side::Left)).unwrap();
        let b = analyze(b.as_bytes(), Some(Side::Right)).unwrap();
        for opts in [Options::default(), Options { ignore_timestamps: true, ignore_cache: true, ignore: vec![] }] {
            let cmp = compare(&a, &b, &opts);
            let (l, r) = (filtered(&a, &opts), filtered(&b, &opts));
            prop_assert_eq!(&apply(&l, &cmp.changes).unwrap(), r.as_ref());
        }
    }

    #[test]
    fn random_cache_shaped_json_never_panics(
        links in prop::collection::vec(prop::collection::vec(-3i64..12, 0..3), 1..10),
        parents in prop::collection::vec(-3i64..8, 0..6),
        layer in -2i64..10,
    ) {
        let records: Vec<Value> = links.iter().enumerate().map(|(i, ls)| json!({
            "digest": format!("sha256:{i:064x}"),
            "inputs": [ls.iter().map(|l| json!({"link": l})).collect::<Vec<_>>()],
            "layers": [{"layer": layer, "createdAt": "2020-01-01T00:00:00Z"}],
        })).collect();
        let layers: Vec<Value> = parents.iter().map(|p| json!({"blob": "sha256:ab", "parent": p})).collect();
        for doc in [json!(records.clone()), json!({"layers": layers, "records": records})] {
            let a = analyze(&serde_json::to_vec(&doc).unwrap(), Some(Side::Left)).unwrap();
            let again = analyze(a.canonical_text().as_bytes(), None).unwrap();
            prop_assert_eq!(again.canonical_text(), a.canonical_text());
        }
    }
}

mod image_support;

use cachelens_core::image::{comparable, read_archive_bytes};
use cachelens_core::{Analysis, Comparison, Verdict};

/// The verdict follows from what was compared: identical exactly when the compared bytes are
/// the same and nothing differs (no change, nothing set aside); equivalent only without a
/// change; different only with one.
fn verdict_follows(l: &Analysis, r: &Analysis, cmp: &Comparison) -> Result<(), TestCaseError> {
    let same_bytes = l.digest == r.digest && l.export_metadata == r.export_metadata;
    let nothing_differs = cmp.changes.is_empty() && cmp.set_aside.is_empty();
    prop_assert_eq!(
        cmp.verdict == Verdict::Identical,
        same_bytes && nothing_differs,
        "{:?}: {}",
        cmp.verdict,
        cmp.headline()
    );
    if cmp.verdict == Verdict::Equivalent {
        prop_assert!(cmp.changes.is_empty(), "{}", cmp.headline());
    }
    prop_assert_eq!(
        cmp.verdict == Verdict::Different,
        !cmp.changes.is_empty(),
        "{}",
        cmp.headline()
    );
    // The headline never says "the same bytes" above a change, nor "identical" for another
    // verdict.
    prop_assert_eq!(
        cmp.headline().starts_with("Identical"),
        cmp.verdict == Verdict::Identical
    );
    Ok(())
}

/// An image archive to generate: what the image is, and what its export says about itself.
#[derive(Debug, Clone)]
struct Export {
    env: u8,
    created: u8,
    docker_save: bool,
    ref_name: Option<u8>,
    export_time: Option<u8>,
    image_name: Option<u8>,
    reversed: bool,
}

fn export() -> impl Strategy<Value = Export> {
    (
        0u8..2,
        0u8..2,
        any::<bool>(),
        prop::option::of(0u8..2),
        prop::option::of(0u8..2),
        prop::option::of(0u8..2),
        any::<bool>(),
    )
        .prop_map(
            |(env, created, docker_save, ref_name, export_time, image_name, reversed)| Export {
                env,
                created,
                docker_save,
                ref_name,
                export_time,
                image_name,
                reversed,
            },
        )
}

fn archive(e: &Export) -> Vec<u8> {
    use image_support::*;
    let env = ["APP=1", "APP=2"][usize::from(e.env)];
    let created = ["2025-03-04T10:00:00Z", "2025-03-05T10:00:00Z"][usize::from(e.created)];
    let mut files = if e.docker_save {
        let layers: Vec<Vec<u8>> = (0..2u8).map(|i| vec![i; 100]).collect();
        let config = docker_config(&layers, env);
        let tag = format!("app:{}", e.ref_name.unwrap_or(0));
        docker_save(&[(&config, &layers, &tag)])
    } else {
        let img = Img::new(&Spec {
            env,
            created,
            layers: 2,
            layer_size: 200,
            ..Spec::default()
        });
        let mut ann = serde_json::Map::new();
        if let Some(r) = e.ref_name {
            ann.insert(
                "org.opencontainers.image.ref.name".into(),
                json!(format!("v{r}")),
            );
        }
        if let Some(t) = e.export_time {
            ann.insert(
                "org.opencontainers.image.created".into(),
                json!(format!("2026-12-01T19:17:3{t}Z")),
            );
        }
        if let Some(n) = e.image_name {
            ann.insert(
                "io.containerd.image.name".into(),
                json!(format!("docker.io/library/app:{n}")),
            );
        }
        let index = json!({
            "schemaVersion": 2,
            "mediaType": OCI_INDEX,
            "manifests": [img.descriptor(Value::Object(ann), false)],
        });
        oci_files(&index, img.blobs())
    };
    if e.reversed {
        files.reverse();
    }
    tar(&files)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn the_verdict_follows_from_what_was_compared_in_documents(
        v in arb_json(),
        seed in any::<u64>(),
        w in arb_json(),
        g in graph(),
        pretty in any::<bool>(),
    ) {
        let text = |v: &Value, pretty: bool| if pretty { json::to_pretty(v) } else { serde_json::to_string(v).unwrap() };
        let m = mutate(&v, seed);
        let n = g.records.len();
        let rev: Vec<usize> = (0..n).rev().collect();
        let pairs: Vec<(Vec<u8>, Vec<u8>)> = vec![
            (text(&v, false).into_bytes(), text(&v, false).into_bytes()),
            (text(&v, false).into_bytes(), text(&v, pretty).into_bytes()),
            (text(&v, pretty).into_bytes(), text(&m, false).into_bytes()),
            (text(&v, false).into_bytes(), text(&w, pretty).into_bytes()),
            // A cache and its renumbered twin; and the cache against itself.
            (render(&g, &identity(n), &identity(g.layers.len()), 0, false), render(&g, &rev, &identity(g.layers.len()), 1, false)),
            (render(&g, &identity(n), &identity(g.layers.len()), 0, true), render(&g, &identity(n), &identity(g.layers.len()), 0, true)),
        ];
        for (a, b) in pairs {
            let l = analyze(&a, Some(Side::Left)).unwrap();
            let r = analyze(&b, Some(Side::Right)).unwrap();
            for opts in [Options::default(), Options { ignore_timestamps: true, ..Options::default() }] {
                verdict_follows(&l, &r, &compare(&l, &r, &opts))?;
            }
        }
    }

    #[test]
    fn the_verdict_follows_from_what_was_compared_in_archives(a in export(), b in export()) {
        let (sa, sb) = (read_archive_bytes(&archive(&a)).unwrap(), read_archive_bytes(&archive(&b)).unwrap());
        for opts in [Options::default(), Options { ignore_timestamps: true, ..Options::default() }] {
            let (l, r) = comparable(&sa, &sb, &opts);
            let cmp = compare(&l, &r, &opts);
            verdict_follows(&l, &r, &cmp)?;
            // The export's own metadata is never a change.
            prop_assert!(cmp.changes.iter().all(|c| !c.path.to_string().starts_with("/descriptor/annotations") && !c.path.to_string().starts_with("/repoTags")), "{:?}", cmp.changes);
            // Two exports of one image are never different.
            if a.env == b.env && a.created == b.created && a.docker_save == b.docker_save {
                prop_assert_ne!(cmp.verdict, Verdict::Different, "{}", cmp.headline());
            }
        }
    }
}
