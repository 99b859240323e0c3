//! Bytes to an [`Analysis`]: text decoding, JSON parsing, kind detection, canonical form, digests.

use crate::canon::{CacheInfo, CanonOptions, canonicalize};
use crate::detect::{INLINE_CACHE_KEY, Kind, detect};
use crate::{Digest, Error, ErrorKind, Side, json};
use serde_json::Value;
use sha2::{Digest as _, Sha256};
use std::cell::OnceCell;
use std::sync::Arc;

/// The largest input accepted (100 MiB); larger inputs are refused with a message naming it.
pub const MAX_INPUT_BYTES: usize = 100 * 1024 * 1024;

/// Everything the core knows about one input.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// Which side it is, when part of a comparison.
    pub side: Option<Side>,
    /// What it is.
    pub kind: Kind,
    /// Its size in bytes.
    pub size: usize,
    /// sha256 of the exact bytes.
    pub digest: Digest,
    /// sha256 of its compact re-encoding the way Go writes JSON, when that differs from the bytes
    /// (e.g. the input went through `jq .`): recovers the registry's digest.
    pub compact_digest: Option<Digest>,
    /// For an image config with an inline cache: the digest it would have without
    /// `moby.buildkit.cache.v0` (Go compact encoding, keys in the given order).
    pub without_cache_digest: Option<Digest>,
    /// Whether the input was JSON (false for a bare base64 value).
    pub is_json: bool,
    /// For an image archive compared with another ([`crate::image::comparable`]): the export's
    /// own metadata (the `index.json` entry's annotations, docker save's tags), left out of
    /// `canonical` and laid out at the paths it would have had there; `{}` when there is none.
    /// `None` for every other input. Compared apart and never a change.
    pub export_metadata: Option<Value>,
    /// The parsed input, key order and number spellings as given (a cache config read straight
    /// into its graph is parsed the first time it is read: [`Original`]).
    pub original: Original,
    /// The canonical document, rendered from the caches' graphs when first asked for: read it
    /// with [`Analysis::canonical`].
    pub canonical: Document,
    /// Decoded caches inside it.
    pub caches: Vec<CacheInfo>,
    /// Problems that did not stop the analysis.
    pub warnings: Vec<Error>,
    /// For one image read from an archive or layout: its last layer digest and top chain ID
    /// (the cache keys), so a comparison reports them per side.
    pub image_keys: Option<ImageKeys>,
    /// An image of the same build given beside a cache (its config's history, its manifest's
    /// blobs): names the steps of a cache config's records ([`crate::steps`]).
    pub image_facts: Option<crate::steps::ImageFacts>,
}

/// The cache keys of one image: its last layer digest and its top layer's chain ID.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ImageKeys {
    /// The last layer's blob digest.
    #[serde(rename = "lastLayer", skip_serializing_if = "Option::is_none")]
    pub last_layer: Option<Digest>,
    /// The top layer's chain ID (the whole layer stack).
    #[serde(rename = "chainID", skip_serializing_if = "Option::is_none")]
    pub chain_id: Option<Digest>,
}

/// The canonical document of an input, as an outline and the caches' graphs.
///
/// The outline is the canonical document with each decoded cache (each of
/// [`Analysis::caches`]) left as a stub (`{"records": {}}`, with `"layers": {}` for a cache
/// config): the graph holds the cache, and the whole document is rendered from the two the
/// first time it is asked for. A comparison reads the outline and the graphs
/// ([`crate::compare()`]), so the canonical form of a large cache is built only to be shown or
/// printed.
#[derive(Debug, Clone, Default)]
pub struct Document {
    outline: Value,
    full: OnceCell<Value>,
}

impl Document {
    /// The document of an input from its outline (the whole document when the input has no
    /// decoded cache).
    pub fn new(outline: Value) -> Self {
        Document {
            outline,
            full: OnceCell::new(),
        }
    }
}

/// The parsed input of an [`Analysis`], read as a `Value` (it dereferences to one).
///
/// A cache config is decoded straight from its bytes into its graph: a `Value` of its
/// megabytes of records would cost about eight times the input, and a comparison never reads
/// it. Such an input keeps its text and is parsed the first time it is read (to be shown, or
/// shared).
#[derive(Debug, Clone, Default)]
pub struct Original {
    value: OnceCell<Value>,
    text: Option<Arc<str>>,
}

