//! A 1 GiB image tarball opens with a peak memory far below its size: `cachelens show` reads tar
//! headers and small JSON, never layer contents (moby/buildkit#4854: "a multi-gigabyte tarball
//! opens at once").
//!
//! The tarball is sparse: its 1 GiB layer is a hole left by seeking, so it costs no disk and no
//! time to make. The layer sits before `index.json`, so the reader has to skip over it. The peak
//! is the child's maximum resident set size from `getrusage(RUSAGE_CHILDREN)`; this file holds
//! this one test so that the only child it waits for is that `cachelens`. Reading the layer
//! into memory would put the peak above 1 GiB and fail the test.
#![cfg(target_os = "linux")]

#[path = "../../core/tests/image_support/mod.rs"]
mod image_support;

use image_support::*;
use nix::sys::resource::{UsageWho, getrusage};
use serde_json::{Value, json};
use std::io::{Seek as _, SeekFrom, Write as _};

const LAYER: u64 = 1 << 30;
const PEAK_LIMIT_KIB: i64 = 64 * 1024;

#[test]
fn a_1_gib_tarball_opens_in_little_memory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.tar");
    // The big layer's digest cannot be computed without its bytes, and is never read: any
    // well-formed digest does.
    let big_digest = sha256(b"a 1 GiB layer of zeros, never read");
    let small = Rng::new(5).bytes(5000);
    let diff_ids = [sha256(b"uncompressed small"), sha256(b"uncompressed big")];
    let config = serde_json::to_vec(&json!({
        "architecture": "amd64", "os": "linux",
        "rootfs": { "type": "layers", "diff_ids": diff_ids },
    }))
    .unwrap();
    let manifest = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": { "mediaType": OCI_CONFIG, "digest": sha256(&config), "size": config.len() },
        "layers": [
            { "mediaType": OCI_LAYER, "digest": sha256(&small), "size": small.len() },
            { "mediaType": OCI_LAYER, "digest": big_digest, "size": LAYER },
        ],
    }))
    .unwrap();
    let index = json!({
        "schemaVersion": 2,
        "manifests": [{ "mediaType": OCI_MANIFEST, "digest": sha256(&manifest), "size": manifest.len() }],
    });

    let mut file = std::fs::File::create(&path).unwrap();
    // First the big layer: a header, then a 1 GiB hole.
    let mut h = ::tar::Header::new_ustar();
    h.set_path(format!("blobs/sha256/{}", &big_digest[7..]))
        .unwrap();
    h.set_size(LAYER);
    h.set_mode(0o644);
    h.set_cksum();
    file.write_all(h.as_bytes()).unwrap();
    file.seek(SeekFrom::Current(LAYER as i64)).unwrap();
    // Then the rest of the layout, written by the tar crate after the hole.
    let mut rest = Vec::new();
    for (name, bytes) in oci_files(
        &index,
        vec![
            (blob_path(&manifest), manifest.clone()),
            (blob_path(&config), config.clone()),
            (blob_path(&small), small.clone()),
        ],
    ) {
        rest.push((name, bytes));
    }
    let tail = tar(&rest);
    file.write_all(&tail).unwrap();
    file.flush().unwrap();
    let meta = file.metadata().unwrap();
    drop(file);
    assert!(meta.len() > LAYER, "{} bytes", meta.len());

    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("cachelens"))
        .args(["show", "--format", "json"])
        .arg(&path)
        .output()
        .unwrap();
    let peak_kib = getrusage(UsageWho::RUSAGE_CHILDREN).unwrap().max_rss();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    let last = &j["images"][0]["lastLayer"];
    assert_eq!(last["digest"], big_digest);
    assert_eq!(last["size"], LAYER);
    assert_eq!(last["diffID"], diff_ids[1]);
    assert_eq!(last["check"]["size"], "verified");
    assert_eq!(j["size"], meta.len());
    eprintln!(
        "peak RSS of `cachelens show` on a {} MiB tarball: {} KiB ({:.1} MiB)",
        meta.len() >> 20,
        peak_kib,
        peak_kib as f64 / 1024.0
    );
    assert!(
        peak_kib > 0 && peak_kib < PEAK_LIMIT_KIB,
        "peak RSS {peak_kib} KiB, limit {PEAK_LIMIT_KIB} KiB"
    );
}
