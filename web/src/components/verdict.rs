//! The answer's first line: the verdict banner, or what is missing before there can be one.

use cachelens_core::Verdict;
use yew::prelude::*;

/// Why there is no verdict yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoVerdict {
    /// Both panes are empty.
    Empty,
    /// One pane is empty.
    Missing(&'static str),
    /// An input could not be read.
    Broken(&'static str),
}

/// Props of [`VerdictBanner`].
#[derive(Debug, Properties, PartialEq)]
pub struct VerdictProps {
    /// The verdict, when both inputs were read.
    pub verdict: Option<Verdict>,
    /// The headline in words.
    pub headline: AttrValue,
    /// An input changed and is being analysed again: the verdict shown is about to change.
    pub stale: bool,
    /// What is missing when there is no verdict.
    pub status: NoVerdict,
    /// The live region's id (the page scrolls it into view when a verdict appears).
    #[prop_or_default]
    pub id: AttrValue,
}

/// The headline without its leading "Different: " (the banner already says it), capitalised.
fn sentence(headline: &str, word: &str) -> String {
    let rest = headline
        .strip_prefix(word)
        .and_then(|r| r.strip_prefix(": "))
        .unwrap_or(headline);
    super::capitalised(rest)
}

/// The verdict banner inside a polite live region, so screen readers hear each new answer.
#[function_component(VerdictBanner)]
pub fn verdict_banner(props: &VerdictProps) -> Html {
    let body = match props.verdict {
        Some(v) => {
            let (mark, word) = match v {
                Verdict::Identical => ("=", "Identical"),
                Verdict::Equivalent => ("≡", "Equivalent"),
                Verdict::Different => ("≠", "Different"),
            };
            html! {
                <div
                    class={classes!("verdict", format!("verdict-{}", v.as_str()), props.stale.then_some("stale"))}
                    data-testid="verdict"
                    data-verdict={v.as_str()}
                    aria-busy={props.stale.to_string()}
                >
                    <span class="verdict-mark" aria-hidden="true">{ mark }</span>
                    <div>
                        <p class="verdict-word">{ word }</p>
                        <p class="headline">{ sentence(&props.headline, word) }</p>
                    </div>
                </div>
            }
        }
        None => {
            let text = match props.status {
                NoVerdict::Empty => {
                    "Paste or drop two inputs above, or pick an example, to see what changed."
                        .to_owned()
                }
                NoVerdict::Missing(side) => format!("Add the {side} input to compare."),
                NoVerdict::Broken(side) => format!(
                    "The {side} input could not be read (see the error above); fix it to compare."
                ),
            };
            html! { <p class="no-verdict">{ text }</p> }
        }
    };
    html! {
        <div class="answer-status" id={props.id.clone()} data-testid="answer-status" role="status" aria-live="polite">{ body }</div>
    }
}
