//! The series mode: the inputs in build order (chosen or dropped, reordered by dragging, by
//! keyboard or by buttons, removed), the timeline of the core's `Series` (one column per input, runs of
//! equivalent inputs, the bar and the words where the build changed), each transition
//! summarised and opened in the two-input view, and the switch between the two modes.

use crate::browser;
use crate::state::{Computed, Held, Item, Progress, SeriesState, Via};
use cachelens_core::series::{Series, Transition, group_label};
use web_sys::{DragEvent, File, HtmlInputElement};
use yew::prelude::*;

/// What the series view reports back.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesCallbacks {
    /// Files chosen or dropped (each one input).
    pub on_files: Callback<Vec<File>>,
    /// A folder chosen or dropped: its files with their paths, or why it could not be listed.
    pub on_folder: Callback<Result<Vec<(String, File)>, String>>,
    /// Move an input (id) to a position, by a control.
    pub on_move: Callback<(u64, usize, Via)>,
    /// Remove an input (id).
    pub on_remove: Callback<u64>,
    /// Remove every input.
    pub on_clear: Callback<()>,
    /// Stop reading and comparing.
    pub on_cancel: Callback<()>,
    /// Compare again after a cancel.
    pub on_restart: Callback<()>,
    /// Open two inputs (0-based positions) in the two-input view.
    pub on_open: Callback<(usize, usize)>,
}

/// A transition's numbers, as people count builds: `2 → 3`.
fn arrow(t: &Transition) -> String {
    format!("{} → {}", t.from + 1, t.to + 1)
}

/// The series view (`folders`: the browser can choose folders). A plain function, not a
/// component: it holds no state of its own (the page focuses what a move asks, see
/// [`SeriesState::focus`]).
pub fn series_view(s: &SeriesState, cb: &SeriesCallbacks, folders: bool) -> Html {
    let onfiles = {
        let on_files = cb.on_files.clone();
        Callback::from(move |e: Event| {
            let files = browser::take_chosen_files(&e.target_unchecked_into::<HtmlInputElement>());
            if !files.is_empty() {
                on_files.emit(files);
            }
        })
    };
    let onfolder = {
        let on_folder = cb.on_folder.clone();
        Callback::from(move |e: Event| {
            let input = e.target_unchecked_into::<HtmlInputElement>();
            on_folder.emit(Ok(browser::take_chosen_folder(&input)));
        })
    };
    let ondragover = {
        Callback::from(move |e: DragEvent| {
            if browser::drag_has_files(&e) {
                e.prevent_default();
            }
        })
    };
    let ondrop = {
        let (on_files, on_folder) = (cb.on_files.clone(), cb.on_folder.clone());
        Callback::from(move |e: DragEvent| {
            if let Some(dir) = browser::dropped_folder(&e) {
                e.prevent_default();
                browser::list_dropped_folder(dir, on_folder.clone());
                return;
            }
            let files = browser::dropped_files(&e);
            if !files.is_empty() {
                e.prevent_default();
                on_files.emit(files);
            }
        })
    };
    let progress = s.progress();
    let computed = s.computed.clone();
    let status = match &progress {
        Progress::Empty => "No input yet.".to_owned(),
        Progress::Reading(done, of) => format!("Reading the files: {done} of {of}…"),
        Progress::Comparing(done, of) => format!("Comparing: {done} of {of}…"),
        Progress::Cancelled(done, of) => {
            format!("Cancelled after {done} of {of} inputs: nothing to show.")
        }
        Progress::Done => computed
            .as_ref()
            .map(|c| c.series.headline())
            .unwrap_or_default(),
    };
    let busy = matches!(progress, Progress::Reading(..) | Progress::Comparing(..));

    html! {
        <section
            class="series"
            aria-labelledby="series-title"
            data-testid="series"
            {ondragover}
            {ondrop}
        >
            <div class="pane-head">
                <h2 id="series-title">{ "A series of builds" }</h2>
                <div class="pane-actions">
                    { super::chooser("Choose files…", super::Pick::Files, "series-files".into(), "Choose the files of the series".into(), onfiles) }
                    if folders {
                        { super::chooser("Open folder…", super::Pick::Folder, "series-folder".into(), "Open a folder of builds".into(), onfolder) }
                    }
                </div>
            </div>
            <p class="muted">
                { "Drop or choose the files of several builds (image configs, caches, cache exports, image archives, .dockerbuild records), or a folder of them: they are taken in name order, compared as " }
                <code>{ "cachelens series" }</code>
                { " compares them, and each change between consecutive builds is explained." }
            </p>
            <div class="series-status" role="status" aria-live="polite">
                <p data-testid="series-status" class={classes!(busy.then_some("muted"))}>{ status }</p>
            </div>
            if busy {
                <button type="button" class="button" data-testid="series-cancel" onclick={cb.on_cancel.reform(|_: MouseEvent| ())}>
                    { "Cancel" }
                </button>
            }
            if matches!(progress, Progress::Cancelled(..)) {
                <button type="button" class="button" data-testid="series-restart" onclick={cb.on_restart.reform(|_: MouseEvent| ())}>
                    { "Compare again" }
                </button>
            }
            if let Some(c) = &computed {
                { timeline(&c.series) }
                { transitions(c, &cb.on_open) }
                { pick_pair(&c.series, &cb.on_open) }
            }
            if !s.items.is_empty() {
                { inputs(s, cb) }
            }
            <p class="visually-hidden" role="status" aria-live="polite" data-testid="series-announce">
                { s.announce.as_deref().unwrap_or_default().to_owned() }
            </p>
        </section>
    }
}

