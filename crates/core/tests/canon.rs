//! Canonical form over the real BuildKit payloads in tests/fixtures/real (see its README).
//! Runs natively and, under wasm-bindgen-test, in headless Chromium.

use cachelens_core::{
    CanonOptions, ErrorKind, Kind, Side, analyze, analyze_with, canonicalize, detect, json,
};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

macro_rules! real {
    ($name:literal) => {
        include_bytes!(concat!("../../../tests/fixtures/real/", $name)).as_slice()
    };
}
macro_rules! scenario {
    ($case:literal, $side:literal) => {
        include_bytes!(concat!(
            "../../../tests/fixtures/scenarios/",
            $case,
            "/",
            $side,
            ".json"
        ))
        .as_slice()
    };
}

const GITLAB_CONFIG: &[u8] =
    real!("gitlab-buildkit-index-as-manifest-list.cacheconfig.46a53c52.json");
const GITLAB_RENUMBERED: &[u8] = real!("synthetic-renumbered-of-46a53c52.json");
const CTF_B64: &[u8] = real!("ctf-eksclustergames.inline-cache.b64");
const CTF_DECODED: &[u8] = real!("ctf-eksclustergames.inline-cache.decoded.json");
const CTF_DIFF_IDS: [&str; 2] = [
    "sha256:65014c70e84b6817fac42bb201ec5c1ea460a8da246cac0e481f5c9a9491eac0",
    "sha256:8f4aa887ecc8cf569c164bbb187545f4c234b0363a7f430781065311e24e7774",
];

#[test]
fn every_real_fixture_is_detected_and_canonicalised() {
    let cases: [(&[u8], Kind, usize); 7] = [
        (GITLAB_CONFIG, Kind::CacheConfig, 0),
        (GITLAB_RENUMBERED, Kind::CacheConfig, 0),
        (
            real!("gitlab-buildkit-index-as-manifest-list.index.5d42ad55.json"),
            Kind::CacheIndex,
            0,
        ),
        (CTF_B64, Kind::InlineCache, 0),
        (CTF_DECODED, Kind::CacheRecords, 0),
        (
            real!("joxit-registry-cache.index.transcribed.json"),
            Kind::CacheIndex,
            0,
        ),
        // A fragment: its links (3, 4) point at records not in the fragment, which is reported.
        (
            real!("issue-1876-inline-fragment.json"),
            Kind::CacheRecords,
            1,
        ),
    ];
    for (bytes, kind, warnings) in cases {
        let a = analyze(bytes, Some(Side::Left)).unwrap();
        assert_eq!(a.kind, kind);
        assert_eq!(a.warnings.len(), warnings, "{:?}", a.warnings);
        // Canonicalising the canonical document changes nothing.
        let again = analyze(a.canonical_text().as_bytes(), None).unwrap();
        assert_eq!(again.canonical_text(), a.canonical_text());
        assert!(again.warnings.is_empty() || warnings > 0);
    }
}

#[test]
fn gitlab_cache_config_digest_is_the_registry_digest() {
    let a = analyze(GITLAB_CONFIG, None).unwrap();
    assert_eq!(
        a.digest.as_str(),
        "sha256:46a53c520fd7e870b5980de79d5d3b92d6501e4095b053ad59afde7b0a6bfc8a"
    );
    // Registry bytes are already Go-compact.
    assert_eq!(a.compact_digest, None);
    let index = real!("gitlab-buildkit-index-as-manifest-list.index.5d42ad55.json");
    let idx = analyze(index, None).unwrap();
    let registry_digest = "sha256:5d42ad55895dbd1a4a57d306214c250668f70ba85045a8f432c3806362780621";
    assert_eq!(idx.digest.as_str(), registry_digest);
    // Pretty-printed (as `jq .` would), the compact re-encoding recovers the registry digest.
    let pretty = json::to_pretty(&idx.original);
    let p = analyze(pretty.as_bytes(), None).unwrap();
    assert_ne!(p.digest.as_str(), registry_digest);
    assert_eq!(p.compact_digest.unwrap().as_str(), registry_digest);
}

