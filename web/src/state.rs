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
//! Everything here is plain Rust and tested natively (`cargo test -p cachelens-web`).

use crate::examples;
use crate::share::{self, Opened, OpenedSide, ShareOut, ShareSettings, Source};
use crate::worker::{Request, Response, SideJob};
use cachelens_core::compare::filtered;
use cachelens_core::image::{ImageSet, comparable};
use cachelens_core::share::{ShareArchive, SharePayload, ShareSide};
use cachelens_core::view::{Row, SideRow};
use cachelens_core::{
    Analysis, Area, Comparison, Error, Options, Pointer, Side, analyze, compare, json,
};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::Deref;
use std::rc::Rc;

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

/// One input pane.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Pane {
    /// What the textarea shows (and, for pasted text, exactly what is analysed).
    pub text: Rc<str>,
    /// The exact bytes analysed when they came from a file or an example (the textarea cannot
    /// hold every byte sequence: it normalises line breaks and needs UTF-8). `None` for typed text.
    pub bytes: Option<Rc<[u8]>>,
    /// The file (or example) name, when the input was loaded rather than typed.
    pub name: Option<Rc<str>>,
    /// The input is too large to show in the textarea ([`TEXTAREA_MAX_BYTES`]).
    pub hidden: bool,
    /// The analysis of the current input; `None` while the pane is empty.
    pub analysis: Option<Shared<Result<Analysis, Error>>>,
    /// The text changed since [`Pane::analysis`] was computed (a debounced re-analysis is due).
    pub pending: bool,
    /// A file could not be read.
    pub load_error: Option<Rc<str>>,
    /// The pane holds an image archive of this many bytes (read by ranges, never put in the
    /// textarea); `None` for JSON input.
    pub archive_size: Option<u64>,
    /// What the archive holds, once read; or why it could not be read.
    pub archive: Option<Shared<Result<ImageSet, Rc<str>>>>,
    /// The archive is a folder (an OCI layout chosen or dropped as a folder), not a tarball.
    pub folder: bool,
    /// Which opening the pane waits for ([`Action::ArchiveOpening`]'s `reading`): the result of
    /// an archive replaced before it was read is dropped.
    pub reading: u64,
    /// The input is the comparable document of an image archive, opened from a share link (or
    /// bundle) that says so: its kind, digest and size are the archive's image's.
    pub from_archive: Option<Rc<ShareArchive>>,
    /// Which input this is: a number new to each input put in a pane (given when it is first
    /// sent to the worker, 0 until then), so the worker keeps each input's bytes once.
    pub generation: u64,
    /// The analysis was asked of the worker and has not come back yet.
    pub asked: bool,
    /// The analysis came from the worker, without the documents (which the worker keeps):
    /// to compare here (an image archive came to the other pane), it is made here again.
    pub light: bool,
}

impl Pane {
    /// A pane holding loaded bytes, its analysis due.
    fn loaded(name: &str, bytes: Rc<[u8]>) -> Pane {
        let hidden = bytes.len() > TEXTAREA_MAX_BYTES;
        let text: Rc<str> = if hidden {
            Rc::from("")
        } else {
            Rc::from(String::from_utf8_lossy(&bytes).as_ref())
        };
        let mut pane = Pane {
            text,
            bytes: Some(bytes),
            name: Some(Rc::from(name)),
            hidden,
            ..Pane::default()
        };
        pane.pending = true;
        pane
    }

    /// The exact bytes of the input.
    pub fn bytes(&self) -> &[u8] {
        self.bytes.as_deref().unwrap_or(self.text.as_bytes())
    }

    /// Whether nothing was entered.
    pub fn is_empty(&self) -> bool {
        self.bytes().is_empty() && self.archive_size.is_none()
    }

    /// The images of an archive read without error.
    pub fn image_set(&self) -> Option<&ImageSet> {
        self.archive.as_deref().and_then(|r| r.as_ref().ok())
    }

    /// The input as text, for the raw view.
    pub fn raw_text(&self) -> Cow<'_, str> {
        match &self.bytes {
            Some(b) if self.hidden => String::from_utf8_lossy(b),
            _ => Cow::Borrowed(&self.text),
        }
    }

    /// The analysis, when it succeeded.
    pub fn ok(&self) -> Option<&Analysis> {
        self.analysis.as_deref().and_then(|r| r.as_ref().ok())
    }

    /// The error, when the analysis failed.
    pub fn error(&self) -> Option<&Error> {
        self.analysis.as_deref().and_then(|r| r.as_ref().err())
    }

    /// A pane of the worker's: the bytes of an input and their analysis.
    pub(crate) fn computed(bytes: Rc<[u8]>, analysis: Result<Analysis, Error>) -> Pane {
        Pane {
            bytes: Some(bytes),
            // (So the raw view reads the bytes: the worker's panes have no textarea text.)
            hidden: true,
            analysis: Some(Shared::new(analysis)),
            ..Pane::default()
        }
    }

    /// Runs the analysis if the input changed since the last one (`here`), or marks it asked
    /// of the worker (then it comes back with `Action::Computed`). Whether a comparison is due.
    fn analyze(&mut self, side: Side, here: bool) -> bool {
        if !self.pending || self.archive_size.is_some() {
            return false;
        }
        if !here && !self.is_empty() {
            return !std::mem::replace(&mut self.asked, true);
        }
        self.pending = false;
        self.asked = false;
        self.light = false;
        self.analysis = (!self.is_empty()).then(|| {
            Shared::new(analyze_input(
                self.bytes(),
                side,
                self.from_archive.as_deref(),
            ))
        });
        true
    }
}

/// Analyses one pane's input; a document that stands for an archive's image (`from_archive`,
/// from a share link) takes that image's kind, digest and size.
pub fn analyze_input(
    bytes: &[u8],
    side: Side,
    from_archive: Option<&ShareArchive>,
) -> Result<Analysis, Error> {
    let mut a = analyze(bytes, Some(side));
    if let (Ok(a), Some(origin)) = (&mut a, from_archive) {
        // The document stands for the archive's image: the digest the reporter saw.
        if let Some(kind) = kind_named(&origin.kind) {
            a.kind = kind;
        }
        if let Some(d) = cachelens_core::Digest::parse(&origin.digest) {
            a.digest = d;
        }
        a.size = usize::try_from(origin.size).unwrap_or(usize::MAX);
        a.compact_digest = None;
        a.without_cache_digest = None;
    }
    a
}

/// How a file chosen or dropped on a pane is read, from its first bytes and its size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileRoute {
    /// An image archive (tar), read by ranges.
    Tar,
    /// A gzipped file (a `.dockerbuild` build record, a `.tar.gz`): decompressed in chunks,
    /// then read as an archive. Only up to the core's input limit.
    Gzip,
    /// Anything else over the core's input limit: refused before reading.
    TooLarge,
    /// Anything else: read whole and analysed.
    Whole,
}

/// How to read a file that starts with `head` (its first KiB) and is `size` bytes long.
pub fn route_file(head: &[u8], size: u64) -> FileRoute {
    let limit = cachelens_core::MAX_INPUT_BYTES as u64;
    if cachelens_core::image::looks_like_tar(head) {
        FileRoute::Tar
    } else if cachelens_core::image::gzip::looks_like_gzip(head) && size <= limit {
        FileRoute::Gzip
    } else if size > limit {
        FileRoute::TooLarge
    } else {
        FileRoute::Whole
    }
}

/// `sha256:` and the first 12 hex digits of a digest.
pub fn short_digest(d: &cachelens_core::Digest) -> String {
    let s = d.as_str();
    let cut = s.find(':').map_or(0, |i| i + 1) + 12;
    s.get(..cut).unwrap_or(s).to_owned()
}

/// The name a file gets in its pane: with its folder when the browser gives it (a file of a
/// chosen folder: `webkitRelativePath`), otherwise its name.
pub fn file_label(name: &str, relative_path: &str) -> String {
    if relative_path.is_empty() {
        name.to_owned()
    } else {
        relative_path.to_owned()
    }
}

/// The kind named `name` in the JSON contract (`image-manifest`).
pub fn kind_named(name: &str) -> Option<cachelens_core::Kind> {
    use cachelens_core::Kind::*;
    [
        ImageConfig,
        InlineCache,
        CacheRecords,
        CacheConfig,
        ImageManifest,
        ImageIndex,
        CacheManifest,
        CacheIndex,
        DockerInspect,
        BuildxMetadata,
        BuildRecord,
        Json,
    ]
    .into_iter()
    .find(|k| k.as_str() == name)
}

/// Side-by-side or unified rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum ViewLayout {
    /// Left and right next to each other.
    #[default]
    SideBySide,
    /// One column, deletions above insertions.
    Unified,
}

/// The old name of [`ViewLayout`], for `share.rs` until the share branch is merged (it names
/// the image layout too: `cachelens_core::image` layouts).
pub use ViewLayout as Layout;

