//! The two kinds of OCI layout that hold no image: BuildKit cache exports (`--cache-to
//! type=local`: an index listing layers and a cache config, or since v0.21 an image manifest
//! whose config is the cache config) and build records (`docker buildx history export`: a
//! manifest whose config is `application/vnd.buildkit.historyrecord.v0`).

use super::{Descriptor, Fetch, Walk, annotations_of, blob_path, str_of};
use crate::buildx::{self, BuildResult, HISTORY_RECORD, IN_TOTO, IndexEntry, ORIGINAL_MEDIA_TYPE};
use crate::detect::CACHE_CONFIG_MEDIA_TYPE;
use crate::image::{Blob, CacheExport, Check, Layer, MAX_JSON_BYTES, Problem, Status};
use crate::{Digest, buildx::Root};
use serde_json::Value;
use std::collections::BTreeMap;

/// A cache export being assembled: its config bytes are analysed at the end.
pub(super) struct FoundCache<'a> {
    pub(super) export: CacheExport,
    pub(super) config: Option<&'a [u8]>,
}

/// Whether an index's descriptors make it a cache export (it lists a cache config).
pub(super) fn is_cache_index(doc: &Value) -> bool {
    doc.get("manifests")
        .and_then(Value::as_array)
        .is_some_and(|ms| {
            ms.iter()
                .any(|d| media_type(d) == Some(CACHE_CONFIG_MEDIA_TYPE))
        })
}

fn media_type(d: &Value) -> Option<&str> {
    d.get("mediaType").and_then(Value::as_str)
}

/// A missing check: the blob is not there.
const MISSING: Check = Check {
    digest: Status::Missing,
    size: Status::Missing,
};

impl<'a> Walk<'a> {
    /// Reads a small JSON blob named by a descriptor: its check and bytes, or a problem when it
    /// is missing (`None`: missing, pending, too large or broken).
    fn blob(&mut self, d: &Descriptor, referrer: &str) -> (Blob, Option<&'a [u8]>) {
        let path = blob_path(&d.digest);
        let mut blob = Blob {
            digest: d.digest.clone(),
            size: d.size.unwrap_or_default(),
            media_type: d.media_type.clone(),
            path: path.clone(),
            check: MISSING,
        };
        match self.fetch(&path, referrer) {
            Fetch::Ready { bytes, path, .. } => {
                blob.check = self.verify(d, &path, bytes, referrer);
                (blob, Some(bytes))
            }
            Fetch::Missing => {
                self.problem(
                    Some(&path),
                    Problem::Missing {
                        digest: Some(d.digest.clone()),
                        referrer: referrer.to_owned(),
                    },
                );
                (blob, None)
            }
            Fetch::TooLarge(entry, p) => {
                blob.check = Check {
                    digest: Status::TooLarge,
                    size: self.check_size(d.size, entry.size, &p, referrer),
                };
                self.warn(
                    Some(&p),
                    Problem::TooLarge {
                        what: "the JSON blob",
                        size: entry.size,
                        limit: MAX_JSON_BYTES,
                    },
                );
                (blob, None)
            }
            Fetch::Pending | Fetch::Broken => (blob, None),
        }
    }

    /// A layer blob (of an image or a cache): looked up for its size only, never read. A blob
    /// that is not there is not damage: nothing needs its contents (a partial layout from a
    /// build record has none; foreign layers are never shipped); its check says so.
    pub(super) fn layer(
        &mut self,
        i: usize,
        l: &Value,
        doc_path: &str,
        at: &str,
        referrer: &str,
    ) -> Layer {
        let Some(ld) = self.descriptor(doc_path, at, l) else {
            return Layer {
                index: i,
                digest: None,
                size: None,
                media_type: str_of(l, "mediaType"),
                diff_id: None,
                chain_id: None,
                path: None,
                check: MISSING,
                annotations: annotations_of(l),
            };
        };
        let lpath = blob_path(&ld.digest);
        let check = match self.stat(&lpath) {
            Ok(Some((p, e))) => Check {
                digest: Status::LayerNotRead,
                size: self.check_size(ld.size, e.size, &p, referrer),
            },
            Err(()) => MISSING,
            Ok(None) => Check {
                digest: Status::Absent,
                size: Status::Absent,
            },
        };
        Layer {
            index: i,
            digest: Some(ld.digest),
            size: ld.size,
            media_type: ld.media_type,
            diff_id: None,
            chain_id: None,
            path: Some(lpath),
            check,
            annotations: ld.annotations,
        }
    }

