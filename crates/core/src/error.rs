//! The one error type of the core: every error says which side and where.

mod problem;

use crate::Pointer;
pub use problem::Problem;
pub(crate) use problem::{archive_error, location};
use std::fmt;

/// Which input an error or warning is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// The first input (the "before" of a diff).
    Left,
    /// The second input (the "after" of a diff).
    Right,
}

impl Side {
    /// `"left"` or `"right"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Left => "left",
            Side::Right => "right",
        }
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error (or, when it does not stop the rest of the input from being compared, a warning).
///
/// `side` is filled in once the input is known to be the left or right one; `pointer` names the
/// place in the input's JSON (RFC 6901) the problem sits under, when there is one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Error {
    /// Which input.
    pub side: Option<Side>,
    /// Where in the input's JSON document (e.g. `/moby.buildkit.cache.v0`), when it applies.
    pub pointer: Option<Pointer>,
    /// What went wrong, with its own location details.
    pub kind: ErrorKind,
}

impl Error {
    /// An error of this kind with no side or pointer yet.
    pub fn new(kind: ErrorKind) -> Self {
        Error {
            side: None,
            pointer: None,
            kind,
        }
    }

    /// The message without the side prefix (for a place that already says which side):
    /// the pointer, if any, then what went wrong.
    pub fn message(&self) -> String {
        Error {
            side: None,
            pointer: self.pointer.clone(),
            kind: self.kind.clone(),
        }
        .to_string()
    }

    /// Sets the side.
    #[must_use]
    pub fn on(mut self, side: Option<Side>) -> Self {
        if self.side.is_none() {
            self.side = side;
        }
        self
    }

    /// Sets the JSON Pointer the problem sits under (kept if already set).
    #[must_use]
    pub fn at(mut self, pointer: impl Into<Pointer>) -> Self {
        if self.pointer.is_none() {
            self.pointer = Some(pointer.into());
        }
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(side) = self.side {
            write!(f, "{side}: ")?;
        }
        if let Some(p) = &self.pointer {
            if p.is_root() {
                write!(f, "at the document root: ")?;
            } else {
                write!(f, "at {p}: ")?;
            }
        }
        write!(f, "{}", self.kind)
    }
}

