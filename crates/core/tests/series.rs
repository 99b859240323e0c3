//! Series of real rebuilds (`tests/fixtures/real-buildkit/`, v0.13 and v0.25; see its README):
//! the groups and the transitions each set is known to show, and, on every series, the law the
//! grouping rests on: two inputs are in one group exactly when `compare` finds no change between
//! them (for every pair, not only consecutive ones), and each transition is that pair's diff.

use cachelens_core::image::{self, ImageSet};
use cachelens_core::series::{Input, Series, series};
use cachelens_core::{Analysis, Options, Side, Verdict, analyze, compare};
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/real-buildkit")
}

/// What a test holds of one input: its bytes, and how it reads.
enum Read {
    Json(Vec<u8>),
    Archive(Vec<u8>),
    Gzip(Vec<u8>),
}

fn bytes(rel: &str) -> Read {
    let b = std::fs::read(fixtures().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    if image::gzip::looks_like_gzip(&b) {
        Read::Gzip(b)
    } else if image::looks_like_tar(&b) {
        Read::Archive(b)
    } else {
        Read::Json(b)
    }
}

fn input(r: &Read) -> Input {
    match r {
        Read::Json(b) => Input::Document(Box::new(analyze(b, None).unwrap())),
        Read::Archive(b) => Input::Archive(Box::new(image::read_archive_bytes(b).unwrap())),
        Read::Gzip(b) => Input::Archive(Box::new(image::gzip::read_gzip(b).unwrap())),
    }
}

fn set(r: &Read) -> ImageSet {
    match input(r) {
        Input::Archive(s) => *s,
        Input::Document(_) => unreachable!(),
    }
}

/// The verdict `cachelens diff` gives a pair.
fn verdict(a: &Read, b: &Read, opts: &Options) -> Verdict {
    let (l, r): (Analysis, Analysis) = match (a, b) {
        (Read::Json(x), Read::Json(y)) => (
            analyze(x, Some(Side::Left)).unwrap(),
            analyze(y, Some(Side::Right)).unwrap(),
        ),
        _ => image::comparable(&set(a), &set(b), opts),
    };
    compare(&l, &r, opts).verdict
}

fn run(paths: &[String], opts: &Options) -> Series {
    let reads: Vec<Read> = paths.iter().map(|p| bytes(p)).collect();
    let s = series(
        paths
            .iter()
            .zip(&reads)
            .map(|(p, r)| (p.clone(), Ok(input(r)))),
        opts,
    );
    // The law: same group exactly when compare finds nothing, for every pair.
    for i in 0..paths.len() {
        for j in i + 1..paths.len() {
            let v = verdict(&reads[i], &reads[j], opts);
            let same = s.inputs[i].group == s.inputs[j].group;
            assert_eq!(
                same,
                v != Verdict::Different,
                "{} and {}: {v:?}, groups {:?}",
                paths[i],
                paths[j],
                s.groups
            );
        }
    }
    // Every transition is a consecutive pair of different groups, with its diff.
    for t in &s.transitions {
        assert_ne!(t.from_group, t.to_group);
        assert_eq!(t.report.verdict, Verdict::Different);
        assert!(!t.report.changes.is_empty());
        assert_eq!(t.report.left.name, paths[t.from]);
        assert_eq!(t.report.right.name, paths[t.to]);
        assert!(s.inputs[t.from + 1..t.to].iter().all(|i| i.group.is_none()));
    }
    s
}

fn numbered(set: &str, n: std::ops::RangeInclusive<usize>, file: &str) -> Vec<String> {
    n.map(|i| format!("{set}/{i}/{file}")).collect()
}

fn transitions(s: &Series) -> Vec<(usize, usize)> {
    s.transitions.iter().map(|t| (t.from, t.to)).collect()
}

#[test]
fn inline_rebuilds_v0_13_change_at_3_and_4() {
    let s = run(
        &numbered("inline-rebuilds", 1..=8, "config.json"),
        &Options::default(),
    );
    assert_eq!(s.groups, vec![vec![0, 1], vec![2], vec![3, 4, 5, 6, 7]]);
    assert_eq!(transitions(&s), [(1, 2), (2, 3)]);
    assert_eq!(s.verdict, Verdict::Different);
    // 2→3: one record loses its chains; 3→4: two more.
    let lost = |t: usize| {
        let c = s.transitions[t].report.cache.as_ref().unwrap();
        c.changed
            .iter()
            .filter(|r| matches!(r.chains, Some(cachelens_core::ResultDelta::Lost(_))))
            .count()
    };
    assert_eq!((lost(0), lost(1)), (1, 2));
    let ids: Vec<&str> = s.transitions[0]
        .report
        .diagnoses
        .iter()
        .map(|d| d.id)
        .collect();
    assert!(ids.contains(&"inline-results-vanished"), "{ids:?}");
    // The steps of those records are named from the config's history.
    assert!(!s.transitions[0].steps.is_empty());
    assert!(
        s.transitions[0]
            .steps
            .iter()
            .all(|st| st.found == cachelens_core::steps::Found::History
                || st.found == cachelens_core::steps::Found::Feeds)
    );
    assert_eq!(s.timeline(), "1 2 │ 3 │ 4 5 6 7 8");
    // Without the cache, every config is the same.
    let no_cache = Options {
        ignore_cache: true,
        ..Options::default()
    };
    let s = run(
        &numbered("inline-rebuilds", 1..=8, "config.json"),
        &no_cache,
    );
    assert_eq!(s.groups, vec![(0..8).collect::<Vec<_>>()]);
}

#[test]
fn wide_rebuilds_v0_13() {
    let s = run(
        &numbered("wide-rebuilds", 1..=6, "config.json"),
        &Options::default(),
    );
    assert_eq!(s.groups, vec![vec![0, 1], vec![2, 3], vec![4], vec![5]]);
    assert_eq!(transitions(&s), [(1, 2), (3, 4), (4, 5)]);
    let lost: Vec<usize> = s
        .transitions
        .iter()
        .map(|t| t.report.cache.as_ref().unwrap().changed.len())
        .collect();
    assert_eq!(lost, [2, 1, 2]);
}

#[test]
fn registry_cache_v0_13_loses_layers_then_only_renumbers() {
    let s = run(
        &numbered("registry-cache", 1..=5, "cacheconfig.json"),
        &Options::default(),
    );
    assert_eq!(s.groups, vec![vec![0], vec![1], vec![2, 3, 4]]);
    assert_eq!(transitions(&s), [(0, 1), (1, 2)]);
    let lost: Vec<usize> = s
        .transitions
        .iter()
        .map(|t| t.report.cache.as_ref().unwrap().changed.len())
        .collect();
    assert_eq!(lost, [2, 5]);
    assert!(s.transitions.iter().all(|t| {
        t.report
            .diagnoses
            .iter()
            .any(|d| d.id == "registry-results-lost")
    }));
}

#[test]
fn v0_25_rebuilds_only_renumber() {
    for (set, n, file) in [
        ("buildkit-0.25/inline-rebuilds", 8, "config.json"),
        ("buildkit-0.25/registry-cache", 6, "cacheconfig.json"),
        ("buildkit-0.25/registry-cache", 6, "image/config.json"),
    ] {
        let s = run(&numbered(set, 1..=n, file), &Options::default());
        assert_eq!(s.groups, vec![(0..n).collect::<Vec<_>>()], "{set} {file}");
        assert!(s.transitions.is_empty());
        assert_ne!(s.verdict, Verdict::Different);
    }
    // The cache manifests name their cache config by digest (and the renumbered configs have
    // other bytes), and later ones add registry annotations to layers: every manifest differs.
    let s = run(
        &numbered("buildkit-0.25/registry-cache", 1..=6, "cache-manifest.json"),
        &Options::default(),
    );
    assert_eq!(s.groups, (0..6).map(|i| vec![i]).collect::<Vec<_>>());
    assert_eq!(s.transitions.len(), 5);
}

#[test]
fn a_series_of_archives_returns_to_an_earlier_build() {
    let paths: Vec<String> = [
        "archives/tiny.oci.tar",
        "archives/tiny.docker.tar",
        "buildkit-0.25/archives/tiny.oci.tar",
        "buildkit-0.25/archives/tiny.provenance.oci.tar",
        "archives/tiny.oci.tar",
        "buildkit-0.25/archives/tiny-workdir.oci.tar",
    ]
    .map(String::from)
    .into();
    let s = run(&paths, &Options::default());
    // Each a group of its own but the return of the first archive.
    assert_eq!(s.groups[0], vec![0, 4], "{:?}", s.groups);
    assert_eq!(s.inputs[4].group, Some(0));
    let back = s.transitions.iter().find(|t| t.to == 4).unwrap();
    assert!(back.returns(&s));
    assert!(s.timeline().contains("5 (= 1)"), "{}", s.timeline());
    assert_eq!(
        s.inputs[0].read.as_ref().unwrap().kind,
        cachelens_core::Kind::ImageManifest
    );
}

#[test]
fn a_series_of_build_records() {
    let paths: Vec<String> = [
        "buildkit-0.25/archives/tiny.manifest-root.dockerbuild",
        "buildkit-0.25/archives/tiny.manifest-root.dockerbuild",
        "buildkit-0.25/archives/tiny.index-root.dockerbuild",
        "buildkit-0.25/archives/tiny.manifest-root.dockerbuild",
    ]
    .map(String::from)
    .into();
    let s = run(&paths, &Options::default());
    assert_eq!(s.groups, vec![vec![0, 1, 3], vec![2]]);
    assert_eq!(transitions(&s), [(1, 2), (2, 3)]);
    assert_eq!(
        s.inputs[0].read.as_ref().unwrap().kind,
        cachelens_core::Kind::BuildRecord
    );
}

#[test]
fn an_unreadable_input_is_listed_and_spanned() {
    let paths = numbered("inline-rebuilds", 2..=4, "config.json");
    let s = series(
        [
            (paths[0].clone(), Ok(input(&bytes(&paths[0])))),
            (
                "broken.json".to_owned(),
                Err("broken.json: not JSON".to_owned()),
            ),
            (paths[1].clone(), Ok(input(&bytes(&paths[1])))),
        ],
        &Options::default(),
    );
    assert_eq!(s.groups, vec![vec![0], vec![2]]);
    assert_eq!(transitions(&s), [(0, 2)]);
    assert_eq!(s.inputs[1].error.as_deref(), Some("broken.json: not JSON"));
    assert_eq!(s.exit_code(), 2);
    assert_eq!(s.timeline(), "1 2✗ │ 3");
}
