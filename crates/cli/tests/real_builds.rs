//! Inspecting builds with no push, no load and no layer download (moby/buildkit#4854), on what a
//! real BuildKit wrote (`tests/fixtures/real-buildkit/`, v0.13 and v0.25): every archive and
//! layout that holds an image manifest gives its last layer digest and chain ID, checked here
//! against the manifest's `layers[-1]` and the config's `rootfs.diff_ids` read independently;
//! partial layouts (no layer blobs) read with exit 0; the empty last layer is warned about; local
//! cache exports are caches; `.dockerbuild` records and metadata files say where to go next, and
//! the commands they print build a layout cachelens reads (run here against a stand-in for
//! `docker` that serves the blobs the real one fetched).

use assert_cmd::Command;
use serde_json::Value;
use sha2::{Digest as _, Sha256};
use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/real-buildkit")
}

fn cachelens() -> Command {
    let mut c = Command::cargo_bin("cachelens").unwrap();
    c.env_remove("CACHELENS_BASE_URL").env("NO_COLOR", "1");
    c
}

fn run(args: &[&str], path: &Path) -> (i32, String, String) {
    let out = cachelens().args(args).arg(path).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn show_json(path: &Path) -> (i32, Value) {
    let (code, out, err) = run(&["show", "--format", "json"], path);
    let v = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{path:?}: {e}: {out}{err}"));
    (code, v)
}

/// The files of a tarball or a folder, by path, read independently of cachelens.
fn files(path: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    if path.is_dir() {
        fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    walk(root, &p, out);
                } else {
                    let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                    out.insert(rel, std::fs::read(&p).unwrap());
                }
            }
        }
        walk(path, path, &mut out);
        return out;
    }
    let mut a = tar::Archive::new(std::fs::File::open(path).unwrap());
    for e in a.entries().unwrap() {
        let mut e = e.unwrap();
        let name = e
            .path()
            .unwrap()
            .to_string_lossy()
            .trim_start_matches("./")
            .to_owned();
        let mut b = Vec::new();
        e.read_to_end(&mut b).unwrap();
        out.insert(name, b);
    }
    out
}

fn blob<'a>(files: &'a BTreeMap<String, Vec<u8>>, digest: &str) -> Option<&'a [u8]> {
    files
        .get(&format!(
            "blobs/sha256/{}",
            digest.trim_start_matches("sha256:")
        ))
        .map(Vec::as_slice)
}

fn json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap()
}

/// The image manifest an OCI layout leads to (the first non-attestation one), read by hand.
fn manifest_of(files: &BTreeMap<String, Vec<u8>>) -> Value {
    let mut desc = json(&files["index.json"])["manifests"][0].clone();
    loop {
        let doc = json(blob(files, desc["digest"].as_str().unwrap()).unwrap());
        let Some(ms) = doc["manifests"].as_array() else {
            return doc;
        };
        desc = ms
            .iter()
            .find(|m| m["annotations"]["vnd.docker.reference.type"] != "attestation-manifest")
            .unwrap()
            .clone();
    }
}

