//! Reading image archives: OCI tars (one image, a two-platform index with an attestation), docker
//! save tarballs (legacy and docker 25's OCI + manifest.json), OCI layout folders, long names
//! (GNU, ustar prefix, PAX). Every archive is built in the test; every value the reader reports
//! is checked against digests computed here with sha2 (moby/buildkit#4854).
#![cfg(not(target_arch = "wasm32"))]

mod image_support;

use cachelens_core::image::{
    ArchiveKind, ArchiveReader, Image, ImageSet, Status, read_archive_bytes, read_layout,
};
use image_support::*;
use serde_json::json;

/// Checks every value reported for an OCI image against the test's own computations.
fn check_oci_image(got: &Image, want: &Img) {
    let m = got.manifest.as_ref().expect("manifest");
    assert_eq!(m.digest.as_str(), sha256(&want.manifest));
    assert_eq!(m.size, want.manifest.len() as u64);
    assert_eq!(m.path, blob_path(&want.manifest));
    assert_eq!(
        (m.check.digest, m.check.size),
        (Status::Verified, Status::Verified)
    );
    let c = got.config.as_ref().expect("config");
    assert_eq!(c.blob.digest.as_str(), sha256(&want.config));
    assert_eq!(c.blob.size, want.config.len() as u64);
    assert_eq!(c.blob.media_type.as_deref(), Some(OCI_CONFIG));
    assert_eq!(
        (c.blob.check.digest, c.blob.check.size),
        (Status::Verified, Status::Verified)
    );
    assert_eq!(got.platform, want.platform());
    check_layers(
        got,
        &want.layer_digests(),
        &want.layers,
        &want.diff_ids,
        OCI_LAYER,
    );
}

fn check_layers(
    got: &Image,
    digests: &[String],
    blobs: &[Vec<u8>],
    diff_ids: &[String],
    media_type: &str,
) {
    let chains = chain_ids(diff_ids);
    assert_eq!(got.layers.len(), digests.len());
    for (i, l) in got.layers.iter().enumerate() {
        assert_eq!(l.index, i);
        assert_eq!(l.digest.as_ref().unwrap().as_str(), digests[i], "layer {i}");
        assert_eq!(l.size, Some(blobs[i].len() as u64), "layer {i}");
        assert_eq!(l.media_type.as_deref(), Some(media_type));
        assert_eq!(l.diff_id.as_ref().unwrap().as_str(), diff_ids[i]);
        assert_eq!(l.chain_id.as_ref().unwrap().as_str(), chains[i]);
        // Layer contents are never read: the digest is reported unverified, the size checked
        // (or taken) from the tar header.
        assert_eq!(l.check.digest, Status::LayerNotRead);
        assert!(matches!(l.check.size, Status::Verified | Status::Computed));
    }
    let ids: Vec<&str> = got.diff_ids.iter().map(|d| d.as_str()).collect();
    assert_eq!(ids, diff_ids);
    let chain: Vec<&str> = got.chain_ids.iter().map(|d| d.as_str()).collect();
    assert_eq!(chain, chains);
    let last = got.last_layer.as_ref().expect("last layer");
    assert_eq!(
        last.digest.as_ref().unwrap().as_str(),
        digests.last().unwrap()
    );
    assert_eq!(
        last.diff_id.as_ref().unwrap().as_str(),
        diff_ids.last().unwrap()
    );
    assert_eq!(
        last.chain_id.as_ref().unwrap().as_str(),
        chains.last().unwrap()
    );
    assert_eq!(last.index, digests.len() - 1);
}

fn clean(set: &ImageSet) {
    assert!(set.problems.is_empty(), "problems: {:#?}", set.problems);
}

