//! `cachelens series` on real rebuilds (`tests/fixtures/real-buildkit/`, see its README): the
//! groups and transitions of each set in every format, archives, layout folders, cache exports
//! and `.dockerbuild` records, paths from standard input, folders, unreadable inputs, and the
//! published JSON Schema (`docs/schema/series-report.v1.schema.json`) on every output.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn real(rel: &str) -> PathBuf {
    repo().join("tests/fixtures/real-buildkit").join(rel)
}

fn numbered(set: &str, n: std::ops::RangeInclusive<usize>, file: &str) -> Vec<PathBuf> {
    n.map(|i| real(&format!("{set}/{i}/{file}"))).collect()
}

fn cachelens() -> Command {
    let mut c = Command::cargo_bin("cachelens").unwrap();
    c.env_remove("CACHELENS_BASE_URL").env("NO_COLOR", "1");
    c
}

fn run(args: &[&str], inputs: &[PathBuf]) -> (i32, String, String) {
    let out = cachelens()
        .arg("series")
        .args(args)
        .args(inputs)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn validator() -> jsonschema::Validator {
    let read = |name: &str| -> Value {
        serde_json::from_str(
            &std::fs::read_to_string(repo().join("docs/schema").join(name)).unwrap(),
        )
        .unwrap()
    };
    let diff = read("diff-report.v1.schema.json");
    let id = diff["$id"].as_str().unwrap().to_owned();
    jsonschema::options()
        .with_resource(id, jsonschema::Resource::from_contents(diff).unwrap())
        .build(&read("series-report.v1.schema.json"))
        .unwrap()
}

fn check(v: &jsonschema::Validator, what: &str, doc: &Value) {
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:#?}");
}

/// The JSON report, held to the schema, and the exit status.
fn json(args: &[&str], inputs: &[PathBuf]) -> (i32, Value) {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let (code, out, err) = run(&all, inputs);
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    check(&validator(), &format!("{inputs:?}"), &v);
    (code, v)
}

fn groups(v: &Value) -> Vec<Vec<u64>> {
    serde_json::from_value(v["groups"].clone()).unwrap()
}

fn transitions(v: &Value) -> Vec<(u64, u64)> {
    v["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["from"].as_u64().unwrap(), t["to"].as_u64().unwrap()))
        .collect()
}

#[test]
fn inline_rebuilds_in_text_json_and_markdown() {
    let inputs = numbered("inline-rebuilds", 1..=8, "config.json");
    let (code, out, _) = run(&[], &inputs);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("\n  1 2 │ 3 │ 4 5 6 7 8\n"), "{out}");
    assert!(out.contains("\n2→3: Different: "), "{out}");
    assert!(out.contains("\n3→4: Different: "), "{out}");
    assert!(out.contains("diagnosis [inline-results-vanished]"), "{out}");
    assert!(out.contains("  step: `"), "{out}");
    assert!(
        out.contains("groups: A = 1 2; B = 3; C = 4 5 6 7 8"),
        "{out}"
    );

    let (code, v) = json(&[], &inputs);
    assert_eq!(code, 1);
    assert_eq!(v["verdict"], "different");
    assert_eq!(groups(&v), [vec![0, 1], vec![2], vec![3, 4, 5, 6, 7]]);
    assert_eq!(transitions(&v), [(1, 2), (2, 3)]);
    let t = &v["transitions"][0];
    // The same fields as `cachelens diff --format json` of the pair.
    let diff = cachelens()
        .args(["diff", "--format", "json"])
        .args(&inputs[1..3])
        .output()
        .unwrap();
    let diff: Value = serde_json::from_slice(&diff.stdout).unwrap();
    for (k, want) in diff.as_object().unwrap() {
        assert_eq!(&t[k], want, "{k}");
    }
    assert_eq!(t["fromGroup"], 0);
    assert_eq!(t["toGroup"], 1);
    assert_eq!(v["inputs"][2]["group"], 1);
    assert_eq!(v["inputs"][2]["kind"], "image-config");
    let digest = sha256_of(&inputs[2]);
    assert_eq!(v["inputs"][2]["digest"], digest);

    let (code, md, _) = run(&["--format", "markdown"], &inputs);
    assert_eq!(code, 1);
    assert!(md.starts_with("### cachelens series: different\n"), "{md}");
    assert!(md.contains("`1 2 │ 3 │ 4 5 6 7 8`"), "{md}");
    assert!(md.contains("| 3 | B | "), "{md}");
    assert!(md.contains("#### 2→3: Different: "), "{md}");
    assert!(md.contains("<details><summary>"), "{md}");
    assert!(
        md.contains("**Diagnosis** (`inline-results-vanished`)"),
        "{md}"
    );
}

fn sha256_of(p: &Path) -> String {
    use sha2::Digest as _;
    format!(
        "sha256:{:x}",
        sha2::Sha256::digest(std::fs::read(p).unwrap())
    )
}

#[test]
fn every_real_series_of_both_buildkits() {
    for (set, n, file, want_groups, want_transitions, verdict) in [
        (
            "wide-rebuilds",
            6,
            "config.json",
            vec![vec![0, 1], vec![2, 3], vec![4], vec![5]],
            vec![(1, 2), (3, 4), (4, 5)],
            "different",
        ),
        (
            "registry-cache",
            5,
            "cacheconfig.json",
            vec![vec![0], vec![1], vec![2, 3, 4]],
            vec![(0, 1), (1, 2)],
            "different",
        ),
        (
            "buildkit-0.25/inline-rebuilds",
            8,
            "config.json",
            vec![(0..8).collect()],
            vec![],
            "equivalent",
        ),
        (
            "buildkit-0.25/registry-cache",
            6,
            "cacheconfig.json",
            vec![(0..6).collect()],
            vec![],
            "equivalent",
        ),
        (
            "buildkit-0.25/registry-cache",
            6,
            "image/config.json",
            vec![(0..6).collect()],
            vec![],
            // The image itself is reproducible: the same bytes every time.
            "identical",
        ),
    ] {
        let (code, v) = json(&[], &numbered(set, 1..=n, file));
        assert_eq!(groups(&v), want_groups, "{set}");
        assert_eq!(transitions(&v), want_transitions, "{set}");
        assert_eq!(code, i32::from(want_groups.len() > 1), "{set}");
        assert_eq!(v["verdict"], verdict, "{set}");
    }
    // v0.25: renumbering only, said in one line.
    let (code, out, _) = run(
        &[],
        &numbered("buildkit-0.25/inline-rebuilds", 1..=8, "config.json"),
    );
    assert_eq!(code, 0);
    assert!(
        out.starts_with("Equivalent: all 8 inputs are the same build"),
        "{out}"
    );
    assert!(out.contains("\n  1 2 3 4 5 6 7 8\n"), "{out}");
}

#[test]
fn archives_layouts_and_cache_exports() {
    let inputs: Vec<PathBuf> = [
        "archives/tiny.oci.tar",
        "archives/tiny.oci-layout",
        "buildkit-0.25/archives/tiny.oci.tar",
        "buildkit-0.25/archives/tiny.oci-layout",
        "archives/tiny.oci.tar",
    ]
    .map(real)
    .into();
    let (code, v) = json(&[], &inputs);
    assert_eq!(code, 1);
    assert_eq!(groups(&v), [vec![0, 1, 4], vec![2, 3]]);
    assert_eq!(transitions(&v), [(1, 2), (3, 4)]);
    assert_eq!(v["inputs"][0]["kind"], "image-manifest");
    assert!(v["inputs"][0]["chainID"].is_string());
    let (_, out, _) = run(&[], &inputs);
    assert!(out.contains("1 2 │ 3 4 │ 5 (= 1)"), "{out}");
    assert!(out.contains("4→5 (back to the build of 1): "), "{out}");

    // A local cache export folder is its cache config: the same cache from the registry.
    let (code, v) = json(
        &[],
        &[
            real("buildkit-0.25/archives/tiny.local-cache"),
            real("buildkit-0.25/archives/tiny.registry-cacheconfig.json"),
        ],
    );
    assert_eq!(code, 0, "{v}");
    assert_eq!(groups(&v), [vec![0, 1]]);
    assert_eq!(v["inputs"][0]["kind"], "cache-config");
}

#[test]
fn build_records() {
    let m = real("buildkit-0.25/archives/tiny.manifest-root.dockerbuild");
    let i = real("buildkit-0.25/archives/tiny.index-root.dockerbuild");
    let (code, v) = json(&[], &[m.clone(), m.clone(), i, m]);
    assert_eq!(code, 1);
    assert_eq!(groups(&v), [vec![0, 1, 3], vec![2]]);
    assert_eq!(transitions(&v), [(1, 2), (2, 3)]);
    assert_eq!(v["inputs"][0]["kind"], "build-record");
}

#[test]
fn paths_from_standard_input_and_folders() {
    let inputs = numbered("inline-rebuilds", 1..=8, "config.json");
    let list: String = inputs
        .iter()
        .map(|p| format!("{}\n", p.display()))
        .collect();
    let out = cachelens()
        .args(["series", "--format", "json", "-"])
        .write_stdin(format!("{list}\n"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(groups(&v), [vec![0, 1], vec![2], vec![3, 4, 5, 6, 7]]);
    assert_eq!(v["inputs"][7]["name"], inputs[7].display().to_string());

    // A folder that is no layout: its files in name order (and its layout folders).
    let dir = tempfile::tempdir().unwrap();
    for (i, p) in inputs.iter().enumerate() {
        // Named so that name order is not the order of the builds.
        std::fs::copy(
            p,
            dir.path().join(format!(
                "{}.json",
                ["h", "g", "f", "e", "d", "c", "b", "a"][i]
            )),
        )
        .unwrap();
    }
    std::fs::create_dir(dir.path().join("not-a-layout")).unwrap();
    let (code, v) = json(&[], &[dir.path().to_owned()]);
    assert_eq!(code, 1);
    let names: Vec<&str> = v["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().rsplit('/').next().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "a.json", "b.json", "c.json", "d.json", "e.json", "f.json", "g.json", "h.json"
        ]
    );
    assert_eq!(groups(&v), [vec![0, 1, 2, 3, 4], vec![5], vec![6, 7]]);
}

#[test]
fn an_unreadable_input_says_where_and_hides_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"a\": 1,\n  oops}").unwrap();
    let missing = dir.path().join("missing.json");
    let mut inputs = numbered("inline-rebuilds", 2..=4, "config.json");
    inputs.insert(1, bad.clone());
    inputs.push(missing.clone());
    let (code, v) = json(&[], &inputs);
    assert_eq!(code, 2);
    assert_eq!(groups(&v), [vec![0], vec![2], vec![3]]);
    assert_eq!(transitions(&v), [(0, 2), (2, 3)]);
    let e1 = v["inputs"][1]["error"].as_str().unwrap();
    assert!(
        e1.contains(&bad.display().to_string()) && e1.contains("line 2"),
        "{e1}"
    );
    let e4 = v["inputs"][4]["error"].as_str().unwrap();
    assert!(e4.contains(&missing.display().to_string()), "{e4}");
    assert!(v["inputs"][1].get("group").is_none());

    let (code, out, err) = run(&[], &inputs);
    assert_eq!(code, 2);
    assert!(out.contains("1 2✗ │ 3 │ 4 5✗"), "{out}");
    assert!(out.contains("1→3: Different"), "{out}");
    assert!(
        out.contains(&format!(
            "error: input 2 ({}) could not be read: ",
            bad.display()
        )),
        "{out}"
    );
    assert!(err.is_empty(), "{err}");
    let (_, _, err) = run(&["--format", "json"], &inputs);
    assert!(err.contains("cachelens: input 2: "), "{err}");
}

