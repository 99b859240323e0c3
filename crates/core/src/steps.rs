//! Cache records named by the Dockerfile steps that made them.
//!
//! In an inline cache a result `layers: [{layer: i}]` is the image's layers `0..=i`, and
//! `chains: [{layers: [...]}]` lists image layer indexes; image layer `i` was made by the `i`-th
//! `history` entry without `empty_layer` (BuildKit's importer pairs them the same way:
//! `cache/remotecache/import.go`, `parseCreatedLayerInfo`). So a record with a result is named by
//! the step that made its last layer. A cache config's layers are blobs: they are named by matching
//! them to the layers of an image of the same build when one is at hand (its manifest gives the
//! blobs, its config the steps), else by their position in the chain. A record without a result is
//! named by a record it feeds ("an input of `COPY …`"), else by its short digest. Nothing is
//! guessed: what cannot be known is said plainly.
//!
//! The JSON shape of a [`Step`] (`text`, `layer`, `diffID`, `blob`, `found`) is part of the
//! `diff --format json` contract.

use crate::canon::CacheForm;
use crate::graph::CacheGraph;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap, VecDeque};

/// How a record's step was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Found {
    /// From the image config's `history`, by the layer the record's result ends with.
    History,
    /// A cache config's layer blob matched to a layer of an image of the same build.
    ImageLayer,
    /// A cache config's layer with no image at hand: only its position in the chain is known.
    ChainPosition,
    /// A record without a result, named by a record it feeds.
    Feeds,
}

/// The Dockerfile step (or what can be said instead) that made a record's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    /// What a person reads: the step's `created_by` (`COPY /app /bin/app # buildkit`), or
    /// `an input of <step>`, or `layer 3 of the chain (no image at hand to name its step)`.
    pub text: String,
    /// The image layer (0-based) the result ends with, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<usize>,
    /// That layer's diff_id, when known.
    #[serde(rename = "diffID", skip_serializing_if = "Option::is_none")]
    pub diff_id: Option<String>,
    /// That layer's blob digest, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blob: Option<String>,
    /// How it was found.
    pub found: Found,
}

impl Step {
    /// The step for a line of text, with `extra` in its parentheses: "`COPY …` (layer 1; record
    /// x)", "an input of `COPY …` (layer 1; record x)".
    pub fn label(&self, extra: &str) -> String {
        let mut inner: Vec<String> = Vec::new();
        if let Some(l) = self.layer {
            inner.push(format!("layer {l}"));
        }
        if !extra.is_empty() {
            inner.push(extra.to_owned());
        }
        let paren = if inner.is_empty() {
            String::new()
        } else {
            format!(" ({})", inner.join("; "))
        };
        match self.found {
            Found::Feeds | Found::ChainPosition => format!("{}{paren}", self.text),
            _ => format!("`{}`{paren}", self.text),
        }
    }
}

/// One layer of an image, as far as it is known.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageLayer {
    /// Its `rootfs.diff_ids` entry.
    pub diff_id: Option<String>,
    /// Its blob digest (from a manifest).
    pub blob: Option<String>,
    /// The `created_by` of the history entry that made it.
    pub step: Option<String>,
}

/// What an image says about its layers: enough to name the steps of a cache's results.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageFacts {
    /// Layers in order.
    pub layers: Vec<ImageLayer>,
    /// Problems pairing history and layers (said, never guessed around).
    pub warnings: Vec<String>,
}