#[test]
fn renumbered_gitlab_config_gives_identical_canonical_bytes() {
    let a = analyze(GITLAB_CONFIG, None).unwrap();
    let b = analyze(GITLAB_RENUMBERED, None).unwrap();
    assert_ne!(a.digest, b.digest);
    assert_eq!(a.canonical_text(), b.canonical_text());
    // Nothing dropped: 6 layers (three of them the same blob with different parents), 10 records.
    let layers = a.canonical()["layers"].as_object().unwrap();
    assert_eq!(layers.len(), 6);
    assert_eq!(
        layers
            .values()
            .filter(|l| l["blob"]
                == "sha256:de9fe7acb0a85a294b6a68ee2954a454e460cefe0cfff0c7ff3f5e03e8f393b0")
            .count(),
        3
    );
    assert_eq!(a.canonical()["records"].as_object().unwrap().len(), 9);
}

#[test]
fn registry_results_resolve_to_blob_chains() {
    let a = analyze(GITLAB_CONFIG, None).unwrap();
    let recs = a.canonical()["records"].as_object().unwrap();
    // Record sha256:3854d4… has `layer: 5`: layer 5 is de9fe7… with parent 1 (5843af…, a root).
    let r = recs
        .values()
        .find(|r| {
            r["digest"] == "sha256:3854d477e47ac64e5bb3cab6a10bd2e999760c2f0b910940c53f00af12286f3b"
        })
        .unwrap();
    assert_eq!(
        json::to_pretty(&r["layers"]),
        json::to_pretty(
            &json::parse(
                r#"[{"createdAt":"2022-04-28T17:53:49.585295666Z","layers":[
            "sha256:5843afab387455b37944e709ee8c78d7520df80f8d01cf7f861aae63beeddb6b",
            "sha256:de9fe7acb0a85a294b6a68ee2954a454e460cefe0cfff0c7ff3f5e03e8f393b0"]}]"#
            )
            .unwrap()
        )
    );
    // Record sha256:97f41f… has `layer: 4`, whose `parent` is omitted: Go's omitempty means 0.
    let r = recs
        .values()
        .find(|r| {
            r["digest"] == "sha256:97f41f1a9780ddabd68329c0f61582f3a4693c51d4c1d52022a3022ac509e55a"
        })
        .unwrap();
    assert_eq!(
        r["layers"][0]["layers"][0],
        "sha256:136482bf81d1fa351b424ebb8c7e34d15f2c5ed3fc0b66b544b8312bda3d52d9"
    );
    // Two links in one input position form a sorted set of record ids.
    let alts = r["inputs"][0].as_array().unwrap();
    assert_eq!(alts.len(), 2);
    assert!(alts[0]["link"].as_str() < alts[1]["link"].as_str());
    assert!(recs.contains_key(alts[0]["link"].as_str().unwrap()));
}

#[test]
fn ctf_inline_sample_resolves_layer_1_to_the_second_diff_id() {
    let opts = CanonOptions {
        diff_ids: Some(CTF_DIFF_IDS.map(String::from).to_vec()),
    };
    let a = analyze_with(CTF_B64, None, &opts).unwrap();
    assert_eq!(a.kind, Kind::InlineCache);
    let recs = a.canonical()["records"].as_object().unwrap();
    let r = recs.values().find(|r| r.get("layers").is_some()).unwrap();
    let layers = &r["layers"][0]["layers"];
    assert_eq!(layers[1]["diffID"], CTF_DIFF_IDS[1]);
    assert_eq!(layers[1]["index"], 1);
    assert_eq!(layers[0]["diffID"], CTF_DIFF_IDS[0]);
    assert_eq!(layers.as_array().unwrap().len(), 2);
    // Without diff_ids the position alone is kept.
    let bare = analyze(CTF_B64, None).unwrap();
    let r = bare.canonical()["records"]
        .as_object()
        .unwrap()
        .values()
        .find(|r| r.get("layers").is_some())
        .unwrap()
        .clone();
    assert_eq!(
        json::to_compact_pub(&r["layers"][0]["layers"]),
        r#"[{"index":0},{"index":1}]"#
    );
    // The base64 value and its decoded form give the same canonical document.
    assert_eq!(
        bare.canonical_text(),
        analyze(CTF_DECODED, None).unwrap().canonical_text()
    );
}

