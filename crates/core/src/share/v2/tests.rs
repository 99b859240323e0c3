//! Tests of the v2 share format: round trips, the stored fixture, and every decoder rule.

use super::*;
use crate::share::{
    decode_fragment, decode_shared, decode_shared_bundle, encode_shared, encode_shared_bundle,
    seal, sha256_digest,
};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn ptr(text: &str) -> Pointer {
    Pointer::parse(text).unwrap()
}

fn record(tag: u64, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    put_record(&mut out, tag, value);
    out
}

fn varint(v: u64) -> Vec<u8> {
    let mut out = Vec::new();
    put_varint(&mut out, v);
    out
}

/// A v2 fragment of hand-written top-level records.
fn fragment_of(body: &[u8]) -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!("v2.{}", URL_SAFE_NO_PAD.encode(compress(&seal(body), &[])))
}

fn open(body: &[u8]) -> Result<Shared, Error> {
    decode_shared(&fragment_of(body))
}

/// An image config with a canonical inline cache naming `n` digests.
fn config(n: usize, tweak: &str) -> Vec<u8> {
    let records: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"layers":[{{"layer":{i},"createdAt":"2026-12-01T19:16:{:02}.{i:09}Z"}}],"digest":"{}","inputs":[[{{"link":{}}}]]}}"#,
                i % 60,
                sha256_digest(format!("record {i}{tweak}").as_bytes()),
                i / 2
            )
        })
        .collect();
    let cache = STANDARD.encode(format!("[{}]", records.join(",")));
    let diff_ids: Vec<String> = (0..n)
        .map(|i| format!("\"{}\"", sha256_digest(format!("layer {i}").as_bytes())))
        .collect();
    format!(
        r#"{{"architecture":"amd64","config":{{"Env":["A=1"]}},"created":"2026-12-01T19:16:10Z","moby.buildkit.cache.v0":"{cache}","os":"linux","rootfs":{{"type":"layers","diff_ids":[{}]}}}}"#,
        diff_ids.join(",")
    )
    .into_bytes()
}

fn side(bytes: Vec<u8>, name: &str) -> ShareSide {
    ShareSide {
        original_digest: Some(sha256_digest(&bytes)),
        bytes,
        name: Some(name.into()),
        redacted: Vec::new(),
        archive: None,
    }
}

fn round_trip(shared: &Shared) {
    let fragment = encode_shared(shared);
    assert!(fragment.starts_with("v2."), "{fragment:.20}");
    if let (Ok(Shared::Pair(got)), Shared::Pair(want)) = (decode_shared(&fragment), shared) {
        for (g, w) in [(&got.left, &want.left), (&got.right, &want.right)] {
            assert!(g.bytes == w.bytes, "bytes");
            assert_eq!(g.name, w.name);
            assert_eq!(g.original_digest, w.original_digest);
            assert_eq!(g.redacted, w.redacted);
            assert_eq!(g.archive, w.archive);
        }
        assert_eq!(got.options, want.options);
    }
    assert_eq!(decode_shared(&fragment).as_ref(), Ok(shared));
    assert_eq!(
        decode_shared_bundle(&encode_shared_bundle(shared)).as_ref(),
        Ok(shared)
    );
}

