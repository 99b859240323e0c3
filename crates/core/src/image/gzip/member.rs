//! The gzip container (RFC 1952) around flate2's raw inflater: header, CRC-32 and trailer.
//!
//! flate2's own `write::GzDecoder` checks the CRC with crc32fast, whose slice-by-16 tables are
//! 16 KiB of static data that gzip cannot shrink (a seventh of the page's wasm growth room).
//! This is the same decoder with the CRC computed here, over tables built at run time in the
//! heap (8 KiB, once per decoder). Its behaviour is flate2 1.1's `write::GzDecoder`, write for
//! write: what each write consumes, when the trailer is read, and every error with its message
//! (`invalid gzip header`, `corrupt deflate stream`, `corrupt gzip stream does not have a
//! matching checksum`...). The tests hold it to flate2's on damaged, cut and odd inputs.

use flate2::{Decompress, FlushDecompress, Status};
use std::io::{self, Write};

const FHCRC: u8 = 1 << 1;
const FEXTRA: u8 = 1 << 2;
const FNAME: u8 = 1 << 3;
const FCOMMENT: u8 = 1 << 4;
const FRESERVED: u8 = 1 << 5 | 1 << 6 | 1 << 7;
/// The longest file name or comment a header may hold (flate2's limit).
const MAX_HEADER_BUF: usize = 65535;
/// The inflater's output buffer (flate2's size).
const BUF: usize = 32 * 1024;

/// CRC-32 (IEEE 802.3, reflected, as gzip stores it), slice-by-8.
struct Crc32 {
    tables: Box<[[u32; 256]; 8]>,
}

impl std::fmt::Debug for Crc32 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Crc32")
    }
}

impl Crc32 {
    fn new() -> Self {
        let mut tables = Box::new([[0u32; 256]; 8]);
        for i in 0..256u32 {
            let mut c = i;
            for _ in 0..8 {
                c = if c & 1 == 1 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
            tables[0][i as usize] = c;
        }
        for k in 1..8 {
            for i in 0..256 {
                let prev = tables[k - 1][i];
                tables[k][i] = (prev >> 8) ^ tables[0][(prev & 0xff) as usize];
            }
        }
        Crc32 { tables }
    }

    /// The CRC of what `crc` covered followed by `data` (0 is the CRC of nothing).
    fn update(&self, crc: u32, data: &[u8]) -> u32 {
        let t = &self.tables;
        let byte = |x: u32, shift: u32| ((x >> shift) & 0xff) as usize;
        let mut c = !crc;
        let mut words = data.chunks_exact(8);
        for w in &mut words {
            let a = u32::from_le_bytes([w[0], w[1], w[2], w[3]]) ^ c;
            let b = u32::from_le_bytes([w[4], w[5], w[6], w[7]]);
            c = t[7][byte(a, 0)]
                ^ t[6][byte(a, 8)]
                ^ t[5][byte(a, 16)]
                ^ t[4][byte(a, 24)]
                ^ t[3][byte(b, 0)]
                ^ t[2][byte(b, 8)]
                ^ t[1][byte(b, 16)]
                ^ t[0][byte(b, 24)];
        }
        for &x in words.remainder() {
            c = t[0][byte(c ^ u32::from(x), 0)] ^ (c >> 8);
        }
        !c
    }
}

/// Where the header parser is (flate2's `GzHeaderState`; the fields' contents are skipped, only
/// their lengths kept).
#[derive(Debug)]
enum Header {
    Start(u8, [u8; 10]),
    Xlen(u8, [u8; 2]),
    Extra(u16, u16),
    Filename(usize),
    Comment(usize),
    Crc(u8, [u8; 2]),
    Complete,
}

fn bad_header() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, "invalid gzip header")
}

fn corrupt() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        "corrupt gzip stream does not have a matching checksum",
    )
}

