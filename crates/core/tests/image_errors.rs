//! Damaged and hostile archives: truncated headers, bad checksums, unsafe names, sizes past the
//! end, missing blobs, mismatched digests and sizes. Each gives an error (or, when the rest can
//! still be read, a listed problem) that says which entry and which byte.
#![cfg(not(target_arch = "wasm32"))]

mod image_support;

use cachelens_core::image::{Problem, read_archive_bytes};
use cachelens_core::{Error, ErrorKind};
use image_support::*;

/// What reading must give.
enum Expect<'a> {
    /// Reading fails; the message holds all of these.
    Error(&'a [&'a str]),
    /// Reading succeeds, with one problem whose message holds all of these.
    Problem(&'a [&'a str]),
}

fn check(case: &str, archive: &[u8], expect: Expect<'_>) {
    match (read_archive_bytes(archive), expect) {
        (Err(e), Expect::Error(parts)) => {
            let msg = e.to_string();
            for p in parts {
                assert!(msg.contains(p), "{case}: {msg:?} lacks {p:?}");
            }
            assert!(matches!(e.kind, ErrorKind::Archive { .. }), "{case}: {e:?}");
        }
        (Ok(set), Expect::Problem(parts)) => {
            let msgs: Vec<String> = set.problems.iter().map(Error::to_string).collect();
            assert!(
                msgs.iter().any(|m| parts.iter().all(|p| m.contains(p))),
                "{case}: no problem holds {parts:?}: {msgs:#?}"
            );
        }
        (Ok(set), Expect::Error(_)) => panic!("{case}: read without error: {:?}", set.problems),
        (Err(e), Expect::Problem(_)) => panic!("{case}: failed: {e}"),
    }
}

fn image() -> Img {
    Img::new(&Spec::default())
}

/// Where an entry's header starts.
fn header_of(archive: &[u8], name: &str) -> usize {
    let (_, r) = entry_ranges(archive)
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap();
    r.start as usize - 512
}

/// The layout's tar with one more entry, written raw (so any name can be used), before the
/// end-of-archive blocks.
fn with_raw_entry(name: &[u8], size_field: u64, data: &[u8]) -> Vec<u8> {
    let mut archive = tar(&single_oci(&image(), "latest"));
    archive.truncate(archive.len() - 1024);
    let mut h = ::tar::Header::new_gnu();
    h.as_old_mut().name[..name.len()].copy_from_slice(name);
    h.set_size(size_field);
    h.set_mode(0o644);
    h.set_cksum();
    archive.extend_from_slice(h.as_bytes());
    archive.extend_from_slice(data);
    archive
}

#[test]
fn truncated_header() {
    let archive = tar(&single_oci(&image(), "latest"));
    let at = header_of(&archive, "index.json");
    check(
        "cut 100 bytes into index.json's header",
        &archive[..at + 100],
        Expect::Error(&[
            "the archive ends inside a tar header (100 of 512 bytes there)",
            &format!("at byte {at}"),
        ]),
    );
}

#[test]
fn bad_header_checksum() {
    let mut archive = tar(&single_oci(&image(), "latest"));
    let at = header_of(&archive, "index.json");
    archive[at + 3] ^= 0x20; // "index.json" -> "indEx.json"
    check(
        "a flipped bit in a header",
        &archive,
        Expect::Error(&[
            "bad tar header checksum",
            &format!("\"indEx.json\" (header at byte {at})"),
        ]),
    );
}

#[test]
fn path_traversal_and_absolute_names_are_refused() {
    for (name, reason) in [
        (&b"../escape"[..], "climbs out with \"..\""),
        (b"blobs/../../escape", "climbs out with \"..\""),
        (b"/etc/cron.d/x", "is absolute"),
    ] {
        let archive = with_raw_entry(name, 0, &[]);
        let text = String::from_utf8_lossy(name).into_owned();
        check(
            &text,
            &archive,
            Expect::Error(&[
                &format!("archive entry {text:?} (header at byte"),
                "unsafe entry name",
                reason,
            ]),
        );
    }
}

