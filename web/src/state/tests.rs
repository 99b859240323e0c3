use super::*;
use cachelens_core::{ErrorKind, Verdict};

#[test]
fn files_go_to_the_archive_reader_or_are_read_whole_or_refused() {
    let limit = cachelens_core::MAX_INPUT_BYTES as u64;
    let mut tar = vec![0u8; 512];
    tar[..10].copy_from_slice(b"index.json");
    tar[257..263].copy_from_slice(b"ustar\0");
    // A valid checksum makes it a tar header.
    tar[148..156].fill(b' ');
    let sum: u32 = tar.iter().map(|&b| u32::from(b)).sum();
    tar[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
    assert_eq!(route_file(&tar, 4096), FileRoute::Tar);
    // An archive is read by ranges, so its size is no reason to refuse it.
    assert_eq!(route_file(&tar, limit * 2), FileRoute::Tar);
    let gzip = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];
    assert_eq!(route_file(&gzip, 100), FileRoute::Gzip);
    assert_eq!(route_file(&gzip, limit), FileRoute::Gzip);
    assert_eq!(route_file(&gzip, limit + 1), FileRoute::TooLarge);
    assert_eq!(route_file(b"{\"a\": 1}", 9), FileRoute::Whole);
    assert_eq!(route_file(b"{", limit), FileRoute::Whole);
    assert_eq!(route_file(b"{", limit + 1), FileRoute::TooLarge);
    assert_eq!(route_file(b"", 0), FileRoute::Whole);
}

fn with_example(id: &'static str) -> State {
    let mut s = State::default();
    s.apply(Action::example(id));
    s
}

fn verdict(s: &State) -> Option<Verdict> {
    s.compared.as_ref().map(|c| c.comparison.verdict)
}

