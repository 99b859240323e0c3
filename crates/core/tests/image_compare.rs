//! Comparing two image archives through the ordinary comparison: the documents
//! `image::comparable` builds, paired by platform, with the verdicts, areas, cache summary and
//! options the config diff has.
#![cfg(not(target_arch = "wasm32"))]

mod image_support;

use cachelens_core::image::{ImageSet, comparable, document, read_archive_bytes};
use cachelens_core::report::Report;
use cachelens_core::{Area, Comparison, Options, Verdict, compare};
use image_support::*;

fn read(files: &[(String, Vec<u8>)]) -> ImageSet {
    let set = read_archive_bytes(&tar(files)).unwrap();
    assert!(set.problems.is_empty(), "{:?}", set.problems);
    set
}

fn diff(left: &ImageSet, right: &ImageSet, opts: &Options) -> (Comparison, serde_json::Value) {
    let (l, r) = comparable(left, right, opts);
    let cmp = compare(&l, &r, opts);
    let report = Report::new(&l, &r, &cmp, opts, ("a.tar", "b.tar"));
    let json = serde_json::from_str(&report.to_json()).unwrap();
    (cmp, json)
}

fn paths(cmp: &Comparison) -> Vec<String> {
    cmp.changes.iter().map(|c| c.path.to_string()).collect()
}

#[test]
fn the_same_image_in_two_different_tars_is_identical() {
    let img = Img::new(&Spec::default());
    let files = single_oci(&img, "latest");
    let mut reversed = files.clone();
    reversed.reverse();
    let (cmp, json) = diff(&read(&files), &read(&reversed), &Options::default());
    assert_eq!(cmp.verdict, Verdict::Identical);
    assert!(cmp.changes.is_empty());
    // The side's digest is the image's (the manifest's), whatever the tar bytes.
    assert_eq!(json["left"]["kind"], "image-manifest");
    assert_eq!(json["left"]["digest"], sha256(&img.manifest));
    assert_eq!(json["left"]["size"], img.manifest.len());
}

#[test]
fn only_the_inline_cache_differs() {
    let spec = Spec {
        cache: Some(inline_cache(3, None)),
        ..Spec::default()
    };
    let a = Img::new(&spec);
    let b = Img::new(&Spec {
        cache: Some(inline_cache(3, Some(2))),
        ..spec
    });
    let (cmp, json) = diff(
        &read(&single_oci(&a, "latest")),
        &read(&single_oci(&b, "latest")),
        &Options::default(),
    );
    assert_eq!(cmp.verdict, Verdict::Different);
    assert_eq!(cmp.attribution.areas, [(Area::Cache, 1)]);
    assert!(cmp.attribution.only_cache_differs);
    assert!(
        cmp.headline().starts_with(
            "Different: only moby.buildkit.cache.v0 differs; 1 record lost its layers"
        ),
        "{}",
        cmp.headline()
    );
    assert!(paths(&cmp)[0].starts_with("/moby.buildkit.cache.v0/records/"));
    assert_eq!(json["cache"]["recordsLeft"], 3);
    let (cmp, _) = diff(
        &read(&single_oci(&a, "latest")),
        &read(&single_oci(&b, "latest")),
        &Options {
            ignore_cache: true,
            ..Options::default()
        },
    );
    assert_eq!(cmp.verdict, Verdict::Equivalent);
}

#[test]
fn config_and_layer_changes_land_in_their_areas() {
    let a = Img::new(&Spec::default());
    let b = Img::new(&Spec {
        env: "APP=2",
        layers: 4,
        ..Spec::default()
    });
    let (cmp, _) = diff(
        &read(&single_oci(&a, "latest")),
        &read(&single_oci(&b, "latest")),
        &Options::default(),
    );
    let p = paths(&cmp);
    for want in [
        "/config/Env/1",
        "/layers/3",
        "/rootfs/diff_ids/3",
        "/history/3",
    ] {
        assert!(p.iter().any(|x| x == want), "{want} not in {p:?}");
    }
    // The config descriptor's digest is left out: the config itself is compared.
    assert!(
        !p.iter().any(|x| x.starts_with("/manifest/config")),
        "{p:?}"
    );
    let areas: Vec<Area> = cmp.attribution.areas.iter().map(|(a, _)| *a).collect();
    assert_eq!(
        areas,
        [Area::History, Area::Rootfs, Area::Config, Area::Layers]
    );
    assert!(!cmp.attribution.only_cache_differs);
}

