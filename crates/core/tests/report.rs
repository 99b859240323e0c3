//! Snapshot tests of the renderers (text, JSON, Markdown) on the stories users report.
#![cfg(not(target_arch = "wasm32"))]

use cachelens_core::report::Report;
use cachelens_core::{Options, Side, analyze, compare};

fn report(case: &str, opts: Options) -> Report {
    let dir = format!(
        "{}/../../tests/fixtures/scenarios/{case}",
        env!("CARGO_MANIFEST_DIR")
    );
    let l = analyze(
        &std::fs::read(format!("{dir}/left.json")).unwrap(),
        Some(Side::Left),
    )
    .unwrap();
    let r = analyze(
        &std::fs::read(format!("{dir}/right.json")).unwrap(),
        Some(Side::Right),
    )
    .unwrap();
    let cmp = compare(&l, &r, &opts);
    Report::new(
        &l,
        &r,
        &cmp,
        &opts,
        (&format!("{case}/left.json"), &format!("{case}/right.json")),
    )
    .with_graph(&l, &r, &cmp)
}

#[test]
fn text() {
    for case in [
        "chains-vanish",
        "shift-and-drop",
        "bad-base64",
        "pretty-vs-compact",
        "tie-renumber",
        "manifest-last-layer",
    ] {
        insta::assert_snapshot!(
            format!("text-{case}"),
            report(case, Options::default()).to_text(false)
        );
    }
    // Colour is only ANSI around the same text.
    let coloured = report("env-change", Options::default()).to_text(true);
    assert!(
        coloured.contains("\x1b[32m+ \"APP_ENV=staging\"\x1b[0m"),
        "{coloured}"
    );
}

#[test]
fn markdown() {
    for case in ["chains-vanish", "shift-and-drop", "timestamps-only"] {
        insta::assert_snapshot!(
            format!("markdown-{case}"),
            report(case, Options::default()).to_markdown()
        );
    }
}

#[test]
fn json() {
    for case in ["chains-vanish", "registry-renumber", "bad-base64"] {
        insta::assert_snapshot!(
            format!("json-{case}"),
            report(case, Options::default()).to_json()
        );
    }
    let r = report(
        "timestamps-only",
        Options {
            ignore_timestamps: true,
            ..Options::default()
        },
    );
    insta::assert_snapshot!("json-timestamps-only-ignored", r.to_json());
}

#[test]
fn a_rebuild_that_only_moved_timestamps_says_so_and_how_to_compare_the_rest() {
    let r = report("timestamps-only", Options::default());
    let cache = r.cache.as_ref().unwrap();
    assert_eq!(
        cache.phrase(),
        "6 records' layer creation times changed (createdAt)"
    );
    assert!(cache.changed.iter().all(|c| c.times_only));
    assert!(
        r.headline
            .starts_with("Different: only timestamps changed: "),
        "{}",
        r.headline
    );
    let note = r
        .notes
        .iter()
        .find(|n| n.starts_with("Every change is a timestamp"))
        .expect("a note on timestamps");
    for words in [
        "--ignore-timestamps",
        "\"Ignore timestamps\"",
        "SOURCE_DATE_EPOCH",
        "rewrite-timestamp=true",
    ] {
        assert!(note.contains(words), "{note} lacks {words}");
    }
    let json: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
    assert_eq!(json["cache"]["changed"][0]["timesOnly"], true);
    assert_eq!(json["cache"]["changed"][0]["layers"]["change"], "changed");
    // A real change is not a time change, and gets no such note.
    for case in ["env-change", "chains-vanish", "shift-and-drop"] {
        let r = report(case, Options::default());
        assert!(!r.headline.contains("timestamps"), "{case}: {}", r.headline);
        assert!(
            r.notes.iter().all(|n| !n.contains("SOURCE_DATE_EPOCH")),
            "{case}"
        );
        assert!(
            r.cache
                .iter()
                .flat_map(|c| &c.changed)
                .all(|c| !c.times_only),
            "{case}"
        );
    }
}

/// The Markdown report on the real 170-record cache and on 10k pairs: the Mermaid graph of the
/// changed neighbourhood (at most 100 nodes) embedded, the whole within GitHub's limit.
#[test]
fn markdown_embeds_the_graph_within_githubs_limit() {
    use cachelens_core::drawing::REPORT_NODES;
    use cachelens_core::report::MARKDOWN_LIMIT;
    let real = |p: &str| {
        std::fs::read(format!(
            "{}/../../tests/fixtures/real-buildkit/{p}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    };
    let mut pairs = vec![(
        "wide-rebuilds 2→3",
        real("wide-rebuilds/2/config.json"),
        real("wide-rebuilds/3/config.json"),
    )];
    for (name, p) in [
        (
            "registry-10k",
            cachelens_core::synth::cache_config_pair(10_000, 1),
        ),
        (
            "inline-10k",
            cachelens_core::synth::inline_config_pair(10_000, 1),
        ),
        // Many changes: 40 blobs replaced, every record built on them changed.
        (
            "registry-10k-replacing",
            cachelens_core::synth::cache_config_pair_replacing(10_000, 1, 40).0,
        ),
    ] {
        pairs.push((name, p.left, p.right));
    }
    for (name, l, r) in pairs {
        let l = analyze(&l, Some(Side::Left)).unwrap();
        let r = analyze(&r, Some(Side::Right)).unwrap();
        let opts = Options::default();
        let cmp = compare(&l, &r, &opts);
        let report = Report::new(&l, &r, &cmp, &opts, ("left", "right")).with_graph(&l, &r, &cmp);
        let md = report.to_markdown();
        assert!(
            md.chars().count() <= MARKDOWN_LIMIT,
            "{name}: {} characters",
            md.chars().count()
        );
        let (_, mermaid) = report.graph.as_ref().expect(name);
        let nodes = mermaid
            .lines()
            .filter(|l| l.trim_start().starts_with('n') && l.contains("[\""))
            .count();
        assert!(nodes > 0 && nodes <= REPORT_NODES, "{name}: {nodes} nodes");
        if md.contains("more, not listed") {
            // Changes were left out: the graph is there, and the count of what is missing.
            assert!(cmp.changes.len() > 100, "{name}");
        }
        assert!(
            md.contains(&format!("```mermaid\n{mermaid}```")),
            "{name}: the graph embedded"
        );
        // Text and JSON do not carry it.
        assert!(!report.to_json().contains("flowchart"));
        assert!(!report.to_text(false).contains("flowchart"));
    }
}

/// A smaller limit leaves out changes first (and says how many), the graph last.
#[test]
fn markdown_within_a_limit_counts_what_it_leaves_out() {
    let r = report("timestamps-only", Options::default());
    let whole = r.to_markdown();
    assert!(whole.contains("```mermaid"));
    let small = r.to_markdown_within(whole.len() - 200);
    assert!(small.len() <= whole.len() - 200);
    assert!(small.contains("```mermaid"), "the graph stays");
    assert!(
        small.contains("more, not listed to stay within GitHub's 65536 characters"),
        "{small}"
    );
    let tiny = r.to_markdown_within(2_500);
    assert!(tiny.len() <= 2_500, "{}", tiny.len());
    assert!(!tiny.contains("```mermaid"), "{tiny}");
}
