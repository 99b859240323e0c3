//! The share panel (a link, a bundle file, a Markdown bug report, what redaction hides, and for a
//! long link the changes-only link, the cache-only link and the bundle with their sizes), the
//! banner of a diff opened from a link or bundle, and the read-only view of a changes-only link.

use super::{CopyRequest, plural, size_text};
use crate::state::sharing::{
    AlternativesOut, BUNDLE_NAME, Opened, OpenedChanges, ShareOut, ShareSettings, Source,
};
use crate::state::{Action, Copied, Shared};
use cachelens_core::redact::Sensitive;
use cachelens_core::share::{LINK_MAX_BYTES, LINK_WARN_BYTES, LinkSize};
use std::rc::Rc;
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// Props of [`SharePanel`].
#[derive(Debug, Properties, PartialEq)]
pub struct SharePanelProps {
    /// The link and report, when made.
    pub share: Option<Shared<ShareOut>>,
    /// Why the comparison cannot be shared as asked (instead of the link).
    pub problem: Option<Rc<str>>,
    /// The inputs are large and the link is made on request.
    pub due: bool,
    /// The comparison is of two image archives: the link carries the documents built from them.
    pub archives: bool,
    /// Redaction and cache-only choices.
    pub settings: ShareSettings,
    /// The last copy, for the buttons' confirmation.
    pub copied: Option<Copied>,
    /// Copies text.
    pub on_copy: Callback<CopyRequest>,
    /// Dispatches share actions.
    pub on_action: Callback<Action>,
    /// Downloads the bundle file.
    pub on_download: Callback<()>,
}

/// A copy button with its own label ("Copy link"), confirming "Copied".
fn copy_button(
    key: &'static str,
    label: &'static str,
    text: &Rc<str>,
    props: &SharePanelProps,
) -> Html {
    let status = props
        .copied
        .as_ref()
        .filter(|c| &*c.key == key)
        .map(|c| c.ok);
    let request = CopyRequest {
        key: Rc::from(key),
        text: text.clone(),
    };
    let onclick = props.on_copy.reform(move |_: MouseEvent| request.clone());
    let shown = match status {
        Some(true) => "Copied",
        Some(false) => "Copy failed: select the text below",
        None => label,
    };
    html! {
        <button type="button" class="button primary" data-testid={key} {onclick}>
            { shown }
            if status.is_some() {
                <span class="visually-hidden" role="status">{ shown }</span>
            }
        </button>
    }
}

fn sensitive_list(side: &str, found: &[Sensitive]) -> Html {
    if found.is_empty() {
        return html! { <li>{ format!("{side}: none found.") }</li> };
    }
    let keys: Vec<&str> = found.iter().map(|s| s.key.as_str()).collect();
    html! {
        <li>
            <details>
                <summary>{ format!("{side}: {} ({})", plural(found.len(), "value", "values"), keys.join(", ")) }</summary>
                <ul class="pointers">
                    { for found.iter().map(|s| html! {
                        <li>
                            <span class="muted">{ match s.kind { "env" => "env ", "build" => "build ", _ => "label " } }</span>
                            <code>{ s.key.clone() }</code>
                            <span class="muted">{ " at " }</span>
                            <code>{ s.pointer.to_string() }</code>
                        </li>
                    }) }
                </ul>
            </details>
        </li>
    }
}