#[test]
fn tied_records_renumbered_give_identical_canonical_bytes() {
    // moby/buildkit#1876, #3188: same graph, tied records numbered differently.
    let l = analyze(scenario!("tie-renumber", "left"), None).unwrap();
    let r = analyze(scenario!("tie-renumber", "right"), None).unwrap();
    assert_ne!(l.digest, r.digest);
    assert_eq!(l.canonical_text(), r.canonical_text());
    assert_eq!(l.kind, Kind::ImageConfig);
    assert!(l.canonical()["moby.buildkit.cache.v0"]["records"].is_object());
}

#[test]
fn inline_cache_in_config_resolves_to_rootfs_diff_ids() {
    let a = analyze(scenario!("chains-vanish", "left"), None).unwrap();
    let diff_ids = a.original["rootfs"]["diff_ids"].clone();
    let recs = a.canonical()["moby.buildkit.cache.v0"]["records"]
        .as_object()
        .unwrap();
    let chained = recs.values().find(|r| r.get("chains").is_some()).unwrap();
    // chains: [{layers: [1]}] is exactly image layer 1.
    assert_eq!(chained["chains"][0]["layers"][0]["diffID"], diff_ids[1]);
    assert_eq!(chained["chains"][0]["createdAt"], "0001-01-01T00:00:00Z");
}

#[test]
fn broken_cache_in_a_config_is_a_warning_not_an_error() {
    let a = analyze(scenario!("bad-base64", "right"), Some(Side::Right)).unwrap();
    assert_eq!(a.kind, Kind::ImageConfig);
    assert!(
        a.canonical()["moby.buildkit.cache.v0"].is_string(),
        "kept as given"
    );
    let w = &a.warnings[0];
    assert_eq!(w.side, Some(Side::Right));
    assert_eq!(
        w.pointer.as_ref().map(ToString::to_string).as_deref(),
        Some("/moby.buildkit.cache.v0")
    );
    assert!(matches!(w.kind, ErrorKind::Base64 { .. }), "{w}");
    assert!(
        w.to_string()
            .starts_with("right: at /moby.buildkit.cache.v0: invalid base64 at character 14")
    );
    // The same message without the side, for a place that already says which side.
    assert!(
        w.message()
            .starts_with("at /moby.buildkit.cache.v0: invalid base64 at character 14")
    );
}