    /// An index that lists a cache config beside the layers (BuildKit before v0.21, or a
    /// registry cache copied into a layout).
    pub(super) fn cache_index(
        &mut self,
        root: Blob,
        doc: &Value,
        annotations: &BTreeMap<String, String>,
    ) {
        let name = format!("index {}", root.digest);
        let list = doc
            .get("manifests")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut config = None;
        let mut layers = Vec::new();
        for (i, d) in list.iter().enumerate() {
            let at = format!("/manifests/{i}");
            let referrer = format!("{name} at {at}");
            if media_type(d) == Some(CACHE_CONFIG_MEDIA_TYPE) {
                if config.is_none()
                    && let Some(cd) = self.descriptor(&root.path, &at, d)
                {
                    config = Some(self.blob(&cd, &referrer));
                }
                continue;
            }
            let n = layers.len();
            layers.push(self.layer(n, d, &root.path, &at, &referrer));
        }
        self.push_cache("index", root, config, layers, annotations);
    }

    /// An image manifest whose config is a cache config (BuildKit v0.21 and later).
    pub(super) fn cache_manifest(
        &mut self,
        root: Blob,
        config: &Descriptor,
        doc: &Value,
        annotations: &BTreeMap<String, String>,
    ) {
        let name = format!("manifest {}", root.digest);
        let config = self.blob(config, &format!("{name} at /config"));
        let list = doc
            .get("layers")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let layers = list
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let at = format!("/layers/{i}");
                self.layer(i, l, &root.path, &at, &format!("{name} at {at}"))
            })
            .collect();
        self.push_cache("manifest", root, Some(config), layers, annotations);
    }

    fn push_cache(
        &mut self,
        form: &'static str,
        root: Blob,
        config: Option<(Blob, Option<&'a [u8]>)>,
        mut layers: Vec<Layer>,
        annotations: &BTreeMap<String, String>,
    ) {
        // A cache layer's descriptor names its uncompressed digest.
        for l in &mut layers {
            l.diff_id = l
                .annotations
                .get("containerd.io/uncompressed")
                .and_then(|d| Digest::parse(d));
        }
        let (config, bytes) = config.unwrap_or_else(|| {
            (
                Blob {
                    digest: Digest::sha256(b""),
                    size: 0,
                    media_type: Some(CACHE_CONFIG_MEDIA_TYPE.into()),
                    path: String::new(),
                    check: MISSING,
                },
                None,
            )
        });
        self.caches.push(FoundCache {
            export: CacheExport {
                form,
                root,
                config,
                ref_name: annotations
                    .get("org.opencontainers.image.ref.name")
                    .cloned(),
                layers,
                caches: Vec::new(),
                warnings: Vec::new(),
                config_bytes: None,
            },
            config: bytes,
        });
    }

    /// A build record's manifest (`docker buildx history export`).
    pub(super) fn build_record(&mut self, root: Blob, config: &Descriptor, doc: &Value) {
        let name = format!("manifest {}", root.digest);
        let (_, record_bytes) = self.blob(config, &format!("{name} at /config"));
        let list = doc
            .get("layers")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        // Result roots (retyped to application/json) and the provenance, by digest.
        let mut blobs: BTreeMap<Digest, Value> = BTreeMap::new();
        let mut provenance = None;
        for (i, l) in list.iter().enumerate() {
            let at = format!("/layers/{i}");
            let Some(ld) = self.descriptor(&root.path, &at, l) else {
                continue;
            };
            let referrer = format!("{name} at {at}");
            let is_root = ld.annotations.contains_key(ORIGINAL_MEDIA_TYPE);
            let is_provenance = ld.media_type.as_deref() == Some(IN_TOTO);
            if !is_root && !is_provenance {
                continue; // logs and trace: not needed, never read
            }
            let (blob, bytes) = self.blob(&ld, &referrer);
            let Some(v) = bytes.and_then(|b| self.parse(&blob.path, b)) else {
                continue;
            };
            if is_provenance {
                provenance.get_or_insert(v);
            } else {
                blobs.insert(ld.digest, v);
            }
        }
        let Some(record_doc) = record_bytes.and_then(|b| self.parse(&blob_path(&config.digest), b))
        else {
            return;
        };
        let mut record = buildx::record(&record_doc);
        record.record = Some(Root {
            media_type: HISTORY_RECORD.into(),
            digest: config.digest.clone(),
            size: config.size.unwrap_or_default(),
        });
        if let Some(p) = &provenance {
            record.materials = buildx::materials(p);
        }
        for (key, r) in buildx::result_roots(&record_doc) {
            let found = blobs.get(&r.digest);
            if found.is_none() && !self.needs.is_empty() {
                continue; // still fetching
            }
            if found.is_none() {
                self.problem(
                    Some(&blob_path(&r.digest)),
                    Problem::Missing {
                        digest: Some(r.digest.clone()),
                        referrer: format!(
                            "build record {} at /Result (result {key})",
                            record.reference
                        ),
                    },
                );
            }
            record
                .results
                .push(result(&record.reference, key, r, found));
        }
        self.builds.push(record);
    }
}

