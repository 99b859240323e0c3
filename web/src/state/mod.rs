//! The viewer's state: one reducer holding both inputs, their analyses, the options and the view,
//! with each derived result recomputed only when what it depends on changes.
//!
//! Dependencies, and what each action recomputes:
//!
//! * a pane's **analysis** depends on that pane's bytes only: [`Action::Analyze`] (sent by the
//!   debounce timer after [`Action::Edit`]), [`Action::LoadFile`] and [`Action::LoadExample`];
//! * the **comparison** depends on both analyses and the diff [`Options`];
//! * the **document view** (line rows) depends on the comparison and the [`ViewOptions`].
//!
//! Late results: every change of the inputs, options or view bumps [`State::seq`]; the
//! worker's answers ([`Action::Computed`]) carry the number of the request they answer and are
//! dropped unless it is the last one. File and folder reads wait the same way, by their `reading`
//! number ([`State::awaiting`], [`Action::FromRead`]).
//!
//! Here: [`State`], [`Action`] and the reducer. Beside it: `pane` (one pane, and how a file is
//! routed to it: [`route_file`]), `doc` (the comparison and the document view), `compute` (what
//! is recomputed, here or in the worker, and the worker's answers), `session` (share links,
//! bundles and what the tab keeps across a reload) and `series` (the series mode: many inputs
//! in build order, compared one per task).
//!
//! Everything here is plain Rust and tested natively (`cargo test -p cachelens-web`).

use crate::examples;
use cachelens_core::compare::filtered;
use cachelens_core::image::{ImageSet, comparable};
use cachelens_core::share::{ShareArchive, SharePayload, ShareSide};
use cachelens_core::view::{Row, SideRow};
use cachelens_core::{Analysis, Area, Comparison, Error, Options, Side, analyze, compare, json};
use sharing::{self as share, Opened, OpenedSide, ShareOut, ShareSettings, Source};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::Deref;
use std::rc::Rc;
use wire::{Request, Response, SideJob};

mod compute;
mod doc;
mod pane;
#[cfg_attr(not(feature = "series"), allow(dead_code))]
mod series;
#[cfg_attr(not(feature = "series"), allow(dead_code))]
mod series_share;
mod session;
pub mod sharing;
#[cfg(test)]
mod tests;
pub mod wire;

pub use doc::{
    Compared, DocView, Rows, ViewLayout, ViewOptions, compare_panes, doc_view, fold_again_id,
    fold_id,
};
pub use pane::{
    Analysed, AnalysisResult, Archive, Doc, FileRoute, Pane, analyze_input, file_label, route_file,
    short_digest,
};
pub use series::{
    Computed, FileRead, FolderInput, Held, Item, Progress, SeriesAction, SeriesState, Via,
    folder_inputs, natural_cmp,
};
pub use series_share::SeriesShareOut;

/// Rows of the document view rendered at first, and added by each "show more".
pub const ROW_PAGE: usize = 2000;
/// Changes listed at first, and added by each "show more".
pub const CHANGE_PAGE: usize = 200;
/// Unchanged lines kept around each changed line before folding.
pub const CONTEXT_LINES: usize = 3;
/// Files larger than this are analysed but not put in the textarea (the browser would crawl).
pub const TEXTAREA_MAX_BYTES: usize = 2 * 1024 * 1024;
/// Inputs (both sides together) up to this size get their document view at once; larger ones
/// get it after the verdict has been painted ([`Action::LayOut`]), so the answer comes first.
pub const VIEW_SYNC_BYTES: usize = 512 * 1024;
/// A raw view with a line longer than this is not laid out: a word diff of a multi-megabyte
/// single-line JSON would freeze the page and show nothing a person can read.
pub const RAW_LINE_MAX: usize = 100_000;

/// A value shared between states and props, compared by identity: cheap to clone and to compare,
/// and "changed" exactly when it was recomputed.
pub struct Shared<T>(Rc<T>);

impl<T> Shared<T> {
    /// Wraps a freshly computed value.
    pub fn new(value: T) -> Self {
        Shared(Rc::new(value))
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(Rc::clone(&self.0))
    }
}

impl<T> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl<T> Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Shared({:p})", Rc::as_ptr(&self.0))
    }
}

/// Feedback after a copy button was pressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    /// Which button (e.g. `left-digest`, `path-3`).
    pub key: Rc<str>,
    /// Whether the clipboard took it.
    pub ok: bool,
}

