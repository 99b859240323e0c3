//! The list of changes, grouped by area: op, JSON Pointer path (with a copy button), old and new
//! values, long values shortened with an expander.

use super::{CopyButton, CopyRequest, plural};
use crate::state::{Compared, Copied, ExpandedValues, Shared};
use cachelens_core::{Change, json};
use serde_json::Value;
use yew::prelude::*;

/// Values longer than this (in characters) are shortened until expanded.
pub const LONG_VALUE: usize = 160;

/// Props of [`ChangeList`].
#[derive(Debug, Properties, PartialEq)]
pub struct ChangeListProps {
    /// The comparison.
    pub compared: Shared<Compared>,
    /// How many changes to list.
    pub limit: usize,
    /// Values shown in full.
    pub expanded: ExpandedValues,
    /// The last copy.
    pub copied: Option<Copied>,
    /// Copy buttons.
    pub on_copy: Callback<CopyRequest>,
    /// A long value shown in full or shortened again: (change index, the old value?).
    pub on_toggle_value: Callback<(usize, bool)>,
    /// "Show more changes".
    pub on_more: Callback<()>,
}

/// The first `max` characters of `s`, and how many were left out.
fn head(s: &str, max: usize) -> (&str, usize) {
    match s.char_indices().nth(max) {
        Some((i, _)) => (&s[..i], s[i..].chars().count()),
        None => (s, 0),
    }
}

fn value(index: usize, old: bool, v: &Value, props: &ChangeListProps) -> Html {
    let (label, class) = if old {
        ("old", "value old")
    } else {
        ("new", "value new")
    };
    let compact = json::to_compact_pub(v);
    let expanded = props.expanded.contains(index, old);
    let (shown, rest) = head(&compact, LONG_VALUE);
    let body = if rest == 0 {
        html! { <code>{ compact.clone() }</code> }
    } else if expanded {
        html! { <pre class="full"><code>{ json::to_pretty(v) }</code></pre> }
    } else {
        html! { <code>{ format!("{shown}…") }</code> }
    };
    let toggle = (rest > 0).then(|| {
        let onclick = props
            .on_toggle_value
            .reform(move |_: MouseEvent| (index, old));
        let text = if expanded {
            "Shorten".to_owned()
        } else {
            format!("Show all ({} more characters)", super::thousands(rest))
        };
        html! {
            <button type="button" class="link-button" aria-expanded={expanded.to_string()} {onclick}>
                { text }
            </button>
        }
    });
    html! {
        <div class={class}>
            <span class="value-label">{ label }</span>
            <div class="value-body">{ body }{ toggle.unwrap_or_default() }</div>
        </div>
    }
}

fn change(index: usize, c: &Change, props: &ChangeListProps) -> Html {
    let path = c.path.to_string();
    let shown_path = if path.is_empty() {
        "(the whole document)".to_owned()
    } else {
        path.clone()
    };
    html! {
        <li class={classes!("change", format!("op-{}", c.op.as_str()))} data-testid="change">
            <div class="change-head">
                <span class="op">{ c.op.as_str() }</span>
                <code class="path" data-testid="change-path">{ shown_path }</code>
                <CopyButton
                    copy_key={format!("path-{index}")}
                    text={path}
                    what={"path"}
                    copied={props.copied.clone()}
                    on_copy={props.on_copy.clone()}
                />
            </div>
            if let Some(step) = props.compared.comparison.cache.as_ref().and_then(|s| s.step_of(&c.path)) {
                <p class="change-step" data-testid="change-step">{ step.label("") }</p>
            }
            if let Some(old) = &c.old {
                { value(index, true, old, props) }
            }
            if let Some(new) = &c.value {
                { value(index, false, new, props) }
            }
        </li>
    }
}

/// The changes, grouped by area, at most `limit` of them with a "show more" button.
#[function_component(ChangeList)]
pub fn change_list(props: &ChangeListProps) -> Html {
    let cmp = &props.compared.comparison;
    let total = cmp.changes.len();
    if total == 0 {
        return Html::default();
    }
    let mut budget = props.limit;
    let groups = props.compared.groups.iter().map(|(area, indexes)| {
        let take = indexes.len().min(budget);
        budget -= take;
        if take == 0 {
            return Html::default();
        }
        html! {
            <section class="area" aria-label={format!("{} changes", area.as_str())}>
                <h3>{ area.as_str() }<span class="muted">{ format!(" ({})", indexes.len()) }</span></h3>
                <ol class="change-list">
                    { for indexes[..take].iter().map(|&i| change(i, &cmp.changes[i], props)) }
                </ol>
            </section>
        }
    });
    let groups: Vec<Html> = groups.collect();
    let more = (total > props.limit).then(|| {
        let onclick = props.on_more.reform(|_: MouseEvent| ());
        html! {
            <button type="button" class="button more" {onclick}>
                { format!("Show more changes ({} of {} listed)", props.limit, total) }
            </button>
        }
    });
    html! {
        <section class="changes" aria-labelledby="changes-title">
            <h2 id="changes-title">{ plural(total, "change", "changes") }</h2>
            { for groups }
            { more.unwrap_or_default() }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::head;

    #[test]
    fn head_cuts_on_characters() {
        assert_eq!(head("abc", 5), ("abc", 0));
        assert_eq!(head("abcdef", 3), ("abc", 3));
        assert_eq!(head("ééé", 1), ("é", 2));
    }
}
