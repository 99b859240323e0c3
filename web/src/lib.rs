//! The cachelens viewer: paste or drop two inputs and see what really changed.
//!
//! A thin shell over [`cachelens_core`]: the core analyses, compares and lays out the lines; this
//! crate holds the state and renders it. All input data is rendered as text nodes (never as HTML).
//!
//! * [`state`]: the one reducer (`State` + `Action`), plain Rust, tested natively;
//! * [`components`]: pure function components (panes, verdict, summary, changes, document view,
//!   options, examples, share panel, image archives);
//! * [`sharing`]: the page's side of share links, bundle files and the Markdown report (built by
//!   the core's `share`), and what an opened link says;
//! * [`browser`]: the clipboard, file reading (whole, or by ranges for image archives), folders
//!   (chosen or dropped image layouts), the page's address and fragment, and downloads;
//! * [`folder`]: which files of a chosen folder make up an image layout (plain Rust);
//! * [`examples`]: the stories of the example menu, fetched from `dist/examples/` (a copy of `tests/fixtures/scenarios`).
//!
//! The library/binary split lets browser tests mount the real [`App`].

pub mod browser;
pub mod components;
pub mod examples;
pub mod folder;
pub mod load;
pub mod state;
pub mod worker;

use load::next_reading;

use cachelens_core::Side;
use components::{
    ChangeList, CopyRequest, Diagnoses, DocViewPanel, ExampleMenu, NoVerdict, OpenedBanner,
    OptionsBar, PaneCallbacks, PaneView, SharePanel, Summary, VerdictBanner,
};
use gloo::render::AnimationFrame;
use gloo::timers::callback::Timeout;
use state::{Action, Copied, State, ViewLayout};
use yew::prelude::*;
#[cfg(feature = "series")]
use {components::SeriesCallbacks, state::SeriesAction};

/// How long typing must pause before a pane is analysed again.
pub const DEBOUNCE_MS: u32 = 200;
/// How long a "Copied" confirmation stays.
const COPIED_MS: u32 = 1500;
/// How long the inputs must stay unchanged before this tab keeps them ([`SESSION_KEY`]).
const SESSION_MS: u32 = 500;
/// Where this tab keeps its inputs across a reload: sessionStorage, which belongs to the tab
/// (never the URL, never a server).
pub const SESSION_KEY: &str = "cachelens.session";
/// Inputs (both sides together) larger than this are kept in IndexedDB instead
/// ([`SESSION_IDB_KEY`]): sessionStorage holds a few MB.
pub const SESSION_MAX_BYTES: usize = 1024 * 1024;
/// The sessionStorage key holding this tab's random IndexedDB key (made once per tab): larger
/// inputs are kept in IndexedDB under it, so another tab, or a new one, does not see them.
pub const SESSION_IDB_KEY: &str = "cachelens.session.idb";
/// Inputs (both sides together) larger than this are not kept across a reload at all.
pub const SESSION_IDB_MAX_BYTES: usize = 200 * 1024 * 1024;

/// Where this tab keeps its inputs across a reload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keep {
    /// Nothing to keep: forget whatever was kept.
    Nothing,
    /// In sessionStorage, under [`SESSION_KEY`].
    Session,
    /// In IndexedDB, under this tab's key ([`SESSION_IDB_KEY`]).
    IndexedDb,
    /// Too large to keep: forget whatever was kept.
    TooLarge,
}

/// Where to keep inputs of `size` bytes (both sides together; `None`: no inputs).
pub fn keep_where(size: Option<usize>) -> Keep {
    match size {
        None => Keep::Nothing,
        Some(n) if n <= SESSION_MAX_BYTES => Keep::Session,
        Some(n) if n <= SESSION_IDB_MAX_BYTES => Keep::IndexedDb,
        Some(_) => Keep::TooLarge,
    }
}

/// Forgets what IndexedDB keeps for this tab (its key stays, for the next large inputs).
fn forget_idb() {
    if let Some(key) = browser::session_get(SESSION_IDB_KEY) {
        browser::idb_delete(key);
    }
}

