//! The catalogue of bad inputs users paste: each gets a clear error (or warning) of the right
//! kind that says where, never a panic, and nothing valid is lost.

use cachelens_core::{ErrorKind, Kind, Side, analyze, json};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// What an input must produce.
enum Want {
    /// A fatal error whose kind matches and whose message contains the text.
    Error(fn(&ErrorKind) -> bool, &'static str),
    /// Analysed, with a warning whose message contains the text.
    Warning(&'static str),
    /// Analysed cleanly, as this kind.
    Ok(Kind),
}

fn b64(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn config_with_cache(value: &str) -> Vec<u8> {
    format!(r#"{{"architecture":"amd64","moby.buildkit.cache.v0":"{value}","os":"linux","rootfs":{{"type":"layers","diff_ids":["sha256:aa"]}}}}"#).into_bytes()
}

fn check(name: &str, input: &[u8], want: Want) {
    let got = analyze(input, Some(Side::Right));
    match (want, got) {
        (Want::Error(kind, text), Err(e)) => {
            assert!(kind(&e.kind), "{name}: wrong kind {:?}", e.kind);
            let msg = e.to_string();
            assert!(msg.starts_with("right: "), "{name}: no side in {msg:?}");
            assert!(msg.contains(text), "{name}: {msg:?} lacks {text:?}");
        }
        (Want::Warning(text), Ok(a)) => {
            let msgs: Vec<String> = a.warnings.iter().map(ToString::to_string).collect();
            assert!(
                msgs.iter()
                    .any(|m| m.contains(text) && m.starts_with("right: ")),
                "{name}: warnings {msgs:?} lack {text:?}"
            );
        }
        (Want::Ok(kind), Ok(a)) => {
            assert_eq!(a.kind, kind, "{name}");
            assert!(a.warnings.is_empty(), "{name}: {:?}", a.warnings);
        }
        (_, got) => panic!("{name}: unexpected {got:?}"),
    }
}

#[test]
fn catalogue() {
    let deep_array = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let huge_string = format!("{{\"s\":\"{}\"}}", "x".repeat(5_000_000));
    let identical = format!(
        "[{}]",
        vec![r#"{"digest":"sha256:aaaaaaaaaaaaaaaaaaaa"}"#; 100_000].join(",")
    );
    let cases: Vec<(&str, Vec<u8>, Want)> = vec![
        ("empty", b"".to_vec(), Want::Error(|k| matches!(k, ErrorKind::Empty), "empty")),
        ("only whitespace", b" \n\t\r\n ".to_vec(), Want::Error(|k| matches!(k, ErrorKind::Empty), "empty")),
        ("byte-order mark", b"\xEF\xBB\xBF{\"a\":1}".to_vec(), Want::Warning("byte-order mark")),
        ("UTF-16 with BOM", b"\xFF\xFE{\x00\"\x00a\x00\"\x00:\x001\x00}\x00".to_vec(), Want::Error(|k| matches!(k, ErrorKind::NotUtf8 { .. }), "UTF-16")),
        ("UTF-16 without BOM", "{\"architecture\":\"amd64\"}".encode_utf16().flat_map(u16::to_le_bytes).collect(), Want::Error(|k| matches!(k, ErrorKind::NotUtf8 { .. }), "looks like UTF-16")),
        ("invalid UTF-8", b"{\"a\":\"\xC3\x28\"}".to_vec(), Want::Error(|k| matches!(k, ErrorKind::NotUtf8 { byte: 6, .. }), "offset 6")),
        ("truncated JSON", b"{\"config\": {\"Env\": [\n\"A=b\",\n".to_vec(), Want::Error(|k| matches!(k, ErrorKind::Json { line: 3, .. }), "line 3")),
        ("trailing garbage", b"{\"a\":1} xyz".to_vec(), Want::Error(|k| matches!(k, ErrorKind::Json { line: 1, column: 9, .. }), "trailing characters")),
        ("10,000 levels of nesting", deep_array.into_bytes(), Want::Error(|k| matches!(k, ErrorKind::Json { .. }), "recursion limit exceeded")),
        ("huge string", huge_string.into_bytes(), Want::Ok(Kind::Json)),
        ("base64 with a bad character", config_with_cache("W3si*ZGlnZXN0IjoieCJ9XQ=="), Want::Warning("invalid base64 at character 4: '*' is not a base64 character")),
        ("base64 with padding in the middle", config_with_cache("W3s=iZGlnZXN0IjoieCJ9XQ"), Want::Warning("padding '=' in the middle")),
        ("base64 truncated", config_with_cache("W3siZ"), Want::Warning("cannot be a whole number of bytes")),
        ("base64 of non-JSON", config_with_cache(&b64("not json at all")), Want::Warning("decodes to 15 bytes that are not JSON")),
        ("base64 of JSON of the wrong shape", config_with_cache(&b64("{\"records\":7}")), Want::Warning("expected an array")),
        ("base64 of a number", config_with_cache(&b64("42")), Want::Warning("expected a base64 string, an array of records or a cache config")),
        ("negative link", br#"[{"digest":"sha256:a"},{"digest":"sha256:b","inputs":[[{"link":-1}]]}]"#.to_vec(), Want::Warning("record 1 input 0 alternative 0: link -1 is negative")),
        ("link out of range", br#"[{"digest":"sha256:a","inputs":[[{"link":0}],[{"link":5}]]}]"#.to_vec(), Want::Warning("record 0 input 1 alternative 0: link 5 is out of range (1 record)")),
        ("cyclic links", br#"[{"digest":"sha256:a","inputs":[[{"link":2}]]},{"digest":"sha256:b","inputs":[[{"link":0}]]},{"digest":"sha256:c","inputs":[[{"link":1}]]}]"#.to_vec(), Want::Warning("closes a cycle")),
        ("self link", br#"[{"digest":"sha256:a","inputs":[[{"link":0}]]}]"#.to_vec(), Want::Warning("record 0 input 0: link 0 closes a cycle (0 -> 0)")),
        ("parent loop", br#"{"layers":[{"blob":"sha256:a","parent":2},{"blob":"sha256:b","parent":0},{"blob":"sha256:c","parent":1}],"records":[{"digest":"sha256:x"}]}"#.to_vec(), Want::Warning("part of a loop")),
        ("null records and input positions", br#"[null,{"digest":"sha256:b","inputs":[null,[null]]}]"#.to_vec(), Want::Ok(Kind::CacheRecords)),
        ("100,000 identical records", identical.into_bytes(), Want::Ok(Kind::CacheRecords)),
        ("inline layer index past the diff_ids", config_with_cache(&b64(r#"[{"digest":"sha256:a","layers":[{"layer":3,"createdAt":"2020-01-01T00:00:00Z"}]}]"#)), Want::Ok(Kind::ImageConfig)),
        ("absurd inline layer index", config_with_cache(&b64(r#"[{"digest":"sha256:a","layers":[{"layer":9000000000000,"createdAt":"2020-01-01T00:00:00Z"}]}]"#)), Want::Warning("layer 9000000000000 is out of range")),
        ("wrong type for a link", br#"[{"digest":"sha256:a","inputs":[[{"link":true}]]}]"#.to_vec(), Want::Warning("field \"link\": expected an integer, found boolean true")),
        ("duplicate keys", br#"{"architecture":"amd64","os":"linux","config":{"User":"app","Env":[],"User":"root"}}"#.to_vec(), Want::Warning(r#"at /config: the key "User" appears 2 times in this object: the last value is used"#)),
        ("a key three times at the root", br#"{"a":1,"a":2,"a":3}"#.to_vec(), Want::Warning(r#"at the document root: the key "a" appears 3 times"#)),
        ("duplicate keys in a decoded cache", config_with_cache(&b64(r#"[{"digest":"sha256:a"},{"digest":"sha256:b","inputs":[[{"selector":"s","link":0,"selector":"t"}]]}]"#)), Want::Warning(r#"at /moby.buildkit.cache.v0: the key "selector" appears 2 times in this object of the decoded cache value, at /1/inputs/0/0"#)),
        ("keys repeated inside an unknown record field of a decoded cache", config_with_cache(&b64(r#"[{"digest":"sha256:a","note":{"k":1,"k":2}}]"#)), Want::Warning(r#"the key "k" appears 2 times in this object of the decoded cache value, at /0/note"#)),
        ("duplicate unknown record keys in a decoded cache", config_with_cache(&b64(r#"[{"digest":"sha256:a","x":1,"x":2}]"#)), Want::Warning(r#"the key "x" appears 2 times in this object of the decoded cache value, at /0"#)),
        // Text that is not JSON is an inline cache value only when it is base64 of JSON.
        ("words", b"hello there garbage text\n".to_vec(), Want::Error(|k| matches!(k, ErrorKind::NotJsonNorBase64 { line: 1, column: 1, .. }), "not JSON (line 1, column 1: expected value), and not a base64 inline cache value: invalid base64 at character 23: 21 base64 characters cannot be a whole number of bytes (truncated?). cachelens reads JSON (an image config")),
        ("two words", b"hello world".to_vec(), Want::Error(|k| matches!(k, ErrorKind::NotJsonNorBase64 { .. }), "and not a base64 inline cache value: the base64 value decodes to 7 bytes that are not JSON (line 1, column 1: expected value)")),
        ("a sentence", b"This is not what you wanted.".to_vec(), Want::Error(|k| matches!(k, ErrorKind::NotJsonNorBase64 { .. }), "invalid base64 at character 27: '.' is not a base64 character")),
        ("bare base64 of non-JSON", b64("not json at all").into_bytes(), Want::Error(|k| matches!(k, ErrorKind::NotJsonNorBase64 { .. }), "not a base64 inline cache value: the base64 value decodes to 15 bytes that are not JSON")),
        ("bare base64 with a bad character", b"W3si*ZGlnZXN0IjoieCJ9XQ==".to_vec(), Want::Error(|k| matches!(k, ErrorKind::NotJsonNorBase64 { .. }), "invalid base64 at character 4: '*' is not a base64 character")),
        ("quoted bare base64 with a bad character, counted in the input", b"  'W3si*ZGlnZXN0IjoieCJ9XQ=='".to_vec(), Want::Error(|k| matches!(k, ErrorKind::NotJsonNorBase64 { .. }), "invalid base64 at character 7: '*'")),
        ("bare base64 with padding in the middle", b"W3s=iZGlnZXN0IjoieCJ9XQ".to_vec(), Want::Error(|k| matches!(k, ErrorKind::NotJsonNorBase64 { .. }), "padding '=' in the middle")),
        ("bare base64 truncated", b"W3siZ".to_vec(), Want::Error(|k| matches!(k, ErrorKind::NotJsonNorBase64 { .. }), "cannot be a whole number of bytes")),
        ("truncated JSON keeps its JSON error alone", b"{\"a\": [1,\n2".to_vec(), Want::Error(|k| matches!(k, ErrorKind::Json { line: 2, .. }), "invalid JSON at line 2")),
        ("bare base64 value", b"W3siZGlnZXN0IjoieCJ9XQ==\n".to_vec(), Want::Ok(Kind::InlineCache)),
        ("bare base64 value, URL-safe, wrapped, unpadded", b"W3siZGlnZXN0\nIjoiP34_In1d".to_vec(), Want::Ok(Kind::InlineCache)),
        ("a quoted bare base64 value", b"'W3siZGlnZXN0IjoieCJ9XQ=='".to_vec(), Want::Ok(Kind::InlineCache)),
        ("a JSON string of words is JSON, not a cache", b"\"hello there garbage text\"".to_vec(), Want::Ok(Kind::Json)),
        ("a JSON string holding a damaged cache value", b"\"W3s=iZGlnZXN0IjoieCJ9XQ\"".to_vec(), Want::Warning("padding '=' in the middle")),
        ("a link that is not an integer", br#"[{"digest":"sha256:a","inputs":[[{"link":1.5}]]}]"#.to_vec(), Want::Warning("expected an integer, found number 1.5")),
    ];
    for (name, input, want) in cases {
        check(name, &input, want);
    }
}

#[test]
fn repeated_keys_in_many_objects_are_listed_up_to_a_limit() {
    let records: Vec<String> = (0..500)
        .map(|i| format!(r#"{{"digest":"sha256:{i:064x}","x":1,"x":2}}"#))
        .collect();
    let a = analyze(
        format!("[{}]", records.join(",")).as_bytes(),
        Some(Side::Left),
    )
    .unwrap();
    let msgs: Vec<String> = a.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(msgs.len(), 21, "{msgs:#?}");
    assert!(
        msgs[0].starts_with(r#"left: at /0: the key "x" appears 2 times"#),
        "{}",
        msgs[0]
    );
    assert_eq!(
        msgs[20],
        "left: 480 more objects repeat a key (not listed); in each the last value is used"
    );
}

#[test]
fn of_duplicate_keys_the_last_value_wins_where_the_first_stood() {
    let a = analyze(
        br#"{"config":{"User":"app","Env":["A=1"],"User":"root"}}"#,
        None,
    )
    .unwrap();
    assert_eq!(a.original["config"]["User"], "root");
    let keys: Vec<&String> = a.original["config"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["User", "Env"]);
    assert_eq!(a.canonical()["config"]["User"], "root");
    // In a decoded cache too: the second selector is the one read, as BuildKit (Go) reads it.
    let a = analyze(
        &config_with_cache(&b64(
            r#"[{"digest":"sha256:a"},{"digest":"sha256:b","inputs":[[{"selector":"s","link":0,"selector":"t"}]]}]"#,
        )),
        None,
    )
    .unwrap();
    let text = a.canonical_text();
    assert!(text.contains(r#""selector": "t""#), "{text}");
    assert!(!text.contains(r#""selector": "s""#), "{text}");
}

#[test]
fn a_layer_index_past_the_diff_ids_is_marked_not_dropped() {
    let a = analyze(
        &config_with_cache(&b64(
            r#"[{"digest":"sha256:a","layers":[{"layer":1,"createdAt":"2020-01-01T00:00:00Z"}]}]"#,
        )),
        None,
    )
    .unwrap();
    let layers = &a.canonical()["moby.buildkit.cache.v0"]["records"]
        .as_object()
        .unwrap()
        .values()
        .next()
        .unwrap()["layers"][0]["layers"];
    assert_eq!(layers[0]["diffID"], "sha256:aa");
    assert_eq!(layers[1]["index"], 1);
    assert!(layers[1]["missing"].is_string());
}

#[test]
fn numbers_beyond_i64_and_f64_are_kept_exactly() {
    let text = r#"{"big":123456789012345678901234567890,"neg":-99999999999999999999,"precise":0.1000000000000000055511151231257827,"tiny":1e-400,"huge":1.5e+400}"#;
    let a = analyze(text.as_bytes(), None).unwrap();
    let canon = a.canonical_text();
    for n in [
        "123456789012345678901234567890",
        "-99999999999999999999",
        "0.1000000000000000055511151231257827",
        "1e-400",
        "1.5e+400",
    ] {
        assert!(canon.contains(n), "{n} lost in {canon}");
    }
    // And the Go-compact digest uses the same digits.
    assert_eq!(json::to_go_compact(&a.original), text.as_bytes());
}

#[test]
fn strings_and_unicode_are_kept_exactly() {
    let text =
        "{\"a\":\"é ✓ 🦀 \\u0000 \\\"q\\\" \\\\ \\u2028 <&>\",\"k\\u00e9y\":\"\\ud83e\\udd80\"}";
    let a = analyze(text.as_bytes(), None).unwrap();
    assert_eq!(a.canonical()["a"], "é ✓ 🦀 \u{0} \"q\" \\ \u{2028} <&>");
    assert_eq!(a.canonical()["kéy"], "🦀");
    let again = analyze(a.canonical_text().as_bytes(), None).unwrap();
    assert_eq!(again.canonical(), a.canonical());
}

#[test]
fn inputs_over_the_limit_are_refused_with_the_limit_named() {
    let big = vec![b' '; cachelens_core::MAX_INPUT_BYTES + 1];
    let e = analyze(&big, Some(Side::Left)).unwrap_err();
    assert!(matches!(e.kind, ErrorKind::TooLarge { .. }));
    assert!(
        e.to_string().contains("over the limit of 104857600 bytes"),
        "{e}"
    );
}