/// The "Share" section: privacy choices, the link and its size, alternatives for long links, and
/// the Markdown report.
#[function_component(SharePanel)]
pub fn share_panel(props: &SharePanelProps) -> Html {
    let act = &props.on_action;
    if let (None, Some(problem)) = (&props.share, &props.problem) {
        // Cannot be shared as asked: say why, and offer to undo the choice that asked it.
        let on_cache_only = act.reform(|e: Event| {
            Action::SetShareCacheOnly(e.target_unchecked_into::<HtmlInputElement>().checked())
        });
        return html! {
            <section class="share" aria-labelledby="share-title" data-testid="share">
                <h2 id="share-title">{ "Share this diff" }</h2>
                <p class="error" data-testid="share-problem" role="alert">
                    { format!("This diff cannot be shared as asked: {problem}.") }
                </p>
                if props.settings.cache_only {
                    <label class="check">
                        <input
                            type="checkbox"
                            data-testid="share-cache-only"
                            checked=true
                            onchange={on_cache_only}
                        />
                        { "Share only the decoded cache of each side" }
                    </label>
                }
            </section>
        };
    }
    let Some(out) = &props.share else {
        let body = if props.due {
            let onclick = act.reform(|_: MouseEvent| Action::MakeShareLink);
            html! {
                <p>
                    { "These inputs are large; making their link takes a moment. " }
                    <button type="button" class="button" data-testid="make-share-link" {onclick}>{ "Make the share link" }</button>
                </p>
            }
        } else {
            html! {}
        };
        return html! {
            if props.due {
                <section class="share" aria-labelledby="share-title">
                    <h2 id="share-title">{ "Share" }</h2>
                    { body }
                </section>
            }
        };
    };
    let found = out.sensitive[0].len() + out.sensitive[1].len();
    let redact_text = redact_label(&out.sensitive);
    let on_redact = act.reform(|e: Event| {
        Action::SetShareRedact(e.target_unchecked_into::<HtmlInputElement>().checked())
    });
    let on_cache_only = act.reform(|e: Event| {
        Action::SetShareCacheOnly(e.target_unchecked_into::<HtmlInputElement>().checked())
    });
    let on_download = props.on_download.reform(|_: MouseEvent| ());
    let len = size_text(out.link.len() as u64);
    let size_note = match out.size {
        LinkSize::Fine => html! {
            <span class="link-size" data-size="fine">{ format!("{len}: fine to paste anywhere.") }</span>
        },
        LinkSize::Long => html! {
            <span class="link-size warn" data-size="long">
                { format!("{len}: longer than {}, so chat tools may cut it. It opens in a browser; or use an alternative below.", size_text(LINK_WARN_BYTES as u64)) }
            </span>
        },
        LinkSize::TooLong => html! {
            <span class="link-size too-long" data-size="too-long">
                { format!("{len}: longer than {}, so browsers refuse it. Use an alternative below.", size_text(LINK_MAX_BYTES as u64)) }
            </span>
        },
    };
    let long = out.size != LinkSize::Fine || props.settings.cache_only;
    let markdown_rows = out.markdown.lines().count().clamp(4, 14) as u32;
    html! {
        <section class="share" aria-labelledby="share-title" data-testid="share">
            <h2 id="share-title">{ "Share this diff" }</h2>
            <p class="muted">
                { "The link holds both inputs and the options in its fragment (after #), which browsers never send to a server: whoever opens it sees this exact diff, computed in their browser." }
            </p>
            if props.archives {
                <p class="muted" data-testid="share-archives">
                    { "For image archives the link carries what was compared: each archive's manifest, config and cache as one small document, with the archive's name and manifest digest (never a layer, which is never read)." }
                </p>
            }
            <div class="share-privacy">
                if found == 0 {
                    <p data-testid="share-redact-none">{ "No environment variables or labels to redact: the link carries the documents as they are." }</p>
                } else {
                    <label class="check">
                        <input
                            type="checkbox"
                            data-testid="share-redact"
                            checked={props.settings.redact}
                            onchange={on_redact}
                        />
                        { redact_text }
                    </label>
                    <p class="muted small">
                        { "On by default. Keys are kept; each value is replaced by <redacted> in the link. Redacting changes the shared documents, so their digests change: the link carries the original digests so a reader can check they are looking at your data." }
                    </p>
                }
                <ul class="sensitive">
                    { sensitive_list("Left", &out.sensitive[0]) }
                    { sensitive_list("Right", &out.sensitive[1]) }
                </ul>
            </div>
            <div class="share-link-row">
                { copy_button("copy-link", "Copy link", &out.link, props) }
                { link_field("share-link", "Share link", &out.link) }
            </div>
            <p data-testid="share-link-size">{ size_note }</p>
            if let Some(alt) = &out.alternatives {
                { alternatives(alt, props) }
            }
            if long {
                <div class="share-alternatives" data-testid="share-alternatives">
                    <p><strong>{ "Alternatives for a long link:" }</strong></p>
                    <ol>
                        <li>
                            <label class="check">
                                <input
                                    type="checkbox"
                                    data-testid="share-cache-only"
                                    checked={props.settings.cache_only}
                                    disabled={!out.cache_only_available}
                                    onchange={on_cache_only}
                                />
                                { "Share only the decoded cache of each side (much shorter; the rest of the configs is left out)" }
                            </label>
                            if !out.cache_only_available {
                                <span class="muted">{ " (not both inputs have a cache)" }</span>
                            }
                        </li>
                        <li>{ "Download a bundle file (below) and attach it: opening it on this page (drop or choose it on either pane) restores the diff." }</li>
                    </ol>
                </div>
            }
            <p>
                <button type="button" class="button" data-testid="share-download" onclick={on_download}>
                    { format!("Download {BUNDLE_NAME}") }
                </button>
                <span class="muted">{ format!(" {}; made in this page, nothing is uploaded.", size_text(out.bundle.len() as u64)) }</span>
            </p>
            <div class="share-markdown-row">
                { copy_button("copy-markdown", "Copy as Markdown", &out.markdown, props) }
                <span class="muted">{ " A bug report for a GitHub issue: both original digests, the verdict, the changes and the link." }</span>
            </div>
            <label class="visually-hidden" for="share-markdown">{ "Markdown report" }</label>
            <textarea
                id="share-markdown"
                class="share-markdown"
                readonly=true
                rows={markdown_rows.to_string()}
                data-testid="share-markdown"
                value={AttrValue::from(out.markdown.clone())}
            />
        </section>
    }
}

