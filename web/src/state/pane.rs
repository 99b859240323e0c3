//! One input pane: what it holds, its analysis, and how a file gets to it.

use super::*;

/// What an analysis is: the input's, or why it has none.
pub type AnalysisResult = Shared<Result<Analysis, Error>>;

/// One input pane, in one of its states.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Pane {
    /// Nothing entered (or everything deleted).
    #[default]
    Empty,
    /// A file could not be read; the message names it.
    Failed(Rc<str>),
    /// A JSON input (typed, pasted, a file, an example, a share link) and its analysis.
    Doc(Doc),
    /// An image archive (a tarball, or a layout folder), read here by ranges.
    Archive(Archive),
}

/// A JSON input.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Doc {
    /// What the textarea shows (and, for typed text, exactly what is analysed).
    pub text: Rc<str>,
    /// The exact bytes analysed when they came from a file or an example (the textarea cannot
    /// hold every byte sequence: it normalises line breaks and needs UTF-8). `None` for typed text.
    pub bytes: Option<Rc<[u8]>>,
    /// The file (or example) name, when the input was loaded rather than typed.
    pub name: Option<Rc<str>>,
    /// The input is too large to show in the textarea ([`TEXTAREA_MAX_BYTES`]).
    pub hidden: bool,
    /// The input is the comparable document of an image archive, opened from a share link (or
    /// bundle) that says so: its kind, digest and size are the archive's image's.
    pub from_archive: Option<Rc<ShareArchive>>,
    /// Which input this is: a number new to each input put in a pane (given when it is first
    /// sent to the worker, 0 until then), so the worker keeps each input's bytes once.
    pub generation: u64,
    /// Where its analysis stands.
    pub analysis: Analysed,
}

/// Where a document's analysis stands. While one is due or asked, the last one is still shown.
#[derive(Debug, Clone, PartialEq)]
pub enum Analysed {
    /// The input changed since the analysis shown: one is due (after the debounce, or a paint).
    Due(Option<AnalysisResult>),
    /// Asked of the worker; it comes back with [`Action::Computed`].
    Asked(Option<AnalysisResult>),
    /// Made here (`None`: the input is empty, a file of no bytes).
    Done(Option<AnalysisResult>),
    /// Made by the worker, without the documents (which the worker keeps): to compare here
    /// (an image archive came to the other pane), it is made here again.
    Light(AnalysisResult),
}

impl Default for Analysed {
    fn default() -> Self {
        Analysed::Due(None)
    }
}

impl Analysed {
    /// The analysis shown.
    pub fn shown(&self) -> Option<&AnalysisResult> {
        match self {
            Analysed::Due(a) | Analysed::Asked(a) | Analysed::Done(a) => a.as_ref(),
            Analysed::Light(a) => Some(a),
        }
    }

    /// The input changed (or must be analysed here again): an analysis is due, the one shown
    /// kept until then.
    pub(super) fn make_due(&mut self) {
        *self = Analysed::Due(self.shown().cloned());
    }
}

/// An image archive in a pane.
#[derive(Debug, Clone, PartialEq)]
pub struct Archive {
    /// The file (or folder) name.
    pub name: Rc<str>,
    /// Its size in bytes (of a folder: the sum of its files').
    pub size: u64,
    /// A folder (an OCI layout chosen or dropped as a folder), not a tarball.
    pub folder: bool,
    /// What it holds, or why it could not be read; `None` while it is being read.
    pub read: Option<Shared<Result<ImageSet, Rc<str>>>>,
}

impl Pane {
    /// A pane holding loaded bytes, its analysis due.
    pub(super) fn loaded(name: &str, bytes: Rc<[u8]>) -> Pane {
        let hidden = bytes.len() > TEXTAREA_MAX_BYTES;
        let text: Rc<str> = if hidden {
            Rc::from("")
        } else {
            Rc::from(String::from_utf8_lossy(&bytes).as_ref())
        };
        Pane::Doc(Doc {
            text,
            bytes: Some(bytes),
            name: Some(Rc::from(name)),
            hidden,
            ..Doc::default()
        })
    }

    /// A pane holding typed text, its analysis due (the one shown so far kept until then).
    pub(super) fn typed(text: String, shown: Option<AnalysisResult>) -> Pane {
        if text.is_empty() {
            return Pane::Empty;
        }
        Pane::Doc(Doc {
            text: Rc::from(text),
            analysis: Analysed::Due(shown),
            ..Doc::default()
        })
    }

    /// A pane of the worker's: the bytes of an input and their analysis.
    pub(crate) fn computed(bytes: Rc<[u8]>, analysis: Result<Analysis, Error>) -> Pane {
        Pane::Doc(Doc {
            bytes: Some(bytes),
            // (So the raw view reads the bytes: the worker's panes have no textarea text.)
            hidden: true,
            analysis: Analysed::Done(Some(Shared::new(analysis))),
            ..Doc::default()
        })
    }