#[test]
fn timestamps_can_be_ignored() {
    let a = Img::new(&Spec::default());
    let b = Img::new(&Spec {
        created: "2025-03-05T11:00:00Z",
        ..Spec::default()
    });
    let (l, r) = (read(&single_oci(&a, "x")), read(&single_oci(&b, "x")));
    assert_eq!(
        diff(&l, &r, &Options::default()).0.verdict,
        Verdict::Different
    );
    let opts = Options {
        ignore_timestamps: true,
        ..Options::default()
    };
    assert_eq!(diff(&l, &r, &opts).0.verdict, Verdict::Equivalent);
}

#[test]
fn multi_platform_images_pair_by_platform() {
    let amd = Img::new(&Spec {
        seed: 1,
        cache: Some(inline_cache(3, None)),
        ..Spec::default()
    });
    let arm = Img::new(&Spec {
        platform: "linux/arm64/v8",
        seed: 2,
        ..Spec::default()
    });
    let arm2 = Img::new(&Spec {
        platform: "linux/arm64/v8",
        seed: 2,
        env: "APP=2",
        ..Spec::default()
    });
    let s390 = Img::new(&Spec {
        platform: "linux/s390x",
        seed: 3,
        ..Spec::default()
    });
    let (left_files, inner) = multi_oci(&[&amd, &arm], "v1");
    // The right side lists its platforms in another order, and adds one.
    let (right_files, _) = multi_oci(&[&s390, &arm2, &amd], "v1");
    let (cmp, json) = diff(&read(&left_files), &read(&right_files), &Options::default());
    assert_eq!(cmp.verdict, Verdict::Different);
    let p = paths(&cmp);
    assert!(
        p.contains(&"/manifests/linux~1arm64~1v8/config/Env/1".to_owned()),
        "{p:?}"
    );
    assert!(p.contains(&"/manifests/linux~1s390x".to_owned()), "{p:?}");
    assert!(!p.iter().any(|x| x.contains("amd64")), "{p:?}");
    // A change inside one platform's image lands in its own area; a platform added or removed
    // as a whole is a change of the manifests.
    let areas: Vec<Area> = cmp.attribution.areas.iter().map(|(a, _)| *a).collect();
    assert_eq!(areas, [Area::Config, Area::Manifests], "{p:?}");
    assert_eq!(json["left"]["kind"], "image-index");
    assert_eq!(json["left"]["digest"], sha256(&inner));
    // The cache of a platform is found where it sits.
    let (l, _) = comparable(&read(&left_files), &read(&right_files), &Options::default());
    assert_eq!(
        l.caches[0].pointer.to_string(),
        "/manifests/linux~1amd64/moby.buildkit.cache.v0"
    );
}

#[test]
fn ignoring_the_cache_reaches_every_platform() {
    let mk = |drop| {
        let amd = Img::new(&Spec {
            cache: Some(inline_cache(3, drop)),
            ..Spec::default()
        });
        let arm = Img::new(&Spec {
            platform: "linux/arm64",
            seed: 5,
            cache: Some(inline_cache(3, drop)),
            ..Spec::default()
        });
        read(&multi_oci(&[&amd, &arm], "v1").0)
    };
    let (l, r) = (mk(None), mk(Some(1)));
    let (cmp, json) = diff(&l, &r, &Options::default());
    assert_eq!(cmp.verdict, Verdict::Different);
    assert_eq!(
        json["cache"]["pointer"],
        "/manifests/linux~1amd64/moby.buildkit.cache.v0"
    );
    let opts = Options {
        ignore_cache: true,
        ..Options::default()
    };
    assert_eq!(diff(&l, &r, &opts).0.verdict, Verdict::Equivalent);
}