impl Original {
    /// An input parsed already.
    pub fn new(value: Value) -> Self {
        Original {
            value: OnceCell::from(value),
            text: None,
        }
    }

    /// An input kept as its text (valid JSON), parsed when first read.
    fn unparsed(text: &str) -> Self {
        Original {
            value: OnceCell::new(),
            text: Some(Arc::from(text)),
        }
    }

    /// The parsed input, moved out.
    pub fn into_value(self) -> Value {
        let Original { value, text } = self;
        value
            .into_inner()
            .unwrap_or_else(|| parse_unparsed(text.as_deref()))
    }
}

fn parse_unparsed(text: Option<&str>) -> Value {
    // The text was read as JSON already; `Null` only stands in for what cannot happen.
    text.and_then(|t| json::parse(t).ok())
        .unwrap_or(Value::Null)
}

impl std::ops::Deref for Original {
    type Target = Value;
    fn deref(&self) -> &Value {
        self.value
            .get_or_init(|| parse_unparsed(self.text.as_deref()))
    }
}

impl From<Value> for Original {
    fn from(value: Value) -> Self {
        Original::new(value)
    }
}

impl Analysis {
    /// The canonical document (rendered from [`Analysis::caches`] the first time).
    pub fn canonical(&self) -> &Value {
        let d = &self.canonical;
        if self.caches.is_empty() {
            return &d.outline;
        }
        d.full
            .get_or_init(|| crate::canon::render(&d.outline, &self.caches))
    }

    /// The canonical document with each cache of [`Analysis::caches`] as a stub
    /// ([`Document`]): everything outside the caches, without rendering them.
    pub(crate) fn outline(&self) -> &Value {
        &self.canonical.outline
    }

    /// The canonical document as pretty JSON text (what `cachelens canon` prints).
    pub fn canonical_text(&self) -> String {
        json::to_pretty(self.canonical())
    }
}

/// Analyses one input.
pub fn analyze(bytes: &[u8], side: Option<Side>) -> Result<Analysis, Error> {
    analyze_with(bytes, side, &CanonOptions::default())
}

/// Analyses one input with extra facts (e.g. diff_ids for a bare inline cache).
pub fn analyze_with(
    bytes: &[u8],
    side: Option<Side>,
    opts: &CanonOptions,
) -> Result<Analysis, Error> {
    analyze_bytes(bytes, side, opts, true)
}