/// Transient presentation state: what is expanded, how much is shown.
/// The long values of the changes list shown in full: each a change's index and which of its
/// values (`true`: the old one). Kept as one number each (index * 2 + old), so the page links
/// no set of pairs beside its sets of numbers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExpandedValues(BTreeSet<usize>);

impl ExpandedValues {
    fn key(change: usize, old: bool) -> usize {
        change * 2 + usize::from(old)
    }

    /// Whether this value of this change is shown in full.
    pub fn contains(&self, change: usize, old: bool) -> bool {
        self.0.contains(&Self::key(change, old))
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Folds them all again.
    pub fn clear(&mut self) {
        self.0.clear();
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ui {
    /// Fold rows (indexes into [`DocView::rows`]) the user expanded.
    pub expanded_folds: BTreeSet<usize>,
    /// How many document rows to render.
    pub row_limit: usize,
    /// How many changes to list.
    pub change_limit: usize,
    /// Long values shown in full.
    pub expanded_values: ExpandedValues,
    /// The last copy, for a short confirmation.
    pub copied: Option<Copied>,
    /// The pane a file is being dragged over.
    pub drag: Option<Side>,
    /// The fold button to focus after a fold was expanded or folded again (its id).
    pub fold_focus: Option<Rc<str>>,
}

impl Default for Ui {
    fn default() -> Self {
        Ui {
            expanded_folds: BTreeSet::new(),
            row_limit: ROW_PAGE,
            change_limit: CHANGE_PAGE,
            expanded_values: ExpandedValues::default(),
            copied: None,
            drag: None,
            fold_focus: None,
        }
    }
}

/// Everything the viewer shows. Inputs (both panes' bytes and names, the options, the view) are
/// what a share link will carry; the rest is derived from them or transient.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct State {
    /// The file read each pane waits for ([`Action::Reading`]), left then right.
    pub awaiting: [Option<u64>; 2],
    /// The left (old) input.
    pub left: Pane,
    /// The right (new) input.
    pub right: Pane,
    /// What the comparison leaves out.
    pub options: Options,
    /// How the documents are shown.
    pub view: ViewOptions,
    /// The example loaded, if the panes still hold it.
    pub example: Option<&'static str>,
    /// The comparison, when both inputs analysed without error.
    pub compared: Option<Shared<Compared>>,
    /// The document view of the comparison.
    pub doc: Option<Shared<DocView>>,
    /// The document view is out of date and will be laid out after the next paint
    /// ([`Action::LayOut`]); `doc` is the previous one (or none) until then.
    pub doc_due: bool,
    /// Counts deferred layouts, so the view can ask for one each time.
    pub doc_generation: u64,
    /// Transient presentation state.
    pub ui: Ui,
    /// The page's address without its fragment: the base of share links.
    pub share_base: Rc<str>,
    /// What the user chose in the share panel.
    pub share_settings: ShareSettings,
    /// The share link, bundle and Markdown of the current comparison.
    pub share: Option<Shared<ShareOut>>,
    /// The inputs are large: the share link is made when asked ([`Action::MakeShareLink`]).
    pub share_due: bool,
    /// The panes were filled from a share link or bundle (until an input changes).
    pub opened: Option<Shared<Opened>>,
    /// A share link that could not be opened, with the decoder's reason.
    pub share_error: Option<Rc<str>>,
    /// A changes-only link or bundle opened: shown read-only (the panes stay empty).
    pub changes_view: Option<Shared<sharing::OpenedChanges>>,
    /// Why the comparison cannot be shared as the panel asks (shown in the share panel).
    pub share_problem: Option<Rc<str>>,
    /// Counts the times the verdict should be brought into view (after an example, a paste, a
    /// file, an archive or a share link was put in a pane and the panes compared).
    pub reveal: u64,
    /// An input was loaded or pasted: the next comparison brings the verdict into view.
    pub reveal_due: bool,
    /// The last reveal follows a load (an example, file, archive or link), not text typed or
    /// pasted: the answer is scrolled to the top of the window, not just into it.
    pub reveal_load: bool,
    /// The next reveal is due to a load ([`State::reveal_load`]).
    reveal_load_due: bool,
    /// The pane cleared last, which "Undo" puts back (until that pane gets another input).
    pub undo: Option<(Side, Pane)>,
    /// Analyses, comparisons and layouts are asked of the worker ([`crate::worker`]) rather
    /// than computed here (except for image archives, read and compared here).
    pub offload: bool,
    /// The last request to the worker (the page sends each new one).
    pub request: Option<Shared<Request>>,
    /// The number of the last request: an answer carrying another is dropped (its inputs,
    /// options or view have changed since). Bumped by anything that changes them.
    pub seq: u64,
    /// An answer to [`State::request`] is awaited (the verdict shown is not of the inputs).
    pub computing: bool,
    /// Where the last comparison was computed: "worker" or "page" (`data-computed`).
    pub computed_in: &'static str,
    /// The series mode: many inputs in build order (`series`).
    pub series: SeriesState,
    /// The series' share link and bundle once asked for ([`Action::ShareSeries`]), or why it
    /// cannot be made; dropped when the series, its options or the share choices change.
    pub series_share: Option<Result<Shared<SeriesShareOut>, Rc<str>>>,
    /// The last generation given to an input ([`Pane::generation`]).
    last_generation: u64,
    /// The awaited comparison starts the change list afresh (not one asked for a view change).
    fresh_compare: bool,
}

/// What can happen.
#[derive(Debug, Clone)]
pub enum Action {
    /// The user typed or pasted: the text is stored, its analysis is due (debounced).
    Edit {
        /// Which pane.
        side: Side,
        /// The textarea's new value.
        text: String,
    },
    /// The debounce timer fired: analyse the pane if its text changed.
    Analyze(Side),
    /// A file was chosen or dropped and read; its analysis is due ([`Action::Analyze`], sent
    /// after the "Analysing…" state has been painted).
    LoadFile {
        /// Which pane.
        side: Side,
        /// The file name.
        name: String,
        /// Its exact bytes.
        bytes: Vec<u8>,
    },
    /// A file could not be read.
    LoadFailed {
        /// Which pane.
        side: Side,
        /// What went wrong, with the file name.
        message: String,
    },
    /// Empty one pane.
    Clear(Side),
    /// Fill both panes with an example (by id, see [`examples::EXAMPLES`]), whose two inputs
    /// were fetched from the page's origin ([`examples::path`]). Sent inside
    /// [`Action::FromRead`] for the left pane, after an [`Action::Reading`] for both panes: it
    /// is applied only if neither pane got something else meanwhile.
    LoadExample {
        /// The example's id.
        id: &'static str,
        /// The left input's exact bytes.
        left: Vec<u8>,
        /// The right input's exact bytes.
        right: Vec<u8>,
    },
    /// Ignore timestamps or not.
    SetIgnoreTimestamps(bool),
    /// Ignore the cache or not.
    SetIgnoreCache(bool),
    /// Show the raw inputs (true) or the canonical documents (false).
    SetRaw(bool),
    /// Side-by-side or unified.
    SetLayout(ViewLayout),
    /// Lay out the document view if it is due (sent after a paint, see [`State::doc_due`]).
    LayOut,
    /// Expand the fold at this row index.
    ExpandFold(usize),
    /// Fold an expanded stretch again.
    CollapseFold(usize),
    /// Something was pasted into a pane: its comparison brings the verdict into view.
    Pasted(Side),
    /// Put back the pane cleared last ([`State::undo`]).
    UndoClear,
    /// Exchange the left and right inputs.
    Swap,
    /// Fill the panes with what this tab kept across a reload ([`State::session_payload`]).
    Restore(Box<SharePayload>),
    /// Render more document rows.
    ShowMoreRows,
    /// List more changes.
    ShowMoreChanges,
    /// Show a long value in full, or shorten it again.
    ToggleValue {
        /// Index of the change.
        change: usize,
        /// The old value (true) or the new one (false).
        old: bool,
    },
    /// A copy finished (`Some`) or its confirmation expired (`None`).
    Copied(Option<Copied>),
    /// A file is dragged over a pane (`Some`) or left it (`None`).
    DragOver(Option<Side>),
    /// The page's address (without fragment), the base of share links.
    SetShareBase(String),
    /// The page was opened (or its fragment changed) with this fragment: open the share link it
    /// holds, if any.
    OpenFragment(String),
    /// Fill both panes and the options from a decoded share payload.
    OpenShare {
        /// What the link or bundle carries.
        payload: Box<SharePayload>,
        /// Link or bundle.
        source: Source,
    },
    /// Redact values of environment variables and labels in the share link, or not.
    SetShareRedact(bool),
    /// Share only each side's decoded cache, or the whole inputs.
    SetShareCacheOnly(bool),
    /// Make the share link of large inputs (see [`State::share_due`]).
    MakeShareLink,
    /// Sharing failed in the browser (a download refused).
    ShareFailed(String),
    /// A file chosen or dropped is an image archive (read by ranges), or a folder chosen or
    /// dropped is an image layout (its JSON files read whole): it is being read.
    ArchiveOpening {
        /// Which pane.
        side: Side,
        /// The file (or folder) name.
        name: String,
        /// Its size in bytes (of a folder: the sum of its files').
        size: u64,
        /// A folder rather than a tarball.
        folder: bool,
    },
    /// A file or folder was chosen or dropped on a pane: what its reading (in `reading`) sends
    /// back comes wrapped in [`Action::FromRead`].
    Reading {
        /// Which pane.
        side: Side,
        /// A number new to each file read.
        reading: u64,
    },
    /// The result of a file or folder read ([`Action::LoadFile`], [`Action::LoadFailed`],
    /// [`Action::ArchiveOpening`] then [`Action::ArchiveRead`]): applied only if the pane still
    /// waits for that read (not if something else was put in it meanwhile, another file
    /// included). This is how every read that finishes late is told apart.
    FromRead {
        /// Which pane.
        side: Side,
        /// The read's number.
        reading: u64,
        /// What to do.
        action: Box<Action>,
    },
    /// An image archive was read (or could not be).
    ArchiveRead {
        /// Which pane.
        side: Side,
        /// What it holds, or why it could not be read.
        result: Box<Result<ImageSet, String>>,
    },
    /// The worker started: analyses and comparisons are asked of it from now on.
    UseWorker,
    /// The worker answered (applied only if it answers the last request, [`State::seq`]).
    Computed(Box<Response>),
    /// Something in the series mode (`series`).
    Series(SeriesAction),
    /// Make the series' share link and bundle (`series_share`).
    ShareSeries,
}

#[cfg(test)]
impl Action {
    /// [`Action::LoadExample`] with the example's inputs read from `tests/fixtures/scenarios`,
    /// the folder the page fetches them from (tests only).
    pub(crate) fn example(id: &'static str) -> Action {
        let read = |side| {
            let rel =
                examples::path(id, side).replacen("examples/", "tests/fixtures/scenarios/", 1);
            let path = format!("{}/../{rel}", env!("CARGO_MANIFEST_DIR"));
            std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
        };
        Action::LoadExample {
            id,
            left: read(Side::Left),
            right: read(Side::Right),
        }
    }
}

impl yew::Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = Rc::unwrap_or_clone(self);
        next.apply(action);
        Rc::new(next)
    }
}

