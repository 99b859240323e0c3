//! What is this input? Detects the kind of a parsed JSON document (or a bare base64 value).

use serde_json::{Map, Value};
use std::fmt;

/// The media type of a BuildKit cache config.
pub const CACHE_CONFIG_MEDIA_TYPE: &str = "application/vnd.buildkit.cacheconfig.v0";
/// The key under which BuildKit stores the inline cache in an image config.
pub const INLINE_CACHE_KEY: &str = "moby.buildkit.cache.v0";

/// The kinds of input cachelens understands. The string forms are part of the JSON output
/// contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Kind {
    /// A Docker or OCI image config (with or without `moby.buildkit.cache.v0`).
    ImageConfig,
    /// The bare inline cache value: the base64 string alone.
    InlineCache,
    /// The decoded inline cache value: a JSON array of cache records.
    CacheRecords,
    /// A cache config (`application/vnd.buildkit.cacheconfig.v0`), registry or gha/s3/azblob form.
    CacheConfig,
    /// An OCI or Docker image manifest.
    ImageManifest,
    /// An OCI image index or Docker manifest list.
    ImageIndex,
    /// BuildKit's registry-cache manifest (`image-manifest=true`): config is the cache config.
    CacheManifest,
    /// BuildKit's registry-cache index (`image-manifest=false`): holds the cache config descriptor.
    CacheIndex,
    /// `docker image inspect` output.
    DockerInspect,
    /// `docker buildx build --metadata-file` output.
    BuildxMetadata,
    /// A build record (`docker buildx history export`, read from a `.dockerbuild` file).
    BuildRecord,
    /// Any other JSON.
    Json,
}

impl Kind {
    /// Every kind, in the order of the JSON contract's list.
    pub const ALL: [Kind; 12] = [
        Kind::ImageConfig,
        Kind::InlineCache,
        Kind::CacheRecords,
        Kind::CacheConfig,
        Kind::ImageManifest,
        Kind::ImageIndex,
        Kind::CacheManifest,
        Kind::CacheIndex,
        Kind::DockerInspect,
        Kind::BuildxMetadata,
        Kind::BuildRecord,
        Kind::Json,
    ];

    /// The kind whose [`Kind::as_str`] name this is (`image-manifest`), if any.
    pub fn named(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// The kebab-case name used in output (`image-config`, `inline-cache`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::ImageConfig => "image-config",
            Kind::InlineCache => "inline-cache",
            Kind::CacheRecords => "cache-records",
            Kind::CacheConfig => "cache-config",
            Kind::ImageManifest => "image-manifest",
            Kind::ImageIndex => "image-index",
            Kind::CacheManifest => "cache-manifest",
            Kind::CacheIndex => "cache-index",
            Kind::DockerInspect => "docker-inspect",
            Kind::BuildxMetadata => "buildx-metadata",
            Kind::BuildRecord => "build-record",
            Kind::Json => "json",
        }
    }

    /// A phrase for people ("an image config").
    pub fn describe(self) -> &'static str {
        match self {
            Kind::ImageConfig => "an image config",
            Kind::InlineCache => "an inline cache value (base64)",
            Kind::CacheRecords => "decoded inline cache records",
            Kind::CacheConfig => "a BuildKit cache config",
            Kind::ImageManifest => "an image manifest",
            Kind::ImageIndex => "an image index",
            Kind::CacheManifest => "a registry cache manifest",
            Kind::CacheIndex => "a registry cache index",
            Kind::DockerInspect => "docker image inspect output",
            Kind::BuildxMetadata => "buildx metadata",
            Kind::BuildRecord => "a build record (docker buildx history export)",
            Kind::Json => "JSON",
        }
    }

    /// Whether the whole document is a cache (so ignoring the cache ignores everything).
    pub fn is_cache_only(self) -> bool {
        matches!(
            self,
            Kind::InlineCache | Kind::CacheRecords | Kind::CacheConfig
        )
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Kind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Back from [`Kind::as_str`] (the viewer's worker sends analyses to the page as JSON).
impl<'de> serde::Deserialize<'de> for Kind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Kind::named(&name)
            .ok_or_else(|| serde::de::Error::custom(format_args!("unknown kind {name:?}")))
    }
}