/// [`analyze_with`]; `direct` lets a cache config be read straight into its graph (tests turn it
/// off to check that path against the parsed document's).
fn analyze_bytes(
    bytes: &[u8],
    side: Option<Side>,
    opts: &CanonOptions,
    direct: bool,
) -> Result<Analysis, Error> {
    let fail = |kind| Err(Error::new(kind).on(side));
    if bytes.len() > MAX_INPUT_BYTES {
        return fail(ErrorKind::TooLarge {
            size: bytes.len() as u64,
            limit: MAX_INPUT_BYTES,
        });
    }
    let mut warnings = Vec::new();
    let mut body = bytes;
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        body = rest;
        warnings.push(Error::new(ErrorKind::Notice(
            "a UTF-8 byte-order mark was skipped (it is part of the bytes the digest is taken of)"
                .into(),
        )));
    }
    if body.starts_with(b"\xFF\xFE") || body.starts_with(b"\xFE\xFF") {
        return fail(ErrorKind::NotUtf8 {
            byte: 0,
            hint: "; it starts with a UTF-16 byte-order mark: convert it to UTF-8 (e.g. iconv -f UTF-16 -t UTF-8)".into(),
        });
    }
    // ASCII text in UTF-16 has a NUL in every other byte (and is valid UTF-8, NULs and all).
    let head = &body[..body.len().min(64)];
    let nul_pairs = head
        .chunks(2)
        .filter(|p| p.len() == 2 && (p[0] == 0) != (p[1] == 0))
        .count();
    if head.len() >= 8 && nul_pairs * 4 >= head.len() * 2 {
        let byte = head.iter().position(|b| *b == 0).unwrap_or(0) + (bytes.len() - body.len());
        return fail(ErrorKind::NotUtf8 {
            byte,
            hint:
                "; it looks like UTF-16 text: convert it to UTF-8 (e.g. iconv -f UTF-16 -t UTF-8)"
                    .into(),
        });
    }
    let text = match std::str::from_utf8(body) {
        Ok(t) => t,
        Err(e) => {
            let byte = e.valid_up_to() + (bytes.len() - body.len());
            let nuls = body.iter().take(64).filter(|b| **b == 0).count();
            let hint = if nuls > 8 {
                "; it looks like UTF-16 text: convert it to UTF-8"
            } else {
                ""
            };
            return fail(ErrorKind::NotUtf8 {
                byte,
                hint: hint.into(),
            });
        }
    };
    if text.trim().is_empty() {
        return fail(ErrorKind::Empty);
    }
    if direct && let Some(a) = cache_config_from_text(bytes, text, side, &mut warnings) {
        return Ok(a);
    }
    let (original, is_json) = match json::parse_checked(text) {
        Ok((v, repeats)) => {
            warnings.extend(json::duplicate_warnings(repeats, None));
            (v, true)
        }
        // Not JSON: a bare inline cache value only when it is base64 of JSON; anything else
        // is refused with both reasons and what cachelens reads.
        Err(e) => match crate::decode::bare_inline_value(text) {
            Ok(b64) => (Value::String(b64.to_owned()), false),
            Err(Some(why)) => match e.kind {
                ErrorKind::Json {
                    line,
                    column,
                    message,
                } => {
                    return fail(ErrorKind::NotJsonNorBase64 {
                        line,
                        column,
                        message,
                        base64: Box::new(why),
                    });
                }
                _ => return Err(e.on(side)),
            },
            Err(None) => return Err(e.on(side)),
        },
    };
    let kind = detect(&original);
    let canon = canonicalize(&original, kind, opts);
    warnings.extend(canon.warnings);
    // Go's compact encoding is streamed: compared with the bytes, and hashed only when it differs.
    let compact_digest = (is_json && !json::is_go_compact_of(&original, bytes)).then(|| {
        let mut h = Sha256::new();
        json::write_go(&original, &mut h);
        Digest::from_sha256(h)
    });
    let without_cache_digest = match (&original, kind) {
        (Value::Object(m), Kind::ImageConfig) if m.contains_key(INLINE_CACHE_KEY) => {
            let mut h = Sha256::new();
            json::write_go_members(m.iter().filter(|(k, _)| *k != INLINE_CACHE_KEY), &mut h);
            Some(Digest::from_sha256(h))
        }
        _ => None,
    };
    Ok(Analysis {
        side,
        kind,
        size: bytes.len(),
        digest: Digest::sha256(bytes),
        compact_digest,
        without_cache_digest,
        is_json,
        export_metadata: None,
        original: Original::new(original),
        canonical: Document::new(canon.doc),
        caches: canon.caches,
        warnings: warnings.into_iter().map(|w| w.on(side)).collect(),
        image_keys: None,
        image_facts: None,
    })
}

