//! `cachelens diff --left-image/--right-image`: a cache config's records named by the steps of
//! an image of the same build (v0.25 `registry-cache/N/image/`), on real BuildKit output.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn real(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/real-buildkit")
        .join(rel)
}

#[test]
fn a_cache_config_is_named_through_the_image_beside_it() {
    let dir = real("buildkit-0.25/registry-cache/1");
    let config: Value =
        serde_json::from_slice(&std::fs::read(dir.join("image/config.json")).unwrap()).unwrap();
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(dir.join("image/manifest.json")).unwrap()).unwrap();
    // The record whose result ends with the image's last layer loses its results.
    let last_blob = manifest["layers"].as_array().unwrap().last().unwrap()["digest"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut cache: Value =
        serde_json::from_slice(&std::fs::read(dir.join("cacheconfig.json")).unwrap()).unwrap();
    let layers = cache["layers"].as_array().unwrap().clone();
    let pos = layers
        .iter()
        .position(|l| l["blob"] == last_blob.as_str())
        .unwrap();
    let rec = cache["records"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| {
            r["layers"]
                .as_array()
                .is_some_and(|rs| rs.iter().any(|x| x["layer"] == pos))
        })
        .unwrap();
    rec.as_object_mut().unwrap().remove("layers");
    let tmp = tempfile::tempdir().unwrap();
    let right = tmp.path().join("cacheconfig.json");
    std::fs::write(&right, serde_json::to_vec(&cache).unwrap()).unwrap();
    let step = config["history"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|h| h["empty_layer"] != true)
        .unwrap()["created_by"]
        .as_str()
        .unwrap()
        .trim()
        .to_owned();
    let image = dir.join("image");
    let out = Command::cargo_bin("cachelens")
        .unwrap()
        .args(["diff", "--format", "json", "--left-image"])
        .arg(&image)
        .arg("--right-image")
        .arg(&image)
        .arg(dir.join("cacheconfig.json"))
        .arg(&right)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    let changed = &d["cache"]["changed"][0];
    assert_eq!(changed["step"]["text"], step.as_str(), "{changed:#}");
    assert_eq!(changed["step"]["found"], "image-layer");
    assert_eq!(changed["step"]["blob"], last_blob.as_str());
    // Without the image: its position in the chain only, said plainly.
    let out = Command::cargo_bin("cachelens")
        .unwrap()
        .args(["diff"])
        .arg(dir.join("cacheconfig.json"))
        .arg(&right)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("no image of this build at hand to name its step"),
        "{text}"
    );
    // A file that is not an image is refused, saying what it is.
    let out = Command::cargo_bin("cachelens")
        .unwrap()
        .args(["diff", "--left-image"])
        .arg(&right)
        .arg(dir.join("cacheconfig.json"))
        .arg(&right)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("take an image config or manifest"));
}
