//! Documents to canonical form: sorted keys, decoded caches, records keyed by content-derived ids.
//!
//! See the crate documentation ("The canonical format") for the shape this produces; it is a
//! stable interface that users script against.

use crate::decode::{self, CacheConfig, Record};
use crate::detect::{INLINE_CACHE_KEY, Kind};
use crate::digest::{hex, sha256_raw};
use crate::graph::{
    CacheGraph, CacheLayer, CacheRecord, InputRef, LayerList, push_json_str, sorted_indexes,
};
use crate::json::{sorted, sorted_ref, to_compact};
use crate::{Error, ErrorKind, Pointer};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// Largest layer index an inline result may name when no diff_ids bound it (images have far
/// fewer layers; this keeps a hostile index from expanding into a huge list).
const MAX_INLINE_LAYER: i64 = 4096;

/// The zero `time.Time` as Go writes it; a missing `createdAt` decodes to it.
pub const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

pub use crate::graph::CacheForm;

/// A decoded cache: where it sits and its graph (records with their positions in the input and
/// their links as given, layers, results).
#[derive(Debug, Clone, PartialEq)]
pub struct CacheInfo {
    /// Where the canonical cache sits in the canonical document (`/moby.buildkit.cache.v0` or root).
    pub pointer: Pointer,
    /// Inline or registry form (the graph's).
    pub form: CacheForm,
    /// How many layers the cache config had (registry form) or the config's diff_ids (inline):
    /// the graph's `layer_count`.
    pub layers: usize,
    /// The cache as a typed graph (shared: image documents copy their config's caches).
    pub graph: Arc<CacheGraph>,
}

impl CacheInfo {
    fn new(pointer: Pointer, graph: CacheGraph) -> Self {
        CacheInfo {
            pointer,
            form: graph.form,
            layers: graph.layer_count,
            graph: Arc::new(graph),
        }
    }
}

/// The canonical form of one input.
#[derive(Debug, Clone, PartialEq)]
pub struct Canonical {
    /// The canonical document's outline: each cache of `caches` is a stub there, rendered by
    /// [`Canonical::document`] ([`crate::Document`]).
    pub doc: Value,
    /// Decoded caches inside it, each with its graph (the document renders them).
    pub caches: Vec<CacheInfo>,
    /// Problems that did not stop canonicalisation (e.g. an undecodable cache value kept as given).
    pub warnings: Vec<Error>,
}

/// The stub a cache of this form leaves in an outline.
pub(crate) fn stub(form: crate::CacheForm) -> Value {
    let empty = || Value::Object(serde_json::Map::new());
    match form {
        crate::CacheForm::Inline => crate::json::obj([("records", empty())]),
        crate::CacheForm::Registry => crate::json::obj([("layers", empty()), ("records", empty())]),
    }
}

/// An outline with each cache rendered in place of its stub.
pub(crate) fn render(outline: &Value, caches: &[CacheInfo]) -> Value {
    let mut doc = outline.clone();
    for c in caches {
        if let Some(at) = c.pointer.get_mut(&mut doc) {
            *at = c.graph.to_canonical();
        }
    }
    doc
}

impl Canonical {
    /// The whole canonical document: [`Canonical::doc`] with its caches rendered.
    pub fn document(&self) -> Value {
        render(&self.doc, &self.caches)
    }
}

/// Extra facts for canonicalisation.
#[derive(Debug, Clone, Default)]
pub struct CanonOptions {
    /// Image layer diff_ids, to resolve a bare inline cache's layer indexes (a config supplies
    /// its own `rootfs.diff_ids`).
    pub diff_ids: Option<Vec<String>>,
}

/// Canonicalises a parsed document of a detected kind.
pub fn canonicalize(v: &Value, kind: Kind, opts: &CanonOptions) -> Canonical {
    let mut out = Canonical {
        doc: Value::Null,
        caches: Vec::new(),
        warnings: Vec::new(),
    };
    out.doc = match kind {
        Kind::ImageConfig => image_config(v, &mut out),
        Kind::InlineCache | Kind::CacheRecords | Kind::CacheConfig => {
            match cache_value(
                v,
                opts.diff_ids.as_deref(),
                Pointer::root(),
                &mut out.warnings,
            ) {
                Ok((doc, info)) => {
                    out.caches.push(info);
                    doc
                }
                Err(e) => {
                    out.warnings.push(e.at(Pointer::root()));
                    sorted_ref(v)
                }
            }
        }
        Kind::CacheIndex => sort_array_member(sorted_ref(v), "manifests"),
        Kind::CacheManifest => sort_array_member(sorted_ref(v), "layers"),
        _ => sorted_ref(v),
    };
    out
}

