//! The v2 share format (issue 20): any bytes as v2 container records (behind the checksum, which
//! a fuzzer cannot forge through a link), as link text and as a bundle. Never panics, never
//! rebuilds more than the cap; what decodes re-encodes to a link and a bundle that decode to the
//! same share.
#![no_main]
use cachelens_core::share::{self, Shared};
use libfuzzer_sys::fuzz_target;

/// A small cap, so a difference or reference bomb is caught quickly.
const LIMIT: usize = 4 << 20;

fn round_trip(shared: &Shared) {
    let again = share::decode_shared(&share::encode_shared(shared)).expect("re-encoded link");
    assert_eq!(&again, shared);
    let bundle = share::encode_shared_bundle(shared);
    assert_eq!(&share::decode_shared_bundle(&bundle).expect("re-encoded bundle"), shared);
}

fuzz_target!(|data: &[u8]| {
    if let Ok(shared) = share::fuzz_v2_records(data, LIMIT) {
        if let Shared::Series(s) = &shared {
            assert!(s.inputs.iter().map(|(_, b)| b.len()).sum::<usize>() <= LIMIT);
        }
        round_trip(&shared);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(shared) = share::decode_shared(text) {
            round_trip(&shared);
        }
    }
    if let Ok(shared) = share::open_shared(data) {
        round_trip(&shared);
    }
});
