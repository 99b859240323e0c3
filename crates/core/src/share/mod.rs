//! Sharing a comparison. [`Request`] (in `payload.rs`) builds what is shared, for the CLI and the
//! page alike; `bundle.rs` writes the same payload as a file; this file is the share-link codec: it packs both inputs of a diff (exact bytes) plus the diff options into a URL
//! fragment or a bundle file, so one link reopens the exact diff with no server in between.
//!
//! The wire format is specified in `docs/share-link-format.md`. In short: a fragment is
//! `v<N>.` + base64url (no padding) of the raw deflate of a container, and the container is a
//! 4-byte checksum followed by tag-length-value records. Decoders skip unknown tags, so a version
//! can grow new fields; an incompatible change gets a new `v<N>.` prefix and old prefixes keep
//! decoding forever. Every new link is v2 (`v2.rs`: one format for a pair, a series and a
//! changes-only share, stored in the form that compresses); v1 links keep opening.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest as _, Sha256};

use crate::{Error, ErrorKind, Pointer};

mod bundle;
mod payload;
mod v2;
#[cfg(test)]
use bundle::decode_bundle_with_limit;
pub use bundle::{
    BUNDLE_MAGIC, decode_bundle, decode_shared_bundle, encode_bundle, encode_shared_bundle,
    is_bundle,
};
pub use payload::{
    Alternatives, Input, Request, SeriesShare, Settings, Share, Source, share_series,
};
pub use v2::{ChangedSide, Shared, SharedChanges, SharedDiagnosis, SharedSeries};

/// For the `share_v2` fuzz target: the v2 container parser behind the checksum and the
/// compression, which a fuzzer cannot reach through a link (it cannot forge the checksum).
#[doc(hidden)]
pub fn fuzz_v2_records(records: &[u8], limit: usize) -> Result<Shared, Error> {
    v2::decode_container(&seal(records), limit)
}

/// Size thresholds the UI uses to warn: chat tools cut links around 8 KB; browsers refuse around 2 MB.
pub const LINK_WARN_BYTES: usize = 8 * 1024;
/// Links longer than this are refused by browsers; offer a bundle file instead.
pub const LINK_MAX_BYTES: usize = 2 * 1024 * 1024;
/// Largest decompressed container a decoder accepts (zip-bomb defence).
pub const MAX_DECOMPRESSED_BYTES: usize = 256 * 1024 * 1024;
/// The format version written by [`encode_fragment`] and [`encode_bundle`].
pub const FORMAT_VERSION: u32 = 2;

const COMPRESSION_LEVEL: u8 = 9;
const CHECKSUM_LEN: usize = 4;

// Record tags (see docs/share-link-format.md). Top level:
const TAG_LEFT: u64 = 1;
const TAG_RIGHT: u64 = 2;
const TAG_OPTIONS: u64 = 3;
// Inside a side:
const TAG_SIDE_BYTES: u64 = 1;
const TAG_SIDE_NAME: u64 = 2;
const TAG_SIDE_DIGEST: u64 = 3;
const TAG_SIDE_REDACTED: u64 = 4;
const TAG_SIDE_ARCHIVE: u64 = 5;
// Inside a side's archive record:
const TAG_ARCHIVE_NAME: u64 = 1;
const TAG_ARCHIVE_KIND: u64 = 2;
const TAG_ARCHIVE_DIGEST: u64 = 3;
const TAG_ARCHIVE_SIZE: u64 = 4;
// Inside options:
const TAG_OPT_FLAGS: u64 = 1;
const TAG_OPT_IGNORE_POINTER: u64 = 2;
const TAG_OPT_VIEW: u64 = 3;
const FLAG_IGNORE_TIMESTAMPS: u64 = 1 << 0;
const FLAG_IGNORE_CACHE: u64 = 1 << 1;

/// What a share link carries.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SharePayload {
    /// The left (old) input of the diff.
    pub left: ShareSide,
    /// The right (new) input of the diff.
    pub right: ShareSide,
    /// The diff options the sender had set.
    pub options: ShareOptions,
}

/// One input of the diff.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ShareSide {
    /// The exact bytes of the input as shared (after any redaction the user chose).
    pub bytes: Vec<u8>,
    /// Optional file name the user loaded it from (e.g. "left.json").
    pub name: Option<String>,
    /// sha256 of the ORIGINAL input bytes as "sha256:<64 lowercase hex>", so a reader can check they see the reporter's data even when values were redacted.
    pub original_digest: Option<String>,
    /// JSON Pointers (RFC 6901) of values that were redacted before sharing (keys kept, values replaced); empty when nothing was redacted.
    pub redacted: Vec<Pointer>,
    /// Set when `bytes` is not a file the user gave but the comparable document built from an
    /// image archive ([`crate::image::comparable`]: manifest, config and cache as one JSON
    /// document; layer contents are never read). Added within v1 (side tag 5); older decoders
    /// ignore it and show the document as JSON.
    pub archive: Option<ShareArchive>,
}

/// Where a side's document came from when it was built from an image archive.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ShareArchive {
    /// The archive's (or layout folder's) name, e.g. `img.tar`.
    pub name: String,
    /// The document's kind as the comparison named it (`image-manifest`, `image-index`, ...).
    pub kind: String,
    /// The digest the comparison gave the side: of the image manifest (or index, or config).
    pub digest: String,
    /// The size of what that digest names, in bytes.
    pub size: u64,
}

