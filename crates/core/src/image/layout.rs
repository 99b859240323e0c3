//! From a table of entries to images: walks `index.json` (OCI) and `manifest.json` (docker
//! save), checks every descriptor against the blobs present, and says which small JSON entries
//! it still needs to read. Layer blobs are looked up, never read.
//!
//! The walk is re-run from the top after each batch of fetched entries until it needs nothing
//! more; only the last run's images and problems are kept. That keeps one description of the
//! layout for discovering what to fetch and for building the result.

use super::{
    ArchiveKind, Blob, Check, ConfigInfo, FileInfo, Image, ImageSet, IndexInfo, Layer, MAX_ENTRIES,
    MAX_JSON_BYTES, Problem, Status, archive_error, chain_ids,
};
use crate::{Digest, Error, json};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Range;

const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
/// docker save stores layers uncompressed.
const DOCKER_LAYER_TAR: &str = "application/vnd.docker.image.rootfs.diff.tar";
/// How deep indexes may nest.
const MAX_DEPTH: usize = 8;
/// How many links are followed to find a file.
const MAX_LINKS: usize = 16;

mod docker;
mod export;
mod finish;
mod oci;

/// What an entry is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum EntryKind {
    File,
    Dir,
    Symlink(String),
    Hardlink(String),
    Other,
}

/// One entry of the archive (or file of the folder).
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// Offset of its tar header (none in a folder).
    pub(crate) header: Option<u64>,
    /// Offset of its data in the tar.
    pub(crate) data: u64,
    /// Size in bytes.
    pub(crate) size: u64,
    pub(crate) kind: EntryKind,
}

/// Entries by normalised path.
pub(crate) type Entries = BTreeMap<String, Entry>;

/// Normalises an entry name (`./a//b/` → `a/b`); names that would leave the root are refused.
pub(crate) fn normalize(name: &str) -> Result<String, Problem> {
    if name.starts_with('/') || name.starts_with('\\') {
        return Err(Problem::UnsafePath {
            reason: "is absolute",
        });
    }
    let mut parts = Vec::new();
    for part in name.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                return Err(Problem::UnsafePath {
                    reason: "climbs out with \"..\"",
                });
            }
            p => parts.push(p),
        }
    }
    Ok(parts.join("/"))
}

/// Joins a link target to the folder holding the link, resolving `..` (never above the root).
fn join_link(dir: &str, target: &str) -> Option<String> {
    if target.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in target.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// Where the entries live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Container {
    Tar,
    Dir,
}

/// The entries and the JSON fetched so far.
#[derive(Debug)]
pub(crate) struct Layout {
    container: Container,
    size: u64,
    entries: Entries,
    contents: HashMap<String, Vec<u8>>,
    scan_warnings: Vec<Error>,
}

/// What a walk ends with.
pub(crate) enum Step {
    /// These entries (resolved paths) must be fetched first.
    Need(Vec<String>),
    /// Everything is known.
    Done(Box<ImageSet>),
}

impl Layout {
    pub(crate) fn new(
        container: Container,
        size: u64,
        entries: Entries,
        scan_warnings: Vec<Error>,
    ) -> Self {
        Layout {
            container,
            size,
            entries,
            contents: HashMap::new(),
            scan_warnings,
        }
    }

    /// A folder's file list.
    pub(crate) fn from_files(
        files: impl IntoIterator<Item = (String, u64)>,
    ) -> Result<Self, Error> {
        let mut entries = Entries::new();
        let mut total: u64 = 0;
        for (name, size) in files {
            let path = normalize(&name).map_err(|p| archive_error(Some(&name), None, p))?;
            if entries.len() >= MAX_ENTRIES {
                return Err(archive_error(
                    Some(&name),
                    None,
                    Problem::TooManyEntries { limit: MAX_ENTRIES },
                ));
            }
            total = total.saturating_add(size);
            entries.insert(
                path,
                Entry {
                    header: None,
                    data: 0,
                    size,
                    kind: EntryKind::File,
                },
            );
        }
        Ok(Layout::new(Container::Dir, total, entries, Vec::new()))
    }

    /// The bytes of an entry in the tar.
    pub(crate) fn data_range(&self, path: &str) -> Option<Range<u64>> {
        let e = self.entries.get(path)?;
        Some(e.data..e.data + e.size)
    }

    pub(crate) fn supply(&mut self, path: String, bytes: Vec<u8>) {
        self.contents.insert(path, bytes);
    }

    pub(crate) fn step(&self) -> Result<Step, Error> {
        let mut w = Walk {
            layout: self,
            needs: BTreeSet::new(),
            problems: Vec::new(),
            warnings: self.scan_warnings.clone(),
            index: None,
            indexes: Vec::new(),
            docker_manifest: None,
            images: Vec::new(),
            caches: Vec::new(),
            builds: Vec::new(),
        };
        w.run()?;
        if !w.needs.is_empty() {
            return Ok(Step::Need(w.needs.into_iter().collect()));
        }
        Ok(Step::Done(Box::new(w.finish())))
    }
}

