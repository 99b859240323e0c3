//! Images on disk without a registry or daemon: OCI image layouts and `docker save` tarballs.
//!
//! BuildKit can write the image it built to a file (`--output type=oci,dest=img.tar`,
//! `type=oci,tar=false,dest=DIR`, `type=docker,dest=img.tar`) and `docker save` writes one too
//! (moby/buildkit#4854). This module reads such an archive, or an OCI layout folder, and reports
//! for every image in it the manifest, config and layer digests, diff_ids, chain IDs, the last
//! layer (a CI cache key), annotations, platform and the inline cache, after checking every
//! descriptor against the blobs present.
//!
//! It reads **only tar headers and small JSON documents**, never layer contents, so a
//! multi-gigabyte tarball opens at once. Like the rest of the core it does no I/O: an
//! [`ArchiveReader`] asks for byte ranges ([`ArchiveReader::next_request`]) and the caller
//! supplies them ([`ArchiveReader::feed`]), the browser with `File.slice`, the CLI with seeks.
//! [`read_archive`] drives it over a synchronous [`ByteSource`]; [`LayoutReader`] and
//! [`read_layout`] do the same over a folder's file list.
//!
//! ```
//! use cachelens_core::image::{ArchiveReader, read_archive_bytes};
//!
//! // An empty tar (two zero blocks) holds no layout: the error says so.
//! let err = read_archive_bytes(&[0u8; 1024]).unwrap_err();
//! assert!(err.to_string().contains("neither index.json"));
//!
//! // The state machine asks for the first header before anything else.
//! let reader = ArchiveReader::new(1024);
//! assert_eq!(reader.next_request(), Some(0..512));
//! ```
//!
//! [`comparable`] turns two read archives into two [`Analysis`] values the ordinary
//! [`compare`](crate::compare) understands (see [`document`] for their shape), so diffs,
//! verdicts, renderers and exit codes work on images unchanged.

mod document;
pub mod gzip;
mod layout;
mod tar;

pub use document::{comparable, document, part_of};

pub use crate::digest::{EMPTY_LAYER, EMPTY_LAYER_DIFF_ID, chain_ids};
pub use crate::error::Problem;
pub(crate) use crate::error::archive_error;
use crate::error::count;
use crate::overview::CacheOverview;
use crate::{Digest, Error};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::ops::Range;

/// JSON documents larger than this (16 MiB) are not read from an archive: an index, manifest or
/// config is a few KiB; only a huge inline cache comes near.
pub const MAX_JSON_BYTES: u64 = 16 * 1024 * 1024;

/// Archives with more entries than this are refused (a layout has a few per layer).
pub const MAX_ENTRIES: usize = 200_000;

/// Whether a file's first bytes are a tar header (`ustar` magic at offset 257 and a valid
/// header checksum). Give it at least the first 512 bytes.
pub fn looks_like_tar(first_block: &[u8]) -> bool {
    tar::looks_like_tar(first_block)
}

/// What the archive or folder is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ArchiveKind {
    /// A tar holding an OCI image layout (`type=oci`).
    OciArchive,
    /// A tar holding `manifest.json` (`docker save`, `type=docker`), with or without an OCI
    /// layout beside it (docker 25 and later write both).
    DockerArchive,
    /// A folder holding an OCI image layout (`type=oci,tar=false`).
    OciLayout,
    /// `docker buildx history export` output: gzip of an OCI layout tar of build records.
    Dockerbuild,
    /// A folder holding `manifest.json` (an extracted `docker save`).
    DockerDirectory,
}

impl ArchiveKind {
    /// `oci-archive`, `docker-archive`, `oci-layout`, `docker-directory` or `dockerbuild`.
    pub fn as_str(self) -> &'static str {
        match self {
            ArchiveKind::Dockerbuild => "dockerbuild",
            ArchiveKind::OciArchive => "oci-archive",
            ArchiveKind::DockerArchive => "docker-archive",
            ArchiveKind::OciLayout => "oci-layout",
            ArchiveKind::DockerDirectory => "docker-directory",
        }
    }
}

impl std::fmt::Display for ArchiveKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The outcome of one check of a blob against what a descriptor (or file name) declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The blob was read and matches.
    Verified,
    /// The blob does not match (the problem is listed with both values).
    Mismatch,
    /// The blob is not in the archive.
    Missing,
    /// A layer blob that is not in the archive or folder: normal for a partial layout (the
    /// index, manifest and config fetched from a build record, layers never downloaded) and
    /// never needed to read the image, so not a problem.
    Absent,
    /// A layer: its content is never read, so its digest is not checked.
    LayerNotRead,
    /// Over [`MAX_JSON_BYTES`], so not read.
    TooLarge,
    /// Nothing was declared to check against; the value shown was computed from the archive
    /// (docker save names configs and layers by path, with no descriptor).
    Computed,
}