impl ImageFacts {
    /// From a document holding an image config's fields (`history`, `rootfs.diff_ids`) and,
    /// for a document built from an archive, the manifest's `layers` descriptors.
    pub fn from_doc(doc: &Value) -> Option<ImageFacts> {
        let diff_ids: Vec<Option<String>> = doc
            .get("rootfs")
            .and_then(|r| r.get("diff_ids"))
            .and_then(Value::as_array)
            .map(|a| a.iter().map(|d| d.as_str().map(str::to_owned)).collect())
            .unwrap_or_default();
        let history = doc.get("history").and_then(Value::as_array);
        let blobs: Vec<Option<String>> = doc
            .get("layers")
            .and_then(Value::as_array)
            .filter(|ls| ls.iter().all(|l| l.get("digest").is_some()))
            .map(|ls| {
                ls.iter()
                    .map(|l| l.get("digest").and_then(Value::as_str).map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        if diff_ids.is_empty() && history.is_none() && blobs.is_empty() {
            return None;
        }
        let mut facts = ImageFacts::default();
        let steps: Vec<String> = match history {
            Some(h) => h
                .iter()
                .filter(|e| {
                    !e.get("empty_layer")
                        .and_then(Value::as_bool)
                        .unwrap_or(false)
                })
                .map(|e| {
                    // An imported base (`docker import`) has only a comment.
                    e.get("created_by")
                        .or_else(|| e.get("comment"))
                        .and_then(Value::as_str)
                        .unwrap_or("(a history entry without created_by)")
                        .trim()
                        .to_owned()
                })
                .collect(),
            None if !diff_ids.is_empty() => {
                facts.warnings.push(
                    "the image config has no history: the steps that made its layers cannot be named"
                        .into(),
                );
                Vec::new()
            }
            None => Vec::new(),
        };
        // The same text for two layers: said, and told apart by the layer index.
        let mut first: HashMap<&str, usize> = HashMap::new();
        for (i, t) in steps.iter().enumerate() {
            if let Some(j) = first.get(t.as_str()) {
                facts.warnings.push(format!(
                    "layers {j} and {i} were made by steps with the same text `{t}`: they are told apart by their layer index"
                ));
            } else {
                first.insert(t.as_str(), i);
            }
        }
        let n = diff_ids.len().max(blobs.len());
        if history.is_some() && steps.len() != n {
            facts.warnings.push(format!(
                "the image config's history has {} entries that make a layer but the image has {n} layers: steps are named for the first {}, by position, as BuildKit pairs them",
                steps.len(),
                steps.len().min(n)
            ));
        }
        for i in 0..n {
            facts.layers.push(ImageLayer {
                diff_id: diff_ids.get(i).cloned().flatten(),
                blob: blobs.get(i).cloned().flatten(),
                step: steps.get(i).cloned(),
            });
        }
        Some(facts)
    }

    /// Adds what another document says: a manifest's blobs, or a config's diff_ids and steps.
    pub fn merge(&mut self, other: ImageFacts) {
        if self.layers.is_empty() {
            *self = other;
            return;
        }
        for (mine, theirs) in self.layers.iter_mut().zip(other.layers) {
            mine.diff_id = mine.diff_id.take().or(theirs.diff_id);
            mine.blob = mine.blob.take().or(theirs.blob);
            mine.step = mine.step.take().or(theirs.step);
        }
        self.warnings.extend(other.warnings);
    }
}

/// The step that made each layer of a cache, when an image of the same build names it: a side
/// table indexed like [`CacheGraph::layers`]. An inline cache's layers are the image's layers by
/// position (named by its history); a cache config's layers are matched to the image's layers
/// by blob.
pub fn layer_steps(g: &CacheGraph, facts: Option<&ImageFacts>) -> Vec<Option<Step>> {
    let Some(f) = facts else {
        return vec![None; g.layers.len()];
    };
    let by_blob: HashMap<&str, usize> = f
        .layers
        .iter()
        .enumerate()
        .filter_map(|(i, l)| Some((l.blob.as_deref()?, i)))
        .collect();
    g.layers
        .iter()
        .map(|l| match g.form {
            CacheForm::Inline => {
                let i = usize::try_from(l.index?).ok()?;
                let made = f.layers.get(i)?;
                Some(Step {
                    text: made.step.clone()?,
                    layer: Some(i),
                    diff_id: l.diff_id.clone().or_else(|| made.diff_id.clone()),
                    blob: made.blob.clone(),
                    found: Found::History,
                })
            }
            CacheForm::Registry => {
                let blob = l.blob.as_deref()?;
                let i = by_blob.get(blob).copied()?;
                let made = f.layers.get(i)?;
                Some(Step {
                    text: made.step.clone()?,
                    layer: Some(i),
                    diff_id: made.diff_id.clone(),
                    blob: Some(blob.to_owned()),
                    found: Found::ImageLayer,
                })
            }
        })
        .collect()
}

/// Names every record of a canonical cache (`records`: id → record) that can be named: the
/// canonical document read back as a graph, then [`name_graph`].
pub fn name_records(
    records: &Map<String, Value>,
    form: CacheForm,
    facts: Option<&ImageFacts>,
) -> (BTreeMap<String, Step>, Vec<String>) {
    name_graph(&CacheGraph::from_canonical(records, None, form), facts)
}

/// Names every record of a cache that can be named. `facts` is the image the cache belongs to
/// (an inline cache's config; for a cache config, an image of the same build given beside it).
/// Returns the steps by record id and warnings.
pub fn name_graph(
    g: &CacheGraph,
    facts: Option<&ImageFacts>,
) -> (BTreeMap<String, Step>, Vec<String>) {
    let mut warnings: Vec<String> = facts.map(|f| f.warnings.clone()).unwrap_or_default();
    let made = layer_steps(g, facts);
    let mut past_end: Vec<&str> = Vec::new();
    // The step of each record, by its index (the map by id is built once, at the end).
    let mut names: Names = Names::new(g);
    for (i, r) in g.in_order() {
        // The first result that names a layer: prefix results first, then chains.
        let end = r
            .results
            .iter()
            .chain(&r.chains)
            .find_map(|res| Some((*res.layers.last()?, g.result_end(res)?.0)));
        let Some((last, pos)) = end else { continue };
        let step = match (g.form, facts) {
            (CacheForm::Inline, Some(f)) => pos.and_then(|i| {
                if f.layers.get(i).is_none() {
                    past_end.push(r.id.as_str());
                    return None;
                }
                made[last].clone()
            }),
            (CacheForm::Registry, f) => made[last].clone().or_else(|| {
                pos.map(|p| Step {
                    text: format!(
                        "layer {p} of its chain ({})",
                        if f.is_some() {
                            "its blob is not among the image's layers: its step is not known"
                        } else {
                            "no image of this build at hand to name its step"
                        }
                    ),
                    layer: None,
                    diff_id: None,
                    blob: g.layers[last].blob.clone(),
                    found: Found::ChainPosition,
                })
            }),
            (CacheForm::Inline, None) => None,
        };
        names.steps[i] = step;
    }
    if !past_end.is_empty() {
        let shown: Vec<&str> = past_end.iter().take(5).copied().collect();
        warnings.push(format!(
            "{} past the image's {} layers: not named (record {}{})",
            crate::words::count(
                past_end.len() as u64,
                "cache result names a layer",
                "cache results name layers"
            ),
            facts.map_or(0, |f| f.layers.len()),
            shown.join(", record "),
            if past_end.len() > shown.len() {
                ", …"
            } else {
                ""
            }
        ));
    }
    names.feeds(g);
    (names.into_map(g), warnings)
}

/// The steps of a graph's records while they are found, by name slot: slot `i` is record `i`
/// (named by its id); a link names its target by [`crate::graph::CacheRecord::link_id`], so a
/// target whose link id is another record's id (a `:2` duplicate) shares that record's slot,
/// and a link id no record has (a dangling target) gets a slot of its own past the records.
struct Names<'g> {
    steps: Vec<Option<Step>>,
    /// The link ids of the slots past the records.
    extra: Vec<&'g str>,
}

impl<'g> Names<'g> {
    fn new(g: &CacheGraph) -> Self {
        Names {
            steps: vec![None; g.records.len()],
            extra: Vec::new(),
        }
    }

    /// Records without a step are named by the nearest record they feed that has one: one
    /// breadth-first pass from every named record back along its inputs (linear in the graph).
    fn feeds(&mut self, g: &'g CacheGraph) {
        let n = g.records.len();
        // Each record's slot as a link target: itself when its link id is its id and it is a
        // record of the graph; else the slot of that link id.
        let mut unresolved: Vec<usize> = Vec::new();
        let mut slot: Vec<usize> = (0..n)
            .map(|t| {
                let r = &g.records[t];
                let id = r.link_id();
                if !r.dangling && id.len() == r.id.len() {
                    return t;
                }
                g.index_of(id).unwrap_or_else(|| {
                    unresolved.push(t);
                    usize::MAX
                })
            })
            .collect();
        // Link ids no record has: one slot each, shared by the targets of that id.
        unresolved.sort_by_cached_key(|&t| g.records[t].link_id().as_bytes().to_vec());
        for &t in &unresolved {
            let id = g.records[t].link_id();
            if self.extra.last() != Some(&id) {
                self.extra.push(id);
            }
            slot[t] = n + self.extra.len() - 1;
        }
        self.steps.resize(n + self.extra.len(), None);
        // Sources: records named by a result's step (positions in a chain name nothing here),
        // in id order so that ties go to the smallest id. Each queued slot carries its source.
        let mut queue: VecDeque<(usize, usize)> = g
            .order
            .iter()
            .filter(|&&i| {
                self.steps[i]
                    .as_ref()
                    .is_some_and(|s| s.found != Found::ChainPosition)
            })
            .map(|&i| (i, i))
            .collect();
        while let Some((at, source)) = queue.pop_front() {
            // Only a record of the graph has inputs to follow.
            let Some(r) = g.records.get(at).filter(|r| !r.dangling) else {
                continue;
            };
            // In any order: every slot named from here gets the same source's step.
            for x in r.inputs.iter().flatten() {
                let t = &g.records[x.record];
                if t.dangling && t.id.is_empty() {
                    continue;
                }
                let input = slot[x.record];
                if self.steps[input].is_some() {
                    continue;
                }
                let from = self.steps[source].as_ref();
                self.steps[input] = from.map(|s| Step {
                    text: format!("an input of `{}`", s.text),
                    layer: s.layer,
                    diff_id: None,
                    blob: None,
                    found: Found::Feeds,
                });
                queue.push_back((input, source));
            }
        }
    }

    /// The steps by id.
    fn into_map(self, g: &'g CacheGraph) -> BTreeMap<String, Step> {
        let Names { steps, extra } = self;
        let mut out = BTreeMap::new();
        for (slot, step) in steps.into_iter().enumerate() {
            if let Some(s) = step {
                let key = g
                    .records
                    .get(slot)
                    .map_or_else(|| extra[slot - g.records.len()], |r| r.id.as_str());
                out.insert(key.to_owned(), s);
            }
        }
        out
    }
}

/// The record id a line of a pretty-printed canonical document opens (`  "f4b773b655af-718677ddaccc": {`),
/// for views that label records with their steps.
pub fn record_key_of_line(line: &str) -> Option<&str> {
    let t = line.trim_start().strip_prefix('"')?;
    let (key, rest) = t.split_once('"')?;
    if !rest.trim_start().starts_with(':') {
        return None;
    }
    let (id, dup) = key
        .split_once(':')
        .map_or((key, None), |(a, b)| (a, Some(b)));
    let ok = id.len() == 25
        && id.as_bytes()[12] == b'-'
        && id
            .bytes()
            .enumerate()
            .all(|(i, b)| i == 12 || b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && dup.is_none_or(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()));
    ok.then_some(key)
}

/// What a cache holds for one layer-making step of its image.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Held {
    /// A prefix result (`layers`) ends with this layer: reusable when every step before it is
    /// unchanged.
    pub prefix: bool,
    /// An independent result (`chains`) ends with this layer: reusable even on another base
    /// (what `COPY --link` is for).
    pub independent: bool,
}

impl Held {
    /// `prefix and independent`, `prefix`, `independent` or `missing`.
    pub fn word(self) -> &'static str {
        match (self.prefix, self.independent) {
            (true, true) => "prefix and independent",
            (true, false) => "prefix",
            (false, true) => "independent",
            (false, false) => "missing",
        }
    }
}