/// One result root and what the file holds of it.
fn result(reference: &str, key: String, root: Root, doc: Option<&Value>) -> BuildResult {
    let mut res = BuildResult {
        key,
        root,
        present: doc.is_some(),
        layers: Vec::new(),
        config: None,
        manifests: Vec::new(),
        commands: Vec::new(),
    };
    if let Some(doc) = doc {
        if res.root.is_index() {
            res.manifests = doc
                .get("manifests")
                .and_then(Value::as_array)
                .map(|ms| {
                    ms.iter()
                        .filter_map(|m| {
                            let descriptor = buildx::root_of(m)?;
                            let attestation = m
                                .get("annotations")
                                .and_then(|a| a.get("vnd.docker.reference.type"))
                                .and_then(Value::as_str)
                                == Some("attestation-manifest");
                            let platform = if attestation {
                                "attestation".to_owned()
                            } else {
                                m.get("platform")
                                    .and_then(super::platform_string)
                                    .unwrap_or_else(|| "unknown".into())
                            };
                            Some(IndexEntry {
                                descriptor,
                                platform,
                            })
                        })
                        .collect()
                })
                .unwrap_or_default();
        } else {
            res.layers = doc
                .get("layers")
                .and_then(Value::as_array)
                .map(|ls| ls.iter().filter_map(buildx::root_of).collect())
                .unwrap_or_default();
            res.config = doc.get("config").and_then(buildx::root_of);
        }
    }
    let images: Vec<Digest> = res
        .manifests
        .iter()
        .filter(|m| m.platform != "attestation")
        .map(|m| m.descriptor.digest.clone())
        .collect();
    let config = res.config.as_ref().map(|c| c.digest.clone());
    res.commands = buildx::attachment_commands(reference, &res.root, &images, config.as_ref());
    res
}

/// Whether a manifest's config makes it a build record or a cache export.
pub(super) fn config_kind(doc: &Value) -> Option<&'static str> {
    match doc.get("config").and_then(media_type) {
        Some(HISTORY_RECORD) => Some(HISTORY_RECORD),
        Some(CACHE_CONFIG_MEDIA_TYPE) => Some(CACHE_CONFIG_MEDIA_TYPE),
        _ => None,
    }
}