/// The diff options carried by a link.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ShareOptions {
    /// Ignore timestamp fields.
    pub ignore_timestamps: bool,
    /// Ignore build-cache metadata.
    pub ignore_cache: bool,
    /// JSON Pointer prefixes to ignore.
    pub ignore_pointers: Vec<Pointer>,
    /// Which view the sender had open, e.g. "canonical" or "raw"; free text, optional.
    pub view: Option<String>,
}

/// How a link's length compares with what chat tools and browsers accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkSize {
    /// At most [`LINK_WARN_BYTES`]: safe to paste anywhere.
    Fine,
    /// Over [`LINK_WARN_BYTES`]: chat tools may cut it; works in a browser.
    Long,
    /// Over [`LINK_MAX_BYTES`]: browsers refuse it; use a bundle file.
    TooLong,
}

/// Returns `"sha256:<64 lowercase hex>"` for `bytes`, the form used by [`ShareSide::original_digest`].
pub fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{:x}", Sha256::digest(bytes))
}

/// Encodes `payload` as fragment text (the part after `#`, without the `#`), in the current
/// format (v2).
pub fn encode_fragment(payload: &SharePayload) -> String {
    encode_shared(&Shared::Pair(payload.clone()))
}

/// Encodes any share (a pair, a series, the changes only) as v2 fragment text.
pub fn encode_shared(shared: &Shared) -> String {
    format!(
        "v{FORMAT_VERSION}.{}",
        URL_SAFE_NO_PAD.encode(v2::encode(shared))
    )
}

/// Encodes `payload` as a v1 fragment, as every link was before v2. Kept to measure v2 against
/// (`tests/share_sizes.rs`) and to test that v1 links keep opening; new links are v2.
pub fn encode_fragment_v1(payload: &SharePayload) -> String {
    fragment_from_container(&encode_container(payload))
}

/// Decodes fragment text, with or without a leading `#`, tolerating chat-tool damage
/// (surrounding `<...>`, trailing punctuation, whitespace, percent-encoding). A v1 link or a v2
/// pair; a v2 series or changes-only link is an [`ErrorKind::ShareKind`] (open those with
/// [`decode_shared`]).
pub fn decode_fragment(fragment: &str) -> Result<SharePayload, Error> {
    into_pair(decode_shared_text(fragment, MAX_DECOMPRESSED_BYTES)?)
}

/// Decodes any share link (v1 or v2; a whole URL or just its fragment) into what it holds.
pub fn decode_shared(link: &str) -> Result<Shared, Error> {
    decode_shared_text(link, MAX_DECOMPRESSED_BYTES)
}

/// Opens what a user gives: a bundle file's bytes, or the text of a link.
pub fn open_shared(bytes: &[u8]) -> Result<Shared, Error> {
    if is_bundle(bytes) {
        decode_shared_bundle(bytes)
    } else {
        decode_shared(&String::from_utf8_lossy(bytes))
    }
}

/// Returns `base` with any existing fragment replaced by the share fragment for `payload`.
pub fn make_link(base: &str, payload: &SharePayload) -> String {
    make_shared_link(base, &Shared::Pair(payload.clone()))
}

/// Returns `base` with any existing fragment replaced by the share fragment for `shared`.
pub fn make_shared_link(base: &str, shared: &Shared) -> String {
    let base = base.split_once('#').map_or(base, |(before, _)| before);
    format!("{base}#{}", encode_shared(shared))
}

/// Decodes a whole share URL or just its fragment (the text after the last `#` is used).
pub fn payload_from_link(link: &str) -> Result<SharePayload, Error> {
    decode_fragment(link)
}

fn into_pair(shared: Shared) -> Result<SharePayload, Error> {
    match shared {
        Shared::Pair(p) => Ok(p),
        other => Err(Error::new(ErrorKind::ShareKind {
            expected: "a pair of inputs",
            found: other.describe(),
        })),
    }
}

/// Classifies a link length against [`LINK_WARN_BYTES`] and [`LINK_MAX_BYTES`].
pub const fn link_size_class(len: usize) -> LinkSize {
    if len <= LINK_WARN_BYTES {
        LinkSize::Fine
    } else if len <= LINK_MAX_BYTES {
        LinkSize::Long
    } else {
        LinkSize::TooLong
    }
}

// ---------------------------------------------------------------- encoding

fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value & 0x7f) as u8 | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn put_record(out: &mut Vec<u8>, tag: u64, value: &[u8]) {
    put_varint(out, tag);
    put_varint(out, value.len() as u64);
    out.extend_from_slice(value);
}

fn put_text(out: &mut Vec<u8>, tag: u64, value: Option<&str>) {
    if let Some(text) = value {
        put_record(out, tag, text.as_bytes());
    }
}

