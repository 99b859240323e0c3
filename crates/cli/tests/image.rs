//! `cachelens show` and `cachelens diff` on image archives and OCI layout folders, through the
//! real binary: the CI one-liner `show --format json img.tar | jq -r '.images[0].lastLayer.digest'`
//! (moby/buildkit#4854), detection by content, the diff JSON contract, and damaged archives
//! giving exit status 2 with messages that say where.

#[path = "../../core/tests/image_support/mod.rs"]
mod image_support;

use assert_cmd::Command;
use image_support::*;
use predicates::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn cachelens() -> Command {
    let mut c = Command::cargo_bin("cachelens").unwrap();
    c.env_remove("CACHELENS_BASE_URL").env("NO_COLOR", "1");
    c
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// Runs `show --format json` and parses what it prints.
fn show_json(path: &Path) -> (i32, Value, String) {
    let out = cachelens()
        .args(["show", "--format", "json"])
        .arg(path)
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (
        out.status.code().unwrap_or(-1),
        json,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// What `jq -r '.images[0].lastLayer.digest'` would print, and the rest of the image.
fn check_image_json(j: &Value, img: &Img) {
    let i = &j["images"][0];
    let n = img.layers.len();
    assert_eq!(i["lastLayer"]["digest"], sha256(&img.layers[n - 1]));
    assert_eq!(i["lastLayer"]["diffID"], img.diff_ids[n - 1]);
    assert_eq!(i["lastLayer"]["chainID"], img.chain_ids()[n - 1]);
    assert_eq!(i["lastLayer"]["size"], img.layers[n - 1].len());
    assert_eq!(i["manifest"]["digest"], sha256(&img.manifest));
    assert_eq!(i["config"]["digest"], sha256(&img.config));
    assert_eq!(i["config"]["size"], img.config.len());
    assert_eq!(i["platform"], img.platform());
    for (k, l) in img.layers.iter().enumerate() {
        assert_eq!(i["layers"][k]["digest"], sha256(l));
        assert_eq!(i["layers"][k]["size"], l.len());
        assert_eq!(i["diffIDs"][k], img.diff_ids[k]);
        assert_eq!(i["chainIDs"][k], img.chain_ids()[k]);
    }
    assert_eq!(j["problems"], serde_json::json!([]));
}

#[test]
fn show_json_gives_the_last_layer_digest() {
    let dir = tempfile::tempdir().unwrap();
    let img = Img::new(&Spec {
        layers: 5,
        cache: Some(inline_cache(5, None)),
        ..Spec::default()
    });
    let path = write(dir.path(), "img.tar", &tar(&single_oci(&img, "latest")));
    let (code, j, stderr) = show_json(&path);
    assert_eq!(code, 0, "{stderr}");
    check_image_json(&j, &img);
    assert_eq!(j["kind"], "oci-archive");
    assert_eq!(j["images"][0]["refName"], "latest");
    assert_eq!(j["images"][0]["config"]["caches"][0]["records"], 5);
    // Text for people.
    cachelens()
        .arg("show")
        .arg(&path)
        .assert()
        .success()
        .stdout(
            predicate::str::contains("archive: oci-archive")
                .and(predicate::str::contains(format!(
                    "last layer: {}",
                    sha256(&img.layers[4])
                )))
                .and(predicate::str::contains("[verified]")),
        );
}

#[test]
fn show_reads_an_oci_layout_folder() {
    let dir = tempfile::tempdir().unwrap();
    let img = Img::new(&Spec::default());
    let layout = dir.path().join("layout");
    for (p, bytes) in single_oci(&img, "latest") {
        let path = layout.join(&p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    let (code, j, stderr) = show_json(&layout);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(j["kind"], "oci-layout");
    check_image_json(&j, &img);
    // The folder holding the layout is not one; the error says where the layout is.
    cachelens()
        .arg("show")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("neither index.json")
                .and(predicate::str::contains("found layout/index.json")),
        );
}

#[test]
fn show_reads_multi_platform_and_docker_save_archives() {
    let dir = tempfile::tempdir().unwrap();
    let amd = Img::new(&Spec::default());
    let arm = Img::new(&Spec {
        platform: "linux/arm64/v8",
        seed: 9,
        ..Spec::default()
    });
    let (files, _) = multi_oci(&[&amd, &arm], "v1");
    let (code, j, _) = show_json(&write(dir.path(), "multi.tar", &tar(&files)));
    assert_eq!(code, 0);
    assert_eq!(j["images"].as_array().unwrap().len(), 2);
    assert_eq!(j["images"][1]["platform"], "linux/arm64/v8");
    assert_eq!(
        j["images"][1]["lastLayer"]["digest"],
        sha256(&arm.layers[2])
    );
    assert_eq!(j["attestations"].as_array().unwrap().len(), 1);

    let mut rng = Rng::new(4);
    let layers: Vec<Vec<u8>> = (0..2).map(|_| rng.bytes(4000)).collect();
    let config = docker_config(&layers, "A=1");
    let saved = tar(&docker_save(&[(&config, &layers, "app:1")]));
    let (code, j, _) = show_json(&write(dir.path(), "saved.tar", &saved));
    assert_eq!(code, 0);
    assert_eq!(j["kind"], "docker-archive");
    assert_eq!(j["images"][0]["manifest"], Value::Null);
    assert_eq!(j["images"][0]["repoTags"][0], "app:1");
    assert_eq!(j["images"][0]["config"]["digest"], sha256(&config));
    assert_eq!(j["images"][0]["lastLayer"]["digest"], sha256(&layers[1]));
    assert_eq!(j["images"][0]["lastLayer"]["diffID"], sha256(&layers[1]));
}

#[test]
fn archives_are_told_by_content_not_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let img = Img::new(&Spec::default());
    let (code, j, _) = show_json(&write(
        dir.path(),
        "looks-like.json",
        &tar(&single_oci(&img, "x")),
    ));
    assert_eq!(code, 0);
    assert_eq!(
        j["images"][0]["lastLayer"]["digest"],
        sha256(&img.layers[2])
    );
    // A config named .tar is still a config.
    let (code, j, _) = show_json(&write(dir.path(), "config.tar", &img.config));
    assert_eq!(code, 0);
    assert_eq!(j["kind"], "image-config");
    // Standard input too (read into memory: it cannot seek).
    let out = cachelens()
        .args(["show", "--format", "json", "-"])
        .write_stdin(tar(&single_oci(&img, "x")))
        .output()
        .unwrap();
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        j["images"][0]["lastLayer"]["digest"],
        sha256(&img.layers[2])
    );
}

#[test]
fn diff_two_archives_keeps_the_json_contract() {
    let dir = tempfile::tempdir().unwrap();
    let spec = Spec {
        cache: Some(inline_cache(3, None)),
        ..Spec::default()
    };
    let a = Img::new(&spec);
    let b = Img::new(&Spec {
        cache: Some(inline_cache(3, Some(1))),
        ..spec
    });
    let c = Img::new(&Spec {
        env: "APP=2",
        ..Spec::default()
    });
    let pa = write(dir.path(), "a.tar", &tar(&single_oci(&a, "latest")));
    let mut files = single_oci(&a, "latest");
    files.reverse();
    let pa2 = write(dir.path(), "a-again.tar", &tar(&files));
    let pb = write(dir.path(), "b.tar", &tar(&single_oci(&b, "latest")));
    let pc = write(dir.path(), "c.tar", &tar(&single_oci(&c, "latest")));
    let run = |l: &Path, r: &Path, flags: &[&str]| {
        let out = cachelens()
            .args(["diff", "--format", "json"])
            .args(flags)
            .arg(l)
            .arg(r)
            .output()
            .unwrap();
        let j: Value = serde_json::from_slice(&out.stdout).unwrap();
        (out.status.code().unwrap(), j)
    };
    let (code, j) = run(&pa, &pa2, &[]);
    assert_eq!((code, j["verdict"].as_str()), (0, Some("identical")));
    for key in ["verdict", "left", "right", "changes", "warnings"] {
        assert!(j.get(key).is_some(), "no {key}");
    }
    assert_eq!(j["left"]["kind"], "image-manifest");
    assert_eq!(j["left"]["digest"], sha256(&a.manifest));
    let (code, j) = run(&pa, &pb, &[]);
    assert_eq!((code, j["verdict"].as_str()), (1, Some("different")));
    assert_eq!(j["attribution"]["onlyCacheDiffers"], true);
    assert!(
        j["headline"]
            .as_str()
            .unwrap()
            .contains("only moby.buildkit.cache.v0 differs")
    );
    let (code, j) = run(&pa, &pb, &["--ignore-cache"]);
    assert_eq!((code, j["verdict"].as_str()), (0, Some("equivalent")));
    let (code, j) = run(&pa, &pc, &[]);
    assert_eq!(code, 1);
    let paths: Vec<&str> = j["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"/config/Env/1"), "{paths:?}");
    // Text, as for configs.
    cachelens()
        .arg("diff")
        .arg(&pa)
        .arg(&pc)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("@ replace /config/Env/1"));
    // An archive against a JSON document is refused, saying why.
    cachelens()
        .arg("diff")
        .arg(&pa)
        .arg(write(dir.path(), "config.json", &a.config))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is an image archive and"));
}

#[test]
fn damaged_archives_exit_2_and_say_where() {
    let dir = tempfile::tempdir().unwrap();
    let img = Img::new(&Spec::default());
    // A missing config: everything else is still shown, the problem named, exit 2. (An absent
    // layer blob is no damage: see real_builds.rs.)
    let mut files = single_oci(&img, "latest");
    let gone = blob_path(&img.config);
    files.retain(|f| f.0 != gone);
    let p = write(dir.path(), "missing.tar", &tar(&files));
    let (code, j, stderr) = show_json(&p);
    assert_eq!(code, 2);
    assert_eq!(j["images"][0]["config"]["check"]["digest"], "missing");
    assert_eq!(
        j["images"][0]["layers"].as_array().unwrap().len(),
        img.layers.len()
    );
    let problem = j["problems"][0].as_str().unwrap();
    assert!(problem.contains(&format!("{gone:?}: missing")), "{problem}");
    assert!(stderr.contains(&gone) && stderr.contains("damaged or incomplete (1 problem)"));
    cachelens()
        .arg("diff")
        .arg(&p)
        .arg(&p)
        .assert()
        .code(2)
        .stdout(predicate::str::contains("warning:").and(predicate::str::contains(&gone)));
    // A missing layer blob: exit 0, "not present".
    let mut files = single_oci(&img, "latest");
    files.retain(|f| f.0 != blob_path(&img.layers[0]));
    let p = write(dir.path(), "partial.tar", &tar(&files));
    let (code, j, _) = show_json(&p);
    assert_eq!(code, 0);
    assert_eq!(
        j["images"][0]["layers"][0]["check"]["digest"],
        "not present (not needed to read the image)"
    );
    // Truncated, unsafe names, sizes past the end: nothing to show, the reason on stderr.
    let whole = tar(&single_oci(&img, "latest"));
    let header = entry_ranges(&whole)
        .into_iter()
        .find(|(n, _)| n == "index.json")
        .map(|(_, r)| r.start as usize - 512)
        .unwrap();
    let cut = write(dir.path(), "cut.tar", &whole[..header + 100]);
    let mut evil = whole[..whole.len() - 1024].to_vec();
    let mut h = ::tar::Header::new_gnu();
    h.as_old_mut().name[..9].copy_from_slice(b"../escape");
    h.set_size(1 << 30);
    h.set_cksum();
    evil.extend_from_slice(h.as_bytes());
    evil.extend_from_slice(&[0; 1024]);
    let evil = write(dir.path(), "evil.tar", &evil);
    let mut big = whole[..whole.len() - 1024].to_vec();
    h.as_old_mut().name[..9].copy_from_slice(b"blobs/big");
    h.set_cksum();
    big.extend_from_slice(h.as_bytes());
    big.extend_from_slice(&[0; 1024]);
    let big = write(dir.path(), "big.tar", &big);
    for (path, says) in [
        (&cut, "ends inside a tar header"),
        (&evil, "\"../escape\" (header at byte"),
        (&big, "runs past the end of the archive"),
    ] {
        cachelens()
            .args(["show"])
            .arg(path)
            .assert()
            .code(2)
            .stdout("")
            .stderr(
                predicate::str::contains(path.display().to_string())
                    .and(predicate::str::contains(says)),
            );
    }
}

#[test]
fn canon_and_link_on_archives() {
    let dir = tempfile::tempdir().unwrap();
    let img = Img::new(&Spec::default());
    let p = write(dir.path(), "img.tar", &tar(&single_oci(&img, "latest")));
    let out = cachelens().arg("canon").arg(&p).output().unwrap();
    assert!(out.status.success());
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["layers"][0]["digest"], sha256(&img.layers[0]));
    assert_eq!(doc["rootfs"]["diff_ids"][2], img.diff_ids[2]);
    cachelens()
        .arg("link")
        .arg(&p)
        .arg(&p)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is an image archive"));
}
