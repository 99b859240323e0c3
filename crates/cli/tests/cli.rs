//! The command line's contract: exit codes like diff(1), standard input, errors that say where,
//! `canon`, `show`, and share links that round-trip.

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::{Path, PathBuf};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(rel)
}

fn cachelens() -> Command {
    let mut c = Command::cargo_bin("cachelens").unwrap();
    c.env_remove("CACHELENS_BASE_URL").env("NO_COLOR", "1");
    c
}

#[test]
fn exit_codes_follow_diff() {
    let s = |c: &str, side: &str| fixture(&format!("scenarios/{c}/{side}.json"));
    // identical
    cachelens()
        .args(["diff"])
        .arg(s("env-change", "left"))
        .arg(s("env-change", "left"))
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("Identical"));
    // equivalent
    cachelens()
        .args(["diff"])
        .arg(s("tie-renumber", "left"))
        .arg(s("tie-renumber", "right"))
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("Equivalent"));
    // different
    cachelens()
        .args(["diff"])
        .arg(s("env-change", "left"))
        .arg(s("env-change", "right"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains("@ replace /config/Env/1"));
    // trouble: unreadable input, with where
    cachelens()
        .args(["diff"])
        .arg(s("not-json", "left"))
        .arg(s("not-json", "right"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("right: invalid JSON at line 3"));
    cachelens()
        .args(["diff", "/nonexistent/a.json"])
        .arg(s("env-change", "left"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read /nonexistent/a.json"));
    // usage errors are 2 too
    cachelens()
        .args(["diff", "--format", "yaml", "a", "b"])
        .assert()
        .code(2);
    cachelens()
        .args(["diff", "--ignore", "no-slash", "a", "b"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("JSON Pointer"));
}

#[test]
fn standard_input_is_either_side() {
    let left = fixture("scenarios/env-change/left.json");
    let right = std::fs::read(fixture("scenarios/env-change/right.json")).unwrap();
    cachelens()
        .args(["diff", "--format", "json"])
        .arg(&left)
        .arg("-")
        .write_stdin(right.clone())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("\"verdict\": \"different\""));
    cachelens()
        .args(["diff", "-"])
        .arg(&left)
        .write_stdin(right)
        .assert()
        .code(1);
    cachelens()
        .args(["diff", "-", "-"])
        .write_stdin("{}")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("only one side"));
}

#[test]
fn options_change_the_verdict() {
    let d = fixture("scenarios/timestamps-only");
    cachelens()
        .arg("diff")
        .arg(d.join("left.json"))
        .arg(d.join("right.json"))
        .assert()
        .code(1);
    cachelens()
        .args(["diff", "--ignore-timestamps"])
        .arg(d.join("left.json"))
        .arg(d.join("right.json"))
        .assert()
        .code(0)
        .stdout(predicate::str::contains("once timestamps are ignored"));
    let d = fixture("scenarios/chains-vanish");
    cachelens()
        .args(["diff", "--ignore-cache"])
        .arg(d.join("left.json"))
        .arg(d.join("right.json"))
        .assert()
        .code(0);
    cachelens()
        .args(["diff", "--ignore", "/moby.buildkit.cache.v0"])
        .arg(d.join("left.json"))
        .arg(d.join("right.json"))
        .assert()
        .code(0);
    let d = fixture("scenarios/env-change");
    cachelens()
        .args(["diff", "--ignore", "/config/Env"])
        .arg(d.join("left.json"))
        .arg(d.join("right.json"))
        .assert()
        .code(0);
}

#[test]
fn markdown_and_json_formats() {
    let d = fixture("scenarios/chains-vanish");
    cachelens()
        .args(["diff", "--format", "markdown"])
        .arg(d.join("left.json"))
        .arg(d.join("right.json"))
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("### cachelens: different")
                .and(predicate::str::contains("| sha256:").not())
                .and(predicate::str::contains("`sha256:"))
                // The graph of what changed is drawn for the Markdown report (only).
                .and(predicate::str::contains("```mermaid")),
        );
    let out = cachelens()
        .args(["diff", "--format", "json"])
        .arg(d.join("left.json"))
        .arg(d.join("right.json"))
        .output()
        .unwrap();
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["left"]["kind"], "image-config");
    assert!(j["left"]["digest"].as_str().unwrap().starts_with("sha256:"));
    assert_eq!(j["attribution"]["onlyCacheDiffers"], true);
    assert_eq!(j["changes"][0]["op"], "remove");
    assert!(j["changes"][0]["old"].is_array());
}