#[test]
fn a_pair_a_series_an_archive_comparison_and_changes_round_trip() {
    let mut pair = SharePayload {
        left: side(config(20, ""), "left.json"),
        right: side(config(21, "x"), "right.json"),
        options: ShareOptions {
            ignore_timestamps: true,
            ignore_cache: false,
            ignore_pointers: vec![ptr("/created")],
            view: Some("canonical".into()),
        },
    };
    pair.right.original_digest = Some(sha256_digest(b"the unredacted original"));
    pair.right.redacted = vec![ptr("/config/Env/0")];
    round_trip(&Shared::Pair(pair.clone()));
    // No original digest stays none; an empty name stays empty.
    pair.left.original_digest = None;
    pair.left.name = Some(String::new());
    round_trip(&Shared::Pair(pair.clone()));

    let mut archive = pair.clone();
    archive.left.archive = Some(ShareArchive {
        name: "img.tar".into(),
        kind: "image-manifest".into(),
        digest: sha256_digest(b"manifest"),
        size: 1234,
    });
    archive.left.original_digest = Some(sha256_digest(b"manifest"));
    round_trip(&Shared::Pair(archive));

    let inputs: Vec<(String, Vec<u8>)> = (0..5)
        .map(|i| (format!("build {i}"), config(10 + i, &"y".repeat(i))))
        .collect();
    let series = SharedSeries {
        original_digests: inputs.iter().map(|(_, b)| Some(sha256_digest(b))).collect(),
        redacted: vec![Vec::new(); inputs.len()],
        inputs,
        options: ShareOptions::default(),
    };
    round_trip(&Shared::Series(series));
    round_trip(&Shared::Series(SharedSeries::default()));

    let changes = SharedChanges {
        verdict: "different".into(),
        headline: "2 records lost their results".into(),
        left: ChangedSide {
            name: "a".into(),
            kind: "image-config".into(),
            digest: sha256_digest(b"a"),
        },
        right: ChangedSide {
            name: "b".into(),
            kind: "image-config".into(),
            digest: sha256_digest(b"b"),
        },
        changes: vec![Change {
            op: crate::Op::Remove,
            path: ptr("/moby.buildkit.cache.v0/records/3/results"),
            value: None,
            old: Some(serde_json::json!({"digest": sha256_digest(b"a")})),
        }],
        diagnoses: Vec::new(),
        options: ShareOptions {
            ignore_cache: true,
            ..ShareOptions::default()
        },
    };
    round_trip(&Shared::Changes(changes));
}

#[test]
fn a_pair_opens_through_the_pair_api_and_a_series_is_named_when_a_pair_is_expected() {
    let pair = SharePayload {
        left: side(config(3, ""), "l"),
        right: side(config(3, "z"), "r"),
        options: ShareOptions::default(),
    };
    assert_eq!(
        decode_fragment(&encode_shared(&Shared::Pair(pair.clone()))).as_ref(),
        Ok(&pair)
    );
    let series = Shared::Series(SharedSeries {
        inputs: vec![("a".into(), b"{}".to_vec()); 3],
        original_digests: vec![None; 3],
        redacted: vec![Vec::new(); 3],
        options: ShareOptions::default(),
    });
    let err = decode_fragment(&encode_shared(&series)).unwrap_err();
    assert!(matches!(err.kind, ErrorKind::ShareKind { .. }), "{err}");
    assert!(err.to_string().contains("a series of 3 inputs"), "{err}");
}

#[test]
fn the_inline_cache_is_stored_decoded_only_when_its_base64_is_canonical() {
    let canonical = config(8, "");
    let (start, end, decoded) = inline_cache(&canonical).unwrap();
    assert_eq!(STANDARD.encode(&decoded).as_bytes(), &canonical[start..end]);
    let text = String::from_utf8(canonical.clone()).unwrap();
    let b64 = &text[start..end];
    let unpadded = text.replace(b64, b64.trim_end_matches('='));
    let wrapped = text.replace(b64, &format!("{}\\n{}", &b64[..76], &b64[76..]));
    let url_safe = text.replace(b64, &b64.replace('+', "-").replace('/', "_"));
    for (what, bytes) in [
        ("wrapped", wrapped.into_bytes()),
        ("unpadded", unpadded.into_bytes()),
        ("spaced", text.replace("\":\"", "\" : \"").into_bytes()),
    ] {
        if what != "spaced" {
            assert_eq!(inline_cache(&bytes), None, "{what}");
        }
        let p = Shared::Pair(SharePayload {
            left: side(bytes.clone(), what),
            right: side(canonical.clone(), "canonical"),
            options: ShareOptions::default(),
        });
        round_trip(&p);
    }
    if url_safe != text {
        assert_eq!(inline_cache(url_safe.as_bytes()), None);
    }
    // Decoded, the second copy of the same config costs almost nothing.
    let one = encode_shared(&Shared::Series(series_of(&[&canonical])));
    let two = encode_shared(&Shared::Series(series_of(&[&canonical, &canonical])));
    assert!(two.len() < one.len() + 40, "{} {}", one.len(), two.len());
}

