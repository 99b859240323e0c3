//! cachelens-core: why did my image digest change, and is it real?
//!
//! The core reads what users have in hand (an image config, the bare inline cache value,
//! decoded cache records, a BuildKit cache config, manifests, indexes, `docker image inspect`
//! output, buildx metadata), decodes BuildKit's build cache, puts each input in a **canonical
//! form** where array positions no longer matter, and compares two of them: a structural diff
//! (a JSON Patch), a verdict, digests and a summary in words.
//!
//! It is pure: no I/O, no clock, no randomness; it takes bytes and returns values, and builds
//! for native targets and `wasm32-unknown-unknown` alike. The CLI and the web viewer are thin
//! shells over it.
//!
//! ```
//! use cachelens_core::{analyze, compare, Options, Side, Verdict};
//!
//! // Two decoded inline caches: the same graph, records numbered differently.
//! let left = br#"[{"digest":"sha256:aa"},{"digest":"sha256:bb","inputs":[[{"link":0}]]}]"#;
//! let right = br#"[{"digest":"sha256:bb","inputs":[[{"link":1}]]},{"digest":"sha256:aa"}]"#;
//! let l = analyze(left, Some(Side::Left)).unwrap();
//! let r = analyze(right, Some(Side::Right)).unwrap();
//! let cmp = compare(&l, &r, &Options::default());
//! assert_eq!(cmp.verdict, Verdict::Equivalent);
//! assert!(cmp.changes.is_empty());
//! ```
//!
//! # Pipeline
//!
//! [`input`](analyze) (bytes → parsed JSON, errors with line:column) → [`detect`] (what is it) →
//! [`decode`] (base64 and cache records with Go's rules) → [`canon`] (canonical document) →
//! [`diff`] (changes) → [`compare`] (verdict, attribution, cache summary) → [`report`] (text,
//! JSON, Markdown). [`share`] packs two inputs into a link.
//!
//! Canonicalisation builds one typed [`CacheGraph`] per decoded cache (records with their
//! canonical ids, positions in the input and links as given; inputs as references to records;
//! results as references to layers; see [`graph`]), held by [`CacheInfo`] in
//! [`Canonical::caches`]; the canonical document of a cache is rendered from it. The cache
//! summary and what it builds on ([`steps`], [`matching`], [`roots`]) read the graphs, not the
//! JSON documents.
//!
//! # The canonical format
//!
//! The canonical document of an input is JSON in which:
//!
//! * every object's keys are sorted bytewise (as Go sorts map keys);
//! * in an image config, `moby.buildkit.cache.v0` holds the **decoded** cache instead of its
//!   base64 string: `{"records": {...}}`. A bare inline value or decoded records array
//!   canonicalises to that same `{"records": {...}}` object, and a cache config to
//!   `{"layers": {...}, "records": {...}}` (plus any unknown top-level fields, kept);
//! * `records` is an object keyed by a **record id derived only from content**:
//!   `<first 12 hex of the record digest>-<first 12 hex of K>`, where K is the sha256 of the
//!   compact JSON `{"digest": d, "inputs": [[{"link": K(linked record), "selector": s}, ...], ...]}`
//!   with each input position's alternatives sorted: the record's digest and, recursively, what
//!   its inputs link to. Results do not enter K, so a record that gains or loses results keeps
//!   its id. Records with the same K (exact duplicates, or duplicates with different results)
//!   all stay, as `id`, `id:2`, `id:3`, ordered by content;
//! * each record is `{"chains"?, "digest", "inputs"?, "layers"?}` (empty lists are omitted, as
//!   BuildKit's `omitempty` does, plus any unknown fields, kept):
//!   * `inputs`: one array per input position (positions keep their order); each is the sorted
//!     set of alternatives `{"link": <record id>, "selector"?: s}`;
//!   * `layers` (BuildKit's `CacheResult`s) and `chains` (`ChainedResult`s): sorted arrays of
//!     `{"createdAt": t, "layers": [...]}` where `t` is normalised to UTC RFC 3339 in Go's
//!     spelling (fraction without trailing zeros; a missing time is Go's zero time
//!     `0001-01-01T00:00:00Z`), and `layers` lists the layers **explicitly** in order:
//!     for `CacheResult{layer: N}` the chain 0..=N, for `ChainedResult{layers: [a, b]}` exactly
//!     a, b. For an inline cache each layer is `{"diffID": <rootfs.diff_ids[i]>, "index": i}`
//!     (only `{"index": i}` when no diff_ids are at hand, `"missing"` when past the end); for a
//!     cache config each is the blob digest, and a `CacheResult` lists the blob chain from the
//!     root layer following `parent` (missing `parent` = 0, -1 = none). So the same layers
//!     numbered differently compare equal;
//! * a cache config's `layers` is an object keyed by `<first 12 hex of blob>-<first 12 hex of
//!   sha256(chain joined by ",")>`, each `{"annotations"?, "blob", "chain"}` (annotation
//!   `createdAt` normalised to UTC); unreferenced layers and duplicates stay (`:2` suffix);
//! * a registry cache manifest's `layers` and cache index's `manifests` (descriptors in
//!   cache-config order, which renumbers) are sorted; all other arrays keep their order;
//! * numbers and strings are exactly as given (numbers are never rounded through `f64`).
//!
//! Two inputs that differ only by renumbering (records or layers permuted and every index
//! remapped, as BuildKit's unstable sort does) give byte-identical canonical documents, and
//! canonicalising a canonical document changes nothing. When a cache cannot be decoded (bad
//! base64, a link out of range, a cycle, a parent loop), the canonical document keeps the value
//! as given and the problem is reported as a warning, so the rest can still be compared.
//!
//! This format is a stable interface (`cachelens canon`): fields may be added; existing ones
//! keep their meaning.

pub mod buildx;
pub mod canon;
pub mod compare;
pub mod decode;
pub mod detect;
pub mod diagnose;
pub mod diff;
mod digest;
pub mod drawing;
mod error;
pub mod graph;
pub mod headline;
pub mod image;
mod input;
pub mod json;
pub mod layout;
pub mod matching;
pub mod overview;
pub mod picture;
mod pointer;
pub mod redact;
pub mod report;
pub mod roots;
pub mod series;
pub mod share;
pub mod steps;
pub mod summary;
pub mod synth;
pub mod view;
pub mod words;

pub use canon::{CacheForm, CacheInfo, CanonOptions, Canonical, canonicalize};
pub use compare::{
    Area, Attribution, CacheSummary, Comparison, Options, ResultDelta, Verdict, compare,
};
pub use detect::{Kind, detect};
pub use diff::{Change, Op, apply, diff};
pub use digest::Digest;
pub use error::{Error, ErrorKind, Side};
pub use graph::CacheGraph;
pub use input::{Analysis, Document, ImageKeys, MAX_INPUT_BYTES, Original, analyze, analyze_with};
pub use pointer::{InvalidPointer, Pointer};

#[cfg(all(test, target_arch = "wasm32"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