/// The chain ID of diff_ids, as the OCI image spec defines it.
fn chain_id(diff_ids: &[Value]) -> String {
    let mut chain = diff_ids[0].as_str().unwrap().to_owned();
    for d in &diff_ids[1..] {
        let h = Sha256::digest(format!("{chain} {}", d.as_str().unwrap()));
        chain = format!("sha256:{}", hex(&h));
    }
    chain
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The sha256 of an empty tar: the diff_id of BuildKit's empty layer (a 32-byte gzip in v0.13,
/// 29 bytes in v0.25).
const EMPTY_DIFF_ID: &str =
    "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef";

/// Every archive and layout of both sets that holds an image manifest.
const IMAGES: &[&str] = &[
    "archives/tiny.oci.tar",
    "archives/tiny.oci-layout",
    "archives/tiny.docker.tar",
    "archives/tiny.docker-save.tar",
    "archives/tiny.provenance.oci.tar",
    "archives/tiny.from-history",
    "buildkit-0.25/archives/tiny.oci.tar",
    "buildkit-0.25/archives/tiny.oci-layout",
    "buildkit-0.25/archives/tiny.docker.tar",
    "buildkit-0.25/archives/tiny.docker-save.tar",
    "buildkit-0.25/archives/tiny.provenance.oci.tar",
    "buildkit-0.25/archives/tiny.from-history",
    "buildkit-0.25/archives/tiny-workdir.oci.tar",
];

#[test]
fn every_image_gives_its_last_layer_and_chain_id_with_exit_0() {
    for rel in IMAGES {
        let path = fixtures().join(rel);
        let f = files(&path);
        let (manifest, config) = if f.contains_key("index.json") {
            let m = manifest_of(&f);
            let c = json(blob(&f, m["config"]["digest"].as_str().unwrap()).unwrap());
            (Some(m), c)
        } else {
            let item = &json(&f["manifest.json"])[0];
            (None, json(&f[item["Config"].as_str().unwrap()]))
        };
        let diff_ids = config["rootfs"]["diff_ids"].as_array().unwrap().clone();
        let want_chain = chain_id(&diff_ids);
        let (code, v) = show_json(&path);
        assert_eq!(code, 0, "{rel}: {v:#}");
        assert_eq!(v["problems"], Value::Array(vec![]), "{rel}");
        let img = &v["images"][0];
        if let Some(m) = &manifest {
            let last = m["layers"].as_array().unwrap().last().unwrap()["digest"].clone();
            assert_eq!(img["lastLayer"]["digest"], last, "{rel}");
        }
        assert_eq!(img["chainID"], want_chain.as_str(), "{rel}");
        assert_eq!(
            img["chainIDs"].as_array().unwrap().len(),
            diff_ids.len(),
            "{rel}"
        );
        let empty = diff_ids.last().unwrap() == EMPTY_DIFF_ID;
        // The v0.13 set and tiny-workdir end in WORKDIR: BuildKit's empty layer.
        let expect_empty = !rel.starts_with("buildkit-0.25/") || rel.contains("workdir");
        assert_eq!(empty, expect_empty, "{rel}");
        assert_eq!(img["lastLayerEmpty"], Value::Bool(expect_empty), "{rel}");
        let warned = v["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|w| w.as_str().unwrap().contains("is an empty layer"))
            .count()
            == 1;
        assert_eq!(warned, expect_empty, "{rel}: {:#}", v["warnings"]);
        // The text says it too, and recommends the chain ID.
        let (code, text, _) = run(&["show"], &path);
        assert_eq!(code, 0, "{rel}");
        assert!(
            text.contains(&format!("chain ID:   {want_chain}")),
            "{rel}: {text}"
        );
        // diff gives both keys per side, exit 0 against itself.
        let out = cachelens()
            .args(["diff", "--format", "json"])
            .arg(&path)
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{rel}");
        let d: Value = serde_json::from_slice(&out.stdout).unwrap();
        for side in ["left", "right"] {
            assert_eq!(d[side]["chainID"], want_chain.as_str(), "{rel} {side}");
            assert_eq!(
                d[side]["lastLayer"], img["lastLayer"]["digest"],
                "{rel} {side}"
            );
        }
    }
}

#[test]
fn partial_layouts_say_the_layers_are_not_present_and_exit_0() {
    for rel in [
        "archives/tiny.from-history",
        "buildkit-0.25/archives/tiny.from-history",
    ] {
        let path = fixtures().join(rel);
        let (code, text, err) = run(&["show"], &path);
        assert_eq!(code, 0, "{rel}: {err}");
        assert!(!text.contains("problem:"), "{rel}: {text}");
        assert!(
            text.contains("not present (not needed to read the image)"),
            "{rel}: {text}"
        );
        assert!(!err.contains("damaged"), "{rel}: {err}");
        let (_, v) = show_json(&path);
        for l in v["images"][0]["layers"].as_array().unwrap() {
            assert_eq!(
                l["check"]["digest"], "not present (not needed to read the image)",
                "{rel}"
            );
        }
        // The attestation manifest the build record did not hand over is named as such.
        assert!(
            v["warnings"].as_array().unwrap().iter().any(|w| w
                .as_str()
                .unwrap()
                .contains("names an attestation manifest")),
            "{rel}: {:#}",
            v["warnings"]
        );
    }
}

#[test]
fn local_cache_exports_are_caches() {
    for (rel, form, records) in [
        ("archives/tiny.local-cache", "index", 7),
        ("buildkit-0.25/archives/tiny.local-cache", "manifest", 6),
    ] {
        let path = fixtures().join(rel);
        let (code, v) = show_json(&path);
        assert_eq!(code, 0, "{rel}: {v:#}");
        assert_eq!(v["images"], Value::Array(vec![]), "{rel}");
        assert_eq!(v["problems"], Value::Array(vec![]), "{rel}");
        assert_eq!(
            v["warnings"],
            Value::Array(vec![]),
            "{rel}: no warning per layer"
        );
        let c = &v["caches"][0];
        assert_eq!(c["form"], form, "{rel}");
        assert_eq!(c["caches"][0]["records"], records, "{rel}");
        assert_eq!(c["config"]["check"]["digest"], "verified", "{rel}");
        // It compares with a cache config: against itself as a cache config, identical.
        let f = files(&path);
        let cfg = c["config"]["digest"].as_str().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let cfg_file = dir.path().join("cacheconfig.json");
        std::fs::write(&cfg_file, blob(&f, cfg).unwrap()).unwrap();
        let (code, out, err) = run(&["diff", path.to_str().unwrap()], &cfg_file);
        assert_eq!(code, 0, "{rel}: {out}{err}");
        assert!(out.starts_with("Identical"), "{rel}: {out}");
    }
    // v0.25: the local export and the registry export of the same build are one cache config.
    let b = fixtures().join("buildkit-0.25/archives");
    let (code, out, err) = run(
        &["diff", b.join("tiny.local-cache").to_str().unwrap()],
        &b.join("tiny.registry-cacheconfig.json"),
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("Identical"), "{out}");
    assert!(out.contains("cache-config"), "{out}");
}

#[test]
fn a_registry_cache_copied_into_a_layout_is_a_cache() {
    // What `skopeo copy docker://REG/IMG:cache oci:DIR` writes for a registry cache in the index
    // form: index.json naming the registry's cache index, which lists the cache config.
    let real = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/real");
    let index =
        std::fs::read(real.join("gitlab-buildkit-index-as-manifest-list.index.5d42ad55.json"))
            .unwrap();
    let config = std::fs::read(
        real.join("gitlab-buildkit-index-as-manifest-list.cacheconfig.46a53c52.json"),
    )
    .unwrap();
    let idx: Value = json(&index);
    let cfg_desc = idx["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["mediaType"] == "application/vnd.buildkit.cacheconfig.v0")
        .unwrap()
        .clone();
    let dir = tempfile::tempdir().unwrap();
    let blobs = dir.path().join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    let index_digest = format!("sha256:{}", hex(&Sha256::digest(&index)));
    std::fs::write(blobs.join(&index_digest[7..]), &index).unwrap();
    let cfg_digest = cfg_desc["digest"].as_str().unwrap();
    assert_eq!(
        cfg_digest,
        format!("sha256:{}", hex(&Sha256::digest(&config)))
    );
    std::fs::write(blobs.join(&cfg_digest[7..]), &config).unwrap();
    let top = serde_json::json!({"schemaVersion": 2, "manifests": [{
        "mediaType": idx["mediaType"], "digest": index_digest, "size": index.len()}]});
    std::fs::write(dir.path().join("index.json"), top.to_string()).unwrap();
    std::fs::write(
        dir.path().join("oci-layout"),
        r#"{"imageLayoutVersion":"1.0.0"}"#,
    )
    .unwrap();
    let (code, v) = show_json(dir.path());
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["caches"][0]["form"], "index");
    assert_eq!(v["warnings"], Value::Array(vec![]));
    let cfg_file = dir.path().join("cacheconfig.json");
    std::fs::write(&cfg_file, &config).unwrap();
    let (code, out, _) = run(&["diff", dir.path().to_str().unwrap()], &cfg_file);
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("Identical"), "{out}");
}

#[test]
fn dockerbuild_records_show_the_record_and_root() {
    let b = fixtures().join("buildkit-0.25/archives");
    // The manifest root: the record, the manifest's layers and last layer.
    let path = b.join("tiny.manifest-root.dockerbuild");
    let (code, v) = show_json(&path);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["kind"], "dockerbuild");
    let r = &v["builds"][0];
    assert_eq!(r["ref"], "czdwnciukqt1djmj3wo50wa3m");
    assert_eq!(r["status"], "completed");
    assert_eq!(r["target"], "default");
    assert_eq!(r["steps"]["cached"], 4);
    assert_eq!(r["createdAt"], "2026-12-01T20:16:57.986267534Z");
    // Read the manifest out of the gzip by hand.
    let mut tar_bytes = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(&path).unwrap())
        .read_to_end(&mut tar_bytes)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.tar"), &tar_bytes).unwrap();
    let f = files(&dir.path().join("t.tar"));
    let root = &r["results"][0];
    let m = json(blob(&f, root["root"]["digest"].as_str().unwrap()).unwrap());
    assert_eq!(m["mediaType"], root["root"]["mediaType"]);
    let layers: Vec<&Value> = m["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| &l["digest"])
        .collect();
    let got: Vec<&Value> = root["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| &l["digest"])
        .collect();
    assert_eq!(got, layers);
    let (_, text, _) = run(&["show"], &path);
    assert!(
        text.contains(&format!(
            "last layer: {}",
            layers.last().unwrap().as_str().unwrap()
        )),
        "{text}"
    );
    // The config is not in the file: the commands fetch it by its digest.
    let cfg = m["config"]["digest"].as_str().unwrap();
    assert!(root["commands"].as_array().unwrap().iter().any(|c| {
        c.as_str()
            .unwrap()
            .contains(&format!("attachment czdwnciukqt1djmj3wo50wa3m {cfg}"))
    }));
    // The index root: says so, lists the manifests, and the exact commands.
    let path = b.join("tiny.index-root.dockerbuild");
    let (code, v) = show_json(&path);
    assert_eq!(code, 0, "{v:#}");
    let root = &v["builds"][0]["results"][0];
    assert_eq!(
        root["root"]["mediaType"],
        "application/vnd.oci.image.index.v1+json"
    );
    assert_eq!(root["manifests"][0]["platform"], "linux/amd64");
    assert_eq!(root["manifests"][1]["platform"], "attestation");
    let m0 = root["manifests"][0]["digest"].as_str().unwrap();
    let cmds: Vec<&str> = root["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(cmds.contains(&format!("docker buildx history inspect attachment q4v8u4lwu9duqllyq0og06ryk {m0} > layout/blobs/sha256/{}", &m0[7..]).as_str()), "{cmds:#?}");
    let (_, text, _) = run(&["show"], &path);
    assert!(text.contains("The root is an image index"), "{text}");
    // Two records compare like two images: here the results differ (manifest vs index root).
    let out = cachelens()
        .args(["diff", "--format", "json"])
        .arg(b.join("tiny.manifest-root.dockerbuild"))
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d["left"]["kind"], "build-record");
    let paths: Vec<&str> = d["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"/results/0/root/digest"), "{paths:?}");
    assert!(
        paths.contains(&"/frontendAttrs/attest:provenance"),
        "{paths:?}"
    );
    assert!(
        !paths
            .iter()
            .any(|p| p.starts_with("/ref") || p.ends_with("edAt")),
        "{paths:?}"
    );
    // A record compared with itself is identical.
    let out = cachelens()
        .args(["diff"])
        .arg(&path)
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
}

/// A stand-in for `docker buildx history inspect attachment REF DIGEST`: prints the blob the real
/// one fetched into the fixture's partial layout.
fn fake_docker(dir: &Path, reference: &str, blobs: &Path) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let script = format!(
        "#!/bin/sh\n[ \"$1 $2 $3 $4\" = 'buildx history inspect attachment' ] || {{ echo \"unexpected: $*\" >&2; exit 1; }}\n[ \"$5\" = '{reference}' ] || {{ echo \"unknown ref $5\" >&2; exit 1; }}\nexec cat '{}'/\"${{6#sha256:}}\"\n",
        blobs.display()
    );
    let p = bin.join("docker");
    std::fs::write(&p, script).unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    let cl = Command::cargo_bin("cachelens").unwrap();
    let real = PathBuf::from(cl.get_program());
    std::os::unix::fs::symlink(real, bin.join("cachelens")).unwrap();
    bin
}

#[test]
fn metadata_files_print_commands_that_build_a_readable_layout() {
    for (meta, from_history) in [
        ("archives/tiny.metadata.json", "archives/tiny.from-history"),
        (
            "buildkit-0.25/archives/tiny.index-root.metadata.json",
            "buildkit-0.25/archives/tiny.from-history",
        ),
    ] {
        let (code, v) = show_json(&fixtures().join(meta));
        assert_eq!(code, 0);
        assert_eq!(v["kind"], "buildx-metadata");
        let b = &v["build"];
        let m = json(&std::fs::read(fixtures().join(meta)).unwrap());
        assert_eq!(b["buildRef"], m["buildx.build.ref"]);
        assert_eq!(b["root"]["digest"], m["containerimage.digest"]);
        assert_eq!(
            b["root"]["mediaType"],
            m["containerimage.descriptor"]["mediaType"]
        );
        let (_, text, _) = run(&["show"], &fixtures().join(meta));
        assert!(
            text.contains("docker buildx history inspect attachment"),
            "{text}"
        );
        assert!(text.contains("docker buildx history export"), "{text}");
        // Run the printed commands (the buildx part faked, jq and cachelens real).
        let dir = tempfile::tempdir().unwrap();
        let bin = fake_docker(
            dir.path(),
            b["ref"].as_str().unwrap(),
            &fixtures().join(from_history).join("blobs/sha256"),
        );
        let script: Vec<&str> = b["commands"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        let script = format!("set -e\n{}\n", script.join("\n"));
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(&script)
            .current_dir(dir.path())
            .env(
                "PATH",
                format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()),
            )
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{meta}: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // What it built reads like the fixture's partial layout, exit 0, with the same keys.
        let (code, built) = show_json(&dir.path().join("layout"));
        let (_, want) = show_json(&fixtures().join(from_history));
        assert_eq!(code, 0, "{built:#}");
        assert_eq!(built["images"][0]["chainID"], want["images"][0]["chainID"]);
        assert_eq!(
            built["images"][0]["lastLayer"],
            want["images"][0]["lastLayer"]
        );
        assert!(stdout.contains("chain ID:"), "{stdout}");
        // The README's one-liner for the key.
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg("cachelens show --format json layout | jq -r '.images[0].chainID'")
            .current_dir(dir.path())
            .env(
                "PATH",
                format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()),
            )
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            want["images"][0]["chainID"].as_str().unwrap()
        );
    }
}