/// For a link over 8,192 bytes: the changes-only link and the cache-only link, each with a copy
/// button and its size, and the bundle's size.
fn alternatives(alt: &AlternativesOut, props: &SharePanelProps) -> Html {
    let size = |n: usize| size_text(n as u64);
    html! {
        <div class="share-smaller" data-testid="share-smaller">
            <p><strong>{ format!("This link is over {}: chat tools may cut it. Smaller ways to share this diff:", size(LINK_WARN_BYTES)) }</strong></p>
            <ul>
                <li data-testid="share-changes-only" data-link={AttrValue::from(alt.changes_link.clone())}>
                    { copy_button("copy-changes-link", "Copy changes-only link", &alt.changes_link, props) }
                    <span data-testid="share-changes-only-size">{ format!(" {}", size(alt.changes_link.len())) }</span>
                    <span class="muted">{ ": the changes, both digests and the diagnosis, without the inputs (opens read-only)." }</span>
                </li>
                <li data-testid="share-cache-only-link" data-link={alt.cache_only_link.clone().map(AttrValue::from)}>
                    if let Some(link) = &alt.cache_only_link {
                        { copy_button("copy-cache-link", "Copy cache-only link", link, props) }
                        <span data-testid="share-cache-only-size">{ format!(" {}", size(link.len())) }</span>
                        <span class="muted">{ ": only each side's decoded build cache." }</span>
                    } else {
                        <span class="muted">{ "No cache-only link: not both inputs have a build cache." }</span>
                    }
                </li>
                <li data-testid="share-bundle-size">
                    { format!("The bundle file (Download, below): {}.", size(alt.bundle_bytes)) }
                </li>
            </ul>
        </div>
    }
}

/// Props of [`ChangesOnlyView`].
#[derive(Debug, Properties, PartialEq)]
pub struct ChangesOnlyProps {
    /// What the changes-only link holds.
    pub changes: Shared<OpenedChanges>,
}

/// A changes-only link, opened: read-only, the headline, both sides' names, kinds and digests,
/// the changes and the diagnosis.
#[function_component(ChangesOnlyView)]
pub fn changes_only_view(props: &ChangesOnlyProps) -> Html {
    let c = &props.changes;
    let side = |label: &str, s: &cachelens_core::share::ChangedSide| {
        html! {
            <div>
                <dt>{ format!("{} ({}, {})", capital(label), s.name, s.kind) }</dt>
                <dd><code class="digest" data-testid={format!("changes-only-{label}-digest")}>{ s.digest.clone() }</code></dd>
            </div>
        }
    };
    html! {
        <section class="opened changes-only" data-testid="changes-only" aria-label="Opened from a changes-only share link">
            <p class="opened-title"><strong>{ "Opened from a changes-only share link" }</strong>
                <span class="muted">{ " (read-only: the link holds the changes, not the inputs)" }</span>
            </p>
            <p class="verdict" data-testid="changes-only-headline" data-verdict={c.verdict.clone()}><strong>{ c.headline.clone() }</strong></p>
            <dl class="facts">
                { side("left", &c.left) }
                { side("right", &c.right) }
            </dl>
            <p>{ plural(c.changes.len(), "change", "changes") }</p>
            <ul class="changes" data-testid="changes-only-changes">
                { for c.changes.iter().map(|ch| html! {
                    <li><code>{ format!("{} {}", cachelens_core::report::sign(ch.op), ch.path) }</code></li>
                }) }
            </ul>
            if !c.diagnoses.is_empty() {
                <ul class="diagnoses" data-testid="changes-only-diagnoses">
                    { for c.diagnoses.iter().map(|d| html! { <li>{ d.summary.clone() }</li> }) }
                </ul>
            }
        </section>
    }
}

