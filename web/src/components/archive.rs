//! What an image archive (OCI layout or docker-save tarball, or an OCI layout folder) holds: per
//! image, the manifest and config digests, the last layer's digest, the layer table, and the
//! archive's problems.

use super::{CopyRequest, digest_with_copy, size_text};
use crate::state::{Copied, Shared};
use cachelens_core::Digest;
use cachelens_core::image::{ArchiveKind, Image, ImageSet};
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
                    <dt>{ "Manifest" }</dt>
                    <dd data-testid="manifest-digest">{ digest_cell(img.manifest.as_ref().map(|b| &b.digest), key("manifest"), format!("{side} manifest digest"), props) }</dd>
                </div>
                <div>
                    <dt>{ "Config" }</dt>
                    <dd data-testid="config-digest">{ digest_cell(img.config.as_ref().map(|c| &c.blob.digest), key("config"), format!("{side} config digest"), props) }</dd>
                </div>
            </dl>
            <div class="layer-table-wrap">
                <table class="layer-table" data-testid="layer-table">
                    <caption class="visually-hidden">{ format!("Layers of image {}", i + 1) }</caption>
                    <thead>
                        <tr>
                            <th scope="col">{ "#" }</th>
                            <th scope="col">{ "Digest" }</th>
                            <th scope="col">{ "Size" }</th>
                            <th scope="col">{ "Media type" }</th>
                            <th scope="col">{ "diff_id" }</th>
                            <th scope="col">{ "Chain ID" }</th>
                        </tr>
                    </thead>
                    <tbody>
                        { for img.layers.iter().map(|l| html! {
                            <tr data-testid="layer">
                                <td>{ l.index }</td>
                                <td>{ digest_cell(l.digest.as_ref(), key(&format!("layer{}", l.index)), format!("{side} layer {} digest", l.index), props) }</td>
                                <td>{ l.size.map(size_text).unwrap_or_default() }</td>
                                <td><code>{ l.media_type.clone().unwrap_or_default() }</code></td>
                                <td><code class="digest">{ l.diff_id.as_ref().map(ToString::to_string).unwrap_or_default() }</code></td>
                                <td><code class="digest">{ l.chain_id.as_ref().map(ToString::to_string).unwrap_or_default() }</code></td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            </div>
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
            if set.images.is_empty() {
                <p class="muted">{ "No image found in this archive." }</p>
            }
        </div>
    }
}