fn scenario(id: &str, file: &str) -> String {
    let path = format!(
        "{}/../tests/fixtures/scenarios/{id}/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn every_example_gives_the_verdict_its_scenario_expects() {
    for ex in examples::EXAMPLES {
        let s = with_example(ex.id);
        let expect: serde_json::Value =
            serde_json::from_str(&scenario(ex.id, "expect.json")).unwrap();
        let want = expect["verdict"].as_str().unwrap();
        let cmp = &s.compared.as_ref().unwrap().comparison;
        assert_eq!(cmp.verdict.as_str(), want, "{}", ex.id);
        let n = cmp.changes.len() as u64;
        if let Some(min) = expect["min_changes"].as_u64() {
            assert!(n >= min, "{}: {n} changes", ex.id);
        }
        if let Some(max) = expect["max_changes"].as_u64() {
            assert!(n <= max, "{}: {n} changes", ex.id);
        }
        assert_eq!(
            s.left.name().map(|n| &**n),
            Some(&*format!("{}/left.json", ex.id))
        );
        assert!(s.doc.is_some(), "{}: a document view", ex.id);
    }
}

#[test]
fn chains_vanish_groups_its_changes_under_cache() {
    let s = with_example("chains-vanish");
    let c = s.compared.as_ref().unwrap();
    assert_eq!(verdict(&s), Some(Verdict::Different));
    assert_eq!(c.groups.len(), 1);
    assert_eq!(c.groups[0].0, Area::Cache);
    assert_eq!(c.groups[0].1.len(), c.comparison.changes.len());
    assert!(c.comparison.cache.is_some());
}

#[test]
fn ignoring_timestamps_makes_timestamps_only_equivalent_without_reanalysing() {
    let mut s = with_example("timestamps-only");
    assert_eq!(verdict(&s), Some(Verdict::Different));
    let left = s.left.analysis().cloned();
    s.apply(Action::SetIgnoreTimestamps(true));
    assert_eq!(verdict(&s), Some(Verdict::Equivalent));
    assert_eq!(
        s.left.analysis().cloned(),
        left,
        "options do not re-analyse"
    );
    s.apply(Action::SetIgnoreTimestamps(false));
    assert_eq!(verdict(&s), Some(Verdict::Different));
}

#[test]
fn ignoring_the_cache_makes_chains_vanish_equivalent() {
    let mut s = with_example("chains-vanish");
    s.apply(Action::SetIgnoreCache(true));
    assert_eq!(verdict(&s), Some(Verdict::Equivalent));
}

#[test]
fn a_parse_error_shows_on_its_side_and_no_verdict() {
    let mut s = State::default();
    for (side, file) in [(Side::Left, "left.json"), (Side::Right, "right.json")] {
        s.apply(Action::Edit {
            side,
            text: scenario("not-json", file),
        });
        s.apply(Action::Analyze(side));
    }
    assert!(s.left.ok().is_some());
    let err = s.right.error().expect("an error on the right");
    assert!(matches!(err.kind, ErrorKind::Json { .. }), "{err}");
    assert!(err.to_string().contains("line"), "{err}");
    assert!(s.compared.is_none() && s.doc.is_none());
}

#[test]
fn typing_waits_for_the_debounce_and_leaves_the_other_pane_alone() {
    let mut s = with_example("env-change");
    let right = s.right.analysis().cloned();
    let before = s.compared.clone();
    let text = format!("{} ", s.left.text());
    s.apply(Action::Edit {
        side: Side::Left,
        text,
    });
    assert!(s.left.pending());
    assert_eq!(s.compared, before, "nothing recomputed while typing");
    assert_eq!(s.example, None);
    assert_eq!(s.left.name().cloned(), None, "an edited file is typed text");
    s.apply(Action::Analyze(Side::Left));
    assert!(!s.left.pending());
    assert_ne!(s.compared, before, "compared again after the analysis");
    assert_eq!(
        s.right.analysis().cloned(),
        right,
        "the right pane was not re-analysed"
    );
    // A second timer for the same text does nothing.
    let after = s.compared.clone();
    s.apply(Action::Analyze(Side::Left));
    assert_eq!(s.compared, after);
}

#[test]
fn the_view_changes_without_comparing_again() {
    let mut s = with_example("chains-vanish");
    let cmp = s.compared.clone();
    assert!(matches!(s.doc.as_ref().unwrap().rows, Rows::SideBySide(_)));
    s.apply(Action::SetLayout(ViewLayout::Unified));
    assert!(matches!(s.doc.as_ref().unwrap().rows, Rows::Unified(_)));
    s.apply(Action::SetRaw(true));
    let doc = s.doc.as_ref().unwrap();
    assert_eq!(&*doc.left, scenario("chains-vanish", "left.json"));
    assert_eq!(s.compared, cmp);
}

#[test]
fn a_loaded_file_is_analysed_from_its_exact_bytes() {
    let mut s = State::default();
    let bytes = b"{\r\n  \"a\": 1\r\n}\r\n".to_vec();
    s.apply(Action::LoadFile {
        side: Side::Right,
        name: "crlf.json".into(),
        bytes: bytes.clone(),
    });
    assert!(
        s.right.pending() && s.right.analysis().is_none(),
        "analysed after a paint"
    );
    s.apply(Action::Analyze(Side::Right));
    let a = s.right.ok().unwrap();
    assert_eq!(a.digest, cachelens_core::Digest::sha256(&bytes));
    assert_eq!(s.right.name().map(|n| &**n), Some("crlf.json"));
    assert!(s.compared.is_none(), "one side only");
}

#[test]
fn clearing_and_emptying_a_pane_drops_the_answer_at_once() {
    let mut s = with_example("tie-renumber");
    assert_eq!(verdict(&s), Some(Verdict::Equivalent));
    s.apply(Action::Clear(Side::Left));
    assert!(s.left.is_empty() && s.left.analysis().is_none() && s.compared.is_none());
    let mut s = with_example("tie-renumber");
    s.apply(Action::Edit {
        side: Side::Right,
        text: String::new(),
    });
    assert!(!s.right.pending() && s.compared.is_none());
}

/// A config with `n` labels, the `changed`-th one different when given.
fn big_config(n: usize, changed: Option<usize>) -> Vec<u8> {
    let labels: serde_json::Map<String, serde_json::Value> = (0..n)
        .map(|i| {
            let v = if Some(i) == changed {
                "changed".to_owned()
            } else {
                format!("value-{i}")
            };
            (format!("org.example.label.{i}"), v.into())
        })
        .collect();
    serde_json::to_vec(
        &serde_json::json!({"architecture": "amd64", "os": "linux", "config": {"Labels": labels}}),
    )
    .unwrap()
}

fn load(s: &mut State, side: Side, bytes: Vec<u8>) {
    s.apply(Action::LoadFile {
        side,
        name: format!("{side}.json"),
        bytes,
    });
    s.apply(Action::Analyze(side));
}

#[test]
fn large_inputs_get_the_verdict_first_and_the_view_after_a_paint() {
    let mut s = State::default();
    load(&mut s, Side::Left, big_config(20_000, None));
    load(&mut s, Side::Right, big_config(20_000, Some(7)));
    assert!(s.left.bytes().len() + s.right.bytes().len() > VIEW_SYNC_BYTES);
    assert_eq!(verdict(&s), Some(Verdict::Different));
    assert!(s.doc_due && s.doc.is_none());
    let generation = s.doc_generation;
    s.apply(Action::LayOut);
    assert!(!s.doc_due && s.doc.is_some());
    // Changing the layout defers again, keeping the old view until then.
    s.apply(Action::SetLayout(ViewLayout::Unified));
    assert!(s.doc_due && s.doc_generation > generation);
    assert!(matches!(s.doc.as_ref().unwrap().rows, Rows::SideBySide(_)));
    s.apply(Action::LayOut);
    assert!(matches!(s.doc.as_ref().unwrap().rows, Rows::Unified(_)));
}

#[test]
fn a_raw_view_of_huge_single_lines_is_not_laid_out() {
    let mut s = State::default();
    load(&mut s, Side::Left, big_config(5_000, None));
    load(&mut s, Side::Right, big_config(5_000, Some(1)));
    s.apply(Action::SetRaw(true));
    s.apply(Action::LayOut);
    let doc = s.doc.as_ref().unwrap();
    assert!(
        matches!(doc.rows, Rows::TooLong { longest } if longest > RAW_LINE_MAX),
        "{:?}",
        doc.rows.len()
    );
    s.apply(Action::SetRaw(false));
    s.apply(Action::LayOut);
    assert!(matches!(s.doc.as_ref().unwrap().rows, Rows::SideBySide(_)));
}

#[test]
fn the_same_bytes_are_identical() {
    let mut s = State::default();
    let text = scenario("env-change", "left.json");
    for side in [Side::Left, Side::Right] {
        s.apply(Action::Edit {
            side,
            text: text.clone(),
        });
        s.apply(Action::Analyze(side));
    }
    assert_eq!(verdict(&s), Some(Verdict::Identical));
}

#[test]
fn ui_state_resets_when_the_answer_changes() {
    let mut s = with_example("chains-vanish");
    s.apply(Action::ExpandFold(0));
    s.apply(Action::ShowMoreRows);
    s.apply(Action::ToggleValue {
        change: 0,
        old: true,
    });
    assert_eq!(s.ui.row_limit, 2 * ROW_PAGE);
    assert!(s.ui.expanded_values.contains(0, true));
    s.apply(Action::ToggleValue {
        change: 0,
        old: true,
    });
    assert!(s.ui.expanded_values.is_empty());
    s.apply(Action::SetLayout(ViewLayout::Unified));
    assert!(s.ui.expanded_folds.is_empty());
    assert_eq!(s.ui.row_limit, ROW_PAGE);
}

fn shared(s: &State) -> &ShareOut {
    s.share.as_deref().expect("a share link")
}

#[test]
fn a_shared_link_opens_the_same_diff_with_its_options() {
    let mut s = with_example("shift-and-drop");
    s.apply(Action::SetShareBase(
        "https://x.example/sub/path/?q=1#old".into(),
    ));
    s.apply(Action::SetIgnoreTimestamps(true));
    s.apply(Action::SetLayout(ViewLayout::Unified));
    let link = shared(&s).link.to_string();
    assert!(
        link.starts_with("https://x.example/sub/path/?q=1#v2."),
        "{link}"
    );
    let fragment = link.split_once('#').unwrap().1.to_owned();
    let mut reader = State::default();
    reader.apply(Action::OpenFragment(format!("#{fragment}")));
    assert!(reader.share_error.is_none());
    assert!(reader.options.ignore_timestamps && !reader.options.ignore_cache);
    assert_eq!(reader.view.layout, ViewLayout::Unified);
    assert_eq!(verdict(&reader), verdict(&s));
    let n = |s: &State| s.compared.as_ref().unwrap().comparison.changes.len();
    assert_eq!(n(&reader), n(&s));
    assert_eq!(
        reader.left.name().map(|n| &**n),
        Some("shift-and-drop/left.json")
    );
    let opened = reader.opened.as_deref().unwrap();
    assert_eq!(opened.source, Source::Link);
    // Nothing differs between the two sides' env, but values are redacted by default.
    assert!(!opened.sides[0].redacted.is_empty());
    assert_eq!(
        opened.sides[0].original_digest.as_deref(),
        Some(&*s.left.ok().unwrap().digest.to_string())
    );
    // Typing afterwards is ordinary editing: the banner goes.
    reader.apply(Action::Edit {
        side: Side::Left,
        text: "{}".into(),
    });
    assert!(reader.opened.is_none());
}

#[test]
fn redaction_changes_what_the_link_carries() {
    let mut s = with_example("env-change");
    assert!(s.share_settings.redact, "redaction is on by default");
    let redacted = shared(&s).payload.clone();
    let left = String::from_utf8(redacted.left.bytes.clone()).unwrap();
    assert!(left.contains("APP_ENV=\\u003credacted\\u003e"), "{left}");
    assert!(!left.contains("APP_ENV=prod"));
    assert!(!redacted.left.redacted.is_empty());
    assert_eq!(shared(&s).sensitive[0].len(), redacted.left.redacted.len());
    s.apply(Action::SetShareRedact(false));
    let plain = &shared(&s).payload;
    assert_eq!(plain.left.bytes, s.left.bytes());
    assert!(plain.left.redacted.is_empty());
    assert_eq!(plain.left.original_digest, redacted.left.original_digest);
    assert!(shared(&s).markdown.contains("APP_ENV=prod"));
    s.apply(Action::SetShareRedact(true));
    let md = &shared(&s).markdown;
    assert!(md.starts_with("### cachelens: different"), "{md}");
    assert!(
        !md.contains("APP_ENV=prod") && !md.contains("staging"),
        "{md}"
    );
    assert!(md.contains("<redacted>"), "{md}");
    assert!(md.contains(&s.left.ok().unwrap().digest.to_string()));
    assert!(md.contains(&s.right.ok().unwrap().digest.to_string()));
    assert!(md.trim_end().ends_with(&format!("({})", shared(&s).link)));
}

#[test]
fn a_bundle_loaded_on_a_pane_restores_both_sides() {
    let s = with_example("chains-vanish");
    let bundle = shared(&s).bundle.to_vec();
    let mut reader = State::default();
    reader.apply(Action::LoadFile {
        side: Side::Right,
        name: "cachelens-share.bundle".into(),
        bytes: bundle,
    });
    assert_eq!(verdict(&reader), verdict(&s));
    assert!(matches!(
        reader.opened.as_deref().map(|o| &o.source),
        Some(Source::Bundle(name)) if name == "cachelens-share.bundle"
    ));
    let mut broken = State::default();
    broken.apply(Action::LoadFile {
        side: Side::Left,
        name: "x.bundle".into(),
        bytes: b"cachelens-share:v1.garbage".to_vec(),
    });
    assert!(
        broken
            .left
            .failed()
            .unwrap()
            .contains("could not be opened")
    );
}

#[test]
fn a_broken_fragment_gives_the_decoders_error_and_no_fragment_nothing() {
    let mut s = State::default();
    s.apply(Action::OpenFragment(String::new()));
    s.apply(Action::OpenFragment("#".into()));
    assert!(s.share_error.is_none());
    s.apply(Action::OpenFragment("#v1.garbage".into()));
    let e = s.share_error.as_deref().unwrap();
    assert!(
        e.contains("could not be opened") && e.contains("base64url"),
        "{e}"
    );
    assert!(s.compared.is_none());
}

#[test]
fn a_long_link_offers_the_cache_alone() {
    // Steps with hash-like text (they do not compress away), no cache.
    let noisy = |salt: &str| {
        let history: Vec<serde_json::Value> = (0..300)
            .map(|i| {
                let step = cachelens_core::Digest::sha256(format!("{salt}{i}").as_bytes());
                serde_json::json!({"created_by": format!("RUN echo {step}")})
            })
            .collect();
        serde_json::to_vec(
            &serde_json::json!({"architecture": "amd64", "os": "linux", "history": history}),
        )
        .unwrap()
    };
    let mut s = State::default();
    load(&mut s, Side::Left, noisy("a"));
    load(&mut s, Side::Right, noisy("b"));
    let out = shared(&s);
    assert_eq!(out.size, cachelens_core::share::LinkSize::Long);
    assert!(!out.cache_only_available, "no cache in these configs");
    // The scenario configs carry a cache: sharing it alone gives records arrays.
    let mut s = with_example("chains-vanish");
    assert!(shared(&s).cache_only_available);
    s.apply(Action::SetShareCacheOnly(true));
    let p = &shared(&s).payload;
    let v: serde_json::Value = serde_json::from_slice(&p.left.bytes).unwrap();
    assert!(v.is_array(), "the decoded records");
    assert_eq!(
        p.left.original_digest.as_deref(),
        Some(&*s.left.ok().unwrap().digest.to_string())
    );
}

#[test]
fn large_inputs_get_their_link_when_asked() {
    let mut s = State::default();
    load(&mut s, Side::Left, big_config(20_000, None));
    load(&mut s, Side::Right, big_config(20_000, Some(7)));
    assert!(s.share.is_none() && s.share_due);
    s.apply(Action::MakeShareLink);
    assert!(s.share.is_some() && !s.share_due);
}

/// A tar of `files`: ustar headers, contents padded to 512 bytes, two zero blocks.
fn tar(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, data) in files {
        let mut h = [0u8; 512];
        h[..name.len()].copy_from_slice(name.as_bytes());
        h[100..108].copy_from_slice(b"0000644\0");
        h[108..116].copy_from_slice(b"0000000\0");
        h[116..124].copy_from_slice(b"0000000\0");
        h[124..136].copy_from_slice(format!("{:011o}\0", data.len()).as_bytes());
        h[136..148].copy_from_slice(b"00000000000\0");
        h[148..156].copy_from_slice(b"        ");
        h[156] = b'0';
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
        h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        out.extend_from_slice(&h);
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.resize(out.len() + 1024, 0);
    out
}

/// An OCI layout tarball of one image with these layer contents.
fn oci_tar(layers: &[&str]) -> Vec<u8> {
    tar(&oci_files(layers))
}

/// The files of an OCI layout of one image with these layer contents.
fn oci_files(layers: &[&str]) -> Vec<(String, Vec<u8>)> {
    use cachelens_core::Digest;
    let mut blobs = Vec::new();
    let mut blob = |bytes: Vec<u8>| {
        let d = Digest::sha256(&bytes).to_string();
        let n = bytes.len();
        blobs.push((format!("blobs/sha256/{}", &d[7..]), bytes));
        (d, n)
    };
    let descs: Vec<serde_json::Value> = layers
        .iter()
        .map(|l| {
            let (digest, size) = blob(l.as_bytes().to_vec());
            serde_json::json!({"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": digest, "size": size})
        })
        .collect();
    let diff_ids: Vec<String> = layers
        .iter()
        .map(|l| Digest::sha256(l.as_bytes()).to_string())
        .collect();
    let config = serde_json::to_vec(&serde_json::json!({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": diff_ids}})).unwrap();
    let (cd, cn) = blob(config);
    let manifest = serde_json::to_vec(&serde_json::json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": cn}, "layers": descs})).unwrap();
    let (md, mn) = blob(manifest);
    let index = serde_json::to_vec(&serde_json::json!({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": md, "size": mn}]})).unwrap();
    let mut files = vec![
        (
            "oci-layout".to_owned(),
            br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
        ),
        ("index.json".to_owned(), index),
    ];
    files.extend(blobs);
    files
}

/// What the page sends back for read number `reading` of a pane.
fn from_read(side: Side, reading: u64, action: Action) -> Action {
    Action::FromRead {
        side,
        reading,
        action: Box::new(action),
    }
}

/// A new read number for a pane, which then waits for it (as the page's file and folder
/// callbacks do).
fn start_read(s: &mut State, side: Side) -> u64 {
    let reading = s.awaiting.iter().flatten().max().copied().unwrap_or(0) + 100;
    s.apply(Action::Reading { side, reading });
    reading
}

/// An archive opened in a pane and read: what the page's file callback sends.
fn open_archive_named(
    s: &mut State,
    side: Side,
    name: &str,
    size: usize,
    result: Result<ImageSet, String>,
) {
    let reading = start_read(s, side);
    s.apply(from_read(
        side,
        reading,
        Action::ArchiveOpening {
            side,
            name: name.into(),
            size: size as u64,
            folder: false,
        },
    ));
    assert!(s.pane(side).pending() && s.compared.is_none());
    s.apply(from_read(
        side,
        reading,
        Action::ArchiveRead {
            side,
            result: Box::new(result),
        },
    ));
}

fn open_archive(s: &mut State, side: Side, bytes: &[u8]) {
    assert!(cachelens_core::image::looks_like_tar(bytes));
    let result = cachelens_core::image::read_archive_bytes(bytes).map_err(|e| e.to_string());
    open_archive_named(s, side, &format!("{side}.tar"), bytes.len(), result);
}

#[test]
fn a_file_read_that_ends_after_the_pane_changed_is_dropped() {
    let load = |name: &str, text: &str| Action::LoadFile {
        side: Side::Left,
        name: name.into(),
        bytes: text.as_bytes().to_vec(),
    };
    let from = |reading, action| from_read(Side::Left, reading, action);
    let mut s = State::default();
    // A slow file, then a quick one: the slow one's bytes arrive last and are dropped.
    s.apply(Action::Reading {
        side: Side::Left,
        reading: 1,
    });
    s.apply(Action::Reading {
        side: Side::Left,
        reading: 2,
    });
    s.apply(from(2, load("quick.json", r#"{"a":2}"#)));
    s.apply(from(1, load("slow.json", r#"{"a":1}"#)));
    assert_eq!(s.left.name().map(|n| &**n), Some("quick.json"));
    // A paste while a file is read: the file loses.
    s.apply(Action::Reading {
        side: Side::Left,
        reading: 3,
    });
    s.apply(Action::Edit {
        side: Side::Left,
        text: "{}".into(),
    });
    s.apply(from(3, load("late.json", "[]")));
    assert_eq!(&*s.left.text(), "{}");
    // A failure of a replaced read says nothing either; a current one does.
    s.apply(Action::Reading {
        side: Side::Left,
        reading: 4,
    });
    s.apply(Action::Clear(Side::Left));
    s.apply(from(
        4,
        Action::LoadFailed {
            side: Side::Left,
            message: "gone".into(),
        },
    ));
    assert!(s.left.failed().is_none());
    s.apply(Action::Reading {
        side: Side::Left,
        reading: 5,
    });
    s.apply(from(
        5,
        Action::LoadFailed {
            side: Side::Left,
            message: "bad".into(),
        },
    ));
    assert_eq!(s.left.failed().map(|m| &**m), Some("bad"));
}

#[test]
fn a_late_read_of_a_replaced_archive_is_dropped() {
    let mut s = State::default();
    let opening = |reading, name: &str| {
        from_read(
            Side::Left,
            reading,
            Action::ArchiveOpening {
                side: Side::Left,
                name: name.into(),
                size: 10,
                folder: false,
            },
        )
    };
    let read = |reading, bytes: &[u8]| {
        from_read(
            Side::Left,
            reading,
            Action::ArchiveRead {
                side: Side::Left,
                result: Box::new(
                    cachelens_core::image::read_archive_bytes(bytes).map_err(|e| e.to_string()),
                ),
            },
        )
    };
    let slow = start_read(&mut s, Side::Left);
    s.apply(opening(slow, "slow.tar"));
    let fast = start_read(&mut s, Side::Left);
    s.apply(opening(slow, "slow again.tar"));
    assert_eq!(
        s.left.name().map(|n| &**n),
        Some("slow.tar"),
        "an opening of a replaced read is dropped"
    );
    s.apply(opening(fast, "fast.tar"));
    s.apply(read(fast, &oci_tar(&["fast"])));
    assert!(s.left.image_set().is_some() && !s.left.pending());
    // The first archive's answer arrives last: it changes nothing.
    let shown = s.left.image_set().unwrap().images[0].layers[0]
        .digest
        .clone();
    s.apply(read(slow, &oci_tar(&["slow"])));
    assert_eq!(s.left.name().map(|n| &**n), Some("fast.tar"));
    assert_eq!(
        s.left.image_set().unwrap().images[0].layers[0].digest,
        shown
    );
}

#[test]
fn two_archives_compare_as_images_and_an_archive_against_json_does_not() {
    let mut s = State::default();
    open_archive(&mut s, Side::Left, &oci_tar(&["base", "app v1"]));
    let set = s.left.image_set().expect("read");
    assert_eq!(set.images[0].layers.len(), 2);
    assert!(s.left.bytes().is_empty(), "archive bytes are not kept");
    open_archive(&mut s, Side::Right, &oci_tar(&["base", "app v2"]));
    assert_eq!(verdict(&s), Some(Verdict::Different));
    let c = &s.compared.as_ref().unwrap().comparison;
    assert!(
        c.changes
            .iter()
            .any(|c| c.path.to_string().starts_with("/layers")),
        "{:?}",
        c.changes
    );
    assert!(
        s.share.is_some(),
        "archives get a link (of their documents)"
    );
    s.apply(Action::example("env-change"));
    open_archive(&mut s, Side::Left, &oci_tar(&["base"]));
    assert!(s.compared.is_none(), "an archive against JSON");
    // A read that finishes after the pane was cleared is dropped.
    let reading = start_read(&mut s, Side::Left);
    s.apply(from_read(
        Side::Left,
        reading,
        Action::ArchiveOpening {
            side: Side::Left,
            name: "late.tar".into(),
            size: 10,
            folder: false,
        },
    ));
    s.apply(Action::Clear(Side::Left));
    s.apply(from_read(
        Side::Left,
        reading,
        Action::ArchiveRead {
            side: Side::Left,
            result: Box::new(Err("late".into())),
        },
    ));
    assert!(s.left.archive().is_none() && s.left.failed().is_none());
}

#[test]
fn a_layout_folder_compares_with_the_same_image_as_a_tarball() {
    // What the browser does with a chosen folder, minus the browser: the paths it gives
    // start with the folder's name; the reader is answered from the files it names.
    let files = oci_files(&["base", "app"]);
    let picked: Vec<(String, u64)> = files
        .iter()
        .map(|(p, b)| (format!("img/{p}"), b.len() as u64))
        .collect();
    let layout = crate::folder::layout_files(&picked).unwrap();
    let mut s = State::default();
    let reading = start_read(&mut s, Side::Left);
    s.apply(from_read(
        Side::Left,
        reading,
        Action::ArchiveOpening {
            side: Side::Left,
            name: layout.name.clone(),
            size: layout.size(),
            folder: true,
        },
    ));
    assert!(s.left.archive().is_some_and(|a| a.folder) && s.left.pending());
    let result = cachelens_core::image::read_layout(layout.listing(), |path: &str| {
        let i = layout.source(path).expect("asked for a listed file");
        Ok::<_, cachelens_core::Error>(files[i].1.clone())
    })
    .map_err(|e| e.to_string());
    s.apply(from_read(
        Side::Left,
        reading,
        Action::ArchiveRead {
            side: Side::Left,
            result: Box::new(result),
        },
    ));
    let set = s.left.image_set().expect("read");
    assert_eq!(set.kind, cachelens_core::image::ArchiveKind::OciLayout);
    assert_eq!(s.left.name().map(|n| &**n), Some("img"));
    open_archive(&mut s, Side::Right, &oci_tar(&["base", "app"]));
    assert!(s.right.archive().is_some_and(|a| !a.folder));
    assert_eq!(verdict(&s), Some(Verdict::Identical));
}

fn change_paths(s: &State) -> Vec<(String, String)> {
    s.compared
        .as_ref()
        .unwrap()
        .comparison
        .changes
        .iter()
        .map(|c| (format!("{:?}", c.op), c.path.to_string()))
        .collect()
}

#[test]
fn an_example_a_file_or_a_paste_brings_the_verdict_into_view_typing_does_not() {
    let mut s = with_example("env-change");
    assert_eq!(s.reveal, 1, "an example");
    assert!(s.reveal_load, "a load shows the whole answer");
    let text = format!("{} ", s.left.text());
    s.apply(Action::Edit {
        side: Side::Left,
        text: text.clone(),
    });
    s.apply(Action::Analyze(Side::Left));
    assert_eq!(s.reveal, 1, "typing in a compared pane does not scroll");
    s.apply(Action::Pasted(Side::Left));
    s.apply(Action::Edit {
        side: Side::Left,
        text: format!("{text} "),
    });
    s.apply(Action::Analyze(Side::Left));
    assert_eq!(s.reveal, 2, "a paste does");
    assert!(!s.reveal_load, "a paste shows the verdict, not more");
    s.apply(Action::LoadFile {
        side: Side::Right,
        name: "r.json".into(),
        bytes: scenario("env-change", "right.json").into_bytes(),
    });
    s.apply(Action::Analyze(Side::Right));
    assert_eq!(s.reveal, 3, "a file does");
    assert!(s.reveal_load);
    // The first verdict, however it came, is brought into view.
    let mut s = State::default();
    for side in [Side::Left, Side::Right] {
        s.apply(Action::Edit {
            side,
            text: "{}".into(),
        });
        s.apply(Action::Analyze(side));
    }
    assert_eq!(s.reveal, 1);
}

#[test]
fn clear_can_be_undone_until_the_pane_gets_something_else() {
    let mut s = with_example("chains-vanish");
    let (left, cmp) = (s.left.clone(), change_paths(&s));
    s.apply(Action::Clear(Side::Left));
    assert!(s.left.is_empty() && s.compared.is_none());
    assert!(matches!(s.undo, Some((Side::Left, _))));
    s.apply(Action::UndoClear);
    assert_eq!(s.left, left, "the pane is back, analysis and all");
    assert_eq!(change_paths(&s), cmp);
    assert!(s.undo.is_none());
    // Typing in the cleared pane ends the offer; typing in the other does not.
    s.apply(Action::Clear(Side::Left));
    s.apply(Action::Edit {
        side: Side::Right,
        text: "{}".into(),
    });
    assert!(s.undo.is_some());
    s.apply(Action::Edit {
        side: Side::Left,
        text: "{}".into(),
    });
    assert!(s.undo.is_none());
    // Clearing an empty pane leaves nothing to undo.
    let mut s = State::default();
    s.apply(Action::Clear(Side::Right));
    assert!(s.undo.is_none());
}

#[test]
fn swapping_sides_exchanges_the_inputs_and_flips_the_changes() {
    let mut s = with_example("chains-vanish");
    let before = change_paths(&s);
    assert!(before.iter().any(|(op, _)| op == "Remove"), "{before:?}");
    let (l, r) = (s.left.text(), s.right.text());
    s.apply(Action::Swap);
    assert_eq!((s.left.text(), s.right.text()), (r, l));
    assert_eq!(
        s.left.ok().unwrap().side,
        Some(Side::Left),
        "analysed as its new side"
    );
    let after = change_paths(&s);
    let flipped: Vec<(String, String)> = before
        .iter()
        .map(|(op, p)| {
            let op = match op.as_str() {
                "Remove" => "Add",
                "Add" => "Remove",
                o => o,
            };
            (op.to_owned(), p.clone())
        })
        .collect();
    let (mut a, mut f) = (after.clone(), flipped);
    a.sort();
    f.sort();
    assert_eq!(a, f);
    s.apply(Action::Swap);
    assert_eq!(change_paths(&s), before);
}

#[test]
fn the_session_keeps_both_inputs_names_and_options_across_a_reload() {
    let mut s = with_example("timestamps-only");
    s.apply(Action::SetIgnoreTimestamps(true));
    s.apply(Action::Edit {
        side: Side::Right,
        text: scenario("timestamps-only", "right.json"),
    });
    s.apply(Action::Analyze(Side::Right));
    let kept = cachelens_core::share::encode_fragment(&s.session_payload().unwrap());
    let mut fresh = State::default();
    fresh.apply(Action::Restore(Box::new(
        cachelens_core::share::decode_fragment(&kept).unwrap(),
    )));
    assert_eq!(fresh.left.bytes(), s.left.bytes());
    assert_eq!(
        fresh.left.name().cloned(),
        s.left.name().cloned(),
        "a file keeps its name"
    );
    assert_eq!(fresh.right.text(), s.right.text());
    assert_eq!(
        fresh.right.name().cloned(),
        None,
        "typed text stays typed text"
    );
    assert!(fresh.options.ignore_timestamps);
    assert_eq!(verdict(&fresh), verdict(&s));
    assert!(fresh.opened.is_none(), "no share-link banner");
    assert!(State::default().session_payload().is_none());
}

#[test]
fn a_fold_expanded_can_be_folded_again_and_the_focus_follows() {
    let mut s = with_example("chains-vanish");
    let fold = match &s.doc.as_ref().unwrap().rows {
        Rows::SideBySide(rows) => rows
            .iter()
            .position(|r| matches!(r, SideRow::Fold { .. }))
            .expect("a fold"),
        _ => unreachable!(),
    };
    s.apply(Action::ExpandFold(fold));
    assert!(s.ui.expanded_folds.contains(&fold));
    assert_eq!(s.ui.fold_focus.as_deref(), Some(&*fold_again_id(fold)));
    s.apply(Action::CollapseFold(fold));
    assert!(s.ui.expanded_folds.is_empty());
    assert_eq!(s.ui.fold_focus.as_deref(), Some(&*fold_id(fold)));
}

#[test]
fn two_files_of_the_same_name_are_told_apart_in_the_panes_and_the_report() {
    assert_eq!(file_label("cacheconfig.json", ""), "cacheconfig.json");
    assert_eq!(
        file_label("cacheconfig.json", "old/cacheconfig.json"),
        "old/cacheconfig.json"
    );
    let mut s = State::default();
    for (side, file) in [(Side::Left, "left.json"), (Side::Right, "right.json")] {
        s.apply(Action::LoadFile {
            side,
            name: "cacheconfig.json".into(),
            bytes: scenario("registry-renumber", file).into_bytes(),
        });
        s.apply(Action::Analyze(side));
    }
    let [l, r] = s.label_texts();
    let short = |p: &Pane| short_digest(&p.ok().unwrap().digest);
    assert_eq!(short(&s.left).len(), "sha256:".len() + 12);
    assert_eq!(
        l,
        format!(
            "cacheconfig.json ({}, {})",
            short(&s.left),
            cachelens_core::words::size_text(s.left.bytes().len() as u64)
        )
    );
    assert_ne!(l, r);
    let md = &shared(&s).markdown;
    assert!(md.contains(&l) && md.contains(&r), "{md}");
    // Different names need nothing more.
    s.apply(Action::LoadFile {
        side: Side::Right,
        name: "new/cacheconfig.json".into(),
        bytes: scenario("registry-renumber", "right.json").into_bytes(),
    });
    s.apply(Action::Analyze(Side::Right));
    assert_eq!(s.label_texts()[1], "new/cacheconfig.json");
    assert_eq!(s.label_texts()[0], "cacheconfig.json");
}

#[test]
fn two_archives_get_a_link_and_a_report_that_reopen_the_same_comparison() {
    let mut s = State::default();
    open_archive(&mut s, Side::Left, &oci_tar(&["base", "app v1"]));
    open_archive(&mut s, Side::Right, &oci_tar(&["base", "app v2"]));
    let images = s.compared.as_ref().unwrap().images.as_deref().unwrap();
    let (ld, rd) = (images.0.digest.to_string(), images.1.digest.to_string());
    let out = shared(&s);
    assert!(out.markdown.contains(&ld) && out.markdown.contains(&rd));
    assert!(out.markdown.contains("left.tar"), "{}", out.markdown);
    let archive = out
        .payload
        .left
        .archive
        .as_ref()
        .expect("marked as an archive");
    assert_eq!(
        (archive.name.as_str(), archive.digest.as_str()),
        ("left.tar", ld.as_str())
    );
    assert_eq!(archive.kind, "image-manifest");
    // The link opens as the same comparison, each side standing for its archive's image.
    let mut reader = State::default();
    reader.apply(Action::OpenFragment(
        out.link.split_once('#').unwrap().1.to_owned(),
    ));
    assert_eq!(verdict(&reader), Some(Verdict::Different));
    assert_eq!(change_paths(&reader), change_paths(&s));
    assert_eq!(reader.left.ok().unwrap().digest.to_string(), ld);
    assert_eq!(
        reader.right.ok().unwrap().kind,
        cachelens_core::Kind::ImageManifest
    );
    assert!(reader.left.from_archive().is_some());
    // And the reader's own link keeps the mark.
    assert!(shared(&reader).payload.right.archive.is_some());
}

#[test]
fn build_records_are_shared_with_their_paths_args_and_attributes_redacted() {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/real-buildkit/buildkit-0.25/archives/"
    );
    let mut s = State::default();
    for (side, file) in [
        (Side::Left, "tiny.manifest-root.dockerbuild"),
        (Side::Right, "tiny.index-root.dockerbuild"),
    ] {
        let bytes = std::fs::read(format!("{dir}{file}")).unwrap();
        let result = cachelens_core::image::gzip::read_gzip(&bytes).map_err(|e| e.to_string());
        open_archive_named(&mut s, side, file, bytes.len(), result);
    }
    assert_eq!(verdict(&s), Some(Verdict::Different));
    let out = shared(&s);
    for side in [&out.payload.left, &out.payload.right] {
        let text = String::from_utf8_lossy(&side.bytes);
        assert!(text.contains("localState"), "{text}");
        assert!(
            !text.contains("/src/fixtures"),
            "a local path in the link: {text}"
        );
        assert!(
            side.redacted
                .iter()
                .any(|p| p.to_string().starts_with("/localState/")),
            "{:?}",
            side.redacted
        );
        assert!(
            side.redacted
                .iter()
                .any(|p| p.to_string().starts_with("/frontendAttrs/")),
            "{:?}",
            side.redacted
        );
    }
}

/// What the example menu's callback sends: both panes wait for read `reading`.
fn start_example(s: &mut State) -> u64 {
    let reading = s.awaiting.iter().flatten().max().copied().unwrap_or(0) + 100;
    for side in [Side::Left, Side::Right] {
        s.apply(Action::Reading { side, reading });
    }
    reading
}

#[test]
fn a_fetched_example_fills_both_panes() {
    let mut s = State::default();
    let reading = start_example(&mut s);
    s.apply(from_read(
        Side::Left,
        reading,
        Action::example("env-change"),
    ));
    assert_eq!(s.example, Some("env-change"));
    assert_eq!(s.left.name().map(|n| &**n), Some("env-change/left.json"));
    assert_eq!(s.right.name().map(|n| &**n), Some("env-change/right.json"));
    assert_eq!(
        s.right.bytes(),
        scenario("env-change", "right.json").as_bytes()
    );
    assert!(verdict(&s).is_some());
}

#[test]
fn an_example_that_arrives_after_either_pane_changed_is_dropped() {
    for typed_into in [Side::Left, Side::Right] {
        let mut s = State::default();
        let reading = start_example(&mut s);
        s.apply(Action::Edit {
            side: typed_into,
            text: "{}".into(),
        });
        s.apply(from_read(
            Side::Left,
            reading,
            Action::example("env-change"),
        ));
        assert_eq!(s.example, None, "typed into {typed_into:?}");
        assert_eq!(&*s.pane(typed_into).text(), "{}");
    }
    // A second pick wins over the first, whichever arrives last.
    let mut s = State::default();
    let first = start_example(&mut s);
    let second = start_example(&mut s);
    s.apply(from_read(
        Side::Left,
        second,
        Action::example("tie-renumber"),
    ));
    s.apply(from_read(Side::Left, first, Action::example("env-change")));
    assert_eq!(s.example, Some("tie-renumber"));
}

#[test]
fn an_example_that_cannot_be_fetched_says_so_in_the_left_pane() {
    let mut s = State::default();
    let reading = start_example(&mut s);
    s.apply(from_read(
        Side::Left,
        reading,
        Action::LoadFailed {
            side: Side::Left,
            message: "could not fetch examples/env-change/left.json: the server answered 404"
                .into(),
        },
    ));
    assert!(s.left.failed().is_some_and(|m| m.contains("404")));
    assert_eq!(s.example, None);
}