/// Keeps `bundle` in IndexedDB under this tab's key (made now if the tab has none yet).
fn keep_in_idb(bundle: Vec<u8>, done: impl FnOnce(bool) + 'static) {
    let key = browser::session_get(SESSION_IDB_KEY).or_else(|| {
        let key = browser::new_tab_key();
        browser::session_set(SESSION_IDB_KEY, Some(&key)).then_some(key)
    });
    match key {
        Some(key) => browser::idb_put(key, bundle, done),
        None => done(false),
    }
}
/// The id of the live region that carries the verdict (scrolled into view when it appears).
pub const ANSWER_ID: &str = "answer-status";
pub use components::HELP_ID;

use state::side_index;

/// Why there is no verdict, when there is none.
fn status(s: &State) -> NoVerdict {
    let missing = |side: Side| s.pane(side).is_blank();
    let broken = |side: Side| {
        let pane = s.pane(side);
        pane.error().is_some()
            || pane.failed().is_some()
            || pane
                .archive()
                .and_then(|a| a.read.as_deref())
                .is_some_and(Result::is_err)
    };
    match (missing(Side::Left), missing(Side::Right)) {
        (true, true) => NoVerdict::Empty,
        _ if broken(Side::Left) => NoVerdict::Broken("left"),
        _ if broken(Side::Right) => NoVerdict::Broken("right"),
        (true, _) => NoVerdict::Missing("left"),
        _ => NoVerdict::Missing("right"),
    }
}

/// An image archive on one side and JSON on the other cannot be compared: say what to do.
fn mixed_inputs(s: &State) -> Option<&'static str> {
    // A cache export compares as its cache config, with JSON too.
    let archive = |side: Side| {
        let p = s.pane(side);
        p.archive().is_some() && p.image_set().is_none_or(|set| set.cache_config().is_none())
    };
    let json = |side: Side| s.pane(side).ok().is_some();
    ((archive(Side::Left) && json(Side::Right)) || (json(Side::Left) && archive(Side::Right))).then_some(
        "One side is an image archive and the other a JSON document: give an archive on both sides, or on both sides the config or manifest JSON (cachelens show lists their digests).",
    )
}

/// The series mode's switch and view, its callbacks, and its steps: one input pushed per task,
/// each sent after yielding to the event loop (a timer), so the page paints and answers between
/// them; dropping the timer (the run changed, or was cancelled) cancels the step.
#[cfg(feature = "series")]
#[hook]
fn use_series_mode(
    state: &UseReducerHandle<State>,
    dispatch: &Callback<Action>,
    folders: bool,
    on_copy: &Callback<CopyRequest>,
) -> (Html, Html) {
    let series_share_callbacks = {
        let share = state.series_share.clone();
        let failed = dispatch.clone();
        let on_download = use_callback(share, move |(), share| {
            if let Some(Ok(out)) = share
                && let Err(message) =
                    browser::download_bytes(components::SERIES_BUNDLE_NAME, &out.bundle)
            {
                failed.emit(Action::ShareFailed(message));
            }
        });
        components::SeriesShareCallbacks {
            on_make: dispatch.reform(|()| Action::ShareSeries),
            on_redact: dispatch.reform(Action::SetShareRedact),
            on_download,
            on_copy: on_copy.clone(),
        }
    };
    let series_callbacks = {
        let d = dispatch.clone();
        (*use_memo((), move |()| {
            let series = |a| Action::Series(a);
            let (files, folder) = (d.clone(), d.clone());
            SeriesCallbacks {
                on_files: Callback::from(move |f| load::series_files(&files, f)),
                on_folder: Callback::from(move |p| load::series_folder(&folder, p)),
                on_move: d.reform(move |(id, to, via)| series(SeriesAction::Move { id, to, via })),
                on_remove: d.reform(move |id| series(SeriesAction::Remove(id))),
                on_clear: d.reform(move |()| series(SeriesAction::Clear)),
                on_cancel: d.reform(move |()| series(SeriesAction::Cancel)),
                on_restart: d.reform(move |()| series(SeriesAction::Restart)),
                on_open: d.reform(move |(a, b)| series(SeriesAction::OpenPair(a, b))),
            }
        }))
        .clone()
    };
    let step_timer = use_mut_ref(|| None::<Timeout>);
    {
        let dispatch = dispatch.clone();
        use_effect_with(state.series.due_step(), move |due| {
            *step_timer.borrow_mut() = due.map(|(run, _)| {
                Timeout::new(0, move || {
                    dispatch.emit(Action::Series(SeriesAction::Step(run)))
                })
            });
        });
    }
    // After a move the focus goes back to the control that moved the input (its node moved).
    {
        let order: Vec<u64> = state.series.items.iter().map(|i| i.id).collect();
        use_effect_with((state.series.focus.clone(), order), |(focus, _)| {
            if let Some(id) = focus {
                browser::focus(id);
            }
        });
    }
    let on_mode = dispatch.reform(|on| Action::Series(SeriesAction::Show(on)));
    let s = &**state;
    let switch = components::mode_switch(
        s.series.shown,
        s.series.items.len(),
        series_opened(s),
        &on_mode,
    );
    let view = if s.series.shown {
        html! {
            <>
                { components::series_view(&s.series, &series_callbacks, folders) }
                { components::series_share_view(
                    s.series_share.as_ref(),
                    s.series.items.len(),
                    s.share_settings.redact,
                    s.ui.copied.clone(),
                    &series_share_callbacks,
                ) }
            </>
        }
    } else {
        Html::default()
    };
    (switch, view)
}

