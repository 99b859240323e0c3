//! Any bytes: read as an input (text decoding, JSON parsing, kind detection). Never panics; a
//! parsed document always has a kind; the checking parser (which lists repeated keys) reads
//! exactly what serde_json reads, and fails where it fails.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let plain = cachelens_core::json::parse(text);
    let checked = cachelens_core::json::parse_checked(text);
    match (&plain, &checked) {
        (Ok(a), Ok((b, repeats))) => {
            assert_eq!(serde_json::to_string(a).unwrap(), serde_json::to_string(b).unwrap());
            for d in repeats {
                let at = b.pointer(&d.pointer.to_string());
                assert!(at.and_then(|o| o.as_object()).is_some_and(|o| o.contains_key(&d.key)));
            }
        }
        (Err(a), Err(b)) => assert_eq!(a, b),
        _ => panic!("parse and parse_checked disagree: {plain:?} vs {checked:?}"),
    }
    if let Ok(v) = plain {
        let _ = cachelens_core::detect(&v);
        let _ = cachelens_core::json::to_go_compact(&v);
    }
});
