//! The sans-IO readers: [`ArchiveReader`] over a tar's byte ranges, [`LayoutReader`] over a
//! folder's files, and the synchronous drivers [`read_archive`] and [`read_layout`].

use super::*;

/// Reads an image tar without doing I/O: it asks for byte ranges, the caller supplies them.
///
/// ```
/// # use cachelens_core::image::ArchiveReader;
/// # fn demo(archive: &[u8]) -> Result<(), cachelens_core::Error> {
/// let mut reader = ArchiveReader::new(archive.len() as u64);
/// while let Some(r) = reader.next_request() {
///     // The browser: `await file.slice(r.start, r.end).arrayBuffer()`; the CLI: seek + read.
///     reader.feed(r.start, &archive[r.start as usize..r.end as usize])?;
/// }
/// let images = reader.finish()?;
/// # let _ = images;
/// # Ok(()) }
/// ```
///
/// Requests are at most [`MAX_JSON_BYTES`] long and never cover a layer's contents: first each
/// tar header (512 bytes, plus GNU long names and PAX headers), then the JSON the layout needs.
#[derive(Debug)]
pub struct ArchiveReader {
    len: u64,
    phase: Phase,
}

#[derive(Debug)]
enum Phase {
    Scan(tar::Scanner),
    Resolve(Box<Resolve>),
    Failed(Error),
}

/// The second phase: entries known, fetching the JSON the layout needs.
#[derive(Debug)]
struct Resolve {
    layout: layout::Layout,
    /// Entries still to fetch (resolved paths); fetched from the front.
    queue: Vec<String>,
    result: Option<ImageSet>,
}

impl Resolve {
    fn new(layout: layout::Layout) -> Result<Self, Error> {
        let mut r = Resolve {
            layout,
            queue: Vec::new(),
            result: None,
        };
        r.step()?;
        Ok(r)
    }

    /// Walks the layout with what is fetched so far: either more to fetch, or done.
    fn step(&mut self) -> Result<(), Error> {
        match self.layout.step()? {
            layout::Step::Need(paths) => self.queue = paths,
            layout::Step::Done(set) => self.result = Some(*set),
        }
        Ok(())
    }

    fn supply(&mut self, bytes: &[u8]) -> Result<(), Error> {
        let path = self.queue.remove(0);
        self.layout.supply(path, bytes.to_vec());
        if self.queue.is_empty() {
            self.step()?;
        }
        Ok(())
    }
}

impl ArchiveReader {
    /// A reader for an archive of `len` bytes.
    pub fn new(len: u64) -> Self {
        let phase = match tar::Scanner::new(len) {
            Ok(s) => Phase::Scan(s),
            Err(e) => Phase::Failed(e),
        };
        let mut r = ArchiveReader { len, phase };
        r.advance();
        r
    }

    /// The byte range to read next, or `None` when done (call [`finish`](Self::finish)).
    pub fn next_request(&self) -> Option<Range<u64>> {
        match &self.phase {
            Phase::Scan(s) => s.request(),
            Phase::Resolve(r) => {
                let path = r.queue.first()?;
                r.layout.data_range(path)
            }
            Phase::Failed(_) => None,
        }
    }

    /// Supplies the bytes of the range [`next_request`](Self::next_request) returned.
    /// An error (a damaged archive) is final: [`finish`](Self::finish) returns it too.
    pub fn feed(&mut self, offset: u64, bytes: &[u8]) -> Result<(), Error> {
        let expected = self.next_request();
        if expected
            .as_ref()
            .is_none_or(|r| r.start != offset || r.end - r.start != bytes.len() as u64)
        {
            let e = archive_error(
                None,
                Some(offset),
                Problem::UnexpectedRead {
                    expected,
                    offset,
                    got: bytes.len(),
                },
            );
            self.phase = Phase::Failed(e.clone());
            return Err(e);
        }
        let result = match &mut self.phase {
            Phase::Scan(s) => s.feed(bytes),
            Phase::Resolve(r) => r.supply(bytes),
            Phase::Failed(e) => Err(e.clone()),
        };
        if let Err(e) = result {
            self.phase = Phase::Failed(e.clone());
            return Err(e);
        }
        self.advance();
        match &self.phase {
            Phase::Failed(e) => Err(e.clone()),
            _ => Ok(()),
        }
    }

    /// Moves from scanning to resolving once the last header is read.
    fn advance(&mut self) {
        if let Phase::Scan(s) = &mut self.phase
            && s.done()
        {
            let scanned = std::mem::replace(s, tar::Scanner::empty());
            let layout = layout::Layout::new(
                layout::Container::Tar,
                self.len,
                scanned.entries,
                scanned.warnings,
            );
            self.phase = match Resolve::new(layout) {
                Ok(r) => Phase::Resolve(Box::new(r)),
                Err(e) => Phase::Failed(e),
            };
        }
    }