fn encode_side(side: &ShareSide) -> Vec<u8> {
    let mut out = Vec::with_capacity(side.bytes.len() + 64);
    put_record(&mut out, TAG_SIDE_BYTES, &side.bytes);
    put_text(&mut out, TAG_SIDE_NAME, side.name.as_deref());
    put_text(&mut out, TAG_SIDE_DIGEST, side.original_digest.as_deref());
    for pointer in &side.redacted {
        put_record(&mut out, TAG_SIDE_REDACTED, pointer.to_string().as_bytes());
    }
    if let Some(a) = &side.archive {
        let mut inner = Vec::new();
        put_record(&mut inner, TAG_ARCHIVE_NAME, a.name.as_bytes());
        put_record(&mut inner, TAG_ARCHIVE_KIND, a.kind.as_bytes());
        put_record(&mut inner, TAG_ARCHIVE_DIGEST, a.digest.as_bytes());
        let mut size = Vec::new();
        put_varint(&mut size, a.size);
        put_record(&mut inner, TAG_ARCHIVE_SIZE, &size);
        put_record(&mut out, TAG_SIDE_ARCHIVE, &inner);
    }
    out
}

fn encode_options(options: &ShareOptions) -> Vec<u8> {
    let mut flags = 0;
    if options.ignore_timestamps {
        flags |= FLAG_IGNORE_TIMESTAMPS;
    }
    if options.ignore_cache {
        flags |= FLAG_IGNORE_CACHE;
    }
    let mut encoded_flags = Vec::new();
    put_varint(&mut encoded_flags, flags);
    let mut out = Vec::new();
    put_record(&mut out, TAG_OPT_FLAGS, &encoded_flags);
    for pointer in &options.ignore_pointers {
        put_record(
            &mut out,
            TAG_OPT_IGNORE_POINTER,
            pointer.to_string().as_bytes(),
        );
    }
    put_text(&mut out, TAG_OPT_VIEW, options.view.as_deref());
    out
}

/// The uncompressed container: checksum, then the top-level records.
fn encode_container(payload: &SharePayload) -> Vec<u8> {
    let mut body = Vec::new();
    put_record(&mut body, TAG_LEFT, &encode_side(&payload.left));
    put_record(&mut body, TAG_RIGHT, &encode_side(&payload.right));
    put_record(&mut body, TAG_OPTIONS, &encode_options(&payload.options));
    seal(&body)
}

/// Prefixes `body` with its checksum.
fn seal(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(CHECKSUM_LEN + body.len());
    out.extend_from_slice(&checksum(body));
    out.extend_from_slice(body);
    out
}

fn checksum(body: &[u8]) -> [u8; CHECKSUM_LEN] {
    let digest = Sha256::digest(body);
    let mut out = [0; CHECKSUM_LEN];
    out.copy_from_slice(&digest[..CHECKSUM_LEN]);
    out
}

fn compress(container: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec(container, COMPRESSION_LEVEL)
}

/// A v1 fragment of a v1 container.
fn fragment_from_container(container: &[u8]) -> String {
    format!("v1.{}", URL_SAFE_NO_PAD.encode(compress(container)))
}

// ---------------------------------------------------------------- decoding

#[cfg(test)]
fn decode_text(text: &str, limit: usize) -> Result<SharePayload, ErrorKind> {
    decode_shared_text(text, limit)
        .and_then(into_pair)
        .map_err(|e| e.kind)
}

fn decode_shared_text(text: &str, limit: usize) -> Result<Shared, Error> {
    let cleaned = clean(text);
    let (version, data) = split_version(cleaned.as_bytes()).ok_or(ErrorKind::NotAShareLink)?;
    check_version(version)?;
    let compressed = URL_SAFE_NO_PAD.decode(data).map_err(base64_error)?;
    decode_versioned(version, &compressed, limit)
}

/// Decodes the compressed container of a link or bundle of a supported `version`.
fn decode_versioned(version: u32, compressed: &[u8], limit: usize) -> Result<Shared, Error> {
    if version == 1 {
        return Ok(Shared::Pair(decode_compressed(compressed, limit)?));
    }
    let container = v2::inflate(compressed, limit)?;
    v2::decode_container(&container, limit)
}

fn check_version(version: u32) -> Result<(), ErrorKind> {
    match version {
        1 | 2 => Ok(()),
        version => Err(ErrorKind::ShareVersion { version }),
    }
}

/// Undoes what chat tools and browsers do to links: percent-encoding, a URL before `#`,
/// `<...>`/quote/bracket wrapping, trailing punctuation, line breaks and invisible spaces.
fn clean(text: &str) -> String {
    let decoded: Vec<u8> = percent_encoding::percent_decode(text.as_bytes()).collect();
    let decoded = String::from_utf8_lossy(&decoded);
    let fragment = decoded.rsplit('#').next().unwrap_or_default();
    let compact: String = fragment
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '\u{200B}' | '\u{2060}' | '\u{FEFF}'))
        .collect();
    compact
        .trim_start_matches(['<', '(', '[', '"', '\'', '`', '*'])
        .trim_end_matches([
            '.', ',', ';', ':', '!', '?', ')', ']', '}', '>', '"', '\'', '`', '*',
        ])
        .to_owned()
}

/// Splits `v<digits>.` off the front; `None` when there is no such prefix.
fn split_version(input: &[u8]) -> Option<(u32, &[u8])> {
    let rest = input.strip_prefix(b"v")?;
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    if !(1..=9).contains(&digits) {
        return None;
    }
    let (number, rest) = rest.split_at_checked(digits)?;
    let version = std::str::from_utf8(number).ok()?.parse().ok()?;
    Some((version, rest.strip_prefix(b".")?))
}