#[test]
fn declared_size_past_the_end() {
    let archive = with_raw_entry(b"blobs/sha256/huge", 1 << 30, &[7; 512]);
    let at = archive.len() - 1024;
    check(
        "a 1 GiB entry in a small archive",
        &archive,
        Expect::Error(&[
            &format!("\"blobs/sha256/huge\" (header at byte {at})"),
            "declared size (1073741824 bytes",
            &format!("runs past the end of the archive ({} bytes)", archive.len()),
        ]),
    );
}

#[test]
fn malformed_pax_header() {
    let mut archive = tar(&single_oci(&image(), "latest"));
    archive.truncate(archive.len() - 1024);
    let mut h = ::tar::Header::new_ustar();
    h.set_entry_type(::tar::EntryType::XHeader);
    h.set_size(9);
    h.set_cksum();
    let at = archive.len();
    archive.extend_from_slice(h.as_bytes());
    let mut data = b"abc=def\n\n".to_vec();
    data.resize(512, 0);
    archive.extend_from_slice(&data);
    archive.extend_from_slice(&[0; 1024]);
    check(
        "PAX record without a length",
        &archive,
        Expect::Error(&["malformed PAX extended header", &format!("byte {at}")]),
    );
}

/// A partial layout (what `docker buildx history inspect attachment` fetches: index, manifest,
/// config, no layer) is normal: absent layer blobs are no problem, everything else still reads.
#[test]
fn absent_layer_blobs_are_no_problem() {
    use cachelens_core::image::Status;
    let img = image();
    let mut files = single_oci(&img, "latest");
    let gone = blob_path(&img.layers[1]);
    files.retain(|f| f.0 != gone);
    let set = read_archive_bytes(&tar(&files)).expect("reads");
    assert!(set.problems.is_empty(), "{:?}", set.problems);
    let image = &set.images[0];
    assert_eq!(image.layers[1].check.digest, Status::Absent);
    assert_eq!(image.layers[0].check.digest, Status::LayerNotRead);
    assert_eq!(image.chain_ids.len(), image.layers.len());
    assert_eq!(image.chain_id.as_ref(), image.chain_ids.last());
    assert!(set.to_text().contains("1 of"), "{}", set.to_text());
    // Every layer gone: still no problem.
    let mut files = single_oci(&img, "latest");
    files.retain(|f| !img.layers.iter().any(|l| f.0 == blob_path(l)));
    let set = read_archive_bytes(&tar(&files)).expect("reads");
    assert!(set.problems.is_empty(), "{:?}", set.problems);
    // A present layer of the wrong size stays a problem.
    let mut files = single_oci(&img, "latest");
    for f in &mut files {
        if f.0 == gone {
            f.1.push(0);
        }
    }
    check(
        "a layer one byte too long",
        &tar(&files),
        Expect::Problem(&["size mismatch", &gone]),
    );
}

#[test]
fn missing_manifest_and_config_blobs() {
    let img = image();
    let mut files = single_oci(&img, "latest");
    files.retain(|f| f.0 != blob_path(&img.manifest));
    check(
        "the manifest left out",
        &tar(&files),
        Expect::Problem(&["missing: index.json at /manifests/0 refers to it"]),
    );
    let mut files = single_oci(&img, "latest");
    files.retain(|f| f.0 != blob_path(&img.config));
    check(
        "the config left out",
        &tar(&files),
        Expect::Problem(&["at /config refers to it", &sha256(&img.config)]),
    );
    // Whatever can still be shown is: the manifest, the layers and the last layer digest; the
    // chain ID is said to be unknown, not made up.
    let set = read_archive_bytes(&tar(&files)).unwrap();
    let image = &set.images[0];
    assert_eq!(image.layers.len(), img.layers.len());
    assert_eq!(
        image
            .last_layer
            .as_ref()
            .and_then(|l| l.digest.as_ref())
            .map(ToString::to_string),
        Some(sha256(img.layers.last().unwrap()))
    );
    assert!(image.manifest.is_some() && image.chain_id.is_none());
    let text = set.to_text();
    assert!(
        text.contains("last layer: sha256:") && text.contains("chain ID:   not known"),
        "{text}"
    );
}