    /// The images, once [`next_request`](Self::next_request) returns `None`; or the error that
    /// stopped reading.
    pub fn finish(self) -> Result<ImageSet, Error> {
        let pending = self.next_request();
        let unfinished = || {
            archive_error(
                None,
                pending.as_ref().map(|r| r.start),
                Problem::UnexpectedRead {
                    expected: pending.clone(),
                    offset: 0,
                    got: 0,
                },
            )
        };
        match self.phase {
            Phase::Failed(e) => Err(e),
            Phase::Resolve(r) => r.result.ok_or_else(unfinished),
            Phase::Scan(_) => Err(unfinished()),
        }
    }
}

/// Reads an OCI layout folder without doing I/O: give it the file list, it asks for whole files
/// (only small JSON ones, never layers) by path.
#[derive(Debug)]
pub struct LayoutReader {
    state: Result<Resolve, Error>,
}

impl LayoutReader {
    /// A reader over a folder's files: `(path relative to the folder, size)`, `/`-separated.
    /// Unsafe paths (absolute, `..`) are an error.
    pub fn new(files: impl IntoIterator<Item = (String, u64)>) -> Self {
        let state = layout::Layout::from_files(files).and_then(Resolve::new);
        LayoutReader { state }
    }

    /// The next file to read whole, or `None` when done.
    pub fn next_request(&self) -> Option<&str> {
        self.state
            .as_ref()
            .ok()
            .and_then(|r| r.queue.first())
            .map(String::as_str)
    }

    /// Supplies the bytes of the file [`next_request`](Self::next_request) named.
    pub fn feed(&mut self, path: &str, bytes: &[u8]) -> Result<(), Error> {
        let expected = self.next_request().map(str::to_owned);
        let r = match &mut self.state {
            Ok(r) => r,
            Err(e) => return Err(e.clone()),
        };
        if expected.as_deref() != Some(path) {
            let e = archive_error(
                Some(path),
                None,
                Problem::UnexpectedRead {
                    expected: None,
                    offset: 0,
                    got: bytes.len(),
                },
            );
            self.state = Err(e.clone());
            return Err(e);
        }
        if let Err(e) = r.supply(bytes) {
            self.state = Err(e.clone());
            return Err(e);
        }
        Ok(())
    }

    /// The images, once [`next_request`](Self::next_request) returns `None`.
    pub fn finish(self) -> Result<ImageSet, Error> {
        let r = self.state?;
        let first = r.queue.first().cloned();
        r.result.ok_or_else(|| {
            archive_error(
                first.as_deref(),
                None,
                Problem::UnexpectedRead {
                    expected: None,
                    offset: 0,
                    got: 0,
                },
            )
        })
    }
}

/// Random access to an archive's bytes, for [`read_archive`].
pub trait ByteSource {
    /// The caller's error (its I/O errors), able to hold the core's.
    type Error: From<Error>;
    /// The archive's length in bytes.
    fn size(&self) -> u64;
    /// Exactly `len` bytes from `offset`.
    fn read_at(&mut self, offset: u64, len: usize) -> Result<Vec<u8>, Self::Error>;
}

/// Reads an image archive through a synchronous source (the CLI's file, a test's bytes),
/// driving [`ArchiveReader`].
pub fn read_archive<S: ByteSource + ?Sized>(source: &mut S) -> Result<ImageSet, S::Error> {
    let mut reader = ArchiveReader::new(source.size());
    while let Some(r) = reader.next_request() {
        let len = usize::try_from(r.end - r.start).unwrap_or(usize::MAX);
        let bytes = source.read_at(r.start, len)?;
        reader.feed(r.start, &bytes)?;
    }
    Ok(reader.finish()?)
}

/// An archive already in memory.
#[derive(Debug)]
struct SliceSource<'a>(&'a [u8]);

impl ByteSource for SliceSource<'_> {
    type Error = Error;
    fn size(&self) -> u64 {
        self.0.len() as u64
    }
    fn read_at(&mut self, offset: u64, len: usize) -> Result<Vec<u8>, Error> {
        let start = usize::try_from(offset).unwrap_or(usize::MAX);
        self.0
            .get(start..start.saturating_add(len))
            .map(<[u8]>::to_vec)
            .ok_or_else(|| {
                archive_error(
                    None,
                    Some(offset),
                    Problem::UnexpectedRead {
                        expected: None,
                        offset,
                        got: 0,
                    },
                )
            })
    }
}

/// Reads an image archive held in memory (tests; a browser that already has the bytes).
pub fn read_archive_bytes(bytes: &[u8]) -> Result<ImageSet, Error> {
    read_archive(&mut SliceSource(bytes))
}

/// Reads an OCI layout (or extracted docker save) folder: `files` lists `(relative path, size)`,
/// `fetch` returns a file's bytes by that path. Only small JSON files are fetched.
pub fn read_layout<E: From<Error>>(
    files: impl IntoIterator<Item = (String, u64)>,
    mut fetch: impl FnMut(&str) -> Result<Vec<u8>, E>,
) -> Result<ImageSet, E> {
    let mut reader = LayoutReader::new(files);
    while let Some(path) = reader.next_request().map(str::to_owned) {
        let bytes = fetch(&path)?;
        reader.feed(&path, &bytes)?;
    }
    Ok(reader.finish()?)
}
