//! `cachelens graph`: DOT that Graphviz accepts, Mermaid and standalone SVG, the same bytes for
//! the same input, inputs read as `diff` reads them, and trouble as exit status 2.

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::{Path, PathBuf};

fn real(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/real-buildkit")
        .join(rel)
}

fn cachelens() -> Command {
    let mut c = Command::cargo_bin("cachelens").unwrap();
    c.env("NO_COLOR", "1");
    c
}

/// The pairs the issue names, and one input alone.
const PAIRS: &[(&str, &str)] = &[
    (
        "inline-rebuilds/2/config.json",
        "inline-rebuilds/3/config.json",
    ),
    (
        "registry-cache/1/cacheconfig.json",
        "registry-cache/2/cacheconfig.json",
    ),
    ("build-args/v1/config.json", "build-args/v2/config.json"),
    ("wide-rebuilds/2/config.json", "wide-rebuilds/3/config.json"),
];

fn graph(format: &str, files: &[&str]) -> String {
    let out = cachelens()
        .args(["graph", "--format", format])
        .args(files.iter().map(|f| real(f)))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Graphviz's `dot`, when on PATH; in CI (CI=true) it must be (`cargo xtask test` installs
/// Debian's graphviz).
fn dot() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join("dot"))
            .find(|f| f.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "Graphviz's dot is not on PATH (apt-get install graphviz; `cargo xtask test` installs it)"
        );
        eprintln!("skipped: Graphviz's dot is not on PATH");
    }
    found
}

#[test]
fn graphviz_accepts_the_dot_output() {
    let Some(dot) = dot() else { return };
    let mut inputs: Vec<Vec<&str>> = PAIRS.iter().map(|(l, r)| vec![*l, *r]).collect();
    inputs.push(vec!["wide-rebuilds/2/config.json"]);
    inputs.push(vec!["registry-cache/1/cacheconfig.json"]);
    for files in inputs {
        let text = graph("dot", &files);
        assert!(text.starts_with("digraph cache {"), "{text}");
        let out = std::process::Command::new(&dot)
            .arg("-Tsvg")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut c| {
                use std::io::Write as _;
                c.stdin.take().unwrap().write_all(text.as_bytes())?;
                c.wait_with_output()
            })
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{files:?}: dot said {err}");
        assert!(err.trim().is_empty(), "{files:?}: dot warned {err}");
        assert!(String::from_utf8_lossy(&out.stdout).contains("<svg"));
    }
}

#[test]
fn mermaid_and_svg_say_the_marks_in_words_and_repeat_exactly() {
    for (l, r) in PAIRS {
        let m = graph("mermaid", &[l, r]);
        assert!(m.starts_with("flowchart TD\n"), "{m}");
        assert_eq!(m, graph("mermaid", &[l, r]));
        let svg = graph("svg", &[l, r]);
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 "));
        assert!(svg.trim_end().ends_with("</svg>"));
        assert!(
            !svg.contains("<script") && !svg.contains("href"),
            "standalone, no script"
        );
        assert_eq!(
            svg,
            graph("svg", &[l, r]),
            "the same input gives the same SVG"
        );
        for text in [&m, &svg] {
            assert!(
                ["lost chains", "lost layers", "inputs changed"]
                    .iter()
                    .any(|w| text.contains(w)),
                "{l}: the change in words"
            );
        }
    }
    // The default is Mermaid; one input is drawn alone.
    cachelens()
        .arg("graph")
        .arg(real("inline-rebuilds/2/config.json"))
        .assert()
        .code(0)
        .stdout(
            predicate::str::starts_with("flowchart TD\n").and(predicate::str::contains("result")),
        );
}

#[test]
fn inputs_are_read_as_diff_reads_them() {
    // Standard input, and a cache export folder beside the same cache from a registry.
    let bytes = std::fs::read(real("inline-rebuilds/3/config.json")).unwrap();
    let piped = cachelens()
        .args(["graph", "--format", "svg", "-"])
        .write_stdin(bytes)
        .output()
        .unwrap();
    assert_eq!(piped.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(piped.stdout).unwrap(),
        graph("svg", &["inline-rebuilds/3/config.json"])
    );
    cachelens()
        .args(["graph", "--format", "dot"])
        .arg(real("buildkit-0.25/archives/tiny.local-cache"))
        .arg(real(
            "buildkit-0.25/archives/tiny.registry-cacheconfig.json",
        ))
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("digraph cache {"));
    // Two image archives: their configs' inline caches (or none: trouble, said).
    cachelens()
        .args(["graph"])
        .arg(real("archives/tiny.oci.tar"))
        .arg(real("archives/tiny.docker.tar"))
        .assert()
        .code(predicate::in_iter([0, 2]));
}

#[test]
fn trouble_is_exit_status_2_and_says_why() {
    cachelens()
        .args(["graph"])
        .arg(real("inline-rebuilds/2/manifest.json"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("holds no build cache"));
    cachelens()
        .args(["graph"])
        .arg(real("inline-rebuilds/2/config.json"))
        .arg(real("inline-rebuilds/2/manifest.json"))
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("manifest.json")
                .and(predicate::str::contains("holds no build cache")),
        );
    cachelens()
        .args(["graph"])
        .arg(real("archives/tiny.oci.tar"))
        .arg(real("inline-rebuilds/2/config.json"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is an image archive and"));
    cachelens()
        .args(["graph", "--format", "png"])
        .arg(real("inline-rebuilds/2/config.json"))
        .assert()
        .code(2);
}

#[test]
fn groups_fold_and_open_by_key() {
    // With a budget of 40 nodes the 170-record pair folds; opening a group draws more records.
    let files = ["wide-rebuilds/2/config.json", "wide-rebuilds/3/config.json"];
    let run = |open: &[&str]| {
        let mut c = cachelens();
        c.args(["graph", "--format", "dot", "--max-nodes", "40"]);
        for g in open {
            c.args(["--open", g]);
        }
        let out = c.args(files.iter().map(|f| real(f))).output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        String::from_utf8(out.stdout).unwrap()
    };
    let folded = run(&[]);
    let nodes = |t: &str| t.lines().filter(|l| l.contains("[label=")).count();
    assert!(nodes(&folded) <= 40);
    let group = folded
        .lines()
        .find_map(|l| {
            l.split("tooltip=\"")
                .nth(1)?
                .strip_suffix("\"];")
                .filter(|k| k.starts_with("group:"))
        })
        .expect("a folded group")
        .to_owned();
    let opened = run(&[&group]);
    assert_ne!(opened, folded);
    assert!(nodes(&opened) <= 40);
}