impl Status {
    /// The text used in output: `verified`, `mismatch`, `missing`,
    /// `not present (not needed to read the image)`, `not verified (layer content not read)`, `not verified (over the read limit)`,
    /// `computed (nothing declared)`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Verified => "verified",
            Status::Mismatch => "mismatch",
            Status::Missing => "missing",
            Status::Absent => "not present (not needed to read the image)",
            Status::LayerNotRead => "not verified (layer content not read)",
            Status::TooLarge => "not verified (over the read limit)",
            Status::Computed => "computed (nothing declared)",
        }
    }
}

impl Serialize for Status {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// How a blob's digest and size held up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Check {
    /// The digest check.
    pub digest: Status,
    /// The size check.
    pub size: Status,
}

/// A JSON blob (manifest, config, index) as found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Blob {
    /// The digest (as declared; the problem list says when the bytes hash differently).
    pub digest: Digest,
    /// Size in bytes (as declared, or as found when nothing declares it).
    pub size: u64,
    /// Media type, as declared by the descriptor or the document itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// Where it sits in the archive (`blobs/sha256/<hex>`, or docker save's `<hex>.json`).
    pub path: String,
    /// How the digest and size held up.
    pub check: Check,
}

/// An image config: the blob, and what the core makes of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigInfo {
    /// The config blob.
    #[serde(flatten)]
    pub blob: Blob,
    /// The digest it would have without `moby.buildkit.cache.v0` (Go compact encoding).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub without_cache_digest: Option<Digest>,
    /// Decoded inline caches (from [`crate::overview::overview`]).
    pub caches: Vec<CacheOverview>,
    /// Problems decoding the config or its cache that did not stop the rest.
    pub warnings: Vec<String>,
}

/// One layer of an image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Layer {
    /// Position (0 = base layer).
    pub index: usize,
    /// Blob digest from the manifest. For docker save's `<id>/layer.tar`, which has no
    /// descriptor, the diff_id (the layer is stored uncompressed, so they are the same).
    pub digest: Option<Digest>,
    /// Size in bytes (declared, or the tar entry's size for docker save).
    pub size: Option<u64>,
    /// Media type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// Uncompressed digest: the config's `rootfs.diff_ids` at the same position.
    #[serde(rename = "diffID")]
    pub diff_id: Option<Digest>,
    /// Chain ID of the layers up to and including this one.
    #[serde(rename = "chainID")]
    pub chain_id: Option<Digest>,
    /// Where the blob sits in the archive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Size checked against the tar entry; the digest never is (contents are not read).
    pub check: Check,
    /// The descriptor's annotations.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// One image (one platform of an index, or one entry of docker save's `manifest.json`).
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Image {
    /// `os/architecture[/variant]` from the index descriptor, else from the config; `unknown`
    /// when neither says.
    pub platform: String,
    /// `org.opencontainers.image.ref.name` from the descriptors that lead to it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ref_name: Option<String>,
    /// docker save's `RepoTags`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub repo_tags: Vec<String>,
    /// The manifest blob (none for a docker save without an OCI layout: it keeps no manifest).
    pub manifest: Option<Blob>,
    /// The config.
    pub config: Option<ConfigInfo>,
    /// Layers in order.
    pub layers: Vec<Layer>,
    /// The config's `rootfs.diff_ids`.
    #[serde(rename = "diffIDs")]
    pub diff_ids: Vec<Digest>,
    /// Chain IDs computed from the diff_ids.
    #[serde(rename = "chainIDs")]
    pub chain_ids: Vec<Digest>,
    /// The last layer (the usual CI cache key), the same value as the last of `layers`.
    pub last_layer: Option<Layer>,
    /// The top layer's chain ID: it identifies the whole layer stack (every layer and its
    /// order), unlike the last layer's digest, so it is the better cache key. `null` when the
    /// config (its diff_ids) is not at hand.
    #[serde(rename = "chainID")]
    pub chain_id: Option<Digest>,
    /// Whether the last layer is the empty layer (`sha256:4f4fb700…`, a 32-byte gzip of an
    /// empty tar, made by steps such as `WORKDIR` that change no file): the same for every image
    /// ending that way, so its digest says nothing as a cache key.
    pub last_layer_empty: bool,
    /// The manifest's own annotations.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// Annotations of the index descriptors that lead to it, outermost first, inner ones
    /// overriding (e.g. `org.opencontainers.image.ref.name`, `io.containerd.image.name`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub index_annotations: BTreeMap<String, String>,
    /// How it was reached: `index.json` or `manifest.json`, then the digests of nested indexes.
    pub via: Vec<String>,
    /// The manifest as parsed (for [`document`]).
    #[serde(skip)]
    manifest_doc: Option<serde_json::Value>,
    /// The index descriptor's platform as given (for [`document`]).
    #[serde(skip)]
    platform_doc: Option<serde_json::Value>,
    /// Annotations of the archive's own `index.json` entry that leads to it (export time,
    /// tag, image name): they describe the export, not the image, so [`comparable`] sets them
    /// aside.
    #[serde(skip)]
    export_annotations: BTreeMap<String, String>,
    /// The config as analysed (for [`document`]).
    #[serde(skip)]
    config_analysis: Option<crate::Analysis>,
}