/// How the documents are shown (does not affect the comparison).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct ViewOptions {
    /// Show the inputs as given instead of the canonical documents.
    pub raw: bool,
    /// Side-by-side or unified.
    pub layout: ViewLayout,
}

/// The comparison of the two analyses, with its changes grouped for display.
#[derive(Debug)]
pub struct Compared {
    /// The core's answer.
    pub comparison: Comparison,
    /// The options compared with (the document view shows the documents they give).
    pub options: Options,
    /// For two image archives: the documents built from them (the panes hold only the images).
    pub images: Option<Box<(Analysis, Analysis)>>,
    /// Indexes into `comparison.changes`, grouped by area in the core's area order.
    pub groups: Vec<(Area, Vec<usize>)>,
    /// The records' steps by id, shared with the document view (built once per comparison).
    pub steps: Option<Shared<std::collections::BTreeMap<String, cachelens_core::steps::Step>>>,
}

/// The rows of the document view.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub enum Rows {
    /// Unified rows.
    Unified(Vec<Row>),
    /// Side-by-side rows.
    SideBySide(Vec<SideRow>),
    /// Not laid out: a raw input has a line longer than [`RAW_LINE_MAX`] characters.
    TooLong {
        /// The longest line's length in bytes.
        longest: usize,
    },
}

