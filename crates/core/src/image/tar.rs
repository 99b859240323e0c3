//! Tar headers without the contents: ustar (name + prefix), GNU long names (`././@LongLink`),
//! PAX extended headers (`path`, `size`, `linkpath`), base-256 sizes. Contents are skipped by
//! their sizes; only extended headers are read.

use super::layout::{Entries, Entry, EntryKind, normalize};
use super::{MAX_ENTRIES, Problem, archive_error};
use crate::Error;
use std::ops::Range;

const BLOCK: u64 = 512;
/// GNU long names and link names longer than this are refused.
const MAX_LONG_NAME: u64 = 64 * 1024;
/// PAX extended headers longer than this are refused.
const MAX_PAX: u64 = 1024 * 1024;

/// Whether a block is a tar header: `ustar` magic at 257 and a checksum that adds up.
pub(crate) fn looks_like_tar(block: &[u8]) -> bool {
    block.len() >= BLOCK as usize
        && &block[257..262] == b"ustar"
        && checksum(&block[..BLOCK as usize]).is_ok()
}

/// Checks a header's checksum (unsigned sum, or the signed sum old tars wrote).
fn checksum(h: &[u8]) -> Result<(), Problem> {
    let field = &h[148..156];
    let unsigned: u64 = h
        .iter()
        .enumerate()
        .map(|(i, b)| u64::from(if (148..156).contains(&i) { b' ' } else { *b }))
        .sum();
    let signed: i64 = h
        .iter()
        .enumerate()
        .map(|(i, b)| {
            i64::from(if (148..156).contains(&i) {
                b' ' as i8
            } else {
                *b as i8
            })
        })
        .sum();
    match number(field) {
        Some(s) if s == unsigned || i64::try_from(s).is_ok_and(|s| s == signed) => Ok(()),
        stored => Err(Problem::BadChecksum {
            stored: stored.map_or_else(|| "unreadable".into(), |s| s.to_string()),
            computed: unsigned,
        }),
    }
}

/// A numeric header field: octal digits (space/NUL padded), or GNU base-256 (high bit set).
fn number(field: &[u8]) -> Option<u64> {
    if field.first().is_some_and(|b| b & 0x80 != 0) {
        if field[0] == 0xff {
            return None; // negative
        }
        let mut v = u64::from(field[0] & 0x7f);
        for &b in &field[1..] {
            v = v.checked_mul(256)?.checked_add(u64::from(b))?;
        }
        return Some(v);
    }
    let digits: &[u8] = {
        let start = field
            .iter()
            .position(|b| *b != b' ' && *b != 0)
            .unwrap_or(field.len());
        let rest = &field[start..];
        let end = rest
            .iter()
            .position(|b| *b == b' ' || *b == 0)
            .unwrap_or(rest.len());
        if rest[end..].iter().any(|b| *b != b' ' && *b != 0) {
            return None;
        }
        &rest[..end]
    };
    let mut v: u64 = 0;
    for &d in digits {
        if !(b'0'..=b'7').contains(&d) {
            return None;
        }
        v = v.checked_mul(8)?.checked_add(u64::from(d - b'0'))?;
    }
    Some(v)
}

/// A NUL-terminated text field.
fn text(field: &[u8]) -> String {
    let end = field.iter().position(|b| *b == 0).unwrap_or(field.len());
    String::from_utf8_lossy(&field[..end]).into_owned()
}

/// What an extension header says about the entry after it.
#[derive(Debug, Default)]
struct Pending {
    path: Option<String>,
    link: Option<String>,
    size: Option<u64>,
}

/// Which extension's contents are being read.
#[derive(Debug, Clone, Copy)]
enum Ext {
    LongName,
    LongLink,
    Pax,
    PaxGlobal,
}

#[derive(Debug)]
enum State {
    /// Wants the 512-byte header at this offset.
    Header(u64),
    /// Wants an extension header's contents, then the header at `next`.
    Extension {
        ext: Ext,
        header: u64,
        data: Range<u64>,
        next: u64,
    },
    Done,
}

/// Walks the headers of a tar of known length, collecting its entries.
#[derive(Debug)]
pub(crate) struct Scanner {
    len: u64,
    state: State,
    pending: Pending,
    pub(crate) entries: Entries,
    pub(crate) warnings: Vec<Error>,
}

impl Scanner {
    pub(crate) fn new(len: u64) -> Result<Self, Error> {
        let mut s = Scanner::empty();
        s.len = len;
        s.goto(0)?;
        Ok(s)
    }