/// A BuildKit cache export on disk (`--cache-to type=local`, or a registry cache copied into a
/// layout with `skopeo copy`): its cache config, read like any cache config, and its layers.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CacheExport {
    /// `index` (BuildKit before v0.21: an image index listing the layers and the cache config)
    /// or `manifest` (v0.21 and later: an image manifest whose config is the cache config).
    pub form: &'static str,
    /// The index or manifest blob.
    pub root: Blob,
    /// The cache config blob (`application/vnd.buildkit.cacheconfig.v0`).
    pub config: Blob,
    /// `org.opencontainers.image.ref.name` of the descriptor that leads to it (the cache's tag).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ref_name: Option<String>,
    /// The cache's layer blobs (contents never read; absent ones are normal).
    pub layers: Vec<Layer>,
    /// The decoded cache config at a glance.
    pub caches: Vec<CacheOverview>,
    /// Problems decoding the cache config that did not stop the rest.
    pub warnings: Vec<String>,
    /// The cache config's bytes (what a comparison compares).
    #[serde(skip)]
    pub(crate) config_bytes: Option<Vec<u8>>,
}

impl CacheExport {
    /// The cache config's exact bytes, when they were read.
    pub fn config_bytes(&self) -> Option<&[u8]> {
        self.config_bytes.as_deref()
    }
}

/// An index: `index.json` or an image index blob inside the layout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IndexInfo {
    /// `index.json`, or the blob's path.
    pub path: String,
    /// sha256 of its bytes.
    pub digest: Digest,
    /// Size in bytes.
    pub size: u64,
    /// Its `mediaType`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// Its annotations.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// How many descriptors it lists.
    pub manifests: usize,
    /// For a blob: how its digest and size held up against the descriptor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check: Option<Check>,
}

/// A plain file of the layout (`manifest.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileInfo {
    /// Its path.
    pub path: String,
    /// sha256 of its bytes.
    pub digest: Digest,
    /// Size in bytes.
    pub size: u64,
}

/// Everything found in an image archive or layout folder: what `cachelens show` prints for one.
///
/// Its JSON form (`cachelens show --format json img.tar`) is a documented contract (see
/// `docs/images.md`); fields may be added, existing ones keep their meaning:
///
/// * `kind`: `oci-archive`, `docker-archive`, `oci-layout` or `docker-directory`;
/// * `size`, `entries`: bytes and entries of the archive (or of the folder's files);
/// * `index`: `index.json` (`digest`, `size`, `annotations`, `manifests`), `indexes`: nested
///   image indexes (plus `check`), `dockerManifest`: docker save's `manifest.json`;
/// * `images[]`: each image: `platform`, `refName`, `repoTags`, `manifest` and `config`
///   (`digest`, `size`, `mediaType`, `path`, `check: {digest, size}`; the config adds
///   `withoutCacheDigest`, `caches`, `warnings`), `layers[]` (`index`, `digest`, `size`,
///   `mediaType`, `diffID`, `chainID`, `path`, `check`), `diffIDs`, `chainIDs`,
///   **`lastLayer`** (the last of `layers`, or null when the image has none: so
///   `jq -r '.images[0].lastLayer.digest'` gives a CI cache key), `annotations`,
///   `indexAnnotations`, `via`;
/// * `attestations[]`: attestation manifests (`vnd.docker.reference.type:
///   attestation-manifest`, e.g. provenance), same shape, kept out of `images`;
/// * `caches[]`: BuildKit cache exports ([`CacheExport`]); `builds[]`: build records of a
///   `.dockerbuild` ([`crate::buildx::BuildRecord`]); each image also has **`chainID`** (the top
///   layer's chain ID, the better cache key) and `lastLayerEmpty`;
/// * `problems`: damage found (missing blobs, digest or size mismatches), each a message that
///   names the entry; `warnings`: things worth knowing that are not damage.
///
/// A check's `digest`/`size` is `verified`, `mismatch`, `missing`,
/// `not present (not needed to read the image)` (a layer blob absent: normal for a partial
/// layout), `not verified (layer content not read)` (every layer digest: contents are never read),
/// `not verified (over the read limit)` or `computed (nothing declared)`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageSet {
    /// What the archive or folder is.
    pub kind: ArchiveKind,
    /// Size in bytes of the archive, or of the folder's files together.
    pub size: u64,
    /// Number of tar entries, or files.
    pub entries: usize,
    /// `index.json`, for an OCI layout.
    pub index: Option<IndexInfo>,
    /// Image indexes found inside the layout, in the order they were reached.
    pub indexes: Vec<IndexInfo>,
    /// docker save's `manifest.json`.
    pub docker_manifest: Option<FileInfo>,
    /// The images, in index (or `manifest.json`) order.
    pub images: Vec<Image>,
    /// Attestation manifests (provenance, SBOM), apart from the images they describe.
    pub attestations: Vec<Image>,
    /// BuildKit cache exports (a layout written by `--cache-to type=local`).
    pub caches: Vec<CacheExport>,
    /// Build records (a `.dockerbuild` file from `docker buildx history export`).
    pub builds: Vec<crate::buildx::BuildRecord>,
    /// Damage: missing blobs, digests or sizes that do not match. Never hidden.
    #[serde(serialize_with = "messages")]
    pub problems: Vec<Error>,
    /// Things worth knowing that are not damage (e.g. a descriptor of a media type not read).
    #[serde(serialize_with = "messages")]
    pub warnings: Vec<Error>,
}

