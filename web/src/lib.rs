//! The cachelens viewer: paste or drop two inputs and see what really changed.
//!
//! A thin shell over [`cachelens_core`]: the core analyses, compares and lays out the lines; this
//! crate holds the state and renders it. All input data is rendered as text nodes (never as HTML).
//!
//! * [`state`]: the one reducer (`State` + `Action`), plain Rust, tested natively;
//! * [`components`]: pure function components (panes, verdict, summary, changes, document view,
//!   options, examples);
//! * [`browser`]: the clipboard and file reading;
//! * [`examples`]: the stories of the example menu, built in from `tests/fixtures/scenarios`.
//!
//! The library/binary split lets browser tests mount the real [`App`].

pub mod browser;
pub mod components;
pub mod examples;
pub mod state;

use cachelens_core::Side;
use components::{
    ChangeList, CopyRequest, DocViewPanel, ExampleMenu, OptionsBar, PaneCallbacks, PaneView,
    Status, Summary, VerdictBanner,
};
use gloo::render::AnimationFrame;
use gloo::timers::callback::Timeout;
use state::{Action, Copied, Layout, State};
use yew::prelude::*;

/// How long typing must pause before a pane is analysed again.
pub const DEBOUNCE_MS: u32 = 200;
/// How long a "Copied" confirmation stays.
const COPIED_MS: u32 = 1500;

fn side_index(side: Side) -> usize {
    match side {
        Side::Left => 0,
        Side::Right => 1,
    }
}

/// Why there is no verdict, when there is none.
fn status(s: &State) -> Status {
    let missing = |side: Side| s.pane(side).is_empty() && s.pane(side).load_error.is_none();
    let broken = |side: Side| s.pane(side).error().is_some() || s.pane(side).load_error.is_some();
    match (missing(Side::Left), missing(Side::Right)) {
        (true, true) => Status::Empty,
        _ if broken(Side::Left) => Status::Broken("left"),
        _ if broken(Side::Right) => Status::Broken("right"),
        (true, _) => Status::Missing("left"),
        _ => Status::Missing("right"),
    }
}

