//! Known causes: patterns in a comparison that match a known BuildKit behaviour, each named by a
//! stable id with one sentence, its evidence, the upstream issues, what it means for the next
//! build and the remedy where one exists. No pattern, no diagnosis.
//!
//! Ids (stable; part of the `diff --format json` contract, field `diagnoses`):
//! `renumbering-only`, `inline-results-vanished`, `registry-results-lost`, `timestamps-only`,
//! `base-image-moved`, `buildinfo-moved`.

use crate::summary::{CacheSummary, RecordChange, ResultDelta};
use crate::{Analysis, Kind};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// An upstream issue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Upstream {
    /// `moby/buildkit#3009`.
    pub name: String,
    /// Its address.
    pub url: String,
}

fn buildkit(n: u32) -> Upstream {
    Upstream {
        name: format!("moby/buildkit#{n}"),
        url: format!("https://github.com/moby/buildkit/issues/{n}"),
    }
}

/// One known cause, recognised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Diagnosis {
    /// Stable id.
    #[serde(deserialize_with = "crate::error::wire::interned")]
    pub id: crate::error::wire::Word,
    /// What happened, in one sentence.
    pub summary: String,
    /// What shows it: records (by step), fields, digests.
    pub evidence: Vec<String>,
    /// What it means for a build that imports the right side's cache.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_build: Option<String>,
    /// What to do, when something helps; `None` when no remedy is known (the summary says so).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remedy: Option<String>,
    /// Upstream issues.
    pub upstream: Vec<Upstream>,
}

/// The facts of a comparison the patterns look at.
#[derive(Debug)]
pub(crate) struct Facts<'a> {
    pub left: &'a Analysis,
    pub right: &'a Analysis,
    pub changes: usize,
    pub cache: Option<&'a CacheSummary>,
    pub only_cache_differs: bool,
    pub times_only: bool,
    pub cache_ignored: bool,
}

const KEEP_CACHE_OUT: &str = "keep the cache out of the image config: export it with --cache-to type=registry,ref=IMAGE:cache,mode=max (and import it with --cache-from type=registry,ref=IMAGE:cache) instead of --cache-to type=inline; the image config then no longer changes with the cache";

fn record_label(c: &RecordChange) -> String {
    let r = &c.record;
    match &r.step {
        Some(s) => s.label(&format!("record {}", r.id)),
        None => format!("record {}", r.id),
    }
}

fn lost_what(c: &RecordChange) -> Vec<&'static str> {
    let mut out = Vec::new();
    if matches!(c.layers, Some(ResultDelta::Lost(_))) {
        out.push("layers");
    }
    if matches!(c.chains, Some(ResultDelta::Lost(_))) {
        out.push("chains");
    }
    out
}

/// Only losses: records that lost results (or were removed), nothing gained or added.
fn only_losses(c: &CacheSummary) -> bool {
    !c.changed.is_empty()
        && c.added.is_empty()
        && c.changed.iter().all(|r| {
            [r.layers, r.chains]
                .iter()
                .all(|d| matches!(d, None | Some(ResultDelta::Lost(_))))
        })
}

/// What losing these results costs a build that imports the right side's cache.
fn next_build_after_losses(c: &CacheSummary) -> String {
    let mut parts = Vec::new();
    let named = |what: &str| -> Vec<String> {
        c.changed
            .iter()
            .filter(|r| lost_what(r).contains(&what))
            .map(|r| {
                r.record
                    .step
                    .as_ref()
                    .map_or_else(|| format!("record {}", r.record.id), |s| s.label(""))
            })
            .collect()
    };
    let (chains, layers) = (named("chains"), named("layers"));
    if !chains.is_empty() {
        let one = chains.len() == 1;
        parts.push(format!(
            "the independent {} of {} {} gone: on the same base image nothing is lost (every step is still answered from the prefix results), but on a new base image {} again, with the stage it copies from when only the final stage's base changed, instead of {} old layer being reused (rebased), and {} a new digest (measured with BuildKit v0.13 and v0.25: tests/fixtures/real-buildkit/link-rebase/)",
            if one { "result (chains)" } else { "results (chains)" },
            chains.join(", "),
            if one { "is" } else { "are" },
            if one { "that step runs" } else { "those steps run" },
            if one { "its" } else { "their" },
            if one { "its layer gets" } else { "their layers get" },
        ));
    }
    if !layers.is_empty() {
        parts.push(format!(
            "the prefix result (layers) of {} is gone: a build importing this cache runs that step again unless its own local cache still holds it",
            layers.join(", ")
        ));
    }
    let mut s = parts.join("; ");
    if let Some(first) = s.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    s.push('.');
    s
}

/// Leading layers made by the base image: history entries that make a layer and were not
/// written by this build's frontend (`comment: buildkit.dockerfile.v0`).
fn base_layers(config: &Value) -> Option<Vec<String>> {
    let history = config.get("history")?.as_array()?;
    let ids = config.get("rootfs")?.get("diff_ids")?.as_array()?;
    let n = history
        .iter()
        .filter(|h| {
            !h.get("empty_layer")
                .and_then(Value::as_bool)
                .unwrap_or(false)
        })
        .take_while(|h| h.get("comment").and_then(Value::as_str) != Some("buildkit.dockerfile.v0"))
        .count();
    Some(
        ids.iter()
            .take(n)
            .filter_map(|d| d.as_str().map(str::to_owned))
            .collect(),
    )
}