fn base64_error(err: base64::DecodeError) -> ErrorKind {
    let (position, problem) = match err {
        base64::DecodeError::InvalidByte(at, _) => (at, "unexpected character"),
        base64::DecodeError::InvalidLength(len) => (len, "impossible length (link cut short?)"),
        base64::DecodeError::InvalidLastSymbol(at, _) => {
            (at, "invalid final character (link cut short or altered?)")
        }
        base64::DecodeError::InvalidPadding => (0, "unexpected '=' padding"),
    };
    ErrorKind::ShareBase64 { position, problem }
}

fn decode_compressed(compressed: &[u8], limit: usize) -> Result<SharePayload, ErrorKind> {
    parse_container(&v2::inflate_with(compressed, limit, &[])?)
}

fn malformed(offset: usize, field: &'static str, problem: &'static str) -> ErrorKind {
    ErrorKind::ShareMalformed {
        offset,
        field,
        problem,
    }
}

/// A bounds-checked reader over one record list; `base` is its offset in the container.
struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
    base: usize,
}

struct Record<'a> {
    tag: u64,
    offset: usize,
    value: &'a [u8],
    value_offset: usize,
}

impl<'a> Cursor<'a> {
    fn new(data: &'a [u8], base: usize) -> Self {
        Self { data, pos: 0, base }
    }

    fn at_end(&self) -> bool {
        self.pos >= self.data.len()
    }

    fn varint(&mut self, field: &'static str) -> Result<u64, ErrorKind> {
        let start = self.base + self.pos;
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *self
                .data
                .get(self.pos)
                .ok_or_else(|| malformed(start, field, "data ends inside a varint"))?;
            self.pos += 1;
            let low = u64::from(byte & 0x7f);
            if shift == 63 && low > 1 {
                return Err(malformed(start, field, "varint overflows 64 bits"));
            }
            value |= low << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(malformed(start, field, "varint longer than 10 bytes"))
    }

    fn record(&mut self, field: &'static str) -> Result<Record<'a>, ErrorKind> {
        let offset = self.base + self.pos;
        let tag = self.varint(field)?;
        let len = self.varint(field)?;
        let start = self.pos;
        let value = usize::try_from(len)
            .ok()
            .and_then(|len| self.data.get(start..start.checked_add(len)?))
            .ok_or_else(|| malformed(offset, field, "record runs past the end of its container"))?;
        self.pos = start + value.len();
        Ok(Record {
            tag,
            offset,
            value,
            value_offset: self.base + start,
        })
    }
}

impl Record<'_> {
    fn text(&self, field: &'static str) -> Result<String, ErrorKind> {
        String::from_utf8(self.value.to_vec()).map_err(|err| ErrorKind::ShareUtf8 {
            field,
            offset: self.value_offset + err.utf8_error().valid_up_to(),
        })
    }

    /// A JSON Pointer field: UTF-8 text that is empty or starts with `/`.
    fn pointer(&self, field: &'static str) -> Result<Pointer, ErrorKind> {
        let text = self.text(field)?;
        Pointer::parse(&text).map_err(|_| ErrorKind::SharePointer {
            field,
            offset: self.value_offset,
            pointer: text,
        })
    }

    fn nested(&self) -> Cursor<'_> {
        Cursor::new(self.value, self.value_offset)
    }
}

/// Stores a singular field, rejecting a second occurrence.
fn set_once<T>(
    slot: &mut Option<T>,
    value: T,
    rec: &Record<'_>,
    field: &'static str,
) -> Result<(), ErrorKind> {
    match slot.replace(value) {
        Some(_) => Err(malformed(rec.offset, field, "field appears more than once")),
        None => Ok(()),
    }
}

fn parse_container(container: &[u8]) -> Result<SharePayload, ErrorKind> {
    let (sum, body) = container.split_at_checked(CHECKSUM_LEN).ok_or_else(|| {
        malformed(
            0,
            "checksum",
            "container is shorter than its 4-byte checksum",
        )
    })?;
    if sum != checksum(body) {
        return Err(ErrorKind::ShareChecksum);
    }
    let (mut left, mut right, mut options) = (None, None, None);
    let mut cursor = Cursor::new(body, CHECKSUM_LEN);
    while !cursor.at_end() {
        let rec = cursor.record("top-level record")?;
        match rec.tag {
            TAG_LEFT => set_once(&mut left, parse_side(&rec, "left side")?, &rec, "left side")?,
            TAG_RIGHT => set_once(
                &mut right,
                parse_side(&rec, "right side")?,
                &rec,
                "right side",
            )?,
            TAG_OPTIONS => set_once(&mut options, parse_options(&rec)?, &rec, "options")?,
            _ => {} // unknown tags are skipped: later v1 writers may add fields
        }
    }
    Ok(SharePayload {
        left: left.unwrap_or_default(),
        right: right.unwrap_or_default(),
        options: options.unwrap_or_default(),
    })
}

