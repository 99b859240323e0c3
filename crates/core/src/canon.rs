//! Documents to canonical form: sorted keys, decoded caches, records keyed by content-derived ids.
//!
//! See the crate documentation ("The canonical format") for the shape this produces; it is a
//! stable interface that users script against.

use crate::decode::{self, CacheConfig, Record};
use crate::detect::{INLINE_CACHE_KEY, Kind};
use crate::digest::{hex, sha256_raw};
use crate::json::{obj, sorted, sorted_ref, to_compact};
use crate::{Error, ErrorKind, Pointer};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};

/// Largest layer index an inline result may name when no diff_ids bound it (images have far
/// fewer layers; this keeps a hostile index from expanding into a huge list).
const MAX_INLINE_LAYER: i64 = 4096;

/// The zero `time.Time` as Go writes it; a missing `createdAt` decodes to it.
pub const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// Which container a cache came from; it decides what layer references resolve to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CacheForm {
    /// The inline cache of an image config (layer indexes are image layer positions).
    Inline,
    /// A cache config (layer indexes point into its `layers`, which chain by `parent`).
    Registry,
}

/// Where each record of a decoded cache sat in the input, for the renumbering summary.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CacheInfo {
    /// Where the canonical cache sits in the canonical document (`/moby.buildkit.cache.v0` or root).
    pub pointer: Pointer,
    /// Inline or registry form.
    pub form: CacheForm,
    /// One entry per input record, in input order.
    pub records: Vec<RecordInfo>,
    /// How many layers the cache config had (registry form) or the config's diff_ids (inline).
    pub layers: usize,
}

/// One input record: its position, its canonical id and its links as given.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RecordInfo {
    /// Position in the input's `records` array.
    pub index: usize,
    /// Canonical record id (the key in the canonical `records` object).
    pub id: String,
    /// The record's cache key digest.
    pub digest: String,
    /// Every link as given.
    pub links: Vec<LinkInfo>,
    /// Number of results (`layers`).
    pub results: usize,
    /// Number of chained results (`chains`).
    pub chains: usize,
}

/// One link as given.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LinkInfo {
    /// Input position.
    pub input: usize,
    /// The `link` index as given.
    pub index: usize,
    /// The canonical id of the record it points to.
    pub target: String,
    /// The selector.
    pub selector: String,
}

/// The canonical form of one input.
#[derive(Debug, Clone, PartialEq)]
pub struct Canonical {
    /// The canonical document.
    pub doc: Value,
    /// Decoded caches inside it, with their record positions.
    pub caches: Vec<CacheInfo>,
    /// Problems that did not stop canonicalisation (e.g. an undecodable cache value kept as given).
    pub warnings: Vec<Error>,
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
        a.sort_by_cached_key(to_compact);
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
    let mut members: Vec<(&String, &Value)> = m.iter().collect();
    members.sort_unstable_by(|a, b| a.0.cmp(b.0));
    Value::Object(
        members
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
                return inline_records(&records, diff_ids, pointer);
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
        Value::Array(_) => inline_records(&decode::records(v)?, diff_ids, pointer),
        Value::Object(_) => {
            let cfg = decode::cache_config(v)?;
            let doc_and_info = canon_cache_config(&cfg)?;
            Ok((
                doc_and_info.0,
                CacheInfo {
                    pointer,
                    form: CacheForm::Registry,
                    records: doc_and_info.1,
                    layers: cfg.layers.len(),
                },
            ))
        }
        other => Err(Error::new(ErrorKind::Shape {
            what: "the cache value".into(),
            expected: "a base64 string, an array of records or a cache config",
            found: crate::error::type_name(other),
        })),
    }
}

/// The canonical document of an inline cache's records.
fn inline_records(
    records: &[Record],
    diff_ids: Option<&[String]>,
    pointer: Pointer,
) -> Result<(Value, CacheInfo), Error> {
    let resolver = Resolver::inline(diff_ids);
    let (recs, infos, layers_n) = canon_records(records, &resolver)?;
    Ok((
        obj([("records", recs)]),
        CacheInfo {
            pointer,
            form: CacheForm::Inline,
            records: infos,
            layers: diff_ids.map_or(layers_n, <[String]>::len),
        },
    ))
}

/// How result layer indexes are resolved.
enum Resolver<'a> {
    /// Image layer positions, with the config's diff_ids when known. `refs[i]` is layer i's
    /// entry, built once: results repeat the same layers, and a clone hashes no keys.
    Inline {
        diff_ids: Option<&'a [String]>,
        refs: Vec<Value>,
    },
    /// Cache config layers: `chains[k]` is the blob chain from the root to layer k.
    Registry { chains: &'a [Vec<String>] },
}

