//! The cache summary's data: what a comparison of two caches found, record by record
//! (computed by [`crate::compare`], read by [`crate::diagnose`] and the renderers).

use crate::Pointer;
use std::collections::BTreeMap;

/// What happened to the results of a record present on both sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase", tag = "change", content = "count")]
pub enum ResultDelta {
    /// The record gained results where it had none.
    Gained(usize),
    /// The record lost all its results.
    Lost(usize),
    /// The results differ.
    Changed(usize),
}

/// A record named by its canonical id and digest.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RecordRef {
    /// Canonical id (the stable key).
    pub id: String,
    /// Cache key digest.
    pub digest: String,
    /// The Dockerfile step that made its result, or what it feeds (see [`crate::steps`]);
    /// absent when nothing can be said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<crate::steps::Step>,
}

/// A record on both sides whose results changed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RecordChange {
    /// The record.
    #[serde(flatten)]
    pub record: RecordRef,
    /// Change to its `layers` results.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layers: Option<ResultDelta>,
    /// Change to its `chains` results.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chains: Option<ResultDelta>,
    /// Every change is `changed` and the results differ only in their `createdAt`: the same
    /// layers, built at another time. Absent when false.
    #[serde(
        rename = "timesOnly",
        default,
        skip_serializing_if = "std::ops::Not::not"
    )]
    pub times_only: bool,
    /// The record's id on the right when it differs (the record was matched by its digest and
    /// inputs: see [`crate::matching`]).
    #[serde(rename = "rightId", skip_serializing_if = "Option::is_none")]
    pub right_id: Option<String>,
    /// Input alternatives gained and lost (one record that changed, not a removal and an
    /// addition).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inputs: Option<InputsDelta>,
}

/// Input alternatives a record gained or lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InputsDelta {
    /// Alternatives only on the right.
    pub gained: usize,
    /// Alternatives only on the left.
    pub lost: usize,
}

/// The cache part of a comparison, in words people can act on.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CacheSummary {
    /// Where the cache sits in the canonical documents.
    pub pointer: Pointer,
    /// Records on the left.
    pub records_left: usize,
    /// Records on the right.
    pub records_right: usize,
    /// Records only on the right.
    pub added: Vec<RecordRef>,
    /// Records only on the left.
    pub removed: Vec<RecordRef>,
    /// Records on both sides whose results changed.
    pub changed: Vec<RecordChange>,
    /// `link` values whose index differs between the sides but which point at the same record:
    /// the renumbering noise that canonicalisation removed.
    pub links_renumbered: usize,
    /// Records on both sides found at a different position.
    pub records_moved: usize,
    /// Records whose canonical id changed only because a record they link to changed (matched by
    /// digest and inputs; not counted as added or removed).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub renamed: usize,
    /// Why some records' steps could not be named (a history shorter than the layers, a result
    /// past the image's layers, a config without history), each with its side.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub step_warnings: Vec<String>,
    /// For each layer-making step of the image: what each cache holds for it (prefix and
    /// independent results), so what a build importing the right cache loses or gains. Empty
    /// without an image to name the layers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub coverage: Vec<crate::steps::CoverageChange>,
    /// The root changes the others follow from (a replaced blob, a step whose own key changed),
    /// each with its consequences ([`crate::roots`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roots: Vec<crate::roots::RootChange>,
    /// Every record that could be named, by id (left side's names first): for renderers that
    /// name the records a change's path points into ([`CacheSummary::step_of`]).
    #[serde(skip)]
    pub steps: BTreeMap<String, crate::steps::Step>,
}

impl CacheSummary {
    /// The step of the record a change's path points into
    /// (`<cache>/records/<id>/…`), when it could be named.
    pub fn step_of(&self, path: &Pointer) -> Option<&crate::steps::Step> {
        let records = self.pointer.child("records");
        if !path.starts_with(&records) {
            return None;
        }
        let id = path.tokens().get(records.tokens().len())?;
        self.steps.get(id)
    }

    /// One phrase: "1 record lost its chains; 1 record added".
    pub fn phrase(&self) -> String {
        let mut parts = Vec::new();
        // (singular, plural) phrasing of what happened to a record's results.
        // Each occurrence once, then counted in key order (a sorted vector rather than a map
        // keyed by pairs: the page links one less map type).
        let mut tally: Vec<(&str, &str)> = Vec::new();
        for c in &self.changed {
            for (field, d) in [("layers", c.layers), ("chains", c.chains)] {
                let key = match (d, field) {
                    (Some(ResultDelta::Changed(_)), "layers") if c.times_only => (
                        "'s layer creation time changed (createdAt)",
                        "' layer creation times changed (createdAt)",
                    ),
                    (Some(ResultDelta::Changed(_)), _) if c.times_only => (
                        "'s chain creation time changed (createdAt)",
                        "' chain creation times changed (createdAt)",
                    ),
                    (Some(ResultDelta::Lost(_)), "layers") => {
                        (" lost its layers", " lost their layers")
                    }
                    (Some(ResultDelta::Lost(_)), _) => (" lost its chains", " lost their chains"),
                    (Some(ResultDelta::Gained(_)), "layers") => {
                        (" gained layers", " gained layers")
                    }
                    (Some(ResultDelta::Gained(_)), _) => (" gained chains", " gained chains"),
                    (Some(ResultDelta::Changed(_)), "layers") => {
                        (" changed its layers", " changed their layers")
                    }
                    (Some(ResultDelta::Changed(_)), _) => {
                        (" changed its chains", " changed their chains")
                    }
                    (None, _) => continue,
                };
                tally.push(key);
            }
        }
        for c in &self.changed {
            let key = match c.inputs {
                Some(InputsDelta { gained: _, lost: 0 }) => {
                    (" gained an input alternative", " gained input alternatives")
                }
                Some(InputsDelta { gained: 0, lost: _ }) => {
                    (" lost an input alternative", " lost input alternatives")
                }
                Some(_) => (
                    " changed its input alternatives",
                    " changed their input alternatives",
                ),
                None => continue,
            };
            tally.push(key);
        }
        tally.sort_unstable();
        for run in tally.chunk_by(|a, b| a == b) {
            let ((one, many), n) = (run[0], run.len());
            parts.push(if n == 1 {
                format!("1 record{one}")
            } else {
                format!("{n} records{many}")
            });
        }
        if !self.added.is_empty() {
            parts.push(if self.added.len() == 1 {
                "1 record added".into()
            } else {
                format!("{} records added", self.added.len())
            });
        }
        if !self.removed.is_empty() {
            parts.push(if self.removed.len() == 1 {
                "1 record removed".into()
            } else {
                format!("{} records removed", self.removed.len())
            });
        }
        if parts.is_empty() {
            parts.push("no record changed".into());
        }
        parts.join("; ")
    }

    /// "3 links renumbered without effect" or None.
    pub fn noise_phrase(&self) -> Option<String> {
        match (self.links_renumbered, self.records_moved) {
            (0, 0) => None,
            (l, m) => Some(format!(
                "{l} link value{} renumbered and {m} record{} moved without effect",
                if l == 1 { "" } else { "s" },
                if m == 1 { "" } else { "s" }
            )),
        }
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}