#[test]
fn oci_tar_with_one_image() {
    let img = Img::new(&Spec {
        cache: Some(inline_cache(3, None)),
        ..Spec::default()
    });
    let files = single_oci(&img, "latest");
    let archive = tar(&files);
    let set = read_archive_bytes(&archive).unwrap();
    clean(&set);
    assert!(set.warnings.is_empty(), "{:?}", set.warnings);
    assert_eq!(set.kind, ArchiveKind::OciArchive);
    assert_eq!(set.size, archive.len() as u64);
    assert_eq!(set.images.len(), 1);
    assert!(set.attestations.is_empty());
    let index_json = &files.iter().find(|f| f.0 == "index.json").unwrap().1;
    let index = set.index.as_ref().unwrap();
    assert_eq!(index.digest.as_str(), sha256(index_json));
    assert_eq!(index.manifests, 1);
    let got = &set.images[0];
    check_oci_image(got, &img);
    assert_eq!(got.ref_name.as_deref(), Some("latest"));
    assert_eq!(
        got.index_annotations["org.opencontainers.image.ref.name"],
        "latest"
    );
    assert_eq!(
        got.annotations["org.opencontainers.image.created"],
        "2025-03-04T10:00:00Z"
    );
    assert_eq!(got.via, ["index.json"]);
    // The inline cache, decoded by the core.
    let c = got.config.as_ref().unwrap();
    assert_eq!(c.caches.len(), 1);
    assert_eq!(c.caches[0].records, 3);
    assert_eq!(c.caches[0].with_results, 3);
    assert!(c.without_cache_digest.is_some());
    // The JSON contract's names.
    let j = serde_json::to_value(&set).unwrap();
    assert_eq!(j["kind"], "oci-archive");
    assert_eq!(
        j["images"][0]["lastLayer"]["digest"],
        sha256(&img.layers[2])
    );
    assert_eq!(j["images"][0]["lastLayer"]["diffID"], img.diff_ids[2]);
    assert_eq!(j["images"][0]["chainIDs"][2], img.chain_ids()[2]);
    assert_eq!(
        j["images"][0]["layers"][0]["check"]["digest"],
        "not verified (layer content not read)"
    );
    assert_eq!(j["images"][0]["manifest"]["check"]["digest"], "verified");
    assert_eq!(j["problems"], json!([]));
}

#[test]
fn oci_tar_with_a_two_platform_index_and_an_attestation() {
    let amd = Img::new(&Spec {
        seed: 10,
        ..Spec::default()
    });
    let arm = Img::new(&Spec {
        platform: "linux/arm64/v8",
        layers: 4,
        seed: 11,
        ..Spec::default()
    });
    let (files, inner) = multi_oci(&[&amd, &arm], "v1.2");
    let set = read_archive_bytes(&tar(&files)).unwrap();
    clean(&set);
    assert_eq!(set.images.len(), 2);
    check_oci_image(&set.images[0], &amd);
    check_oci_image(&set.images[1], &arm);
    assert_eq!(set.images[1].platform, "linux/arm64/v8");
    for got in &set.images {
        // The ref name sits on the outer descriptor; it reaches each image.
        assert_eq!(got.ref_name.as_deref(), Some("v1.2"));
        assert_eq!(got.via, ["index.json".to_owned(), sha256(&inner)]);
    }
    assert_eq!(set.indexes.len(), 1);
    assert_eq!(set.indexes[0].digest.as_str(), sha256(&inner));
    assert_eq!(set.indexes[0].manifests, 3);
    let check = set.indexes[0].check.unwrap();
    assert_eq!(
        (check.digest, check.size),
        (Status::Verified, Status::Verified)
    );
    // The provenance attestation is listed apart, not as an image.
    assert_eq!(set.attestations.len(), 1);
    assert_eq!(
        set.attestations[0].index_annotations["vnd.docker.reference.digest"],
        sha256(&amd.manifest)
    );
}