/// What went wrong. Each variant carries the location it needs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input is empty or only whitespace.
    #[error("the input is empty")]
    Empty,
    /// The input is not UTF-8 text.
    #[error("the input is not UTF-8 text (invalid byte at offset {byte}){hint}")]
    NotUtf8 {
        /// Byte offset of the first invalid byte.
        byte: usize,
        /// Extra hint, e.g. that it looks like UTF-16.
        hint: String,
    },
    /// The input (or a decoded cache value) is not valid JSON.
    #[error("invalid JSON at line {line}, column {column}: {message}")]
    Json {
        /// 1-based line.
        line: usize,
        /// 1-based column (in characters of that line, as serde_json counts).
        column: usize,
        /// The parser's description.
        message: String,
    },
    /// A base64 value has a character outside the alphabet or bad padding.
    #[error("invalid base64 at character {position}: {message}")]
    Base64 {
        /// 0-based character position in the value as given (whitespace included).
        position: usize,
        /// What is wrong there.
        message: String,
    },
    /// The base64 value decoded, but not to JSON.
    #[error(
        "the base64 value decodes to {len} bytes that are not JSON (line {line}, column {column}: {message})"
    )]
    DecodedNotJson {
        /// Number of decoded bytes.
        len: usize,
        /// Line in the decoded text.
        line: usize,
        /// Column in the decoded text.
        column: usize,
        /// The parser's description.
        message: String,
    },
    /// Text that is neither JSON nor a bare inline cache value (base64 of JSON).
    #[error(
        "not JSON (line {line}, column {column}: {message}), and not a base64 inline cache value: {base64}. cachelens reads {READS}."
    )]
    NotJsonNorBase64 {
        /// Where JSON parsing failed: 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The JSON parser's description.
        message: String,
        /// Why it is not a base64 value of JSON (a [`ErrorKind::Base64`] with the character
        /// position in the input, or [`ErrorKind::DecodedNotJson`]).
        base64: Box<ErrorKind>,
    },
    /// A cache value or record has the wrong JSON shape.
    #[error("{what}: expected {expected}, found {found}")]
    Shape {
        /// Which field, e.g. `record 3 field "link" of input 0`.
        what: String,
        /// What was expected.
        expected: &'static str,
        /// What was found.
        found: String,
    },
    /// A `link` that points outside the records.
    #[error(
        "record {record} input {input} alternative {alternative}: link {link} is {reason} ({})",
        count(*records as u64, "record", "records")
    )]
    Link {
        /// Index of the record holding the link.
        record: usize,
        /// Input position.
        input: usize,
        /// Alternative within the input position.
        alternative: usize,
        /// The link value as given.
        link: i64,
        /// "out of range" or "negative".
        reason: &'static str,
        /// How many records there are.
        records: usize,
    },
    /// Links that form a cycle (BuildKit rejects these).
    #[error("record {record} input {input}: link {link} closes a cycle ({path})")]
    Cycle {
        /// Record where the cycle was found.
        record: usize,
        /// Input position.
        input: usize,
        /// The link closing the cycle.
        link: usize,
        /// The records of the cycle, e.g. "3 -> 5 -> 3".
        path: String,
    },
    /// A layer `parent` outside the layers, or parents that loop.
    #[error("layer {layer}: parent {parent} is {reason} ({})", count(*layers as u64, "layer", "layers"))]
    Parent {
        /// Index of the layer.
        layer: usize,
        /// The parent as given.
        parent: i64,
        /// "out of range", "negative" or "part of a loop".
        reason: &'static str,
        /// How many layers there are.
        layers: usize,
    },
    /// A result refers to a layer index that does not exist.
    #[error(
        "record {record} {field}[{result}]: layer {layer} is {reason} ({})",
        count(*layers as u64, "layer", "layers")
    )]
    LayerIndex {
        /// Record index.
        record: usize,
        /// `layers` or `chains`.
        field: &'static str,
        /// Result index.
        result: usize,
        /// Layer index as given.
        layer: i64,
        /// "out of range" or "negative".
        reason: &'static str,
        /// How many layers are known (diff_ids or cache config layers).
        layers: usize,
    },
    /// A timestamp that is not RFC 3339.
    #[error("{what}: {value:?} is not an RFC 3339 time")]
    Time {
        /// Which field.
        what: String,
        /// The value as given.
        value: String,
    },
    /// An input is larger than the core accepts.
    #[error("the input is {size} bytes, over the limit of {limit} bytes")]
    TooLarge {
        /// Input size (a file given to the viewer may be larger than a wasm32 `usize`).
        size: u64,
        /// The limit.
        limit: usize,
    },
    /// An object names the same key twice (a warning: the document is still read).
    #[error(
        "the key {key:?} appears {count} times in this object{within}: the last value is used, as Go's encoding/json and every JSON library here do, and the earlier ones are ignored"
    )]
    DuplicateKey {
        /// The repeated key.
        key: String,
        /// How many times it appears.
        count: usize,
        /// Where inside a decoded cache value (`" of the decoded cache value, at /3/inputs/0/0"`),
        /// or empty when the pointer says it all.
        within: String,
    },
    /// Something the user should know that is not an error (e.g. a byte-order mark was skipped).
    #[error("{0}")]
    Notice(String),
    /// A change could not be applied to a document (RFC 6902 `add`/`remove`/`replace`).
    #[error("cannot apply {op} at {path}: {problem}")]
    Patch {
        /// The operation: `add`, `remove` or `replace`.
        op: &'static str,
        /// Where it was to apply.
        path: Pointer,
        /// Why it could not, e.g. "no such member".
        problem: &'static str,
    },
    /// Share links and bundles (see `docs/share-link-format.md`): the text has no `v<N>.` prefix.
    #[error("not a cachelens share link: expected a fragment starting with \"v2.\" (or \"v1.\")")]
    NotAShareLink,
    /// The bytes do not start with the bundle magic and a version prefix.
    #[error(
        "not a cachelens share bundle: expected a file starting with \"cachelens-share:v2.\" (or \"v1.\")"
    )]
    NotABundle,
    /// The version prefix names a share format this build cannot read.
    #[error(
        "share format v{version} is not supported (this cachelens reads v1 and v2); a newer cachelens may be needed to open it"
    )]
    ShareVersion {
        /// The version number found in the prefix.
        version: u32,
    },
    /// The text after the version prefix is not valid base64url.
    #[error("invalid base64url data at character {position} after the version prefix: {problem}")]
    ShareBase64 {
        /// Character index within the data after `v<N>.` (whitespace and wrapping removed).
        position: usize,
        /// What is wrong there.
        problem: &'static str,
    },
    /// The deflate stream is damaged or truncated.
    #[error("share data is damaged: decompression failed ({problem})")]
    ShareDecompress {
        /// What the decompressor reported.
        problem: &'static str,
    },
    /// The decompressed container would exceed the size cap.
    #[error("share data decompresses to more than {limit} bytes; refusing to continue")]
    ShareTooLarge {
        /// The cap in bytes.
        limit: usize,
    },
    /// The container's checksum does not match its content.
    #[error("share data is damaged: checksum mismatch")]
    ShareChecksum,
    /// The container is truncated or structurally invalid.
    #[error("malformed share data at byte {offset} of the container ({field}): {problem}")]
    ShareMalformed {
        /// Byte offset within the decompressed container.
        offset: usize,
        /// The field being read.
        field: &'static str,
        /// What is wrong.
        problem: &'static str,
    },
    /// A text field is not valid UTF-8.
    #[error("{field} is not valid UTF-8 (byte {offset} of the container)")]
    ShareUtf8 {
        /// The text field.
        field: &'static str,
        /// Byte offset of the first invalid byte within the decompressed container.
        offset: usize,
    },
    /// A pointer field (an ignored path, a redacted place) is not a JSON Pointer.
    #[error(
        "{field} {pointer:?} (byte {offset} of the container) is not a JSON Pointer: it must be empty or start with '/'"
    )]
    SharePointer {
        /// The field.
        field: &'static str,
        /// Byte offset of its text within the decompressed container.
        offset: usize,
        /// The text as the link carries it.
        pointer: String,
    },
    /// A v2 input's data cannot be rebuilt: a digest reference past the digest table, a
    /// difference that copies from outside the earlier input, a cache split outside the document.
    #[error("share data is damaged: input {input} (container byte {offset}): {problem}")]
    ShareInput {
        /// The input's index in the link (a pair: 0 left, 1 right).
        input: usize,
        /// Byte offset within the decompressed container of the record (or operation) at fault.
        offset: usize,
        /// What is wrong.
        problem: &'static str,
    },
    /// A v2 input, rebuilt, does not have the sha256 digest the link carries for it.
    #[error(
        "share data is damaged: input {input} rebuilt does not match the digest the link carries ({expected}…, rebuilt {found}…)"
    )]
    ShareDigestMismatch {
        /// The input's index in the link (a pair: 0 left, 1 right; the error's side says which).
        input: usize,
        /// The digest prefix the link carries, lowercase hex.
        expected: String,
        /// The rebuilt bytes' digest, as many hex digits.
        found: String,
    },
    /// A v2 link holds something other than what the caller opens (a series where a pair is
    /// expected, a changes-only link, ...).
    #[error("this share link holds {found}, not {expected}")]
    ShareKind {
        /// What the caller can open.
        expected: &'static str,
        /// What the link holds (`a series of 3 inputs`, `the changes only`).
        found: String,
    },
    /// Only the build caches were to be shared, but this input has none.
    #[error(
        "there is no build cache to share alone in this input: share the whole documents instead"
    )]
    NoCacheToShare,
    /// A JSON Pointer is not valid RFC 6901 text.
    #[error("invalid JSON Pointer {0:?}: it must be empty or start with '/'")]
    Pointer(String),
    /// An image archive (tar) or layout folder is damaged or incomplete: which entry, which byte.
    #[error("{}{problem}", location(.entry, .offset))]
    Archive {
        /// The entry's path inside the archive or folder, when the problem is about one.
        entry: Option<String>,
        /// Byte offset in the archive (an entry's tar header, or where reading stopped).
        offset: Option<u64>,
        /// What is wrong (boxed: keeps every `Result<_, Error>` small).
        problem: Box<Problem>,
    },
}

