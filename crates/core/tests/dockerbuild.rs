//! `.dockerbuild` files (`docker buildx history export`) read by the core: the real v0.25
//! records, and the catalogue of bad ones (truncated, not gzip, gzip of something else, a record
//! whose blobs are missing, an index that names itself, a small gzip that inflates past the cap):
//! each a clear error or problem that says where, never a panic or a hang.
#![cfg(not(target_arch = "wasm32"))]

mod image_support;

use cachelens_core::image::gzip::{MAX_INFLATED, read_gzip};
use cachelens_core::image::{ArchiveKind, ImageSet};
use image_support::tar;
use std::io::{Read as _, Write as _};

const MANIFEST_ROOT: &[u8] = include_bytes!(
    "../../../tests/fixtures/real-buildkit/buildkit-0.25/archives/tiny.manifest-root.dockerbuild"
);

fn gunzip(z: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(z)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// The real file's entries.
fn entries() -> Vec<(String, Vec<u8>)> {
    let raw = gunzip(MANIFEST_ROOT);
    let mut a = ::tar::Archive::new(&raw[..]);
    a.entries()
        .unwrap()
        .map(|e| {
            let mut e = e.unwrap();
            let name = e.path().unwrap().to_string_lossy().into_owned();
            let mut b = Vec::new();
            e.read_to_end(&mut b).unwrap();
            (name, b)
        })
        .filter(|(n, _)| !n.ends_with('/'))
        .collect()
}

fn problems(set: &ImageSet) -> Vec<String> {
    set.problems.iter().map(ToString::to_string).collect()
}

#[test]
fn the_real_record_reads() {
    let set = read_gzip(MANIFEST_ROOT).expect("reads");
    assert_eq!(set.kind, ArchiveKind::Dockerbuild);
    assert!(set.problems.is_empty(), "{:?}", problems(&set));
    assert!(set.images.is_empty());
    let b = &set.builds[0];
    assert_eq!(b.reference, "czdwnciukqt1djmj3wo50wa3m");
    assert_eq!(
        b.local_state.get("Target").map(String::as_str),
        Some("default")
    );
    assert_eq!(b.results.len(), 1);
    assert!(b.results[0].present);
    assert_eq!(b.results[0].layers.len(), 2);
}

/// Reading must fail with a message holding every part.
fn fails(case: &str, input: &[u8], parts: &[&str]) {
    let msg = match read_gzip(input) {
        Ok(set) => panic!("{case}: read: {:?}", problems(&set)),
        Err(e) => e.to_string(),
    };
    for p in parts {
        assert!(msg.contains(p), "{case}: {msg:?} lacks {p:?}");
    }
}

/// Reading must succeed with a problem holding every part.
fn damaged(case: &str, input: &[u8], parts: &[&str]) {
    let set = read_gzip(input).unwrap_or_else(|e| panic!("{case}: {e}"));
    let ps = problems(&set);
    assert!(
        ps.iter().any(|m| parts.iter().all(|p| m.contains(p))),
        "{case}: no problem holds {parts:?}: {ps:#?}"
    );
}

#[test]
fn catalogue() {
    let n = MANIFEST_ROOT.len();
    fails(
        "truncated",
        &MANIFEST_ROOT[..n / 2],
        &["gzip data is damaged or incomplete"],
    );
    fails("truncated to the header", &MANIFEST_ROOT[..10], &["gzip"]);
    fails(
        "not gzip",
        b"PK\x03\x04 a zip file, not gzip",
        &["not gzip", "1f 8b"],
    );
    fails(
        "gzip of something else",
        &gzip(b"{\"not\": \"a tar\"}"),
        &["decompresses, but not to an OCI layout tar"],
    );
    let mut bad_crc = MANIFEST_ROOT.to_vec();
    bad_crc[n - 6] ^= 0xff;
    fails("a damaged checksum", &bad_crc, &["gzip"]);

    // A record whose blobs are missing: the record blob (the manifest's config) left out.
    let files = entries();
    let index: serde_json::Value =
        serde_json::from_slice(&files.iter().find(|(n, _)| n == "index.json").unwrap().1).unwrap();
    let manifest_digest = index["manifests"][0]["digest"].as_str().unwrap().to_owned();
    let manifest: serde_json::Value = serde_json::from_slice(
        &files
            .iter()
            .find(|(n, _)| n.ends_with(&manifest_digest[7..]))
            .unwrap()
            .1,
    )
    .unwrap();
    let record = manifest["config"]["digest"].as_str().unwrap().to_owned();
    let without: Vec<_> = files
        .iter()
        .filter(|(n, _)| !n.ends_with(&record[7..]))
        .cloned()
        .collect();
    damaged(
        "the record blob missing",
        &gzip(&tar(&without)),
        &[
            "missing",
            &record,
            &format!("manifest {manifest_digest} at /config"),
        ],
    );
    // Its result root missing.
    let root = manifest["layers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["mediaType"] == "application/json")
        .unwrap()["digest"]
        .as_str()
        .unwrap()
        .to_owned();
    let without: Vec<_> = files
        .iter()
        .filter(|(n, _)| !n.ends_with(&root[7..]))
        .cloned()
        .collect();
    damaged(
        "the result root missing",
        &gzip(&tar(&without)),
        &["missing", &root],
    );

    // An index that names itself (its blob at its own name: the bytes cannot hash to it, so
    // that is a mismatch too; the walk still stops).
    let me = format!("sha256:{}", "ab".repeat(32));
    let selfish = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"{me}","size":1}}]}}"#
    );
    let top = format!(
        r#"{{"schemaVersion":2,"manifests":[{{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"{me}","size":{}}}]}}"#,
        selfish.len()
    );
    let looped = tar(&[
        (
            "oci-layout".into(),
            br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
        ),
        ("index.json".into(), top.into_bytes()),
        (format!("blobs/sha256/{}", &me[7..]), selfish.into_bytes()),
    ]);
    damaged(
        "an index that names itself",
        &gzip(&looped),
        &["refers to itself", &me],
    );

    // A small gzip that inflates past the cap. Deflate gives at most about 1032:1, so the
    // smallest gzip that passes 256 MiB is about 260 KB (a 1 KB one inflates to about 1 MB).
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..=(MAX_INFLATED >> 20) {
        e.write_all(&zeros).unwrap();
    }
    let bomb = e.finish().unwrap();
    assert!(bomb.len() < 300_000, "{}", bomb.len());
    fails(
        "a gzip bomb",
        &bomb,
        &["the decompressed gzip", "over the limit of 268435456 bytes"],
    );
}
