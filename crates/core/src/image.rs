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
mod reader;
mod tar;
mod text;

pub use document::{comparable, compared, document, part_of};
pub use reader::{
    ArchiveReader, ByteSource, LayoutReader, read_archive, read_archive_bytes, read_layout,
};

pub use crate::digest::{EMPTY_LAYER, EMPTY_LAYER_DIFF_ID, chain_ids};
pub use crate::error::Problem;
pub(crate) use crate::error::archive_error;
use crate::overview::CacheOverview;
use crate::words::count;
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