use crate::words::count;

/// What cachelens reads, for messages about input it does not.
pub(crate) const READS: &str = "JSON (an image config, an image manifest or index, a BuildKit cache config or cache records, docker image inspect or buildx metadata output, or any other JSON) and the bare moby.buildkit.cache.v0 value (base64 of JSON, standard or URL-safe, padded or not, wrapped or not, quoted or not), and image archives and OCI layout folders";

/// Describes a JSON value's type the way error messages name it.
pub(crate) fn type_name(v: &serde_json::Value) -> String {
    use serde_json::Value;
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("boolean {b}"),
        Value::Number(n) => format!("number {n}"),
        Value::String(s) if s.chars().count() > 40 => {
            format!("a string of {} characters", s.chars().count())
        }
        Value::String(s) => format!("string {s:?}"),
        Value::Array(a) => format!("an array of {}", a.len()),
        Value::Object(_) => "an object".into(),
    }
}

/// How the viewer's worker sends errors to the page (as JSON): `&'static str` fields come back
/// interned, each distinct text leaked once (they are a few fixed words: "out of range", …).
pub(crate) mod wire {
    use serde::Deserialize;
    use std::cell::RefCell;
    use std::collections::BTreeSet;

    /// A `&'static str` field (an alias: serde would otherwise borrow it from the input).
    pub(crate) type Word = &'static str;

    thread_local!(static TEXTS: RefCell<BTreeSet<&'static str>> = const { RefCell::new(BTreeSet::new()) });

    fn intern(text: &str) -> &'static str {
        TEXTS.with(|t| {
            let mut t = t.borrow_mut();
            if let Some(s) = t.get(text) {
                return *s;
            }
            let s: &'static str = Box::leak(text.to_owned().into_boxed_str());
            t.insert(s);
            s
        })
    }

    pub(crate) fn interned<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<&'static str, D::Error> {
        <std::borrow::Cow<'de, str>>::deserialize(d).map(|s| intern(&s))
    }

    pub(crate) fn interned_opt<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Option<&'static str>, D::Error> {
        <Option<std::borrow::Cow<'de, str>>>::deserialize(d).map(|s| s.map(|s| intern(&s)))
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Error::new(kind)
    }
}

impl From<crate::pointer::InvalidPointer> for Error {
    fn from(p: crate::pointer::InvalidPointer) -> Self {
        Error::new(ErrorKind::Pointer(p.0))
    }
}