const MANIFEST_TYPES: &[&str] = &[
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
];
const INDEX_TYPES: &[&str] = &[
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
];
const RECORD_KEYS: &[&str] = &["digest", "inputs", "layers", "chains"];

fn str_at<'a>(m: &'a Map<String, Value>, k: &str) -> Option<&'a str> {
    m.get(k).and_then(Value::as_str)
}

/// Whether a value looks like an array of BuildKit cache records.
pub(crate) fn is_records(v: &Value) -> bool {
    let Some(a) = v.as_array() else { return false };
    !a.is_empty()
        && a.iter().all(|r| match r {
            Value::Object(m) => m
                .keys()
                .all(|k| RECORD_KEYS.iter().any(|f| f.eq_ignore_ascii_case(k))),
            Value::Null => true,
            _ => false,
        })
        && a.iter().any(|r| r.get("digest").is_some())
}

/// Whether an object is a cache config (`layers` of blobs and/or `records` of cache records).
///
/// Inside a cache config, records may carry fields BuildKit does not know (Go ignores them, the
/// canonical form keeps them): each record needs only one known field. A bare array of objects
/// is held to [`is_records`]' stricter test, so that, say, a list of descriptors is not taken
/// for cache records.
fn is_cache_config(m: &Map<String, Value>) -> bool {
    let records_ok = match m.get("records") {
        Some(Value::Array(a)) => {
            a.iter().all(|r| match r {
                // `{}` is Go's zero record, as `null` is.
                Value::Object(m) => {
                    m.is_empty()
                        || m.keys()
                            .any(|k| RECORD_KEYS.iter().any(|f| f.eq_ignore_ascii_case(k)))
                }
                Value::Null => true,
                _ => false,
            }) && (a.is_empty() || a.iter().any(|r| r.get("digest").is_some()))
        }
        Some(Value::Null) | None => false,
        _ => return false,
    };
    let layers_ok = match m.get("layers") {
        Some(Value::Array(a)) => a
            .iter()
            .all(|l| l.get("blob").is_some() || l.get("parent").is_some()),
        None | Some(Value::Null) => true,
        _ => false,
    };
    records_ok && layers_ok && !m.contains_key("schemaVersion")
}

/// Detects the kind of a parsed document.
pub fn detect(v: &Value) -> Kind {
    match v {
        // A JSON string is an inline cache value when it is base64 of a JSON array or object.
        Value::String(s) if crate::decode::starts_as_base64_json(s) => Kind::InlineCache,
        Value::Array(a) => {
            if !a.is_empty()
                && a.iter().all(|x| {
                    x.as_object().is_some_and(|m| {
                        m.contains_key("RootFS")
                            || (m.contains_key("Id") && m.contains_key("Config"))
                    })
                })
            {
                Kind::DockerInspect
            } else if is_records(v) {
                Kind::CacheRecords
            } else {
                Kind::Json
            }
        }
        Value::Object(m) => detect_object(m),
        _ => Kind::Json,
    }
}

