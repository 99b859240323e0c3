//! Documents to canonical form: sorted keys, decoded caches, records keyed by content-derived ids.
//!
//! See the crate documentation ("The canonical format") for the shape this produces; it is a
//! stable interface that users script against.

use crate::decode::{self, CacheConfig, Record};
use crate::detect::{INLINE_CACHE_KEY, Kind};
use crate::digest::{hex, sha256_raw};
use crate::json::{obj, sorted, to_compact};
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
            match cache_value(v, opts.diff_ids.as_deref(), Pointer::root()) {
                Ok((doc, info)) => {
                    out.caches.push(info);
                    doc
                }
                Err(e) => {
                    out.warnings.push(e.at(""));
                    sorted(v.clone())
                }
            }
        }
        Kind::CacheIndex => sort_array_member(sorted(v.clone()), "manifests"),
        Kind::CacheManifest => sort_array_member(sorted(v.clone()), "layers"),
        _ => sorted(v.clone()),
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
    let mut doc = sorted(v.clone());
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
    if let Value::Object(m) = &mut doc
        && let Some(cache) = m.get_mut(INLINE_CACHE_KEY)
        && !cache.get("records").is_some_and(Value::is_object)
        && !cache.is_null()
    {
        match cache_value(cache, diff_ids.as_deref(), pointer.clone()) {
            Ok((c, info)) => {
                *cache = c;
                out.caches.push(info);
            }
            Err(e) => out.warnings.push(e.at(pointer.to_string())),
        }
    }
    doc
}

/// Decodes a cache in any of its forms (base64 string, records array, cache config object) and
/// returns its canonical document.
fn cache_value(
    v: &Value,
    diff_ids: Option<&[String]>,
    pointer: Pointer,
) -> Result<(Value, CacheInfo), Error> {
    match v {
        Value::String(s) => {
            let text = decode::looks_like_base64(s).unwrap_or(s);
            let bytes = decode::base64_tolerant(text)?;
            let decoded: Value = serde_json::from_slice(&bytes).map_err(|e| {
                Error::new(ErrorKind::DecodedNotJson {
                    len: bytes.len(),
                    line: e.line(),
                    column: e.column(),
                    message: crate::json::strip_location(&e.to_string()),
                })
            })?;
            if matches!(decoded, Value::String(_)) {
                return Err(Error::new(ErrorKind::Shape {
                    what: "the decoded cache value".into(),
                    expected: "an array of cache records",
                    found: "a string".into(),
                }));
            }
            cache_value(&decoded, diff_ids, pointer)
        }
        Value::Array(_) => {
            let records = decode::records(v)?;
            let resolver = Resolver::Inline { diff_ids };
            let (recs, infos, layers_n) = canon_records(&records, &resolver)?;
            let mut warnings_layers = layers_n;
            if let Some(d) = diff_ids {
                warnings_layers = d.len();
            }
            Ok((
                obj([("records", recs)]),
                CacheInfo {
                    pointer,
                    form: CacheForm::Inline,
                    records: infos,
                    layers: warnings_layers,
                },
            ))
        }
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

/// How result layer indexes are resolved.
enum Resolver<'a> {
    /// Image layer positions, with the config's diff_ids when known.
    Inline { diff_ids: Option<&'a [String]> },
    /// Cache config layers: `chains[k]` is the blob chain from the root to layer k.
    Registry { chains: Vec<Vec<String>> },
}

impl Resolver<'_> {
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
            Resolver::Inline { diff_ids } => {
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
                Resolver::Inline { diff_ids } => {
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
        let index = Value::from(i);
        match self {
            Resolver::Inline { diff_ids: Some(d) } => {
                match usize::try_from(i).ok().and_then(|k| d.get(k)) {
                    Some(id) => obj([("diffID", Value::String(id.clone())), ("index", index)]),
                    None => obj([
                        ("index", index),
                        ("missing", Value::from("no such diff_id in rootfs")),
                    ]),
                }
            }
            _ => obj([("index", index)]),
        }
    }
}

fn canon_time(s: &str) -> String {
    if s.is_empty() {
        return ZERO_TIME.to_owned();
    }
    decode::normalize_time(s).unwrap_or_else(|| s.to_owned())
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
    let mut out = Map::new();
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
                keys[node] = record_key(&records[node], &keys);
                state[node] = DONE;
                stack.pop();
            }
        }
    }
    Ok(keys)
}

