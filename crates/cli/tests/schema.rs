//! The published JSON Schema of `cachelens diff --format json` (docs/schema/diff-report.v1.schema.json)
//! holds every output: each scenario, real BuildKit pairs of every kind (configs, cache configs,
//! archives, build records, different kinds), and options; and it rejects what breaks the contract.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn schema() -> jsonschema::Validator {
    let text =
        std::fs::read_to_string(repo().join("docs/schema/diff-report.v1.schema.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

fn report(args: &[&str], left: &Path, right: &Path) -> Option<Value> {
    let out = Command::cargo_bin("cachelens")
        .unwrap()
        .args(["diff", "--format", "json"])
        .args(args)
        .arg(left)
        .arg(right)
        .output()
        .unwrap();
    // Exit 2 (an input that cannot be read) prints no report.
    (out.status.code() != Some(2)).then(|| serde_json::from_slice(&out.stdout).unwrap())
}

fn check(v: &Schema, what: &str, doc: &Value) {
    let errors: Vec<String> =
        v.0.iter_errors(doc)
            .map(|e| format!("{} at {}", e, e.instance_path))
            .collect();
    assert!(errors.is_empty(), "{what}: {errors:#?}");
}

struct Schema(jsonschema::Validator);

#[test]
fn every_output_holds_to_the_schema() {
    let v = Schema(schema());
    let mut pairs: Vec<(Vec<&str>, PathBuf, PathBuf)> = Vec::new();
    let scenarios = repo().join("tests/fixtures/scenarios");
    for e in std::fs::read_dir(&scenarios).unwrap() {
        let dir = e.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        let files: Vec<PathBuf> = {
            let mut f: Vec<PathBuf> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| {
                    let n = p.file_name().unwrap().to_string_lossy().into_owned();
                    n.starts_with("left") || n.starts_with("right")
                })
                .collect();
            f.sort();
            f
        };
        if let [l, r] = &files[..] {
            pairs.push((vec![], l.clone(), r.clone()));
            pairs.push((
                vec!["--ignore-timestamps", "--ignore-cache"],
                l.clone(),
                r.clone(),
            ));
        }
    }
    let real = repo().join("tests/fixtures/real-buildkit");
    for (l, r) in [
        (
            "inline-rebuilds/2/config.json",
            "inline-rebuilds/3/config.json",
        ),
        (
            "inline-rebuilds/3/config.json",
            "inline-rebuilds/4/config.json",
        ),
        ("build-args/v1/config.json", "build-args/v2/config.json"),
        (
            "registry-cache/1/cacheconfig.json",
            "registry-cache/2/cacheconfig.json",
        ),
        (
            "registry-cache/3/cacheconfig.json",
            "registry-cache/4/cacheconfig.json",
        ),
        (
            "buildkit-0.25/inline-rebuilds/1/config.json",
            "buildkit-0.25/inline-rebuilds/2/config.json",
        ),
        (
            "inline-rebuilds/2/manifest.json",
            "inline-rebuilds/2/config.json",
        ),
        ("archives/tiny.oci.tar", "archives/tiny.oci-layout"),
        (
            "archives/tiny.docker-save.tar",
            "buildkit-0.25/archives/tiny.docker-save.tar",
        ),
        (
            "buildkit-0.25/archives/tiny.manifest-root.dockerbuild",
            "buildkit-0.25/archives/tiny.index-root.dockerbuild",
        ),
        (
            "buildkit-0.25/archives/tiny.local-cache",
            "buildkit-0.25/archives/tiny.registry-cacheconfig.json",
        ),
        (
            "link-rebase/A.config.json",
            "link-rebase/all-base-2/A.config.json",
        ),
    ] {
        pairs.push((vec![], real.join(l), real.join(r)));
    }
    assert!(pairs.len() > 20, "{}", pairs.len());
    let mut diagnosed = 0;
    let mut checked = 0;
    for (args, l, r) in &pairs {
        let Some(doc) = report(args, l, r) else {
            assert!(l.starts_with(&scenarios), "{l:?} {r:?}: exit 2");
            continue;
        };
        checked += 1;
        diagnosed += doc["diagnoses"].as_array().map_or(0, Vec::len);
        check(&v, &format!("{l:?} {r:?} {args:?}"), &doc);
    }
    assert!(diagnosed >= 4, "{diagnosed}");
    assert!(checked > 20, "{checked}");
}

#[test]
fn the_schema_rejects_a_broken_report() {
    let v = Schema(schema());
    let real = repo().join("tests/fixtures/real-buildkit");
    let good = report(
        &[],
        &real.join("inline-rebuilds/2/config.json"),
        &real.join("inline-rebuilds/3/config.json"),
    )
    .unwrap();
    check(&v, "the good report", &good);
    for (what, edit) in [
        ("an unknown verdict", ("/verdict", Value::from("same"))),
        (
            "a digest that is not sha256",
            ("/left/digest", Value::from("md5:abc")),
        ),
        (
            "an unknown diagnosis id",
            ("/diagnoses/0/id", Value::from("gremlins")),
        ),
        (
            "a step found some other way",
            ("/cache/changed/0/step/found", Value::from("guessed")),
        ),
        (
            "a replace without its old value",
            ("/changes/0/op", Value::from("replace")),
        ),
    ] {
        let mut bad = good.clone();
        *bad.pointer_mut(edit.0)
            .unwrap_or_else(|| panic!("{}", edit.0)) = edit.1;
        assert!(!v.0.is_valid(&bad), "{what} passed");
    }
    let mut bad = good.clone();
    bad.as_object_mut().unwrap().remove("diagnoses");
    assert!(!v.0.is_valid(&bad), "a missing diagnoses passed");
}