fn messages<S: serde::Serializer>(errors: &[Error], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(errors.iter().map(ToString::to_string))
}

/// Whether a layer is the empty layer (by blob digest or by diff_id).
pub fn is_empty_layer(l: &Layer) -> bool {
    l.digest.as_ref().is_some_and(|d| d.as_str() == EMPTY_LAYER)
        || l.diff_id
            .as_ref()
            .is_some_and(|d| d.as_str() == EMPTY_LAYER_DIFF_ID)
}

/// Reads an image tar without doing I/O: it asks for byte ranges, the caller supplies them.
///
/// ```
/// # use cachelens_core::image::ArchiveReader;
/// # fn demo(archive: &[u8]) -> Result<(), cachelens_core::Error> {
/// let mut reader = ArchiveReader::new(archive.len() as u64);
/// while let Some(r) = reader.next_request() {
///     // The browser: `await file.slice(r.start, r.end).arrayBuffer()`; the CLI: seek + read.
///     reader.feed(r.start, &archive[r.start as usize..r.end as usize])?;
/// }
/// let images = reader.finish()?;
/// # let _ = images;
/// # Ok(()) }
/// ```
///
/// Requests are at most [`MAX_JSON_BYTES`] long and never cover a layer's contents: first each
/// tar header (512 bytes, plus GNU long names and PAX headers), then the JSON the layout needs.
#[derive(Debug)]
pub struct ArchiveReader {
    len: u64,
    phase: Phase,
}

#[derive(Debug)]
enum Phase {
    Scan(tar::Scanner),
    Resolve(Box<Resolve>),
    Failed(Error),
}

/// The second phase: entries known, fetching the JSON the layout needs.
#[derive(Debug)]
struct Resolve {
    layout: layout::Layout,
    /// Entries still to fetch (resolved paths); fetched from the front.
    queue: Vec<String>,
    result: Option<ImageSet>,
}

impl Resolve {
    fn new(layout: layout::Layout) -> Result<Self, Error> {
        let mut r = Resolve {
            layout,
            queue: Vec::new(),
            result: None,
        };
        r.step()?;
        Ok(r)
    }

    /// Walks the layout with what is fetched so far: either more to fetch, or done.
    fn step(&mut self) -> Result<(), Error> {
        match self.layout.step()? {
            layout::Step::Need(paths) => self.queue = paths,
            layout::Step::Done(set) => self.result = Some(*set),
        }
        Ok(())
    }

    fn supply(&mut self, bytes: &[u8]) -> Result<(), Error> {
        let path = self.queue.remove(0);
        self.layout.supply(path, bytes.to_vec());
        if self.queue.is_empty() {
            self.step()?;
        }
        Ok(())
    }
}

impl ArchiveReader {
    /// A reader for an archive of `len` bytes.
    pub fn new(len: u64) -> Self {
        let phase = match tar::Scanner::new(len) {
            Ok(s) => Phase::Scan(s),
            Err(e) => Phase::Failed(e),
        };
        let mut r = ArchiveReader { len, phase };
        r.advance();
        r
    }

    /// The byte range to read next, or `None` when done (call [`finish`](Self::finish)).
    pub fn next_request(&self) -> Option<Range<u64>> {
        match &self.phase {
            Phase::Scan(s) => s.request(),
            Phase::Resolve(r) => {
                let path = r.queue.first()?;
                r.layout.data_range(path)
            }
            Phase::Failed(_) => None,
        }
    }