#[test]
fn docker_save_images_compare_by_config() {
    let mut rng = Rng::new(3);
    let layers: Vec<Vec<u8>> = (0..2).map(|_| rng.bytes(1000)).collect();
    let a = docker_config(&layers, "A=1");
    let b = docker_config(&layers, "A=2");
    let left = read(&docker_save(&[(&a, &layers, "app:1")]));
    let right = read(&docker_save(&[(&b, &layers, "app:1")]));
    let (cmp, json) = diff(&left, &right, &Options::default());
    assert_eq!(paths(&cmp), ["/config/Env/0"]);
    assert_eq!(json["left"]["kind"], "image-config");
    assert_eq!(json["left"]["digest"], sha256(&a));
}

#[test]
fn one_archive_as_a_document() {
    let img = Img::new(&Spec::default());
    let a = document(&read(&single_oci(&img, "latest")));
    let doc = a.canonical();
    assert_eq!(doc["layers"][2]["digest"], sha256(&img.layers[2]));
    assert_eq!(doc["manifest"]["config"]["mediaType"], OCI_CONFIG);
    assert!(doc["manifest"]["config"].get("digest").is_none());
    assert_eq!(
        doc["descriptor"]["annotations"]["org.opencontainers.image.ref.name"],
        "latest"
    );
    assert_eq!(doc["rootfs"]["diff_ids"][0], img.diff_ids[0]);
    // Keys sorted, as every canonical document.
    let keys: Vec<&String> = doc.as_object().unwrap().keys().collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
}

/// An OCI layout of one image whose index.json entry carries these annotations.
fn exported(img: &Img, annotations: serde_json::Value) -> Vec<(String, Vec<u8>)> {
    let index = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": [img.descriptor(annotations, false)],
    });
    oci_files(&index, img.blobs())
}

#[test]
fn two_exports_of_one_image_are_equivalent_and_their_index_entries_are_set_aside() {
    let img = Img::new(&Spec::default());
    // As BuildKit's type=oci (a tar, with the export time) and tar=false (a folder, with a
    // tag too) write one image.
    let left = read(&exported(
        &img,
        serde_json::json!({"org.opencontainers.image.created": "2026-12-01T19:17:31Z"}),
    ));
    let right = read(&exported(
        &img,
        serde_json::json!({
            "org.opencontainers.image.created": "2026-12-01T19:17:32Z",
            "org.opencontainers.image.ref.name": "latest",
        }),
    ));
    let (cmp, json) = diff(&left, &right, &Options::default());
    assert_eq!(cmp.verdict, Verdict::Equivalent, "{}", cmp.headline());
    assert!(cmp.changes.is_empty(), "{:?}", cmp.changes);
    assert_eq!(
        cmp.headline(),
        format!(
            "Equivalent: the same image (manifest {}); only the archives' index entries differ (export time, tag).",
            sha256(&img.manifest)
        )
    );
    assert!(
        cmp.notes.iter().any(|n| n.contains(
            "org.opencontainers.image.created 2026-12-01T19:17:31Z → 2026-12-01T19:17:32Z; org.opencontainers.image.ref.name added \"latest\""
        )),
        "{:?}",
        cmp.notes
    );
    // In the JSON contract: setAside, with the paths the changes would have had.
    let set_aside = json["setAside"].as_array().unwrap();
    assert_eq!(set_aside.len(), 2);
    assert_eq!(
        set_aside[0]["path"],
        "/descriptor/annotations/org.opencontainers.image.created"
    );
    assert_eq!(set_aside[0]["op"], "replace");
    assert_eq!(set_aside[1]["op"], "add");
    assert_eq!(json["changes"].as_array().unwrap().len(), 0);
    // With the same index entry, the same image is identical, and says why.
    let (cmp, json) = diff(&left, &left, &Options::default());
    assert_eq!(cmp.verdict, Verdict::Identical);
    assert!(
        cmp.headline().contains("index entries agree"),
        "{}",
        cmp.headline()
    );
    assert!(json.get("setAside").is_none());
}

