//! Sharing a series: made when asked (a series can be large), as a link when it fits and as a
//! bundle file always; redaction as in the two-input share panel.

use super::{CopyButton, CopyRequest, size_text};
use crate::state::{Copied, SeriesShareOut, Shared};
use cachelens_core::share::{LINK_WARN_BYTES, LinkSize};
use std::rc::Rc;
use yew::prelude::*;

/// The bundle file's name when a series is downloaded.
pub const SERIES_BUNDLE_NAME: &str = "cachelens-series.bundle";

/// What the series' share section calls.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesShareCallbacks {
    /// Make the link and the bundle.
    pub on_make: Callback<()>,
    /// Redact values or not.
    pub on_redact: Callback<bool>,
    /// Download the bundle.
    pub on_download: Callback<()>,
    /// Copy the link.
    pub on_copy: Callback<CopyRequest>,
}

/// The series' share section. `inputs` is how many inputs the series has; `redact` the choice.
pub fn series_share_view(
    share: Option<&Result<Shared<SeriesShareOut>, Rc<str>>>,
    inputs: usize,
    redact: bool,
    copied: Option<Copied>,
    cb: &SeriesShareCallbacks,
) -> Html {
    if inputs < 2 {
        return html! {};
    }
    let on_make = cb.on_make.reform(|_: MouseEvent| ());
    let on_download = cb.on_download.reform(|_: MouseEvent| ());
    let on_redact = {
        let on_redact = cb.on_redact.clone();
        Callback::from(move |e: Event| {
            on_redact.emit(
                e.target_unchecked_into::<web_sys::HtmlInputElement>()
                    .checked(),
            )
        })
    };
    let body = match share {
        None => html! {
            <p>
                <button type="button" class="button" data-testid="series-share-make" onclick={on_make}>
                    { "Make the share link" }
                </button>
                <span class="muted">{ format!(" of the {inputs} inputs, in this order; made in this page, nothing is uploaded.") }</span>
            </p>
        },
        Some(Err(why)) => html! {
            <p class="error" role="alert" data-testid="series-share-error">{ format!("This series cannot be shared: {why}") }</p>
        },
        Some(Ok(out)) => {
            let len = size_text(out.link.len() as u64);
            let note = match out.size {
                LinkSize::Fine => format!("{len}: fits in a chat message or an issue."),
                LinkSize::Long => format!(
                    "{len}: longer than {}, so chat tools may cut it. It opens in a browser; or attach the bundle file.",
                    size_text(LINK_WARN_BYTES as u64)
                ),
                LinkSize::TooLong => {
                    format!("{len}: too long for a link. Attach the bundle file instead.")
                }
            };
            html! {
                <>
                    if out.size != LinkSize::TooLong {
                        <div class="share-link-row">
                            <CopyButton
                                copy_key="copy-series-link"
                                text={AttrValue::from(out.link.clone())}
                                what="series share link"
                                copied={copied}
                                on_copy={cb.on_copy.clone()}
                            />
                            { super::share::link_field("series-share-link", "Series share link", &out.link) }
                        </div>
                    }
                    <p data-testid="series-share-size">{ note }</p>
                    <p>
                        <button type="button" class="button" data-testid="series-share-download" onclick={on_download}>
                            { format!("Download {SERIES_BUNDLE_NAME}") }
                        </button>
                        <span class="muted">{ format!(" {}; opening it on this page (drop or choose it on a pane) restores the series.", size_text(out.bundle.len() as u64)) }</span>
                    </p>
                </>
            }
        }
    };
    html! {
        <section class="share" aria-labelledby="series-share-title" data-testid="series-share">
            <h2 id="series-share-title">{ "Share this series" }</h2>
            <label class="check">
                <input type="checkbox" data-testid="series-share-redact" checked={redact} onchange={on_redact} />
                { "Redact the values of environment variables, labels and build arguments" }
            </label>
            { body }
        </section>
    }
}