    /// A finished scanner with nothing in it (a placeholder).
    pub(crate) fn empty() -> Self {
        Scanner {
            len: 0,
            state: State::Done,
            pending: Pending::default(),
            entries: Entries::new(),
            warnings: Vec::new(),
        }
    }

    pub(crate) fn done(&self) -> bool {
        matches!(self.state, State::Done)
    }

    pub(crate) fn request(&self) -> Option<Range<u64>> {
        match &self.state {
            State::Header(pos) => Some(*pos..*pos + BLOCK),
            State::Extension { data, .. } => Some(data.clone()),
            State::Done => None,
        }
    }

    /// The next header is at `pos`: the end of the archive, a truncated header, or a request.
    fn goto(&mut self, pos: u64) -> Result<(), Error> {
        if pos >= self.len {
            // Ending exactly at a block boundary without end-of-archive blocks is accepted,
            // as Go's archive/tar does.
            self.state = State::Done;
            return Ok(());
        }
        if self.len - pos < BLOCK {
            return Err(archive_error(
                None,
                Some(pos),
                Problem::TruncatedHeader {
                    available: self.len - pos,
                },
            ));
        }
        self.state = State::Header(pos);
        Ok(())
    }

    pub(crate) fn feed(&mut self, bytes: &[u8]) -> Result<(), Error> {
        match std::mem::replace(&mut self.state, State::Done) {
            State::Header(pos) => self.header(pos, bytes),
            State::Extension {
                ext,
                header,
                data: _,
                next,
            } => {
                self.extension(ext, header, bytes)?;
                self.goto(next)
            }
            State::Done => Ok(()),
        }
    }