/// A descriptor as read.
#[derive(Debug, Clone)]
struct Descriptor {
    media_type: Option<String>,
    digest: Digest,
    size: Option<u64>,
    annotations: BTreeMap<String, String>,
    platform: Option<Value>,
}

/// An image being assembled: its config bytes are analysed at the end.
struct Found<'a> {
    image: Image,
    config: Option<(&'a [u8], String)>,
    attestation: bool,
}

/// What declared a config blob, to check it against.
enum Declared<'d> {
    /// An OCI descriptor.
    By(&'d Descriptor),
    /// docker save's `Config` file name (a digest when it is `blobs/sha256/<hex>` or `<hex>.json`).
    FileName(Option<Digest>),
}

/// What fetching an entry gave.
enum Fetch<'a> {
    Ready {
        bytes: &'a [u8],
        entry: &'a Entry,
        path: String,
    },
    Pending,
    Missing,
    TooLarge(&'a Entry, String),
    /// A problem was recorded (not a file, a broken link).
    Broken,
}

/// The annotations of the `index.json` entry a walk started from: the descriptor's own at
/// depth 0, else those the trail carries.
fn export_of(trail: &Trail, desc: &Descriptor) -> BTreeMap<String, String> {
    if trail.depth == 0 {
        desc.annotations.clone()
    } else {
        trail.export.clone()
    }
}

/// How the walk reached a descriptor.
#[derive(Clone)]
struct Trail {
    referrer: String,
    via: Vec<String>,
    annotations: BTreeMap<String, String>,
    platform: Option<Value>,
    depth: usize,
    stack: Vec<Digest>,
    /// The annotations of the `index.json` entry this walk started from.
    export: BTreeMap<String, String>,
}

struct Walk<'a> {
    layout: &'a Layout,
    needs: BTreeSet<String>,
    problems: Vec<Error>,
    warnings: Vec<Error>,
    index: Option<IndexInfo>,
    indexes: Vec<IndexInfo>,
    docker_manifest: Option<FileInfo>,
    images: Vec<Found<'a>>,
    caches: Vec<export::FoundCache<'a>>,
    builds: Vec<crate::buildx::BuildRecord>,
}

fn str_of(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(Value::as_str).map(str::to_owned)
}

fn annotations_of(v: &Value) -> BTreeMap<String, String> {
    v.get("annotations")
        .and_then(Value::as_object)
        .map(|m| {
            crate::json::string_map(
                m.iter()
                    .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_owned()))),
            )
        })
        .unwrap_or_default()
}

fn blob_path(d: &Digest) -> String {
    format!("blobs/sha256/{}", d.hex())
}

/// `os/architecture[/variant]`.
fn platform_string(p: &Value) -> Option<String> {
    let os = p.get("os").and_then(Value::as_str)?;
    let arch = p.get("architecture").and_then(Value::as_str)?;
    Some(match p.get("variant").and_then(Value::as_str) {
        Some(v) if !v.is_empty() => format!("{os}/{arch}/{v}"),
        _ => format!("{os}/{arch}"),
    })
}

/// The digest a docker save path names: `blobs/sha256/<hex>`, `<hex>.json`, `<hex>/layer.tar`
/// does not count (a v1 id, not a content digest).
fn digest_in_path(path: &str) -> Option<Digest> {
    if let Some(hex) = path.strip_prefix("blobs/sha256/") {
        return Digest::parse(&format!("sha256:{hex}"));
    }
    let hex = path.strip_suffix(".json")?;
    Digest::parse(&format!("sha256:{hex}"))
}

impl<'a> Walk<'a> {
    fn problem(&mut self, entry: Option<&str>, problem: Problem) {
        let offset = entry
            .and_then(|e| self.layout.entries.get(e))
            .and_then(|e| e.header);
        self.problems.push(archive_error(entry, offset, problem));
    }

    fn warn(&mut self, entry: Option<&str>, problem: Problem) {
        let offset = entry
            .and_then(|e| self.layout.entries.get(e))
            .and_then(|e| e.header);
        self.warnings.push(archive_error(entry, offset, problem));
    }

