//! Builds image archives in memory for the image tests (OCI layouts, multi-platform indexes,
//! docker save tarballs) with random-ish layer bytes, and computes every value a reader must
//! report (digests, diff_ids, chain IDs) independently, with sha2 directly.
//!
//! Shared by `crates/core/tests/image*.rs` and `crates/cli/tests/image*.rs` (`#[path]`).
#![allow(dead_code)] // reason: included by several test crates, each using a different part

use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub const OCI_LAYER: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
pub const DOCKER_LAYER_TAR: &str = "application/vnd.docker.image.rootfs.diff.tar";

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `sha256:<hex>` of bytes, computed here (not by the code under test).
pub fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{}", hex(&Sha256::digest(bytes)))
}

/// `blobs/sha256/<hex>` of bytes.
pub fn blob_path(bytes: &[u8]) -> String {
    format!("blobs/sha256/{}", hex(&Sha256::digest(bytes)))
}

/// chainID(L0) = diffID(L0); chainID(Ln) = sha256(chainID(Ln-1) + " " + diffID(Ln)).
pub fn chain_ids(diff_ids: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for d in diff_ids {
        let next = match out.last() {
            None => d.clone(),
            Some(prev) => sha256(format!("{prev} {d}").as_bytes()),
        };
        out.push(next);
    }
    out
}

/// xorshift64*: reproducible random-ish bytes.
#[derive(Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| (self.next() >> 32) as u8).collect()
    }
}

/// Standard base64 with padding (what BuildKit writes for the inline cache).
pub fn base64(bytes: &[u8]) -> String {
    use ::base64::Engine as _;
    ::base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// An inline cache: a chain of records, record i linking to i-1 with layer i as its result.
/// `drop_results_of` leaves that record without results (the "chains vanish" kind of change).
pub fn inline_cache(layers: usize, drop_results_of: Option<usize>) -> String {
    let records: Vec<Value> = (0..layers)
        .map(|i| {
            let mut r = json!({ "digest": sha256(format!("record {i}").as_bytes()) });
            if i > 0 {
                r["inputs"] = json!([[{ "selector": "", "link": i - 1 }]]);
            }
            if drop_results_of != Some(i) {
                r["layers"] = json!([{ "layer": i, "createdAt": "2025-03-04T10:00:00Z" }]);
            }
            r
        })
        .collect();
    base64(&serde_json::to_vec(&records).unwrap())
}

/// One image: its blobs as they would be stored, and the values to expect.
#[derive(Debug, Clone)]
pub struct Img {
    pub os: String,
    pub arch: String,
    pub variant: Option<String>,
    /// Layer blobs as stored (stand-ins for gzip streams: random bytes).
    pub layers: Vec<Vec<u8>>,
    /// sha256 of each layer's (imaginary) uncompressed tar.
    pub diff_ids: Vec<String>,
    pub config: Vec<u8>,
    pub manifest: Vec<u8>,
}

/// How to make an image.
#[derive(Debug, Clone)]
pub struct Spec<'a> {
    pub platform: &'a str,
    pub layers: usize,
    pub layer_size: usize,
    pub env: &'a str,
    pub created: &'a str,
    /// Inline cache value, if any.
    pub cache: Option<String>,
    pub seed: u64,
}

impl Default for Spec<'_> {
    fn default() -> Self {
        Spec {
            platform: "linux/amd64",
            layers: 3,
            layer_size: 3000,
            env: "APP=1",
            created: "2025-03-04T10:00:00Z",
            cache: None,
            seed: 1,
        }
    }
}

impl Img {
    pub fn new(spec: &Spec<'_>) -> Img {
        let mut rng = Rng::new(spec.seed);
        let mut parts = spec.platform.split('/');
        let os = parts.next().unwrap().to_owned();
        let arch = parts.next().unwrap().to_owned();
        let variant = parts.next().map(str::to_owned);
        let mut layers = Vec::new();
        let mut diff_ids = Vec::new();
        for i in 0..spec.layers {
            // Sizes vary so a size mix-up would show.
            let blob = rng.bytes(spec.layer_size + 17 * i);
            let uncompressed = rng.bytes(spec.layer_size * 2 + i);
            diff_ids.push(sha256(&uncompressed));
            layers.push(blob);
        }
        let mut config = json!({
            "architecture": arch,
            "os": os,
            "created": spec.created,
            "config": { "Env": ["PATH=/usr/bin", spec.env], "Cmd": ["/app"] },
            "rootfs": { "type": "layers", "diff_ids": diff_ids },
            "history": (0..spec.layers).map(|i| json!({"created": spec.created, "created_by": format!("RUN step {i}")})).collect::<Vec<_>>(),
        });
        if let Some(v) = &variant {
            config["variant"] = json!(v);
        }
        if let Some(c) = &spec.cache {
            config["moby.buildkit.cache.v0"] = json!(c);
        }
        let config = serde_json::to_vec(&config).unwrap();
        let manifest = serde_json::to_vec(&json!({
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": { "mediaType": OCI_CONFIG, "digest": sha256(&config), "size": config.len() },
            "layers": layers.iter().map(|l| json!({
                "mediaType": OCI_LAYER, "digest": sha256(l), "size": l.len()
            })).collect::<Vec<_>>(),
            "annotations": { "org.opencontainers.image.created": spec.created },
        }))
        .unwrap();
        Img {
            os,
            arch,
            variant,
            layers,
            diff_ids,
            config,
            manifest,
        }
    }

