//! One input pane: what it holds, its analysis, and how a file gets to it.

use super::*;

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
    pub(super) fn loaded(name: &str, bytes: Rc<[u8]>) -> Pane {
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
    pub(super) fn analyze(&mut self, side: Side, here: bool) -> bool {
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
