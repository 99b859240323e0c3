//! What an image archive (OCI layout or docker-save tarball, or an OCI layout folder) holds: per
//! image, the manifest and config digests, the last layer's digest and the chain ID, the layer
//! table; BuildKit cache exports; build records (`.dockerbuild`) with what to fetch next; and the
//! archive's problems.

use super::{CopyRequest, digest_with_copy, size_text};
use crate::state::{Copied, Shared};
use cachelens_core::Digest;
use cachelens_core::buildx::BuildRecord;
use cachelens_core::image::{ArchiveKind, CacheExport, Image, ImageSet, Status};
use std::rc::Rc;
use yew::prelude::*;

/// Props of [`ArchiveView`].
#[derive(Debug, Properties, PartialEq)]
pub struct ArchiveProps {
    /// `left` or `right`.
    pub side: AttrValue,
    /// The archive as read.
    pub archive: Shared<Result<ImageSet, Rc<str>>>,
    /// The last copy.
    pub copied: Option<Copied>,
    /// Copies a digest.
    pub on_copy: Callback<CopyRequest>,
}

fn digest_cell(d: Option<&Digest>, key: String, what: String, props: &ArchiveProps) -> Html {
    match d {
        Some(d) => digest_with_copy(d, key, what, props.copied.clone(), props.on_copy.clone()),
        None => html! { <span class="muted">{ "—" }</span> },
    }
}

/// The image's `org.opencontainers.image.ref.name` beside its number: a tag (", tag 1") or a
/// whole reference (", ref docker.io/library/app:1"), never in parentheses that read as a count.
pub fn ref_label(r: &str) -> String {
    if r.contains(['/', ':', '@']) {
        format!(", ref {r}")
    } else {
        format!(", tag {r}")
    }
}

fn image_view(i: usize, img: &Image, props: &ArchiveProps) -> Html {
    let side = props.side.as_str();
    let key = |what: &str| format!("{side}-img{i}-{what}");
    let last = img.last_layer.as_ref().and_then(|l| l.digest.as_ref());
    let absent = img
        .layers
        .iter()
        .filter(|l| l.check.digest == Status::Absent)
        .count();
    html! {
        <div class="archive-image" data-testid="archive-image">
            <h3>{ format!("Image {}: {}", i + 1, img.platform) }
                if let Some(r) = &img.ref_name { <span class="muted" data-testid="image-ref">{ ref_label(r) }</span> }
            </h3>
            <dl class="facts">
                <div>
                    <dt>{ "Last layer" }</dt>
                    <dd class="last-layer" data-testid="last-layer-digest">
                        { digest_cell(last, key("last"), format!("{side} last layer digest"), props) }
                    </dd>
                </div>
                <div>
                    <dt>{ "Chain ID (cache key)" }</dt>
                    <dd class="last-layer" data-testid="chain-id">
                        if img.chain_id.is_some() {
                            { digest_cell(img.chain_id.as_ref(), key("chain"), format!("{side} top chain ID"), props) }
                        } else {
                            <span class="muted">{ "not known: it needs the config's diff_ids" }</span>
                        }
                    </dd>
                </div>
                <div>
                    <dt>{ "Manifest" }</dt>
                    <dd data-testid="manifest-digest">{ digest_cell(img.manifest.as_ref().map(|b| &b.digest), key("manifest"), format!("{side} manifest digest"), props) }</dd>
                </div>
                <div>
                    <dt>{ "Config" }</dt>
                    <dd data-testid="config-digest">{ digest_cell(img.config.as_ref().map(|c| &c.blob.digest), key("config"), format!("{side} config digest"), props) }</dd>
                </div>
            </dl>
            if img.last_layer_empty {
                <p class="warning" data-testid="empty-last-layer">
                    { "The last layer is an empty layer (an empty tar, from a step such as WORKDIR): every image ending this way has it, so its digest says nothing as a cache key. Use the chain ID, which identifies the whole layer stack." }
                </p>
            } else if img.chain_id.is_some() {
                <p class="muted">{ "The chain ID identifies every layer and their order; the last layer's digest only the top one. Prefer the chain ID as a CI cache key." }</p>
            }
            if absent > 0 {
                <p class="muted" data-testid="absent-layers">
                    { format!("{absent} of {} layer blobs not present (not needed to read the image).", img.layers.len()) }
                </p>
            }
            <div
                class="layer-list-wrap"
                role="region"
                tabindex="0"
                aria-label={format!("{} pane, image {}: {}", if side == "left" { "Left" } else { "Right" }, i + 1, super::plural(img.layers.len(), "layer", "layers"))}
            >
                <ol class="layer-list" data-testid="layer-table" start="0">
                    { for img.layers.iter().map(|l| {
                        let n = l.index;
                        html! {
                            <li class="layer" data-testid="layer">
                                <p class="layer-head">
                                    <strong>{ format!("Layer {n}") }</strong>
                                    { l.size.map(|z| format!(" · {}", size_text(z))).unwrap_or_default() }
                                    if let Some(m) = &l.media_type {
                                        { " · " }<code class="media-type">{ m.clone() }</code>
                                    }
                                    if l.check.digest == Status::Absent {
                                        <span class="muted">{ " · blob not present" }</span>
                                    }
                                </p>
                                <dl class="layer-digests">
                                    <div>
                                        <dt>{ "Digest" }</dt>
                                        <dd>{ digest_cell(l.digest.as_ref(), key(&format!("layer{n}")), format!("{side} layer {n} digest"), props) }</dd>
                                    </div>
                                    <div>
                                        <dt>{ "diff_id" }</dt>
                                        <dd data-testid="layer-diff-id">{ digest_cell(l.diff_id.as_ref(), key(&format!("diff{n}")), format!("{side} layer {n} diff_id"), props) }</dd>
                                    </div>
                                    <div>
                                        <dt>{ "Chain ID" }</dt>
                                        <dd data-testid="layer-chain-id">{ digest_cell(l.chain_id.as_ref(), key(&format!("chain{n}")), format!("{side} layer {n} chain ID"), props) }</dd>
                                    </div>
                                </dl>
                            </li>
                        }
                    }) }
                </ol>
            </div>
        </div>
    }
}

