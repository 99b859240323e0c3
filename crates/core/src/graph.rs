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

use crate::json::obj;
pub(crate) use crate::json::{sorted_indexes, sorted_members};
use serde_json::{Map, Value};

/// Which container a cache came from; it decides what layer references resolve to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CacheForm {
    /// The inline cache of an image config (layer indexes are image layer positions).
    Inline,
    /// A cache config (layer indexes point into its `layers`, which chain by `parent`).
    Registry,
}

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
    /// Record indexes in canonical id order (the order of the canonical `records` object;
    /// dangling link targets left out): ids are looked up in it by binary search.
    pub(crate) order: Vec<usize>,
    /// Registry: layer indexes in the order of the canonical `layers` object.
    pub(crate) layer_order: Vec<usize>,
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
    /// Read back from a document whose `digest` was left out (the digest then reads as "").
    pub(crate) no_digest: bool,
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
        }
    }

    /// The records in canonical id order, with their indexes (dangling targets left out).
    pub fn in_order(&self) -> impl Iterator<Item = (usize, &CacheRecord)> + '_ {
        self.order.iter().map(|&i| (i, &self.records[i]))
    }

    /// How many records (dangling targets left out).
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether there is no record.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The record of a canonical id.
    pub fn get(&self, id: &str) -> Option<&CacheRecord> {
        self.index_of(id).map(|i| &self.records[i])
    }

    /// The index of the record of a canonical id.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.order
            .binary_search_by(|&i| self.records[i].id.as_str().cmp(id))
            .ok()
            .map(|k| self.order[k])
    }

    /// For each record of `self` (by index), the record of `other` with the same id: one merge
    /// of the two id orders (no lookup per record). Dangling targets have none.
    pub(crate) fn counterparts(&self, other: &CacheGraph) -> Vec<Option<usize>> {
        let mut out = vec![None; self.records.len()];
        let mut theirs = other.order.iter().peekable();
        for &i in &self.order {
            let id = self.records[i].id.as_str();
            while theirs
                .next_if(|&&j| other.records[j].id.as_str() < id)
                .is_some()
            {}
            if let Some(&&j) = theirs.peek()
                && other.records[j].id == id
            {
                out[i] = Some(j);
            }
        }
        out
    }

    /// The index of the registry layer of a canonical `layers` key.
    pub(crate) fn layer_index(&self, key: &str) -> Option<usize> {
        self.layer_order
            .binary_search_by(|&i| self.layers[i].key.as_str().cmp(key))
            .ok()
            .map(|k| self.layer_order[k])
    }

    /// The ids a record links to, every input position and alternative, in order (an
    /// alternative whose `link` was left out from a document read back links to nothing).
    pub fn links<'a>(&'a self, r: &'a CacheRecord) -> impl Iterator<Item = &'a str> + 'a {
        r.inputs
            .iter()
            .flatten()
            .map(|x| &self.records[x.record])
            .filter(|t| !(t.dangling && t.id.is_empty()))
            .map(CacheRecord::link_id)
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
        a.created_at == b.created_at && self.same_layers(a, other, b)
    }

    /// Whether two results hold the same layers (their times aside).
    pub(crate) fn same_layers(&self, a: &LayerList, other: &CacheGraph, b: &LayerList) -> bool {
        a.layers.len() == b.layers.len()
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
        g.records = records
            .keys()
            .map(|id| CacheRecord {
                id: id.clone(),
                ..CacheRecord::default()
            })
            .collect();
        // In id order (a canonical document's order already).
        g.order = sorted_indexes(&g.records.iter().map(|r| r.id.as_str()).collect::<Vec<_>>());
        // Each layer a result or chain holds is a layer of its own: layers are compared by what
        // they say, never by index.
        let item = |g: &mut CacheGraph, v: &Value| -> Option<usize> {
            let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
            g.layers.push(match form {
                CacheForm::Registry => CacheLayer {
                    blob: Some(v.as_str()?.to_owned()),
                    ..CacheLayer::default()
                },
                CacheForm::Inline => CacheLayer {
                    index: v.get("index").and_then(Value::as_i64),
                    diff_id: text("diffID"),
                    missing: v.get("missing").is_some(),
                    ..CacheLayer::default()
                },
            });
            Some(g.layers.len() - 1)
        };
        for (key, l) in layers.into_iter().flatten() {
            let Some(chain) = l.get("chain").and_then(Value::as_array) else {
                continue;
            };
            let chain = chain.iter().filter_map(|b| item(&mut g, b)).collect();
            g.layers.push(CacheLayer {
                key: key.clone(),
                blob: l.get("blob").and_then(Value::as_str).map(str::to_owned),
                chain,
                ..CacheLayer::default()
            });
            g.layer_order.push(g.layers.len() - 1);
        }
        for (i, r) in records.values().enumerate() {
            let mut lists = |field: &str| -> Vec<LayerList> {
                let mut out = Vec::new();
                for res in r.get(field).and_then(Value::as_array).into_iter().flatten() {
                    let mut layers = Vec::new();
                    for v in res
                        .get("layers")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        layers.extend(item(&mut g, v));
                    }
                    out.push(LayerList {
                        created_at: text_of(res, "createdAt"),
                        layers,
                    });
                }
                out
            };
            let (results, chains) = (lists("layers"), lists("chains"));
            let mut inputs = Vec::new();
            for pos in r
                .get("inputs")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let mut alts = Vec::new();
                for a in pos.as_array().into_iter().flatten() {
                    // No link (left out): a dangling target without an id, which matching
                    // reads as "" and `links` skips.
                    let link = text_of(a, "link");
                    let record = g.index_of(&link).unwrap_or_else(|| {
                        g.records.push(CacheRecord {
                            id: link,
                            dangling: true,
                            ..CacheRecord::default()
                        });
                        g.records.len() - 1
                    });
                    alts.push(InputRef {
                        record,
                        selector: text_of(a, "selector"),
                    });
                }
                inputs.push(alts);
            }
            let rec = &mut g.records[i];
            rec.no_digest = r.get("digest").and_then(Value::as_str).is_none();
            rec.digest = text_of(r, "digest");
            (rec.results, rec.chains, rec.inputs) = (results, chains, inputs);
        }
        g
    }
}

