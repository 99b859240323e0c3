//! The page's series mode (issue 17): many inputs at once, in build order, compared as
//! `cachelens series` compares them, with the core's [`Builder`] fed one input per task.
//!
//! What happens, as actions of [`SeriesAction`]:
//!
//! * files chosen or dropped are [`SeriesAction::Add`]ed (in natural name order, `2` before `10`)
//!   while they are read; each read comes back as [`SeriesAction::Read`], applied only while the
//!   input it answers is still in the series (a read that finishes after its input was removed,
//!   or the series cancelled, is dropped, as a pane drops a late read);
//! * once every input is read, a [`Run`] starts: each [`SeriesAction::Step`] (sent by a timer, so
//!   the page paints and answers input between steps) pushes one input to the builder; a step
//!   of an earlier run (the order changed, an input was removed, the run was cancelled) is
//!   dropped;
//! * any change of the inputs or their order starts a new run; the last run's [`Series`] is
//!   kept with the inputs it was of ([`Computed`]), so a transition, or any two inputs, open in
//!   the two-input view ([`SeriesAction::OpenPair`]) with the panes' own actions.
//!
//! Inputs keep what the page read of them: a JSON file's exact bytes, an image archive's or
//! layout's [`ImageSet`] (archives are read by ranges: their bytes are never held). Each run
//! analyses the bytes again, one input per step, so only the builder's previous input and the
//! current one are alive as analyses.

use super::*;
use crate::folder::{LayoutFiles, layout_files};
use cachelens_core::series::{Builder, Input, Series};
use std::cell::RefCell;
use std::cmp::Ordering;

/// What reading one file (or layout folder) gave, as the series and the panes take it.
#[derive(Debug, Clone)]
pub enum FileRead {
    /// Read whole: a JSON document (or anything else that is not an archive).
    Whole(Vec<u8>),
    /// An image archive (tar, gzip, `.dockerbuild`) or a layout folder, read by ranges.
    Archive {
        /// Its size in bytes (of a folder: the sum of its files').
        size: u64,
        /// A layout folder rather than a file.
        folder: bool,
        /// What it holds, or why it could not be read.
        result: Box<Result<ImageSet, String>>,
    },
    /// It could not be read (the message names it).
    Failed(String),
}

/// What the page holds of one input of the series.
#[derive(Debug, Clone, PartialEq)]
pub enum Held {
    /// Being read.
    Reading,
    /// A file read whole: its exact bytes.
    Bytes(Rc<[u8]>),
    /// An image archive or layout folder, read.
    Archive {
        /// Its size in bytes.
        size: u64,
        /// A layout folder rather than a file.
        folder: bool,
        /// What it holds.
        set: Shared<ImageSet>,
    },
    /// It could not be read: why (naming it).
    Failed(Rc<str>),
}

/// One input of the series.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// A number new to each input added (the read that fills it carries it).
    pub id: u64,
    /// The file or folder name (with its folder, when the browser gives it).
    pub name: Rc<str>,
    /// What the page holds of it.
    pub held: Held,
}

/// The core's builder, shared between the states of one run (states are cloned by each action;
/// the builder is not): compared by identity.
#[derive(Clone)]
pub struct BuilderCell(Rc<RefCell<Builder>>);

impl PartialEq for BuilderCell {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl fmt::Debug for BuilderCell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BuilderCell")
    }
}

/// A comparison of the series under way: one input pushed per [`SeriesAction::Step`].
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// A number new to each run: a step carrying another is dropped.
    pub id: u64,
    /// The inputs (their ids) in the order pushed.
    pub order: Vec<u64>,
    /// How many are pushed.
    pub done: usize,
    /// The options it compares under.
    pub options: Options,
    builder: BuilderCell,
}

/// A series compared, with what it was of.
#[derive(Debug)]
pub struct Computed {
    /// The core's series (positions are indexes into `order`).
    pub series: Series,
    /// The inputs (their ids) at each position.
    pub order: Vec<u64>,
    /// The options it was compared under.
    pub options: Options,
}

/// Where the series stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    /// No input.
    Empty,
    /// Inputs are being read: how many are read, of how many.
    Reading(usize, usize),
    /// Inputs are being compared: how many are, of how many.
    Comparing(usize, usize),
    /// The user cancelled: how many inputs were compared then, of how many.
    Cancelled(usize, usize),
    /// Compared.
    Done,
}

