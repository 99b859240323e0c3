//! One input at a glance (what `cachelens show` prints): kind, digests, layers, cache counts.

use crate::canon::CacheForm;
use crate::{Analysis, Digest, Kind};
use serde::Serialize;
use serde_json::Value;

/// A layer as listed by `show`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LayerOverview {
    /// Position (0-based, manifest / rootfs order).
    pub index: usize,
    /// Blob digest (manifests).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// Uncompressed digest (configs' `rootfs.diff_ids`, docker inspect `RootFS.Layers`).
    #[serde(rename = "diffID", skip_serializing_if = "Option::is_none")]
    pub diff_id: Option<String>,
    /// Size in bytes (manifests).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Media type (manifests).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
}

/// Counts over a decoded cache.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CacheOverview {
    /// Where it sits in the canonical document.
    pub pointer: String,
    /// Inline or registry.
    pub form: CacheForm,
    /// Records.
    pub records: usize,
    /// Records with no inputs.
    pub roots: usize,
    /// Records with `layers` results.
    pub with_results: usize,
    /// Records with `chains`.
    pub with_chains: usize,
    /// `link` values.
    pub links: usize,
    /// Layers of a cache config, or diff_ids the inline cache resolved against.
    pub layers: usize,
}

/// One input at a glance.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Overview {
    /// Detected kind.
    pub kind: Kind,
    /// sha256 of the exact bytes.
    pub digest: Digest,
    /// Size in bytes.
    pub size: usize,
    /// Digest of the Go-compact re-encoding, when it differs from the bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compact_digest: Option<Digest>,
    /// Digest without `moby.buildkit.cache.v0`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub without_cache_digest: Option<Digest>,
    /// The image's layers (manifest descriptors, or config diff_ids), in order.
    pub layers: Vec<LayerOverview>,
    /// The last layer, the usual CI cache key.
    pub last_layer: Option<LayerOverview>,
    /// The top layer's chain ID (from a config's diff_ids): it identifies the whole layer
    /// stack, the better cache key. `null` without diff_ids (a manifest holds only blobs).
    #[serde(rename = "chainID")]
    pub chain_id: Option<Digest>,
    /// Whether the last layer is the empty layer (no cache key; see the warning).
    pub last_layer_empty: bool,
    /// For `--metadata-file` output: the build's ref, its root, and the commands that fetch the
    /// index, manifest and config from the build record into a layout `cachelens show` reads.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build: Option<crate::buildx::MetadataPointer>,
    /// Decoded caches.
    pub caches: Vec<CacheOverview>,
    /// For each layer-making step of the image, what its cache holds: prefix results (reusable
    /// when everything before is unchanged) and independent ones (`chains`: reusable on another
    /// base). Empty without an inline cache in an image config.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub coverage: Vec<crate::steps::LayerCoverage>,
    /// Warnings, with where.
    pub warnings: Vec<String>,
}

fn str_of(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(Value::as_str).map(str::to_owned)
}

/// Summarises one analysed input.
pub fn overview(a: &Analysis) -> Overview {
    let mut o = overview_parts(a);
    if o.last_layer_empty {
        let l = o.last_layer.as_ref();
        o.warnings.push(format!(
            "the last layer (layer {}, {}) is an empty layer (an empty tar, diff_id {}, made by a step such as WORKDIR that changes no file): every image ending this way has such a last layer, so as a cache key it says nothing; {}",
            l.map_or(0, |l| l.index),
            l.and_then(|l| l.digest.as_deref().or(l.diff_id.as_deref()))
                .unwrap_or("?"),
            crate::digest::EMPTY_LAYER_DIFF_ID,
            o.chain_id.as_ref().map_or_else(
                || "use the top layer's chain ID instead (computed from the config's rootfs.diff_ids: cachelens show CONFIG)".to_owned(),
                |c| format!("use the top layer's chain ID {c} instead")
            )
        ));
    }
    o
}