    /// Follows links to the entry a path names. `Ok(None)`: not there.
    fn lookup(&self, path: &str) -> Result<Option<(String, &'a Entry)>, (String, Problem)> {
        let mut cur = path.to_owned();
        for _ in 0..MAX_LINKS {
            let Some(e) = self.layout.entries.get(&cur) else {
                if cur == path {
                    return Ok(None);
                }
                return Err((
                    path.to_owned(),
                    Problem::Link {
                        target: cur,
                        reason: "points to nothing",
                    },
                ));
            };
            let (dir, target) = match &e.kind {
                EntryKind::Symlink(t) => (cur.rsplit_once('/').map_or("", |(d, _)| d), t),
                EntryKind::Hardlink(t) => ("", t),
                _ => return Ok(Some((cur, e))),
            };
            match join_link(dir, target) {
                Some(next) => cur = next,
                None => {
                    return Err((
                        cur,
                        Problem::Link {
                            target: target.clone(),
                            reason: "leaves the archive",
                        },
                    ));
                }
            }
        }
        Err((
            path.to_owned(),
            Problem::Link {
                target: cur,
                reason: "loops",
            },
        ))
    }

    /// Looks an entry up for its size only (layers). `Err(())`: a broken link, already
    /// recorded as a problem.
    fn stat(&mut self, path: &str) -> Result<Option<(String, &'a Entry)>, ()> {
        self.lookup(path)
            .map_err(|(at, p)| self.problem(Some(&at), p))
    }

