//! Any bytes as an image archive (OCI layout tar, docker save), read through the sans-IO reader.
//! Never panics; errors and problems render.
#![no_main]
use cachelens_core::image::read_archive_bytes;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match read_archive_bytes(data) {
        Ok(set) => {
            let _ = set.to_text();
            let _ = cachelens_core::image::document(&set);
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