#[test]
fn a_real_change_beside_a_different_index_entry_is_different() {
    let a = Img::new(&Spec::default());
    let b = Img::new(&Spec {
        env: "APP=2",
        ..Spec::default()
    });
    let (cmp, _) = diff(
        &read(&single_oci(&a, "v1")),
        &read(&single_oci(&b, "v2")),
        &Options::default(),
    );
    assert_eq!(cmp.verdict, Verdict::Different);
    assert_eq!(paths(&cmp), ["/config/Env/1"]);
    assert_eq!(cmp.set_aside.len(), 1);
    assert!(
        cmp.notes
            .iter()
            .any(|n| n.contains("org.opencontainers.image.ref.name v1 → v2")),
        "{:?}",
        cmp.notes
    );
}

#[test]
fn docker_save_tags_are_the_exports_too() {
    let mut rng = Rng::new(9);
    let layers: Vec<Vec<u8>> = (0..2).map(|_| rng.bytes(1000)).collect();
    let config = docker_config(&layers, "A=1");
    let left = read(&docker_save(&[(&config, &layers, "app:1")]));
    let right = read(&docker_save(&[(&config, &layers, "app:latest")]));
    let (cmp, json) = diff(&left, &right, &Options::default());
    assert_eq!(cmp.verdict, Verdict::Equivalent, "{}", cmp.headline());
    assert!(cmp.changes.is_empty());
    assert!(
        cmp.headline().ends_with("index entries differ (tags)."),
        "{}",
        cmp.headline()
    );
    assert_eq!(json["setAside"][0]["path"], "/repoTags");
    // What `cachelens canon` prints keeps them.
    assert_eq!(document(&left).canonical()["repoTags"][0], "app:1");
}

#[test]
fn paired_images_set_aside_the_outer_entry_for_each_platform() {
    let amd = Img::new(&Spec::default());
    let arm = Img::new(&Spec {
        platform: "linux/arm64",
        seed: 2,
        ..Spec::default()
    });
    let (l, _) = multi_oci(&[&amd, &arm], "v1");
    let (r, _) = multi_oci(&[&amd, &arm], "v2");
    let (cmp, _) = diff(&read(&l), &read(&r), &Options::default());
    assert_eq!(cmp.verdict, Verdict::Equivalent, "{}", cmp.headline());
    assert!(cmp.changes.is_empty(), "{:?}", cmp.changes);
    let set_aside: Vec<String> = cmp.set_aside.iter().map(|c| c.path.to_string()).collect();
    assert_eq!(
        set_aside,
        [
            "/manifests/linux~1amd64/descriptor/annotations/org.opencontainers.image.ref.name",
            "/manifests/linux~1arm64/descriptor/annotations/org.opencontainers.image.ref.name"
        ]
    );
    assert!(
        cmp.notes
            .iter()
            .any(|n| n.contains("linux/amd64: org.opencontainers.image.ref.name v1 → v2")),
        "{:?}",
        cmp.notes
    );
}

#[test]
fn a_document_that_is_part_of_an_archive_is_named_as_such() {
    let img = Img::new(&Spec::default());
    let set = read(&single_oci(&img, "latest"));
    let m = cachelens_core::image::part_of(&set, &img.manifest).unwrap();
    assert_eq!(
        m,
        format!(
            "the manifest of image 1 (linux/amd64) in it ({})",
            sha256(&img.manifest)
        )
    );
    let c = cachelens_core::image::part_of(&set, &img.config).unwrap();
    assert!(c.starts_with("the config of image 1"), "{c}");
    assert_eq!(cachelens_core::image::part_of(&set, b"{}"), None);
}