#[test]
fn link_out_of_range_names_record_input_and_link() {
    let a = analyze(scenario!("link-out-of-range", "right"), Some(Side::Right)).unwrap();
    let w = &a.warnings[0];
    match &w.kind {
        ErrorKind::Link {
            record,
            input,
            link,
            reason,
            ..
        } => {
            assert_eq!(
                (*record, *input, *link, *reason),
                (9, 0, 999, "out of range")
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(w.to_string().contains("999"));
}

#[test]
fn structural_errors_say_where() {
    let check = |text: &str, want: &str| {
        let a = analyze(text.as_bytes(), Some(Side::Left)).unwrap();
        let msg = a
            .warnings
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n");
        assert!(msg.contains(want), "{msg:?} should contain {want:?}");
    };
    check(
        r#"[{"digest":"sha256:a","inputs":[[{"link":1}]]},{"digest":"sha256:b","inputs":[[{"link":0}]]}]"#,
        "closes a cycle (0 -> 1 -> 0)",
    );
    check(
        r#"[{"digest":"sha256:a","inputs":[[{"link":-2}]]}]"#,
        "record 0 input 0 alternative 0: link -2 is negative",
    );
    check(
        r#"{"layers":[{"blob":"sha256:a","parent":1},{"blob":"sha256:b","parent":0}],"records":[{"digest":"x"}]}"#,
        "part of a loop",
    );
    check(
        r#"{"layers":[{"blob":"sha256:a","parent":7}],"records":[{"digest":"x"}]}"#,
        "layer 0: parent 7 is out of range (1 layer)",
    );
    check(
        r#"{"layers":[{"blob":"sha256:a","parent":-1}],"records":[{"digest":"x","layers":[{"layer":3}]}]}"#,
        "record 0 layers[0]: layer 3 is out of range",
    );
    check(
        r#"[{"digest":"sha256:a","inputs":[[{"link":"0"}]]}]"#,
        "left: at the document root: record 0 input 0 alternative 0 field \"link\": expected an integer",
    );
}

#[test]
fn json_errors_give_line_and_column() {
    let e = analyze(scenario!("not-json", "right"), Some(Side::Right)).unwrap_err();
    assert_eq!(e.side, Some(Side::Right));
    assert!(matches!(e.kind, ErrorKind::Json { line: 3, .. }), "{e}");
    assert!(
        e.to_string()
            .starts_with("right: invalid JSON at line 3, column 0: EOF while parsing"),
        "{e}"
    );
}

#[test]
fn bare_base64_is_accepted_quoted_wrapped_and_url_safe() {
    let b64 = std::str::from_utf8(CTF_B64).unwrap().trim();
    let want = analyze(CTF_B64, None).unwrap().canonical_text();
    let wrapped: String = b64
        .as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join("\n");
    let url_safe = b64
        .replace('+', "-")
        .replace('/', "_")
        .trim_end_matches('=')
        .to_owned();
    for text in [
        format!("\"{b64}\""),
        format!("  {wrapped}\n"),
        format!("\"{wrapped}\""),
        url_safe,
    ] {
        let a = analyze(text.as_bytes(), None).unwrap();
        assert_eq!(a.kind, Kind::InlineCache);
        assert_eq!(a.canonical_text(), want);
    }
}

#[test]
fn timezones_normalise_to_utc() {
    let a = br#"[{"digest":"sha256:a","layers":[{"layer":0,"createdAt":"2023-05-17T22:25:52.39677085+02:00"}]}]"#;
    let b = br#"[{"digest":"sha256:a","layers":[{"layer":0,"createdAt":"2023-05-17T20:25:52.396770850Z"}]}]"#;
    let (a, b) = (analyze(a, None).unwrap(), analyze(b, None).unwrap());
    assert_eq!(a.canonical_text(), b.canonical_text());
    assert!(a.canonical_text().contains("2023-05-17T20:25:52.39677085Z"));
}

#[test]
fn exact_duplicates_stay_visible() {
    let text = br#"[{"digest":"sha256:aaaaaaaaaaaaaaaa"},{"digest":"sha256:aaaaaaaaaaaaaaaa"},{"digest":"sha256:aaaaaaaaaaaaaaaa","layers":[{"layer":0,"createdAt":"2020-01-01T00:00:00Z"}]}]"#;
    let a = analyze(text, None).unwrap();
    let ids: Vec<&String> = a.canonical()["records"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(ids.len(), 3);
    assert!(ids[1].ends_with(":2") && ids[2].ends_with(":3"), "{ids:?}");
}

#[test]
fn canonicalize_is_usable_directly() {
    let v = json::parse(r#"{"b":1,"a":[3,1]}"#).unwrap();
    let c = canonicalize(&v, detect(&v), &CanonOptions::default());
    assert_eq!(json::to_compact_pub(&c.doc), r#"{"a":[3,1],"b":1}"#);
}
