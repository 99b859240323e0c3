//! Any bytes: read as an input (text decoding, JSON parsing, kind detection). Never panics; a
//! parsed document always has a kind.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(v) = cachelens_core::json::parse(text)
    {
        let _ = cachelens_core::detect(&v);
        let _ = cachelens_core::json::to_go_compact(&v);
    }
});
