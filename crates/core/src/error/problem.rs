//! What can be wrong with an image archive or layout ([`ErrorKind::Archive`] carries it with
//! the entry and byte offset). It lives beside [`Error`] because each can hold the other (a
//! document inside an archive fails with an [`Error`]).

use super::{Error, ErrorKind};
use crate::Digest;
use crate::digest::EMPTY_LAYER_DIFF_ID;
use std::ops::Range;

/// What is wrong with an archive or layout. [`ErrorKind::Archive`] carries it with the entry
/// and byte offset.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    /// The archive ends inside a 512-byte tar header.
    #[error("the archive ends inside a tar header ({available} of 512 bytes there)")]
    TruncatedHeader {
        /// Bytes present from the header's start to the end.
        available: u64,
    },
    /// A header's checksum does not match its bytes (not a tar, or damaged).
    #[error("bad tar header checksum: the header says {stored}, its bytes sum to {computed}")]
    BadChecksum {
        /// The checksum field as written (empty or garbled: "unreadable").
        stored: String,
        /// The sum of the header's bytes.
        computed: u64,
    },
    /// A numeric header field that is neither octal nor base-256.
    #[error("the tar header's {field} field is not a number: {value:?}")]
    BadNumber {
        /// `size` or `chksum`.
        field: &'static str,
        /// The field's bytes, as text.
        value: String,
    },
    /// An entry's declared size runs past the end of the archive.
    #[error(
        "its declared size ({size} bytes, from byte {start}) runs past the end of the archive ({len} bytes)"
    )]
    PastEnd {
        /// Declared size.
        size: u64,
        /// Where its data starts.
        start: u64,
        /// The archive's length.
        len: u64,
    },
    /// An entry name that would leave the archive's root (`../x`, `/etc/x`). Such names are
    /// reported, never used.
    #[error("unsafe entry name: it {reason}; names must stay inside the archive")]
    UnsafePath {
        /// `is absolute` or `climbs out with ".."`.
        reason: &'static str,
    },
    /// A PAX extended header that cannot be read.
    #[error("malformed PAX extended header: {reason}")]
    BadPax {
        /// What is wrong.
        reason: &'static str,
    },
    /// An entry type this reader does not handle.
    #[error("unsupported tar entry type {typeflag:?} ({what})")]
    UnsupportedEntry {
        /// The type flag.
        typeflag: char,
        /// What it is.
        what: &'static str,
    },
    /// An extended header, link name or JSON document over a limit.
    #[error("{what} is {size} bytes, over the limit of {limit} bytes")]
    TooLarge {
        /// What (e.g. `a PAX extended header`, `the JSON blob`).
        what: &'static str,
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// More entries than [`MAX_ENTRIES`].
    #[error("the archive has more than {limit} entries")]
    TooManyEntries {
        /// The limit.
        limit: usize,
    },
    /// Two entries with the same name; the later one is used, as extraction would.
    #[error("the name appears twice; the later entry (header at byte {later}) is used")]
    Duplicate {
        /// The later entry's header offset.
        later: u64,
    },
    /// A symbolic or hard link that cannot be followed.
    #[error("link to {target:?} {reason}")]
    Link {
        /// The link's target as written.
        target: String,
        /// `leaves the archive`, `is missing`, `loops`.
        reason: &'static str,
    },
    /// The bytes fed are not the range requested (a driver bug or a short read).
    #[error("expected bytes {expected:?}, got {got} bytes at offset {offset}")]
    UnexpectedRead {
        /// The range requested.
        expected: Option<Range<u64>>,
        /// Where the fed bytes start.
        offset: u64,
        /// How many were fed.
        got: usize,
    },
    /// Neither layout file at the top of the archive or folder.
    #[error(
        "neither index.json (an OCI image layout) nor manifest.json (docker save) at the top ({entries} entries){}",
        nested.as_ref().map(|n| format!("; found {n}: open the folder that holds it, or for a tarball archive that folder's contents, not the folder (e.g. tar -C DIR -cf img.tar .)")).unwrap_or_default()
    )]
    NoLayout {
        /// How many entries were seen.
        entries: usize,
        /// An `index.json` or `manifest.json` found deeper, for the hint.
        nested: Option<String>,
    },
    /// A JSON document of the layout that cannot be read (invalid JSON, not UTF-8, ...).
    #[error("{0}")]
    Document(Box<Error>),
    /// A JSON document of the wrong shape.
    #[error("at {at}: expected {expected}, found {found}")]
    Shape {
        /// JSON Pointer inside the document.
        at: String,
        /// What was expected.
        expected: &'static str,
        /// What was found.
        found: String,
    },
    /// A digest that is not `sha256:<64 hex>`.
    #[error("at {at}: {value:?} is not a sha256 digest (sha256:<64 lowercase hex>)")]
    BadDigest {
        /// JSON Pointer inside the document.
        at: String,
        /// The value as given.
        value: String,
    },
    /// A referenced blob or file is not in the archive.
    #[error("missing: {referrer} refers to it{}", digest.as_ref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Missing {
        /// The digest referred to, for a blob.
        digest: Option<Digest>,
        /// Which document and place refers to it.
        referrer: String,
    },
    /// A platform's manifest named by an image index but not in the archive: a single-platform
    /// export (docker save with the containerd store, `--platform`) keeps the full index but
    /// only its own platform's blobs. A warning, not damage.
    #[error(
        "not in the archive: {referrer} names the {platform} image ({digest}); an export of some platforms keeps only their blobs"
    )]
    PlatformAbsent {
        /// The manifest's digest.
        digest: Digest,
        /// `os/architecture[/variant]`, or `unknown`.
        platform: String,
        /// Which index and place names it.
        referrer: String,
    },
    /// An attestation manifest (provenance, SBOM) named by an index but not in the layout:
    /// a partial layout fetched from a build record leaves it out. A warning.
    #[error(
        "not in the layout: {referrer} names an attestation manifest ({digest}{}); not needed to read the image",
        of.as_ref().map(|d| format!(", for {d}")).unwrap_or_default()
    )]
    AttestationAbsent {
        /// The attestation manifest's digest.
        digest: Digest,
        /// The image manifest it attests (`vnd.docker.reference.digest`).
        of: Option<String>,
        /// Which index and place names it.
        referrer: String,
    },
    /// A blob or file that is a directory or device, not a file.
    #[error("not a regular file: {referrer} refers to it")]
    NotAFile {
        /// Which document and place refers to it.
        referrer: String,
    },
    /// A blob whose bytes hash differently from its descriptor.
    #[error("digest mismatch: {referrer} declares {declared}, the blob hashes to {actual}")]
    DigestMismatch {
        /// Declared digest.
        declared: Digest,
        /// sha256 of the bytes.
        actual: Digest,
        /// Which document and place declares it.
        referrer: String,
    },
    /// A blob whose size differs from its descriptor.
    #[error("size mismatch: {referrer} declares {declared} bytes, the blob has {actual}")]
    SizeMismatch {
        /// Declared size.
        declared: u64,
        /// Size in the archive.
        actual: u64,
        /// Which document and place declares it.
        referrer: String,
    },
    /// The manifest's layers and the config's diff_ids disagree in number.
    #[error("{} but {diff_ids} rootfs.diff_ids in the config", crate::words::count(*layers as u64, "layer", "layers"))]
    LayerCount {
        /// Layers listed.
        layers: usize,
        /// diff_ids in the config.
        diff_ids: usize,
    },
    /// Indexes nested too deep, or referring to themselves.
    #[error("index {digest} {reason}")]
    Nesting {
        /// The index.
        digest: Digest,
        /// `refers to itself` or `is nested too deep`.
        reason: &'static str,
    },
    /// A descriptor of a media type this reader does not follow (it is listed, not read).
    #[error("{referrer}: media type {media_type:?} is not an image index or manifest; not read")]
    OtherMediaType {
        /// The media type.
        media_type: String,
        /// Which document and place.
        referrer: String,
    },
    /// Bytes that do not start like gzip where gzip was expected.
    #[error(
        "not gzip (a .dockerbuild file from docker buildx history export starts with the bytes 1f 8b)"
    )]
    NotGzip,
    /// Gzip that is damaged or ends early.
    #[error("the gzip data is damaged or incomplete after {fed} compressed bytes: {reason}")]
    Gzip {
        /// What the decompressor said.
        reason: String,
        /// Compressed bytes read when it said so.
        fed: u64,
    },
    /// Gzip whose content is not an image archive or build record export.
    #[error(
        "the gzip decompresses, but not to an OCI layout tar (what docker buildx history export writes): {0}"
    )]
    InsideGzip(Box<Error>),
    /// The last layer is an empty layer: its digest is no cache key. A warning.
    #[error(
        "the last layer (layer {index}, {digest}) is an empty layer (an empty tar, diff_id {EMPTY_LAYER_DIFF_ID}, made by a step such as WORKDIR that changes no file): every image ending this way has such a last layer, so as a cache key it says nothing; {}",
        chain_id.as_ref().map_or_else(|| "use the top layer's chain ID (computed from the config's rootfs.diff_ids, not at hand here)".to_owned(), |c| format!("use the top layer's chain ID {c} instead"))
    )]
    EmptyLastLayer {
        /// The layer's position.
        index: usize,
        /// Its blob digest (BuildKit has written it as a 32-byte and a 29-byte gzip).
        digest: String,
        /// The top chain ID, when known.
        chain_id: Option<Digest>,
    },
    /// `oci-layout` is missing or names an unknown layout version.
    #[error("{0}")]
    LayoutVersion(&'static str),
}

/// Formats where an archive problem is, for [`ErrorKind::Archive`]'s message.
pub(crate) fn location(entry: &Option<String>, offset: &Option<u64>) -> String {
    match (entry, offset) {
        (Some(e), Some(o)) => format!("archive entry {e:?} (header at byte {o}): "),
        (Some(e), None) => format!("archive entry {e:?}: "),
        (None, Some(o)) => format!("archive at byte {o}: "),
        // The message says what is wrong with the whole (tarball or folder) by itself.
        (None, None) => String::new(),
    }
}

/// An archive error about an entry (`None` when not about one) at an offset.
pub(crate) fn archive_error(entry: Option<&str>, offset: Option<u64>, problem: Problem) -> Error {
    Error::new(ErrorKind::Archive {
        entry: entry.map(str::to_owned),
        offset,
        problem: Box::new(problem),
    })
}
