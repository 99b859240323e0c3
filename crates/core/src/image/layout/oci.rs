//! The OCI side of the walk: `oci-layout`, `index.json`, the indexes and manifests it reaches.

use super::*;

impl<'a> Walk<'a> {
    pub(super) fn oci_layout_file(&mut self) {
        match self.fetch("oci-layout", "the layout") {
            Fetch::Ready { bytes, path, .. } => {
                let version = self
                    .parse(&path, bytes)
                    .and_then(|v| str_of(&v, "imageLayoutVersion"));
                if version.as_deref() != Some("1.0.0") {
                    self.warn(
                        Some(&path),
                        Problem::LayoutVersion(
                            "imageLayoutVersion is not \"1.0.0\"; read as version 1.0.0",
                        ),
                    );
                }
            }
            Fetch::Missing if !self.layout.entries.contains_key("manifest.json") => {
                self.warn(
                    Some("oci-layout"),
                    Problem::LayoutVersion(
                        "there is no oci-layout file beside index.json; read as layout version 1.0.0",
                    ),
                );
            }
            _ => {}
        }
    }

    pub(super) fn oci(&mut self) {
        let Fetch::Ready { bytes, entry, path } = self.fetch("index.json", "the layout") else {
            return;
        };
        let Some(doc) = self.parse(&path, bytes) else {
            return;
        };
        let Some(manifests) = doc.get("manifests").and_then(Value::as_array) else {
            self.problem(
                Some(&path),
                Problem::Shape {
                    at: "/manifests".into(),
                    expected: "an array of descriptors",
                    found: crate::error::type_name(doc.get("manifests").unwrap_or(&Value::Null)),
                },
            );
            return;
        };
        self.index = Some(IndexInfo {
            path: path.clone(),
            digest: Digest::sha256(bytes),
            size: entry.size,
            media_type: str_of(&doc, "mediaType"),
            annotations: annotations_of(&doc),
            manifests: manifests.len(),
            check: None,
        });
        if export::is_cache_index(&doc) {
            // index.json itself lists the cache config and layers.
            let root = Blob {
                digest: Digest::sha256(bytes),
                size: entry.size,
                media_type: str_of(&doc, "mediaType"),
                path: path.clone(),
                check: Check {
                    digest: Status::Computed,
                    size: Status::Computed,
                },
            };
            self.cache_index(root, &doc, &BTreeMap::new());
            return;
        }
        for (i, d) in manifests.iter().enumerate() {
            let trail = Trail {
                referrer: format!("index.json at /manifests/{i}"),
                via: vec!["index.json".into()],
                annotations: BTreeMap::new(),
                platform: None,
                depth: 0,
                stack: Vec::new(),
                export: BTreeMap::new(),
            };
            self.visit(&path, &format!("/manifests/{i}"), d, trail);
        }
    }

    fn visit(&mut self, doc_path: &str, at: &str, d: &Value, trail: Trail) {
        let Some(desc) = self.descriptor(doc_path, at, d) else {
            return;
        };
        let referrer = trail.referrer.clone();
        let is_index = match desc.media_type.as_deref() {
            Some(OCI_INDEX | DOCKER_LIST) => Some(true),
            Some(OCI_MANIFEST | DOCKER_MANIFEST) => Some(false),
            None => None,
            Some(other) => {
                self.warn(
                    None,
                    Problem::OtherMediaType {
                        media_type: other.to_owned(),
                        referrer,
                    },
                );
                return;
            }
        };
        let path = blob_path(&desc.digest);
        let (bytes, path) = match self.fetch(&path, &referrer) {
            Fetch::Ready { bytes, path, .. } => (bytes, path),
            Fetch::Missing
                if trail.depth > 0
                    && is_index == Some(false)
                    && desc
                        .annotations
                        .get("vnd.docker.reference.type")
                        .is_some_and(|t| t == "attestation-manifest") =>
            {
                self.warn(
                    Some(&path),
                    Problem::AttestationAbsent {
                        digest: desc.digest.clone(),
                        of: desc.annotations.get("vnd.docker.reference.digest").cloned(),
                        referrer,
                    },
                );
                return;
            }
            Fetch::Missing if trail.depth > 0 && is_index == Some(false) => {
                let platform = desc.platform.as_ref().and_then(platform_string);
                self.warn(
                    Some(&path),
                    Problem::PlatformAbsent {
                        digest: desc.digest.clone(),
                        platform: platform.unwrap_or_else(|| "unknown".into()),
                        referrer,
                    },
                );
                return;
            }
            Fetch::Missing => {
                self.problem(
                    Some(&path),
                    Problem::Missing {
                        digest: Some(desc.digest.clone()),
                        referrer,
                    },
                );
                return;
            }
            Fetch::TooLarge(entry, path) => {
                self.warn(
                    Some(&path),
                    Problem::TooLarge {
                        what: "the JSON blob",
                        size: entry.size,
                        limit: MAX_JSON_BYTES,
                    },
                );
                return;
            }
            Fetch::Pending | Fetch::Broken => return,
        };
        let check = self.verify(&desc, &path, bytes, &referrer);
        let Some(doc) = self.parse(&path, bytes) else {
            return;
        };
        let is_index =
            is_index.unwrap_or_else(|| doc.get("manifests").is_some_and(Value::is_array));
        let mut annotations = trail.annotations.clone();
        annotations.extend(desc.annotations.clone());
        let platform = desc.platform.clone().or(trail.platform.clone());
        if is_index && export::is_cache_index(&doc) {
            let root = read_blob(&desc, &path, bytes, &doc, check);
            self.cache_index(root, &doc, &annotations);
            return;
        }
        if !is_index {
            self.image(desc, check, &path, bytes, doc, trail, annotations, platform);
            return;
        }
        if trail.stack.contains(&desc.digest) || trail.depth >= MAX_DEPTH {
            let reason = if trail.stack.contains(&desc.digest) {
                "refers to itself"
            } else {
                "is nested too deep"
            };
            self.problem(
                Some(&path),
                Problem::Nesting {
                    digest: desc.digest,
                    reason,
                },
            );
            return;
        }
        let manifests = doc
            .get("manifests")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        self.indexes.push(IndexInfo {
            path: path.clone(),
            digest: desc.digest.clone(),
            size: bytes.len() as u64,
            media_type: str_of(&doc, "mediaType").or(desc.media_type.clone()),
            annotations: annotations_of(&doc),
            manifests: manifests.len(),
            check: Some(check),
        });
        for (i, child) in manifests.iter().enumerate() {
            let mut via = trail.via.clone();
            via.push(desc.digest.to_string());
            let mut stack = trail.stack.clone();
            stack.push(desc.digest.clone());
            let next = Trail {
                referrer: format!("index {} at /manifests/{i}", desc.digest),
                via,
                annotations: annotations.clone(),
                platform: platform.clone(),
                depth: trail.depth + 1,
                stack,
                export: export_of(&trail, &desc),
            };
            self.visit(&path, &format!("/manifests/{i}"), child, next);
        }
    }