/// The series mode's state.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SeriesState {
    /// The page shows the series (rather than the two panes).
    pub shown: bool,
    /// The inputs, in build order.
    pub items: Vec<Item>,
    /// The comparison under way.
    pub run: Option<Run>,
    /// The last comparison of the series as it is now (`None` once anything changed).
    pub computed: Option<Shared<Computed>>,
    /// The user cancelled: (inputs compared, of how many).
    pub cancelled: Option<(usize, usize)>,
    /// What the live region says after a move or a removal.
    pub announce: Option<Rc<str>>,
    /// The element to focus after a move (its id).
    pub focus: Option<Rc<str>>,
    /// The two inputs (0-based positions) last opened in the two-input view.
    pub opened: Option<(usize, usize)>,
    /// The last run's number.
    last_run: u64,
}

/// Which control moved an input (so the focus stays on something that still acts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// The input itself, focused (Alt+Arrow).
    Item,
    /// Its "move up" button.
    Up,
    /// Its "move down" button.
    Down,
}

/// What can happen in the series mode.
#[derive(Debug, Clone)]
pub enum SeriesAction {
    /// Show the series (`true`) or the two panes.
    Show(bool),
    /// Files (or layouts) chosen or dropped, being read: (id, name) each, in the order given; they
    /// are added after the inputs there are, in natural name order.
    Add(Vec<(u64, String)>),
    /// A read finished (applied only while the input is in the series and still read).
    Read {
        /// The input's id.
        id: u64,
        /// What it gave.
        read: Box<FileRead>,
    },
    /// Move an input to another position (0-based, clamped).
    Move {
        /// The input's id.
        id: u64,
        /// Its new position.
        to: usize,
        /// Which control asked.
        via: Via,
    },
    /// Remove an input.
    Remove(u64),
    /// Remove every input.
    Clear,
    /// Push the next input of this run to the builder (dropped unless the run is the current one).
    Step(u64),
    /// Stop reading and comparing.
    Cancel,
    /// Compare again (after a cancel).
    Restart,
    /// Open two inputs (0-based positions of the last comparison) in the two-input view.
    OpenPair(usize, usize),
}

/// Natural order of names: runs of digits compare as numbers (`build-2` before `build-10`),
/// the rest as text; equal names by their exact text.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    fn chunks(s: &str) -> Vec<(bool, &str)> {
        let mut out = Vec::new();
        let mut start = 0;
        let mut digit = None;
        for (i, c) in s.char_indices() {
            let d = c.is_ascii_digit();
            if digit.is_some_and(|p| p != d) {
                out.push((digit == Some(true), &s[start..i]));
                start = i;
            }
            digit = Some(d);
        }
        if start < s.len() {
            out.push((digit == Some(true), &s[start..]));
        }
        out
    }
    let (x, y) = (chunks(a), chunks(b));
    for (p, q) in x.iter().zip(&y) {
        let o = match (p, q) {
            ((true, m), (true, n)) => {
                let (m, n) = (m.trim_start_matches('0'), n.trim_start_matches('0'));
                m.len().cmp(&n.len()).then_with(|| m.cmp(n))
            }
            ((_, m), (_, n)) => m.cmp(n),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    x.len().cmp(&y.len()).then_with(|| a.cmp(b))
}

/// The positions of `names` in natural order, equal names in the order given: an insertion
/// sort (a series has tens of inputs, hundreds at most), so that no sorting code is compiled into
/// the bundle for each kind of element.
fn natural_positions(names: &[&str]) -> Vec<usize> {
    let mut order: Vec<usize> = Vec::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        let at = order
            .iter()
            .rposition(|&j| natural_cmp(names[j], name) != Ordering::Greater)
            .map_or(0, |p| p + 1);
        order.insert(at, i);
    }
    order
}

/// `v` in the natural order of the names `name` gives its elements (stable).
fn in_natural_order<T>(v: Vec<T>, name: impl Fn(&T) -> &str) -> Vec<T> {
    let order = natural_positions(&v.iter().map(&name).collect::<Vec<_>>());
    let mut slots: Vec<Option<T>> = v.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

/// One input a chosen or dropped folder gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FolderInput {
    /// A file of the folder (its position in the listing).
    File(usize),
    /// An image layout or cache export (the folder itself, or one of its sub-folders).
    Layout(LayoutFiles),
}