    /// Supplies the bytes of the range [`next_request`](Self::next_request) returned.
    /// An error (a damaged archive) is final: [`finish`](Self::finish) returns it too.
    pub fn feed(&mut self, offset: u64, bytes: &[u8]) -> Result<(), Error> {
        let expected = self.next_request();
        if expected
            .as_ref()
            .is_none_or(|r| r.start != offset || r.end - r.start != bytes.len() as u64)
        {
            let e = archive_error(
                None,
                Some(offset),
                Problem::UnexpectedRead {
                    expected,
                    offset,
                    got: bytes.len(),
                },
            );
            self.phase = Phase::Failed(e.clone());
            return Err(e);
        }
        let result = match &mut self.phase {
            Phase::Scan(s) => s.feed(bytes),
            Phase::Resolve(r) => r.supply(bytes),
            Phase::Failed(e) => Err(e.clone()),
        };
        if let Err(e) = result {
            self.phase = Phase::Failed(e.clone());
            return Err(e);
        }
        self.advance();
        match &self.phase {
            Phase::Failed(e) => Err(e.clone()),
            _ => Ok(()),
        }
    }

    /// Moves from scanning to resolving once the last header is read.
    fn advance(&mut self) {
        if let Phase::Scan(s) = &mut self.phase
            && s.done()
        {
            let scanned = std::mem::replace(s, tar::Scanner::empty());
            let layout = layout::Layout::new(
                layout::Container::Tar,
                self.len,
                scanned.entries,
                scanned.warnings,
            );
            self.phase = match Resolve::new(layout) {
                Ok(r) => Phase::Resolve(Box::new(r)),
                Err(e) => Phase::Failed(e),
            };
        }
    }

    /// The images, once [`next_request`](Self::next_request) returns `None`; or the error that
    /// stopped reading.
    pub fn finish(self) -> Result<ImageSet, Error> {
        let pending = self.next_request();
        let unfinished = || {
            archive_error(
                None,
                pending.as_ref().map(|r| r.start),
                Problem::UnexpectedRead {
                    expected: pending.clone(),
                    offset: 0,
                    got: 0,
                },
            )
        };
        match self.phase {
            Phase::Failed(e) => Err(e),
            Phase::Resolve(r) => r.result.ok_or_else(unfinished),
            Phase::Scan(_) => Err(unfinished()),
        }
    }
}

/// Reads an OCI layout folder without doing I/O: give it the file list, it asks for whole files
/// (only small JSON ones, never layers) by path.
#[derive(Debug)]
pub struct LayoutReader {
    state: Result<Resolve, Error>,
}

impl LayoutReader {
    /// A reader over a folder's files: `(path relative to the folder, size)`, `/`-separated.
    /// Unsafe paths (absolute, `..`) are an error.
    pub fn new(files: impl IntoIterator<Item = (String, u64)>) -> Self {
        let state = layout::Layout::from_files(files).and_then(Resolve::new);
        LayoutReader { state }
    }

    /// The next file to read whole, or `None` when done.
    pub fn next_request(&self) -> Option<&str> {
        self.state
            .as_ref()
            .ok()
            .and_then(|r| r.queue.first())
            .map(String::as_str)
    }

    /// Supplies the bytes of the file [`next_request`](Self::next_request) named.
    pub fn feed(&mut self, path: &str, bytes: &[u8]) -> Result<(), Error> {
        let expected = self.next_request().map(str::to_owned);
        let r = match &mut self.state {
            Ok(r) => r,
            Err(e) => return Err(e.clone()),
        };
        if expected.as_deref() != Some(path) {
            let e = archive_error(
                Some(path),
                None,
                Problem::UnexpectedRead {
                    expected: None,
                    offset: 0,
                    got: bytes.len(),
                },
            );
            self.state = Err(e.clone());
            return Err(e);
        }
        if let Err(e) = r.supply(bytes) {
            self.state = Err(e.clone());
            return Err(e);
        }
        Ok(())
    }

    /// The images, once [`next_request`](Self::next_request) returns `None`.
    pub fn finish(self) -> Result<ImageSet, Error> {
        let r = self.state?;
        let first = r.queue.first().cloned();
        r.result.ok_or_else(|| {
            archive_error(
                first.as_deref(),
                None,
                Problem::UnexpectedRead {
                    expected: None,
                    offset: 0,
                    got: 0,
                },
            )
        })
    }
}

