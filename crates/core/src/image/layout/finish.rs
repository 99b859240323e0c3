//! The end of a walk: configs analysed, diff_ids, chain IDs and last layers filled in.

use super::*;

impl<'a> Walk<'a> {
    /// Analyses the configs, fills in diff_ids and chain IDs, and hands the result over.
    pub(super) fn finish(mut self) -> ImageSet {
        let mut images = Vec::new();
        let mut attestations = Vec::new();
        let found = std::mem::take(&mut self.images);
        for f in found {
            let attestation = f.attestation;
            let image = self.complete(f);
            if attestation {
                attestations.push(image);
            } else {
                images.push(image);
            }
        }
        let mut caches = Vec::new();
        for f in std::mem::take(&mut self.caches) {
            let mut export = f.export;
            if let Some(bytes) = f.config {
                match crate::analyze(bytes, None) {
                    Ok(a) => {
                        let o = crate::overview::overview(&a);
                        export.caches = o.caches;
                        export.warnings = o.warnings;
                        if a.kind != crate::Kind::CacheConfig {
                            self.problem(
                                Some(&export.config.path),
                                Problem::Shape {
                                    at: String::new(),
                                    expected: "a BuildKit cache config (layers and records)",
                                    found: a.kind.describe().to_owned(),
                                },
                            );
                        }
                    }
                    Err(e) => {
                        self.problem(Some(&export.config.path), Problem::Document(Box::new(e)))
                    }
                }
                export.config_bytes = Some(bytes.to_vec());
            }
            caches.push(export);
        }
        let builds = std::mem::take(&mut self.builds);
        let has_docker =
            self.docker_manifest.is_some() || self.layout.entries.contains_key("manifest.json");
        let kind = match (self.layout.container, has_docker) {
            (Container::Tar, false) => ArchiveKind::OciArchive,
            (Container::Tar, true) => ArchiveKind::DockerArchive,
            (Container::Dir, false) => ArchiveKind::OciLayout,
            (Container::Dir, true) => ArchiveKind::DockerDirectory,
        };
        ImageSet {
            kind,
            size: self.layout.size,
            entries: self.layout.entries.len(),
            index: self.index,
            indexes: self.indexes,
            docker_manifest: self.docker_manifest,
            images,
            attestations,
            caches,
            builds,
            problems: self.problems,
            warnings: self.warnings,
        }
    }

    fn complete(&mut self, f: Found<'a>) -> Image {
        let mut image = f.image;
        let Some((bytes, path)) = f.config else {
            if image.platform.is_empty() {
                image.platform = "unknown".into();
            }
            let entry = image.manifest.as_ref().map(|m| m.path.clone());
            self.seal(&mut image, entry.as_deref().unwrap_or_default());
            return image;
        };
        match crate::analyze(bytes, None) {
            Ok(a) => {
                let o = crate::overview::overview_parts(&a);
                if let Some(c) = &mut image.config {
                    c.without_cache_digest = o.without_cache_digest.clone();
                    c.caches = o.caches.clone();
                    c.warnings = o.warnings.clone();
                    if c.blob.media_type.is_none() {
                        c.blob.media_type =
                            Some("application/vnd.docker.container.image.v1+json".into());
                    }
                }
                if image.platform.is_empty() {
                    image.platform = platform_string(&a.original).unwrap_or_default();
                }
                let ids: Vec<Value> = a
                    .original
                    .get("rootfs")
                    .and_then(|r| r.get("diff_ids"))
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                let mut diff_ids = Vec::new();
                for (i, d) in ids.iter().enumerate() {
                    match d.as_str().and_then(Digest::parse) {
                        Some(d) => diff_ids.push(d),
                        None => {
                            self.problem(
                                Some(&path),
                                Problem::BadDigest {
                                    at: format!("/rootfs/diff_ids/{i}"),
                                    value: d.as_str().map_or_else(|| d.to_string(), str::to_owned),
                                },
                            );
                            break;
                        }
                    }
                }
                if diff_ids.len() == ids.len() && ids.len() != image.layers.len() {
                    self.problem(
                        Some(&path),
                        Problem::LayerCount {
                            layers: image.layers.len(),
                            diff_ids: ids.len(),
                        },
                    );
                }
                let chains = chain_ids(&diff_ids);
                for (l, (d, c)) in image.layers.iter_mut().zip(diff_ids.iter().zip(&chains)) {
                    l.diff_id = Some(d.clone());
                    l.chain_id = Some(c.clone());
                    // docker save's <id>/layer.tar is the uncompressed layer: its digest is the
                    // diff_id (not verified: contents are not read).
                    if l.digest.is_none() && l.check.digest == Status::LayerNotRead {
                        l.digest = Some(d.clone());
                    }
                }
                image.diff_ids = diff_ids;
                image.chain_ids = chains;
                image.config_analysis = Some(a);
            }
            Err(e) => self.problem(Some(&path), Problem::Document(Box::new(e))),
        }
        if image.platform.is_empty() {
            image.platform = "unknown".into();
        }
        self.seal(&mut image, &path);
        image
    }

    /// The last layer and the top chain ID (the key of the whole layer stack), with a warning
    /// when the last layer is the empty layer (useless as a cache key).
    fn seal(&mut self, image: &mut Image, entry: &str) {
        image.last_layer = image.layers.last().cloned();
        image.chain_id = image.chain_ids.last().cloned();
        if let Some(l) = &image.last_layer
            && crate::image::is_empty_layer(l)
        {
            image.last_layer_empty = true;
            self.warn(
                Some(entry),
                Problem::EmptyLastLayer {
                    index: l.index,
                    digest: l
                        .digest
                        .as_ref()
                        .map_or_else(|| "digest not known".to_owned(), ToString::to_string),
                    chain_id: image.chain_id.clone(),
                },
            );
        }
    }
}