/// Runs of consecutive inputs in one group (an unreadable input is a run of its own).
fn runs(series: &Series) -> Vec<(Option<usize>, Vec<usize>)> {
    let mut out: Vec<(Option<usize>, Vec<usize>)> = Vec::new();
    for i in &series.inputs {
        match out.last_mut() {
            Some((g, members)) if i.group.is_some() && *g == i.group => members.push(i.index),
            _ => out.push((i.group, vec![i.index])),
        }
    }
    out
}

/// The timeline: one column per input, runs of equivalent inputs, a bar and words where the
/// build changed.
fn timeline(series: &Series) -> Html {
    let runs = runs(series);
    let mut last_group = None;
    let items = runs.iter().map(|(group, members)| {
        let first = members[0];
        let (label, group_attr) = match group {
            None => ("Could not be read".to_owned(), "none".to_owned()),
            Some(g) => {
                let earliest = series.groups[*g][0];
                let l = if earliest < first {
                    format!("Group {}: the same build as {}", group_label(*g), earliest + 1)
                } else {
                    format!("Group {}", group_label(*g))
                };
                (l, group_label(*g))
            }
        };
        let changed = group.is_some() && last_group.is_some() && last_group != *group;
        let from = series.transitions.iter().find(|t| t.to == first);
        if group.is_some() {
            last_group = *group;
        }
        let builds = members.iter().map(|&i| {
            let input = &series.inputs[i];
            html! {
                <li class="build" data-testid="build" data-build={(i + 1).to_string()}>
                    <span class="num">{ (i + 1).to_string() }</span>
                    <span class="name" title={input.name.clone()}>{ input.name.clone() }</span>
                </li>
            }
        });
        let numbers: Vec<String> = members.iter().map(|i| (i + 1).to_string()).collect();
        html! {
            <li
                class={classes!("run", changed.then_some("changed"), group.is_none().then_some("unreadable"))}
                data-testid="run"
                data-group={group_attr}
                data-builds={numbers.join(" ")}
            >
                if changed {
                    <span class="bar" aria-hidden="true">{ "│" }</span>
                }
                <div class="run-body">
                    <p class="run-label">
                        { label }
                        if changed {
                            <span class="changed-note">
                                { match from {
                                    Some(t) => format!(" · changed at {}", arrow(t)),
                                    None => " · changed".to_owned(),
                                } }
                            </span>
                        }
                    </p>
                    <ol class="builds" aria-label={format!("Build{} {}", if numbers.len() == 1 { "" } else { "s" }, numbers.join(", "))}>
                        { for builds }
                    </ol>
                </div>
            </li>
        }
    });
    html! {
        <div class="timeline-box">
            <h3 id="timeline-title">{ "Timeline" }</h3>
            <p class="muted">
                { "Each build in order, numbered from 1; builds that are the same once canonicalised share a group, and a bar marks where the build changed (as in " }
                <code data-testid="series-timeline-text">{ series.timeline() }</code>{ ")." }
            </p>
            <ol class="timeline" data-testid="timeline" aria-labelledby="timeline-title">
                { for items }
            </ol>
        </div>
    }
}

