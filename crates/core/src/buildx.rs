//! What buildx writes about a build, read without a daemon: build records (the config blob of a
//! `docker buildx history export` manifest, `application/vnd.buildkit.historyrecord.v0`) and
//! `--metadata-file` outputs, and the `docker buildx history inspect attachment` commands that
//! fetch a build's index, manifest and config into a partial OCI layout (no layer moved).
//!
//! The record's JSON is Go's `encoding/json` of BuildKit's `BuildHistoryRecord` protobuf struct
//! (buildx `util/desktop/bundle/export.go`): PascalCase names for most fields (`Ref`,
//! `FrontendAttrs`, `Exporters`, `CreatedAt`, `Result`), camelCase for some (`numCachedSteps`),
//! lower case for others (`error`, `logs`, `trace`), descriptors with `media_type`, times as
//! `{"seconds", "nanos"}`, and every field omitted when empty.

use crate::Digest;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// The config media type of a build record's manifest in a `.dockerbuild` file.
pub const HISTORY_RECORD: &str = "application/vnd.buildkit.historyrecord.v0";
/// The annotation that keeps a result root's media type once buildx retyped it to
/// `application/json` (so that exporting the record does not pull the image's blobs).
pub const ORIGINAL_MEDIA_TYPE: &str = "vnd.export-build.descriptor.mediatype";
/// The provenance attestation's media type.
pub const IN_TOTO: &str = "application/vnd.in-toto+json";

/// A descriptor (media type, digest, size) as a build record or metadata file gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Root {
    /// The media type (for a result root: the original one, not `application/json`).
    pub media_type: String,
    /// The digest.
    pub digest: Digest,
    /// Size in bytes (0 when not given).
    pub size: u64,
}

impl Root {
    /// Whether it is an image index (or Docker manifest list).
    pub fn is_index(&self) -> bool {
        self.media_type.contains("image.index") || self.media_type.contains("manifest.list")
    }
}

/// One exporter of a build (`--output`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Exporter {
    /// `image`, `oci`, `docker`, `local`, `tar`, ...
    #[serde(rename = "type")]
    pub kind: String,
    /// Its attributes (`name`, `push`, ...).
    pub attrs: BTreeMap<String, String>,
}

/// A provenance material: a source the build read (base image, git repository, file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Material {
    /// The source (`pkg:docker/alpine@3.20?platform=linux%2Famd64`).
    pub uri: String,
    /// Its digests (`sha256:…`).
    pub digests: Vec<String>,
}

/// One result of a build: the root descriptor the exporter made, and what the record holds of
/// it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildResult {
    /// The result's key in the record (`"0"`, or a platform).
    pub key: String,
    /// The root: an image manifest or an image index.
    pub root: Root,
    /// Whether the root's blob is in the file (buildx stores the root, never what it names).
    pub present: bool,
    /// For a manifest root that is present: its layers (blob digests, in order).
    pub layers: Vec<Root>,
    /// For a manifest root: its config descriptor (the config itself is not in the file).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<Root>,
    /// For an index root that is present: the manifests it names (`platform` or
    /// `attestation` beside each digest).
    pub manifests: Vec<IndexEntry>,
    /// The commands that fetch what the file lacks into a partial OCI layout that
    /// `cachelens show` reads (the last layer digest, diff_ids and the chain ID key).
    pub commands: Vec<String>,
}

/// A manifest an index names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IndexEntry {
    /// Its descriptor.
    #[serde(flatten)]
    pub descriptor: Root,
    /// `os/architecture[/variant]`, or `attestation` for an attestation manifest.
    pub platform: String,
}