fn sort_array_member(mut doc: Value, key: &str) -> Value {
    if let Some(Value::Array(a)) = doc.get_mut(key) {
        // Bytes, not the String: the same order (str compares its bytes), and the page then links
        // one sort for (bytes, index) keys instead of two.
        a.sort_by_cached_key(|v| to_compact(v).into_bytes());
    }
    doc
}

fn image_config(v: &Value, out: &mut Canonical) -> Value {
    let diff_ids: Option<Vec<String>> = v
        .get("rootfs")
        .and_then(|r| r.get("diff_ids"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|d| d.as_str().unwrap_or_default().to_owned())
                .collect()
        });
    let pointer = Pointer::root().child(INLINE_CACHE_KEY);
    // A cache already decoded in place (a canonical document) is left as it is.
    let cache = v
        .get(INLINE_CACHE_KEY)
        .filter(|cache| !cache.get("records").is_some_and(Value::is_object) && !cache.is_null());
    let (Value::Object(m), Some(cache)) = (v, cache) else {
        return sorted_ref(v);
    };
    // The cache is decoded from the input as given: the (often megabytes of) base64 text is
    // never copied, and a cache given as JSON keeps its key order, so Go's "last key wins"
    // among keys differing only in case reads it as BuildKit would.
    let mut decoded = Some(
        match cache_value(
            cache,
            diff_ids.as_deref(),
            pointer.clone(),
            &mut out.warnings,
        ) {
            Ok((c, info)) => {
                out.caches.push(info);
                c
            }
            Err(e) => {
                out.warnings.push(e.at(pointer));
                sorted_ref(cache)
            }
        },
    );
    Value::Object(
        crate::json::by_key(m)
            .into_iter()
            .map(|(k, x)| {
                let x = match decoded.take_if(|_| k == INLINE_CACHE_KEY) {
                    Some(c) => c,
                    None => sorted_ref(x),
                };
                (k.clone(), x)
            })
            .collect(),
    )
}

/// Decodes a cache in any of its forms (base64 string, records array, cache config object) and
/// returns its canonical document and what it holds. Keys repeated inside a base64 value's JSON
/// are added to `warnings`.
fn cache_value(
    v: &Value,
    diff_ids: Option<&[String]>,
    pointer: Pointer,
    warnings: &mut Vec<Error>,
) -> Result<(Value, CacheInfo), Error> {
    match v {
        Value::String(s) => {
            // Plain base64 (what BuildKit writes) needs no trimming or unquoting first.
            let bytes = match decode::base64_plain(s) {
                Some(bytes) => bytes,
                None => decode::base64_tolerant(decode::looks_like_base64(s).unwrap_or(s))?,
            };
            // Records straight from the bytes when they are plain; else (a cache config, or
            // anything to report) through a parsed value below.
            if let Some(records) = decode::records_from_json(&bytes) {
                drop(bytes);
                return inline_records(records, diff_ids, pointer);
            }
            let (decoded, repeats) = crate::json::parse_checked_slice(&bytes).map_err(|e| {
                Error::new(ErrorKind::DecodedNotJson {
                    len: bytes.len(),
                    line: e.line(),
                    column: e.column(),
                    message: crate::json::strip_location(&e.to_string()),
                })
            })?;
            warnings.extend(crate::json::duplicate_warnings(repeats, Some(&pointer)));
            if matches!(decoded, Value::String(_)) {
                return Err(Error::new(ErrorKind::Shape {
                    what: "the decoded cache value".into(),
                    expected: "an array of cache records",
                    found: "a string".into(),
                }));
            }
            cache_value(&decoded, diff_ids, pointer, warnings)
        }
        Value::Array(_) => inline_records(decode::records(v)?, diff_ids, pointer),
        Value::Object(_) => {
            let cfg = decode::cache_config(v)?;
            let graph = cache_config_graph(cfg)?;
            Ok((stub(graph.form), CacheInfo::new(pointer, graph)))
        }
        other => Err(Error::new(ErrorKind::Shape {
            what: "the cache value".into(),
            expected: "a base64 string, an array of records or a cache config",
            found: crate::error::type_name(other),
        })),
    }
}
/// The graph and canonical document of an inline cache's records.
fn inline_records(
    records: Vec<Record>,
    diff_ids: Option<&[String]>,
    pointer: Pointer,
) -> Result<(Value, CacheInfo), Error> {
    let mut g = CacheGraph::new(CacheForm::Inline);
    g.layers = diff_ids
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(i, d)| CacheLayer {
            index: Some(i as i64),
            diff_id: Some(d.clone()),
            ..CacheLayer::default()
        })
        .collect();
    g.layer_count = g.layers.len();
    let mut resolver = Resolver::Inline {
        diff_ids,
        beyond: HashMap::new(),
    };
    build_records(&mut g, records, &mut resolver)?;
    Ok((stub(g.form), CacheInfo::new(pointer, g)))
}