/// Whether a folder's listing (paths relative to it) makes it a layout: an OCI layout (a cache
/// export is one) or an extracted `docker save`, as the CLI's `series` decides.
fn is_layout(paths: &[&str]) -> bool {
    paths
        .iter()
        .any(|p| matches!(*p, "index.json" | "manifest.json" | "oci-layout"))
}

/// The inputs of a folder chosen or dropped in series mode, as `cachelens series` takes a folder:
/// the folder itself when it is a layout; otherwise its files, and the layouts among its
/// sub-folders, in natural name order. `listing` holds each file's path as the browser gives it
/// (starting with the folder's name) and its size.
pub fn folder_inputs(listing: &[(String, u64)]) -> Result<Vec<FolderInput>, String> {
    let split: Vec<Vec<&str>> = listing
        .iter()
        .map(|(p, _)| p.split('/').filter(|c| !c.is_empty()).collect())
        .collect();
    let own = |depth: usize, prefix: &[&str]| -> Vec<&str> {
        split
            .iter()
            .filter(|c| c.len() == depth + 1 && c.starts_with(prefix))
            .map(|c| c[depth])
            .collect()
    };
    let Some(top) = split.first().and_then(|c| c.first()).copied() else {
        return Err("the folder is empty (or the browser gave none of its files)".into());
    };
    if is_layout(&own(1, &[top])) {
        return layout_files(listing).map(|l| vec![FolderInput::Layout(l)]);
    }
    let mut named: Vec<(String, FolderInput)> = Vec::new();
    let mut subs: Vec<&str> = Vec::new();
    for (i, c) in split.iter().enumerate() {
        match c.len() {
            2 => named.push((c[1].to_owned(), FolderInput::File(i))),
            n if n > 2 && !subs.contains(&c[1]) => subs.push(c[1]),
            _ => {}
        }
    }
    for sub in subs {
        if !is_layout(&own(2, &[top, sub])) {
            continue;
        }
        let picked: Vec<(String, u64)> = listing
            .iter()
            .zip(&split)
            .filter(|(_, c)| c.len() > 2 && c[1] == sub)
            .map(|((p, s), _)| (p.clone(), *s))
            .collect();
        let mut l = layout_files(&picked)?;
        // Positions in the whole listing, not in the sub-folder's.
        let whole: Vec<usize> = (0..listing.len())
            .filter(|&i| split[i].len() > 2 && split[i][1] == sub)
            .collect();
        for f in &mut l.files {
            f.2 = whole[f.2];
        }
        named.push((sub.to_owned(), FolderInput::Layout(l)));
    }
    if named.is_empty() {
        return Err(format!(
            "{top} holds no file and no image layout to compare"
        ));
    }
    Ok(in_natural_order(named, |n| &n.0)
        .into_iter()
        .map(|(_, i)| i)
        .collect())
}

impl Held {
    fn of(read: FileRead) -> Held {
        match read {
            FileRead::Whole(bytes) => Held::Bytes(Rc::from(bytes)),
            FileRead::Archive {
                size,
                folder,
                result,
            } => match *result {
                Ok(set) => Held::Archive {
                    size,
                    folder,
                    set: Shared::new(set),
                },
                Err(m) => Held::Failed(Rc::from(m)),
            },
            FileRead::Failed(m) => Held::Failed(Rc::from(m)),
        }
    }
}

impl Item {
    /// The input as the core's builder takes it (a JSON file analysed now).
    fn input(&self) -> Result<Input, String> {
        match &self.held {
            Held::Bytes(b) => analyze(b, None)
                .map(|a| Input::Document(Box::new(a)))
                .map_err(|e| format!("{}: {e}", self.name)),
            Held::Archive { set, .. } => Ok(Input::Archive(Box::new((**set).clone()))),
            Held::Failed(m) => Err(m.to_string()),
            Held::Reading => Err(format!("{} was not read", self.name)),
        }
    }
}