fn parse_side(outer: &Record<'_>, field: &'static str) -> Result<ShareSide, ErrorKind> {
    let (mut bytes, mut name, mut digest, mut archive) = (None, None, None, None);
    let mut redacted = Vec::new();
    let mut cursor = outer.nested();
    while !cursor.at_end() {
        let rec = cursor.record(field)?;
        match rec.tag {
            TAG_SIDE_BYTES => set_once(&mut bytes, rec.value.to_vec(), &rec, "side bytes")?,
            TAG_SIDE_NAME => set_once(&mut name, rec.text("side name")?, &rec, "side name")?,
            TAG_SIDE_DIGEST => {
                set_once(&mut digest, rec.text("side digest")?, &rec, "side digest")?;
            }
            TAG_SIDE_REDACTED => redacted.push(rec.pointer("redacted pointer")?),
            TAG_SIDE_ARCHIVE => set_once(&mut archive, parse_archive(&rec)?, &rec, "side archive")?,
            _ => {}
        }
    }
    Ok(ShareSide {
        bytes: bytes.unwrap_or_default(),
        name,
        original_digest: digest,
        redacted,
        archive,
    })
}

fn parse_archive(outer: &Record<'_>) -> Result<ShareArchive, ErrorKind> {
    let (mut name, mut kind, mut digest, mut size) = (None, None, None, None);
    let mut cursor = outer.nested();
    while !cursor.at_end() {
        let rec = cursor.record("side archive")?;
        match rec.tag {
            TAG_ARCHIVE_NAME => {
                set_once(&mut name, rec.text("archive name")?, &rec, "archive name")?
            }
            TAG_ARCHIVE_KIND => {
                set_once(&mut kind, rec.text("archive kind")?, &rec, "archive kind")?
            }
            TAG_ARCHIVE_DIGEST => {
                set_once(
                    &mut digest,
                    rec.text("archive digest")?,
                    &rec,
                    "archive digest",
                )?;
            }
            TAG_ARCHIVE_SIZE => {
                let mut inner = rec.nested();
                let value = inner.varint("archive size")?;
                if !inner.at_end() {
                    return Err(malformed(
                        rec.offset,
                        "archive size",
                        "bytes after the size",
                    ));
                }
                set_once(&mut size, value, &rec, "archive size")?;
            }
            _ => {}
        }
    }
    Ok(ShareArchive {
        name: name.unwrap_or_default(),
        kind: kind.unwrap_or_default(),
        digest: digest.unwrap_or_default(),
        size: size.unwrap_or(0),
    })
}

