//! Any bytes as a BuildKit cache: tolerant base64, Go's decoding rules for records and cache
//! configs, and the same bytes base64-encoded inside an image config (the fast typed path and
//! its fallback). Never panics.
#![no_main]
use cachelens_core::{analyze, decode, json};
use base64::Engine as _;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = decode::base64_tolerant(text);
        if let Ok(v) = json::parse(text) {
            let _ = decode::records(&v);
            let _ = decode::cache_config(&v);
        }
    }
    // The bytes as the decoded inline cache of an image config.
    let b64 = base64::engine::general_purpose::STANDARD.encode(data);
    let config = format!(
        r#"{{"architecture":"amd64","os":"linux","rootfs":{{"type":"layers","diff_ids":["sha256:{0}","sha256:{0}"]}},"moby.buildkit.cache.v0":"{b64}"}}"#,
        "ab".repeat(32)
    );
    let a = analyze(config.as_bytes(), None);
    assert!(a.is_ok(), "a valid config with a broken cache still analyses: {a:?}");
});