/// Copies what `input` holds into `buf[*count..]`, as far as it goes; at its end, the header
/// waits for more (flate2's `read_into`, whose `UnexpectedEof` is `None` here).
fn fill(input: &mut &[u8], count: &mut u8, buf: &mut [u8]) -> Option<()> {
    while usize::from(*count) < buf.len() {
        let n = (buf.len() - usize::from(*count)).min(input.len());
        if n == 0 {
            return None;
        }
        let at = usize::from(*count);
        buf[at..at + n].copy_from_slice(&input[..n]);
        *input = &input[n..];
        *count += n as u8;
    }
    Some(())
}

/// Reads the file name or comment up to its nul byte (`len` bytes of it read so far; flate2's
/// `read_to_nul`): `Ok(false)` when the input ended first.
fn field_to_nul(
    input: &mut &[u8],
    len: &mut usize,
    header_crc: &mut Option<u32>,
    crc32: &Crc32,
) -> io::Result<bool> {
    while let Some((&b, rest)) = input.split_first() {
        *input = rest;
        if b == 0 {
            *header_crc = header_crc.map(|c| crc32.update(c, &[0]));
            return Ok(true);
        }
        if *len == MAX_HEADER_BUF {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "gzip header field too long",
            ));
        }
        *len += 1;
        *header_crc = header_crc.map(|c| crc32.update(c, &[b]));
    }
    Ok(false)
}

/// A gzip member decompressed into `W` as it is written (flate2 1.1's `write::GzDecoder<W>`).
#[derive(Debug)]
pub(super) struct GzDecoder<W: Write> {
    header: Header,
    flags: u8,
    /// The CRC of the header so far, when the header has its own (`FHCRC`).
    header_crc: Option<u32>,
    inflate: Decompress,
    /// Inflated bytes not yet written to `out`.
    buf: Vec<u8>,
    out: W,
    crc32: Crc32,
    /// The CRC and length (mod 2^32) of what `out` took.
    crc: u32,
    amount: u32,
    trailer: Vec<u8>,
}

impl<W: Write> GzDecoder<W> {
    pub(super) fn new(out: W) -> Self {
        GzDecoder {
            header: Header::Start(0, [0; 10]),
            flags: 0,
            header_crc: None,
            inflate: Decompress::new(false),
            buf: Vec::with_capacity(BUF),
            out,
            crc32: Crc32::new(),
            crc: 0,
            amount: 0,
            trailer: Vec::with_capacity(8),
        }
    }

    pub(super) fn get_ref(&self) -> &W {
        &self.out
    }

    fn header_crc_update(&mut self, data: &[u8]) {
        if let Some(c) = self.header_crc {
            self.header_crc = Some(self.crc32.update(c, data));
        }
    }

    /// Reads header bytes from `input`: `Ok(None)` when it ended first (more is needed).
    fn parse_header(&mut self, input: &mut &[u8]) -> io::Result<Option<()>> {
        loop {
            match &mut self.header {
                Header::Start(count, buf) => {
                    if fill(input, count, buf).is_none() {
                        return Ok(None);
                    }
                    let buf = *buf;
                    if buf[0] != 0x1f || buf[1] != 0x8b || buf[2] != 8 {
                        return Err(bad_header());
                    }
                    self.flags = buf[3];
                    if self.flags & FRESERVED != 0 {
                        return Err(bad_header());
                    }
                    self.header_crc = (self.flags & FHCRC != 0).then_some(0);
                    self.header_crc_update(&buf);
                    self.header = Header::Xlen(0, [0; 2]);
                }
                Header::Xlen(count, buf) => {
                    if self.flags & FEXTRA != 0 {
                        if fill(input, count, buf).is_none() {
                            return Ok(None);
                        }
                        let buf = *buf;
                        self.header_crc_update(&buf);
                        self.header = Header::Extra(0, u16::from_le_bytes(buf));
                    } else {
                        self.header = Header::Filename(0);
                    }
                }
                Header::Extra(count, len) => {
                    let (count, len) = (count, *len);
                    while *count < len {
                        let n = usize::from(len - *count).min(input.len());
                        if n == 0 {
                            return Ok(None);
                        }
                        let (taken, rest) = input.split_at(n);
                        *input = rest;
                        *count += n as u16;
                        self.header_crc = self.header_crc.map(|c| self.crc32.update(c, taken));
                    }
                    self.header = Header::Filename(0);
                }
                Header::Filename(len) => {
                    let (crc, tables) = (&mut self.header_crc, &self.crc32);
                    if self.flags & FNAME != 0 && !field_to_nul(input, len, crc, tables)? {
                        return Ok(None);
                    }
                    self.header = Header::Comment(0);
                }
                Header::Comment(len) => {
                    let (crc, tables) = (&mut self.header_crc, &self.crc32);
                    if self.flags & FCOMMENT != 0 && !field_to_nul(input, len, crc, tables)? {
                        return Ok(None);
                    }
                    self.header = Header::Crc(0, [0; 2]);
                }
                Header::Crc(count, buf) => {
                    if let Some(c) = self.header_crc {
                        if fill(input, count, buf).is_none() {
                            return Ok(None);
                        }
                        if u16::from_le_bytes(*buf) != c as u16 {
                            return Err(corrupt());
                        }
                    }
                    self.header = Header::Complete;
                }
                Header::Complete => return Ok(Some(())),
            }
        }
    }