fn series_of(inputs: &[&[u8]]) -> SharedSeries {
    SharedSeries {
        inputs: inputs
            .iter()
            .enumerate()
            .map(|(i, b)| (format!("{i}"), b.to_vec()))
            .collect(),
        original_digests: inputs.iter().map(|b| Some(sha256_digest(b))).collect(),
        redacted: vec![Vec::new(); inputs.len()],
        options: ShareOptions::default(),
    }
}

#[test]
fn a_large_later_input_is_stored_as_a_difference() {
    // Inputs past deflate's 32 KiB window: the second is a difference against the first.
    let a = config(400, "");
    assert!(a.len() > 100_000, "{}", a.len());
    let mut b = a.clone();
    let at = b.windows(4).position(|w| w == b"\"os\"").unwrap();
    b.splice(at..at, b"\"added\":1,".iter().copied());
    let mut table = Table::default();
    let (sa, sb) = (stream(&a, &mut table), stream(&b, &mut table));
    let mut next = 0;
    compact(&sa.data, &mut next);
    let (data, is_delta) = choose(Some(&sa.data), &sb.data, &mut next, &sa.data);
    assert!(is_delta);
    assert!(data.len() < 100, "{}", data.len());
    round_trip(&Shared::Series(series_of(&[&a, &b, &a])));
}

#[test]
fn the_digest_table_is_in_a_stored_block_and_the_dictionary_primes_the_window() {
    let p = Shared::Pair(SharePayload {
        left: side(config(30, ""), "l"),
        right: side(config(30, ""), "r"),
        options: ShareOptions::default(),
    });
    let compressed = encode(&p);
    // The last block is stored: 30 record digests and 30 diff_ids, 32 bytes each, at the end.
    let table_len = 60 * 32;
    let header = compressed.len() - table_len - 5;
    assert_eq!(compressed[header], 1, "BFINAL with BTYPE 00");
    assert_eq!(
        u16::from_le_bytes([compressed[header + 1], compressed[header + 2]]) as usize,
        table_len
    );
    // Plain inflate cannot read it (the window starts with the dictionary) …
    assert!(miniz_oxide::inflate::decompress_to_vec(&compressed).is_err());
    // … ours can.
    assert!(inflate(&compressed, 1 << 20).is_ok());
}

// ---------------------------------------------------------------- decoder rules

fn input_record(parts: &[Vec<u8>]) -> Vec<u8> {
    record(TAG_INPUT, &parts.concat())
}

fn check_of(bytes: &[u8]) -> Vec<u8> {
    record(TAG_IN_CHECK, &digest_of(bytes)[..CHECK_LEN])
}

