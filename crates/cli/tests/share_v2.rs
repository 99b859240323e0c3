//! Share links v2 on the command line (issue 20): `link` makes v2 links; `--changes-only`,
//! `--cache-only` and `--bundle FILE`; a link over 8,192 bytes names the smaller ways with their
//! sizes; `series --link` makes a series link; `diff --link` opens v1 and v2 links, bundle files
//! and changes-only links.

use assert_cmd::Command;
use cachelens_core::share::{self, Shared};
use predicates::prelude::*;
use std::path::{Path, PathBuf};

fn real(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/real-buildkit")
        .join(rel)
}

fn cachelens() -> Command {
    let mut c = Command::cargo_bin("cachelens").unwrap();
    c.env_remove("CACHELENS_BASE_URL").env("NO_COLOR", "1");
    c
}

fn stdout(c: &mut Command) -> String {
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn wide(n: u32) -> PathBuf {
    real(&format!("wide-rebuilds/{n}/config.json"))
}

#[test]
fn a_link_over_8k_says_so_and_offers_changes_only_cache_only_and_a_bundle_with_their_sizes() {
    let out = cachelens()
        .args(["link", "--base", "https://viewer.example/"])
        .arg(wide(2))
        .arg(wide(3))
        .output()
        .unwrap();
    assert!(out.status.success());
    let link = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        link.starts_with("https://viewer.example/#v2."),
        "{link:.40}"
    );
    assert!(link.len() > share::LINK_WARN_BYTES, "{}", link.len());
    assert!(
        err.contains(&format!("the link is {} bytes", link.len())),
        "{err}"
    );
    // Each alternative with the size it has when made.
    let changes = stdout(
        cachelens()
            .args([
                "link",
                "--changes-only",
                "--base",
                "https://viewer.example/",
            ])
            .arg(wide(2))
            .arg(wide(3)),
    );
    let cache = stdout(
        cachelens()
            .args(["link", "--cache-only", "--base", "https://viewer.example/"])
            .arg(wide(2))
            .arg(wide(3)),
    );
    let dir = tempdir();
    let bundle = dir.join("wide.cachelens");
    cachelens()
        .args(["link", "--bundle"])
        .arg(&bundle)
        .arg(wide(2))
        .arg(wide(3))
        .assert()
        .success()
        .stdout("");
    let bundle_len = std::fs::metadata(&bundle).unwrap().len();
    for line in [
        format!(
            "--changes-only   a link of the changes only (read-only): {} bytes",
            changes.len()
        ),
        format!(
            "--cache-only     a link of only the decoded caches: {} bytes",
            cache.len()
        ),
        format!("--bundle FILE    a bundle file of the whole share: {bundle_len} bytes"),
    ] {
        assert!(err.contains(&line), "{line}\n{err}");
    }
    assert!(changes.len() < share::LINK_WARN_BYTES);
    // The three open again, the pair and the bundle as the same diff as the files.
    for opened in [link.as_str(), bundle.to_str().unwrap()] {
        let out = cachelens()
            .args(["diff", "--format", "json", "--link", opened])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            j["changes"].as_array().map(Vec::len),
            Some(2),
            "{opened:.40}"
        );
        assert_eq!(
            j["right"]["digest"],
            cachelens_core::Digest::sha256(&std::fs::read(wide(3)).unwrap()).to_string()
        );
    }
    let Ok(Shared::Pair(p)) = share::decode_shared(&cache) else {
        panic!("the cache-only link is a pair");
    };
    assert!(p.left.bytes.starts_with(b"["), "a decoded cache");
}

/// A fresh folder under the target directory (no tempfile dependency).
fn tempdir() -> PathBuf {
    let d =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("share-v2-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn a_changes_only_link_opens_read_only_with_both_digests_and_the_diagnosis() {
    let (l, r) = (
        real("inline-rebuilds/2/config.json"),
        real("inline-rebuilds/3/config.json"),
    );
    let link = stdout(cachelens().args(["link", "--changes-only"]).arg(&l).arg(&r));
    assert!(link.contains("#v2."), "{link:.40}");
    let out = cachelens()
        .args(["diff", "--link", &link])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "different");
    let text = String::from_utf8(out.stdout).unwrap();
    let digest = |p: &Path| cachelens_core::Digest::sha256(&std::fs::read(p).unwrap()).to_string();
    for want in [
        "Different: only moby.buildkit.cache.v0 differs; 1 record lost its chains.",
        "read-only",
        &digest(&l),
        &digest(&r),
        "1 change",
        "- /moby.buildkit.cache.v0/records/",
        "diagnosis: Results vanished from the inline cache",
    ] {
        assert!(text.contains(want), "{want}\n{text}");
    }
    // As JSON too.
    let out = cachelens()
        .args(["diff", "--format", "json", "--link", &link])
        .output()
        .unwrap();
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["left"]["digest"], digest(&l));
    assert_eq!(j["diagnoses"][0]["id"], "inline-results-vanished");
}

#[test]
fn series_link_carries_every_input_in_order_and_diff_says_it_is_a_series() {
    let files: Vec<PathBuf> = (1..=8)
        .map(|i| real(&format!("inline-rebuilds/{i}/config.json")))
        .collect();
    let link = stdout(cachelens().args(["series", "--link"]).args(&files));
    assert!(link.contains("#v2."), "{link:.40}");
    let Ok(Shared::Series(s)) = share::decode_shared(&link) else {
        panic!("a series link");
    };
    assert_eq!(s.inputs.len(), 8);
    for ((name, bytes), f) in s.inputs.iter().zip(&files) {
        assert_eq!(bytes, &std::fs::read(f).unwrap());
        assert!(name.ends_with("config.json"), "{name}");
    }
    cachelens()
        .args(["diff", "--link", &link])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("a series of 8 inputs"));
}

#[test]
fn v1_links_and_files_holding_links_still_open() {
    let v1 = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/fixtures/v1-link.txt"),
    )
    .unwrap();
    cachelens()
        .args(["diff", "--link", v1.trim()])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "sha256:015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862",
        ));
    // A text file holding a link opens like the link.
    let dir = tempdir();
    let file = dir.join("link.txt");
    std::fs::write(&file, &v1).unwrap();
    cachelens()
        .args(["diff", "--link"])
        .arg(&file)
        .assert()
        .code(1);
}