/// One layer-making step and what the cache holds for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LayerCoverage {
    /// The image layer (0-based).
    pub layer: usize,
    /// The step that made it, when the history says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// Its diff_id.
    #[serde(rename = "diffID", skip_serializing_if = "Option::is_none")]
    pub diff_id: Option<String>,
    /// What the cache holds for it.
    pub held: Held,
}

/// For each layer of the image, what a cache holds: the results that end with that layer, by
/// kind. `None` without an image to say what the layers are.
pub fn coverage(g: &CacheGraph, facts: Option<&ImageFacts>) -> Option<Vec<LayerCoverage>> {
    let facts = facts.filter(|f| !f.layers.is_empty())?;
    let by_blob: HashMap<&str, usize> = facts
        .layers
        .iter()
        .enumerate()
        .filter_map(|(i, l)| Some((l.blob.as_deref()?, i)))
        .collect();
    let mut held = vec![Held::default(); facts.layers.len()];
    for (_, r) in g.in_order() {
        for (lists, independent) in [(&r.results, false), (&r.chains, true)] {
            for res in lists {
                let Some((pos, digest)) = g.result_end(res) else {
                    continue;
                };
                let at = match g.form {
                    CacheForm::Inline => pos,
                    CacheForm::Registry => digest.and_then(|b| by_blob.get(b).copied()),
                };
                if let Some(h) = at.and_then(|i| held.get_mut(i)) {
                    if independent {
                        h.independent = true;
                    } else {
                        h.prefix = true;
                    }
                }
            }
        }
    }
    Some(
        facts
            .layers
            .iter()
            .zip(held)
            .enumerate()
            .map(|(layer, (l, held))| LayerCoverage {
                layer,
                step: l.step.clone(),
                diff_id: l.diff_id.clone(),
                held,
            })
            .collect(),
    )
}