#[test]
fn blobs_that_do_not_match_their_descriptors() {
    let img = image();
    let mut files = single_oci(&img, "latest");
    let config = blob_path(&img.config);
    let mut tampered = img.config.clone();
    let pos = tampered.iter().position(|b| *b == b'1').unwrap();
    tampered[pos] = b'2'; // same size, different bytes
    files.iter_mut().find(|f| f.0 == config).unwrap().1 = tampered.clone();
    check(
        "a config edited after the manifest was written",
        &tar(&files),
        Expect::Problem(&[
            &format!("archive entry {config:?} (header at byte"),
            &format!(
                "digest mismatch: manifest {} at /config declares {}, the blob hashes to {}",
                sha256(&img.manifest),
                sha256(&img.config),
                sha256(&tampered)
            ),
        ]),
    );
    let mut files = single_oci(&img, "latest");
    let layer = blob_path(&img.layers[0]);
    files.iter_mut().find(|f| f.0 == layer).unwrap().1.push(0);
    check(
        "a layer one byte longer than declared",
        &tar(&files),
        Expect::Problem(&[
            &format!("archive entry {layer:?}"),
            &format!(
                "size mismatch: manifest {} at /layers/0 declares {} bytes, the blob has {}",
                sha256(&img.manifest),
                img.layers[0].len(),
                img.layers[0].len() + 1
            ),
        ]),
    );
}

#[test]
fn not_an_image_layout() {
    check(
        "some files",
        &tar(&[("hello.txt".into(), b"hi".to_vec())]),
        Expect::Error(&["neither index.json", "manifest.json", "(1 entries)"]),
    );
    let nested: Vec<(String, Vec<u8>)> = single_oci(&image(), "latest")
        .into_iter()
        .map(|(p, b)| (format!("img/{p}"), b))
        .collect();
    check(
        "the layout folder itself archived",
        &tar(&nested),
        Expect::Error(&["found img/index.json", "tar -C DIR -cf img.tar ."]),
    );
    check("empty", &[], Expect::Error(&["(0 entries)"]));
}

#[test]
fn invalid_json_says_which_entry_and_where() {
    let mut files = single_oci(&image(), "latest");
    files.iter_mut().find(|f| f.0 == "index.json").unwrap().1 = b"{\"manifests\": [\n}".to_vec();
    check(
        "broken index.json",
        &tar(&files),
        Expect::Problem(&["archive entry \"index.json\"", "invalid JSON at line 2"]),
    );
    let err = read_archive_bytes(&tar(&files))
        .map(|s| s.problems[0].clone())
        .unwrap();
    let ErrorKind::Archive { problem, .. } = &err.kind else {
        panic!("{err:?}")
    };
    assert!(matches!(**problem, Problem::Document(_)), "{problem:?}");
}

#[test]
fn dangling_link_to_a_blob() {
    let img = image();
    let mut files = single_oci(&img, "latest");
    let layer = blob_path(&img.layers[2]);
    files.retain(|f| f.0 != layer);
    let mut archive = tar(&files);
    archive.truncate(archive.len() - 1024);
    let mut h = ::tar::Header::new_gnu();
    h.set_entry_type(::tar::EntryType::Symlink);
    h.set_path(&layer).unwrap();
    h.set_link_name("nowhere").unwrap();
    h.set_size(0);
    h.set_cksum();
    archive.extend_from_slice(h.as_bytes());
    archive.extend_from_slice(&[0; 1024]);
    check(
        "a layer that is a link to nothing",
        &archive,
        Expect::Problem(&[&format!("{layer:?}"), "points to nothing"]),
    );
}