/// A string member of an object ("" when it is not one).
fn text_of(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// A JSON string as serde_json writes it.
pub(crate) fn push_json_str(buf: &mut Vec<u8>, s: &str) {
    // Writing to a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *buf, s);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canon::{CanonOptions, canonicalize};
    use crate::detect::Kind;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn counterparts_are_the_records_of_the_same_id() {
        let read = |s: &str| {
            let v: Value = serde_json::from_str(s).unwrap();
            CacheGraph::from_canonical(v.as_object().unwrap(), None, CacheForm::Inline)
        };
        // Ids on both sides, on one side, duplicates, and a link to a record left out (a
        // dangling target on each side, of the same id).
        let l = read(
            r#"{"a":{"digest":"A"},"b":{"digest":"B","inputs":[[{"link":"gone"}]]},"b:2":{"digest":"B"},"d":{"digest":"D"}}"#,
        );
        let r = read(
            r#"{"0":{"digest":"Z","inputs":[[{"link":"gone"}]]},"b:2":{"digest":"B"},"c":{"digest":"C"},"d":{"digest":"D"},"e":{"digest":"E"}}"#,
        );
        let want: Vec<Option<usize>> = l
            .records
            .iter()
            .map(|x| (!x.dangling).then(|| r.index_of(&x.id)).flatten())
            .collect();
        assert_eq!(l.counterparts(&r), want);
        let found = want.iter().flatten().count();
        assert_eq!(found, 2, "b:2 and d: {want:?}");
        assert_eq!(r.counterparts(&l).iter().flatten().count(), 2);
    }

    /// A real BuildKit v0.25 registry cache (37 records, 14 layers).
    const REGISTRY: &str = include_str!(
        "../../../tests/fixtures/real-buildkit/buildkit-0.25/registry-cache/1/cacheconfig.json"
    );
    /// A real inline cache, decoded (3 records, results on image layer 1).
    const INLINE: &str =
        include_str!("../../../tests/fixtures/real/ctf-eksclustergames.inline-cache.decoded.json");

    fn graph_of(text: &str, kind: Kind, opts: &CanonOptions) -> (Value, CacheGraph) {
        let c = canonicalize(&crate::json::parse(text).unwrap(), kind, opts);
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
        assert_eq!(c.caches.len(), 1);
        (c.document(), (*c.caches[0].graph).clone())
    }

    #[test]
    fn a_registry_cache_keeps_positions_inputs_results_and_layer_chains() {
        let given = crate::json::parse(REGISTRY).unwrap();
        let (doc, g) = graph_of(REGISTRY, Kind::CacheConfig, &CanonOptions::default());
        assert_eq!(g.form, CacheForm::Registry);
        assert_eq!(
            (g.records.len(), g.len(), g.layers.len(), g.layer_count),
            (37, 37, 14, 14)
        );
        // Records in input order, ids as the canonical document keys them.
        let recs = doc["records"].as_object().unwrap();
        let keys: Vec<&String> = recs.keys().collect();
        let ids: Vec<&String> = g.in_order().map(|(_, r)| &r.id).collect();
        assert_eq!(ids, keys);
        for (i, r) in g.records.iter().enumerate() {
            assert_eq!(
                r.digest,
                given["records"][i]["digest"].as_str().unwrap(),
                "{i}"
            );
            assert_eq!(g.index_of(&r.id), Some(i));
        }
        // Record 1: inputs [[{link 7}], [{link 29}]], as given.
        let r1 = &g.records[1];
        assert_eq!(r1.inputs.len(), 2);
        assert_eq!((r1.inputs[0][0].record, r1.inputs[1][0].record), (7, 29));
        assert_eq!(r1.inputs[0][0].selector, "");
        let links: Vec<&str> = g.links(r1).collect();
        assert_eq!(links, [g.records[7].link_id(), g.records[29].link_id()]);
        assert_eq!(recs[&r1.id]["inputs"][1][0]["link"], links[1]);
        // Record 5: one result, layer 0 (parent 5), its chain from the root.
        let r5 = &g.records[5];
        assert_eq!(r5.results.len(), 1);
        assert!(r5.chains.is_empty());
        assert_eq!(r5.results[0].created_at, "2026-12-01T20:16:38.613439217Z");
        let l0 = &g.layers[0];
        assert_eq!(l0.parent, Some(5));
        assert_eq!(r5.results[0].layers, l0.chain);
        assert_eq!(l0.chain.last(), Some(&0));
        assert_eq!(g.layers[l0.chain[0]].parent, None);
        assert_eq!(l0.blob.as_deref(), given["layers"][0]["blob"].as_str());
        assert_eq!(
            g.result_end(&r5.results[0]),
            Some((Some(l0.chain.len() - 1), l0.blob.as_deref()))
        );
        // Every layer keyed as in the document, its chain rendered as blobs.
        let layers = doc["layers"].as_object().unwrap();
        assert_eq!(layers.len(), 14);
        for l in g.layers_in_order() {
            let chain: Vec<&str> = l.chain.iter().map(|&k| g.blob(k)).collect();
            assert_eq!(
                layers[&l.key]["chain"],
                serde_json::json!(chain),
                "{}",
                l.key
            );
        }
        // Two layers share a blob (the same base at two places): told apart by their chains.
        assert_eq!(g.layers[1].blob, g.layers[2].blob);
        assert_ne!(g.layers[1].key, g.layers[2].key);
    }

    #[test]
    fn an_inline_cache_refers_to_image_layers_with_or_without_diff_ids() {
        let (doc, g) = graph_of(INLINE, Kind::CacheRecords, &CanonOptions::default());
        assert_eq!(g.form, CacheForm::Inline);
        assert_eq!((g.records.len(), g.layer_count), (3, 0));
        let r2 = &g.records[2];
        assert_eq!(r2.inputs.len(), 1);
        let alts: Vec<usize> = r2.inputs[0].iter().map(|x| x.record).collect();
        assert_eq!(alts, [0, 1]);
        // `layer: 1` is image layers 0 and 1, known only by position here.
        let res = &r2.results[0];
        let idx: Vec<Option<i64>> = res.layers.iter().map(|&l| g.layers[l].index).collect();
        assert_eq!(idx, [Some(0), Some(1)]);
        assert!(res.layers.iter().all(|&l| g.layers[l].diff_id.is_none()));
        assert_eq!(g.result_end(res), Some((Some(1), None)));
        assert_eq!(
            doc["records"][&r2.id]["layers"][0]["layers"],
            serde_json::json!([{"index": 0}, {"index": 1}])
        );
        // With the image's one diff_id: layer 0 named, layer 1 past the end.
        let opts = CanonOptions {
            diff_ids: Some(vec!["sha256:d0".into()]),
        };
        let (doc, g) = graph_of(INLINE, Kind::CacheRecords, &opts);
        assert_eq!(g.layer_count, 1);
        let r2 = &g.records[2];
        let res = &r2.results[0];
        assert_eq!(
            g.layers[res.layers[0]].diff_id.as_deref(),
            Some("sha256:d0")
        );
        assert!(g.layers[res.layers[1]].missing);
        assert_eq!(
            doc["records"][&r2.id]["layers"][0]["layers"],
            serde_json::json!([{"diffID": "sha256:d0", "index": 0}, {"index": 1, "missing": MISSING_DIFF_ID}])
        );
    }

    #[test]
    fn sort_keys_are_the_compact_json_of_the_rendered_results() {
        // Times kept as given when they do not parse, blobs and selectors needing escapes.
        let text = r#"{"layers":[{"blob":"sha256:\"a\u2028\u0001","parent":-1},{"blob":"b</>","parent":0}],
            "records":[{"digest":"d","layers":[{"layer":1,"createdAt":"not \"a\" time\t"},{"layer":0}],
            "chains":[{"layers":[1,0],"createdAt":"2025-03-04T10:20:29+02:00"}]}]}"#;
        let (_, g) = graph_of(text, Kind::CacheConfig, &CanonOptions::default());
        let (_, inline) = graph_of(INLINE, Kind::CacheRecords, &CanonOptions::default());
        let mut buf = Vec::new();
        for g in [&g, &inline] {
            for (_, r) in g.in_order() {
                for l in r.results.iter().chain(&r.chains) {
                    let v = g.list_value(l);
                    g.list_key(l, true, &mut buf);
                    assert_eq!(String::from_utf8_lossy(&buf), crate::json::to_compact(&v));
                    let mut untimed = v.clone();
                    untimed.as_object_mut().unwrap().shift_remove("createdAt");
                    g.list_key(l, false, &mut buf);
                    assert_eq!(
                        String::from_utf8_lossy(&buf),
                        crate::json::to_compact(&untimed)
                    );
                }
            }
        }
        // And results sort by it: the zero time (a missing createdAt) first.
        let r = &g.records[0];
        assert_eq!(r.results[0].created_at, crate::canon::ZERO_TIME);
        assert_eq!(r.results[1].created_at, "not \"a\" time\t");
    }

    #[test]
    fn renumbered_caches_give_the_same_ids_at_other_positions() {
        let mut given = crate::json::parse(REGISTRY).unwrap();
        let (_, g) = graph_of(REGISTRY, Kind::CacheConfig, &CanonOptions::default());
        // Reverse the records and remap every link.
        let n = g.records.len();
        let recs = given["records"].as_array_mut().unwrap();
        recs.reverse();
        for r in recs.iter_mut() {
            for pos in r["inputs"].as_array_mut().into_iter().flatten() {
                for alt in pos.as_array_mut().unwrap() {
                    let link = alt["link"].as_u64().unwrap_or(0) as usize;
                    alt["link"] = Value::from(n - 1 - link);
                }
            }
        }
        let (_, h) = graph_of(
            &given.to_string(),
            Kind::CacheConfig,
            &CanonOptions::default(),
        );
        for (i, r) in g.records.iter().enumerate() {
            assert_eq!(h.records[n - 1 - i].id, r.id);
            assert_eq!(h.index_of(&r.id), Some(n - 1 - i));
        }
        assert_eq!(h.to_canonical(), g.to_canonical());
    }

    #[test]
    fn a_canonical_document_reads_back_with_dangling_links_kept() {
        let (doc, g) = graph_of(REGISTRY, Kind::CacheConfig, &CanonOptions::default());
        let mut records = doc["records"].as_object().unwrap().clone();
        let back = CacheGraph::from_canonical(&records, doc["layers"].as_object(), g.form);
        assert_eq!(back.len(), g.len());
        for (_, r) in g.in_order() {
            let b = back.get(&r.id).unwrap();
            assert_eq!(b.digest, r.digest);
            let (mut x, mut y): (Vec<&str>, Vec<&str>) =
                (g.links(r).collect(), back.links(b).collect());
            x.sort_unstable();
            y.sort_unstable();
            assert_eq!(x, y, "{}", r.id);
            let mut buf = (Vec::new(), Vec::new());
            for (l, m) in r.results.iter().zip(&b.results) {
                g.list_key(l, true, &mut buf.0);
                back.list_key(m, true, &mut buf.1);
                assert_eq!(buf.0, buf.1);
            }
        }
        let chains = |g: &CacheGraph| -> Vec<Vec<String>> {
            g.layers_in_order()
                .map(|l| l.chain.iter().map(|&k| g.blob(k).to_owned()).collect())
                .collect()
        };
        assert_eq!(chains(&back), chains(&g));
        // A record left out: those linking to it keep the link, to a target that is not a record.
        let gone = g.records[29].id.clone();
        records.shift_remove(&gone);
        let back = CacheGraph::from_canonical(&records, None, g.form);
        assert_eq!(back.len(), g.len() - 1);
        assert!(back.get(&gone).is_none());
        assert!(back.in_order().all(|(_, r)| r.id != gone));
        let r1 = back.get(&g.records[1].id).unwrap();
        assert!(back.links(r1).any(|t| t == gone));
        // A link or a digest left out: the alternative links to nothing, the digest is none.
        let id1 = g.records[1].id.clone();
        let r = records.get_mut(&id1).unwrap().as_object_mut().unwrap();
        r.shift_remove("digest");
        r["inputs"][0][0]
            .as_object_mut()
            .unwrap()
            .shift_remove("link");
        let back = CacheGraph::from_canonical(&records, None, g.form);
        let r1 = back.get(&id1).unwrap();
        assert!(r1.no_digest && r1.digest.is_empty());
        assert_eq!(back.links(r1).count(), 1);
        assert_eq!(back.records[r1.inputs[0][0].record].link_id(), "");
    }

    /// The cache summary of a pair with and without an ignored path inside the cache that
    /// names nothing: the second reads the graphs back from the filtered documents, and must
    /// say exactly what the graphs built by canonicalisation say.
    #[test]
    fn the_summary_is_the_same_from_graphs_read_back() {
        use crate::compare::{Options, compare};
        macro_rules! fixture {
            ($p:literal) => {
                include_bytes!(concat!("../../../tests/fixtures/real-buildkit/", $p)).to_vec()
            };
        }
        let mut pairs: Vec<(Vec<u8>, Vec<u8>)> = vec![
            (
                fixture!("inline-rebuilds/1/config.json"),
                fixture!("inline-rebuilds/3/config.json"),
            ),
            (
                fixture!("registry-cache/1/cacheconfig.json"),
                fixture!("registry-cache/5/cacheconfig.json"),
            ),
        ];
        for p in [
            crate::synth::inline_config_pair(300, 3),
            crate::synth::cache_config_pair_replacing(300, 5, 2).0,
        ] {
            pairs.push((p.left, p.right));
        }
        for (l, r) in &pairs {
            let (l, r) = (
                crate::analyze(l, None).unwrap(),
                crate::analyze(r, None).unwrap(),
            );
            let at = l.caches[0].pointer.clone();
            for ignore_timestamps in [false, true] {
                let plain = Options {
                    ignore_timestamps,
                    ..Options::default()
                };
                let want = compare(&l, &r, &plain).cache.unwrap();
                assert!(!want.changed.is_empty() || !want.added.is_empty(), "{at}");
                let read_back = Options {
                    ignore: vec![at.child("records").child("no-such-record")],
                    ..plain.clone()
                };
                assert_eq!(compare(&l, &r, &read_back).cache.unwrap(), want, "{at}");
            }
            // Ignoring a record that changed leaves it out of the summary on both sides.
            let plain = compare(&l, &r, &Options::default()).cache.unwrap();
            let id = plain
                .changed
                .first()
                .map_or_else(|| plain.removed[0].id.clone(), |c| c.record.id.clone());
            let opts = Options {
                ignore: vec![at.child("records").child(id.clone())],
                ..Options::default()
            };
            let got = compare(&l, &r, &opts).cache.unwrap();
            assert_eq!(got.records_left, plain.records_left - 1);
            assert!(got.changed.iter().all(|c| c.record.id != id));
            assert!(got.removed.iter().all(|c| c.id != id));
        }
    }
}