fn cache_view(i: usize, c: &CacheExport, props: &ArchiveProps) -> Html {
    let side = props.side.as_str();
    let key = |what: &str| format!("{side}-cache{i}-{what}");
    let form = if c.form == "index" {
        "an index listing the layers and the cache config (BuildKit before v0.21)"
    } else {
        "an image manifest whose config is the cache config (BuildKit v0.21 and later)"
    };
    html! {
        <div class="archive-image" data-testid="cache-export">
            <h3>{ "BuildKit cache export" }
                if let Some(r) = &c.ref_name { <span class="muted">{ format!(", tag {r}") }</span> }
            </h3>
            <p class="muted">{ format!("Written by --cache-to type=local: {form}. It compares as its cache config, also with the same cache from a registry.") }</p>
            <dl class="facts">
                <div>
                    <dt>{ "Cache config" }</dt>
                    <dd data-testid="cache-config-digest">{ digest_cell(Some(&c.config.digest), key("config"), format!("{side} cache config digest"), props) }</dd>
                </div>
                { for c.caches.iter().map(|o| html! {
                    <div>
                        <dt>{ "Records" }</dt>
                        <dd data-testid="cache-records">{ format!("{} records ({} with layers, {} with chains), {} layers", o.records, o.with_results, o.with_chains, o.layers) }</dd>
                    </div>
                }) }
                <div>
                    <dt>{ "Layer blobs" }</dt>
                    <dd>{ format!("{} ({} present)", c.layers.len(), c.layers.iter().filter(|l| l.check.digest != Status::Absent).count()) }</dd>
                </div>
            </dl>
        </div>
    }
}