impl<'a> Resolver<'a> {
    fn inline(diff_ids: Option<&'a [String]>) -> Self {
        let known = diff_ids.map_or(0, <[String]>::len) as i64;
        Resolver::Inline {
            diff_ids,
            refs: (0..known).map(|i| inline_layer(diff_ids, i)).collect(),
        }
    }

    /// The layers of `CacheResult{layer: n}`: the chain up to n.
    fn result(&self, rec: usize, res: usize, n: i64) -> Result<Value, Error> {
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
            Resolver::Inline { diff_ids, .. } => {
                let limit =
                    diff_ids.map_or(MAX_INLINE_LAYER, |d| (d.len() as i64).max(MAX_INLINE_LAYER));
                if n < 0 {
                    return Err(bad("negative", diff_ids.map_or(0, <[String]>::len)));
                }
                if n > limit {
                    return Err(bad("out of range", diff_ids.map_or(0, <[String]>::len)));
                }
                Ok(Value::Array((0..=n).map(|i| self.inline_ref(i)).collect()))
            }
            Resolver::Registry { chains } => {
                let chain = usize::try_from(n)
                    .ok()
                    .and_then(|k| chains.get(k))
                    .ok_or_else(|| {
                        bad(
                            if n < 0 { "negative" } else { "out of range" },
                            chains.len(),
                        )
                    })?;
                Ok(Value::Array(
                    chain.iter().cloned().map(Value::String).collect(),
                ))
            }
        }
    }

    /// The layers of `ChainedResult{layers: [a, b, ...]}`: exactly those layers.
    fn chain(&self, rec: usize, res: usize, layers: &[i64]) -> Result<Value, Error> {
        let mut out = Vec::with_capacity(layers.len());
        for &n in layers {
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
                Resolver::Inline { diff_ids, .. } => {
                    if n < 0 {
                        return Err(bad("negative", diff_ids.map_or(0, <[String]>::len)));
                    }
                    out.push(self.inline_ref(n));
                }
                Resolver::Registry { chains } => {
                    let blob = usize::try_from(n)
                        .ok()
                        .and_then(|k| chains.get(k))
                        .and_then(|c| c.last())
                        .ok_or_else(|| {
                            bad(
                                if n < 0 { "negative" } else { "out of range" },
                                chains.len(),
                            )
                        })?;
                    out.push(Value::String(blob.clone()));
                }
            }
        }
        Ok(Value::Array(out))
    }

    fn inline_ref(&self, i: i64) -> Value {
        match self {
            Resolver::Inline { diff_ids, refs } => usize::try_from(i)
                .ok()
                .and_then(|k| refs.get(k))
                .cloned()
                .unwrap_or_else(|| inline_layer(*diff_ids, i)),
            Resolver::Registry { .. } => inline_layer(None, i),
        }
    }
}

/// The canonical entry of image layer `i` of an inline cache.
fn inline_layer(diff_ids: Option<&[String]>, i: i64) -> Value {
    let index = Value::from(i);
    match diff_ids {
        Some(d) => match usize::try_from(i).ok().and_then(|k| d.get(k)) {
            Some(id) => obj([("diffID", Value::String(id.clone())), ("index", index)]),
            None => obj([
                ("index", index),
                ("missing", Value::from("no such diff_id in rootfs")),
            ]),
        },
        None => obj([("index", index)]),
    }
}