#[test]
fn docker_save_tarball() {
    let mut rng = Rng::new(7);
    let a_layers: Vec<Vec<u8>> = (0..3).map(|i| rng.bytes(2048 + 512 * i + 3)).collect();
    let b_layers = vec![a_layers[0].clone(), rng.bytes(999)];
    let a_config = docker_config(&a_layers, "A=1");
    let b_config = docker_config(&b_layers, "B=1");
    let files = docker_save(&[
        (&a_config, &a_layers, "app:1"),
        (&b_config, &b_layers, "app:2"),
    ]);
    // docker links a layer shared with an earlier image instead of storing it twice.
    let shared = files
        .iter()
        .filter(|f| f.1 == a_layers[0] && f.0.ends_with("/layer.tar"))
        .map(|f| f.0.clone())
        .collect::<Vec<_>>();
    assert_eq!(shared.len(), 2);
    let mut archive_files = files.clone();
    archive_files.retain(|f| f.0 != shared[1]);
    let mut archive = tar(&archive_files);
    append_symlink(&mut archive, &shared[1], &format!("../{}", shared[0]));
    let set = read_archive_bytes(&archive).unwrap();
    clean(&set);
    assert_eq!(set.kind, ArchiveKind::DockerArchive);
    assert!(set.index.is_none());
    assert_eq!(set.images.len(), 2);
    for (got, (config, layers, tag)) in set.images.iter().zip([
        (&a_config, &a_layers, "app:1"),
        (&b_config, &b_layers, "app:2"),
    ]) {
        assert!(got.manifest.is_none(), "docker save keeps no manifest");
        let c = got.config.as_ref().unwrap();
        assert_eq!(c.blob.digest.as_str(), sha256(config));
        assert_eq!(c.blob.size, config.len() as u64);
        assert_eq!(c.blob.path, format!("{}.json", &sha256(config)[7..]));
        assert_eq!(c.blob.check.digest, Status::Verified); // against its file name
        assert_eq!(got.repo_tags, [tag]);
        assert_eq!(got.platform, "linux/arm64/v8");
        // layer.tar is the uncompressed layer: its digest is the diff_id.
        let diff_ids: Vec<String> = layers.iter().map(|l| sha256(l)).collect();
        check_layers(got, &diff_ids, layers, &diff_ids, DOCKER_LAYER_TAR);
    }
}

/// Appends a symlink entry before the end-of-archive blocks (the tar crate's builder cannot
/// write a `..` link target).
fn append_symlink(archive: &mut Vec<u8>, name: &str, target: &str) {
    let end = archive.len() - 1024;
    archive.truncate(end);
    let mut h = ::tar::Header::new_gnu();
    h.set_entry_type(::tar::EntryType::Symlink);
    h.set_size(0);
    h.set_path(name).unwrap();
    h.as_old_mut().linkname[..target.len()].copy_from_slice(target.as_bytes());
    h.set_cksum();
    archive.extend_from_slice(h.as_bytes());
    archive.extend_from_slice(&[0; 1024]);
}

#[test]
fn docker_25_save_holds_an_oci_layout_and_manifest_json() {
    let img = Img::new(&Spec::default());
    let mut files = single_oci(&img, "app:latest");
    let layers: Vec<String> = img.layers.iter().map(|l| blob_path(l)).collect();
    files.push((
        "manifest.json".into(),
        serde_json::to_vec(&json!([{
            "Config": blob_path(&img.config),
            "RepoTags": ["app:latest"],
            "Layers": layers,
        }]))
        .unwrap(),
    ));
    let set = read_archive_bytes(&tar(&files)).unwrap();
    clean(&set);
    assert_eq!(set.kind, ArchiveKind::DockerArchive);
    assert_eq!(set.images.len(), 1, "one image, not one per layout");
    check_oci_image(&set.images[0], &img);
    assert_eq!(set.images[0].repo_tags, ["app:latest"]);
    assert!(set.docker_manifest.is_some());
}