/// The sources (`ref` → `pin`) of `moby.buildkit.buildinfo.v1` (base64 of JSON), when readable.
fn buildinfo_sources(config: &Value) -> Option<Vec<(String, String)>> {
    use base64::Engine as _;
    let raw = config.get("moby.buildkit.buildinfo.v1")?.as_str()?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(raw.as_bytes())
        .ok()?;
    let v: Value = serde_json::from_slice(&bytes).ok()?;
    Some(
        v.get("sources")?
            .as_array()?
            .iter()
            .filter_map(|s| {
                Some((
                    s.get("ref")?.as_str()?.to_owned(),
                    s.get("pin")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned(),
                ))
            })
            .collect(),
    )
}

/// The diagnoses that fit a comparison.
pub(crate) fn diagnose(f: &Facts<'_>) -> Vec<Diagnosis> {
    let mut out = Vec::new();
    let configs = f.left.kind == Kind::ImageConfig && f.right.kind == Kind::ImageConfig;
    let cache_configs = f.left.kind == Kind::CacheConfig && f.right.kind == Kind::CacheConfig;
    if let Some(c) = f.cache
        && !f.cache_ignored
    {
        let renumbered = c.links_renumbered > 0 || c.records_moved > 0;
        if f.changes == 0 && renumbered {
            let inline = configs || f.left.kind == Kind::InlineCache;
            out.push(Diagnosis {
                id: "renumbering-only",
                summary: "Only record numbering differs: BuildKit sorts records that tie unstably, so the same cache can be written with other link numbers and record order (still so in BuildKit v0.25).".into(),
                evidence: vec![c.noise_phrase().unwrap_or_default()],
                next_build: Some("Nothing: a build importing either cache finds the same records and results.".into()),
                remedy: Some(if inline {
                    format!("In an image config this changes the config digest for nothing: {KEEP_CACHE_OUT}.")
                } else {
                    "Harmless: only the cache's own digest changes, no image does.".into()
                }),
                upstream: vec![buildkit(1876), buildkit(3188)],
            });
        }
        if configs && f.only_cache_differs && only_losses(c) {
            let digest = f
                .left
                .without_cache_digest
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default();
            out.push(Diagnosis {
                id: "inline-results-vanished",
                summary: format!(
                    "Results vanished from the inline cache while the image stayed the same (without moby.buildkit.cache.v0 both configs hash to {digest}): BuildKit exports an inline cache that drops results between rebuilds of the same inputs."
                ),
                evidence: c
                    .changed
                    .iter()
                    .map(|r| format!("{} lost its {}", record_label(r), lost_what(r).join(" and ")))
                    .collect(),
                next_build: Some(next_build_after_losses(c)),
                remedy: Some(format!("To keep such rebuilds reproducible, {KEEP_CACHE_OUT}.")),
                upstream: vec![buildkit(3009)],
            });
        }
        if cache_configs && only_losses(c) {
            out.push(Diagnosis {
                id: "registry-results-lost",
                summary: "Results were lost from the registry cache between the two exports; no upstream remedy is known.".into(),
                evidence: c
                    .changed
                    .iter()
                    .map(|r| format!("{} lost its {}", record_label(r), lost_what(r).join(" and ")))
                    .collect(),
                next_build: Some(next_build_after_losses(c)),
                remedy: None,
                upstream: vec![buildkit(3009)],
            });
        }
    }
    if f.times_only {
        out.push(Diagnosis {
            id: "timestamps-only",
            summary: "Only timestamps differ (created, history[].created, the cache's createdAt): each build stamps its own time.".into(),
            evidence: vec![format!("{} changes, all of them times", f.changes)],
            next_build: None,
            remedy: Some("Build with SOURCE_DATE_EPOCH set (e.g. to the last commit's time) and export with rewrite-timestamp=true (--output type=image,rewrite-timestamp=true; BuildKit v0.13 and later); to compare the rest now, ignore timestamps (--ignore-timestamps).".into()),
            upstream: Vec::new(),
        });
    }
    if configs
        && let (Some(l), Some(r)) = (
            base_layers(&f.left.original),
            base_layers(&f.right.original),
        )
        && l != r
        && !(l.is_empty() && r.is_empty())
    {
        out.push(Diagnosis {
            id: "base-image-moved",
            summary: "The base image moved: the layers that come before this build's own steps differ.".into(),
            evidence: vec![
                format!("left base layers: {}", if l.is_empty() { "none".into() } else { l.join(", ") }),
                format!("right base layers: {}", if r.is_empty() { "none".into() } else { r.join(", ") }),
            ],
            next_build: Some("Every step built on the base runs again unless its result is independent of it (COPY --link).".into()),
            remedy: Some("Pin the base image by digest (FROM image@sha256:…) to rebuild on the same one.".into()),
            upstream: Vec::new(),
        });
    }
    if configs
        && let (Some(l), Some(r)) = (
            buildinfo_sources(&f.left.original),
            buildinfo_sources(&f.right.original),
        )
        && l != r
    {
        let moved: Vec<String> = r
            .iter()
            .filter(|s| !l.contains(s))
            .map(|(reference, pin)| format!("{reference} now {pin}"))
            .collect();
        out.push(Diagnosis {
            id: "buildinfo-moved",
            summary: "moby.buildkit.buildinfo.v1 differs: a base image or source digest moved (BuildKit 0.10 and 0.11 record their sources in the config).".into(),
            evidence: moved,
            next_build: None,
            remedy: Some("Pin the sources by digest to rebuild from the same ones.".into()),
            upstream: Vec::new(),
        });
    }
    out
}
