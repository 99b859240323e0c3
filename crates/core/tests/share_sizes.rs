//! Share-link sizes on the real BuildKit fixtures (`tests/fixtures/real-buildkit/`, issue 20):
//! for every consecutive pair of each set, the v1 link, the v2 link, the digest floor (43
//! base64url characters for each distinct `sha256` digest in the two inputs, their decoded inline
//! caches included) and the changes-only link, all counted after `#`. Asserts the issue's
//! targets; prints the table that benches/RESULTS.md quotes:
//! `cargo test -p cachelens-core --test share_sizes -- --nocapture`.

use base64::Engine as _;
use cachelens_core::share::{self, Input, Request, Settings, Source};
use cachelens_core::{Options, analyze, compare};
use std::collections::BTreeSet;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/real-buildkit")
}

/// (set, files in build order, changes-only must fit a chat window).
fn sets() -> Vec<(&'static str, Vec<String>, bool)> {
    let n = |dir: &str, file: &str, range: std::ops::RangeInclusive<u32>, prefix: &str| {
        range
            .map(|i| format!("{dir}/{prefix}{i}/{file}"))
            .collect::<Vec<_>>()
    };
    vec![
        (
            "inline-rebuilds",
            n("inline-rebuilds", "config.json", 1..=8, ""),
            true,
        ),
        (
            "wide-rebuilds",
            n("wide-rebuilds", "config.json", 1..=6, ""),
            true,
        ),
        (
            "registry-cache",
            n("registry-cache", "cacheconfig.json", 1..=5, ""),
            true,
        ),
        (
            "build-args",
            n("build-args", "config.json", 1..=4, "v"),
            false,
        ),
        (
            "buildkit-0.25/inline-rebuilds",
            n("buildkit-0.25/inline-rebuilds", "config.json", 1..=8, ""),
            true,
        ),
        (
            "buildkit-0.25/registry-cache",
            n(
                "buildkit-0.25/registry-cache",
                "cacheconfig.json",
                1..=6,
                "",
            ),
            true,
        ),
        (
            "buildkit-0.25/build-args",
            n("buildkit-0.25/build-args", "config.json", 1..=3, "v"),
            false,
        ),
    ]
}

/// Every distinct `sha256:<64 lowercase hex>` in `bytes` and in its decoded inline cache.
fn digests(bytes: &[u8], out: &mut BTreeSet<String>) {
    let text = String::from_utf8_lossy(bytes);
    let mut rest = &text[..];
    while let Some(at) = rest.find("sha256:") {
        let hex = &rest[at + 7..];
        let hex: String = hex.chars().take(64).collect();
        if hex.len() == 64 && hex.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')) {
            out.insert(hex);
        }
        rest = &rest[at + 7..];
    }
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(bytes)
        && let Some(cache) = v.get("moby.buildkit.cache.v0").and_then(|c| c.as_str())
        && let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(cache)
    {
        digests(&decoded, out);
    }
}

struct Row {
    pair: String,
    v1: usize,
    v2: usize,
    floor: usize,
    changes: usize,
    fits: bool,
}

fn fragment_len(link: &str) -> usize {
    link.split_once('#').map_or(link.len(), |(_, f)| f.len())
}

fn measure() -> Vec<Row> {
    let mut rows = Vec::new();
    for (set, files, fits) in sets() {
        let data: Vec<Vec<u8>> = files
            .iter()
            .map(|f| std::fs::read(root().join(f)).unwrap_or_else(|e| panic!("{f}: {e}")))
            .collect();
        for (i, pair) in data.windows(2).enumerate() {
            let (l, r) = (&pair[0], &pair[1]);
            let (la, ra) = (analyze(l, None).unwrap(), analyze(r, None).unwrap());
            let opts = Options::default();
            let input = |name, analysis, bytes| Input {
                name,
                analysis,
                source: Source::Bytes {
                    bytes,
                    archive: None,
                },
            };
            let request = Request {
                left: input("left", &la, l),
                right: input("right", &ra, r),
                options: &opts,
                view: None,
                settings: Settings {
                    redact: false,
                    cache_only: false,
                },
            };
            let payload = request.payload().unwrap();
            let v2 = share::encode_fragment(&payload);
            assert_eq!(share::decode_fragment(&v2).as_ref(), Ok(&payload), "{set}");
            let cmp = compare(&la, &ra, &opts);
            let changes = request.changes_link("https://x.example/", &cmp).unwrap();
            match share::decode_shared(&changes).unwrap() {
                share::Shared::Changes(c) => assert_eq!(c.changes, cmp.changes, "{set}"),
                other => panic!("{set}: {}", other.describe()),
            }
            let mut distinct = BTreeSet::new();
            digests(l, &mut distinct);
            digests(r, &mut distinct);
            rows.push(Row {
                pair: format!("{set} {}→{}", i + 1, i + 2),
                v1: share::encode_fragment_v1(&payload).len(),
                v2: v2.len(),
                floor: 43 * distinct.len(),
                changes: fragment_len(&changes),
                fits,
            });
        }
    }
    rows
}