    /// Writes out what the inflater produced (flate2's `zio::Writer::dump`, through its
    /// `CrcWriter`).
    fn dump(&mut self) -> io::Result<()> {
        while !self.buf.is_empty() {
            let n = self.out.write(&self.buf)?;
            self.crc = self.crc32.update(self.crc, &self.buf[..n]);
            self.amount = self.amount.wrapping_add(n as u32);
            if n == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
            self.buf.drain(..n);
        }
        Ok(())
    }

    /// Inflates from `input` (flate2's `zio::Writer::write_with_status`).
    fn inflate(&mut self, input: &[u8]) -> io::Result<(usize, Status)> {
        loop {
            self.dump()?;
            let before = self.inflate.total_in();
            let ret = self
                .inflate
                .decompress_vec(input, &mut self.buf, FlushDecompress::None);
            let written = (self.inflate.total_in() - before) as usize;
            let is_stream_end = matches!(ret, Ok(Status::StreamEnd));
            if !input.is_empty() && written == 0 && ret.is_ok() && !is_stream_end {
                continue;
            }
            return match ret {
                Ok(st) => Ok((written, st)),
                Err(_) => Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "corrupt deflate stream",
                )),
            };
        }
    }

    /// Ends the stream and checks the trailer (flate2's `finish_and_check_crc`).
    pub(super) fn try_finish(&mut self) -> io::Result<()> {
        loop {
            self.dump()?;
            let before = self.inflate.total_out();
            self.inflate
                .decompress_vec(&[], &mut self.buf, FlushDecompress::Finish)?;
            if before == self.inflate.total_out() {
                break;
            }
        }
        let t = &self.trailer;
        if t.len() != 8 {
            return Err(corrupt());
        }
        let crc = u32::from_le_bytes([t[0], t[1], t[2], t[3]]);
        let amount = u32::from_le_bytes([t[4], t[5], t[6], t[7]]);
        if crc != self.crc || amount != self.amount {
            return Err(corrupt());
        }
        Ok(())
    }

    /// Ends the stream, checks the trailer and gives the output back.
    pub(super) fn finish(mut self) -> io::Result<W> {
        self.try_finish()?;
        Ok(self.out)
    }
}

impl<W: Write> Write for GzDecoder<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if !matches!(self.header, Header::Complete) {
            let mut rest = buf;
            return match self.parse_header(&mut rest)? {
                None => Ok(buf.len()),
                Some(()) => Ok(buf.len() - rest.len()),
            };
        }
        let (n, status) = self.inflate(buf)?;
        if status == Status::StreamEnd && n < buf.len() && self.trailer.len() < 8 {
            let take = (buf.len() - n).min(8 - self.trailer.len());
            self.trailer.extend_from_slice(&buf[n..n + take]);
            return Ok(n + take);
        }
        Ok(n)
    }

    /// Never called by [`super::Inflater`], which only writes and finishes.
    fn flush(&mut self) -> io::Result<()> {
        self.dump()?;
        self.out.flush()
    }
}

#[cfg(test)]
mod tests;