/// Random access to an archive's bytes, for [`read_archive`].
pub trait ByteSource {
    /// The caller's error (its I/O errors), able to hold the core's.
    type Error: From<Error>;
    /// The archive's length in bytes.
    fn size(&self) -> u64;
    /// Exactly `len` bytes from `offset`.
    fn read_at(&mut self, offset: u64, len: usize) -> Result<Vec<u8>, Self::Error>;
}

/// Reads an image archive through a synchronous source (the CLI's file, a test's bytes),
/// driving [`ArchiveReader`].
pub fn read_archive<S: ByteSource + ?Sized>(source: &mut S) -> Result<ImageSet, S::Error> {
    let mut reader = ArchiveReader::new(source.size());
    while let Some(r) = reader.next_request() {
        let len = usize::try_from(r.end - r.start).unwrap_or(usize::MAX);
        let bytes = source.read_at(r.start, len)?;
        reader.feed(r.start, &bytes)?;
    }
    Ok(reader.finish()?)
}

/// An archive already in memory.
#[derive(Debug)]
struct SliceSource<'a>(&'a [u8]);

impl ByteSource for SliceSource<'_> {
    type Error = Error;
    fn size(&self) -> u64 {
        self.0.len() as u64
    }
    fn read_at(&mut self, offset: u64, len: usize) -> Result<Vec<u8>, Error> {
        let start = usize::try_from(offset).unwrap_or(usize::MAX);
        self.0
            .get(start..start.saturating_add(len))
            .map(<[u8]>::to_vec)
            .ok_or_else(|| {
                archive_error(
                    None,
                    Some(offset),
                    Problem::UnexpectedRead {
                        expected: None,
                        offset,
                        got: 0,
                    },
                )
            })
    }
}

/// Reads an image archive held in memory (tests; a browser that already has the bytes).
pub fn read_archive_bytes(bytes: &[u8]) -> Result<ImageSet, Error> {
    read_archive(&mut SliceSource(bytes))
}

/// Reads an OCI layout (or extracted docker save) folder: `files` lists `(relative path, size)`,
/// `fetch` returns a file's bytes by that path. Only small JSON files are fetched.
pub fn read_layout<E: From<Error>>(
    files: impl IntoIterator<Item = (String, u64)>,
    mut fetch: impl FnMut(&str) -> Result<Vec<u8>, E>,
) -> Result<ImageSet, E> {
    let mut reader = LayoutReader::new(files);
    while let Some(path) = reader.next_request().map(str::to_owned) {
        let bytes = fetch(&path)?;
        reader.feed(&path, &bytes)?;
    }
    Ok(reader.finish()?)
}

impl ImageSet {
    /// Whether damage was found.
    pub fn has_problems(&self) -> bool {
        !self.problems.is_empty()
    }

    /// For a layout that holds a BuildKit cache export and nothing else (no image, no build
    /// record), the cache config's bytes: a comparison compares them, so the export meets the
    /// same cache exported to a registry (`application/vnd.buildkit.cacheconfig.v0`) as equals.
    pub fn cache_config(&self) -> Option<&[u8]> {
        match (
            &self.caches[..],
            self.images.is_empty(),
            self.builds.is_empty(),
        ) {
            ([only], true, true) => only.config_bytes(),
            _ => None,
        }
    }

    /// Text for people (what `cachelens show img.tar` prints).
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "archive: {} ({} bytes, {} entries)",
            self.kind, self.size, self.entries
        );
        if let Some(i) = &self.index {
            let _ = writeln!(
                out,
                "index:   {} ({})",
                i.digest,
                count(i.manifests as u64, "manifest", "manifests")
            );
        }
        for i in &self.indexes {
            let _ = writeln!(
                out,
                "  image index {} ({}){}",
                i.digest,
                count(i.manifests as u64, "manifest", "manifests"),
                i.check.map(check_text).unwrap_or_default()
            );
        }
        let n = self.images.len();
        let _ = writeln!(out, "images:  {n}");
        for (k, img) in self.images.iter().enumerate() {
            let _ = writeln!(out);
            let _ = write!(out, "image {}/{n}: {}", k + 1, img.platform);
            if let Some(r) = &img.ref_name {
                let _ = write!(out, "  ref {r}");
            }
            if !img.repo_tags.is_empty() {
                let _ = write!(out, "  tags {}", img.repo_tags.join(", "));
            }
            let _ = writeln!(out);
            image_text(&mut out, img);
        }
        if !self.attestations.is_empty() {
            let _ = writeln!(out);
            let _ = writeln!(out, "attestations: {}", self.attestations.len());
            for a in &self.attestations {
                let what = a
                    .index_annotations
                    .get("vnd.docker.reference.digest")
                    .map(|d| format!(" for {d}"))
                    .unwrap_or_default();
                let digest = a.manifest.as_ref().map(|m| m.digest.to_string());
                let _ = writeln!(out, "  {}{what}", digest.unwrap_or_default());
            }
        }
        for c in &self.caches {
            let _ = writeln!(out);
            cache_text(&mut out, c);
        }
        for b in &self.builds {
            let _ = writeln!(out);
            build_text(&mut out, b);
        }
        if !self.problems.is_empty() || !self.warnings.is_empty() {
            let _ = writeln!(out);
        }
        for p in &self.problems {
            let _ = writeln!(out, "problem: {p}");
        }
        for w in &self.warnings {
            let _ = writeln!(out, "warning: {w}");
        }
        out
    }
}