    /// The document, when the pane holds JSON.
    pub fn doc(&self) -> Option<&Doc> {
        match self {
            Pane::Doc(d) => Some(d),
            _ => None,
        }
    }

    pub(super) fn doc_mut(&mut self) -> Option<&mut Doc> {
        match self {
            Pane::Doc(d) => Some(d),
            _ => None,
        }
    }

    /// The archive, when the pane holds one.
    pub fn archive(&self) -> Option<&Archive> {
        match self {
            Pane::Archive(a) => Some(a),
            _ => None,
        }
    }

    /// Why the file could not be read, when it could not.
    pub fn failed(&self) -> Option<&Rc<str>> {
        match self {
            Pane::Failed(m) => Some(m),
            _ => None,
        }
    }

    /// What the textarea shows.
    pub fn text(&self) -> Rc<str> {
        match self {
            Pane::Doc(d) => d.text.clone(),
            _ => Rc::from(""),
        }
    }

    /// The file, folder or example name, when the input was loaded rather than typed.
    pub fn name(&self) -> Option<&Rc<str>> {
        match self {
            Pane::Doc(d) => d.name.as_ref(),
            Pane::Archive(a) => Some(&a.name),
            Pane::Empty | Pane::Failed(_) => None,
        }
    }

    /// The exact bytes of a JSON input (nothing for an archive: it is read by ranges).
    pub fn bytes(&self) -> &[u8] {
        match self {
            Pane::Doc(d) => d.bytes.as_deref().unwrap_or(d.text.as_bytes()),
            _ => &[],
        }
    }

    /// The input is the comparable document of an archive's image (from a share link).
    pub fn from_archive(&self) -> Option<&ShareArchive> {
        self.doc().and_then(|d| d.from_archive.as_deref())
    }

    /// Whether nothing was entered (a file that could not be read included).
    pub fn is_empty(&self) -> bool {
        match self {
            Pane::Empty | Pane::Failed(_) => true,
            Pane::Doc(_) => self.bytes().is_empty(),
            Pane::Archive(_) => false,
        }
    }

    /// Whether the pane holds nothing at all: no input and no read error to show.
    pub fn is_blank(&self) -> bool {
        self.is_empty() && self.failed().is_none()
    }

    /// An analysis or an archive's reading is under way.
    pub fn pending(&self) -> bool {
        match self {
            Pane::Doc(d) => matches!(d.analysis, Analysed::Due(_) | Analysed::Asked(_)),
            Pane::Archive(a) => a.read.is_none(),
            Pane::Empty | Pane::Failed(_) => false,
        }
    }

    /// The images of an archive read without error.
    pub fn image_set(&self) -> Option<&ImageSet> {
        self.archive()
            .and_then(|a| a.read.as_deref())
            .and_then(|r| r.as_ref().ok())
    }

    /// The input as text, for the raw view.
    pub fn raw_text(&self) -> Cow<'_, str> {
        match self {
            Pane::Doc(d) => match &d.bytes {
                Some(b) if d.hidden => String::from_utf8_lossy(b),
                _ => Cow::Borrowed(&d.text),
            },
            _ => Cow::Borrowed(""),
        }
    }

    /// The analysis shown, if any.
    pub fn analysis(&self) -> Option<&AnalysisResult> {
        self.doc().and_then(|d| d.analysis.shown())
    }

    /// The analysis, when it succeeded.
    pub fn ok(&self) -> Option<&Analysis> {
        self.analysis().and_then(|r| (**r).as_ref().ok())
    }

    /// The error, when the analysis failed.
    pub fn error(&self) -> Option<&Error> {
        self.analysis().and_then(|r| (**r).as_ref().err())
    }

    /// Runs the analysis if one is due (`here`), or marks it asked of the worker (then it comes
    /// back with `Action::Computed`). Whether a comparison is due.
    pub(super) fn analyze(&mut self, side: Side, here: bool) -> bool {
        let empty = self.is_empty();
        let Pane::Doc(doc) = self else { return false };
        let shown = match &doc.analysis {
            Analysed::Due(shown) => shown.clone(),
            // Asked already; made here only when the page stopped asking the worker.
            Analysed::Asked(_) if here => None,
            Analysed::Asked(_) | Analysed::Done(_) | Analysed::Light(_) => return false,
        };
        if !here && !empty {
            doc.analysis = Analysed::Asked(shown);
            return true;
        }
        let bytes = doc.bytes.as_deref().unwrap_or(doc.text.as_bytes());
        doc.analysis = Analysed::Done(
            (!empty).then(|| Shared::new(analyze_input(bytes, side, doc.from_archive.as_deref()))),
        );
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
        if let Some(kind) = cachelens_core::Kind::named(&origin.kind) {
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