fn record_key(r: &Record, keys: &[[u8; 32]]) -> [u8; 32] {
    let inputs: Vec<Value> = r
        .inputs
        .iter()
        .map(|pos| {
            let mut alts: Vec<(String, &str)> = pos
                .iter()
                .map(|x| (hex(&keys[x.link as usize]), x.selector.as_str()))
                .collect();
            alts.sort();
            Value::Array(
                alts.into_iter()
                    .map(|(k, s)| obj([("link", Value::String(k)), ("selector", Value::from(s))]))
                    .collect(),
            )
        })
        .collect();
    let identity = obj([
        ("digest", Value::from(r.digest.as_str())),
        ("inputs", Value::Array(inputs)),
    ]);
    sha256_raw(to_compact(&identity).as_bytes())
}

fn record_entry(i: usize, r: &Record, ids: &[String], resolver: &Resolver) -> Result<Value, Error> {
    let mut m = Map::new();
    let mut chains = Vec::with_capacity(r.chains.len());
    for (j, c) in r.chains.iter().enumerate() {
        chains.push(obj([
            ("createdAt", Value::String(canon_time(&c.created_at))),
            ("layers", resolver.chain(i, j, &c.layers)?),
        ]));
    }
    let mut results = Vec::with_capacity(r.results.len());
    for (j, res) in r.results.iter().enumerate() {
        results.push(obj([
            ("createdAt", Value::String(canon_time(&res.created_at))),
            ("layers", resolver.result(i, j, res.layer)?),
        ]));
    }
    let inputs: Vec<Value> = r
        .inputs
        .iter()
        .map(|pos| {
            let mut alts: Vec<(&str, &str)> = pos
                .iter()
                .map(|x| (ids[x.link as usize].as_str(), x.selector.as_str()))
                .collect();
            alts.sort_unstable();
            Value::Array(
                alts.into_iter()
                    .map(|(link, sel)| {
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
    if !chains.is_empty() {
        chains.sort_by_cached_key(to_compact);
        m.insert("chains".into(), Value::Array(chains));
    }
    m.insert("digest".into(), Value::from(r.digest.as_str()));
    for (k, v) in &r.extra {
        m.insert(k.clone(), v.clone());
    }
    if !inputs.is_empty() {
        m.insert("inputs".into(), Value::Array(inputs));
    }
    if !results.is_empty() {
        results.sort_by_cached_key(to_compact);
        m.insert("layers".into(), Value::Array(results));
    }
    Ok(sorted(Value::Object(m)))
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
    let resolver = Resolver::Registry {
        chains: chains.clone(),
    };
    let (records, infos, _) = canon_records(&cfg.records, &resolver)?;
    // Layers keyed by blob prefix + chain hash; identical entries told apart by a suffix.
    let mut layer_entries: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for (l, chain) in cfg.layers.iter().zip(&chains) {
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
            m.insert("annotations".into(), Value::Object(a));
        }
        m.insert("blob".into(), Value::from(l.blob.as_str()));
        m.insert(
            "chain".into(),
            Value::Array(chain.iter().cloned().map(Value::String).collect()),
        );
        for (k, v) in &l.extra {
            m.insert(k.clone(), v.clone());
        }
        let id = format!(
            "{}-{}",
            digest_prefix(&l.blob),
            &hex(&sha256_raw(chain.join(",").as_bytes()))[..12]
        );
        layer_entries
            .entry(id)
            .or_default()
            .push(sorted(Value::Object(m)));
    }
    let mut layers = Map::new();
    for (id, mut group) in layer_entries {
        group.sort_by_cached_key(to_compact);
        for (k, v) in group.into_iter().enumerate() {
            let key = if k == 0 {
                id.clone()
            } else {
                format!("{id}:{}", k + 1)
            };
            layers.insert(key, v);
        }
    }
    let mut doc = Map::new();
    for (k, v) in &cfg.extra {
        doc.insert(k.clone(), v.clone());
    }
    doc.insert("layers".into(), Value::Object(layers));
    doc.insert("records".into(), records);
    Ok((sorted(Value::Object(doc)), infos))
}