fn cache_text(out: &mut String, c: &CacheExport) {
    let _ = write!(
        out,
        "BuildKit cache export ({} form)",
        if c.form == "index" {
            "index: BuildKit before v0.21"
        } else {
            "image manifest: BuildKit v0.21 and later"
        }
    );
    if let Some(r) = &c.ref_name {
        let _ = write!(out, "  ref {r}");
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "  {}:    {}  {} bytes{}",
        c.form,
        c.root.digest,
        c.root.size,
        check_text(c.root.check)
    );
    let _ = writeln!(
        out,
        "  cache config: {}  {} bytes{}",
        c.config.digest,
        c.config.size,
        check_text(c.config.check)
    );
    for o in &c.caches {
        let _ = writeln!(
            out,
            "  cache:    {} records ({} roots, {} with layers, {} with chains), {} links, {} layers",
            o.records, o.roots, o.with_results, o.with_chains, o.links, o.layers
        );
    }
    let absent = c
        .layers
        .iter()
        .filter(|l| l.check.digest == Status::Absent)
        .count();
    let _ = writeln!(
        out,
        "  layer blobs: {}{}",
        c.layers.len(),
        if absent > 0 {
            format!(" ({absent} not present: not needed to read the cache)")
        } else {
            String::new()
        }
    );
    for l in &c.layers {
        let digest = l.digest.as_ref().map_or("?", Digest::as_str);
        let size = l.size.map(|s| format!("  {s} bytes")).unwrap_or_default();
        let _ = writeln!(out, "    {:>3}  {digest}{size}", l.index);
    }
    for w in &c.warnings {
        let _ = writeln!(out, "  cache warning: {w}");
    }
}

fn build_text(out: &mut String, b: &crate::buildx::BuildRecord) {
    let _ = writeln!(out, "build record {} ({})", b.reference, b.status);
    let mut line = |k: &str, v: &str| {
        let _ = writeln!(out, "  {k:<10} {v}");
    };
    if let Some(t) = &b.target {
        line("target:", t);
    }
    if let Some(n) = &b.name {
        line("name:", n);
    }
    if let Some(e) = &b.error {
        line("error:", e);
    }
    if let Some(t) = &b.created_at {
        line("started:", t);
    }
    if let Some(t) = &b.completed_at {
        line("completed:", t);
    }
    line(
        "steps:",
        &format!(
            "{} ({} completed, {} cached)",
            b.steps.total, b.steps.completed, b.steps.cached
        ),
    );
    for e in &b.exporters {
        let attrs: Vec<String> = e.attrs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        line("exporter:", &format!("{} {}", e.kind, attrs.join(",")));
    }
    for (k, v) in &b.build_args {
        line("build arg:", &format!("{k}={v}"));
    }
    for m in &b.materials {
        line("material:", &format!("{} {}", m.uri, m.digests.join(" ")));
    }
    for r in &b.results {
        let _ = writeln!(
            out,
            "  result {}: {} {} ({} bytes){}",
            r.key,
            if r.root.is_index() {
                "image index"
            } else {
                "image manifest"
            },
            r.root.digest,
            r.root.size,
            if r.present { "" } else { "  [missing]" }
        );
        let _ = writeln!(out, "    media type: {}", r.root.media_type);
        if let Some(c) = &r.config {
            let _ = writeln!(
                out,
                "    config:     {} ({} bytes; not in the file: buildx keeps only the root)",
                c.digest, c.size
            );
        }
        if !r.layers.is_empty() {
            let _ = writeln!(out, "    layers:     {}", r.layers.len());
            for (i, l) in r.layers.iter().enumerate() {
                let _ = writeln!(out, "      {i:>3}  {}  {} bytes", l.digest, l.size);
            }
            if let Some(l) = r.layers.last() {
                let empty = if l.digest.as_str() == EMPTY_LAYER {
                    "  (the empty layer: no cache key)"
                } else {
                    ""
                };
                let _ = writeln!(out, "    last layer: {}{empty}", l.digest);
            }
            let _ = writeln!(
                out,
                "    chain ID:   not known (it needs the config's rootfs.diff_ids, not in the file)"
            );
        }
        for m in &r.manifests {
            let _ = writeln!(
                out,
                "    manifest:   {} {} (not in the file)",
                m.descriptor.digest, m.platform
            );
        }
        if r.root.is_index() {
            let _ = writeln!(
                out,
                "    The root is an image index: this file holds no image manifest or config (buildx keeps only the root)."
            );
        }
        let _ = writeln!(
            out,
            "    To read the last layer, diff_ids and chain ID without pulling a layer, fetch the rest from the build record (where it was built; buildx 0.20 or later):"
        );
        for c in &r.commands {
            let _ = writeln!(out, "      {c}");
        }
    }
}