    #[allow(clippy::too_many_arguments)] // reason: one call site; the pieces of one descriptor walk
    fn image(
        &mut self,
        desc: Descriptor,
        check: Check,
        path: &str,
        bytes: &[u8],
        doc: Value,
        trail: Trail,
        annotations: BTreeMap<String, String>,
        platform: Option<Value>,
    ) {
        let export_annotations = export_of(&trail, &desc);
        let manifest = read_blob(&desc, path, bytes, &doc, check);
        if let Some(kind) = export::config_kind(&doc) {
            let Some(cd) = doc
                .get("config")
                .and_then(|c| self.descriptor(path, "/config", c))
            else {
                return;
            };
            if kind == crate::buildx::HISTORY_RECORD {
                self.build_record(manifest, &cd, &doc);
            } else {
                self.cache_manifest(manifest, &cd, &doc, &annotations);
            }
            return;
        }
        let name = format!("manifest {}", desc.digest);
        let mut config = None;
        let mut config_info = None;
        match doc.get("config") {
            Some(c) => {
                if let Some(cd) = self.descriptor(path, "/config", c) {
                    let referrer = format!("{name} at /config");
                    let (blob, bytes) =
                        self.config_blob(&blob_path(&cd.digest), referrer, Declared::By(&cd));
                    config = bytes;
                    config_info = Some(ConfigInfo {
                        blob,
                        without_cache_digest: None,
                        caches: Vec::new(),
                        warnings: Vec::new(),
                    });
                }
            }
            None => self.problem(
                Some(path),
                Problem::Shape {
                    at: "/config".into(),
                    expected: "a config descriptor",
                    found: "nothing".into(),
                },
            ),
        }
        let mut layers = Vec::new();
        let listed = doc
            .get("layers")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for (i, l) in listed.iter().enumerate() {
            let at = format!("/layers/{i}");
            layers.push(self.layer(i, l, path, &at, &format!("{name} at {at}")));
        }
        let attestation = annotations
            .get("vnd.docker.reference.type")
            .map(String::as_str)
            == Some("attestation-manifest");
        let via = trail.via;
        self.images.push(Found {
            image: Image {
                platform: platform
                    .as_ref()
                    .and_then(platform_string)
                    .unwrap_or_default(),
                ref_name: annotations
                    .get("org.opencontainers.image.ref.name")
                    .cloned(),
                repo_tags: Vec::new(),
                manifest: Some(manifest),
                config: config_info,
                layers,
                annotations: annotations_of(&doc),
                index_annotations: annotations,
                via,
                manifest_doc: Some(doc),
                platform_doc: platform,
                export_annotations,
                ..Image::default()
            },
            config,
            attestation,
        });
    }
}

/// An index or manifest blob as read: its descriptor's digest, the bytes' size, the media type
/// the descriptor gives (else the document's own), where it was and how it checked out.
fn read_blob(desc: &Descriptor, path: &str, bytes: &[u8], doc: &Value, check: Check) -> Blob {
    Blob {
        digest: desc.digest.clone(),
        size: bytes.len() as u64,
        media_type: desc.media_type.clone().or_else(|| str_of(doc, "mediaType")),
        path: path.to_owned(),
        check,
    }
}
