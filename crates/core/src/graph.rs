//! The typed cache model: one [`CacheGraph`] per decoded cache, built once by canonicalisation
//! ([`crate::canon`]) from the records decoded with Go's rules ([`crate::decode`]).
//!
//! A graph holds the records in input order (a record's index is its position in the input's
//! `records` array) with their canonical ids, their inputs as alternatives of references to other
//! records, and their results as lists of references to the graph's layers; the layers are the
//! cache config's layers (blob, parent chain, annotations) or, for an inline cache, the image
//! layers its results name (position and diff_id). Unknown fields are kept. The canonical
//! document is rendered from it ([`CacheGraph::to_canonical`]), and the cache summary, step
//! naming, record matching and root changes read it instead of walking JSON.
//!
//! The step that made a layer is not a fact of the cache: [`crate::steps::layer_steps`] gives
//! it as a side table indexed like [`CacheGraph::layers`].

use crate::canon::CacheForm;
use crate::json::obj;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// What an inline layer past the image's diff_ids says in the canonical form.
pub(crate) const MISSING_DIFF_ID: &str = "no such diff_id in rootfs";

/// One decoded cache as a graph of records and layers.
#[derive(Debug, Clone, PartialEq)]
pub struct CacheGraph {
    /// Inline (layers are image layer positions) or registry (a cache config's layers).
    pub form: CacheForm,
    /// Records in input order: index `i` is the record at position `i` of the input.
    pub records: Vec<CacheRecord>,
    /// Layers the results refer to: a cache config's layers in input order, or an inline
    /// cache's image layers (the image's diff_ids first, then any other position named).
    pub layers: Vec<CacheLayer>,
    /// How many layers the cache config had (registry form) or the image's diff_ids (inline;
    /// 0 without them).
    pub layer_count: usize,
    /// Unknown top-level fields of a cache config, in canonical form.
    pub extra: Map<String, Value>,
    /// Record indexes in canonical id order (the order of the canonical `records` object).
    pub(crate) order: Vec<usize>,
    /// Registry: layer indexes in the order of the canonical `layers` object.
    pub(crate) layer_order: Vec<usize>,
    /// Canonical id → record index (records only, not dangling link targets).
    pub(crate) by_id: HashMap<String, usize>,
}

/// One cache record.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CacheRecord {
    /// Canonical id (`<digest prefix>-<key prefix>`, `:2`… for records sharing a key).
    pub id: String,
    /// The cache key digest.
    pub digest: String,
    /// Per input position, the alternatives as given (order kept: these are the links as
    /// given, for the renumbering count; the canonical form sorts them).
    pub inputs: Vec<Vec<InputRef>>,
    /// `layers` results (`CacheResult`), in canonical order.
    pub results: Vec<LayerList>,
    /// `chains` results (`ChainedResult`), in canonical order.
    pub chains: Vec<LayerList>,
    /// Unknown fields, in canonical form.
    pub extra: Map<String, Value>,
    /// Only a link target, not a record: a graph read back from a filtered canonical document
    /// ([`CacheGraph::from_canonical`]) keeps links to records that were left out this way.
    pub dangling: bool,
}

/// One alternative of an input position.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InputRef {
    /// The record it links to (an index into [`CacheGraph::records`]; as given, the `link`).
    pub record: usize,
    /// The selector (empty when none).
    pub selector: String,
}

/// One result: the layers it holds, in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LayerList {
    /// `createdAt`, normalised (empty only in a graph read back from a document whose times
    /// were left out).
    pub created_at: String,
    /// Indexes into [`CacheGraph::layers`].
    pub layers: Vec<usize>,
}

/// One layer.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CacheLayer {
    /// Registry: its key in the canonical `layers` object (empty for inline layers).
    pub key: String,
    /// Inline: its position in the image.
    pub index: Option<i64>,
    /// Registry: its blob digest.
    pub blob: Option<String>,
    /// Inline: its `rootfs.diff_ids` entry, when the image's diff_ids are known and reach it.
    pub diff_id: Option<String>,
    /// Inline: the image's diff_ids are known and do not reach this position.
    pub missing: bool,
    /// Registry: the layer it is built on (`parent`).
    pub parent: Option<usize>,
    /// Registry: the chain from the root layer to this one (indexes, this one last).
    pub chain: Vec<usize>,
    /// Registry: annotations, in canonical form (`createdAt` normalised).
    pub annotations: Option<Map<String, Value>>,
    /// Unknown fields, in canonical form.
    pub extra: Map<String, Value>,
}