#[test]
fn canon_prints_the_canonical_document() {
    let a = cachelens()
        .arg("canon")
        .arg(fixture(
            "real/gitlab-buildkit-index-as-manifest-list.cacheconfig.46a53c52.json",
        ))
        .output()
        .unwrap();
    let b = cachelens()
        .arg("canon")
        .arg(fixture("real/synthetic-renumbered-of-46a53c52.json"))
        .output()
        .unwrap();
    assert!(a.status.success());
    assert_eq!(a.stdout, b.stdout);
    let text = String::from_utf8(a.stdout).unwrap();
    assert!(text.starts_with("{\n  \"layers\": {"));
    // Idempotent through the CLI too.
    cachelens()
        .arg("canon")
        .arg("-")
        .write_stdin(text.clone())
        .assert()
        .success()
        .stdout(text);
    // A broken cache inside a config: printed anyway, the problem on stderr.
    cachelens()
        .arg("canon")
        .arg(fixture("scenarios/bad-base64/right.json"))
        .assert()
        .success()
        .stderr(predicate::str::contains("invalid base64 at character 14"));
}

#[test]
fn show_describes_one_input() {
    cachelens()
        .arg("show")
        .arg(fixture("scenarios/manifest-last-layer/right.json"))
        .assert()
        .success()
        .stdout(
            predicate::str::contains("kind:    image-manifest")
                .and(predicate::str::contains("layers:  4")),
        );
    let out = cachelens()
        .args(["show", "--format", "json"])
        .arg(fixture("scenarios/manifest-last-layer/right.json"))
        .output()
        .unwrap();
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(fixture("scenarios/manifest-last-layer/right.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(j["lastLayer"]["digest"], manifest["layers"][3]["digest"]);
    let out = cachelens()
        .args(["show", "--format", "json"])
        .arg(fixture("scenarios/chains-vanish/left.json"))
        .output()
        .unwrap();
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["caches"][0]["records"], 13);
    assert_eq!(j["caches"][0]["withChains"], 1);
    assert_eq!(j["layers"].as_array().unwrap().len(), 8);
}

#[test]
fn link_round_trips_through_diff_link() {
    let d = fixture("scenarios/shift-and-drop");
    let out = cachelens()
        .args([
            "link",
            "--base",
            "https://viewer.example/cachelens/",
            "--ignore-timestamps",
        ])
        .arg(d.join("left.json"))
        .arg(d.join("right.json"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let link = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(
        link.starts_with("https://viewer.example/cachelens/#v2."),
        "{link}"
    );
    let via_link = cachelens()
        .args(["diff", "--format", "json", "--link", &link])
        .output()
        .unwrap();
    let direct = cachelens()
        .args(["diff", "--format", "json", "--ignore-timestamps"])
        .arg(d.join("left.json"))
        .arg(d.join("right.json"))
        .output()
        .unwrap();
    assert_eq!(via_link.status.code(), Some(1));
    let (a, b): (serde_json::Value, serde_json::Value) = (
        serde_json::from_slice(&via_link.stdout).unwrap(),
        serde_json::from_slice(&direct.stdout).unwrap(),
    );
    assert_eq!(a["changes"], b["changes"]);
    assert_eq!(a["left"]["digest"], b["left"]["digest"]);
    assert_eq!(a["options"]["ignoreTimestamps"], true);
    cachelens()
        .args(["diff", "--link", "https://x.example/#v1.AAAA"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--link"));
    // A link whose ignore pointer is not a pointer is refused, as in the page: the comparison
    // is not made with the pointer left out.
    let bad = std::fs::read_to_string(fixture("share/bad-ignore-pointer.txt")).unwrap();
    cachelens()
        .args(["diff", "--link", bad.trim()])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(
            "--link: ignore pointer \"created\" (byte",
        ));
}

#[test]
fn link_can_redact_env_and_labels() {
    let d = fixture("scenarios/env-change");
    let out = cachelens()
        .args(["link", "--redact"])
        .arg(d.join("left.json"))
        .arg(d.join("right.json"))
        .output()
        .unwrap();
    let link = String::from_utf8(out.stdout).unwrap();
    let p = cachelens_core::share::payload_from_link(link.trim()).unwrap();
    let text = String::from_utf8(p.left.bytes).unwrap();
    assert!(
        !text.contains("APP_ENV=prod") && text.contains("APP_ENV=\\u003credacted\\u003e"),
        "{text}"
    );
    assert_eq!(
        p.left
            .redacted
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["/config/Env/0", "/config/Env/1"]
    );
    // Redacted together, the two sides still differ where the originals did.
    let right = String::from_utf8(p.right.bytes).unwrap();
    assert!(
        right.contains("APP_ENV=\\u003credacted-2\\u003e"),
        "{right}"
    );
    cachelens()
        .args(["diff", "--link", link.trim()])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("@ replace /config/Env/1"));
    // The original digest travels, so a reader can tell it was redacted data.
    assert_eq!(
        p.left.original_digest.unwrap(),
        cachelens_core::Digest::sha256(&std::fs::read(d.join("left.json")).unwrap()).to_string()
    );
}

#[test]
fn two_exports_of_one_real_image_are_equivalent_with_their_index_entries_in_notes() {
    // What BuildKit v0.13 and v0.25 wrote for one build: type=oci (a tar) and tar=false (a
    // folder). The same manifest; the index.json entries differ (export time, tag).
    for (set, created) in [
        (
            "archives",
            Some("org.opencontainers.image.created 2026-12-01T19:17:31Z → 2026-12-01T19:17:32Z; "),
        ),
        ("buildkit-0.25/archives", None),
    ] {
        let dir = fixture(&format!("real-buildkit/{set}"));
        let out = cachelens()
            .args(["diff"])
            .arg(dir.join("tiny.oci.tar"))
            .arg(dir.join("tiny.oci-layout"))
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert_eq!(out.status.code(), Some(0), "{set}: {text}");
        let first = text.lines().next().unwrap();
        assert!(
            first.starts_with("Equivalent: the same image (manifest sha256:")
                && first.contains("only the archives' index entries differ"),
            "{set}: {first}"
        );
        assert!(!text.contains("same bytes"), "{set}: {text}");
        assert!(!text.contains("\n@ "), "{set}: no change is listed: {text}");
        let note = format!(
            "note: The archives' index.json entries differ (set aside, not changes: they describe the export, not the image): {}org.opencontainers.image.ref.name added \"latest\".",
            created.unwrap_or_default()
        );
        assert!(text.contains(&note), "{set}: {text}");
        // The JSON contract: verdict equivalent, no change, what was set aside.
        let out = cachelens()
            .args(["diff", "--format", "json"])
            .arg(dir.join("tiny.oci.tar"))
            .arg(dir.join("tiny.oci-layout"))
            .output()
            .unwrap();
        let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(j["verdict"], "equivalent", "{set}");
        assert_eq!(j["changes"].as_array().map(Vec::len), Some(0), "{set}");
        let set_aside = j["setAside"].as_array().unwrap();
        assert_eq!(set_aside.len(), 1 + usize::from(created.is_some()), "{set}");
        assert!(set_aside.iter().any(|c| c["op"] == "add"
            && c["path"] == "/descriptor/annotations/org.opencontainers.image.ref.name"
            && c["value"] == "latest"));
    }
}

#[test]
fn words_are_not_an_inline_cache_value() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.txt");
    let b = dir.path().join("b.txt");
    std::fs::write(&a, "hello there garbage text\n").unwrap();
    std::fs::write(&b, "some more garbage words\n").unwrap();
    cachelens()
        .args(["diff"])
        .arg(&a)
        .arg(&b)
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(
            "a.txt: left: not JSON (line 1, column 1: expected value), and not a base64 inline cache value: invalid base64 at character 23: 21 base64 characters cannot be a whole number of bytes (truncated?). cachelens reads JSON (",
        ))
        .stderr(predicate::str::contains("the bare moby.buildkit.cache.v0 value (base64 of JSON"));
    // A bare value that is base64 of JSON is read as one.
    std::fs::write(&b, "W3siZGlnZXN0IjoieCJ9XQ==\n").unwrap();
    cachelens()
        .args(["show"])
        .arg(&b)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("inline-cache"))
        // Counts in the right number.
        .stdout(predicate::str::contains(
            "1 record (1 root, 0 with layers, 0 with chains), 0 links",
        ));
}