/// How result layer indexes are resolved to the graph's layers.
enum Resolver<'a> {
    /// Image layer positions, with the config's diff_ids when known (layers `0..diff_ids`
    /// are the graph's first layers; other positions get a layer when first named).
    Inline {
        diff_ids: Option<&'a [String]>,
        beyond: HashMap<i64, usize>,
    },
    /// Cache config layers: `chains[k]` is the chain from the root to layer k.
    Registry { chains: &'a [Vec<usize>] },
}

impl Resolver<'_> {
    /// The layers of `CacheResult{layer: n}`: the chain up to n.
    fn result(
        &mut self,
        layers: &mut Vec<CacheLayer>,
        rec: usize,
        res: usize,
        n: i64,
    ) -> Result<Vec<usize>, Error> {
        let bad = |reason, layers| {
            Error::new(ErrorKind::LayerIndex {
                record: rec,
                field: "layers",
                result: res,
                layer: n,
                reason,
                layers,
            })
        };
        match self {
            Resolver::Inline { diff_ids, beyond } => {
                let known = diff_ids.map_or(0, <[String]>::len);
                let limit =
                    diff_ids.map_or(MAX_INLINE_LAYER, |d| (d.len() as i64).max(MAX_INLINE_LAYER));
                if n < 0 {
                    return Err(bad("negative", known));
                }
                if n > limit {
                    return Err(bad("out of range", known));
                }
                Ok((0..=n)
                    .map(|i| inline_layer(*diff_ids, beyond, layers, i))
                    .collect())
            }
            Resolver::Registry { chains } => usize::try_from(n)
                .ok()
                .and_then(|k| chains.get(k))
                .cloned()
                .ok_or_else(|| {
                    bad(
                        if n < 0 { "negative" } else { "out of range" },
                        chains.len(),
                    )
                }),
        }
    }

    /// The layers of `ChainedResult{layers: [a, b, ...]}`: exactly those layers.
    fn chain(
        &mut self,
        layers: &mut Vec<CacheLayer>,
        rec: usize,
        res: usize,
        given: &[i64],
    ) -> Result<Vec<usize>, Error> {
        let mut out = Vec::with_capacity(given.len());
        for &n in given {
            let bad = |reason, count| {
                Error::new(ErrorKind::LayerIndex {
                    record: rec,
                    field: "chains",
                    result: res,
                    layer: n,
                    reason,
                    layers: count,
                })
            };
            match self {
                Resolver::Inline { diff_ids, beyond } => {
                    if n < 0 {
                        return Err(bad("negative", diff_ids.map_or(0, <[String]>::len)));
                    }
                    out.push(inline_layer(*diff_ids, beyond, layers, n));
                }
                Resolver::Registry { chains } => {
                    let k = usize::try_from(n)
                        .ok()
                        .filter(|&k| k < chains.len())
                        .ok_or_else(|| {
                            bad(
                                if n < 0 { "negative" } else { "out of range" },
                                chains.len(),
                            )
                        })?;
                    out.push(k);
                }
            }
        }
        Ok(out)
    }
}