    /// The contents of a small JSON entry, or a note that it must be fetched first.
    fn fetch(&mut self, path: &str, referrer: &str) -> Fetch<'a> {
        let (path, entry) = match self.stat(path) {
            Ok(Some(found)) => found,
            Ok(None) => return Fetch::Missing,
            Err(()) => return Fetch::Broken,
        };
        if entry.kind != EntryKind::File {
            self.problem(
                Some(&path),
                Problem::NotAFile {
                    referrer: referrer.to_owned(),
                },
            );
            return Fetch::Broken;
        }
        if entry.size > MAX_JSON_BYTES {
            return Fetch::TooLarge(entry, path);
        }
        match self.layout.contents.get(&path) {
            Some(bytes) => Fetch::Ready { bytes, entry, path },
            None => {
                self.needs.insert(path);
                Fetch::Pending
            }
        }
    }

    /// Parses a JSON entry, recording a problem when it is not JSON.
    fn parse(&mut self, path: &str, bytes: &[u8]) -> Option<Value> {
        let parsed = std::str::from_utf8(bytes)
            .map_err(|e| {
                Error::new(crate::ErrorKind::NotUtf8 {
                    byte: e.valid_up_to(),
                    hint: String::new(),
                })
            })
            .and_then(json::parse);
        match parsed {
            Ok(v) => Some(v),
            Err(e) => {
                self.problem(Some(path), Problem::Document(Box::new(e)));
                None
            }
        }
    }

    fn run(&mut self) -> Result<(), Error> {
        let has = |p: &str| self.layout.entries.contains_key(p);
        let (oci, docker) = (has("index.json"), has("manifest.json"));
        if !oci && !docker {
            let nested = self
                .layout
                .entries
                .keys()
                .find(|k| k.ends_with("/index.json") || k.ends_with("/manifest.json"))
                .cloned();
            return Err(archive_error(
                None,
                None,
                Problem::NoLayout {
                    entries: self.layout.entries.len(),
                    nested,
                },
            ));
        }
        if oci {
            self.oci_layout_file();
            self.oci();
        }
        if docker {
            self.docker();
        }
        Ok(())
    }

    /// Fetches a config blob and checks it against what declared it: an OCI descriptor (digest
    /// and size), or docker save's file name (the digest, when the name is one). Both kinds of
    /// image come through here, so a missing, damaged or oversized config reads the same.
    fn config_blob(
        &mut self,
        path: &str,
        referrer: String,
        declared: Declared<'_>,
    ) -> (Blob, Option<(&'a [u8], String)>) {
        let (digest, size, media_type) = match &declared {
            Declared::By(d) => (
                d.digest.clone(),
                d.size.unwrap_or_default(),
                d.media_type.clone(),
            ),
            Declared::FileName(d) => (d.clone().unwrap_or_else(|| Digest::sha256(b"")), 0, None),
        };
        let mut blob = Blob {
            digest,
            size,
            media_type,
            path: path.to_owned(),
            check: Check {
                digest: Status::Missing,
                size: Status::Missing,
            },
        };
        let mut config = None;
        match self.fetch(path, &referrer) {
            Fetch::Ready { bytes, path, .. } => {
                blob.check = match &declared {
                    Declared::By(d) => self.verify(d, &path, bytes, &referrer),
                    Declared::FileName(declared) => {
                        let actual = Digest::sha256(bytes);
                        let digest = match declared {
                            Some(d) if *d == actual => Status::Verified,
                            Some(d) => {
                                self.problem(
                                    Some(&path),
                                    Problem::DigestMismatch {
                                        declared: d.clone(),
                                        actual: actual.clone(),
                                        referrer: format!("{referrer} (its file name)"),
                                    },
                                );
                                Status::Mismatch
                            }
                            None => Status::Computed,
                        };
                        blob.digest = declared.clone().unwrap_or(actual);
                        blob.size = bytes.len() as u64;
                        Check {
                            digest,
                            size: Status::Computed,
                        }
                    }
                };
                config = Some((bytes, path));
            }
            Fetch::Missing => self.problem(
                Some(path),
                Problem::Missing {
                    digest: match &declared {
                        Declared::By(d) => Some(d.digest.clone()),
                        Declared::FileName(_) => None,
                    },
                    referrer,
                },
            ),
            Fetch::TooLarge(entry, p) => {
                let (what, size) = match &declared {
                    Declared::By(d) => (
                        "the config blob",
                        self.check_size(d.size, entry.size, &p, &referrer),
                    ),
                    Declared::FileName(_) => {
                        blob.size = entry.size;
                        ("the config file", Status::Computed)
                    }
                };
                blob.check = Check {
                    digest: Status::TooLarge,
                    size,
                };
                self.warn(
                    Some(&p),
                    Problem::TooLarge {
                        what,
                        size: entry.size,
                        limit: MAX_JSON_BYTES,
                    },
                );
            }
            Fetch::Pending | Fetch::Broken => {}
        }
        (blob, config)
    }

    /// Reads a descriptor; a problem (in document `doc_path` at `at`) when it is malformed.
    fn descriptor(&mut self, doc_path: &str, at: &str, d: &Value) -> Option<Descriptor> {
        if !d.is_object() {
            self.problem(
                Some(doc_path),
                Problem::Shape {
                    at: at.to_owned(),
                    expected: "a descriptor object",
                    found: crate::error::type_name(d),
                },
            );
            return None;
        }
        let raw = d.get("digest").and_then(Value::as_str).unwrap_or_default();
        let Some(digest) = Digest::parse(raw) else {
            self.problem(
                Some(doc_path),
                Problem::BadDigest {
                    at: format!("{at}/digest"),
                    value: raw.to_owned(),
                },
            );
            return None;
        };
        let size = d.get("size").and_then(Value::as_u64);
        if size.is_none() {
            self.problem(
                Some(doc_path),
                Problem::Shape {
                    at: format!("{at}/size"),
                    expected: "a size in bytes",
                    found: crate::error::type_name(d.get("size").unwrap_or(&Value::Null)),
                },
            );
        }
        Some(Descriptor {
            media_type: str_of(d, "mediaType"),
            digest,
            size,
            annotations: annotations_of(d),
            platform: d.get("platform").filter(|p| p.is_object()).cloned(),
        })
    }

    /// Checks a JSON blob's bytes against its descriptor.
    fn verify(&mut self, desc: &Descriptor, path: &str, bytes: &[u8], referrer: &str) -> Check {
        let actual = Digest::sha256(bytes);
        let digest = if actual == desc.digest {
            Status::Verified
        } else {
            self.problem(
                Some(path),
                Problem::DigestMismatch {
                    declared: desc.digest.clone(),
                    actual,
                    referrer: referrer.to_owned(),
                },
            );
            Status::Mismatch
        };
        let size = self.check_size(desc.size, bytes.len() as u64, path, referrer);
        Check { digest, size }
    }

    fn check_size(
        &mut self,
        declared: Option<u64>,
        actual: u64,
        path: &str,
        referrer: &str,
    ) -> Status {
        match declared {
            Some(d) if d == actual => Status::Verified,
            Some(d) => {
                self.problem(
                    Some(path),
                    Problem::SizeMismatch {
                        declared: d,
                        actual,
                        referrer: referrer.to_owned(),
                    },
                );
                Status::Mismatch
            }
            None => Status::Computed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn names_are_normalised_or_refused() {
        assert_eq!(normalize("./blobs//sha256/ab/").unwrap(), "blobs/sha256/ab");
        assert_eq!(normalize("./").unwrap(), "");
        assert!(normalize("/etc/passwd").is_err());
        assert!(normalize("blobs/../../x").is_err());
        assert!(normalize("../x").is_err());
    }

    #[test]
    fn links_resolve_inside_the_archive_only() {
        assert_eq!(
            join_link("a", "../b/layer.tar").as_deref(),
            Some("b/layer.tar")
        );
        assert_eq!(join_link("", "b/./c").as_deref(), Some("b/c"));
        assert_eq!(join_link("a", "../../etc/passwd"), None);
        assert_eq!(join_link("a", "/etc/passwd"), None);
    }

    #[test]
    fn docker_save_paths_name_digests() {
        let hex = "a".repeat(64);
        assert!(digest_in_path(&format!("{hex}.json")).is_some());
        assert!(digest_in_path(&format!("blobs/sha256/{hex}")).is_some());
        assert!(digest_in_path(&format!("{hex}/layer.tar")).is_none());
    }
}