#[test]
fn oci_layout_folder_reads_the_same_and_fetches_only_json() {
    let img = Img::new(&Spec::default());
    let files = single_oci(&img, "latest");
    let list: Vec<(String, u64)> = files
        .iter()
        .map(|(p, b)| (p.clone(), b.len() as u64))
        .collect();
    let mut fetched = Vec::new();
    let set = read_layout(list, |path: &str| {
        fetched.push(path.to_owned());
        let f = files.iter().find(|f| f.0 == path).unwrap();
        Ok::<_, cachelens_core::Error>(f.1.clone())
    })
    .unwrap();
    clean(&set);
    assert_eq!(set.kind, ArchiveKind::OciLayout);
    check_oci_image(&set.images[0], &img);
    for l in &img.layers {
        assert!(
            !fetched.contains(&blob_path(l)),
            "fetched a layer: {fetched:?}"
        );
    }
    assert!(fetched.contains(&"index.json".to_owned()));
}

/// The sans-IO reader, driven by hand: every request is answered, and none covers any byte of
/// a layer's contents.
#[test]
fn the_reader_never_asks_for_layer_contents() {
    let img = Img::new(&Spec {
        layers: 4,
        layer_size: 200_000,
        ..Spec::default()
    });
    let archive = tar(&single_oci(&img, "latest"));
    let layer_paths: Vec<String> = img.layers.iter().map(|l| blob_path(l)).collect();
    let layer_ranges: Vec<_> = entry_ranges(&archive)
        .into_iter()
        .filter(|(p, _)| layer_paths.contains(p))
        .map(|(_, r)| r)
        .collect();
    assert_eq!(layer_ranges.len(), 4);
    let mut reader = ArchiveReader::new(archive.len() as u64);
    let mut asked = 0u64;
    while let Some(r) = reader.next_request() {
        for l in &layer_ranges {
            assert!(
                r.end <= l.start || r.start >= l.end,
                "request {r:?} reads layer bytes {l:?}"
            );
        }
        asked += r.end - r.start;
        reader
            .feed(r.start, &archive[r.start as usize..r.end as usize])
            .unwrap();
    }
    let set = reader.finish().unwrap();
    check_oci_image(&set.images[0], &img);
    assert!(
        asked < 16 * 1024,
        "read {asked} bytes of an {}-byte archive",
        archive.len()
    );
}

#[test]
fn feeding_the_wrong_range_is_an_error() {
    let archive = tar(&single_oci(&Img::new(&Spec::default()), "x"));
    let mut reader = ArchiveReader::new(archive.len() as u64);
    let e = reader.feed(512, &archive[512..1024]).unwrap_err();
    assert!(e.to_string().contains("expected bytes Some(0..512)"), "{e}");
    assert!(reader.next_request().is_none());
    assert!(reader.finish().is_err());
}

/// Writes `files`, the names spelled out in long forms: a GNU `././@LongLink` entry, a ustar
/// `prefix` field, or a PAX `path` record. All name the same layout.
fn long_name_tar(files: &[(String, Vec<u8>)], how: &str) -> Vec<u8> {
    let mut b = ::tar::Builder::new(Vec::new());
    for (path, data) in files {
        let long = format!("{}{path}", "./".repeat(60));
        assert!(long.len() > 100);
        match how {
            "gnu" => {
                let mut l = ::tar::Header::new_gnu();
                l.set_entry_type(::tar::EntryType::GNULongName);
                l.as_old_mut().name[..13].copy_from_slice(b"././@LongLink");
                l.set_size(long.len() as u64 + 1);
                l.set_cksum();
                let mut name = long.clone().into_bytes();
                name.push(0);
                b.append(&l, name.as_slice()).unwrap();
                let mut h = ::tar::Header::new_gnu();
                h.as_old_mut().name.copy_from_slice(&long.as_bytes()[..100]);
                h.set_size(data.len() as u64);
                h.set_mode(0o644);
                h.set_cksum();
                b.append(&h, data.as_slice()).unwrap();
            }
            "ustar" => {
                let mut h = ::tar::Header::new_ustar();
                let u = h.as_ustar_mut().unwrap();
                let prefix = "./".repeat(60);
                u.prefix[..prefix.len() - 1]
                    .copy_from_slice(&prefix.as_bytes()[..prefix.len() - 1]);
                u.name[..path.len()].copy_from_slice(path.as_bytes());
                h.set_size(data.len() as u64);
                h.set_mode(0o644);
                h.set_cksum();
                b.append(&h, data.as_slice()).unwrap();
            }
            _ => {
                b.append_pax_extensions([("path", long.as_bytes())])
                    .unwrap();
                let mut h = ::tar::Header::new_ustar();
                h.as_old_mut().name[..9].copy_from_slice(b"truncated");
                h.set_size(data.len() as u64);
                h.set_mode(0o644);
                h.set_cksum();
                b.append(&h, data.as_slice()).unwrap();
            }
        }
    }
    b.into_inner().unwrap()
}