/// The graph layer of image layer `i` (`i >= 0`) of an inline cache: one of the first layers
/// when the image's diff_ids reach it, else a layer added when the position is first named.
fn inline_layer(
    diff_ids: Option<&[String]>,
    beyond: &mut HashMap<i64, usize>,
    layers: &mut Vec<CacheLayer>,
    i: i64,
) -> usize {
    let known = diff_ids.map_or(0, <[String]>::len);
    if let Ok(k) = usize::try_from(i)
        && k < known
    {
        return k;
    }
    *beyond.entry(i).or_insert_with(|| {
        layers.push(CacheLayer {
            index: Some(i),
            missing: diff_ids.is_some(),
            ..CacheLayer::default()
        });
        layers.len() - 1
    })
}

fn canon_time(s: &str) -> String {
    canon_time_owned(s.to_owned())
}

/// [`canon_time`] of a time the caller owns: kept, not copied, when it is canonical already.
fn canon_time_owned(s: String) -> String {
    if s.is_empty() {
        return ZERO_TIME.to_owned();
    }
    if is_canonical_utc(&s) {
        // Already what normalising gives (and an impossible date, which normalising cannot
        // parse, is kept as given either way).
        return s;
    }
    decode::normalize_time(&s).unwrap_or(s)
}

/// Whether a time is spelled as [`decode::normalize_time`] writes it: UTC, zero-padded,
/// `YYYY-MM-DDTHH:MM:SS[.fraction]Z` with 1 to 9 fraction digits and no trailing zero, and
/// seconds below 60 (a leap second is normalised differently).
fn is_canonical_utc(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() < 20 || b[b.len() - 1] != b'Z' {
        return false;
    }
    let head = digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && b[17] <= b'5';
    let fraction = &b[19..b.len() - 1];
    head && match fraction {
        [] => true,
        [b'.', f @ ..] => {
            (1..=9).contains(&f.len()) && f.iter().all(u8::is_ascii_digit) && f[f.len() - 1] != b'0'
        }
        _ => false,
    }
}
/// Fills a graph's records: links checked, content keys, results resolved and sorted, ids.
fn build_records(
    g: &mut CacheGraph,
    records: Vec<Record>,
    resolver: &mut Resolver,
) -> Result<(), Error> {
    let n = records.len();
    // 1. Validate links.
    for (i, r) in records.iter().enumerate() {
        for (p, pos) in r.inputs.iter().enumerate() {
            for (a, inp) in pos.iter().enumerate() {
                if inp.link < 0 || inp.link as u64 >= n as u64 {
                    return Err(Error::new(ErrorKind::Link {
                        record: i,
                        input: p,
                        alternative: a,
                        link: inp.link,
                        reason: if inp.link < 0 {
                            "negative"
                        } else {
                            "out of range"
                        },
                        records: n,
                    }));
                }
            }
        }
    }
    // 2. Content keys, bottom-up, iteratively (chains can be deep), rejecting cycles.
    let keys = record_keys(&records)?;
    // 3. Records with their base ids (digest prefix + key prefix) and sorted results.
    let mut buf = Vec::new();
    g.records.reserve(n);
    for (i, (r, k)) in records.into_iter().zip(&keys).enumerate() {
        let mut chains = Vec::with_capacity(r.chains.len());
        for (j, c) in r.chains.into_iter().enumerate() {
            chains.push(LayerList {
                layers: resolver.chain(&mut g.layers, i, j, &c.layers)?,
                created_at: canon_time_owned(c.created_at),
            });
        }
        let mut results = Vec::with_capacity(r.results.len());
        for (j, res) in r.results.into_iter().enumerate() {
            results.push(LayerList {
                layers: resolver.result(&mut g.layers, i, j, res.layer)?,
                created_at: canon_time_owned(res.created_at),
            });
        }
        for lists in [&mut chains, &mut results] {
            if lists.len() > 1 {
                lists.sort_by_cached_key(|l| {
                    g.list_key(l, true, &mut buf);
                    buf.clone()
                });
            }
        }
        g.records.push(CacheRecord {
            id: record_id(&r.digest, k),
            digest: r.digest,
            inputs: r
                .inputs
                .into_iter()
                .map(|pos| {
                    pos.into_iter()
                        .map(|x| InputRef {
                            record: x.link as usize,
                            selector: x.selector,
                        })
                        .collect()
                })
                .collect(),
            results,
            chains,
            extra: r
                .extra
                .iter()
                .map(|(k, v)| (k.clone(), sorted_ref(v)))
                .collect(),
            dangling: false,
            no_digest: false,
        });
    }
    // 4. Records sharing a base id are told apart by content: `id`, `id:2`, ... In id order
    // the records of one base id are next to each other.
    let ids = |g: &CacheGraph| {
        sorted_indexes(&g.records.iter().map(|r| r.id.as_str()).collect::<Vec<_>>())
    };
    let mut order = ids(g);
    let mut renamed: Vec<(usize, String)> = Vec::new();
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    while let Some(&first) = order.get(start) {
        let base = g.records[first].id.as_str();
        let end = start
            + order[start..]
                .iter()
                .take_while(|&&i| g.records[i].id == base)
                .count();
        if end - start > 1 {
            // Same id: order by full key (distinct keys sharing a prefix), then content: as
            // one byte key (the key is 32 bytes, so this orders as the pair), the sort the
            // canonical form's other cached keys share.
            // Records alike in all of it keep their input order (the index ends the key).
            let mut members = order[start..end].to_vec();
            members.sort_by_cached_key(|&i| {
                let mut key = keys[i].to_vec();
                key.extend_from_slice(to_compact(&g.record_value(&g.records[i])).as_bytes());
                key.push(0);
                key.extend_from_slice(&(i as u64).to_be_bytes());
                key
            });
            for (k, &i) in members.iter().enumerate().skip(1) {
                renamed.push((i, format!("{base}:{}", k + 1)));
            }
            runs.push((start, end));
        }
        start = end;
    }
    for (i, id) in renamed {
        g.records[i].id = id;
    }
    // Only the order inside each run changes: every base id is 25 bytes long, so a `:N` suffix
    // keeps a record between the ids around its run.
    for (start, end) in runs {
        let run: Vec<&str> = order[start..end]
            .iter()
            .map(|&i| g.records[i].id.as_str())
            .collect();
        let sorted: Vec<usize> = sorted_indexes(&run)
            .into_iter()
            .map(|k| order[start + k])
            .collect();
        order[start..end].copy_from_slice(&sorted);
    }
    // Keys in bytewise order, as everywhere in the canonical form (`:10` before `:2`).
    g.order = order;
    Ok(())
}

