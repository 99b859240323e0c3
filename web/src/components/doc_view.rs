//! The documents line by line, side by side or unified, changed lines and words highlighted,
//! long unchanged stretches folded (a click expands a fold), at most `limit` rows in the DOM.

use crate::state::{DocView, Rows, Shared, ViewLayout};
use cachelens_core::steps::Step;
use cachelens_core::view::{Line, Row, SideRow, Tag, unfold};
use std::collections::{BTreeMap, BTreeSet};
use yew::prelude::*;

/// Props of [`DocViewPanel`].
#[derive(Debug, Properties, PartialEq)]
pub struct DocViewProps {
    /// The texts and rows.
    pub doc: Shared<DocView>,
    /// A new layout is being computed: these rows are about to be replaced.
    pub due: bool,
    /// Fold rows expanded.
    pub expanded: BTreeSet<usize>,
    /// How many rows to render.
    pub limit: usize,
    /// A fold expanded (`true`) or folded again (`false`), by its row.
    pub on_fold: Callback<(usize, bool)>,
    /// "Show more rows".
    pub on_more: Callback<()>,
    /// The fold button to focus once rendered (the one that replaced the button pressed).
    #[prop_or_default]
    pub focus: Option<std::rc::Rc<str>>,
    /// Records' steps by id: a record's key line is labelled with the step that made it.
    #[prop_or_default]
    pub steps: Option<Shared<BTreeMap<String, Step>>>,
}

/// The steps, when known (threaded through the row renderers).
type Steps<'a> = Option<&'a BTreeMap<String, Step>>;

fn tag_class(tag: Tag) -> &'static str {
    match tag {
        Tag::Equal => "l-eq",
        Tag::Delete => "l-del",
        Tag::Insert => "l-ins",
    }
}

fn sign(tag: Tag) -> &'static str {
    match tag {
        Tag::Equal => " ",
        Tag::Delete => "−",
        Tag::Insert => "+",
    }
}

fn number(n: Option<usize>) -> Html {
    html! { <td class="ln">{ n.map(|n| n.to_string()).unwrap_or_default() }</td> }
}

/// A line's text, changed words marked; a record's key line labelled with its step.
fn code(line: &Line, steps: Steps<'_>) -> Html {
    let text: String = line.segments.iter().map(|s| s.text.as_str()).collect();
    let step = steps
        .and_then(|m| cachelens_core::steps::record_key_of_line(&text).and_then(|id| m.get(id)));
    html! {
        <>
            { for line.segments.iter().map(|s| if s.changed {
                html! { <span class="w">{ s.text.clone() }</span> }
            } else {
                html! { { s.text.clone() } }
            }) }
            if let Some(s) = step {
                <span class="row-step" data-testid="row-step">{ format!("  ← {}", s.label("")) }</span>
            }
        </>
    }
}

fn unified_line(line: &Line, steps: Steps<'_>) -> Html {
    html! {
        <tr class={tag_class(line.tag)}>
            { number(line.left_no) }
            { number(line.right_no) }
            <td class="sign" aria-hidden="true">{ sign(line.tag) }</td>
            <td class="code">{ code(line, steps) }</td>
        </tr>
    }
}

fn half(line: Option<&Line>, left: bool, steps: Steps<'_>) -> Html {
    match line {
        Some(l) => html! {
            <>
                { number(if left { l.left_no } else { l.right_no }) }
                <td class={classes!("code", tag_class(l.tag))}>{ code(l, steps) }</td>
            </>
        },
        None => html! { <><td class="ln l-none"></td><td class="code l-none"></td></> },
    }
}

fn pair(left: Option<&Line>, right: Option<&Line>, steps: Steps<'_>) -> Html {
    html! { <tr>{ half(left, true, steps) }{ half(right, false, steps) }</tr> }
}

fn fold(
    row: usize,
    left_start: usize,
    count: usize,
    columns: usize,
    on_fold: &Callback<(usize, bool)>,
) -> Html {
    let onclick = on_fold.reform(move |_: MouseEvent| (row, true));
    let (from, to) = (left_start + 1, left_start + count);
    html! {
        <tr class="fold">
            <td colspan={columns.to_string()}>
                <button type="button" class="fold-button" id={fold_id(row)} data-testid="fold" {onclick}>
                    <span aria-hidden="true">{ "⋯ " }</span>
                    { format!("{} unchanged lines ({from}–{to}): show", super::thousands(count)) }
                </button>
            </td>
        </tr>
    }
}

pub use crate::state::{fold_again_id, fold_id};

/// The first row of an expanded stretch: what it is, and a button that folds it again.
fn fold_again(
    row: usize,
    left_start: usize,
    count: usize,
    columns: usize,
    on_fold: &Callback<(usize, bool)>,
) -> Html {
    let onclick = on_fold.reform(move |_: MouseEvent| (row, false));
    let (from, to) = (left_start + 1, left_start + count);
    html! {
        <tr class="fold-open">
            <td colspan={columns.to_string()}>
                <button
                    type="button"
                    class="fold-button"
                    id={fold_again_id(row)}
                    data-testid="fold-again"
                    aria-expanded="true"
                    {onclick}
                >
                    <span aria-hidden="true">{ "⌃ " }</span>
                    { format!("{} unchanged lines ({from}–{to}) shown below: fold again", super::thousands(count)) }
                </button>
            </td>
        </tr>
    }
}

/// Rendered rows under a budget, counting the rows there would be without it.
struct Sink {
    out: Vec<Html>,
    total: usize,
    budget: usize,
}