/// 0 for the left pane, 1 for the right.
pub fn side_index(side: Side) -> usize {
    match side {
        Side::Left => 0,
        Side::Right => 1,
    }
}

impl State {
    /// The pane of one side.
    pub fn pane(&self, side: Side) -> &Pane {
        match side {
            Side::Left => &self.left,
            Side::Right => &self.right,
        }
    }

    fn pane_mut(&mut self, side: Side) -> &mut Pane {
        match side {
            Side::Left => &mut self.left,
            Side::Right => &mut self.right,
        }
    }

    /// Applies one action, recomputing only what depends on what changed.
    pub fn apply(&mut self, action: Action) {
        // Anything else put in a pane ends its wait for a file being read.
        let replaced: &[Side] = match &action {
            Action::Edit { side, .. }
            | Action::Clear(side)
            | Action::LoadFile { side, .. }
            | Action::LoadFailed { side, .. }
            | Action::ArchiveOpening { side, .. }
            | Action::ArchiveRead { side, .. } => std::slice::from_ref(side),
            Action::LoadExample { .. }
            | Action::OpenFragment(_)
            | Action::OpenShare { .. }
            | Action::Swap
            | Action::Restore(_) => &[Side::Left, Side::Right],
            Action::UndoClear => match &self.undo {
                Some((side, _)) => std::slice::from_ref(side),
                None => &[],
            },
            _ => &[],
        };
        let replaced = replaced.to_vec();
        for side in &replaced {
            self.awaiting[side_index(*side)] = None;
        }
        // What is put in a pane (other than by the undo itself) ends the offer to undo its clear.
        if !matches!(action, Action::UndoClear | Action::Clear(_))
            && self
                .undo
                .as_ref()
                .is_some_and(|(s, _)| replaced.contains(s))
        {
            self.undo = None;
        }
        match action {
            Action::Reading { side, reading } => {
                self.awaiting[side_index(side)] = Some(reading);
            }
            Action::FromRead {
                side,
                reading,
                action,
            } => {
                // An example fills both panes: both must still wait for it.
                let sides: &[Side] = if matches!(*action, Action::LoadExample { .. }) {
                    &[Side::Left, Side::Right]
                } else {
                    std::slice::from_ref(&side)
                };
                if sides
                    .iter()
                    .all(|s| self.awaiting[side_index(*s)] == Some(reading))
                {
                    // An archive's contents follow its opening, under the same number.
                    let more = matches!(*action, Action::ArchiveOpening { .. });
                    self.apply(*action);
                    if more {
                        self.awaiting[side_index(side)] = Some(reading);
                    }
                }
            }
            Action::Edit { side, text } => {
                // What the worker computes for the text being replaced is moot (its analysis
                // is asked once typing pauses).
                self.seq += 1;
                self.example = None;
                self.opened = None;
                self.changes_view = None;
                let pane = self.pane_mut(side);
                *pane = Pane::typed(text, pane.analysis().cloned());
                if pane.is_empty() {
                    // Nothing to wait for: clear at once.
                    self.recompare();
                }
            }
            Action::Analyze(side) => {
                let here = self.here();
                if self.pane_mut(side).analyze(side, here) {
                    self.recompare();
                }
            }
            Action::LoadFile { side, name, bytes } => {
                if cachelens_core::share::is_bundle(&bytes) {
                    match cachelens_core::share::decode_shared_bundle(&bytes) {
                        Ok(shared) => self.open_shared(shared, Source::Bundle(name)),
                        Err(e) => self.apply(Action::LoadFailed {
                            side,
                            message: format!(
                                "{name} is a cachelens share bundle but could not be opened: {e}"
                            ),
                        }),
                    }
                    return;
                }
                self.example = None;
                self.opened = None;
                self.changes_view = None;
                self.reveal_due = true;
                self.reveal_load_due = true;
                // Moot too: what the worker computes for the input replaced (this one is asked
                // after a paint, `Action::Analyze`).
                self.seq += 1;
                *self.pane_mut(side) = Pane::loaded(&name, Rc::from(bytes));
            }
            Action::LoadFailed { side, message } => {
                *self.pane_mut(side) = Pane::Failed(Rc::from(message));
                self.recompare();
            }
            Action::Clear(side) => {
                self.example = None;
                self.opened = None;
                self.changes_view = None;
                let old = std::mem::take(self.pane_mut(side));
                if !old.is_blank() {
                    self.undo = Some((side, old));
                }
                self.recompare();
            }
            Action::UndoClear => {
                if let Some((side, pane)) = self.undo.take() {
                    *self.pane_mut(side) = pane;
                    self.recompare();
                }
            }
            Action::Swap => {
                std::mem::swap(&mut self.left, &mut self.right);
                self.example = None;
                self.opened = None;
                self.changes_view = None;
                // Analyses name their side (in warnings): analyse each text again.
                let here = self.here();
                for side in [Side::Left, Side::Right] {
                    let pane = self.pane_mut(side);
                    let empty = pane.is_empty();
                    if let Some(doc) = pane.doc_mut() {
                        doc.generation = 0;
                        if !empty {
                            doc.analysis.make_due();
                        }
                    }
                    pane.analyze(side, here);
                }
                self.recompare();
            }
            Action::Pasted(_) => {
                self.reveal_due = true;
                self.reveal_load_due = false;
            }
            Action::Restore(payload) => self.restore(*payload),
            Action::LoadExample { id, left, right } => {
                let Some(ex) = examples::by_id(id) else {
                    return;
                };
                self.example = Some(ex.id);
                self.opened = None;
                self.changes_view = None;
                self.reveal_due = true;
                self.reveal_load_due = true;
                self.share_error = None;
                self.left = Pane::loaded(&format!("{}/left.json", ex.id), Rc::from(left));
                self.right = Pane::loaded(&format!("{}/right.json", ex.id), Rc::from(right));
                // Examples are small: analyse at once.
                let here = self.here();
                self.left.analyze(Side::Left, here);
                self.right.analyze(Side::Right, here);
                self.recompare();
            }
            Action::SetIgnoreTimestamps(on) => {
                self.series_share = None;
                if self.options.ignore_timestamps != on {
                    self.options.ignore_timestamps = on;
                    self.recompare();
                }
            }
            Action::SetIgnoreCache(on) => {
                self.series_share = None;
                if self.options.ignore_cache != on {
                    self.options.ignore_cache = on;
                    self.recompare();
                }
            }
            Action::SetRaw(raw) => {
                if self.view.raw != raw {
                    self.view.raw = raw;
                    self.review();
                    self.reshare(false);
                }
            }
            Action::SetLayout(layout) => {
                if self.view.layout != layout {
                    self.view.layout = layout;
                    self.review();
                    self.reshare(false);
                }
            }
            Action::LayOut => {
                if self.doc_due && self.here() {
                    self.lay_out();
                }
            }
            Action::ExpandFold(row) => {
                self.ui.expanded_folds.insert(row);
                self.ui.fold_focus = Some(Rc::from(fold_again_id(row).as_str()));
            }
            Action::CollapseFold(row) => {
                self.ui.expanded_folds.remove(&row);
                self.ui.fold_focus = Some(Rc::from(fold_id(row).as_str()));
            }
            Action::ShowMoreRows => self.ui.row_limit += ROW_PAGE,
            Action::ShowMoreChanges => self.ui.change_limit += CHANGE_PAGE,
            Action::ToggleValue { change, old } => {
                if !self
                    .ui
                    .expanded_values
                    .0
                    .remove(&ExpandedValues::key(change, old))
                {
                    self.ui
                        .expanded_values
                        .0
                        .insert(ExpandedValues::key(change, old));
                }
            }
            Action::Copied(copied) => self.ui.copied = copied,
            Action::DragOver(side) => self.ui.drag = side,
            Action::SetShareBase(base) => {
                let base = base.split_once('#').map_or(base.as_str(), |(b, _)| b);
                if *self.share_base != *base {
                    self.share_base = Rc::from(base);
                    self.reshare(false);
                }
            }
            Action::OpenFragment(fragment) => {
                let fragment = fragment.trim_start_matches('#');
                if fragment.trim().is_empty() {
                    return;
                }
                match cachelens_core::share::decode_shared(fragment) {
                    Ok(shared) => self.open_shared(shared, Source::Link),
                    Err(e) => {
                        self.share_error = Some(Rc::from(format!(
                            "This share link could not be opened: {e}"
                        )));
                    }
                }
            }
            Action::OpenShare { payload, source } => self.open_share(*payload, source),
            Action::SetShareRedact(on) => {
                self.series_share = None;
                if self.share_settings.redact != on {
                    self.share_settings.redact = on;
                    self.reshare(false);
                }
            }
            Action::SetShareCacheOnly(on) => {
                self.series_share = None;
                if self.share_settings.cache_only != on {
                    self.share_settings.cache_only = on;
                    self.reshare(false);
                }
            }
            Action::MakeShareLink => self.reshare(true),
            Action::ShareFailed(message) => self.share_error = Some(Rc::from(message)),
            Action::ArchiveOpening {
                side,
                name,
                size,
                folder,
            } => {
                self.example = None;
                self.opened = None;
                self.changes_view = None;
                self.reveal_due = true;
                self.reveal_load_due = true;
                *self.pane_mut(side) = Pane::Archive(Archive {
                    name: Rc::from(name),
                    size,
                    folder,
                    read: None,
                });
                self.recompare();
            }
            Action::UseWorker => self.offload = true,
            Action::Computed(answer) => self.answer(*answer),
            #[cfg(feature = "series")]
            Action::Series(action) => {
                if !matches!(
                    action,
                    SeriesAction::Show(_) | SeriesAction::Step(_) | SeriesAction::Cancel
                ) {
                    self.series_share = None;
                }
                self.series_apply(action)
            }
            #[cfg(feature = "series")]
            Action::ShareSeries => self.share_series(),
            // Built without the series mode: nothing sends these.
            #[cfg(not(feature = "series"))]
            Action::Series(_) | Action::ShareSeries => {}
            Action::ArchiveRead { side, result } => {
                // (Only the answer to the archive the pane shows now: it comes in
                // `Action::FromRead`, dropped once something else was put in the pane.)
                if let Pane::Archive(archive) = self.pane_mut(side)
                    && archive.read.is_none()
                {
                    archive.read = Some(Shared::new(result.map_err(Rc::from)));
                    self.recompare();
                }
            }
        }
    }
}