/// The coverage of two caches side by side: for each layer, what each holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CoverageChange {
    /// The image layer (of the right image; the left one when only it is known).
    pub layer: usize,
    /// The step that made it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// What the left cache holds for it.
    pub left: Held,
    /// What the right cache holds for it.
    pub right: Held,
}

impl CoverageChange {
    /// What a build importing the right cache loses or gains here, in words (`None`: the same).
    pub fn meaning(&self) -> Option<String> {
        let (l, r) = (self.left, self.right);
        let mut parts = Vec::new();
        if l.independent && !r.independent {
            parts.push("loses the independent result: on a new base image this step runs again instead of its layer being reused");
        }
        if !l.independent && r.independent {
            parts.push("gains an independent result: reusable on a new base image");
        }
        if l.prefix && !r.prefix {
            parts.push(
                "loses the prefix result: this step runs again unless the local cache has it",
            );
        }
        if !l.prefix && r.prefix {
            parts.push("gains a prefix result");
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}

/// Pairs two coverages layer by layer (layers of the same step position).
pub fn coverage_changes(left: &[LayerCoverage], right: &[LayerCoverage]) -> Vec<CoverageChange> {
    let n = left.len().max(right.len());
    (0..n)
        .map(|i| {
            let (l, r) = (left.get(i), right.get(i));
            CoverageChange {
                layer: i,
                step: r.or(l).and_then(|c| c.step.clone()),
                left: l.map(|c| c.held).unwrap_or_default(),
                right: r.map(|c| c.held).unwrap_or_default(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn doc(s: &str) -> Value {
        serde_json::from_str(s).unwrap_or(Value::Null)
    }

    #[test]
    fn record_key_lines_are_recognised() {
        assert_eq!(
            record_key_of_line(r#"    "f4b773b655af-718677ddaccc": {"#),
            Some("f4b773b655af-718677ddaccc")
        );
        assert_eq!(
            record_key_of_line(r#"  "f4b773b655af-718677ddaccc:10": {"#),
            Some("f4b773b655af-718677ddaccc:10")
        );
        assert_eq!(record_key_of_line(r#"  "digest": "sha256:ab""#), None);
        assert_eq!(
            record_key_of_line(r#"  "link": "f4b773b655af-718677ddaccc""#),
            None
        );
    }

    #[test]
    fn history_pairs_with_layers_skipping_empty_ones() {
        let f = ImageFacts::from_doc(&doc(
            r#"{"rootfs":{"diff_ids":["sha256:a","sha256:b"]},"history":[{"created_by":"FROM x"},{"created_by":"LABEL a=b","empty_layer":true},{"created_by":"COPY app /app"}]}"#,
        ))
        .unwrap_or_default();
        assert_eq!(f.layers[1].step.as_deref(), Some("COPY app /app"));
        assert!(f.warnings.is_empty(), "{:?}", f.warnings);
    }

    #[test]
    fn duplicate_steps_are_said() {
        let f = ImageFacts::from_doc(&doc(
            r#"{"rootfs":{"diff_ids":["sha256:a","sha256:b"]},"history":[{"created_by":"RUN make"},{"created_by":"RUN make"}]}"#,
        ))
        .unwrap_or_default();
        assert!(
            f.warnings[0]
                .contains("layers 0 and 1 were made by steps with the same text `RUN make`"),
            "{:?}",
            f.warnings
        );
    }

    #[test]
    fn a_short_history_or_none_is_said() {
        let f = ImageFacts::from_doc(&doc(
            r#"{"rootfs":{"diff_ids":["sha256:a","sha256:b"]},"history":[{"created_by":"FROM x"}]}"#,
        ))
        .unwrap_or_default();
        assert_eq!(f.layers[1].step, None);
        assert!(
            f.warnings[0]
                .contains("history has 1 entries that make a layer but the image has 2 layers")
        );
        let f = ImageFacts::from_doc(&doc(r#"{"rootfs":{"diff_ids":["sha256:a"]}}"#))
            .unwrap_or_default();
        assert!(f.warnings[0].contains("no history"));
    }

    #[test]
    fn records_are_named_by_their_last_layer_or_what_they_feed() {
        let f = ImageFacts::from_doc(&doc(
            r#"{"rootfs":{"diff_ids":["sha256:a","sha256:b"]},"history":[{"created_by":"FROM x"},{"created_by":"COPY app /app"}]}"#,
        ))
        .unwrap_or_default();
        let records = doc(r#"{"r1":{"digest":"sha256:1"},
                "r2":{"digest":"sha256:2","inputs":[[{"link":"r1"}]],"layers":[{"layers":[{"diffID":"sha256:a","index":0},{"diffID":"sha256:b","index":1}]}]},
                "r3":{"digest":"sha256:3","chains":[{"layers":[{"diffID":"sha256:b","index":7}]}]}}"#);
        let (steps, warnings) = name_records(
            records.as_object().unwrap_or(&Map::new()),
            CacheForm::Inline,
            Some(&f),
        );
        assert_eq!(steps["r2"].text, "COPY app /app");
        assert_eq!(steps["r2"].layer, Some(1));
        assert_eq!(steps["r1"].text, "an input of `COPY app /app`");
        assert_eq!(steps["r1"].found, Found::Feeds);
        assert!(!steps.contains_key("r3"));
        assert!(
            warnings[0].contains(
                "1 cache result names a layer past the image's 2 layers: not named (record r3)"
            ),
            "{warnings:?}"
        );
    }

    /// The naming by id as it was written before it went by index (a reference for the test
    /// below): a link names its target by the target's link id, looked up by string.
    #[cfg(not(target_arch = "wasm32"))]
    fn feeds_by_id(g: &CacheGraph, steps: &mut BTreeMap<String, Step>) {
        let mut queue: VecDeque<(String, Step)> = steps
            .iter()
            .filter(|(_, s)| s.found != Found::ChainPosition)
            .map(|(id, s)| (id.clone(), s.clone()))
            .collect();
        let mut named: BTreeMap<String, Step> = BTreeMap::new();
        let mut inputs: Vec<&str> = Vec::new();
        while let Some((id, source)) = queue.pop_front() {
            let Some(r) = g.get(&id) else { continue };
            inputs.clear();
            inputs.extend(g.links(r));
            inputs.sort();
            inputs.dedup();
            for &input in &inputs {
                if steps.contains_key(input) || named.contains_key(input) {
                    continue;
                }
                let step = Step {
                    text: format!("an input of `{}`", source.text),
                    layer: source.layer,
                    diff_id: None,
                    blob: None,
                    found: Found::Feeds,
                };
                named.insert(input.to_owned(), step);
                queue.push_back((input.to_owned(), source.clone()));
            }
        }
        steps.extend(named);
    }

    #[cfg(not(target_arch = "wasm32"))]
    mod props {
        use super::*;
        use proptest::prelude::*;

        const IDS: &[&str] = &["a", "b", "c", "d", "a:2", "b:2", "b:3", "e:2"];
        // Links to ids no record has (a dangling target), to a duplicate's own id, and none.
        const LINKS: &[&str] = &["a", "b", "c", "d", "e", "zz", "b:2", ""];

        proptest! {
            #[test]
            fn records_are_named_as_by_their_ids(
                records in prop::collection::btree_map(
                    prop::sample::select(IDS),
                    (
                        prop::collection::vec(
                            prop::collection::vec(prop::sample::select(LINKS), 0..3),
                            0..3,
                        ),
                        0usize..4,
                    ),
                    0..8,
                ),
            ) {
                let facts = ImageFacts::from_doc(&crate::json::parse(
                    r#"{"rootfs":{"diff_ids":["sha256:a","sha256:b"]},"history":[{"created_by":"FROM x"},{"created_by":"COPY app /app"}]}"#,
                ).unwrap()).unwrap_or_default();
                let mut doc = Map::new();
                for (id, (inputs, result)) in &records {
                    let inputs: Vec<Value> = inputs
                        .iter()
                        .map(|alts| {
                            Value::Array(
                                alts.iter()
                                    .map(|l| if l.is_empty() {
                                        serde_json::json!({"selector": "s"})
                                    } else {
                                        serde_json::json!({"link": l})
                                    })
                                    .collect(),
                            )
                        })
                        .collect();
                    let mut r = serde_json::json!({"digest": format!("sha256:{id}"), "inputs": inputs});
                    // A result ending with layer 0 or 1 (or past the image, or none).
                    if *result < 3 {
                        r["layers"] = serde_json::json!([{"layers": [{"diffID": "sha256:a", "index": result}]}]);
                    }
                    doc.insert((*id).to_owned(), r);
                }
                for form in [CacheForm::Inline, CacheForm::Registry] {
                    let g = CacheGraph::from_canonical(&doc, None, form);
                    let (steps, _) = name_graph(&g, Some(&facts));
                    let mut want: BTreeMap<String, Step> = steps
                        .iter()
                        .filter(|(_, s)| s.found != Found::Feeds)
                        .map(|(k, s)| (k.clone(), s.clone()))
                        .collect();
                    feeds_by_id(&g, &mut want);
                    prop_assert_eq!(&steps, &want);
                }
            }
        }
    }
}