/// A record's base id: `<digest prefix>-<key prefix>`, 12 hex digits each, in one string.
fn record_id(digest: &str, key: &[u8; 32]) -> String {
    let mut id = String::with_capacity(25);
    push_digest_prefix(&mut id, digest);
    id.push('-');
    id.push_str(&hex(&key[..6]));
    id
}

fn digest_prefix(d: &str) -> String {
    let mut out = String::with_capacity(12);
    push_digest_prefix(&mut out, d);
    out
}

/// The first 12 hex digits of a sha256 digest, lowercased; of any other digest, of its sha256.
fn push_digest_prefix(out: &mut String, d: &str) {
    match d.strip_prefix("sha256:") {
        Some(h) if h.len() >= 12 && h.bytes().take(12).all(|b| b.is_ascii_hexdigit()) => {
            out.extend(h[..12].chars().map(|c| c.to_ascii_lowercase()));
        }
        _ => out.push_str(&hex(&sha256_raw(d.as_bytes()))[..12]),
    }
}

/// K(r) = sha256 of {digest, inputs with links replaced by K(link)}; ignores results.
fn record_keys(records: &[Record]) -> Result<Vec<[u8; 32]>, Error> {
    const NEW: u8 = 0;
    const OPEN: u8 = 1;
    const DONE: u8 = 2;
    let n = records.len();
    let mut state = vec![NEW; n];
    let mut keys = vec![[0u8; 32]; n];
    let mut buf = Vec::new();
    // A record's next (input, link) child after the cursor (input position, alternative).
    let next_child = |node: usize, p: &mut usize, a: &mut usize| -> Option<(usize, usize)> {
        let inputs = &records[node].inputs;
        while let Some(pos) = inputs.get(*p) {
            if let Some(x) = pos.get(*a) {
                *a += 1;
                return Some((*p, x.link as usize));
            }
            *p += 1;
            *a = 0;
        }
        None
    };
    // (record, cursor over its children: input position, alternative)
    let mut stack: Vec<(usize, usize, usize)> = Vec::new();
    for start in 0..n {
        if state[start] == DONE {
            continue;
        }
        stack.push((start, 0, 0));
        state[start] = OPEN;
        while let Some((node, p, a)) = stack.last_mut() {
            if let Some((p, child)) = next_child(*node, p, a) {
                match state[child] {
                    DONE => {}
                    OPEN => {
                        let node = *node;
                        let from = stack.iter().position(|(x, _, _)| *x == child).unwrap_or(0);
                        let mut path: Vec<String> = stack[from..]
                            .iter()
                            .map(|(x, _, _)| x.to_string())
                            .collect();
                        path.push(child.to_string());
                        return Err(Error::new(ErrorKind::Cycle {
                            record: node,
                            input: p,
                            link: child,
                            path: path.join(" -> "),
                        }));
                    }
                    _ => {
                        state[child] = OPEN;
                        stack.push((child, 0, 0));
                    }
                }
            } else {
                let node = *node;
                keys[node] = record_key(&records[node], &keys, &mut buf);
                state[node] = DONE;
                stack.pop();
            }
        }
    }
    Ok(keys)
}