/// Props of [`OpenedBanner`].
#[derive(Debug, Properties, PartialEq)]
pub struct OpenedProps {
    /// What the link or bundle said.
    pub opened: Shared<Opened>,
    /// The digests of what the panes hold now (left, right).
    pub seen: [Option<String>; 2],
}

/// "Redact the values of 3 environment variables and 1 label" (only the kinds found).
pub fn redact_label(sensitive: &[Vec<Sensitive>]) -> String {
    let count = |kind: &str| {
        sensitive
            .iter()
            .flatten()
            .filter(|s| s.kind == kind)
            .count()
    };
    let mut what = Vec::new();
    let (envs, labels) = (count("env"), count("label"));
    if envs > 0 {
        what.push(plural(
            envs,
            "environment variable",
            "environment variables",
        ));
    }
    if labels > 0 {
        what.push(plural(labels, "label", "labels"));
    }
    format!("Redact the values of {}", what.join(" and "))
}

/// "Opened from a share link": per side, what was redacted and whether the digests match.
#[function_component(OpenedBanner)]
pub fn opened_banner(props: &OpenedProps) -> Html {
    let o = &props.opened;
    let title = match &o.source {
        Source::Link => "Opened from a share link".to_owned(),
        Source::Bundle(name) => format!("Opened from a share bundle ({name})"),
    };
    let side = |i: usize, label: &str| {
        let s = &o.sides[i];
        let seen = props.seen[i].clone();
        let verdict = match (&s.original_digest, &seen) {
            (Some(orig), Some(seen)) if orig == seen => {
                "matches: you see the reporter's exact input".to_owned()
            }
            (Some(_), Some(_)) if !s.redacted.is_empty() => {
                "differs because values were redacted".to_owned()
            }
            (Some(_), Some(_)) => {
                "differs: the link carries part of the input (e.g. only its cache)".to_owned()
            }
            (None, _) => "the link does not say the original digest".to_owned(),
            (_, None) => "this input could not be read".to_owned(),
        };
        html! {
            <li data-testid={format!("opened-{label}")}>
                if s.redacted.is_empty() {
                    <p class="opened-side"><strong>{ capital(label) }</strong>{ ": no values redacted." }</p>
                } else {
                    <details class="opened-side">
                        <summary>
                            <strong>{ capital(label) }</strong>
                            { format!(": {} redacted (keys kept)", plural(s.redacted.len(), "value", "values")) }
                        </summary>
                        <ul class="pointers">
                            { for s.redacted.iter().map(|p| html! { <li><code>{ p.to_string() }</code></li> }) }
                        </ul>
                    </details>
                }
                <dl class="facts">
                    <div>
                        <dt>{ "Reporter's digest" }</dt>
                        <dd><code class="digest">{ s.original_digest.clone().unwrap_or_else(|| "(not given)".into()) }</code></dd>
                    </div>
                    <div>
                        <dt>{ "Digest here" }</dt>
                        <dd><code class="digest">{ seen.unwrap_or_else(|| "(none)".into()) }</code></dd>
                    </div>
                </dl>
                <p class={classes!("digest-verdict", if verdict.starts_with("matches") { "ok" } else { "note" })} data-testid={format!("opened-{label}-digest")}>
                    { capital(&verdict) }
                </p>
            </li>
        }
    };
    html! {
        <section class="opened" data-testid="opened" aria-label={title.clone()}>
            <p class="opened-title"><strong>{ title }</strong></p>
            <ul class="opened-sides">
                { side(0, "left") }
                { side(1, "right") }
            </ul>
        </section>
    }
}

fn capital(s: &str) -> String {
    super::capitalised(s)
}

/// A share link shown read-only, labelled for screen readers (`id` is also its test id): the
/// pair's and the series' link rows share it.
pub(crate) fn link_field(id: &'static str, label: &'static str, link: &str) -> Html {
    html! {
        <>
            <label class="visually-hidden" for={id}>{ label }</label>
            <input
                id={id}
                class="share-link"
                type="text"
                readonly=true
                data-testid={id}
                value={AttrValue::from(link.to_owned())}
            />
        </>
    }
}
