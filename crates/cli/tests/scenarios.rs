//! Every case in tests/fixtures/scenarios/ behaves as its expect.json says (keys explained in
//! that folder's README), run through the real `cachelens` binary.

use assert_cmd::Command;
use regex::Regex;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/scenarios")
}

struct Run {
    code: i32,
    json: Option<Value>,
    stderr: String,
}

fn diff(dir: &Path, flags: &[&str]) -> Run {
    let out = Command::cargo_bin("cachelens")
        .unwrap()
        .args(["diff", "--format", "json"])
        .args(flags)
        .arg(dir.join("left.json"))
        .arg(dir.join("right.json"))
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        json: serde_json::from_slice(&out.stdout).ok(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn check_case(dir: &Path) -> Vec<String> {
    let expect: Value =
        serde_json::from_slice(&std::fs::read(dir.join("expect.json")).unwrap()).unwrap();
    let run = diff(dir, &[]);
    let mut problems = Vec::new();
    let mut fail = |msg: String| problems.push(msg);
    if let Some(code) = expect.get("exit").and_then(Value::as_i64)
        && i64::from(run.code) != code
    {
        fail(format!(
            "exit {} != {code}; stderr: {}",
            run.code, run.stderr
        ));
    }
    if let Some(codes) = expect.get("exit_in").and_then(Value::as_array)
        && !codes
            .iter()
            .any(|c| c.as_i64() == Some(i64::from(run.code)))
    {
        fail(format!("exit {} not in {codes:?}", run.code));
    }
    if let Some(s) = expect.get("stderr_has").and_then(Value::as_str)
        && !run.stderr.contains(s)
    {
        fail(format!("stderr {:?} lacks {s:?}", run.stderr));
    }
    if let Some(w) = expect.get("warning").and_then(Value::as_str) {
        let in_json = run.json.as_ref().is_some_and(|j| {
            j["warnings"].as_array().is_some_and(|ws| {
                ws.iter()
                    .any(|x| x["message"].as_str().unwrap_or("").contains(w))
            })
        });
        if !in_json && !run.stderr.contains(w) {
            fail(format!(
                "no warning or error mentions {w:?}: {:?} {}",
                run.json.as_ref().map(|j| &j["warnings"]),
                run.stderr
            ));
        }
    }
    let Some(j) = &run.json else {
        if expect.get("verdict").is_some() {
            fail("no JSON output".into());
        }
        return problems;
    };
    // The contract's fields are always there.
    for key in ["verdict", "left", "right", "changes", "warnings"] {
        if j.get(key).is_none() {
            fail(format!("JSON output lacks {key}"));
        }
    }
    if let Some(v) = expect.get("verdict")
        && &j["verdict"] != v
    {
        fail(format!("verdict {} != {v}", j["verdict"]));
    }
    let changes = j["changes"].as_array().cloned().unwrap_or_default();
    let paths: Vec<&str> = changes
        .iter()
        .map(|c| c["path"].as_str().unwrap_or(""))
        .collect();
    if let Some(n) = expect.get("min_changes").and_then(Value::as_u64)
        && (changes.len() as u64) < n
    {
        fail(format!("{} changes < {n}: {paths:?}", changes.len()));
    }
    if let Some(n) = expect.get("max_changes").and_then(Value::as_u64)
        && changes.len() as u64 > n
    {
        fail(format!("{} changes > {n}: {paths:?}", changes.len()));
    }
    if let Some(re) = expect.get("all_paths").and_then(Value::as_str) {
        let re = Regex::new(re).unwrap();
        if let Some(p) = paths.iter().find(|p| !re.is_match(p)) {
            fail(format!("path {p} does not match {re}"));
        }
    }
    if let Some(re) = expect.get("some_path").and_then(Value::as_str) {
        let re = Regex::new(re).unwrap();
        if !paths.iter().any(|p| re.is_match(p)) {
            fail(format!("no path matches {re}: {paths:?}"));
        }
    }
    if let Some(re) = expect.get("no_path").and_then(Value::as_str) {
        let re = Regex::new(re).unwrap();
        if let Some(p) = paths.iter().find(|p| re.is_match(p)) {
            fail(format!("path {p} matches {re}"));
        }
    }
    if let Some(b) = expect.get("digests_differ").and_then(Value::as_bool)
        && (j["left"]["digest"] != j["right"]["digest"]) != b
    {
        fail(format!("digests_differ should be {b}"));
    }
    if let Some(d) = expect.get("removed_results_of").and_then(Value::as_str) {
        let lost = j["cache"]["changed"].as_array().is_some_and(|cs| {
            cs.iter().any(|c| {
                c["digest"] == d
                    && (c["layers"]["change"] == "lost" || c["chains"]["change"] == "lost")
            })
        });
        // ...and the change list holds the removal itself.
        let removal = changes.iter().any(|c| {
            c["op"] == "remove"
                && Regex::new(r"/records/[^/]+/(layers|chains)$")
                    .unwrap()
                    .is_match(c["path"].as_str().unwrap_or(""))
        });
        if !lost || !removal {
            fail(format!(
                "record {d} does not lose its results: {}",
                j["cache"]
            ));
        }
    }
    if let Some(d) = expect.get("added_record").and_then(Value::as_str) {
        let added = changes
            .iter()
            .any(|c| c["op"] == "add" && c["value"]["digest"] == d);
        if !added {
            fail(format!("no record {d} added: {paths:?}"));
        }
    }
    if let Some(flags) = expect.get("flags_equivalent").and_then(Value::as_array) {
        let flags: Vec<&str> = flags.iter().filter_map(Value::as_str).collect();
        let again = diff(dir, &flags);
        let v = again.json.as_ref().map(|j| j["verdict"].clone());
        if again.code != 0 || v != Some(Value::from("equivalent")) {
            fail(format!("with {flags:?}: exit {} verdict {v:?}", again.code));
        }
    }
    problems
}

#[test]
fn every_scenario_behaves_as_expected() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(scenarios_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("expect.json").exists())
        .collect();
    cases.sort();
    assert!(cases.len() >= 12, "scenario fixtures missing: {cases:?}");
    let mut report = String::new();
    for dir in &cases {
        for p in check_case(dir) {
            report.push_str(&format!(
                "{}: {p}\n",
                dir.file_name().unwrap().to_string_lossy()
            ));
        }
    }
    assert!(report.is_empty(), "\n{report}");
}