impl Rows {
    /// How many rows.
    pub fn len(&self) -> usize {
        match self {
            Rows::Unified(r) => r.len(),
            Rows::SideBySide(r) => r.len(),
            Rows::TooLong { .. } => 0,
        }
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The two texts shown and their line rows.
#[derive(Debug)]
pub struct DocView {
    /// The left text (canonical pretty JSON, or the raw input).
    pub left: Rc<str>,
    /// The right text.
    pub right: Rc<str>,
    /// The rows, folded.
    pub rows: Rows,
    /// Whether these are the raw inputs (or the canonical documents).
    pub raw: bool,
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ui {
    /// Fold rows (indexes into [`DocView::rows`]) the user expanded.
    pub expanded_folds: BTreeSet<usize>,
    /// How many document rows to render.
    pub row_limit: usize,
    /// How many changes to list.
    pub change_limit: usize,
    /// Long values shown in full: (change index, `true` for the old value).
    pub expanded_values: BTreeSet<(usize, bool)>,
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
            expanded_values: BTreeSet::new(),
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
    /// Fill both panes with an example (by id, see [`examples::EXAMPLES`]).
    LoadExample(&'static str),
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
        /// A number new to each opening; its [`Action::ArchiveRead`] carries it back.
        reading: u64,
    },
    /// An image archive was read (or could not be).
    /// A file was chosen or dropped on a pane: what its reading (in `reading`) sends back comes
    /// wrapped in [`Action::FromRead`].
    Reading {
        /// Which pane.
        side: Side,
        /// A number new to each file read.
        reading: u64,
    },
    /// The result of a file read ([`Action::LoadFile`], [`Action::LoadFailed`],
    /// [`Action::ArchiveOpening`]): applied only if the pane still waits for that read (not if
    /// something else was put in it meanwhile, another file included).
    FromRead {
        /// Which pane.
        side: Side,
        /// The read's number.
        reading: u64,
        /// What to do.
        action: Box<Action>,
    },
    ArchiveRead {
        /// Which pane.
        side: Side,
        /// The `reading` of the opening this answers.
        reading: u64,
        /// What it holds, or why it could not be read.
        result: Box<Result<ImageSet, String>>,
    },
    /// The worker started: analyses and comparisons are asked of it from now on.
    UseWorker,
    /// The worker answered (applied only if it answers the last request, [`State::seq`]).
    Computed(Box<Response>),
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
            | Action::ArchiveOpening { side, .. } => std::slice::from_ref(side),
            Action::LoadExample(_)
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
                if self.awaiting[side_index(side)] == Some(reading) {
                    self.apply(*action);
                }
            }
            Action::Edit { side, text } => {
                // What the worker computes for the text being replaced is moot (its analysis
                // is asked once typing pauses).
                self.seq += 1;
                self.example = None;
                self.opened = None;
                let pane = self.pane_mut(side);
                let empty = text.is_empty();
                *pane = Pane {
                    text: Rc::from(text),
                    analysis: pane.analysis.take(),
                    pending: true,
                    ..Pane::default()
                };
                if empty {
                    // Nothing to wait for: clear at once.
                    pane.analyze(side, true);
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
                    match cachelens_core::share::decode_bundle(&bytes) {
                        Ok(payload) => self.open_share(payload, Source::Bundle(name)),
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
                self.reveal_due = true;
                self.reveal_load_due = true;
                // Moot too: what the worker computes for the input replaced (this one is asked
                // after a paint, `Action::Analyze`).
                self.seq += 1;
                *self.pane_mut(side) = Pane::loaded(&name, Rc::from(bytes));
            }
            Action::LoadFailed { side, message } => {
                *self.pane_mut(side) = Pane {
                    load_error: Some(Rc::from(message)),
                    ..Pane::default()
                };
                self.recompare();
            }
            Action::Clear(side) => {
                self.example = None;
                self.opened = None;
                let old = std::mem::take(self.pane_mut(side));
                if !old.is_empty() || old.load_error.is_some() {
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
                // Analyses name their side (in warnings): analyse each text again.
                let here = self.here();
                for side in [Side::Left, Side::Right] {
                    let pane = self.pane_mut(side);
                    pane.generation = 0;
                    pane.asked = false;
                    if pane.archive_size.is_none() && !pane.is_empty() {
                        pane.pending = true;
                        pane.analyze(side, here);
                    }
                }
                self.recompare();
            }
            Action::Pasted(_) => {
                self.reveal_due = true;
                self.reveal_load_due = false;
            }
            Action::Restore(payload) => self.restore(*payload),
            Action::LoadExample(id) => {
                let Some(ex) = examples::by_id(id) else {
                    return;
                };
                self.example = Some(ex.id);
                self.opened = None;
                self.reveal_due = true;
                self.reveal_load_due = true;
                self.share_error = None;
                self.left = Pane::loaded(
                    &format!("{}/left.json", ex.id),
                    Rc::from(ex.left.as_bytes()),
                );
                self.right = Pane::loaded(
                    &format!("{}/right.json", ex.id),
                    Rc::from(ex.right.as_bytes()),
                );
                // Examples are small: analyse at once.
                let here = self.here();
                self.left.analyze(Side::Left, here);
                self.right.analyze(Side::Right, here);
                self.recompare();
            }
            Action::SetIgnoreTimestamps(on) => {
                if self.options.ignore_timestamps != on {
                    self.options.ignore_timestamps = on;
                    self.recompare();
                }
            }
            Action::SetIgnoreCache(on) => {
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
                self.ui.fold_focus = Some(Rc::from(crate::components::fold_again_id(row).as_str()));
            }
            Action::CollapseFold(row) => {
                self.ui.expanded_folds.remove(&row);
                self.ui.fold_focus = Some(Rc::from(crate::components::fold_id(row).as_str()));
            }
            Action::ShowMoreRows => self.ui.row_limit += ROW_PAGE,
            Action::ShowMoreChanges => self.ui.change_limit += CHANGE_PAGE,
            Action::ToggleValue { change, old } => {
                if !self.ui.expanded_values.remove(&(change, old)) {
                    self.ui.expanded_values.insert((change, old));
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
                match cachelens_core::share::decode_fragment(fragment) {
                    Ok(payload) => self.open_share(payload, Source::Link),
                    Err(e) => {
                        self.share_error = Some(Rc::from(format!(
                            "This share link could not be opened: {e}"
                        )));
                    }
                }
            }
            Action::OpenShare { payload, source } => self.open_share(*payload, source),
            Action::SetShareRedact(on) => {
                if self.share_settings.redact != on {
                    self.share_settings.redact = on;
                    self.reshare(false);
                }
            }
            Action::SetShareCacheOnly(on) => {
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
                reading,
            } => {
                self.example = None;
                self.opened = None;
                self.reveal_due = true;
                self.reveal_load_due = true;
                *self.pane_mut(side) = Pane {
                    name: Some(Rc::from(name)),
                    archive_size: Some(size),
                    folder,
                    reading,
                    pending: true,
                    ..Pane::default()
                };
                self.recompare();
            }
            Action::UseWorker => self.offload = true,
            Action::Computed(answer) => self.answer(*answer),
            Action::ArchiveRead {
                side,
                reading,
                result,
            } => {
                let pane = self.pane_mut(side);
                // Only the answer to what the pane shows now: not to an archive since replaced
                // (by another one, a paste, a clear).
                if pane.archive_size.is_some() && pane.pending && pane.reading == reading {
                    pane.pending = false;
                    pane.archive = Some(Shared::new(result.map_err(Rc::from)));
                    self.recompare();
                }
            }
        }
    }

    /// Fills both panes and the options from a share payload, analyses and compares.
    fn open_share(&mut self, payload: SharePayload, source: Source) {
        let SharePayload {
            left,
            right,
            options,
        } = payload;
        self.example = None;
        self.share_error = None;
        self.reveal_due = true;
        self.reveal_load_due = true;
        self.opened = Some(Shared::new(Opened {
            source,
            sides: [&left, &right].map(|s| OpenedSide {
                original_digest: s.original_digest.clone(),
                redacted: s.redacted.clone(),
            }),
        }));
        self.options = Options {
            ignore_timestamps: options.ignore_timestamps,
            ignore_cache: options.ignore_cache,
            ignore: options
                .ignore_pointers
                .iter()
                .filter_map(|p| Pointer::parse(p).ok())
                .collect(),
        };
        self.view = share::view_from_text(options.view.as_deref(), self.view);
        let here = self.here();
        for (side, s) in [(Side::Left, left), (Side::Right, right)] {
            let name = s.name.unwrap_or_else(|| side.as_str().to_owned());
            let pane = self.pane_mut(side);
            *pane = Pane::loaded(&name, Rc::from(s.bytes));
            pane.from_archive = s.archive.map(Rc::new);
            pane.analyze(side, here);
        }
        self.recompare();
    }

    /// Each pane's name for people, with what tells it apart when both panes have the same name
    /// (`cacheconfig.json` twice): the first 12 hex digits of its digest and its size. Left, right;
    /// `None` for typed text.
    pub fn labels(&self) -> [Option<(Rc<str>, Option<String>)>; 2] {
        let same = self.left.name.is_some() && self.left.name == self.right.name;
        let images = self.compared.as_ref().and_then(|c| c.images.as_deref());
        [
            (&self.left, images.map(|i| &i.0)),
            (&self.right, images.map(|i| &i.1)),
        ]
        .map(|(p, doc)| {
            let name = p.name.clone()?;
            let detail = same.then(|| {
                let size =
                    crate::components::size_text(p.archive_size.unwrap_or(p.bytes().len() as u64));
                match p.ok().or(doc) {
                    Some(a) => format!("{}, {size}", short_digest(&a.digest)),
                    None => size,
                }
            });
            Some((name, detail))
        })
    }

    /// [`State::labels`] as one line each: `cacheconfig.json (sha256:0123456789ab, 5,043 bytes)`.
    pub fn label_texts(&self) -> [String; 2] {
        let [l, r] = self.labels();
        [(l, "left"), (r, "right")].map(|(label, side)| match label {
            Some((name, Some(detail))) => format!("{name} ({detail})"),
            Some((name, None)) => name.to_string(),
            None => side.to_owned(),
        })
    }

    /// What this tab keeps across a reload: both panes' inputs (exact bytes and names; typed text
    /// without a name), the options and the view. Archives opened from disk are not kept (the
    /// page cannot reopen a file by itself); `None` when there is nothing to keep.
    pub fn session_payload(&self) -> Option<SharePayload> {
        let side = |p: &Pane| -> ShareSide {
            if p.archive_size.is_some() || p.is_empty() {
                return ShareSide::default();
            }
            ShareSide {
                bytes: p.bytes().to_vec(),
                name: p.name.as_deref().map(str::to_owned),
                original_digest: None,
                redacted: Vec::new(),
                archive: p.from_archive.as_deref().cloned(),
            }
        };
        let (left, right) = (side(&self.left), side(&self.right));
        if left.bytes.is_empty() && right.bytes.is_empty() {
            return None;
        }
        Some(SharePayload {
            left,
            right,
            options: cachelens_core::share::ShareOptions {
                ignore_timestamps: self.options.ignore_timestamps,
                ignore_cache: self.options.ignore_cache,
                ignore_pointers: self
                    .options
                    .ignore
                    .iter()
                    .map(ToString::to_string)
                    .collect(),
                view: Some(share::view_text(self.view)),
            },
        })
    }

    /// Fills the panes with what [`State::session_payload`] kept (no "opened from a link" banner;
    /// typed text stays typed text).
    fn restore(&mut self, payload: SharePayload) {
        let SharePayload {
            left,
            right,
            options,
        } = payload;
        self.options.ignore_timestamps = options.ignore_timestamps;
        self.options.ignore_cache = options.ignore_cache;
        self.options.ignore = options
            .ignore_pointers
            .iter()
            .filter_map(|p| Pointer::parse(p).ok())
            .collect();
        self.view = share::view_from_text(options.view.as_deref(), self.view);
        let here = self.here();
        for (side, s) in [(Side::Left, left), (Side::Right, right)] {
            if s.bytes.is_empty() {
                continue;
            }
            let pane = self.pane_mut(side);
            *pane = match &s.name {
                Some(name) => Pane::loaded(name, Rc::from(s.bytes)),
                None => Pane {
                    text: Rc::from(String::from_utf8_lossy(&s.bytes).as_ref()),
                    pending: true,
                    ..Pane::default()
                },
            };
            pane.from_archive = s.archive.map(Rc::new);
            pane.analyze(side, here);
        }
        self.recompare();
    }

    /// Recomputes the share link: at once for small inputs (or when `asked`), otherwise marks it
    /// due.
    fn reshare(&mut self, asked: bool) {
        let size = self.left.bytes().len() + self.right.bytes().len();
        self.share = None;
        self.share_due = false;
        let Some(c) = &self.compared else { return };
        if asked || size <= share::SHARE_SYNC_BYTES {
            let labels = self.label_texts();
            self.share = share::make(
                &self.share_base,
                &self.left,
                &self.right,
                c,
                &self.options,
                self.view,
                self.share_settings,
                &labels,
            )
            .map(Shared::new);
        } else {
            self.share_due = true;
        }
    }

    /// Whether analyses and comparisons are computed here (no worker, or an image archive in a
    /// pane: archives are read and compared here).
    fn here(&self) -> bool {
        !self.offload || self.left.archive_size.is_some() || self.right.archive_size.is_some()
    }

    /// Asks the worker for both analyses, their comparison and its document view
    /// ([`State::request`]); `fresh`: the change list starts afresh when the answer comes.
    fn ask(&mut self, fresh: bool) {
        self.seq += 1;
        let mut sides = [None, None];
        for (i, side) in [Side::Left, Side::Right].into_iter().enumerate() {
            let mut generation = self.last_generation;
            let pane = self.pane_mut(side);
            if pane.is_empty() || pane.archive_size.is_some() {
                continue;
            }
            if pane.generation == 0 {
                generation += 1;
                pane.generation = generation;
            }
            if pane.pending {
                pane.asked = true;
            }
            sides[i] = Some(SideJob {
                generation: pane.generation,
                from_archive: pane.from_archive.as_deref().cloned(),
            });
            self.last_generation = generation;
        }
        self.request = Some(Shared::new(Request {
            seq: self.seq,
            sides,
            options: self.options.clone(),
            view: self.view,
        }));
        self.computing = true;
        self.fresh_compare |= fresh;
        if self.compared.is_some() {
            self.doc_due = true;
        }
    }

    /// Applies the worker's answer, if it answers the last request.
    fn answer(&mut self, answer: Response) {
        match answer {
            Response::Compared {
                seq,
                analyses,
                compared,
            } if seq == self.seq => {
                for (side, analysis) in [Side::Left, Side::Right].into_iter().zip(*analyses) {
                    let pane = self.pane_mut(side);
                    if let Some((generation, a)) = analysis
                        && pane.generation == generation
                        && pane.archive_size.is_none()
                    {
                        if pane.pending || pane.analysis.is_none() {
                            pane.analysis = Some(Shared::new(crate::worker::analysis_of(a)));
                            pane.light = true;
                        }
                        pane.pending = false;
                        pane.asked = false;
                    }
                }
                self.computing = false;
                self.computed_in = "worker";
                let compared = compared.map(|c| Shared::new(c.into_compared()));
                let fresh = std::mem::take(&mut self.fresh_compare);
                self.compared_now(compared, fresh);
                if self.compared.is_some() {
                    self.doc_due = true;
                } else {
                    self.doc = None;
                    self.doc_due = false;
                }
                self.reshare(false);
            }
            Response::Laid { seq, doc } if seq == self.seq => {
                self.doc = doc.map(|d| Shared::new(d.into_doc()));
                self.doc_due = false;
                self.ui.expanded_folds.clear();
                self.ui.fold_focus = None;
                self.ui.row_limit = ROW_PAGE;
            }
            Response::Failed { .. } => {
                // Compute here from now on: whatever was asked is analysed here.
                self.offload = false;
                for side in [Side::Left, Side::Right] {
                    let pane = self.pane_mut(side);
                    if std::mem::take(&mut pane.asked) {
                        pane.analyze(side, true);
                    }
                }
                self.computing = false;
                self.recompare();
            }
            // An answer to an earlier request: its inputs, options or view have changed since.
            Response::Compared { .. } | Response::Laid { .. } => {}
        }
    }

    /// A new comparison (or none): the verdict is brought into view when due; `fresh`: the
    /// change list starts afresh.
    fn compared_now(&mut self, compared: Option<Shared<Compared>>, fresh: bool) {
        let before = self.compared.is_some();
        self.compared = compared;
        if self.compared.is_some() && (self.reveal_due || !before) {
            self.reveal += 1;
            self.reveal_load = self.reveal_load_due;
            self.reveal_due = false;
            self.reveal_load_due = false;
        }
        if fresh {
            self.ui.change_limit = CHANGE_PAGE;
            self.ui.expanded_values.clear();
        }
    }

    /// Recomputes the comparison (and so the view) from the two analyses and the options.
    fn recompare(&mut self) {
        if !self.here() {
            return self.ask(true);
        }
        // Whatever the worker still computes is moot.
        self.seq += 1;
        // Analyses asked of the worker before an archive came, or made there (without the
        // documents): computed here instead.
        for side in [Side::Left, Side::Right] {
            let pane = self.pane_mut(side);
            if std::mem::take(&mut pane.asked) || std::mem::take(&mut pane.light) {
                pane.pending = true;
                pane.analyze(side, true);
            }
        }
        self.computing = false;
        self.computed_in = "page";
        let compared = compare_panes(&self.left, &self.right, &self.options).map(Shared::new);
        self.compared_now(compared, true);
        self.review();
        self.reshare(false);
    }

    /// Recomputes the document view from the comparison and the view options: at once for small
    /// inputs, after the next paint for large ones (or by the worker).
    fn review(&mut self) {
        if !self.here() {
            return self.ask(false);
        }
        self.seq += 1;
        let size = self.left.bytes().len() + self.right.bytes().len();
        if self.compared.is_some() && size > VIEW_SYNC_BYTES {
            self.doc_due = true;
            self.doc_generation += 1;
        } else {
            self.lay_out();
        }
    }

    fn lay_out(&mut self) {
        self.doc = self
            .compared
            .as_ref()
            .map(|c| Shared::new(doc_view(c, &self.left, &self.right, self.view)));
        self.doc_due = false;
        self.ui.expanded_folds.clear();
        self.ui.fold_focus = None;
        self.ui.row_limit = ROW_PAGE;
    }
}

/// Compares the panes when both analysed without error.
pub fn compare_panes(left: &Pane, right: &Pane, options: &Options) -> Option<Compared> {
    // A layout that is a BuildKit cache export compares as its cache config (so it meets the
    // same cache from a registry, or another export, as the CLI does).
    let cache_of = |p: &Pane, side: Side| -> Option<Option<Analysis>> {
        let bytes = p.image_set()?.cache_config()?;
        Some(cachelens_core::analyze(bytes, Some(side)).ok())
    };
    let (lc, rc) = (cache_of(left, Side::Left), cache_of(right, Side::Right));
    let images = match (left.archive_size, right.archive_size) {
        _ if lc.is_some() || rc.is_some() => {
            let l = match lc {
                Some(a) => a?,
                None if left.archive_size.is_none() => left.ok()?.clone(),
                None => return None,
            };
            let r = match rc {
                Some(a) => a?,
                None if right.archive_size.is_none() => right.ok()?.clone(),
                None => return None,
            };
            Some(Box::new((l, r)))
        }
        (None, None) => None,
        (Some(_), Some(_)) => Some(Box::new(comparable(
            left.image_set()?,
            right.image_set()?,
            options,
        ))),
        _ => return None,
    };
    let (l, r) = match &images {
        Some(docs) => (&docs.0, &docs.1),
        None => (left.ok()?, right.ok()?),
    };
    let comparison = compare(l, r, options);
    let mut groups: BTreeMap<Area, Vec<usize>> = BTreeMap::new();
    for (i, c) in comparison.changes.iter().enumerate() {
        groups.entry(Area::of(&c.path, r.kind)).or_default().push(i);
    }
    let steps = comparison
        .cache
        .as_ref()
        .filter(|c| !c.steps.is_empty())
        .map(|c| Shared::new(c.steps.clone()));
    Some(Compared {
        comparison,
        options: options.clone(),
        images,
        groups: groups.into_iter().collect(),
        steps,
    })
}

/// The line rows of the two documents (canonical as compared, or the raw inputs).
pub fn doc_view(compared: &Compared, left: &Pane, right: &Pane, view: ViewOptions) -> DocView {
    let (l, r): (Rc<str>, Rc<str>) = if view.raw {
        (
            Rc::from(left.raw_text().as_ref()),
            Rc::from(right.raw_text().as_ref()),
        )
    } else {
        // The documents as compared: pretty-printed here, after the verdict has been shown,
        // not when comparing.
        let docs = match &compared.images {
            Some(docs) => Some((&docs.0, &docs.1)),
            None => left.ok().zip(right.ok()),
        };
        let text = |a| Rc::from(json::to_pretty(&filtered(a, &compared.options)));
        // (A comparison exists only when both documents do.)
        docs.map_or_else(|| (Rc::from(""), Rc::from("")), |(l, r)| (text(l), text(r)))
    };
    let longest = |t: &str| t.lines().map(str::len).max().unwrap_or(0);
    let too_long = view.raw && l != r && longest(&l).max(longest(&r)) > RAW_LINE_MAX;
    let rows = match view.layout {
        _ if too_long => Rows::TooLong {
            longest: longest(&l).max(longest(&r)),
        },
        ViewLayout::Unified => Rows::Unified(cachelens_core::view::unified(&l, &r, CONTEXT_LINES)),
        ViewLayout::SideBySide => {
            Rows::SideBySide(cachelens_core::view::side_by_side(&l, &r, CONTEXT_LINES))
        }
    };
    DocView {
        left: l,
        right: r,
        rows,
        raw: view.raw,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cachelens_core::{ErrorKind, Verdict};

    #[test]
    fn files_go_to_the_archive_reader_or_are_read_whole_or_refused() {
        let limit = cachelens_core::MAX_INPUT_BYTES as u64;
        let mut tar = vec![0u8; 512];
        tar[..10].copy_from_slice(b"index.json");
        tar[257..263].copy_from_slice(b"ustar\0");
        // A valid checksum makes it a tar header.
        tar[148..156].fill(b' ');
        let sum: u32 = tar.iter().map(|&b| u32::from(b)).sum();
        tar[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
        assert_eq!(route_file(&tar, 4096), FileRoute::Tar);
        // An archive is read by ranges, so its size is no reason to refuse it.
        assert_eq!(route_file(&tar, limit * 2), FileRoute::Tar);
        let gzip = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];
        assert_eq!(route_file(&gzip, 100), FileRoute::Gzip);
        assert_eq!(route_file(&gzip, limit), FileRoute::Gzip);
        assert_eq!(route_file(&gzip, limit + 1), FileRoute::TooLarge);
        assert_eq!(route_file(b"{\"a\": 1}", 9), FileRoute::Whole);
        assert_eq!(route_file(b"{", limit), FileRoute::Whole);
        assert_eq!(route_file(b"{", limit + 1), FileRoute::TooLarge);
        assert_eq!(route_file(b"", 0), FileRoute::Whole);
    }

    fn with_example(id: &'static str) -> State {
        let mut s = State::default();
        s.apply(Action::LoadExample(id));
        s
    }

    fn verdict(s: &State) -> Option<Verdict> {
        s.compared.as_ref().map(|c| c.comparison.verdict)
    }

    fn scenario(id: &str, file: &str) -> String {
        let path = format!(
            "{}/../tests/fixtures/scenarios/{id}/{file}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn every_example_gives_the_verdict_its_scenario_expects() {
        for ex in examples::EXAMPLES {
            let s = with_example(ex.id);
            let expect: serde_json::Value =
                serde_json::from_str(&scenario(ex.id, "expect.json")).unwrap();
            let want = expect["verdict"].as_str().unwrap();
            let cmp = &s.compared.as_ref().unwrap().comparison;
            assert_eq!(cmp.verdict.as_str(), want, "{}", ex.id);
            let n = cmp.changes.len() as u64;
            if let Some(min) = expect["min_changes"].as_u64() {
                assert!(n >= min, "{}: {n} changes", ex.id);
            }
            if let Some(max) = expect["max_changes"].as_u64() {
                assert!(n <= max, "{}: {n} changes", ex.id);
            }
            assert_eq!(
                s.left.name.as_deref(),
                Some(&*format!("{}/left.json", ex.id))
            );
            assert!(s.doc.is_some(), "{}: a document view", ex.id);
        }
    }

    #[test]
    fn chains_vanish_groups_its_changes_under_cache() {
        let s = with_example("chains-vanish");
        let c = s.compared.as_ref().unwrap();
        assert_eq!(verdict(&s), Some(Verdict::Different));
        assert_eq!(c.groups.len(), 1);
        assert_eq!(c.groups[0].0, Area::Cache);
        assert_eq!(c.groups[0].1.len(), c.comparison.changes.len());
        assert!(c.comparison.cache.is_some());
    }

    #[test]
    fn ignoring_timestamps_makes_timestamps_only_equivalent_without_reanalysing() {
        let mut s = with_example("timestamps-only");
        assert_eq!(verdict(&s), Some(Verdict::Different));
        let left = s.left.analysis.clone();
        s.apply(Action::SetIgnoreTimestamps(true));
        assert_eq!(verdict(&s), Some(Verdict::Equivalent));
        assert_eq!(s.left.analysis, left, "options do not re-analyse");
        s.apply(Action::SetIgnoreTimestamps(false));
        assert_eq!(verdict(&s), Some(Verdict::Different));
    }

    #[test]
    fn ignoring_the_cache_makes_chains_vanish_equivalent() {
        let mut s = with_example("chains-vanish");
        s.apply(Action::SetIgnoreCache(true));
        assert_eq!(verdict(&s), Some(Verdict::Equivalent));
    }

    #[test]
    fn a_parse_error_shows_on_its_side_and_no_verdict() {
        let mut s = State::default();
        for (side, file) in [(Side::Left, "left.json"), (Side::Right, "right.json")] {
            s.apply(Action::Edit {
                side,
                text: scenario("not-json", file),
            });
            s.apply(Action::Analyze(side));
        }
        assert!(s.left.ok().is_some());
        let err = s.right.error().expect("an error on the right");
        assert!(matches!(err.kind, ErrorKind::Json { .. }), "{err}");
        assert!(err.to_string().contains("line"), "{err}");
        assert!(s.compared.is_none() && s.doc.is_none());
    }

    #[test]
    fn typing_waits_for_the_debounce_and_leaves_the_other_pane_alone() {
        let mut s = with_example("env-change");
        let right = s.right.analysis.clone();
        let before = s.compared.clone();
        let text = format!("{} ", s.left.text);
        s.apply(Action::Edit {
            side: Side::Left,
            text,
        });
        assert!(s.left.pending);
        assert_eq!(s.compared, before, "nothing recomputed while typing");
        assert_eq!(s.example, None);
        assert_eq!(s.left.name, None, "an edited file is typed text");
        s.apply(Action::Analyze(Side::Left));
        assert!(!s.left.pending);
        assert_ne!(s.compared, before, "compared again after the analysis");
        assert_eq!(
            s.right.analysis, right,
            "the right pane was not re-analysed"
        );
        // A second timer for the same text does nothing.
        let after = s.compared.clone();
        s.apply(Action::Analyze(Side::Left));
        assert_eq!(s.compared, after);
    }

    #[test]
    fn the_view_changes_without_comparing_again() {
        let mut s = with_example("chains-vanish");
        let cmp = s.compared.clone();
        assert!(matches!(s.doc.as_ref().unwrap().rows, Rows::SideBySide(_)));
        s.apply(Action::SetLayout(ViewLayout::Unified));
        assert!(matches!(s.doc.as_ref().unwrap().rows, Rows::Unified(_)));
        s.apply(Action::SetRaw(true));
        let doc = s.doc.as_ref().unwrap();
        assert_eq!(&*doc.left, scenario("chains-vanish", "left.json"));
        assert_eq!(s.compared, cmp);
    }

    #[test]
    fn a_loaded_file_is_analysed_from_its_exact_bytes() {
        let mut s = State::default();
        let bytes = b"{\r\n  \"a\": 1\r\n}\r\n".to_vec();
        s.apply(Action::LoadFile {
            side: Side::Right,
            name: "crlf.json".into(),
            bytes: bytes.clone(),
        });
        assert!(
            s.right.pending && s.right.analysis.is_none(),
            "analysed after a paint"
        );
        s.apply(Action::Analyze(Side::Right));
        let a = s.right.ok().unwrap();
        assert_eq!(a.digest, cachelens_core::Digest::sha256(&bytes));
        assert_eq!(s.right.name.as_deref(), Some("crlf.json"));
        assert!(s.compared.is_none(), "one side only");
    }

    #[test]
    fn clearing_and_emptying_a_pane_drops_the_answer_at_once() {
        let mut s = with_example("tie-renumber");
        assert_eq!(verdict(&s), Some(Verdict::Equivalent));
        s.apply(Action::Clear(Side::Left));
        assert!(s.left.is_empty() && s.left.analysis.is_none() && s.compared.is_none());
        let mut s = with_example("tie-renumber");
        s.apply(Action::Edit {
            side: Side::Right,
            text: String::new(),
        });
        assert!(!s.right.pending && s.compared.is_none());
    }

    /// A config with `n` labels, the `changed`-th one different when given.
    fn big_config(n: usize, changed: Option<usize>) -> Vec<u8> {
        let labels: serde_json::Map<String, serde_json::Value> = (0..n)
            .map(|i| {
                let v = if Some(i) == changed {
                    "changed".to_owned()
                } else {
                    format!("value-{i}")
                };
                (format!("org.example.label.{i}"), v.into())
            })
            .collect();
        serde_json::to_vec(&serde_json::json!({"architecture": "amd64", "os": "linux", "config": {"Labels": labels}}))
            .unwrap()
    }

    fn load(s: &mut State, side: Side, bytes: Vec<u8>) {
        s.apply(Action::LoadFile {
            side,
            name: format!("{side}.json"),
            bytes,
        });
        s.apply(Action::Analyze(side));
    }

    #[test]
    fn large_inputs_get_the_verdict_first_and_the_view_after_a_paint() {
        let mut s = State::default();
        load(&mut s, Side::Left, big_config(20_000, None));
        load(&mut s, Side::Right, big_config(20_000, Some(7)));
        assert!(s.left.bytes().len() + s.right.bytes().len() > VIEW_SYNC_BYTES);
        assert_eq!(verdict(&s), Some(Verdict::Different));
        assert!(s.doc_due && s.doc.is_none());
        let generation = s.doc_generation;
        s.apply(Action::LayOut);
        assert!(!s.doc_due && s.doc.is_some());
        // Changing the layout defers again, keeping the old view until then.
        s.apply(Action::SetLayout(ViewLayout::Unified));
        assert!(s.doc_due && s.doc_generation > generation);
        assert!(matches!(s.doc.as_ref().unwrap().rows, Rows::SideBySide(_)));
        s.apply(Action::LayOut);
        assert!(matches!(s.doc.as_ref().unwrap().rows, Rows::Unified(_)));
    }

    #[test]
    fn a_raw_view_of_huge_single_lines_is_not_laid_out() {
        let mut s = State::default();
        load(&mut s, Side::Left, big_config(5_000, None));
        load(&mut s, Side::Right, big_config(5_000, Some(1)));
        s.apply(Action::SetRaw(true));
        s.apply(Action::LayOut);
        let doc = s.doc.as_ref().unwrap();
        assert!(
            matches!(doc.rows, Rows::TooLong { longest } if longest > RAW_LINE_MAX),
            "{:?}",
            doc.rows.len()
        );
        s.apply(Action::SetRaw(false));
        s.apply(Action::LayOut);
        assert!(matches!(s.doc.as_ref().unwrap().rows, Rows::SideBySide(_)));
    }

    #[test]
    fn the_same_bytes_are_identical() {
        let mut s = State::default();
        let text = scenario("env-change", "left.json");
        for side in [Side::Left, Side::Right] {
            s.apply(Action::Edit {
                side,
                text: text.clone(),
            });
            s.apply(Action::Analyze(side));
        }
        assert_eq!(verdict(&s), Some(Verdict::Identical));
    }

    #[test]
    fn ui_state_resets_when_the_answer_changes() {
        let mut s = with_example("chains-vanish");
        s.apply(Action::ExpandFold(0));
        s.apply(Action::ShowMoreRows);
        s.apply(Action::ToggleValue {
            change: 0,
            old: true,
        });
        assert_eq!(s.ui.row_limit, 2 * ROW_PAGE);
        assert!(s.ui.expanded_values.contains(&(0, true)));
        s.apply(Action::ToggleValue {
            change: 0,
            old: true,
        });
        assert!(s.ui.expanded_values.is_empty());
        s.apply(Action::SetLayout(ViewLayout::Unified));
        assert!(s.ui.expanded_folds.is_empty());
        assert_eq!(s.ui.row_limit, ROW_PAGE);
    }

    fn shared(s: &State) -> &ShareOut {
        s.share.as_deref().expect("a share link")
    }

    #[test]
    fn a_shared_link_opens_the_same_diff_with_its_options() {
        let mut s = with_example("shift-and-drop");
        s.apply(Action::SetShareBase(
            "https://x.example/sub/path/?q=1#old".into(),
        ));
        s.apply(Action::SetIgnoreTimestamps(true));
        s.apply(Action::SetLayout(ViewLayout::Unified));
        let link = shared(&s).link.to_string();
        assert!(
            link.starts_with("https://x.example/sub/path/?q=1#v1."),
            "{link}"
        );
        let fragment = link.split_once('#').unwrap().1.to_owned();
        let mut reader = State::default();
        reader.apply(Action::OpenFragment(format!("#{fragment}")));
        assert!(reader.share_error.is_none());
        assert!(reader.options.ignore_timestamps && !reader.options.ignore_cache);
        assert_eq!(reader.view.layout, ViewLayout::Unified);
        assert_eq!(verdict(&reader), verdict(&s));
        let n = |s: &State| s.compared.as_ref().unwrap().comparison.changes.len();
        assert_eq!(n(&reader), n(&s));
        assert_eq!(
            reader.left.name.as_deref(),
            Some("shift-and-drop/left.json")
        );
        let opened = reader.opened.as_deref().unwrap();
        assert_eq!(opened.source, Source::Link);
        // Nothing differs between the two sides' env, but values are redacted by default.
        assert!(!opened.sides[0].redacted.is_empty());
        assert_eq!(
            opened.sides[0].original_digest.as_deref(),
            Some(&*s.left.ok().unwrap().digest.to_string())
        );
        // Typing afterwards is ordinary editing: the banner goes.
        reader.apply(Action::Edit {
            side: Side::Left,
            text: "{}".into(),
        });
        assert!(reader.opened.is_none());
    }

    #[test]
    fn redaction_changes_what_the_link_carries() {
        let mut s = with_example("env-change");
        assert!(s.share_settings.redact, "redaction is on by default");
        let redacted = shared(&s).payload.clone();
        let left = String::from_utf8(redacted.left.bytes.clone()).unwrap();
        assert!(left.contains("APP_ENV=\\u003credacted\\u003e"), "{left}");
        assert!(!left.contains("APP_ENV=prod"));
        assert!(!redacted.left.redacted.is_empty());
        assert_eq!(shared(&s).sensitive[0].len(), redacted.left.redacted.len());
        s.apply(Action::SetShareRedact(false));
        let plain = &shared(&s).payload;
        assert_eq!(plain.left.bytes, s.left.bytes());
        assert!(plain.left.redacted.is_empty());
        assert_eq!(plain.left.original_digest, redacted.left.original_digest);
        assert!(shared(&s).markdown.contains("APP_ENV=prod"));
        s.apply(Action::SetShareRedact(true));
        let md = &shared(&s).markdown;
        assert!(md.starts_with("### cachelens: different"), "{md}");
        assert!(
            !md.contains("APP_ENV=prod") && !md.contains("staging"),
            "{md}"
        );
        assert!(md.contains("<redacted>"), "{md}");
        assert!(md.contains(&s.left.ok().unwrap().digest.to_string()));
        assert!(md.contains(&s.right.ok().unwrap().digest.to_string()));
        assert!(md.trim_end().ends_with(&format!("({})", shared(&s).link)));
    }

    #[test]
    fn a_bundle_loaded_on_a_pane_restores_both_sides() {
        let s = with_example("chains-vanish");
        let bundle = shared(&s).bundle.to_vec();
        let mut reader = State::default();
        reader.apply(Action::LoadFile {
            side: Side::Right,
            name: "cachelens-share.bundle".into(),
            bytes: bundle,
        });
        assert_eq!(verdict(&reader), verdict(&s));
        assert!(matches!(
            reader.opened.as_deref().map(|o| &o.source),
            Some(Source::Bundle(name)) if name == "cachelens-share.bundle"
        ));
        let mut broken = State::default();
        broken.apply(Action::LoadFile {
            side: Side::Left,
            name: "x.bundle".into(),
            bytes: b"cachelens-share:v1.garbage".to_vec(),
        });
        assert!(
            broken
                .left
                .load_error
                .as_deref()
                .unwrap()
                .contains("could not be opened")
        );
    }

    #[test]
    fn a_broken_fragment_gives_the_decoders_error_and_no_fragment_nothing() {
        let mut s = State::default();
        s.apply(Action::OpenFragment(String::new()));
        s.apply(Action::OpenFragment("#".into()));
        assert!(s.share_error.is_none());
        s.apply(Action::OpenFragment("#v1.garbage".into()));
        let e = s.share_error.as_deref().unwrap();
        assert!(
            e.contains("could not be opened") && e.contains("base64url"),
            "{e}"
        );
        assert!(s.compared.is_none());
    }

    #[test]
    fn a_long_link_offers_the_cache_alone() {
        // Steps with hash-like text (they do not compress away), no cache.
        let noisy = |salt: &str| {
            let history: Vec<serde_json::Value> = (0..300)
                .map(|i| {
                    let step = cachelens_core::Digest::sha256(format!("{salt}{i}").as_bytes());
                    serde_json::json!({"created_by": format!("RUN echo {step}")})
                })
                .collect();
            serde_json::to_vec(
                &serde_json::json!({"architecture": "amd64", "os": "linux", "history": history}),
            )
            .unwrap()
        };
        let mut s = State::default();
        load(&mut s, Side::Left, noisy("a"));
        load(&mut s, Side::Right, noisy("b"));
        let out = shared(&s);
        assert_eq!(out.size, cachelens_core::share::LinkSize::Long);
        assert!(!out.cache_only_available, "no cache in these configs");
        // The scenario configs carry a cache: sharing it alone gives records arrays.
        let mut s = with_example("chains-vanish");
        assert!(shared(&s).cache_only_available);
        s.apply(Action::SetShareCacheOnly(true));
        let p = &shared(&s).payload;
        let v: serde_json::Value = serde_json::from_slice(&p.left.bytes).unwrap();
        assert!(v.is_array(), "the decoded records");
        assert_eq!(
            p.left.original_digest.as_deref(),
            Some(&*s.left.ok().unwrap().digest.to_string())
        );
    }

    #[test]
    fn large_inputs_get_their_link_when_asked() {
        let mut s = State::default();
        load(&mut s, Side::Left, big_config(20_000, None));
        load(&mut s, Side::Right, big_config(20_000, Some(7)));
        assert!(s.share.is_none() && s.share_due);
        s.apply(Action::MakeShareLink);
        assert!(s.share.is_some() && !s.share_due);
    }

    /// A tar of `files`: ustar headers, contents padded to 512 bytes, two zero blocks.
    fn tar(files: &[(String, Vec<u8>)]) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, data) in files {
            let mut h = [0u8; 512];
            h[..name.len()].copy_from_slice(name.as_bytes());
            h[100..108].copy_from_slice(b"0000644\0");
            h[108..116].copy_from_slice(b"0000000\0");
            h[116..124].copy_from_slice(b"0000000\0");
            h[124..136].copy_from_slice(format!("{:011o}\0", data.len()).as_bytes());
            h[136..148].copy_from_slice(b"00000000000\0");
            h[148..156].copy_from_slice(b"        ");
            h[156] = b'0';
            h[257..263].copy_from_slice(b"ustar\0");
            h[263..265].copy_from_slice(b"00");
            let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
            h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
            out.extend_from_slice(&h);
            out.extend_from_slice(data);
            out.resize(out.len().div_ceil(512) * 512, 0);
        }
        out.resize(out.len() + 1024, 0);
        out
    }

    /// An OCI layout tarball of one image with these layer contents.
    fn oci_tar(layers: &[&str]) -> Vec<u8> {
        tar(&oci_files(layers))
    }

    /// The files of an OCI layout of one image with these layer contents.
    fn oci_files(layers: &[&str]) -> Vec<(String, Vec<u8>)> {
        use cachelens_core::Digest;
        let mut blobs = Vec::new();
        let mut blob = |bytes: Vec<u8>| {
            let d = Digest::sha256(&bytes).to_string();
            let n = bytes.len();
            blobs.push((format!("blobs/sha256/{}", &d[7..]), bytes));
            (d, n)
        };
        let descs: Vec<serde_json::Value> = layers
            .iter()
            .map(|l| {
                let (digest, size) = blob(l.as_bytes().to_vec());
                serde_json::json!({"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": digest, "size": size})
            })
            .collect();
        let diff_ids: Vec<String> = layers
            .iter()
            .map(|l| Digest::sha256(l.as_bytes()).to_string())
            .collect();
        let config = serde_json::to_vec(&serde_json::json!({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": diff_ids}})).unwrap();
        let (cd, cn) = blob(config);
        let manifest = serde_json::to_vec(&serde_json::json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": cn}, "layers": descs})).unwrap();
        let (md, mn) = blob(manifest);
        let index = serde_json::to_vec(&serde_json::json!({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": md, "size": mn}]})).unwrap();
        let mut files = vec![
            (
                "oci-layout".to_owned(),
                br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
            ),
            ("index.json".to_owned(), index),
        ];
        files.extend(blobs);
        files
    }

    fn open_archive(s: &mut State, side: Side, bytes: &[u8]) {
        assert!(cachelens_core::image::looks_like_tar(bytes));
        let reading = s.pane(side).reading + 1;
        s.apply(Action::ArchiveOpening {
            side,
            name: format!("{side}.tar"),
            size: bytes.len() as u64,
            folder: false,
            reading,
        });
        assert!(s.pane(side).pending && s.compared.is_none());
        let result = cachelens_core::image::read_archive_bytes(bytes).map_err(|e| e.to_string());
        s.apply(Action::ArchiveRead {
            side,
            reading,
            result: Box::new(result),
        });
    }

    #[test]
    fn a_file_read_that_ends_after_the_pane_changed_is_dropped() {
        let load = |name: &str, text: &str| Action::LoadFile {
            side: Side::Left,
            name: name.into(),
            bytes: text.as_bytes().to_vec(),
        };
        let from = |reading, action| Action::FromRead {
            side: Side::Left,
            reading,
            action: Box::new(action),
        };
        let mut s = State::default();
        // A slow file, then a quick one: the slow one's bytes arrive last and are dropped.
        s.apply(Action::Reading {
            side: Side::Left,
            reading: 1,
        });
        s.apply(Action::Reading {
            side: Side::Left,
            reading: 2,
        });
        s.apply(from(2, load("quick.json", r#"{"a":2}"#)));
        s.apply(from(1, load("slow.json", r#"{"a":1}"#)));
        assert_eq!(s.left.name.as_deref(), Some("quick.json"));
        // A paste while a file is read: the file loses.
        s.apply(Action::Reading {
            side: Side::Left,
            reading: 3,
        });
        s.apply(Action::Edit {
            side: Side::Left,
            text: "{}".into(),
        });
        s.apply(from(3, load("late.json", "[]")));
        assert_eq!(&*s.left.text, "{}");
        // A failure of a replaced read says nothing either; a current one does.
        s.apply(Action::Reading {
            side: Side::Left,
            reading: 4,
        });
        s.apply(Action::Clear(Side::Left));
        s.apply(from(
            4,
            Action::LoadFailed {
                side: Side::Left,
                message: "gone".into(),
            },
        ));
        assert!(s.left.load_error.is_none());
        s.apply(Action::Reading {
            side: Side::Left,
            reading: 5,
        });
        s.apply(from(
            5,
            Action::LoadFailed {
                side: Side::Left,
                message: "bad".into(),
            },
        ));
        assert_eq!(s.left.load_error.as_deref(), Some("bad"));
    }

    #[test]
    fn a_late_read_of_a_replaced_archive_is_dropped() {
        let mut s = State::default();
        let opening = |reading, name: &str| Action::ArchiveOpening {
            side: Side::Left,
            name: name.into(),
            size: 10,
            folder: false,
            reading,
        };
        let read = |reading, bytes: &[u8]| Action::ArchiveRead {
            side: Side::Left,
            reading,
            result: Box::new(
                cachelens_core::image::read_archive_bytes(bytes).map_err(|e| e.to_string()),
            ),
        };
        s.apply(opening(1, "slow.tar"));
        s.apply(opening(2, "fast.tar"));
        s.apply(read(2, &oci_tar(&["fast"])));
        assert!(s.left.image_set().is_some() && !s.left.pending);
        // The first archive's answer arrives last: it changes nothing.
        let shown = s.left.image_set().unwrap().images[0].layers[0]
            .digest
            .clone();
        s.apply(read(1, &oci_tar(&["slow"])));
        assert_eq!(s.left.name.as_deref(), Some("fast.tar"));
        assert_eq!(
            s.left.image_set().unwrap().images[0].layers[0].digest,
            shown
        );
    }

    #[test]
    fn two_archives_compare_as_images_and_an_archive_against_json_does_not() {
        let mut s = State::default();
        open_archive(&mut s, Side::Left, &oci_tar(&["base", "app v1"]));
        let set = s.left.image_set().expect("read");
        assert_eq!(set.images[0].layers.len(), 2);
        assert!(s.left.bytes().is_empty(), "archive bytes are not kept");
        open_archive(&mut s, Side::Right, &oci_tar(&["base", "app v2"]));
        assert_eq!(verdict(&s), Some(Verdict::Different));
        let c = &s.compared.as_ref().unwrap().comparison;
        assert!(
            c.changes
                .iter()
                .any(|c| c.path.to_string().starts_with("/layers")),
            "{:?}",
            c.changes
        );
        assert!(
            s.share.is_some(),
            "archives get a link (of their documents)"
        );
        s.apply(Action::LoadExample("env-change"));
        open_archive(&mut s, Side::Left, &oci_tar(&["base"]));
        assert!(s.compared.is_none(), "an archive against JSON");
        // A read that finishes after the pane was cleared is dropped.
        s.apply(Action::Clear(Side::Left));
        s.apply(Action::ArchiveRead {
            side: Side::Left,
            reading: s.left.reading,
            result: Box::new(Err("late".into())),
        });
        assert!(s.left.archive.is_none());
    }

    #[test]
    fn a_layout_folder_compares_with_the_same_image_as_a_tarball() {
        // What the browser does with a chosen folder, minus the browser: the paths it gives
        // start with the folder's name; the reader is answered from the files it names.
        let files = oci_files(&["base", "app"]);
        let picked: Vec<(String, u64)> = files
            .iter()
            .map(|(p, b)| (format!("img/{p}"), b.len() as u64))
            .collect();
        let layout = crate::folder::layout_files(&picked).unwrap();
        let mut s = State::default();
        s.apply(Action::ArchiveOpening {
            side: Side::Left,
            name: layout.name.clone(),
            size: layout.size(),
            folder: true,
            reading: 1,
        });
        assert!(s.left.folder && s.left.pending);
        let result = cachelens_core::image::read_layout(layout.listing(), |path: &str| {
            let i = layout.source(path).expect("asked for a listed file");
            Ok::<_, cachelens_core::Error>(files[i].1.clone())
        })
        .map_err(|e| e.to_string());
        s.apply(Action::ArchiveRead {
            side: Side::Left,
            reading: 1,
            result: Box::new(result),
        });
        let set = s.left.image_set().expect("read");
        assert_eq!(set.kind, cachelens_core::image::ArchiveKind::OciLayout);
        assert_eq!(s.left.name.as_deref(), Some("img"));
        open_archive(&mut s, Side::Right, &oci_tar(&["base", "app"]));
        assert!(!s.right.folder);
        assert_eq!(verdict(&s), Some(Verdict::Identical));
    }

    fn change_paths(s: &State) -> Vec<(String, String)> {
        s.compared
            .as_ref()
            .unwrap()
            .comparison
            .changes
            .iter()
            .map(|c| (format!("{:?}", c.op), c.path.to_string()))
            .collect()
    }

    #[test]
    fn an_example_a_file_or_a_paste_brings_the_verdict_into_view_typing_does_not() {
        let mut s = with_example("env-change");
        assert_eq!(s.reveal, 1, "an example");
        assert!(s.reveal_load, "a load shows the whole answer");
        let text = format!("{} ", s.left.text);
        s.apply(Action::Edit {
            side: Side::Left,
            text: text.clone(),
        });
        s.apply(Action::Analyze(Side::Left));
        assert_eq!(s.reveal, 1, "typing in a compared pane does not scroll");
        s.apply(Action::Pasted(Side::Left));
        s.apply(Action::Edit {
            side: Side::Left,
            text: format!("{text} "),
        });
        s.apply(Action::Analyze(Side::Left));
        assert_eq!(s.reveal, 2, "a paste does");
        assert!(!s.reveal_load, "a paste shows the verdict, not more");
        s.apply(Action::LoadFile {
            side: Side::Right,
            name: "r.json".into(),
            bytes: scenario("env-change", "right.json").into_bytes(),
        });
        s.apply(Action::Analyze(Side::Right));
        assert_eq!(s.reveal, 3, "a file does");
        assert!(s.reveal_load);
        // The first verdict, however it came, is brought into view.
        let mut s = State::default();
        for side in [Side::Left, Side::Right] {
            s.apply(Action::Edit {
                side,
                text: "{}".into(),
            });
            s.apply(Action::Analyze(side));
        }
        assert_eq!(s.reveal, 1);
    }

    #[test]
    fn clear_can_be_undone_until_the_pane_gets_something_else() {
        let mut s = with_example("chains-vanish");
        let (left, cmp) = (s.left.clone(), change_paths(&s));
        s.apply(Action::Clear(Side::Left));
        assert!(s.left.is_empty() && s.compared.is_none());
        assert!(matches!(s.undo, Some((Side::Left, _))));
        s.apply(Action::UndoClear);
        assert_eq!(s.left, left, "the pane is back, analysis and all");
        assert_eq!(change_paths(&s), cmp);
        assert!(s.undo.is_none());
        // Typing in the cleared pane ends the offer; typing in the other does not.
        s.apply(Action::Clear(Side::Left));
        s.apply(Action::Edit {
            side: Side::Right,
            text: "{}".into(),
        });
        assert!(s.undo.is_some());
        s.apply(Action::Edit {
            side: Side::Left,
            text: "{}".into(),
        });
        assert!(s.undo.is_none());
        // Clearing an empty pane leaves nothing to undo.
        let mut s = State::default();
        s.apply(Action::Clear(Side::Right));
        assert!(s.undo.is_none());
    }

    #[test]
    fn swapping_sides_exchanges_the_inputs_and_flips_the_changes() {
        let mut s = with_example("chains-vanish");
        let before = change_paths(&s);
        assert!(before.iter().any(|(op, _)| op == "Remove"), "{before:?}");
        let (l, r) = (s.left.text.clone(), s.right.text.clone());
        s.apply(Action::Swap);
        assert_eq!((s.left.text.clone(), s.right.text.clone()), (r, l));
        assert_eq!(
            s.left.ok().unwrap().side,
            Some(Side::Left),
            "analysed as its new side"
        );
        let after = change_paths(&s);
        let flipped: Vec<(String, String)> = before
            .iter()
            .map(|(op, p)| {
                let op = match op.as_str() {
                    "Remove" => "Add",
                    "Add" => "Remove",
                    o => o,
                };
                (op.to_owned(), p.clone())
            })
            .collect();
        let (mut a, mut f) = (after.clone(), flipped);
        a.sort();
        f.sort();
        assert_eq!(a, f);
        s.apply(Action::Swap);
        assert_eq!(change_paths(&s), before);
    }

    #[test]
    fn the_session_keeps_both_inputs_names_and_options_across_a_reload() {
        let mut s = with_example("timestamps-only");
        s.apply(Action::SetIgnoreTimestamps(true));
        s.apply(Action::Edit {
            side: Side::Right,
            text: scenario("timestamps-only", "right.json"),
        });
        s.apply(Action::Analyze(Side::Right));
        let kept = cachelens_core::share::encode_fragment(&s.session_payload().unwrap());
        let mut fresh = State::default();
        fresh.apply(Action::Restore(Box::new(
            cachelens_core::share::decode_fragment(&kept).unwrap(),
        )));
        assert_eq!(fresh.left.bytes(), s.left.bytes());
        assert_eq!(fresh.left.name, s.left.name, "a file keeps its name");
        assert_eq!(fresh.right.text, s.right.text);
        assert_eq!(fresh.right.name, None, "typed text stays typed text");
        assert!(fresh.options.ignore_timestamps);
        assert_eq!(verdict(&fresh), verdict(&s));
        assert!(fresh.opened.is_none(), "no share-link banner");
        assert!(State::default().session_payload().is_none());
    }

    #[test]
    fn a_fold_expanded_can_be_folded_again_and_the_focus_follows() {
        let mut s = with_example("chains-vanish");
        let fold = match &s.doc.as_ref().unwrap().rows {
            Rows::SideBySide(rows) => rows
                .iter()
                .position(|r| matches!(r, SideRow::Fold { .. }))
                .expect("a fold"),
            _ => unreachable!(),
        };
        s.apply(Action::ExpandFold(fold));
        assert!(s.ui.expanded_folds.contains(&fold));
        assert_eq!(
            s.ui.fold_focus.as_deref(),
            Some(&*crate::components::fold_again_id(fold))
        );
        s.apply(Action::CollapseFold(fold));
        assert!(s.ui.expanded_folds.is_empty());
        assert_eq!(
            s.ui.fold_focus.as_deref(),
            Some(&*crate::components::fold_id(fold))
        );
    }

    #[test]
    fn two_files_of_the_same_name_are_told_apart_in_the_panes_and_the_report() {
        assert_eq!(file_label("cacheconfig.json", ""), "cacheconfig.json");
        assert_eq!(
            file_label("cacheconfig.json", "old/cacheconfig.json"),
            "old/cacheconfig.json"
        );
        let mut s = State::default();
        for (side, file) in [(Side::Left, "left.json"), (Side::Right, "right.json")] {
            s.apply(Action::LoadFile {
                side,
                name: "cacheconfig.json".into(),
                bytes: scenario("registry-renumber", file).into_bytes(),
            });
            s.apply(Action::Analyze(side));
        }
        let [l, r] = s.label_texts();
        let short = |p: &Pane| short_digest(&p.ok().unwrap().digest);
        assert_eq!(short(&s.left).len(), "sha256:".len() + 12);
        assert_eq!(
            l,
            format!(
                "cacheconfig.json ({}, {})",
                short(&s.left),
                crate::components::size_text(s.left.bytes().len() as u64)
            )
        );
        assert_ne!(l, r);
        let md = &shared(&s).markdown;
        assert!(md.contains(&l) && md.contains(&r), "{md}");
        // Different names need nothing more.
        s.apply(Action::LoadFile {
            side: Side::Right,
            name: "new/cacheconfig.json".into(),
            bytes: scenario("registry-renumber", "right.json").into_bytes(),
        });
        s.apply(Action::Analyze(Side::Right));
        assert_eq!(s.label_texts()[1], "new/cacheconfig.json");
        assert_eq!(s.label_texts()[0], "cacheconfig.json");
    }

    #[test]
    fn two_archives_get_a_link_and_a_report_that_reopen_the_same_comparison() {
        let mut s = State::default();
        open_archive(&mut s, Side::Left, &oci_tar(&["base", "app v1"]));
        open_archive(&mut s, Side::Right, &oci_tar(&["base", "app v2"]));
        let images = s.compared.as_ref().unwrap().images.as_deref().unwrap();
        let (ld, rd) = (images.0.digest.to_string(), images.1.digest.to_string());
        let out = shared(&s);
        assert!(out.markdown.contains(&ld) && out.markdown.contains(&rd));
        assert!(out.markdown.contains("left.tar"), "{}", out.markdown);
        let archive = out
            .payload
            .left
            .archive
            .as_ref()
            .expect("marked as an archive");
        assert_eq!(
            (archive.name.as_str(), archive.digest.as_str()),
            ("left.tar", ld.as_str())
        );
        assert_eq!(archive.kind, "image-manifest");
        // The link opens as the same comparison, each side standing for its archive's image.
        let mut reader = State::default();
        reader.apply(Action::OpenFragment(
            out.link.split_once('#').unwrap().1.to_owned(),
        ));
        assert_eq!(verdict(&reader), Some(Verdict::Different));
        assert_eq!(change_paths(&reader), change_paths(&s));
        assert_eq!(reader.left.ok().unwrap().digest.to_string(), ld);
        assert_eq!(
            reader.right.ok().unwrap().kind,
            cachelens_core::Kind::ImageManifest
        );
        assert!(reader.left.from_archive.is_some());
        // And the reader's own link keeps the mark.
        assert!(shared(&reader).payload.right.archive.is_some());
    }

    #[test]
    fn build_records_are_shared_with_their_paths_args_and_attributes_redacted() {
        let dir = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/real-buildkit/buildkit-0.25/archives/"
        );
        let mut s = State::default();
        for (side, file) in [
            (Side::Left, "tiny.manifest-root.dockerbuild"),
            (Side::Right, "tiny.index-root.dockerbuild"),
        ] {
            let bytes = std::fs::read(format!("{dir}{file}")).unwrap();
            let reading = s.pane(side).reading + 1;
            s.apply(Action::ArchiveOpening {
                side,
                name: file.into(),
                size: bytes.len() as u64,
                folder: false,
                reading,
            });
            let result = cachelens_core::image::gzip::read_gzip(&bytes).map_err(|e| e.to_string());
            s.apply(Action::ArchiveRead {
                side,
                reading,
                result: Box::new(result),
            });
        }
        assert_eq!(verdict(&s), Some(Verdict::Different));
        let out = shared(&s);
        for side in [&out.payload.left, &out.payload.right] {
            let text = String::from_utf8_lossy(&side.bytes);
            assert!(text.contains("localState"), "{text}");
            assert!(
                !text.contains("/src/fixtures"),
                "a local path in the link: {text}"
            );
            assert!(
                side.redacted.iter().any(|p| p.starts_with("/localState/")),
                "{:?}",
                side.redacted
            );
            assert!(
                side.redacted
                    .iter()
                    .any(|p| p.starts_with("/frontendAttrs/")),
                "{:?}",
                side.redacted
            );
        }
    }
}