fn parse_options(outer: &Record<'_>) -> Result<ShareOptions, ErrorKind> {
    let (mut flags, mut view) = (None, None);
    let mut ignore_pointers = Vec::new();
    let mut cursor = outer.nested();
    while !cursor.at_end() {
        let rec = cursor.record("options")?;
        match rec.tag {
            TAG_OPT_FLAGS => {
                let mut inner = rec.nested();
                let value = inner.varint("option flags")?;
                if !inner.at_end() {
                    return Err(malformed(
                        rec.offset,
                        "option flags",
                        "bytes after the flags",
                    ));
                }
                set_once(&mut flags, value, &rec, "option flags")?;
            }
            TAG_OPT_IGNORE_POINTER => ignore_pointers.push(rec.pointer("ignore pointer")?),
            TAG_OPT_VIEW => set_once(&mut view, rec.text("view")?, &rec, "view")?,
            _ => {}
        }
    }
    let flags = flags.unwrap_or(0); // unknown flag bits are ignored, like unknown tags
    Ok(ShareOptions {
        ignore_timestamps: flags & FLAG_IGNORE_TIMESTAMPS != 0,
        ignore_cache: flags & FLAG_IGNORE_CACHE != 0,
        ignore_pointers,
        view,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    // The decoders' errors carry no side or pointer: these tests look at their kinds.
    fn decode_fragment(text: &str) -> Result<SharePayload, ErrorKind> {
        super::decode_fragment(text).map_err(|e| e.kind)
    }
    fn decode_bundle(bytes: &[u8]) -> Result<SharePayload, ErrorKind> {
        super::decode_bundle(bytes).map_err(|e| e.kind)
    }
    fn payload_from_link(link: &str) -> Result<SharePayload, ErrorKind> {
        super::payload_from_link(link).map_err(|e| e.kind)
    }
    fn ptr(text: &str) -> Pointer {
        Pointer::parse(text).unwrap()
    }

    /// Builds a fragment from hand-written records (for forward-compatibility and error tests).
    fn fragment_from_body(body: &[u8]) -> String {
        fragment_from_container(&seal(body))
    }

    fn record(tag: u64, value: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        put_record(&mut out, tag, value);
        out
    }

    #[test]
    fn an_archive_side_round_trips_and_a_side_without_one_reads_as_before() {
        let mut p = sample();
        p.left.archive = Some(ShareArchive {
            name: "img.tar".into(),
            kind: "image-manifest".into(),
            digest: sha256_digest(b"m"),
            size: 1234,
        });
        assert_eq!(decode_fragment(&encode_fragment(&p)).unwrap(), p);
        assert_eq!(
            decode_fragment(&encode_fragment(&sample()))
                .unwrap()
                .left
                .archive,
            None
        );
        // Twice in one side is malformed, like every singular field.
        let side = [
            record(TAG_SIDE_ARCHIVE, &record(TAG_ARCHIVE_NAME, b"a")),
            record(TAG_SIDE_ARCHIVE, &record(TAG_ARCHIVE_NAME, b"b")),
        ]
        .concat();
        let err = decode_fragment(&fragment_from_body(&record(TAG_LEFT, &side))).unwrap_err();
        assert!(
            matches!(
                err,
                ErrorKind::ShareMalformed {
                    field: "side archive",
                    ..
                }
            ),
            "{err}"
        );
    }

    fn sample() -> SharePayload {
        SharePayload {
            left: ShareSide {
                bytes: br#"{"a":1}"#.to_vec(),
                name: Some("left.json".into()),
                original_digest: Some(sha256_digest(br#"{"a":1}"#)),
                redacted: vec![],
                archive: None,
            },
            right: ShareSide {
                bytes: "{\"a\":2,\"é\":\"✓\"}".into(),
                name: Some("right.json".into()),
                original_digest: Some(sha256_digest("{\"a\":2,\"é\":\"hunter2\"}".as_bytes())),
                redacted: vec![ptr("/é")],
                archive: None,
            },
            options: ShareOptions {
                ignore_timestamps: true,
                ignore_cache: false,
                ignore_pointers: vec![ptr("/created")],
                view: Some("canonical".into()),
            },
        }
    }

    /// Property tests (proptest does not build for wasm32; these run natively).
    #[cfg(not(target_arch = "wasm32"))]
    mod props {
        use super::*;
        use proptest::prelude::*;

        /// Any pointer: tokens with `/`, `~` and every other character.
        fn pointer() -> impl Strategy<Value = Pointer> {
            prop::collection::vec(any::<String>(), 0..4)
                .prop_map(|tokens| tokens.into_iter().fold(Pointer::root(), |p, t| p.child(t)))
        }

        fn side() -> impl Strategy<Value = ShareSide> {
            (
                prop::collection::vec(any::<u8>(), 0..2048),
                any::<Option<String>>(),
                any::<Option<String>>(),
                prop::collection::vec(pointer(), 0..8),
            )
                .prop_map(|(bytes, name, original_digest, redacted)| ShareSide {
                    bytes,
                    name,
                    original_digest,
                    redacted,
                    archive: None,
                })
        }

        fn payload() -> impl Strategy<Value = SharePayload> {
            let options = (
                any::<bool>(),
                any::<bool>(),
                prop::collection::vec(pointer(), 0..100),
                any::<Option<String>>(),
            )
                .prop_map(
                    |(ignore_timestamps, ignore_cache, ignore_pointers, view)| ShareOptions {
                        ignore_timestamps,
                        ignore_cache,
                        ignore_pointers,
                        view,
                    },
                );
            (side(), side(), options).prop_map(|(left, right, options)| SharePayload {
                left,
                right,
                options,
            })
        }

        proptest! {
            #[test]
            fn fragment_and_bundle_round_trip(p in payload()) {
                let fragment = encode_fragment(&p);
                prop_assert!(fragment.starts_with("v2."));
                prop_assert_eq!(decode_fragment(&fragment)?, p.clone());
                prop_assert_eq!(decode_fragment(&format!("#{fragment}"))?, p.clone());
                let bundle = encode_bundle(&p);
                prop_assert!(is_bundle(&bundle));
                prop_assert_eq!(decode_bundle(&bundle)?, p);
            }

            #[test]
            fn link_round_trip(p in payload(), base in prop::sample::select(vec![
                "https://cachelens.example/", "https://x.example/view?mode=raw&a=b",
                "https://x.example/#old-fragment", "https://x.example/p?q=1#v1.stale", "",
            ])) {
                let link = make_link(base, &p);
                prop_assert_eq!(link.matches('#').count(), 1);
                prop_assert!(link.starts_with(base.split('#').next().unwrap_or_default()));
                prop_assert_eq!(payload_from_link(&link)?, p);
            }

            #[test]
            fn random_text_never_panics(s in any::<String>(), b64 in "[A-Za-z0-9_-]{0,200}") {
                prop_assert!(decode_fragment(&s).is_err());
                prop_assert!(payload_from_link(&s).is_err());
                let forged = format!("v1.{b64}");
                prop_assert!(decode_fragment(&forged).is_err());
            }

            #[test]
            fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
                prop_assert!(decode_bundle(&bytes).is_err());
                let mut forged = b"cachelens-share:v1.".to_vec();
                forged.extend_from_slice(&bytes);
                prop_assert!(decode_bundle(&forged).is_err());
                // A valid checksum over random records exercises the container parser itself.
                let _ = parse_container(&seal(&bytes));
            }
        }
    }

    #[test]
    fn non_ascii_text_and_binary_bytes_round_trip() {
        let mut p = sample();
        p.left.name = Some("日本語 🚀 עברית مرحبا.json".into());
        p.left.bytes = vec![0xff, 0xfe, 0x00, 0x80, 0xc3];
        p.right = ShareSide::default();
        p.options.ignore_pointers = (0..500).map(|i| ptr(&format!("/layers/{i}/🙂"))).collect();
        p.options.view = Some(String::new());
        assert_eq!(decode_fragment(&encode_fragment(&p)), Ok(p.clone()));
        assert_eq!(
            decode_fragment(&encode_fragment(&SharePayload::default())),
            Ok(SharePayload::default())
        );
    }

    #[test]
    fn large_input_round_trips() {
        let mut json = String::from("{\"history\":[");
        for i in 0..40_000 {
            json.push_str(&format!(
                "{{\"created\":\"2024-01-{:02}T00:00:{:02}Z\",\"created_by\":\"RUN step {i} && echo {}\"}},",
                i % 28 + 1,
                i % 60,
                i * 7919 % 100_003
            ));
        }
        json.push_str("{}]}");
        assert!((1 << 20..5 << 20).contains(&json.len()), "{}", json.len());
        let mut p = sample();
        p.right.bytes = json.into_bytes();
        let link = make_link("https://cachelens.example/", &p);
        assert_ne!(link_size_class(link.len()), LinkSize::Fine);
        assert_eq!(payload_from_link(&link), Ok(p.clone()));
        assert_eq!(decode_bundle(&encode_bundle(&p)), Ok(p));
    }

    #[test]
    fn tolerates_chat_tool_damage() {
        let p = sample();
        let link = make_link("https://cachelens.example/?x=1", &p);
        let fragment = encode_fragment(&p);
        let percent: String = fragment.bytes().map(|b| format!("%{b:02X}")).collect();
        let wrapped: String = fragment
            .as_bytes()
            .chunks(20)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join("\n");
        for variant in [
            format!("{link}."),
            format!("({link})"),
            format!("<{link}>"),
            format!("  {link} \n"),
            format!("{link}).,"),
            format!("#{fragment}\u{200B}"),
            format!("'{fragment}'"),
            format!("https://cachelens.example/#{percent}"),
            link.replace('#', "%23"),
            wrapped,
        ] {
            assert_eq!(payload_from_link(&variant), Ok(p.clone()), "{variant:?}");
        }
    }

    #[test]
    fn corrupted_links_never_yield_wrong_data() {
        let p = sample();
        let fragment = encode_fragment(&p);
        let flip = |s: &str, at: usize| -> String {
            s.char_indices()
                .map(|(i, c)| match (i == at, c) {
                    (false, c) => c,
                    (true, 'A') => 'B',
                    (true, _) => 'A',
                })
                .collect()
        };
        assert!(decode_fragment(&flip(&fragment, fragment.len() / 2)).is_err());
        // Every single-character change either errors or (when it only touches unused
        // padding bits) still yields the exact original payload.
        for at in 3..fragment.len() {
            if let Ok(decoded) = decode_fragment(&flip(&fragment, at)) {
                assert_eq!(decoded, p, "position {at}");
            }
        }
        for cut in 1..fragment.len() - 3 {
            assert!(
                decode_fragment(&fragment[..fragment.len() - cut]).is_err(),
                "cut {cut}"
            );
        }
    }

    #[test]
    fn reports_checksum_and_container_errors() {
        let good = record(TAG_LEFT, &record(TAG_SIDE_NAME, b"x"));
        let mut bad_sum = seal(&good);
        if let Some(first) = bad_sum.first_mut() {
            *first ^= 1;
        }
        assert_eq!(
            decode_fragment(&fragment_from_container(&bad_sum)),
            Err(ErrorKind::ShareChecksum)
        );
        assert!(matches!(
            decode_fragment(&fragment_from_container(b"ab")),
            Err(ErrorKind::ShareMalformed {
                offset: 0,
                field: "checksum",
                ..
            })
        ));
        // Declared length 9 but only 1 byte follows (record at container byte 4).
        assert!(matches!(
            decode_fragment(&fragment_from_body(&[1, 9, 0])),
            Err(ErrorKind::ShareMalformed { offset: 4, .. })
        ));
        let twice = [good.clone(), good].concat();
        assert!(matches!(
            decode_fragment(&fragment_from_body(&twice)),
            Err(ErrorKind::ShareMalformed {
                field: "left side",
                ..
            })
        ));
        let bad_name = record(TAG_RIGHT, &record(TAG_SIDE_NAME, b"ok\xff"));
        assert_eq!(
            decode_fragment(&fragment_from_body(&bad_name)),
            Err(ErrorKind::ShareUtf8 {
                field: "side name",
                offset: 10
            })
        );
        assert_eq!(
            decode_fragment("https://x.example/"),
            Err(ErrorKind::NotAShareLink)
        );
        assert!(matches!(
            decode_fragment("v1.ab$d"),
            Err(ErrorKind::ShareBase64 { position: 2, .. })
        ));
        assert_eq!(decode_bundle(b"PK\x03\x04"), Err(ErrorKind::NotABundle));
    }

    #[test]
    fn unknown_fields_and_flags_are_skipped() {
        let mut flags = Vec::new();
        put_varint(&mut flags, FLAG_IGNORE_CACHE | (1 << 40));
        let side = [
            record(TAG_SIDE_BYTES, b"{}"),
            record(99, b"future"),
            record(TAG_SIDE_REDACTED, b"/k"),
        ];
        let body = [
            record(1_000_000, b"future top-level field"),
            record(TAG_LEFT, &side.concat()),
            record(
                TAG_OPTIONS,
                &[record(TAG_OPT_FLAGS, &flags), record(7, b"")].concat(),
            ),
        ]
        .concat();
        let expected = SharePayload {
            left: ShareSide {
                bytes: b"{}".to_vec(),
                redacted: vec![ptr("/k")],
                archive: None,
                ..ShareSide::default()
            },
            options: ShareOptions {
                ignore_cache: true,
                ..ShareOptions::default()
            },
            ..SharePayload::default()
        };
        assert_eq!(decode_fragment(&fragment_from_body(&body)), Ok(expected));
    }

    #[test]
    fn a_pointer_that_is_not_one_is_an_error_not_dropped() {
        for (tag, inner, field) in [
            (TAG_OPTIONS, TAG_OPT_IGNORE_POINTER, "ignore pointer"),
            (TAG_LEFT, TAG_SIDE_REDACTED, "redacted pointer"),
        ] {
            let body = record(tag, &record(inner, b"created"));
            let err = decode_fragment(&fragment_from_body(&body)).unwrap_err();
            // The pointer's text starts at container byte 4 (checksum) + 2 + 2 (two record heads).
            assert_eq!(
                err,
                ErrorKind::SharePointer {
                    field,
                    offset: 8,
                    pointer: "created".into()
                }
            );
            assert!(err.to_string().contains("\"created\""), "{err}");
        }
        // Pointers that need escaping come back as they went.
        let mut p = sample();
        p.options.ignore_pointers = vec![Pointer::root().child("a/b~c").child("")];
        let link = make_link("https://x.example/", &p);
        assert_eq!(payload_from_link(&link), Ok(p));
    }

    /// The stored link the page's tests open: two configs, and an ignore pointer without its
    /// leading '/' (tests/fixtures/share/bad-ignore-pointer.txt).
    #[test]
    fn the_stored_link_with_a_bad_pointer_fails_on_that_pointer() {
        let text = include_str!("../../../../tests/fixtures/share/bad-ignore-pointer.txt");
        let err = decode_fragment(text).unwrap_err();
        assert!(
            matches!(
                &err,
                ErrorKind::SharePointer { field: "ignore pointer", pointer, .. } if pointer == "created"
            ),
            "{err}"
        );
    }

    #[test]
    fn unknown_versions_are_named() {
        for (text, version) in [("v3.AAAA", 3), ("#v0.AA", 0), ("https://x/#v17.zz", 17)] {
            let err = decode_fragment(text).err();
            assert_eq!(err, Some(ErrorKind::ShareVersion { version }));
            assert!(err.is_some_and(|e| e.to_string().contains("newer cachelens")));
        }
        assert_eq!(
            decode_bundle(b"cachelens-share:v3.xyz"),
            Err(ErrorKind::ShareVersion { version: 3 })
        );
    }

    #[test]
    fn decompression_is_size_limited() {
        // 8 MiB of zeros deflates to a few KiB: a miniature zip bomb.
        let bomb = fragment_from_container(&vec![0; 8 << 20]);
        assert!(bomb.len() < 16 * 1024);
        let limit = 1 << 20;
        assert_eq!(
            decode_text(&bomb, limit),
            Err(ErrorKind::ShareTooLarge { limit })
        );
        let mut bundle = b"cachelens-share:v1.".to_vec();
        bundle.extend_from_slice(&compress(&vec![0; 8 << 20]));
        assert_eq!(
            decode_bundle_with_limit(&bundle, limit),
            Err(ErrorKind::ShareTooLarge { limit })
        );
    }

    #[test]
    fn link_size_classes() {
        assert_eq!(link_size_class(0), LinkSize::Fine);
        assert_eq!(link_size_class(LINK_WARN_BYTES), LinkSize::Fine);
        assert_eq!(link_size_class(LINK_WARN_BYTES + 1), LinkSize::Long);
        assert_eq!(link_size_class(LINK_MAX_BYTES), LinkSize::Long);
        assert_eq!(link_size_class(LINK_MAX_BYTES + 1), LinkSize::TooLong);
    }

    /// Stored link made by the first v1 encoder. This test must keep passing forever: it proves
    /// links people have already pasted keep opening. Never regenerate the fixture file; if this
    /// fails, the decoder broke compatibility (see fixtures/README.md).
    #[test]
    fn stored_v1_link_fixture_still_decodes() {
        let p = decode_fragment(include_str!("../../fixtures/v1-link.txt")).unwrap_or_default();
        assert_eq!(p.left.bytes, br#"{"a":1}"#);
        assert_eq!(p.left.name.as_deref(), Some("left.json"));
        assert_eq!(
            p.left.original_digest.as_deref(),
            Some("sha256:015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862")
        );
        assert!(p.left.redacted.is_empty());
        assert_eq!(p.right.bytes, "{\"a\":2,\"é\":\"✓\"}".as_bytes());
        assert_eq!(p.right.name.as_deref(), Some("right.json"));
        assert_eq!(
            p.right.original_digest.as_deref(),
            Some("sha256:82b479221ccdb10dda7a524c9ffcfcd9bbb01b3494216460c99dd9e0dbe606a9")
        );
        assert_eq!(p.right.redacted, [ptr("/é")]);
        assert!(p.options.ignore_timestamps);
        assert!(!p.options.ignore_cache);
        assert_eq!(p.options.ignore_pointers, [ptr("/created")]);
        assert_eq!(p.options.view.as_deref(), Some("canonical"));
        assert_eq!(p, sample());
    }
}