fn canon_time(s: &str) -> String {
    if s.is_empty() {
        return ZERO_TIME.to_owned();
    }
    if is_canonical_utc(s) {
        // Already what normalising gives (and an impossible date, which normalising cannot
        // parse, is kept as given either way).
        return s.to_owned();
    }
    decode::normalize_time(s).unwrap_or_else(|| s.to_owned())
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

/// The canonical records object and per-record positions.
fn canon_records(
    records: &[Record],
    resolver: &Resolver,
) -> Result<(Value, Vec<RecordInfo>, usize), Error> {
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
    let keys = record_keys(records)?;
    // 3. Ids: digest prefix + key prefix; records sharing a key are told apart by content.
    let base_ids: Vec<String> = records
        .iter()
        .zip(&keys)
        .map(|(r, k)| format!("{}-{}", digest_prefix(&r.digest), &hex(k)[..12]))
        .collect();
    let mut entries: Vec<Value> = Vec::with_capacity(n);
    for (i, r) in records.iter().enumerate() {
        entries.push(record_entry(i, r, &base_ids, resolver)?);
    }
    let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, id) in base_ids.iter().enumerate() {
        groups.entry(id.as_str()).or_default().push(i);
    }
    let mut ids = vec![String::new(); n];
    let mut out = Map::with_capacity(n);
    for (base, mut members) in groups {
        if members.len() > 1 {
            // Same id: order by full key (distinct keys sharing a prefix), then content.
            members.sort_by_cached_key(|&i| (keys[i], to_compact(&entries[i])));
        }
        for (k, &i) in members.iter().enumerate() {
            ids[i] = if k == 0 {
                base.to_owned()
            } else {
                format!("{base}:{}", k + 1)
            };
        }
        // Keys in bytewise order, as everywhere in the canonical form (`:10` before `:2`).
        if members.len() >= 10 {
            members.sort_by(|&a, &b| ids[a].cmp(&ids[b]));
        }
        for &i in &members {
            out.insert(ids[i].clone(), std::mem::take(&mut entries[i]));
        }
    }
    let infos = records
        .iter()
        .enumerate()
        .map(|(i, r)| RecordInfo {
            index: i,
            id: ids[i].clone(),
            digest: r.digest.clone(),
            links: r
                .inputs
                .iter()
                .enumerate()
                .flat_map(|(p, pos)| pos.iter().map(move |inp| (p, inp)))
                .map(|(p, inp)| LinkInfo {
                    input: p,
                    index: inp.link as usize,
                    target: base_ids[inp.link as usize].clone(),
                    selector: inp.selector.clone(),
                })
                .collect(),
            results: r.results.len(),
            chains: r.chains.len(),
        })
        .collect();
    Ok((Value::Object(out), infos, 0))
}

