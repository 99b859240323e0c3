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