/// [`overview`] without the empty-last-layer warning (an archive's reader gives its own, once).
pub(crate) fn overview_parts(a: &Analysis) -> Overview {
    let doc = &a.original;
    let layers: Vec<LayerOverview> = match a.kind {
        Kind::ImageManifest | Kind::CacheManifest => doc
            .get("layers")
            .and_then(Value::as_array)
            .map(|ls| {
                ls.iter()
                    .enumerate()
                    .map(|(index, l)| LayerOverview {
                        index,
                        digest: str_of(l, "digest"),
                        diff_id: l
                            .get("annotations")
                            .and_then(|x| x.get("containerd.io/uncompressed"))
                            .and_then(Value::as_str)
                            .map(str::to_owned),
                        size: l.get("size").and_then(Value::as_u64),
                        media_type: str_of(l, "mediaType"),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        Kind::ImageConfig => diff_ids(doc.get("rootfs").and_then(|r| r.get("diff_ids"))),
        Kind::DockerInspect => diff_ids(
            doc.get(0)
                .and_then(|i| i.get("RootFS"))
                .and_then(|r| r.get("Layers")),
        ),
        _ => Vec::new(),
    };
    let caches = a
        .caches
        .iter()
        .map(|c| CacheOverview {
            pointer: c.pointer.to_string(),
            form: c.form,
            records: c.graph.records.len(),
            roots: c
                .graph
                .records
                .iter()
                .filter(|r| r.inputs.iter().all(Vec::is_empty))
                .count(),
            with_results: c
                .graph
                .records
                .iter()
                .filter(|r| !r.results.is_empty())
                .count(),
            with_chains: c
                .graph
                .records
                .iter()
                .filter(|r| !r.chains.is_empty())
                .count(),
            links: c
                .graph
                .records
                .iter()
                .map(|r| r.inputs.iter().map(Vec::len).sum::<usize>())
                .sum(),
            layers: c.layers,
        })
        .collect();
    let ids: Option<Vec<Digest>> = layers
        .iter()
        .map(|l| l.diff_id.as_deref().and_then(Digest::parse))
        .collect();
    let chain_id = match a.kind {
        Kind::ImageConfig | Kind::DockerInspect => ids
            .filter(|i| !i.is_empty())
            .and_then(|i| crate::digest::chain_ids(&i).pop()),
        _ => None,
    };
    let last_layer_empty = layers.last().is_some_and(|l| {
        l.digest.as_deref() == Some(crate::digest::EMPTY_LAYER)
            || l.diff_id.as_deref() == Some(crate::digest::EMPTY_LAYER_DIFF_ID)
    });
    let warnings: Vec<String> = a.warnings.iter().map(ToString::to_string).collect();
    let build = (a.kind == Kind::BuildxMetadata).then(|| crate::buildx::metadata(doc));
    let coverage = a
        .caches
        .first()
        .and_then(|c| {
            let facts = c
                .pointer
                .split_last()
                .and_then(|(parent, _)| {
                    parent
                        .tokens()
                        .iter()
                        .try_fold(a.outline(), |cur, t| cur.get(t))
                })
                .and_then(crate::steps::ImageFacts::from_doc)
                .or_else(|| a.image_facts.clone());
            crate::steps::coverage(&c.graph, facts.as_ref())
        })
        .unwrap_or_default();
    Overview {
        kind: a.kind,
        digest: a.digest.clone(),
        size: a.size,
        compact_digest: a.compact_digest.clone(),
        without_cache_digest: a.without_cache_digest.clone(),
        last_layer: layers.last().cloned(),
        layers,
        chain_id,
        last_layer_empty,
        build,
        caches,
        coverage,
        warnings,
    }
}

fn diff_ids(v: Option<&Value>) -> Vec<LayerOverview> {
    v.and_then(Value::as_array)
        .map(|ids| {
            ids.iter()
                .enumerate()
                .map(|(index, d)| LayerOverview {
                    index,
                    digest: None,
                    diff_id: d.as_str().map(str::to_owned),
                    size: None,
                    media_type: None,
                })
                .collect()
        })
        .unwrap_or_default()
}

impl Overview {
    /// Text for people.
    pub fn to_text(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        let _ = writeln!(out, "kind:    {} ({})", self.kind, self.kind.describe());
        let _ = writeln!(out, "digest:  {}", self.digest);
        let _ = writeln!(out, "size:    {} bytes", self.size);
        if let Some(d) = &self.compact_digest {
            let _ = writeln!(
                out,
                "compact: {d} (re-encoded the way Go writes JSON: the registry's digest)"
            );
        }
        if let Some(d) = &self.without_cache_digest {
            let _ = writeln!(out, "without moby.buildkit.cache.v0: {d}");
        }
        if !self.layers.is_empty() {
            let _ = writeln!(out, "layers:  {}", self.layers.len());
            for l in &self.layers {
                let id = l.digest.as_deref().or(l.diff_id.as_deref()).unwrap_or("?");
                let size = l.size.map(|s| format!("  {s} bytes")).unwrap_or_default();
                let _ = writeln!(out, "  {:>3}  {id}{size}", l.index);
            }
        }
        if let Some(l) = &self.last_layer {
            let id = l.digest.as_deref().or(l.diff_id.as_deref()).unwrap_or("?");
            let _ = writeln!(out, "last layer: {id}");
        }
        if let Some(c) = &self.chain_id {
            let _ = writeln!(
                out,
                "chain ID:   {c}  (the whole layer stack: the better cache key)"
            );
        }
        if let Some(b) = &self.build {
            build_text(&mut out, b);
        }
        for c in &self.caches {
            let _ = writeln!(
                out,
                "cache:   {} form at {}: {} ({}, {} with layers, {} with chains), {}",
                match c.form {
                    CacheForm::Inline => "inline",
                    CacheForm::Registry => "registry",
                },
                if c.pointer.is_empty() {
                    "the root"
                } else {
                    c.pointer.as_str()
                },
                crate::words::count(c.records as u64, "record", "records"),
                crate::words::count(c.roots as u64, "root", "roots"),
                c.with_results,
                c.with_chains,
                crate::words::count(c.links as u64, "link", "links")
            );
        }
        if !self.coverage.is_empty() {
            let count = |f: fn(&crate::steps::Held) -> bool| {
                self.coverage.iter().filter(|c| f(&c.held)).count()
            };
            let _ = writeln!(
                out,
                "coverage: {} layer-making steps: {} held as prefix results (reusable when every step before is unchanged), {} independently (chains: reusable on a new base), {} missing",
                self.coverage.len(),
                count(|h| h.prefix),
                count(|h| h.independent),
                count(|h| !h.prefix && !h.independent)
            );
            for c in &self.coverage {
                let mark = |b: bool| if b { "✓" } else { "·" };
                let _ = writeln!(
                    out,
                    "  {:>3}  prefix {}  independent {}  {}",
                    c.layer,
                    mark(c.held.prefix),
                    mark(c.held.independent),
                    c.step.as_deref().unwrap_or("(step not known)")
                );
            }
        }
        for w in &self.warnings {
            let _ = writeln!(out, "warning: {w}");
        }
        out
    }
}

fn build_text(out: &mut String, b: &crate::buildx::MetadataPointer) {
    use std::fmt::Write as _;
    if let Some(r) = &b.build_ref {
        let _ = writeln!(
            out,
            "build:   {r} (ref {} for docker buildx history)",
            b.reference.as_deref().unwrap_or("?")
        );
    }
    if let Some(root) = &b.root {
        let what = if root.media_type.is_empty() {
            "the result".to_owned()
        } else if root.is_index() {
            format!("an image index, {}", root.media_type)
        } else {
            format!("an image manifest, {}", root.media_type)
        };
        let _ = writeln!(
            out,
            "root:    {} ({what}, {} bytes)",
            root.digest, root.size
        );
    }
    if let Some(c) = &b.config_digest {
        let _ = writeln!(out, "config:  {c}");
    }
    if let Some(n) = &b.image_name {
        let _ = writeln!(out, "name:    {n}");
    }
    if b.commands.is_empty() {
        let _ = writeln!(
            out,
            "This metadata names no build ref and root descriptor (buildx 0.13 or later writes buildx.build.ref), so cachelens cannot say how to fetch the build's manifest and config."
        );
        return;
    }
    let _ = writeln!(
        out,
        "The image is not here: fetch its index, manifest and config from the build record (no push, no load, no layer moved; on the machine that built, buildx 0.20 or later), then read them:"
    );
    for c in &b.commands {
        let _ = writeln!(out, "  {c}");
    }
    let _ = writeln!(
        out,
        "Or export the whole record (buildx 0.23 or later) and give it to cachelens: docker buildx history export {} -o build.dockerbuild",
        b.reference.as_deref().unwrap_or("REF")
    );
}