/// A step's label: the Dockerfile line as code, the rest as text.
fn step_label(label: &str) -> Html {
    if let Some(rest) = label.strip_prefix('`')
        && let Some((code, tail)) = rest.split_once('`')
    {
        return html! { <><code>{ code.to_owned() }</code>{ tail.to_owned() }</> };
    }
    html! { { label.to_owned() } }
}

/// Each transition: its headline, the steps it affects, its diagnoses, and a button that opens
/// it in the two-input view.
fn transitions(c: &Computed, on_open: &Callback<(usize, usize)>) -> Html {
    let series = &c.series;
    if series.transitions.is_empty() {
        return Html::default();
    }
    let items = series.transitions.iter().map(|t| {
        let (from, to) = (t.from, t.to);
        let back = t
            .returns(series)
            .then(|| format!(" (back to the build of {})", series.groups[t.to_group][0] + 1));
        let cache = t
            .report
            .cache
            .as_ref()
            .filter(|_| t.steps.is_empty())
            .map(|c| c.phrase());
        html! {
            <li class="transition card" data-testid="transition" data-from={(from + 1).to_string()} data-to={(to + 1).to_string()}>
                <h4>
                    { format!("Build {}", arrow(t)) }{ back.unwrap_or_default() }
                    <span class="muted">{ format!(": {} → {}", series.inputs[from].name, series.inputs[to].name) }</span>
                </h4>
                <p data-testid="transition-headline">{ t.report.headline.clone() }</p>
                if !t.steps.is_empty() {
                    <p class="muted">{ if t.steps.len() == 1 { "Step affected:" } else { "Steps affected:" } }</p>
                    <ul class="steps" data-testid="transition-steps">
                        { for t.steps.iter().map(|s| html! { <li>{ step_label(&s.label("")) }</li> }) }
                    </ul>
                }
                if let Some(phrase) = cache {
                    <p>{ format!("Cache: {phrase}") }</p>
                }
                { for t.report.diagnoses.iter().map(|d| html! {
                    <p class="diagnosis-line" data-testid="transition-diagnosis" data-id={d.id}>
                        <strong>{ "Known cause: " }</strong>{ d.summary.clone() }
                        <span class="muted">{ " [" }<code>{ d.id }</code>{ "]" }</span>
                    </p>
                }) }
                <button
                    type="button"
                    class="button"
                    data-testid="open-transition"
                    onclick={on_open.reform(move |_: MouseEvent| (from, to))}
                >
                    { format!("Open {} in the two-input view", arrow(t)) }
                </button>
            </li>
        }
    });
    html! {
        <>
            <h3 id="transitions-title">{ "What changed" }</h3>
            <ol class="transitions" aria-labelledby="transitions-title">{ for items }</ol>
        </>
    }
}

