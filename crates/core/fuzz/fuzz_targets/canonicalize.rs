//! Any bytes through the whole analysis of one input (detect, decode, canonical form, digests).
//! Never panics, and the canonical form is a fixed point: analysing its own text again gives
//! the same document.
#![no_main]
use cachelens_core::analyze;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(a) = analyze(data, None) else { return };
    let text = a.canonical_text();
    let again = analyze(text.as_bytes(), None).expect("the canonical text reads back");
    assert_eq!(again.canonical(), a.canonical(), "canonicalising twice changed it");
});
