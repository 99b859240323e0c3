//! Any text as a share link or fragment, any bytes as a bundle. Never panics; what decodes
//! encodes back to a link that decodes to the same payload.
#![no_main]
use cachelens_core::share;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = share::payload_from_link(text);
        if let Ok(p) = share::decode_fragment(text) {
            let again = share::decode_fragment(&share::encode_fragment(&p)).expect("re-encoded");
            assert_eq!(again, p);
        }
    }
    if let Ok(p) = share::decode_bundle(data) {
        assert_eq!(share::decode_bundle(&share::encode_bundle(&p)).expect("re-encoded"), p);
    }
});