/// The analysis of a whole document that is a cache config (a registry cache's config blob),
/// read straight into its graph: no `Value` of it is built ([`Original`]). `None` whenever the
/// parsed document must decide ([`crate::decode::cache_config_from_json`]'s terms, a graph
/// that cannot be built, a string that does not decode); the answer is otherwise the one the
/// parsed document gives.
fn cache_config_from_text(
    bytes: &[u8],
    text: &str,
    side: Option<Side>,
    warnings: &mut Vec<Error>,
) -> Option<Analysis> {
    let cfg = crate::decode::cache_config_from_json(text.as_bytes())?;
    let (outline, info) = crate::canon::cache_config_document(cfg).ok()?;
    // As for a parsed document: compared with the bytes, hashed only when they differ.
    let mut same = json::SameAs::new(bytes);
    if !json::write_go_text(text, &mut same) {
        return None;
    }
    let compact_digest = (!same.finish()).then(|| {
        let mut h = Sha256::new();
        json::write_go_text(text, &mut h);
        Digest::from_sha256(h)
    });
    Some(Analysis {
        side,
        kind: Kind::CacheConfig,
        size: bytes.len(),
        digest: Digest::sha256(bytes),
        compact_digest,
        without_cache_digest: None,
        is_json: true,
        export_metadata: None,
        original: Original::unparsed(text),
        canonical: Document::new(outline),
        caches: vec![info],
        warnings: std::mem::take(warnings)
            .into_iter()
            .map(|w| w.on(side))
            .collect(),
        image_keys: None,
        image_facts: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// Analyses `bytes` both ways and checks every field agrees; tells whether the direct path
    /// answered.
    fn same_both_ways(name: &str, bytes: &[u8]) -> bool {
        let opts = CanonOptions::default();
        let direct = analyze_bytes(bytes, Some(Side::Right), &opts, true);
        let parsed = analyze_bytes(bytes, Some(Side::Right), &opts, false);
        let (direct, parsed) = match (direct, parsed) {
            (Ok(d), Ok(p)) => (d, p),
            (d, p) => {
                assert_eq!(d.err(), p.err(), "{name}");
                return false;
            }
        };
        let took = direct.original.text.is_some();
        assert_eq!(direct.kind, parsed.kind, "{name}");
        assert_eq!(direct.size, parsed.size, "{name}");
        assert_eq!(direct.digest, parsed.digest, "{name}");
        assert_eq!(direct.compact_digest, parsed.compact_digest, "{name}");
        assert_eq!(
            direct.without_cache_digest, parsed.without_cache_digest,
            "{name}"
        );
        assert_eq!(direct.is_json, parsed.is_json, "{name}");
        assert_eq!(direct.warnings, parsed.warnings, "{name}");
        assert_eq!(direct.caches, parsed.caches, "{name}");
        assert_eq!(direct.outline(), parsed.outline(), "{name}");
        assert_eq!(direct.canonical(), parsed.canonical(), "{name}");
        assert_eq!(*direct.original, *parsed.original, "{name}");
        took
    }

    const SMALL: &str = r#"{"layers":[{"blob":"sha256:aa","parent":-1},{"blob":"sha256:bb"}],"records":[{"digest":"sha256:01","layers":[{"layer":1,"createdAt":"2024-01-02T03:04:05.123456789Z"}]},{"digest":"sha256:02","inputs":[[{"selector":"x","link":0}]]}]}"#;

    #[test]
    fn a_cache_config_is_read_straight_into_its_graph_as_the_parsed_document_reads_it() {
        assert!(same_both_ways("small", SMALL.as_bytes()));
        // Not Go's compact form: the compact digest is still found.
        for (name, text) in [
            ("pretty", json::to_pretty(&json::parse(SMALL).unwrap())),
            ("newline", format!("{SMALL}\n")),
            ("bom", format!("\u{feff}{SMALL}")),
            ("html", SMALL.replace("\"x\"", "\"<a&b>\"")),
            (
                "escapes",
                SMALL.replace("\"x\"", r#""\u0078\/\n\u00e9\u2028""#),
            ),
            ("separator", SMALL.replace("\"x\"", "\"\u{2028}\"")),
            (
                "key escaped",
                SMALL.replace("\"layer\":1", r#""l\u0061yer":1"#),
            ),
            (
                "record fields",
                SMALL.replace(
                    "\"digest\":\"sha256:02\"",
                    r#""digest":"sha256:02","extra":{"b":[1.50,2E+3,-0]}"#,
                ),
            ),
            (
                "annotations",
                SMALL.replace(
                    "\"parent\":-1",
                    r#""parent":-1,"annotations":{"createdAt":"2024-01-02T03:04:05Z","k":"v"}"#,
                ),
            ),
            (
                "layer fields",
                SMALL.replace(
                    "\"parent\":-1",
                    r#""parent":-1,"size":12,"annotations":null"#,
                ),
            ),
            (
                "Go's matching",
                SMALL.replace("\"createdAt\"", "\"CreatedAt\""),
            ),
            ("empty records", r#"{"layers":[],"records":[]}"#.to_owned()),
            (
                "no layers",
                r#"{"records":[{"digest":"sha256:01"}]}"#.to_owned(),
            ),
        ] {
            assert!(
                same_both_ways(name, text.as_bytes()),
                "{name} was not read directly"
            );
        }
    }

    #[test]
    fn the_parsed_document_decides_what_the_direct_path_cannot_answer_alike() {
        for (name, text) in [
            (
                "repeated record key",
                SMALL.replace(
                    "\"digest\":\"sha256:01\"",
                    r#""digest":"sha256:01","Digest":"sha256:09""#,
                ),
            ),
            (
                "repeated top-level key",
                format!(r#"{{"records":[],{}"#, &SMALL[1..]),
            ),
            (
                "repeated annotation",
                SMALL.replace(
                    "\"parent\":-1",
                    r#""parent":-1,"annotations":{"k":"v","k":"w"}"#,
                ),
            ),
            (
                "other member",
                SMALL.replace("{\"layers\"", r#"{"mediaType":"x","layers""#),
            ),
            (
                "schemaVersion",
                SMALL.replace("{\"layers\"", r#"{"schemaVersion":2,"layers""#),
            ),
            (
                "spelled otherwise",
                SMALL.replace("\"records\"", "\"Records\""),
            ),
            (
                "no records",
                r#"{"layers":[{"blob":"sha256:aa"}]}"#.to_owned(),
            ),
            ("null records", r#"{"layers":[],"records":null}"#.to_owned()),
            (
                "null record",
                SMALL.replace(
                    "{\"digest\":\"sha256:02\"",
                    "null,{\"digest\":\"sha256:02\"",
                ),
            ),
            (
                "record without digest",
                SMALL.replace("\"digest\":\"sha256:02\",", ""),
            ),
            (
                "layer without blob or parent",
                SMALL.replace("{\"blob\":\"sha256:bb\"}", "{\"size\":1}"),
            ),
            (
                "annotations a string",
                SMALL.replace("\"parent\":-1", r#""parent":-1,"annotations":"x""#),
            ),
            (
                "a float parent",
                SMALL.replace("\"parent\":-1", "\"parent\":-1.0"),
            ),
            (
                "a link past the records",
                SMALL.replace("\"link\":0", "\"link\":7"),
            ),
            (
                "a layer past the layers",
                SMALL.replace("\"layer\":1", "\"layer\":9"),
            ),
            ("not JSON", format!("{SMALL},")),
            (
                "an image config",
                r#"{"architecture":"amd64","os":"linux","layers":[],"records":[]}"#.to_owned(),
            ),
        ] {
            assert!(
                !same_both_ways(name, text.as_bytes()),
                "{name} was read directly"
            );
        }
    }

    #[cfg(not(target_arch = "wasm32"))]
    mod props {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            /// A cache config with a few characters changed (JSON's own, mostly): whatever it
            /// has become, both ways give the same analysis or the same error.
            #[test]
            fn an_edited_cache_config_is_analysed_alike_both_ways(
                edits in prop::collection::vec(
                    (any::<prop::sample::Index>(), 0u8..3, prop::sample::select(
                        &[
                            "{", "}", "[", "]", ",", ":", "\"", "\\", " ", "0", "-1", "1.5",
                            "null", "e", "E", "a", "<", "\\u00e9", "\"digest\":\"x\"",
                            "\"layers\"", "\"Records\"", "\"blob\":1",
                        ][..],
                    )),
                    1..4,
                ),
            ) {
                let mut text = SMALL.to_owned();
                for (at, op, piece) in edits {
                    let at = at.index(text.len() + 1);
                    if !text.is_char_boundary(at) {
                        continue;
                    }
                    match op {
                        0 => text.insert_str(at, piece),
                        1 if at < text.len() => {
                            text.remove(at);
                        }
                        _ => text.replace_range(at..(at + piece.len()).min(text.len()), piece),
                    }
                }
                same_both_ways("edited", text.as_bytes());
            }
        }
    }

    /// Every JSON file of the project's fixtures, and each pretty-printed: the same analysis both
    /// ways, and every cache config among them read directly.
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn every_fixture_is_analysed_alike_both_ways() {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    walk(&p, out);
                } else if p.extension().is_some_and(|x| x == "json") {
                    out.push(p);
                }
            }
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
        let mut files = Vec::new();
        walk(&root, &mut files);
        files.sort();
        let mut direct = 0;
        for f in &files {
            let bytes = std::fs::read(f).unwrap();
            let name = f.display().to_string();
            let took = same_both_ways(&name, &bytes);
            let parsed = analyze(&bytes, None);
            if parsed.as_ref().is_ok_and(|a| a.kind == Kind::CacheConfig) {
                assert!(took, "{name}: a cache config not read directly");
                direct += 1;
                let pretty = json::to_pretty(&parsed.unwrap().original);
                assert!(same_both_ways(&name, pretty.as_bytes()), "{name}, pretty");
            }
        }
        assert!(direct >= 15, "{direct} cache configs among the fixtures");
    }
}