/// One build record, as `docker buildx history export` writes it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildRecord {
    /// The build's ref (what `docker buildx history inspect` takes).
    #[serde(rename = "ref")]
    pub reference: String,
    /// The record's blob in the file (the manifest's config): digest and size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<Root>,
    /// The target (`localState.Target`, or the frontend's `target` attribute).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// The image name(s) the exporters gave.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `completed`, `failed` (with `error`) or `running`.
    pub status: String,
    /// The error message of a failed build.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Start, RFC 3339 UTC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// End, RFC 3339 UTC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<String>,
    /// The frontend (`dockerfile.v0`, when the record says).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frontend: Option<String>,
    /// `--build-arg` values (the frontend attributes `build-arg:NAME`).
    pub build_args: BTreeMap<String, String>,
    /// Every frontend attribute, build args included.
    pub frontend_attrs: BTreeMap<String, String>,
    /// The exporters.
    pub exporters: Vec<Exporter>,
    /// Steps: total, completed, cached.
    pub steps: Steps,
    /// The platform buildx built for by default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_platform: Option<String>,
    /// Where the build context was on the machine that built (`localState.LocalPath`,
    /// `DockerfilePath`): local paths, redacted in share links.
    pub local_state: BTreeMap<String, String>,
    /// Provenance materials (empty when the provenance is not in the file or lists none).
    pub materials: Vec<Material>,
    /// The results.
    pub results: Vec<BuildResult>,
}

/// Step counts of a build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Steps {
    /// All steps.
    pub total: u64,
    /// Steps that finished.
    pub completed: u64,
    /// Steps answered from the cache.
    pub cached: u64,
}

fn str_at<'a>(v: &'a Value, keys: &[&str]) -> Option<&'a str> {
    keys.iter().find_map(|k| v.get(*k).and_then(Value::as_str))
}

fn map_of(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|m| {
            crate::json::string_map(m.iter().map(|(k, v)| {
                let v = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                (k.clone(), v)
            }))
        })
        .unwrap_or_default()
}

/// A protobuf timestamp (`{"seconds", "nanos"}`) or an RFC 3339 string, as RFC 3339 UTC.
fn time_of(v: Option<&Value>) -> Option<String> {
    let v = v?;
    if let Some(s) = v.as_str() {
        return Some(s.to_owned());
    }
    let seconds = v.get("seconds")?.as_i64()?;
    let nanos = v.get("nanos").and_then(Value::as_i64).unwrap_or(0);
    let t = time::OffsetDateTime::from_unix_timestamp(seconds).ok()?
        + time::Duration::nanoseconds(nanos);
    t.format(&time::format_description::well_known::Rfc3339)
        .ok()
}

/// A descriptor with `media_type` (records) or `mediaType` (OCI, metadata files).
pub fn root_of(v: &Value) -> Option<Root> {
    let digest = Digest::parse(v.get("digest")?.as_str()?)?;
    Some(Root {
        media_type: str_at(v, &["mediaType", "media_type", "MediaType"])
            .unwrap_or_default()
            .to_owned(),
        digest,
        size: v.get("size").and_then(Value::as_u64).unwrap_or(0),
    })
}

/// Reads a build record's JSON. `results` and `materials` are filled in by the caller, which
/// has the rest of the file.
pub fn record(doc: &Value) -> BuildRecord {
    let frontend_attrs = map_of(doc.get("FrontendAttrs"));
    let build_args = crate::json::string_map(
        frontend_attrs
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix("build-arg:")?.to_owned(), v.clone()))),
    );
    let exporters: Vec<Exporter> = doc
        .get("Exporters")
        .and_then(Value::as_array)
        .map(|es| {
            es.iter()
                .map(|e| Exporter {
                    kind: str_at(e, &["Type", "type"]).unwrap_or_default().to_owned(),
                    attrs: map_of(e.get("Attrs").or_else(|| e.get("attrs"))),
                })
                .collect()
        })
        .unwrap_or_default();
    let local_state = map_of(doc.get("localState"));
    let target = local_state
        .get("Target")
        .cloned()
        .or_else(|| frontend_attrs.get("target").cloned());
    let name = exporters.iter().find_map(|e| e.attrs.get("name")).cloned();
    let error = doc
        .get("error")
        .or_else(|| doc.get("Error"))
        .and_then(|e| e.get("message").and_then(Value::as_str))
        .map(str::to_owned);
    let completed_at = time_of(doc.get("CompletedAt"));
    let status = match (&error, &completed_at) {
        (Some(_), _) => "failed",
        (None, Some(_)) => "completed",
        (None, None) => "running",
    };
    let count = |k: &str| doc.get(k).and_then(Value::as_u64).unwrap_or(0);
    BuildRecord {
        reference: str_at(doc, &["Ref", "ref"]).unwrap_or_default().to_owned(),
        record: None,
        target,
        name,
        status: status.into(),
        error,
        created_at: time_of(doc.get("CreatedAt")),
        completed_at,
        frontend: str_at(doc, &["Frontend"]).map(str::to_owned),
        build_args,
        frontend_attrs,
        exporters,
        steps: Steps {
            total: count("numTotalSteps"),
            completed: count("numCompletedSteps"),
            cached: count("numCachedSteps"),
        },
        default_platform: str_at(doc, &["DefaultPlatform"]).map(str::to_owned),
        local_state,
        materials: Vec::new(),
        results: Vec::new(),
    }
}