    pub fn platform(&self) -> String {
        match &self.variant {
            Some(v) => format!("{}/{}/{v}", self.os, self.arch),
            None => format!("{}/{}", self.os, self.arch),
        }
    }

    pub fn layer_digests(&self) -> Vec<String> {
        self.layers.iter().map(|l| sha256(l)).collect()
    }

    pub fn chain_ids(&self) -> Vec<String> {
        chain_ids(&self.diff_ids)
    }

    /// A descriptor of the manifest.
    pub fn descriptor(&self, annotations: Value, platform: bool) -> Value {
        let mut d = json!({
            "mediaType": OCI_MANIFEST,
            "digest": sha256(&self.manifest),
            "size": self.manifest.len(),
        });
        if annotations.as_object().is_some_and(|m| !m.is_empty()) {
            d["annotations"] = annotations;
        }
        if platform {
            let mut p = json!({ "architecture": self.arch, "os": self.os });
            if let Some(v) = &self.variant {
                p["variant"] = json!(v);
            }
            d["platform"] = p;
        }
        d
    }

    /// The image's blobs: config, manifest, layers.
    pub fn blobs(&self) -> Vec<(String, Vec<u8>)> {
        let mut out = vec![
            (blob_path(&self.config), self.config.clone()),
            (blob_path(&self.manifest), self.manifest.clone()),
        ];
        out.extend(self.layers.iter().map(|l| (blob_path(l), l.clone())));
        out
    }
}

/// The files of an OCI layout: `oci-layout`, `index.json` and the blobs.
pub fn oci_files(index: &Value, blobs: Vec<(String, Vec<u8>)>) -> Vec<(String, Vec<u8>)> {
    let mut files = vec![
        (
            "oci-layout".to_owned(),
            br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
        ),
        ("index.json".to_owned(), serde_json::to_vec(index).unwrap()),
    ];
    for b in blobs {
        if !files.iter().any(|(p, _)| *p == b.0) {
            files.push(b);
        }
    }
    files
}

/// A single-image OCI layout as BuildKit's `type=oci` writes it (index.json names the manifest).
pub fn single_oci(img: &Img, ref_name: &str) -> Vec<(String, Vec<u8>)> {
    let index = json!({
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": [img.descriptor(json!({ "org.opencontainers.image.ref.name": ref_name }), false)],
    });
    oci_files(&index, img.blobs())
}

/// An attestation manifest for `img` (as BuildKit attaches provenance).
pub fn attestation(img: &Img) -> (Value, Vec<(String, Vec<u8>)>) {
    let statement = br#"{"_type":"https://in-toto.io/Statement/v0.1"}"#.to_vec();
    let config = br#"{"architecture":"unknown","os":"unknown","config":{},"rootfs":{"type":"layers","diff_ids":["sha256:0000000000000000000000000000000000000000000000000000000000000000"]}}"#.to_vec();
    let manifest = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": { "mediaType": OCI_CONFIG, "digest": sha256(&config), "size": config.len() },
        "layers": [{ "mediaType": "application/vnd.in-toto+json", "digest": sha256(&statement), "size": statement.len() }],
    }))
    .unwrap();
    let desc = json!({
        "mediaType": OCI_MANIFEST,
        "digest": sha256(&manifest),
        "size": manifest.len(),
        "annotations": {
            "vnd.docker.reference.digest": sha256(&img.manifest),
            "vnd.docker.reference.type": "attestation-manifest",
        },
        "platform": { "architecture": "unknown", "os": "unknown" },
    });
    let blobs = vec![
        (blob_path(&config), config),
        (blob_path(&manifest), manifest),
        (blob_path(&statement), statement),
    ];
    (desc, blobs)
}