#[test]
fn options_apply_to_every_pair() {
    let (code, v) = json(
        &["--ignore-cache"],
        &numbered("inline-rebuilds", 1..=8, "config.json"),
    );
    assert_eq!(code, 0);
    assert_eq!(groups(&v), [(0..8).collect::<Vec<u64>>()]);
    assert_eq!(v["options"]["ignoreCache"], true);
}

#[test]
fn the_schema_rejects_a_broken_series() {
    let v = validator();
    let (_, good) = json(&[], &numbered("inline-rebuilds", 1..=4, "config.json"));
    for (what, at, value) in [
        ("an unknown verdict", "/verdict", Value::from("same")),
        ("a negative position", "/groups/0/0", Value::from(-1)),
        (
            "a transition without from",
            "/transitions/0/from",
            Value::Null,
        ),
        (
            "a transition's report field broken",
            "/transitions/0/left/digest",
            Value::from("md5:x"),
        ),
        (
            "a transition that is not different",
            "/transitions/0/verdict",
            Value::from("equivalent"),
        ),
        (
            "an input with a group and an error",
            "/inputs/0/error",
            Value::from("x"),
        ),
    ] {
        let mut bad = good.clone();
        match bad.pointer_mut(at) {
            Some(x) => *x = value,
            None => {
                let (parent, key) = at.rsplit_once('/').unwrap();
                bad.pointer_mut(parent)
                    .unwrap()
                    .as_object_mut()
                    .unwrap()
                    .insert(key.into(), value);
            }
        }
        assert!(!v.is_valid(&bad), "{what} passed");
    }
    let mut bad = good.clone();
    bad["transitions"][0]
        .as_object_mut()
        .unwrap()
        .remove("diagnoses");
    assert!(!v.is_valid(&bad), "a transition without diagnoses passed");
}