impl Sink {
    /// Adds a group of `n` rows, rendering only as many as the budget allows.
    fn emit(&mut self, lines: impl Iterator<Item = Html>, n: usize) {
        self.total += n;
        let take = n.min(self.budget);
        self.budget -= take;
        self.out.extend(lines.take(take));
    }
}

/// The rows to render (folds the user expanded replaced by their lines), at most `limit`, and
/// how many there would be without the limit.
fn render(props: &DocViewProps) -> (Vec<Html>, usize) {
    let doc = &*props.doc;
    let mut sink = Sink {
        out: Vec::new(),
        total: 0,
        budget: props.limit,
    };
    let act = &props.on_fold;
    let steps: Steps<'_> = props.steps.as_deref();
    match &doc.rows {
        Rows::Unified(rows) => {
            for (i, row) in rows.iter().enumerate() {
                match *row {
                    Row::Line(ref l) => {
                        sink.emit(std::iter::once_with(|| unified_line(l, steps)), 1)
                    }
                    Row::Fold {
                        left_start,
                        right_start,
                        count,
                    } if props.expanded.contains(&i) => {
                        sink.emit(
                            std::iter::once_with(|| fold_again(i, left_start, count, 4, act)),
                            1,
                        );
                        let lines =
                            unfold(&doc.left, left_start, right_start, count.min(sink.budget));
                        sink.emit(lines.iter().map(|l| unified_line(l, steps)), count);
                    }
                    Row::Fold {
                        left_start, count, ..
                    } => {
                        sink.emit(
                            std::iter::once_with(|| fold(i, left_start, count, 4, act)),
                            1,
                        );
                    }
                }
            }
        }
        Rows::SideBySide(rows) => {
            for (i, row) in rows.iter().enumerate() {
                match *row {
                    SideRow::Pair {
                        ref left,
                        ref right,
                    } => sink.emit(
                        std::iter::once_with(|| pair(left.as_ref(), right.as_ref(), steps)),
                        1,
                    ),
                    SideRow::Fold {
                        left_start,
                        right_start,
                        count,
                    } if props.expanded.contains(&i) => {
                        sink.emit(
                            std::iter::once_with(|| fold_again(i, left_start, count, 4, act)),
                            1,
                        );
                        let lines =
                            unfold(&doc.left, left_start, right_start, count.min(sink.budget));
                        sink.emit(lines.iter().map(|l| pair(Some(l), Some(l), steps)), count);
                    }
                    SideRow::Fold {
                        left_start, count, ..
                    } => {
                        sink.emit(
                            std::iter::once_with(|| fold(i, left_start, count, 4, act)),
                            1,
                        );
                    }
                }
            }
        }
        Rows::TooLong { .. } => {}
    }
    (sink.out, sink.total)
}

/// The document view.
#[function_component(DocViewPanel)]
pub fn doc_view_panel(props: &DocViewProps) -> Html {
    // Keep the keyboard focus on the fold the user acted on (the button pressed is replaced).
    use_effect_with(props.focus.clone(), |focus| {
        if let Some(id) = focus {
            crate::browser::focus(id);
        }
    });
    let doc = &*props.doc;
    let title = if doc.raw {
        "Raw inputs"
    } else {
        "Canonical documents"
    };
    let hint = if doc.raw {
        "The inputs as given. Changed lines and words are highlighted; long unchanged stretches are folded."
    } else {
        "Both inputs in canonical form (keys sorted, cache decoded, records keyed by content), options applied. Changed lines and words are highlighted; long unchanged stretches are folded."
    };
    let layout = match doc.rows {
        Rows::Unified(_) => ViewLayout::Unified,
        Rows::SideBySide(_) => ViewLayout::SideBySide,
        Rows::TooLong { longest } => {
            return html! {
                <section class="doc" aria-labelledby="doc-title">
                    <h2 id="doc-title">{ title }</h2>
                    <p class="notice" data-testid="doc-view">
                        { format!(
                            "A raw input has a line of {} characters (compact JSON): a line-by-line view would show nothing readable. Untick \u{201c}Raw input\u{201d} to see the canonical documents line by line.",
                            super::thousands(longest)
                        ) }
                    </p>
                </section>
            };
        }
    };
    let (rows, total) = render(props);
    let shown = rows.len();
    let cols = match layout {
        ViewLayout::Unified => html! {
            <colgroup><col class="c-ln" /><col class="c-ln" /><col class="c-sign" /><col /></colgroup>
        },
        ViewLayout::SideBySide => html! {
            <colgroup><col class="c-ln" /><col /><col class="c-ln" /><col /></colgroup>
        },
    };
    let more = (shown < total).then(|| {
        let onclick = props.on_more.reform(|_: MouseEvent| ());
        html! {
            <button type="button" class="button more" {onclick}>
                { format!("Show more lines ({} of {} shown)", super::thousands(shown), super::thousands(total)) }
            </button>
        }
    });
    html! {
        <section class={classes!("doc", props.due.then_some("stale"))} aria-labelledby="doc-title" aria-busy={props.due.to_string()}>
            <h2 id="doc-title">{ title }</h2>
            <p class="muted hint">
                { if props.due { "Laying out the documents again…" } else { hint } }
            </p>
            <div class="diff-scroll">
                <table
                    class={classes!("diff", if layout == ViewLayout::Unified { "unified" } else { "sbs" })}
                    data-testid="doc-view"
                    aria-label={format!("{title}, {}", if layout == ViewLayout::Unified { "unified" } else { "side by side" })}
                >
                    { cols }
                    <tbody>{ for rows }</tbody>
                </table>
            </div>
            { more.unwrap_or_default() }
        </section>
    }
}