#[test]
fn long_names_gnu_ustar_prefix_and_pax() {
    let img = Img::new(&Spec::default());
    let files = single_oci(&img, "latest");
    for how in ["gnu", "ustar", "pax"] {
        let set = read_archive_bytes(&long_name_tar(&files, how))
            .unwrap_or_else(|e| panic!("{how}: {e}"));
        clean(&set);
        check_oci_image(&set.images[0], &img);
    }
}

#[test]
fn pax_size_overrides_the_header_size() {
    let img = Img::new(&Spec::default());
    let mut b = ::tar::Builder::new(Vec::new());
    for (path, data) in single_oci(&img, "latest") {
        if path == blob_path(&img.layers[1]) {
            // Header size 0; the PAX record carries the real size (as Go does past 8 GiB).
            let size = data.len().to_string();
            b.append_pax_extensions([("size", size.as_bytes())])
                .unwrap();
            let mut h = ::tar::Header::new_ustar();
            h.set_path(&path).unwrap();
            h.set_size(0);
            h.set_cksum();
            b.append(&h, data.as_slice()).unwrap();
        } else {
            let mut h = ::tar::Header::new_ustar();
            h.set_size(data.len() as u64);
            b.append_data(&mut h, &path, data.as_slice()).unwrap();
        }
    }
    let set = read_archive_bytes(&b.into_inner().unwrap()).unwrap();
    clean(&set);
    check_oci_image(&set.images[0], &img);
}

/// docker save with the containerd store (or `--platform`) keeps the whole index but only one
/// platform's blobs: the others are listed as warnings, not damage.
#[test]
fn a_single_platform_export_of_a_multi_platform_index() {
    let amd = Img::new(&Spec::default());
    let arm = Img::new(&Spec {
        platform: "linux/arm64/v8",
        seed: 3,
        ..Spec::default()
    });
    let (mut files, _) = multi_oci(&[&amd, &arm], "v1");
    let arm_blobs: Vec<String> = arm.blobs().into_iter().map(|b| b.0).collect();
    files.retain(|f| !arm_blobs.contains(&f.0));
    let set = read_archive_bytes(&tar(&files)).unwrap();
    clean(&set);
    assert_eq!(set.images.len(), 1);
    check_oci_image(&set.images[0], &amd);
    let w: Vec<String> = set.warnings.iter().map(ToString::to_string).collect();
    assert!(
        w.iter().any(|m| m.contains("not in the archive")
            && m.contains("the linux/arm64/v8 image")
            && m.contains(&sha256(&arm.manifest))),
        "{w:?}"
    );
}

/// PAX global headers (`g`) are read and checked but not applied to later entries, as Go's
/// archive/tar (which BuildKit and docker use) does.
#[test]
fn pax_global_headers_are_not_applied() {
    let img = Img::new(&Spec::default());
    let mut b = ::tar::Builder::new(Vec::new());
    let records = b"19 path=index.json\n17 comment=hello\n";
    let mut g = ::tar::Header::new_ustar();
    g.set_entry_type(::tar::EntryType::XGlobalHeader);
    g.set_size(records.len() as u64);
    g.set_cksum();
    b.append(&g, &records[..]).unwrap();
    for (path, data) in single_oci(&img, "latest") {
        let mut h = ::tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        b.append_data(&mut h, &path, data.as_slice()).unwrap();
    }
    let set = read_archive_bytes(&b.into_inner().unwrap()).unwrap();
    clean(&set);
    check_oci_image(&set.images[0], &img);
}