/// The record's result roots by key (`Result.Results`, else `Result.ResultDeprecated`; a
/// multi-platform build's `Results` map).
pub fn result_roots(doc: &Value) -> Vec<(String, Root)> {
    let mut out = Vec::new();
    let result = doc.get("Result");
    if let Some(m) = result
        .and_then(|r| r.get("Results"))
        .and_then(Value::as_object)
    {
        for (k, v) in m {
            if let Some(r) = root_of(v) {
                out.push((k.clone(), r));
            }
        }
    }
    if out.is_empty()
        && let Some(r) = result
            .and_then(|r| r.get("ResultDeprecated"))
            .and_then(root_of)
    {
        out.push(("0".into(), r));
    }
    if let Some(m) = doc.get("Results").and_then(Value::as_object) {
        for (k, v) in m {
            let root = v.get("ResultDeprecated").and_then(root_of).or_else(|| {
                v.get("Results")
                    .and_then(Value::as_object)
                    .and_then(|m| m.values().find_map(root_of))
            });
            if let Some(r) = root
                && !out.iter().any(|(_, o)| o.digest == r.digest)
            {
                out.push((k.clone(), r));
            }
        }
    }
    out
}

/// Provenance materials: SLSA v0.2 `materials[{uri, digest}]` or v1
/// `buildDefinition.resolvedDependencies[{uri, digest}]`, in a bare predicate (what buildx
/// stores) or an in-toto statement.
pub fn materials(provenance: &Value) -> Vec<Material> {
    let p = provenance.get("predicate").unwrap_or(provenance);
    let list = p
        .get("materials")
        .or_else(|| {
            p.get("buildDefinition")
                .and_then(|b| b.get("resolvedDependencies"))
        })
        .and_then(Value::as_array);
    list.map(|ms| {
        ms.iter()
            .filter_map(|m| {
                let uri = m.get("uri")?.as_str()?.to_owned();
                let digests = map_of(m.get("digest"))
                    .into_iter()
                    .map(|(alg, hex)| format!("{alg}:{hex}"))
                    .collect();
                Some(Material { uri, digests })
            })
            .collect()
    })
    .unwrap_or_default()
}

/// The last segment of `buildx.build.ref` (`builder/node/ref`): what
/// `docker buildx history inspect` takes.
pub fn short_ref(full: &str) -> &str {
    full.rsplit('/').next().unwrap_or(full)
}

/// Shell commands that write a partial OCI layout `DIR` (index.json, the root, the image
/// manifest and config; no layer) from a build record, for `cachelens show DIR`. `manifests`
/// are the image manifests of an index root when they are known; otherwise the script reads
/// them from the fetched index with `jq`.
pub fn attachment_commands(
    reference: &str,
    root: &Root,
    manifests: &[Digest],
    config: Option<&Digest>,
) -> Vec<String> {
    let blob = |d: &Digest| format!("layout/blobs/sha256/{}", d.hex());
    let get = |what: &str, out: &str| {
        format!("docker buildx history inspect attachment {reference} {what} > {out}")
    };
    let mut c = vec![
        "mkdir -p layout/blobs/sha256".to_owned(),
        get(root.digest.as_str(), &blob(&root.digest)),
    ];
    let manifest_path = if !root.is_index() {
        blob(&root.digest)
    } else if let [m] = manifests {
        c.push(get(m.as_str(), &blob(m)));
        blob(m)
    } else {
        c.push(format!(
            "m=$(jq -r '[.manifests[] | select(.annotations.\"vnd.docker.reference.type\" != \"attestation-manifest\")][0].digest' {})",
            blob(&root.digest)
        ));
        c.push(get("\"$m\"", "\"layout/blobs/sha256/${m#sha256:}\""));
        "\"layout/blobs/sha256/${m#sha256:}\"".to_owned()
    };
    match config {
        Some(cfg) => c.push(get(cfg.as_str(), &blob(cfg))),
        None => {
            c.push(format!("cfg=$(jq -r .config.digest {manifest_path})"));
            c.push(get("\"$cfg\"", "\"layout/blobs/sha256/${cfg#sha256:}\""));
        }
    }
    c.push(format!(
        "printf '%s' '{{\"schemaVersion\":2,\"manifests\":[{{\"mediaType\":\"{}\",\"digest\":\"{}\",\"size\":{}}}]}}' > layout/index.json",
        root.media_type, root.digest, root.size
    ));
    c.push("printf '%s' '{\"imageLayoutVersion\":\"1.0.0\"}' > layout/oci-layout".to_owned());
    c.push("cachelens show layout".to_owned());
    c
}