/// A multi-platform OCI layout: index.json → image index blob → one manifest per image
/// (plus an attestation for the first). Returns the files and the image index's bytes.
pub fn multi_oci(imgs: &[&Img], ref_name: &str) -> (Vec<(String, Vec<u8>)>, Vec<u8>) {
    let (att, att_blobs) = attestation(imgs[0]);
    let mut descs: Vec<Value> = imgs.iter().map(|i| i.descriptor(json!({}), true)).collect();
    descs.push(att);
    let inner = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": descs,
    }))
    .unwrap();
    let index = json!({
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": [{
            "mediaType": OCI_INDEX,
            "digest": sha256(&inner),
            "size": inner.len(),
            "annotations": { "org.opencontainers.image.ref.name": ref_name },
        }],
    });
    let mut blobs = vec![(blob_path(&inner), inner.clone())];
    for i in imgs {
        blobs.extend(i.blobs());
    }
    blobs.extend(att_blobs);
    (oci_files(&index, blobs), inner)
}

/// One image for [`docker_save`]: its config, its layer tars, its tag.
pub type Saved<'a> = (&'a [u8], &'a [Vec<u8>], &'a str);

/// A legacy `docker save` tarball's files: `manifest.json`, `<hex>.json` configs,
/// `<id>/layer.tar` layers (stored uncompressed: their sha256 is the diff_id), `repositories`.
/// The layer bytes are `layer_tars[i]` (the config's diff_ids must be their sha256).
pub fn docker_save(images: &[Saved<'_>]) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    let mut manifest = Vec::new();
    for (config, layer_tars, tag) in images {
        let config_name = format!("{}.json", hex(&Sha256::digest(config)));
        files.push((config_name.clone(), config.to_vec()));
        let mut layers = Vec::new();
        for (i, l) in layer_tars.iter().enumerate() {
            // docker names layer folders by a v1 id, not by content.
            let id = hex(&Sha256::digest(
                format!("v1 id {tag} {i} {}", sha256(l)).as_bytes(),
            ));
            files.push((format!("{id}/VERSION"), b"1.0".to_vec()));
            files.push((format!("{id}/json"), br#"{"id":"x"}"#.to_vec()));
            files.push((format!("{id}/layer.tar"), l.clone()));
            layers.push(format!("{id}/layer.tar"));
        }
        manifest.push(json!({ "Config": config_name, "RepoTags": [tag], "Layers": layers }));
    }
    files.push((
        "manifest.json".into(),
        serde_json::to_vec(&manifest).unwrap(),
    ));
    files.push(("repositories".into(), b"{}".to_vec()));
    files
}

/// A config whose diff_ids are the sha256 of these layer tars (for docker save).
pub fn docker_config(layer_tars: &[Vec<u8>], env: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "architecture": "arm64",
        "os": "linux",
        "variant": "v8",
        "config": { "Env": [env] },
        "rootfs": { "type": "layers", "diff_ids": layer_tars.iter().map(|l| sha256(l)).collect::<Vec<_>>() },
    }))
    .unwrap()
}

/// A tar of these files (GNU headers, folders first as real tars have them).
pub fn tar(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut b = ::tar::Builder::new(Vec::new());
    let mut dirs: Vec<String> = Vec::new();
    for (path, _) in files {
        let mut acc = String::new();
        let parts: Vec<&str> = path.split('/').collect();
        for p in &parts[..parts.len() - 1] {
            acc.push_str(p);
            acc.push('/');
            if !dirs.contains(&acc) {
                dirs.push(acc.clone());
            }
        }
    }
    for d in &dirs {
        let mut h = ::tar::Header::new_gnu();
        h.set_entry_type(::tar::EntryType::Directory);
        h.set_mode(0o755);
        h.set_size(0);
        b.append_data(&mut h, d, &[][..]).unwrap();
    }
    for (path, data) in files {
        let mut h = ::tar::Header::new_gnu();
        h.set_mode(0o644);
        h.set_size(data.len() as u64);
        b.append_data(&mut h, path, data.as_slice()).unwrap();
    }
    b.into_inner().unwrap()
}

/// The data ranges of every entry of a tar, by name (read with the tar crate).
pub fn entry_ranges(archive: &[u8]) -> Vec<(String, std::ops::Range<u64>)> {
    let mut a = ::tar::Archive::new(archive);
    a.entries()
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let start = e.raw_file_position();
            (
                e.path().unwrap().to_string_lossy().into_owned(),
                start..start + e.size(),
            )
        })
        .collect()
}