fn detect_object(m: &Map<String, Value>) -> Kind {
    let media_type = str_at(m, "mediaType");
    if m.contains_key(INLINE_CACHE_KEY)
        || m.get("rootfs").and_then(|r| r.get("diff_ids")).is_some()
        || (m.contains_key("architecture") && m.contains_key("os") && !m.contains_key("manifests"))
    {
        return Kind::ImageConfig;
    }
    if let Some(manifests) = m.get("manifests").and_then(Value::as_array)
        && media_type.is_none_or(|t| INDEX_TYPES.contains(&t))
    {
        {
            let cache = manifests.iter().any(|d| {
                d.get("mediaType").and_then(Value::as_str) == Some(CACHE_CONFIG_MEDIA_TYPE)
            });
            return if cache {
                Kind::CacheIndex
            } else {
                Kind::ImageIndex
            };
        }
    }
    if let (Some(config), Some(Value::Array(_))) = (m.get("config"), m.get("layers"))
        && media_type.is_none_or(|t| MANIFEST_TYPES.contains(&t))
        && config.get("digest").is_some()
    {
        {
            let cache =
                config.get("mediaType").and_then(Value::as_str) == Some(CACHE_CONFIG_MEDIA_TYPE);
            return if cache {
                Kind::CacheManifest
            } else {
                Kind::ImageManifest
            };
        }
    }
    if is_cache_config(m) {
        return Kind::CacheConfig;
    }
    if m.keys().any(|k| {
        k.starts_with("containerimage.") || k.starts_with("buildx.build.") || k == "image.name"
    }) {
        return Kind::BuildxMetadata;
    }
    Kind::Json
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn kind(text: &str) -> Kind {
        detect(&parse(text).unwrap())
    }

    #[test]
    fn kinds() {
        let cases = [
            (
                r#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#,
                Kind::ImageConfig,
            ),
            (
                r#"{"moby.buildkit.cache.v0":"W3t9XQ=="}"#,
                Kind::ImageConfig,
            ),
            (r#""W3siZGlnZXN0IjoieCJ9XQ==""#, Kind::InlineCache),
            // URL-safe, wrapped, unpadded.
            (r#""W3siZGln\nZXN0Ijoi\nP34_In1d""#, Kind::InlineCache),
            // Words are a JSON string, not base64 of JSON.
            (r#""hello there garbage text""#, Kind::Json),
            (
                r#"[{"digest":"sha256:00","inputs":[[{"link":1}]]},{"digest":"x"}]"#,
                Kind::CacheRecords,
            ),
            (
                r#"{"layers":[{"blob":"sha256:a","parent":-1}],"records":[{"digest":"x"}]}"#,
                Kind::CacheConfig,
            ),
            // Records with fields BuildKit does not know are still records, in a cache config.
            (
                r#"{"layers":[{"blob":"sha256:a"}],"records":[{"digest":"x","layers":[{"layer":0}],"note":1},null]}"#,
                Kind::CacheConfig,
            ),
            // A bare array is held to the stricter test: descriptors are not records.
            (
                r#"[{"digest":"sha256:a","mediaType":"application/octet-stream","size":1}]"#,
                Kind::Json,
            ),
            (r#"{"records":[{"name":"x"}]}"#, Kind::Json),
            (
                r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:a","size":1},"layers":[]}"#,
                Kind::ImageManifest,
            ),
            (
                r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.buildkit.cacheconfig.v0","digest":"sha256:a","size":1},"layers":[]}"#,
                Kind::CacheManifest,
            ),
            (
                r#"{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:a","size":1}]}"#,
                Kind::ImageIndex,
            ),
            (
                r#"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[{"mediaType":"application/vnd.buildkit.cacheconfig.v0","digest":"sha256:a","size":1}]}"#,
                Kind::CacheIndex,
            ),
            (
                r#"[{"Id":"sha256:a","RepoTags":[],"Config":{},"RootFS":{"Type":"layers","Layers":[]}}]"#,
                Kind::DockerInspect,
            ),
            (
                r#"{"containerimage.config.digest":"sha256:a","containerimage.digest":"sha256:b"}"#,
                Kind::BuildxMetadata,
            ),
            (r#"{"hello":"world"}"#, Kind::Json),
            ("[]", Kind::Json),
            ("42", Kind::Json),
        ];
        for (text, want) in cases {
            assert_eq!(kind(text), want, "{text}");
        }
    }
}