/// A build record as a comparable document (what `cachelens canon x.dockerbuild` prints and
/// `diff` compares): what was built and how, without the run's identity. The ref and the start
/// and end times differ for every run, so they are left out (`cachelens show` lists them).
pub fn document(b: &BuildRecord) -> Value {
    let mut d = serde_json::to_value(b).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut d {
        for k in ["ref", "record", "createdAt", "completedAt"] {
            m.shift_remove(k);
        }
        // The commands repeat the ref; results are compared by what they hold.
        if let Some(Value::Array(rs)) = m.get_mut("results") {
            for r in rs {
                if let Value::Object(r) = r {
                    r.shift_remove("commands");
                }
            }
        }
    }
    crate::json::sorted(d)
}

/// What a `--metadata-file` output says about where the build's results are.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MetadataPointer {
    /// `buildx.build.ref` as written (`builder/node/ref`).
    pub build_ref: Option<String>,
    /// Its last segment, what `docker buildx history` takes.
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    /// The root: `containerimage.descriptor`, else `containerimage.digest`.
    pub root: Option<Root>,
    /// `containerimage.config.digest`.
    pub config_digest: Option<Digest>,
    /// `image.name`.
    pub image_name: Option<String>,
    /// The commands that fetch the index, manifest and config from the build record into a
    /// partial layout (empty without a ref and a root).
    pub commands: Vec<String>,
}

/// Reads a `--metadata-file` output.
pub fn metadata(doc: &Value) -> MetadataPointer {
    let build_ref = doc
        .get("buildx.build.ref")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let reference = build_ref.as_deref().map(|r| short_ref(r).to_owned());
    let root = doc
        .get("containerimage.descriptor")
        .and_then(root_of)
        .or_else(|| {
            let d = Digest::parse(doc.get("containerimage.digest")?.as_str()?)?;
            Some(Root {
                media_type: String::new(),
                digest: d,
                size: 0,
            })
        });
    let commands = match (&reference, &root) {
        (Some(r), Some(root)) if !root.media_type.is_empty() => {
            let config = doc
                .get("containerimage.config.digest")
                .and_then(Value::as_str)
                .and_then(Digest::parse)
                .filter(|_| !root.is_index());
            attachment_commands(r, root, &[], config.as_ref())
        }
        _ => Vec::new(),
    };
    MetadataPointer {
        build_ref,
        reference,
        root,
        config_digest: doc
            .get("containerimage.config.digest")
            .and_then(Value::as_str)
            .and_then(Digest::parse),
        image_name: doc
            .get("image.name")
            .and_then(Value::as_str)
            .map(str::to_owned),
        commands,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn times_are_rfc3339_utc() {
        let v: Value = serde_json::from_str(r#"{"seconds": 1796156217, "nanos": 986267534}"#)
            .unwrap_or_default();
        assert_eq!(
            time_of(Some(&v)).as_deref(),
            Some("2026-12-01T20:16:57.986267534Z")
        );
    }

    #[test]
    fn short_ref_is_the_last_segment() {
        assert_eq!(short_ref("default/default/czdw"), "czdw");
        assert_eq!(short_ref("czdw"), "czdw");
    }
}
