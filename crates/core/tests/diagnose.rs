//! Known causes recognised on real BuildKit output (`tests/fixtures/real-buildkit/`): each pair's
//! README says what it shows; the diagnosis must say the same, and nothing where no pattern fits.
#![cfg(not(target_arch = "wasm32"))]

use cachelens_core::diagnose::Diagnosis;
use cachelens_core::{Options, Verdict, analyze, compare};
use std::path::Path;

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/real-buildkit")
            .join(rel),
    )
    .unwrap()
}

fn diagnoses(l: &str, r: &str, opts: &Options) -> (Verdict, Vec<Diagnosis>) {
    let (a, b) = (
        analyze(&read(l), None).unwrap(),
        analyze(&read(r), None).unwrap(),
    );
    let c = compare(&a, &b, opts);
    (c.verdict, c.diagnoses)
}

fn ids(d: &[Diagnosis]) -> Vec<&str> {
    d.iter().map(|d| d.id).collect()
}

#[test]
fn inline_rebuilds_that_lose_chains_are_moby_buildkit_3009() {
    for (from, to, steps) in [
        (
            "2",
            "3",
            &["COPY /deps/app /usr/local/bin/shop # buildkit"][..],
        ),
        (
            "3",
            "4",
            &[
                "COPY /assets /srv/assets # buildkit",
                "COPY config.yml /etc/shop/config.yml # buildkit",
            ][..],
        ),
    ] {
        let (l, r) = (
            format!("inline-rebuilds/{from}/config.json"),
            format!("inline-rebuilds/{to}/config.json"),
        );
        let (verdict, d) = diagnoses(&l, &r, &Options::default());
        assert_eq!(verdict, Verdict::Different);
        assert_eq!(ids(&d), ["inline-results-vanished"], "{from}→{to}");
        let d = &d[0];
        assert_eq!(d.upstream[0].name, "moby/buildkit#3009");
        // The image is the same: the digest without the cache, computed here from the file.
        let a = analyze(&read(&l), None).unwrap();
        let b = analyze(&read(&r), None).unwrap();
        assert_eq!(a.without_cache_digest, b.without_cache_digest);
        let wc = a.without_cache_digest.unwrap().to_string();
        assert!(d.summary.contains(&wc), "{}", d.summary);
        // Each record is named by its step, and the lost result is the independent one.
        for s in steps {
            assert!(
                d.evidence
                    .iter()
                    .any(|e| e.contains(s) && e.ends_with("lost its chains")),
                "{from}→{to}: {:?}",
                d.evidence
            );
        }
        let next = d.next_build.as_deref().unwrap();
        let one = steps.len() == 1;
        let (what, runs) = if one {
            (
                "independent result (chains)",
                "on a new base image that step runs again",
            )
        } else {
            (
                "independent results (chains)",
                "on a new base image those steps run again",
            )
        };
        assert!(next.contains(what), "{next}");
        assert!(next.contains(runs), "{next}");
        assert!(d.remedy.as_deref().unwrap().contains("type=registry"));
    }
}

#[test]
fn renumbering_only_pairs_are_equivalent_with_moby_buildkit_1876() {
    let mut pairs = vec![(
        "registry-cache/3/cacheconfig.json".to_owned(),
        "registry-cache/4/cacheconfig.json".to_owned(),
        false,
    )];
    for (a, b) in [(1, 2), (2, 3), (4, 5), (5, 6), (7, 8)] {
        pairs.push((
            format!("buildkit-0.25/inline-rebuilds/{a}/config.json"),
            format!("buildkit-0.25/inline-rebuilds/{b}/config.json"),
            true,
        ));
    }
    for n in 1..6 {
        pairs.push((
            format!("buildkit-0.25/registry-cache/{n}/cacheconfig.json"),
            format!("buildkit-0.25/registry-cache/{}/cacheconfig.json", n + 1),
            false,
        ));
    }
    for (l, r, inline) in &pairs {
        let (verdict, d) = diagnoses(l, r, &Options::default());
        assert_eq!(verdict, Verdict::Equivalent, "{l} {r}");
        assert_eq!(ids(&d), ["renumbering-only"], "{l} {r}");
        let names: Vec<&str> = d[0].upstream.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(names, ["moby/buildkit#1876", "moby/buildkit#3188"]);
        let remedy = d[0].remedy.as_deref().unwrap();
        if *inline {
            assert!(remedy.contains("type=registry"), "{remedy}");
        } else {
            assert!(remedy.starts_with("Harmless"), "{remedy}");
        }
    }
}

#[test]
fn registry_results_lost_say_no_remedy_is_known() {
    let (verdict, d) = diagnoses(
        "registry-cache/1/cacheconfig.json",
        "registry-cache/2/cacheconfig.json",
        &Options::default(),
    );
    assert_eq!(verdict, Verdict::Different);
    assert_eq!(ids(&d), ["registry-results-lost"]);
    assert!(d[0].remedy.is_none() && d[0].summary.contains("no upstream remedy is known"));
    assert!(
        d[0].next_build
            .as_deref()
            .unwrap()
            .contains("prefix result (layers)")
    );
}

#[test]
fn a_moved_base_image_names_the_old_and_new_base_layers() {
    // link-rebase: the same build on base busybox:1 (A) and on busybox:2 (all-base-2/A).
    let (l, r) = (
        "link-rebase/A.config.json",
        "link-rebase/all-base-2/A.config.json",
    );
    let (_, d) = diagnoses(l, r, &Options::default());
    let moved = d
        .iter()
        .find(|d| d.id == "base-image-moved")
        .expect("diagnosed");
    let base = |rel: &str| {
        let v: serde_json::Value = serde_json::from_slice(&read(rel)).unwrap();
        v["rootfs"]["diff_ids"][0].as_str().unwrap().to_owned()
    };
    assert!(moved.evidence[0].contains(&base(l)), "{:?}", moved.evidence);
    assert!(moved.evidence[1].contains(&base(r)), "{:?}", moved.evidence);
}

#[test]
fn no_pattern_no_diagnosis() {
    // Identical inputs, and a build-arg change (real changes, no known cause).
    let (_, d) = diagnoses(
        "inline-rebuilds/4/config.json",
        "inline-rebuilds/5/config.json",
        &Options::default(),
    );
    assert!(d.is_empty(), "{:?}", ids(&d));
    let (_, d) = diagnoses(
        "build-args/v1/config.json",
        "build-args/v2/config.json",
        &Options::default(),
    );
    assert!(d.is_empty(), "{:?}", ids(&d));
    // With the cache ignored, a renumbered pair has nothing to diagnose.
    let (_, d) = diagnoses(
        "buildkit-0.25/inline-rebuilds/1/config.json",
        "buildkit-0.25/inline-rebuilds/2/config.json",
        &Options {
            ignore_cache: true,
            ..Options::default()
        },
    );
    assert!(d.is_empty(), "{:?}", ids(&d));
}