/// The two inputs last opened from the series, with their names, while the panes hold them.
#[cfg(feature = "series")]
fn series_opened(s: &State) -> Option<(usize, usize, String, String)> {
    let (a, b) = s.series.opened?;
    let name = |pos| s.series.compared_item(pos).map(|i| i.name.to_string());
    let (left, right) = (name(a)?, name(b)?);
    let holds = |side: Side, n: &String| s.pane(side).name().is_some_and(|p| **p == **n);
    (holds(Side::Left, &left) && holds(Side::Right, &right)).then_some((a, b, left, right))
}

/// The components' typed callbacks (each dispatches one action).
#[derive(Clone)]
struct Typed {
    ignore_timestamps: Callback<bool>,
    ignore_cache: Callback<bool>,
    raw: Callback<bool>,
    layout: Callback<state::ViewLayout>,
    toggle_value: Callback<(usize, bool)>,
    more_changes: Callback<()>,
    fold: Callback<(usize, bool)>,
    more_rows: Callback<()>,
}

/// The root component.
#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(|| {
        let mut s = State::default();
        if browser::narrow_screen() {
            s.view.layout = ViewLayout::Unified;
        }
        s.share_base = browser::page_base().into();
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
            None::<AnimationFrame>,
        ]
    });
    let session_timer = use_mut_ref(|| None::<Timeout>);
    // The worker that analyses and compares ([`worker`]); `None` until started, or without one.
    #[cfg(all(target_arch = "wasm32", feature = "worker"))]
    let client = use_mut_ref(|| None::<std::rc::Rc<worker::Client>>);
    #[cfg(all(target_arch = "wasm32", feature = "worker"))]
    {
        let (dispatch, client) = (dispatch.clone(), client.clone());
        use_effect_with((), move |()| {
            let answer = dispatch.clone();
            let started =
                worker::Client::start(move |r| answer.emit(Action::Computed(Box::new(r))));
            if started.is_some() {
                dispatch.emit(Action::UseWorker);
            }
            *client.borrow_mut() = started;
        });
    }
    #[cfg(all(target_arch = "wasm32", feature = "worker"))]
    {
        let client = client.clone();
        let state = state.clone();
        use_effect_with(state.request.clone(), move |request| {
            if let (Some(req), Some(client)) = (request, client.borrow().as_ref()) {
                client.send(req, [state.left.bytes(), state.right.bytes()]);
            }
        });
    }
    // Whether the inputs kept in IndexedDB are still being read back (nothing is kept meanwhile).
    let restoring = use_mut_ref(|| false);
    // Whether this tab could keep the inputs across a reload (`None`: nothing to keep).
    let kept = use_state_eq(|| None::<bool>);

    // Bring the verdict into view once it is painted, after an example, paste, file or link
    // (scrolling only: the focus stays where it is, in the textarea being typed in).
    {
        let paints = paints.clone();
        let load = state.reveal_load;
        use_effect_with(state.reveal, move |&n| {
            if n > 0 {
                // After a load the whole answer (story, verdict, summary) comes up; after typing
                // or a paste, just the verdict, so the text being edited stays in sight.
                let (id, top) = if load {
                    ("answer", true)
                } else {
                    (ANSWER_ID, false)
                };
                paints.borrow_mut()[3] =
                    Some(browser::after_paint(move || browser::reveal(id, top)));
            }
        });
    }

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

    // Open the share link the page was opened with, and any the fragment changes to later.
    {
        let dispatch = dispatch.clone();
        let restoring = restoring.clone();
        use_effect_with((), move |()| {
            let hash = browser::location_hash();
            // A share link wins; otherwise what this tab had before a reload.
            if hash.trim_start_matches('#').trim().is_empty() {
                if let Some(kept) = browser::session_get(SESSION_KEY) {
                    if let Ok(payload) = cachelens_core::share::decode_fragment(&kept) {
                        dispatch.emit(Action::Restore(Box::new(payload)));
                    }
                } else if let Some(key) = browser::session_get(SESSION_IDB_KEY) {
                    *restoring.borrow_mut() = true;
                    let (dispatch, restoring) = (dispatch.clone(), restoring.clone());
                    browser::idb_get(key, move |bytes| {
                        *restoring.borrow_mut() = false;
                        if let Some(payload) =
                            bytes.and_then(|b| cachelens_core::share::decode_bundle(&b).ok())
                        {
                            dispatch.emit(Action::Restore(Box::new(payload)));
                        }
                    });
                }
            }
            dispatch.emit(Action::OpenFragment(hash));
            let later = dispatch.clone();
            let listener = browser::on_hash_change(move |hash| {
                later.emit(Action::SetShareBase(browser::page_base()));
                later.emit(Action::OpenFragment(hash));
            });
            move || drop(listener)
        });
    }

    // Keep the inputs in this tab (sessionStorage, or IndexedDB under this tab's key when they
    // are larger) once they stop changing.
    {
        let s = &*state;
        let deps = (
            s.left.analysis().cloned(),
            s.right.analysis().cloned(),
            s.left.name().cloned(),
            s.right.name().cloned(),
            s.options.clone(),
            s.view,
        );
        let state = state.clone();
        let (session_timer, kept, restoring) =
            (session_timer.clone(), kept.clone(), restoring.clone());
        use_effect_with(deps, move |_| {
            let payload = state.session_payload();
            *session_timer.borrow_mut() = Some(Timeout::new(SESSION_MS, move || {
                if *restoring.borrow() {
                    return;
                }
                let size = payload
                    .as_ref()
                    .map(|p| p.left.bytes.len() + p.right.bytes.len());
                let idb = |p: &cachelens_core::share::SharePayload| {
                    browser::session_set(SESSION_KEY, None);
                    let kept = kept.clone();
                    keep_in_idb(cachelens_core::share::encode_bundle(p), move |ok| {
                        kept.set(Some(ok));
                    });
                };
                match (keep_where(size), &payload) {
                    (Keep::Nothing, _) | (_, None) => {
                        browser::session_set(SESSION_KEY, None);
                        forget_idb();
                        kept.set(None);
                    }
                    (Keep::TooLarge, Some(_)) => {
                        browser::session_set(SESSION_KEY, None);
                        forget_idb();
                        kept.set(Some(false));
                    }
                    (Keep::Session, Some(p)) => {
                        let text = cachelens_core::share::encode_fragment(p);
                        if browser::session_set(SESSION_KEY, Some(&text)) {
                            forget_idb();
                            kept.set(Some(true));
                        } else {
                            // sessionStorage refused (full): IndexedDB may still take them.
                            idb(p);
                        }
                    }
                    (Keep::IndexedDb, Some(p)) => idb(p),
                }
            }));
        });
    }

    let on_download = {
        let share = state.share.clone();
        let dispatch = dispatch.clone();
        use_callback(share, move |(), share| {
            if let Some(out) = share
                && let Err(message) =
                    browser::download_bytes(state::sharing::BUNDLE_NAME, &out.bundle)
            {
                dispatch.emit(Action::ShareFailed(message));
            }
        })
    };

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
                let name = state::file_label(&file.name(), &browser::relative_path(&file));
                // What this read sends back counts only while the pane still waits for it.
                let reading = next_reading();
                dispatch.emit(Action::Reading { side, reading });
                let answer = move |action: Action| Action::FromRead {
                    side,
                    reading,
                    action: Box::new(action),
                };
                // An image archive is read by ranges (a gzipped one, a `.dockerbuild` file,
                // decompressed in chunks first); anything else whole (`state::route_file`).
                let opening = {
                    let (dispatch, name) = (dispatch.clone(), name.clone());
                    move |size| {
                        dispatch.emit(answer(Action::ArchiveOpening {
                            side,
                            name,
                            size,
                            folder: false,
                        }))
                    }
                };
                let done = move |read| match read {
                    state::FileRead::Whole(bytes) => {
                        dispatch.emit(answer(Action::LoadFile { side, name, bytes }));
                        let later = dispatch.clone();
                        paints.borrow_mut()[side_index(side)] =
                            Some(browser::after_paint(move || {
                                later.emit(Action::Analyze(side))
                            }));
                    }
                    state::FileRead::Archive { result, .. } => {
                        dispatch.emit(answer(Action::ArchiveRead { side, result }))
                    }
                    state::FileRead::Failed(message) => {
                        dispatch.emit(answer(Action::LoadFailed { side, message }))
                    }
                };
                load::read_routed(file, Box::new(opening), Box::new(done));
            })
        };
        let on_folder = {
            let dispatch = dispatch.clone();
            Callback::from(
                move |picked: Result<Vec<(String, web_sys::File)>, String>| {
                    // What this read sends back counts only while the pane still waits for it.
                    let reading = next_reading();
                    dispatch.emit(Action::Reading { side, reading });
                    let answer = move |action: Action| Action::FromRead {
                        side,
                        reading,
                        action: Box::new(action),
                    };
                    let opening = |name: String, size: u64| {
                        answer(Action::ArchiveOpening {
                            side,
                            name,
                            size,
                            folder: true,
                        })
                    };
                    let failed = |message: String| {
                        answer(Action::ArchiveRead {
                            side,
                            result: Box::new(Err(message)),
                        })
                    };
                    let picked = match picked {
                        Ok(p) => p,
                        Err(message) => {
                            dispatch.emit(opening("folder".into(), 0));
                            return dispatch.emit(failed(message));
                        }
                    };
                    let listing: Vec<(String, u64)> = picked
                        .iter()
                        .map(|(path, f)| (path.clone(), f.size() as u64))
                        .collect();
                    match folder::layout_files(&listing) {
                        Ok(layout) => {
                            dispatch.emit(opening(layout.name.clone(), layout.size()));
                            let files = picked.into_iter().map(|(_, f)| f).collect();
                            let dispatch = dispatch.clone();
                            let done = move |read| {
                                if let state::FileRead::Archive { result, .. } = read {
                                    dispatch.emit(answer(Action::ArchiveRead { side, result }))
                                }
                            };
                            load::read_layout(layout, files, Box::new(done));
                        }
                        Err(message) => {
                            let name = listing
                                .first()
                                .and_then(|(p, _)| p.split('/').find(|c| !c.is_empty()))
                                .unwrap_or("folder");
                            dispatch.emit(opening(name.to_owned(), 0));
                            dispatch.emit(failed(message));
                        }
                    }
                },
            )
        };
        PaneCallbacks {
            on_input,
            on_file,
            on_folder,
            on_clear: dispatch.reform(move |()| Action::Clear(side)),
            on_drag: dispatch.reform(move |on: bool| Action::DragOver(on.then_some(side))),
            on_copy: on_copy.clone(),
            on_undo: dispatch.reform(|()| Action::UndoClear),
            on_paste: dispatch.reform(move |()| Action::Pasted(side)),
            on_help: Callback::from(|()| browser::open_details(HELP_ID)),
        }
    };
    // Callbacks are rebuilt each render; memoise them so panes re-render only when their pane
    // changes (typing in one pane must not re-render the other's 5 MB textarea).
    let left_callbacks = use_memo((), |()| pane_callbacks(Side::Left));
    let right_callbacks = use_memo((), |()| pane_callbacks(Side::Right));
    #[cfg(feature = "series")]
    let folders = *use_memo((), |()| browser::folder_upload_supported());
    // The series mode (the `series` feature, on by default; see web/Cargo.toml).
    #[cfg(feature = "series")]
    let (series_switch, series_html) = use_series_mode(&state, &dispatch, folders, &on_copy);
    #[cfg(not(feature = "series"))]
    let (series_switch, series_html) = (Html::default(), Html::default());
    let series_shown = cfg!(feature = "series") && state.series.shown;
    let on_pick = {
        let dispatch = dispatch.clone();
        (*use_memo((), move |()| {
            Callback::from(move |id: &'static str| {
                // Both panes wait for the pair; typing into either meanwhile drops it.
                let reading = next_reading();
                for side in [Side::Left, Side::Right] {
                    dispatch.emit(Action::Reading { side, reading });
                }
                let dispatch = dispatch.clone();
                browser::fetch_bytes(examples::path(id, Side::Left), move |left| {
                    browser::fetch_bytes(examples::path(id, Side::Right), move |right| {
                        let action = match (left, right) {
                            (Ok(left), Ok(right)) => Action::LoadExample { id, left, right },
                            (Err(message), _) | (_, Err(message)) => Action::LoadFailed {
                                side: Side::Left,
                                message,
                            },
                        };
                        dispatch.emit(Action::FromRead {
                            side: Side::Left,
                            reading,
                            action: Box::new(action),
                        });
                    })
                });
            })
        }))
        .clone()
    };

    // Typed callbacks for the components, made once (so their props stay equal).
    let typed = {
        let d = dispatch.clone();
        (*use_memo((), move |()| Typed {
            ignore_timestamps: d.reform(Action::SetIgnoreTimestamps),
            ignore_cache: d.reform(Action::SetIgnoreCache),
            raw: d.reform(Action::SetRaw),
            layout: d.reform(Action::SetLayout),
            toggle_value: d.reform(|(change, old)| Action::ToggleValue { change, old }),
            more_changes: d.reform(|()| Action::ShowMoreChanges),
            fold: d.reform(|(row, open)| {
                if open {
                    Action::ExpandFold(row)
                } else {
                    Action::CollapseFold(row)
                }
            }),
            more_rows: d.reform(|()| Action::ShowMoreRows),
        }))
        .clone()
    };

    let s = &*state;
    let stale = s.left.pending() || s.right.pending() || s.computing;
    let compared = s.compared.clone();
    let verdict = compared.as_ref().map(|c| c.comparison.verdict);
    let headline = compared
        .as_ref()
        .map(|c| AttrValue::from(c.comparison.headline()))
        .unwrap_or_default();
    let example = s.example.and_then(examples::by_id);
    let labels = s.labels();
    let detail = |i: usize| {
        labels[i]
            .as_ref()
            .and_then(|(_, d)| d.clone())
            .map(AttrValue::from)
    };
    let undo = |side: Side| s.undo.as_ref().is_some_and(|(u, _)| *u == side);
    let on_swap = dispatch.reform(|_: MouseEvent| Action::Swap);

    html! {
        <main data-testid="app" class="app" data-computed={s.computed_in}>
            <header class="top">
                <h1>{ "cachelens" }</h1>
                <p class="lede">
                    { "cachelens shows what really changed between two Docker/BuildKit image configs, build caches or manifests whose digests differ, once record renumbering and other noise are set aside (" }
                    { components::issue_link("moby/buildkit", 3009) }{ ", " }
                    { components::issue_link("moby/buildkit", 1876) }{ ", " }
                    { components::issue_link("moby/buildkit", 3188) }{ "). " }
                    { "Paste or drop two inputs below, or try an example; nothing leaves your browser." }
                </p>
            </header>
            { series_switch }
            { series_html }
            <div class="pair" hidden={series_shown}>
            <ExampleMenu current={s.example} on_pick={on_pick} />
            if let Some(message) = &s.share_error {
                <p class="error share-error" data-testid="error" role="alert">{ message.to_string() }</p>
            }
            if let Some(changes) = &s.changes_view {
                <components::ChangesOnlyView changes={changes.clone()} />
            }
            if let Some(opened) = &s.opened {
                <OpenedBanner
                    opened={opened.clone()}
                    seen={[Side::Left, Side::Right].map(|side| s.pane(side).ok().map(|a| a.digest.to_string()))}
                />
            }
            <div class="pane-tools">
                <button
                    type="button"
                    class="button"
                    data-testid="swap"
                    onclick={on_swap}
                    disabled={s.left.is_empty() && s.right.is_empty()}
                >
                    <span aria-hidden="true">{ "⇄ " }</span>{ "Swap sides" }
                </button>
            </div>
            <div class="panes">
                <PaneView
                    side={Side::Left}
                    pane={s.left.clone()}
                    dragging={s.ui.drag == Some(Side::Left)}
                    copied={s.ui.copied.clone()}
                    name_detail={detail(0)}
                    undo={undo(Side::Left)}
                    callbacks={(*left_callbacks).clone()}
                />
                <PaneView
                    side={Side::Right}
                    pane={s.right.clone()}
                    dragging={s.ui.drag == Some(Side::Right)}
                    copied={s.ui.copied.clone()}
                    name_detail={detail(1)}
                    undo={undo(Side::Right)}
                    callbacks={(*right_callbacks).clone()}
                />
            </div>
            <components::HelpFiles />
            <OptionsBar
                options={s.options.clone()}
                view={s.view}
                on_ignore_timestamps={typed.ignore_timestamps.clone()}
                on_ignore_cache={typed.ignore_cache.clone()}
                on_raw={typed.raw.clone()}
                on_layout={typed.layout.clone()}
            />
            <section class="answer" id="answer" aria-label="The answer">
                if let Some(ex) = example {
                    <p class="story"><span class="muted">{ "Example: " }</span>{ components::linked_text(ex.story) }</p>
                }
                if let Some(message) = mixed_inputs(s) {
                    <p class="error" data-testid="mixed-inputs" role="alert">{ message }</p>
                }
                <VerdictBanner {verdict} {headline} {stale} status={status(s)} id={ANSWER_ID} />
                if let Some(c) = &compared {
                    <Diagnoses compared={c.clone()} />
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
                        on_toggle_value={typed.toggle_value.clone()}
                        on_more={typed.more_changes.clone()}
                    />
                    <SharePanel
                        share={s.share.clone()}
                        problem={s.share_problem.clone()}
                        due={s.share_due}
                        archives={compared.as_ref().is_some_and(|c| c.images.is_some())}
                        settings={s.share_settings}
                        copied={s.ui.copied.clone()}
                        on_copy={on_copy.clone()}
                        on_action={dispatch.clone()}
                        {on_download}
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
                        focus={s.ui.fold_focus.clone()}
                        on_fold={typed.fold.clone()}
                        on_more={typed.more_rows.clone()}
                        steps={compared.as_ref().and_then(|c| c.steps.clone())}
                    />
                }
            </section>
            </div>
            <footer class="foot muted">
                { "cachelens runs entirely in this page: no upload, no tracking. " }
                <span data-testid="session-note">
                    { match *kept {
                        Some(false) => format!(
                            "These inputs could not be kept across a reload (over {}, or the browser refused); they stay only in this page. ",
                            components::size_text(SESSION_IDB_MAX_BYTES as u64)
                        ),
                        _ => "Your inputs stay in this tab only (its sessionStorage, or for large inputs IndexedDB under a key only this tab holds): a reload keeps them, a new tab does not see them; they are never put in the address. ".to_owned(),
                    } }
                </span>
                { "Same answer on the command line: " }<code>{ "cachelens diff left.json right.json" }</code>
            </footer>
        </main>
    }
}

/// Mounts the app on `<body>`, and keeps a file dropped outside the panes from replacing the
/// page (the browser's default for a drop it does not handle).
pub fn start() {
    // The same module runs the worker ([`worker`]): there is no window there.
    if web_sys::window().is_none() {
        #[cfg(all(target_arch = "wasm32", feature = "worker"))]
        worker::serve();
        return;
    }
    browser::guard_page_drops();
    yew::Renderer::<App>::new().render();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_are_kept_in_session_storage_then_indexeddb_then_not_at_all() {
        assert_eq!(keep_where(None), Keep::Nothing);
        assert_eq!(keep_where(Some(0)), Keep::Session);
        assert_eq!(keep_where(Some(SESSION_MAX_BYTES)), Keep::Session);
        assert_eq!(keep_where(Some(SESSION_MAX_BYTES + 1)), Keep::IndexedDb);
        assert_eq!(keep_where(Some(4 * 1024 * 1024)), Keep::IndexedDb);
        assert_eq!(keep_where(Some(SESSION_IDB_MAX_BYTES)), Keep::IndexedDb);
        assert_eq!(keep_where(Some(SESSION_IDB_MAX_BYTES + 1)), Keep::TooLarge);
    }
}