fn build_view(i: usize, b: &BuildRecord, props: &ArchiveProps) -> Html {
    let side = props.side.as_str();
    let key = |what: &str| format!("{side}-build{i}-{what}");
    let fact = |k: &str, v: String| html! { <div><dt>{ k.to_owned() }</dt><dd>{ v }</dd></div> };
    html! {
        <div class="archive-image" data-testid="build-record">
            <h3>{ format!("Build record {}", b.reference) }<span class="muted">{ format!(" ({})", b.status) }</span></h3>
            <dl class="facts">
                { b.target.clone().map(|t| fact("Target", t)).unwrap_or_default() }
                { b.name.clone().map(|t| fact("Name", t)).unwrap_or_default() }
                { b.created_at.clone().map(|t| fact("Started", t)).unwrap_or_default() }
                { b.completed_at.clone().map(|t| fact("Completed", t)).unwrap_or_default() }
                { fact("Steps", format!("{} ({} cached)", b.steps.total, b.steps.cached)) }
                { for b.build_args.iter().map(|(k, v)| fact("Build arg", format!("{k}={v}"))) }
                { for b.exporters.iter().map(|e| fact("Exporter", format!("{} {}", e.kind, e.attrs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",")))) }
                { for b.materials.iter().map(|m| fact("Material", format!("{} {}", m.uri, m.digests.join(" ")))) }
            </dl>
            { for b.results.iter().enumerate().map(|(j, r)| html! {
                <div class="build-result" data-testid="build-result">
                    <h4>{ format!("Result {}: {}", r.key, if r.root.is_index() { "an image index" } else { "an image manifest" }) }</h4>
                    <dl class="facts">
                        <div>
                            <dt>{ "Root" }</dt>
                            <dd data-testid="result-root">{ digest_cell(Some(&r.root.digest), key(&format!("root{j}")), format!("{side} result root digest"), props) }</dd>
                        </div>
                        if let Some(l) = r.layers.last() {
                            <div>
                                <dt>{ "Last layer" }</dt>
                                <dd data-testid="last-layer-digest">{ digest_cell(Some(&l.digest), key(&format!("last{j}")), format!("{side} last layer digest"), props) }</dd>
                            </div>
                            <div>
                                <dt>{ "Chain ID" }</dt>
                                <dd class="muted">{ "not known: the config (its diff_ids) is not in the file" }</dd>
                            </div>
                        }
                    </dl>
                    if !r.layers.is_empty() {
                        <ol class="build-layers" start="0">
                            { for r.layers.iter().map(|l| html! { <li><code class="digest">{ l.digest.to_string() }</code>{ format!(" {}", size_text(l.size)) }</li> }) }
                        </ol>
                    }
                    if r.root.is_index() {
                        <p data-testid="index-root">{ "The root is an image index: this file holds no image manifest or config (buildx keeps only the root)." }</p>
                        <ul>
                            { for r.manifests.iter().map(|m| html! { <li><code class="digest">{ m.descriptor.digest.to_string() }</code>{ format!(" {}", m.platform) }</li> }) }
                        </ul>
                    }
                    <p>{ "To read the last layer, diff_ids and chain ID without pulling a layer, fetch the rest from the build record where it was built (buildx 0.20 or later), then open the folder here:" }</p>
                    <pre class="commands" data-testid="fetch-commands">{ r.commands.join("\n") }</pre>
                </div>
            }) }
        </div>
    }
}

/// The contents of an image archive.
#[function_component(ArchiveView)]
pub fn archive_view(props: &ArchiveProps) -> Html {
    let set = match &*props.archive {
        Ok(set) => set,
        Err(message) => {
            return html! { <p class="error" data-testid="error" role="alert">{ message.to_string() }</p> };
        }
    };
    let (what, entries) = match set.kind {
        ArchiveKind::OciLayout | ArchiveKind::DockerDirectory => {
            ("an image layout folder", "files")
        }
        ArchiveKind::OciArchive | ArchiveKind::DockerArchive => ("an image archive", "entries"),
        ArchiveKind::Dockerbuild => (
            "a build record export (docker buildx history export)",
            "entries",
        ),
    };
    let (what, entries) = if set.images.is_empty() && !set.caches.is_empty() {
        ("a BuildKit cache export", entries)
    } else {
        (what, entries)
    };
    html! {
        <div class="archive" data-testid={format!("{}-archive", props.side)}>
            <dl class="facts">
                <div>
                    <dt>{ "Kind" }</dt>
                    <dd data-testid={format!("{}-kind", props.side)}>{ format!("{what} ({})", set.kind) }</dd>
                </div>
                <div>
                    <dt>{ "Size" }</dt>
                    <dd>{ format!("{}, {} {entries}", size_text(set.size), set.entries) }</dd>
                </div>
            </dl>
            if !set.problems.is_empty() || !set.warnings.is_empty() {
                <ul class="warnings">
                    { for set.problems.iter().map(|p| html! { <li class="error" data-testid="archive-problem">{ p.to_string() }</li> }) }
                    { for set.warnings.iter().map(|w| html! { <li class="warning" data-testid="warning">{ w.to_string() }</li> }) }
                </ul>
            }
            { for set.images.iter().enumerate().map(|(i, img)| image_view(i, img, props)) }
            { for set.caches.iter().enumerate().map(|(i, c)| cache_view(i, c, props)) }
            { for set.builds.iter().enumerate().map(|(i, b)| build_view(i, b, props)) }
            if set.images.is_empty() && set.caches.is_empty() && set.builds.is_empty() {
                <p class="muted">{ "No image found in this archive." }</p>
            }
        </div>
    }
}