fn digest_prefix(d: &str) -> String {
    let h = d.strip_prefix("sha256:").unwrap_or("");
    if h.len() >= 12 && h.bytes().take(12).all(|b| b.is_ascii_hexdigit()) {
        h[..12].to_ascii_lowercase()
    } else {
        hex(&sha256_raw(d.as_bytes()))[..12].to_owned()
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
    let children = |i: usize| -> Vec<(usize, usize)> {
        records[i]
            .inputs
            .iter()
            .enumerate()
            .flat_map(|(p, pos)| pos.iter().map(move |x| (p, x.link as usize)))
            .collect()
    };
    for start in 0..n {
        if state[start] == DONE {
            continue;
        }
        // (record, its (input, link) children, next child to visit)
        type Frame = (usize, Vec<(usize, usize)>, usize);
        let mut stack: Vec<Frame> = vec![(start, children(start), 0)];
        state[start] = OPEN;
        while let Some((node, kids, cursor)) = stack.last_mut() {
            if let Some(&(p, child)) = kids.get(*cursor) {
                *cursor += 1;
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
                        let k = children(child);
                        stack.push((child, k, 0));
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
        buf.push(HEX[usize::from(b >> 4)]);
        buf.push(HEX[usize::from(b & 15)]);
    }
}

/// A JSON string as serde_json writes it (the encoding K has always been taken of).
fn push_json_str(buf: &mut Vec<u8>, s: &str) {
    // Writing to a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *buf, s);
}

/// A record's canonical entry, built with its keys in order (its parts are built sorted).
fn record_entry(i: usize, r: &Record, ids: &[String], resolver: &Resolver) -> Result<Value, Error> {
    let mut members: Vec<(String, Value)> = Vec::with_capacity(4 + r.extra.len());
    if !r.chains.is_empty() {
        let mut chains = Vec::with_capacity(r.chains.len());
        for (j, c) in r.chains.iter().enumerate() {
            chains.push(obj([
                ("createdAt", Value::String(canon_time(&c.created_at))),
                ("layers", resolver.chain(i, j, &c.layers)?),
            ]));
        }
        chains.sort_by_cached_key(to_compact);
        members.push(("chains".into(), Value::Array(chains)));
    }
    members.push(("digest".into(), Value::from(r.digest.as_str())));
    for (k, v) in &r.extra {
        members.push((k.clone(), sorted_ref(v)));
    }
    if !r.inputs.is_empty() {
        let mut alts: Vec<(&str, &str)> = Vec::new();
        let inputs = r
            .inputs
            .iter()
            .map(|pos| {
                alts.clear();
                alts.extend(
                    pos.iter()
                        .map(|x| (ids[x.link as usize].as_str(), x.selector.as_str())),
                );
                alts.sort_unstable();
                Value::Array(
                    alts.iter()
                        .map(|&(link, sel)| {
                            if sel.is_empty() {
                                obj([("link", Value::from(link))])
                            } else {
                                obj([("link", Value::from(link)), ("selector", Value::from(sel))])
                            }
                        })
                        .collect(),
                )
            })
            .collect();
        members.push(("inputs".into(), Value::Array(inputs)));
    }
    if !r.results.is_empty() {
        let mut results = Vec::with_capacity(r.results.len());
        for (j, res) in r.results.iter().enumerate() {
            results.push(obj([
                ("createdAt", Value::String(canon_time(&res.created_at))),
                ("layers", resolver.result(i, j, res.layer)?),
            ]));
        }
        results.sort_by_cached_key(to_compact);
        members.push(("layers".into(), Value::Array(results)));
    }
    Ok(sorted_members(members))
}

/// An object of members whose values are already canonical: only their order is set here.
fn sorted_members(mut members: Vec<(String, Value)>) -> Value {
    members.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    Value::Object(members.into_iter().collect())
}

/// Blob chains from each layer's root, following `parent` (missing = 0, -1 = none).
fn layer_chains(cfg: &CacheConfig) -> Result<Vec<Vec<String>>, Error> {
    let n = cfg.layers.len();
    let mut chains: Vec<Option<Vec<String>>> = vec![None; n];
    for start in 0..n {
        if chains[start].is_some() {
            continue;
        }
        // Walk up to a known chain or the root.
        let mut path = vec![start];
        let mut seen: HashMap<usize, ()> = HashMap::from([(start, ())]);
        let mut base: Vec<String> = Vec::new();
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
            base.push(cfg.layers[k].blob.clone());
            chains[k] = Some(base.clone());
        }
    }
    Ok(chains.into_iter().map(Option::unwrap_or_default).collect())
}

fn canon_cache_config(cfg: &CacheConfig) -> Result<(Value, Vec<RecordInfo>), Error> {
    let chains = layer_chains(cfg)?;
    let resolver = Resolver::Registry { chains: &chains };
    let (records, infos, _) = canon_records(&cfg.records, &resolver)?;
    // Layers keyed by blob prefix + chain hash; identical entries told apart by a suffix.
    let mut layer_entries: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let mut joined = String::new();
    for (l, chain) in cfg.layers.iter().zip(chains) {
        let mut m = Map::new();
        if let Some(Value::Object(a)) = &l.annotations {
            let mut a = a.clone();
            for (k, v) in a.iter_mut() {
                if k.eq_ignore_ascii_case("createdAt")
                    && let Value::String(s) = v
                {
                    *s = canon_time(s);
                }
            }
            m.insert("annotations".into(), sorted(Value::Object(a)));
        }
        m.insert("blob".into(), Value::from(l.blob.as_str()));
        joined.clear();
        for (k, blob) in chain.iter().enumerate() {
            if k > 0 {
                joined.push(',');
            }
            joined.push_str(blob);
        }
        let id = format!(
            "{}-{}",
            digest_prefix(&l.blob),
            &hex(&sha256_raw(joined.as_bytes()))[..12]
        );
        m.insert(
            "chain".into(),
            Value::Array(chain.into_iter().map(Value::String).collect()),
        );
        for (k, v) in &l.extra {
            m.insert(k.clone(), sorted_ref(v));
        }
        layer_entries
            .entry(id)
            .or_default()
            .push(sorted_members(m.into_iter().collect()));
    }
    let mut layers = Map::with_capacity(cfg.layers.len());
    for (id, mut group) in layer_entries {
        group.sort_by_cached_key(to_compact);
        let mut keyed: Vec<(String, Value)> = group
            .into_iter()
            .enumerate()
            .map(|(k, v)| {
                let key = if k == 0 {
                    id.clone()
                } else {
                    format!("{id}:{}", k + 1)
                };
                (key, v)
            })
            .collect();
        // Keys in bytewise order, as everywhere in the canonical form (`:10` before `:2`).
        keyed.sort_by(|a, b| a.0.cmp(&b.0));
        layers.extend(keyed);
    }
    let mut doc: Vec<(String, Value)> = cfg
        .extra
        .iter()
        .map(|(k, v)| (k.clone(), sorted_ref(v)))
        .collect();
    doc.push(("layers".into(), Value::Object(layers)));
    doc.push(("records".into(), records));
    Ok((sorted_members(doc), infos))
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
        for part in ["records", "layers"] {
            let keys: Vec<&String> = c.doc[part].as_object().unwrap().keys().collect();
            let mut sorted = keys.clone();
            sorted.sort();
            assert_eq!(keys, sorted, "{part}");
            assert_eq!(keys.len(), 12);
        }
        // So canonicalising the canonical text again changes nothing.
        let again = canonicalize(
            &crate::json::parse(&crate::json::to_pretty(&c.doc)).unwrap(),
            Kind::CacheConfig,
            &CanonOptions::default(),
        );
        assert_eq!(
            crate::json::to_pretty(&again.doc),
            crate::json::to_pretty(&c.doc)
        );
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
                assert_eq!(c.caches[0].records[0].digest, wins, "{cache}");
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