#[test]
fn a_manifest_against_its_config_says_the_kinds_differ_and_what_to_compare() {
    let r = |n: &str| fixture(&format!("real-buildkit/inline-rebuilds/1/{n}"));
    let out = cachelens()
        .args(["diff", "--format", "json"])
        .arg(r("manifest.json"))
        .arg(r("config.json"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["kinds"]["left"], "image-manifest");
    assert_eq!(j["kinds"]["right"], "image-config");
    assert_eq!(j["kinds"]["relation"], "left-names-right");
    let headline = j["headline"].as_str().unwrap();
    assert!(
        headline.starts_with("Different kinds: an image manifest and an image config; the manifest names this config (sha256:"),
        "{headline}"
    );
    cachelens()
        .args(["diff", "--format", "markdown"])
        .arg(r("manifest.json"))
        .arg(r("config.json"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains("Different kinds:"))
        .stdout(predicate::str::contains(
            "compare this config with the other build's config",
        ));
}

#[test]
fn an_archive_against_its_own_config_says_the_config_is_part_of_it() {
    let a = fixture("real-buildkit/archives");
    let config = a.join(
        "tiny.oci-layout/blobs/sha256/560c67d6453945b038039129c4e8eb41fca7abfef9552e4561ed3f73d77aeac0",
    );
    cachelens()
        .args(["diff"])
        .arg(a.join("tiny.oci.tar"))
        .arg(&config)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "is the config of image 1 (linux/amd64) in it (sha256:560c67d6453945b038039129c4e8eb41fca7abfef9552e4561ed3f73d77aeac0), part of the same image, not another version of it",
        ));
}