impl SeriesState {
    /// Where the series stands.
    pub fn progress(&self) -> Progress {
        let n = self.items.len();
        let read = self
            .items
            .iter()
            .filter(|i| i.held != Held::Reading)
            .count();
        if n == 0 {
            Progress::Empty
        } else if let Some((done, of)) = self.cancelled {
            Progress::Cancelled(done, of)
        } else if read < n {
            Progress::Reading(read, n)
        } else if let Some(run) = &self.run {
            Progress::Comparing(run.done, run.order.len())
        } else {
            Progress::Done
        }
    }

    /// The step due next: (run, inputs pushed so far), while a run is under way. The page sends
    /// [`SeriesAction::Step`] for it after yielding to the event loop.
    pub fn due_step(&self) -> Option<(u64, usize)> {
        self.run.as_ref().map(|r| (r.id, r.done))
    }

    /// The position of an input.
    pub fn position(&self, id: u64) -> Option<usize> {
        self.items.iter().position(|i| i.id == id)
    }

    /// The input at a position of the last comparison.
    pub fn compared_item(&self, pos: usize) -> Option<&Item> {
        let c = self.computed.as_ref()?;
        let id = *c.order.get(pos)?;
        self.items.iter().find(|i| i.id == id)
    }

    /// **The series' share hook**: every input in build order, as its name and exact bytes, for
    /// a share link or bundle of the series (the core's series share format) to carry. An
    /// error names the first input whose bytes the page does not hold: an image archive or
    /// layout (read by ranges, never whole), or an input still being read or unreadable.
    pub fn share_inputs(&self) -> Result<Vec<(String, Vec<u8>)>, String> {
        self.items
            .iter()
            .enumerate()
            .map(|(pos, i)| match &i.held {
                Held::Bytes(b) => Ok((i.name.to_string(), b.to_vec())),
                Held::Archive { .. } => Err(format!(
                    "build {} ({}) is an image archive or layout: the page reads it by ranges and does not hold its bytes",
                    pos + 1,
                    i.name
                )),
                Held::Reading => Err(format!("build {} ({}) is still being read", pos + 1, i.name)),
                Held::Failed(m) => Err(format!("build {} could not be read: {m}", pos + 1)),
            })
            .collect()
    }

    /// The inputs changed (or the options): what was compared is moot; compare again once every
    /// input is read.
    fn restart(&mut self, options: &Options) {
        self.computed = None;
        self.cancelled = None;
        self.run = None;
        if self.items.is_empty() || self.items.iter().any(|i| i.held == Held::Reading) {
            return;
        }
        self.last_run += 1;
        self.run = Some(Run {
            id: self.last_run,
            order: self.items.iter().map(|i| i.id).collect(),
            done: 0,
            options: options.clone(),
            builder: BuilderCell(Rc::new(RefCell::new(Builder::new(options.clone())))),
        });
    }

    /// Pushes the next input of the run `id` (if it is the current one); finishes the series
    /// after the last.
    fn step(&mut self, id: u64) {
        let Some(run) = self.run.as_mut().filter(|r| r.id == id) else {
            return;
        };
        if let Some(item) = run
            .order
            .get(run.done)
            .and_then(|id| self.items.iter().find(|i| i.id == *id))
        {
            run.builder
                .0
                .borrow_mut()
                .push(item.name.to_string(), item.input());
        }
        run.done += 1;
        if run.done >= run.order.len() {
            let run = self.run.take().expect("the run is there");
            let builder = run.builder.0.replace(Builder::new(Options::default()));
            self.computed = Some(Shared::new(Computed {
                series: builder.finish(),
                order: run.order,
                options: run.options,
            }));
        }
    }

    /// Moves an input, and says so.
    fn move_to(&mut self, id: u64, to: usize, via: Via) -> bool {
        let Some(from) = self.position(id) else {
            return false;
        };
        let to = to.min(self.items.len() - 1);
        if from == to {
            return false;
        }
        let item = self.items.remove(from);
        let name = item.name.clone();
        self.items.insert(to, item);
        let n = self.items.len();
        self.announce = Some(Rc::from(format!(
            "{name} moved to position {} of {n}.",
            to + 1
        )));
        let focus = match via {
            Via::Up if to == 0 => format!("series-down-{id}"),
            Via::Up => format!("series-up-{id}"),
            Via::Down if to + 1 == n => format!("series-up-{id}"),
            Via::Down => format!("series-down-{id}"),
            Via::Item => format!("series-item-{id}"),
        };
        self.focus = Some(Rc::from(focus));
        true
    }
}

