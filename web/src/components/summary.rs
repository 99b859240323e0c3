//! Digest attribution (which digests, and whether only the inline cache differs), the areas that
//! changed, the cache summary in words, and the core's notes.

use super::{CopyRequest, digest_with_copy, thousands};
use crate::state::{Compared, Copied, Pane, Shared};
use cachelens_core::{Analysis, CacheSummary, Digest};
use yew::prelude::*;

/// Props of [`Summary`].
#[derive(Debug, Properties, PartialEq)]
pub struct SummaryProps {
    /// The comparison.
    pub compared: Shared<Compared>,
    /// The left pane (its analysis has the digests).
    pub left: Pane,
    /// The right pane.
    pub right: Pane,
    /// The last copy.
    pub copied: Option<Copied>,
    /// Copy buttons.
    pub on_copy: Callback<CopyRequest>,
}

/// One digest with its copy button.
fn digest(key: String, what: String, d: &Digest, props: &SummaryProps) -> Html {
    digest_with_copy(d, key, what, props.copied.clone(), props.on_copy.clone())
}

/// The digests of one side.
fn side_digests(side: &str, a: &Analysis, props: &SummaryProps) -> Html {
    html! {
        <div class="side-digests">
            <h4>{ if side == "left" { "Left" } else { "Right" } }</h4>
            <dl>
                <dt>{ "Exact bytes" }</dt>
                <dd>{ digest(format!("{side}-digest-summary"), format!("{side} digest of the exact bytes"), &a.digest, props) }</dd>
                if let Some(d) = &a.compact_digest {
                    <dt>{ "Compact, as Go writes it" }</dt>
                    <dd>{ digest(format!("{side}-compact"), format!("{side} compact digest"), d, props) }</dd>
                }
                if let Some(d) = &a.without_cache_digest {
                    <dt>{ "Without the inline cache" }</dt>
                    <dd>{ digest(format!("{side}-without-cache"), format!("{side} digest without the inline cache"), d, props) }</dd>
                }
            </dl>
        </div>
    }
}

/// The cache summary: the phrase, then the same lines as the CLI (each record that changed, was
/// added or removed, the counts, the renumbering noise).
fn cache_summary(c: &CacheSummary) -> Html {
    html! {
        <section class="card cache" aria-labelledby="cache-title" data-testid="cache-summary">
            <h3 id="cache-title">{ "Cache" }</h3>
            <p class="phrase">{ super::capitalised(&c.phrase()) }</p>
            <ul class="records">
                { for c.lines().into_iter().map(|line| html! { <li>{ super::capitalised(&line) }</li> }) }
            </ul>
        </section>
    }
}

/// What the digests say, and the cache in words.
#[function_component(Summary)]
pub fn summary(props: &SummaryProps) -> Html {
    let (Some(l), Some(r)) = (props.left.ok(), props.right.ok()) else {
        return Html::default();
    };
    let cmp = &props.compared.comparison;
    let attr = &cmp.attribution;
    let cache_fact = match (&attr.left_without_cache, &attr.right_without_cache) {
        _ if attr.only_cache_differs => Some(html! {
            <p class="fact fact-cache" data-testid="only-cache-differs">
                <strong>{ "Only the inline cache differs." }</strong>
                { " Without moby.buildkit.cache.v0 both configs hash to " }
                <code class="digest">{ attr.left_without_cache.as_ref().map(ToString::to_string).unwrap_or_default() }</code>
                { "." }
            </p>
        }),
        (Some(a), Some(b)) if a != b => Some(html! {
            <p class="fact">
                <strong>{ "Not only the cache:" }</strong>
                { " without moby.buildkit.cache.v0 the two configs still hash differently." }
            </p>
        }),
        _ => None,
    };
    let formatting = attr.formatting_only.then(|| {
        html! {
            <p class="fact">
                <strong>{ "Only the formatting differs:" }</strong>
                { " re-encoded compactly the way Go writes JSON, both sides have the same digest." }
            </p>
        }
    });
    let areas = (!attr.areas.is_empty()).then(|| {
        html! {
            <p class="areas">
                <span class="muted">{ "Changed areas: " }</span>
                { for attr.areas.iter().map(|(a, n)| html! {
                    <span class="area-chip">{ format!("{} ({})", a.as_str(), thousands(*n)) }</span>
                }) }
            </p>
        }
    });
    // The core also says "only the cache differs" as a note; it is stated above already.
    let notes: Vec<&String> = cmp
        .notes
        .iter()
        .filter(|n| !(attr.only_cache_differs && n.starts_with("Without moby.buildkit.cache.v0")))
        .collect();
    html! {
        <div class="summary">
            <section class="card digests" aria-labelledby="digests-title">
                <h3 id="digests-title">{ "Digests" }</h3>
                { cache_fact.unwrap_or_default() }
                { formatting.unwrap_or_default() }
                { areas.unwrap_or_default() }
                <div class="digest-sides">
                    { side_digests("left", l, props) }
                    { side_digests("right", r, props) }
                </div>
                if !notes.is_empty() {
                    <ul class="notes">
                        { for notes.iter().map(|n| html! { <li>{ n.to_string() }</li> }) }
                    </ul>
                }
            </section>
            { cmp.cache.as_ref().map(cache_summary).unwrap_or_default() }
        </div>
    }
}