    fn header(&mut self, pos: u64, h: &[u8]) -> Result<(), Error> {
        if h.iter().all(|b| *b == 0) {
            self.state = State::Done;
            return Ok(());
        }
        let posix = &h[257..263] == b"ustar\0";
        let mut name = text(&h[0..100]);
        if posix {
            let prefix = text(&h[345..500]);
            if !prefix.is_empty() {
                name = format!("{prefix}/{name}");
            }
        }
        let fail = |name: &str, p: Problem| archive_error(Some(name), Some(pos), p);
        checksum(h).map_err(|p| fail(&name, p))?;
        let header_size = number(&h[124..136]).ok_or_else(|| {
            fail(
                &name,
                Problem::BadNumber {
                    field: "size",
                    value: String::from_utf8_lossy(&h[124..136]).into_owned(),
                },
            )
        })?;
        let typeflag = h[156];
        let is_extension = matches!(typeflag, b'x' | b'g' | b'L' | b'K');
        let size = if is_extension {
            header_size
        } else {
            self.pending.size.unwrap_or(header_size)
        };
        let start = pos + BLOCK;
        let end = start.checked_add(size).filter(|e| *e <= self.len);
        let Some(end) = end else {
            let name = self.pending.path.clone().unwrap_or(name);
            return Err(fail(
                &name,
                Problem::PastEnd {
                    size,
                    start,
                    len: self.len,
                },
            ));
        };
        let next = end.div_ceil(BLOCK) * BLOCK;
        if is_extension {
            let (ext, limit, what) = match typeflag {
                b'x' => (Ext::Pax, MAX_PAX, "a PAX extended header"),
                b'g' => (Ext::PaxGlobal, MAX_PAX, "a PAX global header"),
                b'L' => (Ext::LongName, MAX_LONG_NAME, "a GNU long name"),
                _ => (Ext::LongLink, MAX_LONG_NAME, "a GNU long link name"),
            };
            if size > limit {
                return Err(fail(&name, Problem::TooLarge { what, size, limit }));
            }
            if size == 0 {
                return self.goto(next);
            }
            self.state = State::Extension {
                ext,
                header: pos,
                data: start..end,
                next,
            };
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        let name = pending.path.unwrap_or(name);
        let link = pending.link.unwrap_or_else(|| text(&h[157..257]));
        let kind = match typeflag {
            b'0' | 0 | b'7' => EntryKind::File,
            b'5' => EntryKind::Dir,
            b'1' => EntryKind::Hardlink(link),
            b'2' => EntryKind::Symlink(link),
            b'S' => {
                return Err(fail(
                    &name,
                    Problem::UnsupportedEntry {
                        typeflag: 'S',
                        what: "an old GNU sparse file",
                    },
                ));
            }
            _ => EntryKind::Other,
        };
        self.add(name, pos, start, size, kind)?;
        self.goto(next)
    }

    fn add(
        &mut self,
        name: String,
        header: u64,
        data: u64,
        size: u64,
        kind: EntryKind,
    ) -> Result<(), Error> {
        let path = normalize(&name).map_err(|p| archive_error(Some(&name), Some(header), p))?;
        if path.is_empty() {
            return Ok(()); // the archive's root folder itself ("./")
        }
        if self.entries.len() >= MAX_ENTRIES {
            return Err(archive_error(
                Some(&name),
                Some(header),
                Problem::TooManyEntries { limit: MAX_ENTRIES },
            ));
        }
        let entry = Entry {
            header: Some(header),
            data,
            size,
            kind,
        };
        if let Some(old) = self.entries.insert(path.clone(), entry)
            && !matches!(old.kind, EntryKind::Dir)
        {
            self.warnings.push(archive_error(
                Some(&path),
                old.header,
                Problem::Duplicate { later: header },
            ));
        }
        Ok(())
    }

    fn extension(&mut self, ext: Ext, header: u64, data: &[u8]) -> Result<(), Error> {
        match ext {
            Ext::LongName => self.pending.path = Some(text(data)),
            Ext::LongLink => self.pending.link = Some(text(data)),
            Ext::Pax => {
                for (k, v) in pax_records(data)
                    .map_err(|p| archive_error(Some("PaxHeader"), Some(header), p))?
                {
                    match k.as_str() {
                        "path" => self.pending.path = Some(v),
                        "linkpath" => self.pending.link = Some(v),
                        "size" => {
                            let size = v.parse().map_err(|_| {
                                archive_error(
                                    Some("PaxHeader"),
                                    Some(header),
                                    Problem::BadPax {
                                        reason: "the size record is not a number",
                                    },
                                )
                            })?;
                            self.pending.size = Some(size);
                        }
                        _ => {}
                    }
                }
            }
            // Global headers are checked but not applied, as Go's archive/tar (which BuildKit
            // and docker use) does.
            Ext::PaxGlobal => {
                pax_records(data)
                    .map_err(|p| archive_error(Some("GlobalHead"), Some(header), p))?;
            }
        }
        Ok(())
    }
}

/// PAX records: `"<len> <key>=<value>\n"`, `len` counting the whole record.
fn pax_records(data: &[u8]) -> Result<Vec<(String, String)>, Problem> {
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        if rest.iter().all(|b| *b == 0) {
            break; // padding
        }
        let sp = rest
            .iter()
            .position(|b| *b == b' ')
            .ok_or(Problem::BadPax {
                reason: "a record has no length",
            })?;
        let len: usize = std::str::from_utf8(&rest[..sp])
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or(Problem::BadPax {
                reason: "a record's length is not a number",
            })?;
        if len <= sp + 1 || len > rest.len() || rest[len - 1] != b'\n' {
            return Err(Problem::BadPax {
                reason: "a record's length does not match its text",
            });
        }
        let record = &rest[sp + 1..len - 1];
        let eq = record
            .iter()
            .position(|b| *b == b'=')
            .ok_or(Problem::BadPax {
                reason: "a record has no '='",
            })?;
        out.push((
            String::from_utf8_lossy(&record[..eq]).into_owned(),
            String::from_utf8_lossy(&record[eq + 1..]).into_owned(),
        ));
        rest = &rest[len..];
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn numbers() {
        assert_eq!(number(b"00000001750\0"), Some(0o1750));
        assert_eq!(number(b"     1750 \0"), Some(0o1750));
        assert_eq!(number(b"\0\0\0\0"), Some(0));
        assert_eq!(
            number(&[0x80, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]),
            Some(1 << 32)
        );
        assert_eq!(number(b"12a4"), None);
        assert_eq!(number(b"12 4"), None);
        assert_eq!(number(&[0xff; 12]), None);
    }

    #[test]
    fn pax() {
        let recs = pax_records(b"31 path=blobs/sha256/aaaaaaaaa\n13 size=1234\n").unwrap();
        assert_eq!(
            recs,
            [
                ("path".into(), "blobs/sha256/aaaaaaaaa".into()),
                ("size".into(), "1234".into())
            ]
        );
        assert!(pax_records(b"99 path=x\n").is_err());
        assert!(pax_records(b"path=x\n").is_err());
    }
}
