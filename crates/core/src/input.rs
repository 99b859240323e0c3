//! Bytes to an [`Analysis`]: text decoding, JSON parsing, kind detection, canonical form, digests.

use crate::canon::{CacheInfo, CanonOptions, canonicalize};
use crate::detect::{INLINE_CACHE_KEY, Kind, detect};
use crate::{Digest, Error, ErrorKind, Side, json};
use serde_json::Value;
use sha2::{Digest as _, Sha256};
use std::cell::OnceCell;

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
    /// The parsed input, key order and number spellings as given.
    pub original: Value,
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
        original,
        canonical: Document::new(canon.doc),
        caches: canon.caches,
        warnings: warnings.into_iter().map(|w| w.on(side)).collect(),
        image_keys: None,
        image_facts: None,
    })
}