#[test]
fn a_difference_that_copies_from_outside_the_earlier_input_is_an_error() {
    let first = b"0123456789abcdefghij".to_vec();
    // Copy 8 bytes from offset 16 of a 20-byte input: 4 bytes outside.
    let program = [varint(8 << 1 | 1), varint(zigzag(16))].concat();
    let body = [
        record(TAG_KIND, &varint(KIND_PAIR)),
        input_record(&[record(TAG_IN_DATA, &first), check_of(&first)]),
        input_record(&[
            record(TAG_IN_DATA, &program),
            record(TAG_IN_BASE, &[]),
            check_of(b"ghij"),
        ]),
    ]
    .concat();
    let err = open(&body).unwrap_err();
    assert!(
        matches!(
            err.kind,
            ErrorKind::ShareInput {
                input: 1,
                problem: "a copy points outside the earlier input",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(err.side, Some(Side::Right));
    // Inside the earlier input, the same program works.
    let ok = [varint(4 << 1 | 1), varint(zigzag(16))].concat();
    let body = [
        record(TAG_KIND, &varint(KIND_PAIR)),
        input_record(&[record(TAG_IN_DATA, &first), check_of(&first)]),
        input_record(&[
            record(TAG_IN_DATA, &ok),
            record(TAG_IN_BASE, &[]),
            check_of(b"ghij"),
        ]),
    ]
    .concat();
    match open(&body) {
        Ok(Shared::Pair(p)) => assert_eq!(p.right.bytes, b"ghij"),
        other => panic!("{other:?}"),
    }
    // A negative offset and a difference in the first input are errors too.
    let before = [varint(4 << 1 | 1), varint(zigzag(-1))].concat();
    for (first_parts, name) in [
        (
            vec![
                record(TAG_IN_DATA, &before),
                record(TAG_IN_BASE, &[]),
                check_of(b""),
            ],
            "first",
        ),
        (vec![record(TAG_IN_DATA, &first), check_of(&first)], "neg"),
    ] {
        let second = input_record(&[
            record(TAG_IN_DATA, &before),
            record(TAG_IN_BASE, &[]),
            check_of(b""),
        ]);
        let body = [
            record(TAG_KIND, &varint(KIND_PAIR)),
            input_record(&first_parts),
            second,
        ]
        .concat();
        let err = open(&body).unwrap_err();
        assert!(
            matches!(err.kind, ErrorKind::ShareInput { .. }),
            "{name}: {err}"
        );
    }
}

#[test]
fn an_input_that_does_not_match_its_digest_is_an_error_naming_the_side() {
    let body = [
        record(TAG_KIND, &varint(KIND_PAIR)),
        input_record(&[record(TAG_IN_DATA, b"{}"), check_of(b"{}")]),
        input_record(&[record(TAG_IN_DATA, b"{\"a\":1}"), check_of(b"{\"a\":2}")]),
    ]
    .concat();
    let err = open(&body).unwrap_err();
    assert!(
        matches!(err.kind, ErrorKind::ShareDigestMismatch { input: 1, .. }),
        "{err}"
    );
    assert_eq!(err.side, Some(Side::Right));
    assert!(err.to_string().starts_with("right: "), "{err}");
    // A missing check and one of the wrong length are refused too.
    for check in [vec![], record(TAG_IN_CHECK, &[1, 2, 3])] {
        let body = [
            record(TAG_KIND, &varint(KIND_PAIR)),
            input_record(&[record(TAG_IN_DATA, b"{}"), check.clone()]),
            input_record(&[record(TAG_IN_DATA, b"{}"), check_of(b"{}")]),
        ]
        .concat();
        let err = open(&body).unwrap_err();
        assert!(
            matches!(
                err.kind,
                ErrorKind::ShareMalformed {
                    field: "input check",
                    ..
                }
            ),
            "{err}"
        );
        assert_eq!(err.side, Some(Side::Left));
    }
}

#[test]
fn a_redacted_side_is_checked_against_its_redacted_bytes_and_keeps_its_original_digest() {
    let redacted = br#"{"config":{"Env":["K=<redacted>"]}}"#.to_vec();
    let original = sha256_digest(br#"{"config":{"Env":["K=secret"]}}"#);
    let mut left = side(redacted.clone(), "l");
    left.original_digest = Some(original.clone());
    left.redacted = vec![ptr("/config/Env/0")];
    let p = SharePayload {
        left,
        right: side(b"{}".to_vec(), "r"),
        options: ShareOptions::default(),
    };
    let decoded = decode_fragment(&encode_shared(&Shared::Pair(p))).unwrap();
    assert_eq!(decoded.left.bytes, redacted);
    assert_eq!(decoded.left.original_digest, Some(original));
    assert_eq!(decoded.right.original_digest, Some(sha256_digest(b"{}")));
}

#[test]
fn references_past_the_table_and_wrong_kinds_are_errors() {
    let data = [REF, 5];
    let body = [
        record(TAG_KIND, &varint(KIND_SERIES)),
        input_record(&[record(TAG_IN_DATA, &data), check_of(b"")]),
        record(TAG_DIGESTS, &[0; 32]),
    ]
    .concat();
    let err = open(&body).unwrap_err();
    assert!(
        matches!(err.kind, ErrorKind::ShareInput { input: 0, .. }),
        "{err}"
    );
    // Entry 0 (compact code 2) exists.
    let body = [
        record(TAG_KIND, &varint(KIND_SERIES)),
        input_record(&[record(TAG_IN_DATA, &[REF, 2]), {
            let mut text = Vec::new();
            digest_text(&[0; 32], &mut text);
            check_of(&text)
        }]),
        record(TAG_DIGESTS, &[0; 32]),
    ]
    .concat();
    assert!(open(&body).is_ok());
    for (body, what) in [
        (record(TAG_KIND, &varint(9)), "unknown kind"),
        (Vec::new(), "no kind"),
        (
            [
                record(TAG_KIND, &varint(KIND_PAIR)),
                input_record(&[record(TAG_IN_DATA, b""), check_of(b"")]),
            ]
            .concat(),
            "a pair of one",
        ),
        (record(TAG_DIGESTS, &[0; 31]), "a short table"),
        (
            [
                record(TAG_KIND, &varint(KIND_CHANGES)),
                record(TAG_CHANGES, b"[1]"),
            ]
            .concat(),
            "changes that are not a change set",
        ),
    ] {
        assert!(
            matches!(
                open(&body).map_err(|e| e.kind),
                Err(ErrorKind::ShareMalformed { .. })
            ),
            "{what}"
        );
    }
}

#[test]
fn decompression_and_rebuilding_are_size_limited() {
    // A deflate bomb …
    let bomb = compress(&vec![0; 4 << 20], &[]);
    assert_eq!(
        inflate(&bomb, 1 << 20),
        Err(ErrorKind::ShareTooLarge { limit: 1 << 20 })
    );
    // … and a difference bomb: a small container whose copies rebuild far more than the cap.
    let first = vec![b'x'; 1024];
    let mut program = [varint(1024 << 1 | 1), varint(zigzag(0))].concat();
    for _ in 1..2048 {
        program.extend([varint(1024 << 1 | 1), varint(zigzag(-1024))].concat());
    }
    let body = [
        record(TAG_KIND, &varint(KIND_SERIES)),
        input_record(&[record(TAG_IN_DATA, &first), check_of(&first)]),
        input_record(&[
            record(TAG_IN_DATA, &program),
            record(TAG_IN_BASE, &[]),
            check_of(b""),
        ]),
    ]
    .concat();
    let container = seal(&body);
    assert!(container.len() < 16 << 10);
    assert_eq!(
        decode_container(&container, 1 << 20).map_err(|e| e.kind),
        Err(ErrorKind::ShareTooLarge { limit: 1 << 20 })
    );
}

/// Stored link made by the first v2 encoder. This test must keep passing forever: links people
/// have pasted keep opening. Never regenerate the fixture (see fixtures/README.md).
#[test]
fn stored_v2_link_fixture_still_decodes() {
    let text = include_str!("../../../fixtures/v2-link.txt");
    let Ok(Shared::Pair(p)) = decode_shared(text) else {
        panic!("the v2 fixture no longer opens as a pair");
    };
    // The decoded bytes' digests, as measured when the fixture was made.
    assert_eq!(
        sha256_digest(&p.left.bytes),
        "sha256:2f18372daf4d4e1454f754f1f6dcb2f5c115dfde27b50d69bf384537b5bc7fae"
    );
    assert_eq!(
        sha256_digest(&p.right.bytes),
        "sha256:6ec822072f4f6332a020c58e55db805452cfbd3ddb0df35749ae4126b69fba56"
    );
    assert_eq!(
        p.right.original_digest.as_deref(),
        Some("sha256:f2f76cf8c340a80541fc3654980a999c87f4cb59a8596afd31cb463eac796eab")
    );
    assert_eq!(p.left.original_digest, Some(sha256_digest(&p.left.bytes)));
    assert_eq!(p, fixture_payload());
}

/// What `fixtures/v2-link.txt` holds.
fn fixture_payload() -> SharePayload {
    let mut right = side(config(4, "v2"), "right.json");
    right.original_digest = Some(sha256_digest(b"unredacted"));
    right.redacted = vec![ptr("/config/Env/0")];
    SharePayload {
        left: side(config(4, ""), "left.json"),
        right,
        options: ShareOptions {
            ignore_timestamps: true,
            ignore_cache: false,
            ignore_pointers: vec![ptr("/created")],
            view: Some("canonical".into()),
        },
    }
}

/// Prints a new fixture link (run once, by hand, when the fixture is first made:
/// `cargo test -p cachelens-core --lib print_v2_fixture -- --ignored --nocapture`).
#[test]
#[ignore = "prints the fixture link; run by hand"]
fn print_v2_fixture() {
    println!("{}", encode_shared(&Shared::Pair(fixture_payload())));
    println!("{}", sha256_digest(&fixture_payload().left.bytes));
    println!("{}", sha256_digest(&fixture_payload().right.bytes));
}

#[cfg(not(target_arch = "wasm32"))]
mod props {
    use super::*;
    use proptest::prelude::*;

    /// Bytes with digests, reference bytes and an inline cache key among random ones.
    fn bytes() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop_oneof![
            prop::collection::vec(any::<u8>(), 0..64),
            (0u8..4).prop_map(|i| sha256_digest(&[i]).into_bytes()),
            Just(vec![REF, 0, 1, 2]),
            Just(b"\"moby.buildkit.cache.v0\":\"W3t9XQ==\"".to_vec()),
            Just(b"\"moby.buildkit.cache.v0\":\"W3t9X\"".to_vec()),
        ];
        prop::collection::vec(piece, 0..12).prop_map(|p| p.concat())
    }

    fn side() -> impl Strategy<Value = ShareSide> {
        (bytes(), any::<Option<String>>(), any::<bool>()).prop_map(|(bytes, name, redacted)| {
            ShareSide {
                original_digest: Some(if redacted {
                    sha256_digest(b"original")
                } else {
                    sha256_digest(&bytes)
                }),
                bytes,
                name,
                redacted: if redacted {
                    vec![ptr("/x")]
                } else {
                    Vec::new()
                },
                archive: None,
            }
        })
    }

    proptest! {
        #[test]
        fn pairs_and_series_of_arbitrary_bytes_round_trip(
            left in side(), right in side(), more in prop::collection::vec(bytes(), 0..4)
        ) {
            let pair = Shared::Pair(SharePayload { left: left.clone(), right, options: ShareOptions::default() });
            prop_assert_eq!(decode_shared(&encode_shared(&pair))?, pair.clone());
            prop_assert_eq!(decode_shared_bundle(&encode_shared_bundle(&pair))?, pair);
            let mut inputs = vec![left.bytes.clone()];
            inputs.extend(more);
            let refs: Vec<&[u8]> = inputs.iter().map(Vec::as_slice).collect();
            let series = Shared::Series(series_of(&refs));
            prop_assert_eq!(decode_shared(&encode_shared(&series))?, series);
        }

        #[test]
        fn random_containers_and_fragments_never_panic(
            body in prop::collection::vec(any::<u8>(), 0..512),
            b64 in "[A-Za-z0-9_-]{0,300}"
        ) {
            let _ = decode_container(&seal(&body), 1 << 20);
            let _ = open(&body);
            let forged = format!("v2.{b64}");
            prop_assert!(decode_shared(&forged).is_err());
        }
    }
}

/// A window repeated everywhere (the e2e tests' 40,000 `VAR_i=xxxx…` variables) once made the
/// difference index quadratic: the page hung on a 5 MB config. It is linear now; this input
/// would take hours the old way.
#[test]
fn a_repetitive_large_input_is_encoded_without_hanging() {
    let a = vec![b'x'; 512 * 1024];
    let mut b = a.clone();
    b.extend_from_slice(b"y");
    round_trip(&Shared::Series(series_of(&[&a, &b])));
}