/// Pairs where the size target is out of reach, with the v2 length measured when this
/// list was written (the test allows 2% above it). Each is explained in benches/RESULTS.md
/// ("Share links v2"): a small image config with its inline cache holds ~560 bytes of
/// information besides its digests after deflate with the dictionary (nanosecond timestamps,
/// `created_by` commands, link numbers, the structure), which alone is more than the target
/// leaves. A pair that starts meeting the target must leave this list (the test says so).
const KNOWN_MISSES: &[(&str, usize)] = &[
    ("inline-rebuilds 1→2", 1815),
    ("inline-rebuilds 2→3", 1847),
    ("inline-rebuilds 3→4", 1851),
    ("inline-rebuilds 4→5", 1771),
    ("inline-rebuilds 5→6", 1771),
    ("inline-rebuilds 6→7", 1771),
    ("inline-rebuilds 7→8", 1771),
    ("buildkit-0.25/inline-rebuilds 1→2", 2177),
    ("buildkit-0.25/inline-rebuilds 2→3", 2179),
    ("buildkit-0.25/inline-rebuilds 3→4", 2137),
    ("buildkit-0.25/inline-rebuilds 4→5", 2174),
    ("buildkit-0.25/inline-rebuilds 5→6", 2173),
    ("buildkit-0.25/inline-rebuilds 6→7", 2137),
    ("buildkit-0.25/inline-rebuilds 7→8", 2174),
    ("buildkit-0.25/registry-cache 3→4", 2351),
    ("buildkit-0.25/registry-cache 5→6", 2358),
    ("buildkit-0.25/build-args 2→3", 2277),
];

#[test]
fn v2_links_are_near_their_digest_floor_and_changes_only_links_fit_a_chat_window() {
    let rows = measure();
    println!("| pair | v1 | v2 | floor | v2/floor | v2/v1 | target | changes-only |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    let mut failures = Vec::new();
    for r in &rows {
        // The target: at most 1.5× the floor or 40% of v1, whichever is larger.
        let target = (r.floor * 3 / 2).max(r.v1 * 2 / 5);
        println!(
            "| {} | {} | {} | {} | {:.2} | {:.2} | {} | {} |",
            r.pair,
            r.v1,
            r.v2,
            r.floor,
            r.v2 as f64 / r.floor as f64,
            r.v2 as f64 / r.v1 as f64,
            target,
            r.changes
        );
        let known = KNOWN_MISSES.iter().find(|(p, _)| *p == r.pair);
        match known {
            None if r.v2 > target => {
                failures.push(format!("{}: v2 {} > target {target}", r.pair, r.v2));
            }
            Some(_) if r.v2 <= target => failures.push(format!(
                "{}: v2 {} now meets its target {target}: take it off KNOWN_MISSES",
                r.pair, r.v2
            )),
            Some((_, measured)) if r.v2 > measured + measured / 50 => failures.push(format!(
                "{}: v2 {} grew past its measured {measured} (+2%)",
                r.pair, r.v2
            )),
            _ => {}
        }
        if r.fits && r.changes >= share::LINK_WARN_BYTES {
            failures.push(format!("{}: changes-only {} ≥ 8,192", r.pair, r.changes));
        }
    }
    let wide = rows
        .iter()
        .find(|r| r.pair == "wide-rebuilds 2→3")
        .map(|r| r.v2);
    assert!(
        wide.is_some_and(|w| w < 10_200),
        "wide-rebuilds 2→3: {wide:?}"
    );
    assert_eq!(rows.len(), 33, "pairs");
    assert!(failures.is_empty(), "{failures:#?}");
}