/// K(r): the sha256 of the compact JSON
/// `{"digest":d,"inputs":[[{"link":"<hex K>","selector":s},...],...]}`, alternatives sorted,
/// written straight into a reused buffer (no intermediate `Value`).
fn record_key(r: &Record, keys: &[[u8; 32]], buf: &mut Vec<u8>) -> [u8; 32] {
    buf.clear();
    buf.extend_from_slice(b"{\"digest\":");
    push_json_str(buf, &r.digest);
    buf.extend_from_slice(b",\"inputs\":[");
    let mut alts: Vec<(&[u8; 32], &str)> = Vec::new();
    for (p, pos) in r.inputs.iter().enumerate() {
        if p > 0 {
            buf.push(b',');
        }
        alts.clear();
        alts.extend(
            pos.iter()
                .map(|x| (&keys[x.link as usize], x.selector.as_str())),
        );
        // Lowercase hex sorts as the bytes it spells.
        alts.sort_unstable();
        buf.push(b'[');
        for (a, (key, selector)) in alts.iter().enumerate() {
            if a > 0 {
                buf.push(b',');
            }
            buf.extend_from_slice(b"{\"link\":\"");
            push_hex(buf, *key);
            buf.extend_from_slice(b"\",\"selector\":");
            push_json_str(buf, selector);
            buf.push(b'}');
        }
        buf.push(b']');
    }
    buf.extend_from_slice(b"]}");
    sha256_raw(buf)
}
/// Lowercase hex of bytes, appended.
fn push_hex(buf: &mut Vec<u8>, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        buf.extend_from_slice(&[HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
    }
}

/// Chains from each layer's root, following `parent` (missing = 0, -1 = none): layer indexes,
/// the layer itself last.
fn layer_chains(cfg: &CacheConfig) -> Result<Vec<Vec<usize>>, Error> {
    let n = cfg.layers.len();
    let mut chains: Vec<Option<Vec<usize>>> = vec![None; n];
    for start in 0..n {
        if chains[start].is_some() {
            continue;
        }
        // Walk up to a known chain or the root.
        let mut path = vec![start];
        let mut seen: HashMap<usize, ()> = HashMap::from([(start, ())]);
        let mut base: Vec<usize> = Vec::new();
        loop {
            let cur = *path.last().unwrap_or(&start);
            let parent = cfg.layers[cur].parent;
            if parent == -1 {
                break;
            }
            let bad = |reason| {
                Error::new(ErrorKind::Parent {
                    layer: cur,
                    parent,
                    reason,
                    layers: n,
                })
            };
            let p = usize::try_from(parent)
                .map_err(|_| bad("negative"))
                .and_then(|p| {
                    if p < n {
                        Ok(p)
                    } else {
                        Err(bad("out of range"))
                    }
                })?;
            if let Some(c) = &chains[p] {
                base = c.clone();
                break;
            }
            if seen.insert(p, ()).is_some() {
                return Err(bad("part of a loop"));
            }
            path.push(p);
        }
        for &k in path.iter().rev() {
            base.push(k);
            chains[k] = Some(base.clone());
        }
    }
    Ok(chains.into_iter().map(Option::unwrap_or_default).collect())
}

/// The canonical document (a stub) and the cache of a whole document that is a cache config,
/// decoded without a parsed document ([`crate::decode::cache_config_from_json`]): what
/// [`canonicalize`] gives for it, when the graph can be built.
pub(crate) fn cache_config_document(cfg: CacheConfig) -> Result<(Value, CacheInfo), Error> {
    let graph = cache_config_graph(cfg)?;
    Ok((stub(graph.form), CacheInfo::new(Pointer::root(), graph)))
}

/// The graph of a cache config.
fn cache_config_graph(cfg: CacheConfig) -> Result<CacheGraph, Error> {
    let chains = layer_chains(&cfg)?;
    let mut g = CacheGraph::new(CacheForm::Registry);
    g.layer_count = cfg.layers.len();
    g.layers = cfg
        .layers
        .into_iter()
        .zip(&chains)
        .map(|(l, chain)| CacheLayer {
            blob: Some(l.blob),
            parent: usize::try_from(l.parent).ok(),
            chain: chain.clone(),
            annotations: match l.annotations {
                Some(Value::Object(mut a)) => {
                    for (k, v) in a.iter_mut() {
                        if k.eq_ignore_ascii_case("createdAt")
                            && let Value::String(s) = v
                        {
                            *s = canon_time(s);
                        }
                    }
                    match sorted(Value::Object(a)) {
                        Value::Object(a) => Some(a),
                        _ => None,
                    }
                }
                _ => None,
            },
            extra: l
                .extra
                .iter()
                .map(|(k, v)| (k.clone(), sorted_ref(v)))
                .collect(),
            ..CacheLayer::default()
        })
        .collect();
    build_records(
        &mut g,
        cfg.records,
        &mut Resolver::Registry { chains: &chains },
    )?;
    // Layers keyed by blob prefix + chain hash; identical entries told apart by a suffix.
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut joined = String::new();
    for (k, l) in g.layers.iter().enumerate() {
        joined.clear();
        for (j, &c) in l.chain.iter().enumerate() {
            if j > 0 {
                joined.push(',');
            }
            joined.push_str(g.blob(c));
        }
        let id = format!(
            "{}-{}",
            digest_prefix(g.blob(k)),
            &hex(&sha256_raw(joined.as_bytes()))[..12]
        );
        groups.entry(id).or_default().push(k);
    }
    for (id, mut members) in groups {
        if members.len() > 1 {
            members.sort_by_cached_key(|&k| to_compact(&g.layer_value(&g.layers[k])).into_bytes());
        }
        for (j, &k) in members.iter().enumerate() {
            g.layers[k].key = if j == 0 {
                id.clone()
            } else {
                format!("{id}:{}", j + 1)
            };
        }
    }
    // Keys in bytewise order, as everywhere in the canonical form (`:10` before `:2`).
    g.layer_order = sorted_indexes(&g.layers.iter().map(|l| l.key.as_str()).collect::<Vec<_>>());
    g.extra = cfg
        .extra
        .iter()
        .map(|(k, v)| (k.clone(), sorted_ref(v)))
        .collect();
    Ok(g)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn ten_or_more_identical_records_and_layers_keep_keys_in_bytewise_order() {
        let rec = r#"{"digest":"sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}"#;
        let layer = r#"{"blob":"sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb","parent":-1}"#;
        let text = format!(
            r#"{{"layers":[{}],"records":[{}]}}"#,
            [layer; 12].join(","),
            [rec; 12].join(",")
        );
        let v = crate::json::parse(&text).unwrap();
        let c = canonicalize(&v, Kind::CacheConfig, &CanonOptions::default());
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
        let doc = c.document();
        for part in ["records", "layers"] {
            let keys: Vec<&String> = doc[part].as_object().unwrap().keys().collect();
            let mut sorted = keys.clone();
            sorted.sort();
            assert_eq!(keys, sorted, "{part}");
            assert_eq!(keys.len(), 12);
        }
        // So canonicalising the canonical text again changes nothing.
        let again = canonicalize(
            &crate::json::parse(&crate::json::to_pretty(&doc)).unwrap(),
            Kind::CacheConfig,
            &CanonOptions::default(),
        );
        assert_eq!(
            crate::json::to_pretty(&again.document()),
            crate::json::to_pretty(&doc)
        );
    }

    #[test]
    fn records_alike_in_everything_are_numbered_in_input_order() {
        // Enough of them that a sort which is not stable would reorder them.
        let rec = r#"{"digest":"sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}"#;
        let other = r#"{"digest":"sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"}"#;
        let records: Vec<&str> = (0..60)
            .map(|i| if i % 3 == 0 { other } else { rec })
            .collect();
        let text = format!(r#"{{"layers":[],"records":[{}]}}"#, records.join(","));
        let c = canonicalize(
            &crate::json::parse(&text).unwrap(),
            Kind::CacheConfig,
            &CanonOptions::default(),
        );
        let g = &c.caches[0].graph;
        // The id order, fixed inside each run of one base id only, is the whole sort's.
        let all: Vec<&str> = g.records.iter().map(|r| r.id.as_str()).collect();
        let order: Vec<&str> = g.order.iter().map(|&i| all[i]).collect();
        let mut sorted = all.clone();
        sorted.sort();
        assert_eq!(order, sorted);
        for letter in ["a", "c"] {
            let ids: Vec<&str> = g
                .records
                .iter()
                .filter(|r| r.digest.ends_with(letter))
                .map(|r| r.id.as_str())
                .collect();
            assert_eq!(ids.len(), if letter == "a" { 40 } else { 20 });
            let base = ids[0];
            assert!(!base.contains(':'), "{base}");
            for (k, id) in ids.iter().enumerate().skip(1) {
                assert_eq!(*id, format!("{base}:{}", k + 1), "record {k} of {letter}");
            }
        }
    }

    #[test]
    fn a_json_cache_in_a_config_follows_go_key_order_as_base64_does() {
        use base64::Engine as _;
        // Go's "last key wins" among keys differing in case follows the order given, whether
        // the cache is base64 (as BuildKit writes it) or pasted as decoded JSON.
        for (records, wins) in [
            (
                r#"[{"digest":"sha256:aa","Digest":"sha256:bb"}]"#,
                "sha256:bb",
            ),
            (
                r#"[{"Digest":"sha256:bb","digest":"sha256:aa"}]"#,
                "sha256:aa",
            ),
        ] {
            let b64 = base64::engine::general_purpose::STANDARD.encode(records);
            for cache in [records.to_owned(), format!("\"{b64}\"")] {
                let v = crate::json::parse(&format!(
                    r#"{{"architecture":"amd64","os":"linux","moby.buildkit.cache.v0":{cache}}}"#
                ))
                .unwrap();
                let c = canonicalize(&v, Kind::ImageConfig, &CanonOptions::default());
                assert!(c.warnings.is_empty(), "{:?}", c.warnings);
                assert_eq!(c.caches[0].graph.records[0].digest, wins, "{cache}");
            }
        }
    }

    #[test]
    fn times_already_canonical_are_kept_as_normalising_would() {
        let cases = [
            ("2025-03-04T10:20:29.529594257Z", true),
            ("2025-03-04T10:20:29.5Z", true),
            ("2025-03-04T10:20:29Z", true),
            ("0001-01-01T00:00:00Z", true),
            // Impossible dates: not parsed, so kept as given on both paths.
            ("2025-02-30T10:20:29Z", true),
            ("2025-03-04T24:00:00Z", true),
            ("2025-03-04T10:20:29.529594250Z", false),
            ("2025-03-04T10:20:29.1234567891Z", false),
            ("2016-12-31T23:59:60Z", false),
            ("2025-03-04T10:20:29+02:00", false),
            ("2025-03-04t10:20:29z", false),
            ("2025-03-04T10:20:29.Z", false),
            ("yesterday", false),
        ];
        for (s, canonical) in cases {
            assert_eq!(is_canonical_utc(s), canonical, "{s}");
            let slow = decode::normalize_time(s).unwrap_or_else(|| s.to_owned());
            assert_eq!(canon_time(s), slow, "{s}");
        }
    }
}
