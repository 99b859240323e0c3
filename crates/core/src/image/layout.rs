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

mod export;

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
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_owned())))
                .collect()
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

    fn oci_layout_file(&mut self) {
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

    fn oci(&mut self) {
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
            let root = Blob {
                digest: desc.digest.clone(),
                size: bytes.len() as u64,
                media_type: desc
                    .media_type
                    .clone()
                    .or_else(|| str_of(&doc, "mediaType")),
                path: path.clone(),
                check,
            };
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
        let manifest = Blob {
            digest: desc.digest.clone(),
            size: bytes.len() as u64,
            media_type: desc
                .media_type
                .clone()
                .or_else(|| str_of(&doc, "mediaType")),
            path: path.to_owned(),
            check,
        };
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
                    let cpath = blob_path(&cd.digest);
                    let mut blob = Blob {
                        digest: cd.digest.clone(),
                        size: cd.size.unwrap_or_default(),
                        media_type: cd.media_type.clone(),
                        path: cpath.clone(),
                        check: Check {
                            digest: Status::Missing,
                            size: Status::Missing,
                        },
                    };
                    match self.fetch(&cpath, &referrer) {
                        Fetch::Ready { bytes, path, .. } => {
                            blob.check = self.verify(&cd, &path, bytes, &referrer);
                            config = Some((bytes, path));
                        }
                        Fetch::Missing => self.problem(
                            Some(&cpath),
                            Problem::Missing {
                                digest: Some(cd.digest.clone()),
                                referrer,
                            },
                        ),
                        Fetch::TooLarge(entry, p) => {
                            blob.check = Check {
                                digest: Status::TooLarge,
                                size: self.check_size(cd.size, entry.size, &p, &referrer),
                            };
                            self.warn(
                                Some(&p),
                                Problem::TooLarge {
                                    what: "the config blob",
                                    size: entry.size,
                                    limit: MAX_JSON_BYTES,
                                },
                            );
                        }
                        Fetch::Pending | Fetch::Broken => {}
                    }
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
                diff_ids: Vec::new(),
                chain_ids: Vec::new(),
                last_layer: None,
                chain_id: None,
                last_layer_empty: false,
                annotations: annotations_of(&doc),
                index_annotations: annotations,
                via,
                manifest_doc: Some(doc),
                platform_doc: platform,
                export_annotations,
                config_analysis: None,
            },
            config,
            attestation,
        });
    }

    fn docker(&mut self) {
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
        let mut blob = Blob {
            digest: declared.clone().unwrap_or_else(|| Digest::sha256(b"")),
            size: 0,
            media_type: None,
            path: config_path.clone(),
            check: Check {
                digest: Status::Missing,
                size: Status::Missing,
            },
        };
        let mut config = None;
        let config_ref = format!("{referrer}/Config");
        match self.fetch(&config_path, &config_ref) {
            Fetch::Ready { bytes, path, .. } => {
                let actual = Digest::sha256(bytes);
                let digest = match &declared {
                    Some(d) if *d == actual => Status::Verified,
                    Some(d) => {
                        self.problem(
                            Some(&path),
                            Problem::DigestMismatch {
                                declared: d.clone(),
                                actual: actual.clone(),
                                referrer: format!("{config_ref} (its file name)"),
                            },
                        );
                        Status::Mismatch
                    }
                    None => Status::Computed,
                };
                blob.digest = declared.clone().unwrap_or(actual);
                blob.size = bytes.len() as u64;
                blob.check = Check {
                    digest,
                    size: Status::Computed,
                };
                config = Some((bytes, path));
            }
            Fetch::Missing => {
                self.problem(
                    Some(&config_path),
                    Problem::Missing {
                        digest: None,
                        referrer: config_ref,
                    },
                );
            }
            Fetch::TooLarge(entry, p) => {
                blob.size = entry.size;
                blob.check = Check {
                    digest: Status::TooLarge,
                    size: Status::Computed,
                };
                self.warn(
                    Some(&p),
                    Problem::TooLarge {
                        what: "the config file",
                        size: entry.size,
                        limit: MAX_JSON_BYTES,
                    },
                );
            }
            Fetch::Pending | Fetch::Broken => {}
        }
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
                platform: String::new(),
                ref_name: None,
                repo_tags,
                manifest: None,
                config: Some(ConfigInfo {
                    blob,
                    without_cache_digest: None,
                    caches: Vec::new(),
                    warnings: Vec::new(),
                }),
                layers,
                diff_ids: Vec::new(),
                chain_ids: Vec::new(),
                last_layer: None,
                chain_id: None,
                last_layer_empty: false,
                annotations: BTreeMap::new(),
                index_annotations: BTreeMap::new(),
                via: vec!["manifest.json".into()],
                manifest_doc: None,
                platform_doc: None,
                export_annotations: BTreeMap::new(),
                config_analysis: None,
            },
            config,
            attestation: false,
        });
    }

    /// Analyses the configs, fills in diff_ids and chain IDs, and hands the result over.
    fn finish(mut self) -> ImageSet {
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
            && super::is_empty_layer(l)
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