impl State {
    /// Applies one series action.
    pub(super) fn series_apply(&mut self, action: SeriesAction) {
        let opts = self.options.clone();
        let s = &mut self.series;
        match action {
            SeriesAction::Show(on) => {
                s.shown = on;
                let stale = s.computed.as_ref().is_some_and(|c| c.options != opts)
                    || s.run.as_ref().is_some_and(|r| r.options != opts);
                if on && stale {
                    s.restart(&opts);
                }
            }
            SeriesAction::Add(added) => {
                let added = in_natural_order(added, |a| &a.1);
                s.shown = true;
                s.items.extend(added.into_iter().map(|(id, name)| Item {
                    id,
                    name: Rc::from(name),
                    held: Held::Reading,
                }));
                s.announce = None;
                s.restart(&opts);
            }
            SeriesAction::Read { id, read } => {
                let Some(item) = s
                    .items
                    .iter_mut()
                    .find(|i| i.id == id && i.held == Held::Reading)
                else {
                    // A late read: its input was removed, or the series cancelled, meanwhile.
                    return;
                };
                item.held = Held::of(*read);
                s.restart(&opts);
            }
            SeriesAction::Move { id, to, via } => {
                if s.move_to(id, to, via) {
                    s.restart(&opts);
                }
            }
            SeriesAction::Remove(id) => {
                let Some(pos) = s.position(id) else { return };
                let item = s.items.remove(pos);
                s.announce = Some(Rc::from(format!(
                    "{} removed; {} left.",
                    item.name,
                    cachelens_core::words::count(s.items.len() as u64, "input", "inputs")
                )));
                // The focus goes to the input that took its place, or the one before.
                s.focus = s
                    .items
                    .get(pos)
                    .or_else(|| pos.checked_sub(1).and_then(|p| s.items.get(p)))
                    .map(|i| Rc::from(format!("series-item-{}", i.id).as_str()));
                s.restart(&opts);
            }
            SeriesAction::Clear => {
                s.items.clear();
                s.opened = None;
                s.announce = Some(Rc::from("Every input removed."));
                s.restart(&opts);
            }
            SeriesAction::Step(run) => s.step(run),
            SeriesAction::Cancel => {
                let (done, of) = match &s.run {
                    Some(r) => (r.done, r.order.len()),
                    None => (0, s.items.len()),
                };
                if s.run.is_none() && s.items.iter().all(|i| i.held != Held::Reading) {
                    return;
                }
                s.run = None;
                // Inputs still being read are dropped (their reads with them).
                s.items.retain(|i| i.held != Held::Reading);
                s.cancelled = Some((done, of));
            }
            SeriesAction::Restart => s.restart(&opts),
            SeriesAction::OpenPair(a, b) => self.open_pair(a, b),
        }
    }

    /// Puts two inputs of the last comparison in the panes, as a file chosen for each would, and
    /// shows the two-input view.
    fn open_pair(&mut self, a: usize, b: usize) {
        let (Some(left), Some(right)) = (
            self.series.compared_item(a).cloned(),
            self.series.compared_item(b).cloned(),
        ) else {
            return;
        };
        self.series.shown = false;
        self.series.opened = Some((a, b));
        for (side, item) in [(Side::Left, left), (Side::Right, right)] {
            let name = item.name.to_string();
            match item.held {
                Held::Bytes(bytes) => self.apply(Action::LoadFile {
                    side,
                    name,
                    bytes: bytes.to_vec(),
                }),
                Held::Archive { size, folder, set } => {
                    self.apply(Action::ArchiveOpening {
                        side,
                        name,
                        size,
                        folder,
                    });
                    self.apply(Action::ArchiveRead {
                        side,
                        result: Box::new(Ok((*set).clone())),
                    });
                }
                Held::Failed(message) => self.apply(Action::LoadFailed {
                    side,
                    message: message.to_string(),
                }),
                Held::Reading => {}
            }
        }
        // Read already: analysed at once (a file chosen for a pane is, after a paint).
        self.apply(Action::Analyze(Side::Left));
        self.apply(Action::Analyze(Side::Right));
    }
}

#[cfg(test)]
#[cfg(all(test, feature = "series"))]
mod tests;
