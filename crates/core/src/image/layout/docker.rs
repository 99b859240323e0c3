//! The `docker save` side of the walk: `manifest.json` and the config and layer files it names.

use super::*;

impl<'a> Walk<'a> {
    pub(super) fn docker(&mut self) {
        let Fetch::Ready { bytes, entry, path } = self.fetch("manifest.json", "the layout") else {
            return;
        };
        self.docker_manifest = Some(FileInfo {
            path: path.clone(),
            digest: Digest::sha256(bytes),
            size: entry.size,
        });
        let Some(doc) = self.parse(&path, bytes) else {
            return;
        };
        let Some(list) = doc.as_array() else {
            self.problem(
                Some(&path),
                Problem::Shape {
                    at: String::new(),
                    expected: "an array of images",
                    found: crate::error::type_name(&doc),
                },
            );
            return;
        };
        for (i, item) in list.iter().enumerate() {
            self.docker_image(&path, i, item);
        }
    }

    fn docker_image(&mut self, doc_path: &str, i: usize, item: &Value) {
        let at = format!("/{i}");
        let referrer = format!("manifest.json at {at}");
        let repo_tags: Vec<String> = item
            .get("RepoTags")
            .and_then(Value::as_array)
            .map(|t| {
                t.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let Some(config_name) = item.get("Config").and_then(Value::as_str) else {
            self.problem(
                Some(doc_path),
                Problem::Shape {
                    at: format!("{at}/Config"),
                    expected: "the config's path",
                    found: crate::error::type_name(item.get("Config").unwrap_or(&Value::Null)),
                },
            );
            return;
        };
        let config_path = match normalize(config_name) {
            Ok(p) => p,
            Err(p) => {
                self.problem(Some(config_name), p);
                return;
            }
        };
        let declared = digest_in_path(&config_path);
        // docker 25 and later: the same image is in the OCI layout; add its tags there.
        if let Some(d) = &declared
            && let Some(found) = self.images.iter_mut().find(|f| {
                f.image.config.as_ref().is_some_and(|c| &c.blob.digest == d)
                    && f.image.repo_tags.is_empty()
            })
        {
            found.image.repo_tags = repo_tags;
            return;
        }
        let config_ref = format!("{referrer}/Config");
        let (blob, config) =
            self.config_blob(&config_path, config_ref, Declared::FileName(declared));
        let mut layers = Vec::new();
        let names: Vec<Value> = item
            .get("Layers")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for (j, name) in names.iter().enumerate() {
            let name = name.as_str().unwrap_or_default();
            let mut layer = Layer {
                index: j,
                digest: None,
                size: None,
                media_type: Some(DOCKER_LAYER_TAR.into()),
                diff_id: None,
                chain_id: None,
                path: None,
                check: Check {
                    digest: Status::Missing,
                    size: Status::Missing,
                },
                annotations: BTreeMap::new(),
            };
            match normalize(name) {
                Err(p) => self.problem(Some(name), p),
                Ok(lpath) => {
                    layer.digest = digest_in_path(&lpath);
                    match self.stat(&lpath) {
                        Ok(Some((_, e))) => {
                            layer.size = Some(e.size);
                            layer.check = Check {
                                digest: Status::LayerNotRead,
                                size: Status::Computed,
                            };
                        }
                        Err(()) => {}
                        Ok(None) => {
                            layer.check = Check {
                                digest: Status::Absent,
                                size: Status::Absent,
                            };
                        }
                    }
                    layer.path = Some(lpath);
                }
            }
            layers.push(layer);
        }
        self.images.push(Found {
            image: Image {
                repo_tags,
                config: Some(ConfigInfo {
                    blob,
                    without_cache_digest: None,
                    caches: Vec::new(),
                    warnings: Vec::new(),
                }),
                layers,
                via: vec!["manifest.json".into()],
                ..Image::default()
            },
            config,
            attestation: false,
        });
    }
}