/// The root component.
#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(|| {
        let mut s = State::default();
        if browser::narrow_screen() {
            s.view.layout = Layout::Unified;
        }
        s
    });
    // The dispatcher never changes; memoise its callback so props stay equal between renders.
    let dispatch = {
        let dispatcher = state.dispatcher();
        (*use_memo((), move |()| dispatcher.to_callback())).clone()
    };
    // One debounce timer per pane (dropping a `Timeout` cancels it) and one for "Copied".
    let timers = use_mut_ref(|| [None::<Timeout>, None::<Timeout>]);
    let copied_timer = use_mut_ref(|| None::<Timeout>);
    // Analyses of loaded files and deferred layouts wait for a paint (see `browser::after_paint`).
    let paints = use_mut_ref(|| {
        [
            None::<AnimationFrame>,
            None::<AnimationFrame>,
            None::<AnimationFrame>,
        ]
    });

    {
        let dispatch = dispatch.clone();
        let paints = paints.clone();
        use_effect_with((state.doc_due, state.doc_generation), move |&(due, _)| {
            if due {
                let later = dispatch.clone();
                paints.borrow_mut()[2] =
                    Some(browser::after_paint(move || later.emit(Action::LayOut)));
            }
        });
    }

    let on_copy = {
        let dispatch = dispatch.clone();
        let copied_timer = copied_timer.clone();
        use_callback((), move |req: CopyRequest, ()| {
            let dispatch = dispatch.clone();
            let copied_timer = copied_timer.clone();
            browser::copy_text(&req.text, move |ok| {
                dispatch.emit(Action::Copied(Some(Copied { key: req.key, ok })));
                let clear = dispatch.clone();
                *copied_timer.borrow_mut() = Some(Timeout::new(COPIED_MS, move || {
                    clear.emit(Action::Copied(None))
                }));
            });
        })
    };

    let pane_callbacks = |side: Side| {
        let on_input = {
            let (dispatch, timers) = (dispatch.clone(), timers.clone());
            Callback::from(move |text: String| {
                dispatch.emit(Action::Edit { side, text });
                let later = dispatch.clone();
                timers.borrow_mut()[side_index(side)] =
                    Some(Timeout::new(DEBOUNCE_MS, move || {
                        later.emit(Action::Analyze(side))
                    }));
            })
        };
        let on_file = {
            let (dispatch, paints) = (dispatch.clone(), paints.clone());
            Callback::from(move |file: web_sys::File| {
                let (dispatch, paints) = (dispatch.clone(), paints.clone());
                let name = file.name();
                browser::read_file(file, move |result| match result {
                    Ok(bytes) => {
                        dispatch.emit(Action::LoadFile { side, name, bytes });
                        let later = dispatch.clone();
                        paints.borrow_mut()[side_index(side)] =
                            Some(browser::after_paint(move || {
                                later.emit(Action::Analyze(side))
                            }));
                    }
                    Err(message) => dispatch.emit(Action::LoadFailed { side, message }),
                });
            })
        };
        PaneCallbacks {
            on_input,
            on_file,
            on_clear: dispatch.reform(move |()| Action::Clear(side)),
            on_drag: dispatch.reform(move |on: bool| Action::DragOver(on.then_some(side))),
            on_copy: on_copy.clone(),
        }
    };
    // Callbacks are rebuilt each render; memoise them so panes re-render only when their pane
    // changes (typing in one pane must not re-render the other's 5 MB textarea).
    let left_callbacks = use_memo((), |()| pane_callbacks(Side::Left));
    let right_callbacks = use_memo((), |()| pane_callbacks(Side::Right));
    let on_pick = {
        let dispatch = dispatch.clone();
        (*use_memo((), move |()| dispatch.reform(Action::LoadExample))).clone()
    };

    let s = &*state;
    let stale = s.left.pending || s.right.pending;
    let compared = s.compared.clone();
    let verdict = compared.as_ref().map(|c| c.comparison.verdict);
    let headline = compared
        .as_ref()
        .map(|c| AttrValue::from(c.comparison.headline.clone()))
        .unwrap_or_default();
    let example = s.example.and_then(examples::by_id);

    html! {
        <main data-testid="app" class="app">
            <header class="top">
                <h1>{ "cachelens" }</h1>
                <p class="lede">
                    { "cachelens shows what really changed between two Docker/BuildKit image configs, build caches or manifests whose digests differ, once record renumbering and other noise are set aside. " }
                    { "Paste or drop two inputs below, or try an example; nothing leaves your browser." }
                </p>
            </header>
            <ExampleMenu current={s.example} on_pick={on_pick} />
            <div class="panes">
                <PaneView
                    side={Side::Left}
                    pane={s.left.clone()}
                    dragging={s.ui.drag == Some(Side::Left)}
                    copied={s.ui.copied.clone()}
                    callbacks={(*left_callbacks).clone()}
                />
                <PaneView
                    side={Side::Right}
                    pane={s.right.clone()}
                    dragging={s.ui.drag == Some(Side::Right)}
                    copied={s.ui.copied.clone()}
                    callbacks={(*right_callbacks).clone()}
                />
            </div>
            <OptionsBar options={s.options.clone()} view={s.view} on_action={dispatch.clone()} />
            <section class="answer" aria-label="The answer">
                if let Some(ex) = example {
                    <p class="story"><span class="muted">{ "Example: " }</span>{ ex.story }</p>
                }
                <VerdictBanner {verdict} {headline} {stale} status={status(s)} />
                if let Some(c) = &compared {
                    <Summary
                        compared={c.clone()}
                        left={s.left.clone()}
                        right={s.right.clone()}
                        copied={s.ui.copied.clone()}
                        on_copy={on_copy.clone()}
                    />
                    <ChangeList
                        compared={c.clone()}
                        limit={s.ui.change_limit}
                        expanded={s.ui.expanded_values.clone()}
                        copied={s.ui.copied.clone()}
                        on_copy={on_copy.clone()}
                        on_action={dispatch.clone()}
                    />
                }
                if s.doc.is_none() && s.doc_due {
                    <p class="muted laying-out" role="status">{ "Laying out the documents…" }</p>
                }
                if let Some(doc) = &s.doc {
                    <DocViewPanel
                        doc={doc.clone()}
                        due={s.doc_due}
                        expanded={s.ui.expanded_folds.clone()}
                        limit={s.ui.row_limit}
                        on_action={dispatch.clone()}
                    />
                }
            </section>
            <footer class="foot muted">
                { "cachelens runs entirely in this page: no upload, no tracking. " }
                { "Same answer on the command line: " }<code>{ "cachelens diff left.json right.json" }</code>
            </footer>
        </main>
    }
}

/// Mounts the app on `<body>`, and keeps a file dropped outside the panes from replacing the
/// page (the browser's default for a drop it does not handle).
pub fn start() {
    browser::guard_page_drops();
    yew::Renderer::<App>::new().render();
}