fn check_text(c: Check) -> String {
    if c.digest == Status::Verified && c.size == Status::Verified {
        "  [verified]".into()
    } else {
        format!("  [digest {}, size {}]", c.digest.as_str(), c.size.as_str())
    }
}

fn image_text(out: &mut String, img: &Image) {
    if let Some(m) = &img.manifest {
        let _ = writeln!(
            out,
            "  manifest: {}  {} bytes{}",
            m.digest,
            m.size,
            check_text(m.check)
        );
    }
    if let Some(c) = &img.config {
        let _ = writeln!(
            out,
            "  config:   {}  {} bytes{}",
            c.blob.digest,
            c.blob.size,
            check_text(c.blob.check)
        );
        if let Some(d) = &c.without_cache_digest {
            let _ = writeln!(out, "  config without moby.buildkit.cache.v0: {d}");
        }
        for cache in &c.caches {
            let _ = writeln!(
                out,
                "  cache:    {} ({}, {} with layers, {} with chains), {}",
                count(cache.records as u64, "record", "records"),
                count(cache.roots as u64, "root", "roots"),
                cache.with_results,
                cache.with_chains,
                count(cache.links as u64, "link", "links")
            );
        }
        for w in &c.warnings {
            let _ = writeln!(out, "  config warning: {w}");
        }
    }
    let _ = writeln!(out, "  layers:   {}", img.layers.len());
    for l in &img.layers {
        let digest = l.digest.as_ref().map_or("?", Digest::as_str);
        let size = l.size.map(|s| format!("  {s} bytes")).unwrap_or_default();
        let flag = match (l.check.digest, l.check.size) {
            (Status::Missing, _) => "  [missing]",
            (Status::Absent, _) => "  [not present]",
            (_, Status::Mismatch) => "  [size mismatch]",
            _ => "",
        };
        let _ = writeln!(out, "    {:>3}  {digest}{size}{flag}", l.index);
        if let Some(d) = &l.diff_id {
            let _ = writeln!(out, "         diff_id  {d}");
        }
        if let Some(c) = &l.chain_id {
            let _ = writeln!(out, "         chain_id {c}");
        }
    }
    let absent = img
        .layers
        .iter()
        .filter(|l| l.check.digest == Status::Absent)
        .count();
    if absent > 0 {
        let _ = writeln!(
            out,
            "  layer blobs: {} of {} not present (not needed to read the image)",
            absent,
            img.layers.len()
        );
    }
    if let Some(l) = &img.last_layer {
        let empty = if img.last_layer_empty {
            "  (the empty layer: no cache key, see the warning)"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  last layer: {}{empty}",
            l.digest.as_ref().map_or("?", Digest::as_str)
        );
    }
    match &img.chain_id {
        Some(c) => {
            let _ = writeln!(
                out,
                "  chain ID:   {c}  (the whole layer stack: the better cache key)"
            );
        }
        None if !img.layers.is_empty() => {
            let _ = writeln!(
                out,
                "  chain ID:   not known (it needs the config's rootfs.diff_ids)"
            );
        }
        None => {}
    }
    for (k, v) in &img.index_annotations {
        let _ = writeln!(out, "  index annotation {k}: {v}");
    }
    for (k, v) in &img.annotations {
        let _ = writeln!(out, "  annotation {k}: {v}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn chain_ids_follow_the_spec() {
        let a = Digest::sha256(b"a");
        let b = Digest::sha256(b"b");
        let ids = chain_ids(&[a.clone(), b.clone()]);
        assert_eq!(ids[0], a);
        assert_eq!(ids[1], Digest::sha256(format!("{a} {b}").as_bytes()));
        assert!(chain_ids(&[]).is_empty());
    }

    #[test]
    fn locations_read_well() {
        let e = archive_error(
            Some("blobs/sha256/ab"),
            Some(1536),
            Problem::UnsafePath {
                reason: "is absolute",
            },
        );
        assert_eq!(
            e.to_string(),
            "archive entry \"blobs/sha256/ab\" (header at byte 1536): unsafe entry name: it is absolute; names must stay inside the archive"
        );
    }
}