/// Any two inputs, picked, opened in the two-input view (the choices are read when it opens).
fn pick_pair(series: &Series, on_open: &Callback<(usize, usize)>) -> Html {
    if series.inputs.len() < 2 {
        return Html::default();
    }
    let onclick = on_open.reform(|_: MouseEvent| {
        let pick = |id| {
            browser::control_value(id)
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        (pick("pick-left"), pick("pick-right"))
    });
    let select = |id: &'static str, label: &'static str, value: usize| {
        let options = series.inputs.iter().map(|i| {
            html! {
                <option value={i.index.to_string()} selected={i.index == value}>
                    { format!("{}: {}", i.index + 1, i.name) }
                </option>
            }
        });
        html! {
            <label>{ label }<select id={id} data-testid={id}>{ for options }</select></label>
        }
    };
    html! {
        <div class="pick-pair">
            <h3>{ "Compare any two" }</h3>
            <div class="pick-row">
                { select("pick-left", "Left (before) ", 0) }
                { select("pick-right", "Right (after) ", 1) }
                <button type="button" class="button" data-testid="open-pair" {onclick}>
                    { "Open in the two-input view" }
                </button>
            </div>
        </div>
    }
}

/// What an input's row says of it.
fn item_note(s: &SeriesState, pos: usize, item: &Item) -> String {
    let entry = s
        .computed
        .as_ref()
        .filter(|c| c.order.get(pos) == Some(&item.id))
        .and_then(|c| c.series.inputs.get(pos));
    match (&item.held, entry) {
        (Held::Reading, _) => "reading…".to_owned(),
        (Held::Failed(m), _) => format!("could not be read: {m}"),
        (_, Some(e)) => match (&e.read, e.group, &e.error) {
            (Some(r), Some(g), _) => format!("{}, group {}", r.kind.describe(), group_label(g)),
            (_, _, Some(err)) => format!("could not be read: {err}"),
            _ => String::new(),
        },
        (Held::Bytes(b), None) => super::size_text(b.len() as u64),
        (Held::Archive { folder, .. }, None) => if *folder {
            "a layout folder"
        } else {
            "an image archive"
        }
        .to_owned(),
    }
}

/// An input's row, where a reorder drag lands.
const ROW: &str = ".series-input";

/// The drag data type of an input being reordered (its id).
const DRAG_TYPE: &str = "application/x-cachelens-input";

/// The inputs in build order, each with its controls.
fn inputs(s: &SeriesState, cb: &SeriesCallbacks) -> Html {
    let n = s.items.len();
    let rows = s.items.iter().enumerate().map(|(pos, item)| {
        let id = item.id;
        let name = item.name.to_string();
        let on_move = cb.on_move.clone();
        let onkeydown = {
            let on_move = on_move.clone();
            Callback::from(move |e: KeyboardEvent| {
                if !e.alt_key() {
                    return;
                }
                let to = match e.key().as_str() {
                    "ArrowUp" if pos > 0 => pos - 1,
                    "ArrowDown" if pos + 1 < n => pos + 1,
                    _ => return,
                };
                e.prevent_default();
                on_move.emit((id, to, Via::Item));
            })
        };
        // Mouse reordering: an input dragged onto another takes its place (the others shift).
        // The drag carries the input's id under a type of its own, so a file drag never counts.
        let ondragstart = Callback::from(move |e: DragEvent| {
            if let Some(dt) = e.data_transfer() {
                let _ = dt.set_data(DRAG_TYPE, &id.to_string());
                dt.set_effect_allowed("move");
            }
        });
        let ondragover = Callback::from(|e: DragEvent| {
            if browser::drag_has_type(&e, DRAG_TYPE) {
                e.prevent_default();
                if let Some(dt) = e.data_transfer() {
                    dt.set_drop_effect("move");
                }
            }
        });
        // Where the input would land is outlined while a reorder drag is over it.
        let ondragenter = Callback::from(|e: DragEvent| {
            if browser::drag_has_type(&e, DRAG_TYPE) {
                browser::mark_drop_target(&e, ROW, true);
            }
        });
        let ondragleave = Callback::from(|e: DragEvent| browser::mark_drop_target(&e, ROW, false));
        let ondrop = {
            let on_move = on_move.clone();
            Callback::from(move |e: DragEvent| {
                let dragged = e
                    .data_transfer()
                    .and_then(|dt| dt.get_data(DRAG_TYPE).ok())
                    .and_then(|v| v.parse::<u64>().ok());
                browser::mark_drop_target(&e, ROW, false);
                if let Some(dragged) = dragged {
                    e.prevent_default();
                    e.stop_propagation();
                    if dragged != id {
                        on_move.emit((dragged, pos, Via::Item));
                    }
                }
            })
        };
        let up = on_move.reform(move |_: MouseEvent| (id, pos.saturating_sub(1), Via::Up));
        let down = on_move.reform(move |_: MouseEvent| (id, pos + 1, Via::Down));
        let remove = cb.on_remove.reform(move |_: MouseEvent| id);
        let what = format!("build {} ({name})", pos + 1);
        html! {
            <li
                key={id}
                id={format!("series-item-{id}")}
                class="series-input"
                data-testid="series-input"
                tabindex="0"
                draggable="true"
                aria-describedby="series-order-help"
                {onkeydown}
                {ondragstart}
                {ondragenter}
                {ondragover}
                {ondragleave}
                {ondrop}
            >
                <span class="grip" aria-hidden="true">{ "⠿" }</span>
                <span class="num">{ (pos + 1).to_string() }</span>
                <span class="item-text">
                    <span class="name" data-testid="series-input-name">{ name.clone() }</span>
                    <span class="muted note">{ item_note(s, pos, item) }</span>
                </span>
                <span class="item-actions">
                    <button type="button" class="button" id={format!("series-up-{id}")} aria-label={format!("Move {what} up")} disabled={pos == 0} onclick={up}>{ "↑" }</button>
                    <button type="button" class="button" id={format!("series-down-{id}")} aria-label={format!("Move {what} down")} disabled={pos + 1 == n} onclick={down}>{ "↓" }</button>
                    <button type="button" class="button" aria-label={format!("Remove {what}")} onclick={remove}>{ "Remove" }</button>
                </span>
            </li>
        }
    });
    html! {
        <div class="series-inputs-box">
            <h3 id="series-inputs-title">{ "Inputs, in build order" }</h3>
            <p id="series-order-help" class="muted">
                { "Move an input by dragging it onto another, with its ↑ ↓ buttons, or with Alt+↑ or Alt+↓ while it is focused." }
            </p>
            <ol class="series-inputs" data-testid="series-inputs" aria-labelledby="series-inputs-title">
                { for rows }
            </ol>
            <div class="series-tools">
                <button type="button" class="button" data-testid="series-clear" onclick={cb.on_clear.reform(|_: MouseEvent| ())}>{ "Remove all" }</button>
            </div>
        </div>
    }
}

/// The switch between the two-input view and the series (`series`: the series is shown; `count`
/// its inputs), and in the two-input view the two inputs last opened from the series (0-based
/// positions and names) with the way back.
pub fn mode_switch(
    series: bool,
    count: usize,
    opened: Option<(usize, usize, String, String)>,
    on_mode: &Callback<bool>,
) -> Html {
    let to_pair = on_mode.reform(|_: MouseEvent| false);
    let to_series = on_mode.reform(|_: MouseEvent| true);
    let series_label = if count > 0 {
        format!("A series of builds ({count})")
    } else {
        "A series of builds".to_owned()
    };
    html! {
        <>
            <nav class="modes" aria-label="What to compare">
                <button type="button" class="button" data-testid="mode-pair" aria-pressed={(!series).to_string()} onclick={to_pair}>
                    { "Two inputs" }
                </button>
                <button type="button" class="button" data-testid="mode-series" aria-pressed={series.to_string()} onclick={to_series.clone()}>
                    { series_label }
                </button>
            </nav>
            if let (false, Some((a, b, left, right))) = (series, opened) {
                <p class="series-back" data-testid="series-back">
                    { format!("Builds {} and {} of the series ({left} and {right}). ", a + 1, b + 1) }
                    <button type="button" class="button" data-testid="back-to-series" onclick={to_series}>
                        <span aria-hidden="true">{ "← " }</span>{ "Back to the series" }
                    </button>
                </p>
            }
        </>
    }
}