impl CacheRecord {
    /// The id links name this record by: its id without a `:N` duplicate suffix.
    pub fn link_id(&self) -> &str {
        self.id.split_once(':').map_or(&self.id, |(base, _)| base)
    }
}

impl CacheGraph {
    /// An empty graph of a form.
    pub(crate) fn new(form: CacheForm) -> Self {
        CacheGraph {
            form,
            records: Vec::new(),
            layers: Vec::new(),
            layer_count: 0,
            extra: Map::new(),
            order: Vec::new(),
            layer_order: Vec::new(),
            by_id: HashMap::new(),
        }
    }

    /// The records in canonical id order, with their indexes (dangling targets left out).
    pub fn in_order(&self) -> impl Iterator<Item = (usize, &CacheRecord)> + '_ {
        self.order
            .iter()
            .map(|&i| (i, &self.records[i]))
            .filter(|(_, r)| !r.dangling)
    }

    /// How many records (dangling targets left out).
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Whether there is no record.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// The record of a canonical id.
    pub fn get(&self, id: &str) -> Option<&CacheRecord> {
        self.index_of(id).map(|i| &self.records[i])
    }

    /// The index of the record of a canonical id.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// The ids a record links to, every input position and alternative, in order.
    pub fn links<'a>(&'a self, r: &'a CacheRecord) -> impl Iterator<Item = &'a str> + 'a {
        r.inputs
            .iter()
            .flatten()
            .map(|x| self.records[x.record].link_id())
    }

    /// The registry layers in the order of the canonical `layers` object.
    pub fn layers_in_order(&self) -> impl Iterator<Item = &CacheLayer> + '_ {
        self.layer_order.iter().map(|&i| &self.layers[i])
    }

    /// The blob of a layer ("" when none is known).
    pub fn blob(&self, layer: usize) -> &str {
        self.layers[layer].blob.as_deref().unwrap_or("")
    }

    /// The layer a result ends with: its position (the image layer for an inline cache, the
    /// place in the result for a registry one) and its diff_id (inline) or blob (registry).
    pub fn result_end(&self, list: &LayerList) -> Option<(Option<usize>, Option<&str>)> {
        let &last = list.layers.last()?;
        let l = &self.layers[last];
        Some(match self.form {
            CacheForm::Inline => (
                l.index.and_then(|i| usize::try_from(i).ok()),
                l.diff_id.as_deref(),
            ),
            CacheForm::Registry => (Some(list.layers.len() - 1), l.blob.as_deref()),
        })
    }

    /// The compact JSON of a result as it stands in the canonical document (`timed`), or
    /// without its `createdAt`: what results are sorted and compared by.
    pub(crate) fn list_key(&self, list: &LayerList, timed: bool, buf: &mut Vec<u8>) {
        buf.clear();
        buf.push(b'{');
        if timed && !list.created_at.is_empty() {
            buf.extend_from_slice(b"\"createdAt\":");
            push_json_str(buf, &list.created_at);
            buf.push(b',');
        }
        buf.extend_from_slice(b"\"layers\":[");
        for (k, &l) in list.layers.iter().enumerate() {
            if k > 0 {
                buf.push(b',');
            }
            self.layer_item_key(l, buf);
        }
        buf.extend_from_slice(b"]}");
    }

    fn layer_item_key(&self, l: usize, buf: &mut Vec<u8>) {
        let layer = &self.layers[l];
        match self.form {
            CacheForm::Registry => match &layer.blob {
                Some(b) => push_json_str(buf, b),
                None => buf.extend_from_slice(b"null"),
            },
            CacheForm::Inline => {
                buf.push(b'{');
                let mut first = true;
                let mut sep = |buf: &mut Vec<u8>| {
                    if !std::mem::take(&mut first) {
                        buf.push(b',');
                    }
                };
                if let Some(d) = &layer.diff_id {
                    sep(buf);
                    buf.extend_from_slice(b"\"diffID\":");
                    push_json_str(buf, d);
                }
                if let Some(i) = layer.index {
                    sep(buf);
                    buf.extend_from_slice(b"\"index\":");
                    buf.extend_from_slice(i.to_string().as_bytes());
                }
                if layer.missing {
                    sep(buf);
                    buf.extend_from_slice(b"\"missing\":");
                    push_json_str(buf, MISSING_DIFF_ID);
                }
                buf.push(b'}');
            }
        }
    }

    /// Whether two results (of this graph and `other`) are the same, with or without times.
    pub(crate) fn same_list(&self, a: &LayerList, other: &CacheGraph, b: &LayerList) -> bool {
        a.created_at == b.created_at
            && a.layers.len() == b.layers.len()
            && a.layers
                .iter()
                .zip(&b.layers)
                .all(|(&x, &y)| self.same_item(x, other, y))
    }

    fn same_item(&self, x: usize, other: &CacheGraph, y: usize) -> bool {
        let (l, r) = (&self.layers[x], &other.layers[y]);
        match (self.form, other.form) {
            (CacheForm::Registry, CacheForm::Registry) => l.blob == r.blob,
            (CacheForm::Inline, CacheForm::Inline) => {
                l.index == r.index && l.diff_id == r.diff_id && l.missing == r.missing
            }
            _ => false,
        }
    }

    /// The canonical entry of a layer a result holds.
    fn layer_item(&self, l: usize) -> Value {
        let layer = &self.layers[l];
        match self.form {
            CacheForm::Registry => layer.blob.clone().map_or(Value::Null, Value::String),
            CacheForm::Inline => {
                let mut m = Map::with_capacity(2);
                if let Some(d) = &layer.diff_id {
                    m.insert("diffID".into(), Value::String(d.clone()));
                }
                if let Some(i) = layer.index {
                    m.insert("index".into(), Value::from(i));
                }
                if layer.missing {
                    m.insert("missing".into(), Value::from(MISSING_DIFF_ID));
                }
                Value::Object(m)
            }
        }
    }

    fn list_value(&self, list: &LayerList) -> Value {
        obj([
            ("createdAt", Value::String(list.created_at.clone())),
            (
                "layers",
                Value::Array(list.layers.iter().map(|&l| self.layer_item(l)).collect()),
            ),
        ])
    }

    /// A record's canonical entry.
    pub(crate) fn record_value(&self, r: &CacheRecord) -> Value {
        let mut members: Vec<(String, Value)> = Vec::with_capacity(4 + r.extra.len());
        if !r.chains.is_empty() {
            let chains = r.chains.iter().map(|c| self.list_value(c)).collect();
            members.push(("chains".into(), Value::Array(chains)));
        }
        members.push(("digest".into(), Value::from(r.digest.as_str())));
        for (k, v) in &r.extra {
            members.push((k.clone(), v.clone()));
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
                            .map(|x| (self.records[x.record].link_id(), x.selector.as_str())),
                    );
                    alts.sort_unstable();
                    Value::Array(
                        alts.iter()
                            .map(|&(link, sel)| {
                                if sel.is_empty() {
                                    obj([("link", Value::from(link))])
                                } else {
                                    obj([
                                        ("link", Value::from(link)),
                                        ("selector", Value::from(sel)),
                                    ])
                                }
                            })
                            .collect(),
                    )
                })
                .collect();
            members.push(("inputs".into(), Value::Array(inputs)));
        }
        if !r.results.is_empty() {
            let results = r.results.iter().map(|c| self.list_value(c)).collect();
            members.push(("layers".into(), Value::Array(results)));
        }
        sorted_members(members)
    }

    /// A registry layer's canonical entry.
    pub(crate) fn layer_value(&self, l: &CacheLayer) -> Value {
        let mut m: Vec<(String, Value)> = Vec::with_capacity(3 + l.extra.len());
        if let Some(a) = &l.annotations {
            m.push(("annotations".into(), Value::Object(a.clone())));
        }
        m.push((
            "blob".into(),
            Value::from(l.blob.as_deref().unwrap_or_default()),
        ));
        m.push((
            "chain".into(),
            Value::Array(l.chain.iter().map(|&k| Value::from(self.blob(k))).collect()),
        ));
        for (k, v) in &l.extra {
            m.push((k.clone(), v.clone()));
        }
        sorted_members(m)
    }

    /// The canonical document of the cache: `{"records": {...}}` (inline) or
    /// `{"layers": {...}, "records": {...}}` plus unknown fields (registry).
    pub fn to_canonical(&self) -> Value {
        let mut records = Map::with_capacity(self.records.len());
        for (_, r) in self.in_order() {
            records.insert(r.id.clone(), self.record_value(r));
        }
        match self.form {
            CacheForm::Inline => obj([("records", Value::Object(records))]),
            CacheForm::Registry => {
                let mut layers = Map::with_capacity(self.layers.len());
                for l in self.layers_in_order() {
                    layers.insert(l.key.clone(), self.layer_value(l));
                }
                let mut doc: Vec<(String, Value)> = self
                    .extra
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                doc.push(("layers".into(), Value::Object(layers)));
                doc.push(("records".into(), Value::Object(records)));
                sorted_members(doc)
            }
        }
    }

    /// Reads a canonical cache back (the `records` object and, for a cache config, the
    /// `layers` object): for documents given in canonical form, or filtered by ignored paths.
    /// Whatever is missing reads as empty; a link to a record that is not there is kept as a
    /// [dangling](CacheRecord::dangling) target.
    pub fn from_canonical(
        records: &Map<String, Value>,
        layers: Option<&Map<String, Value>>,
        form: CacheForm,
    ) -> CacheGraph {
        let mut g = CacheGraph::new(form);
        let mut slots: HashMap<String, usize> = HashMap::new();
        let mut dangling: HashMap<String, usize> = HashMap::new();
        for (id, _) in records {
            g.by_id.insert(id.clone(), g.records.len());
            g.order.push(g.records.len());
            g.records.push(CacheRecord {
                id: id.clone(),
                ..CacheRecord::default()
            });
        }
        // Layers: registry ones by blob, inline ones by their canonical entry.
        let mut slot = |g: &mut CacheGraph, item: &Value| -> Option<usize> {
            let (key, layer) = match form {
                CacheForm::Registry => {
                    let b = item.as_str()?;
                    (
                        b.to_owned(),
                        CacheLayer {
                            blob: Some(b.to_owned()),
                            ..CacheLayer::default()
                        },
                    )
                }
                CacheForm::Inline => (
                    crate::json::to_compact(item),
                    CacheLayer {
                        index: item.get("index").and_then(Value::as_i64),
                        diff_id: item
                            .get("diffID")
                            .and_then(Value::as_str)
                            .map(str::to_owned),
                        missing: item.get("missing").is_some(),
                        ..CacheLayer::default()
                    },
                ),
            };
            Some(*slots.entry(key).or_insert_with(|| {
                g.layers.push(layer);
                g.layers.len() - 1
            }))
        };
        if let Some(layers) = layers {
            for (key, l) in layers {
                let Some(chain) = l.get("chain").and_then(Value::as_array) else {
                    continue;
                };
                let chain: Vec<usize> = chain.iter().filter_map(|b| slot(&mut g, b)).collect();
                g.layers.push(CacheLayer {
                    key: key.clone(),
                    blob: l.get("blob").and_then(Value::as_str).map(str::to_owned),
                    chain,
                    ..CacheLayer::default()
                });
                g.layer_order.push(g.layers.len() - 1);
            }
        }
        for (i, (_, r)) in records.iter().enumerate() {
            let mut lists = |g: &mut CacheGraph, field: &str| -> Vec<LayerList> {
                r.get(field)
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(|res| LayerList {
                        created_at: res
                            .get("createdAt")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_owned(),
                        layers: res
                            .get("layers")
                            .and_then(Value::as_array)
                            .into_iter()
                            .flatten()
                            .filter_map(|item| slot(g, item))
                            .collect(),
                    })
                    .collect()
            };
            let results = lists(&mut g, "layers");
            let chains = lists(&mut g, "chains");
            let mut inputs = Vec::new();
            for pos in r
                .get("inputs")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let mut alts = Vec::new();
                for a in pos.as_array().into_iter().flatten() {
                    let link = a.get("link").and_then(Value::as_str).unwrap_or_default();
                    let record = match g.by_id.get(link) {
                        Some(&k) => k,
                        None => *dangling.entry(link.to_owned()).or_insert_with(|| {
                            g.records.push(CacheRecord {
                                id: link.to_owned(),
                                dangling: true,
                                ..CacheRecord::default()
                            });
                            g.records.len() - 1
                        }),
                    };
                    alts.push(InputRef {
                        record,
                        selector: a
                            .get("selector")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_owned(),
                    });
                }
                inputs.push(alts);
            }
            let rec = &mut g.records[i];
            rec.digest = r
                .get("digest")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            rec.results = results;
            rec.chains = chains;
            rec.inputs = inputs;
        }
        g
    }
}

/// An object of members whose values are already canonical: only their order is set here.
pub(crate) fn sorted_members(mut members: Vec<(String, Value)>) -> Value {
    members.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    Value::Object(members.into_iter().collect())
}

/// A JSON string as serde_json writes it.
pub(crate) fn push_json_str(buf: &mut Vec<u8>, s: &str) {
    // Writing to a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *buf, s);
}
