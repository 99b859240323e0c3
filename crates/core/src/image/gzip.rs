//! Gzip-compressed archives, chiefly `.dockerbuild` files (`docker buildx history export`: gzip
//! of a tar of an OCI layout of build records), decompressed sans-IO in chunks the caller
//! feeds (the page yields between them), capped at [`MAX_INFLATED`].

use super::{ArchiveKind, ImageSet, Problem, archive_error, read_archive_bytes};
use crate::Error;
use std::io::Write as _;

mod member;

/// The most a gzip input may decompress to (as for share links): 256 MiB.
pub const MAX_INFLATED: u64 = 256 * 1024 * 1024;

/// How much compressed input [`read_gzip`] feeds at a time.
pub const CHUNK: usize = 64 * 1024;

/// Whether bytes start like gzip (`1f 8b`).
pub fn looks_like_gzip(head: &[u8]) -> bool {
    head.starts_with(&[0x1f, 0x8b])
}

/// How large each piece of the output grows before the next one starts: never one huge buffer
/// that doubles (and copies) while the page waits.
const PIECE: usize = 1024 * 1024;

/// The output in pieces, refusing to grow past the cap.
#[derive(Debug, Default)]
struct Capped {
    pieces: Vec<Vec<u8>>,
    len: u64,
    over: bool,
}

impl Capped {
    fn into_bytes(self) -> Vec<u8> {
        let mut out = Vec::with_capacity(usize::try_from(self.len).unwrap_or(0));
        for p in self.pieces {
            out.extend_from_slice(&p);
        }
        out
    }
}

impl std::io::Write for Capped {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        if self.len + b.len() as u64 > MAX_INFLATED {
            self.over = true;
            return Err(std::io::Error::other("over the cap"));
        }
        let mut rest = b;
        while !rest.is_empty() {
            if self.pieces.last().is_none_or(|p| p.len() >= PIECE) {
                self.pieces.push(Vec::with_capacity(PIECE));
            }
            if let Some(p) = self.pieces.last_mut() {
                let n = (PIECE - p.len()).min(rest.len());
                p.extend_from_slice(&rest[..n]);
                rest = &rest[n..];
            }
        }
        self.len += b.len() as u64;
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Decompresses gzip fed in chunks.
///
/// ```
/// # use cachelens_core::image::gzip::Inflater;
/// # fn demo(file: &[u8]) -> Result<Vec<u8>, cachelens_core::Error> {
/// let mut inflater = Inflater::new();
/// for chunk in file.chunks(64 * 1024) {
///     inflater.feed(chunk)?; // the page awaits a macrotask between chunks
/// }
/// inflater.finish()
/// # }
/// ```
#[derive(Debug)]
pub struct Inflater {
    decoder: member::GzDecoder<Capped>,
    fed: u64,
}

impl Default for Inflater {
    fn default() -> Self {
        Self::new()
    }
}

impl Inflater {
    /// A new decompressor.
    pub fn new() -> Self {
        Inflater {
            decoder: member::GzDecoder::new(Capped::default()),
            fed: 0,
        }
    }

    /// Compressed bytes fed so far.
    pub fn fed(&self) -> u64 {
        self.fed
    }

    /// Decompressed bytes so far.
    pub fn inflated(&self) -> u64 {
        self.decoder.get_ref().len
    }

    fn error(&self, e: &std::io::Error) -> Error {
        if self.decoder.get_ref().over {
            return archive_error(
                None,
                None,
                Problem::TooLarge {
                    what: "the decompressed gzip",
                    size: MAX_INFLATED + 1,
                    limit: MAX_INFLATED,
                },
            );
        }
        archive_error(
            None,
            None,
            Problem::Gzip {
                reason: e.to_string(),
                fed: self.fed,
            },
        )
    }

    /// Feeds the next chunk of compressed bytes.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), Error> {
        if self.fed == 0 && !chunk.is_empty() && !looks_like_gzip(chunk) && chunk.len() >= 2 {
            return Err(archive_error(None, None, Problem::NotGzip));
        }
        let r = self.decoder.write_all(chunk);
        self.fed += chunk.len() as u64;
        r.map_err(|e| self.error(&e))
    }

    /// Ends the input: the decompressed bytes, or why the gzip is incomplete or damaged.
    pub fn finish(mut self) -> Result<Vec<u8>, Error> {
        if self.fed < 2 {
            return Err(archive_error(None, None, Problem::NotGzip));
        }
        if let Err(e) = self.decoder.try_finish() {
            return Err(self.error(&e));
        }
        match self.decoder.finish() {
            Ok(c) => Ok(c.into_bytes()),
            Err(e) => Err(archive_error(
                None,
                None,
                Problem::Gzip {
                    reason: e.to_string(),
                    fed: 0,
                },
            )),
        }
    }
}

/// Reads the archive inside decompressed gzip bytes: a `.dockerbuild` file's build records, or
/// an image tarball that was gzipped.
pub fn read_inflated(tar: &[u8]) -> Result<ImageSet, Error> {
    let mut set = read_archive_bytes(tar)
        .map_err(|e| archive_error(None, None, Problem::InsideGzip(Box::new(e))))?;
    if !set.builds.is_empty() {
        set.kind = ArchiveKind::Dockerbuild;
    }
    Ok(set)
}

/// Decompresses and reads a gzip-compressed archive held in memory.
pub fn read_gzip(bytes: &[u8]) -> Result<ImageSet, Error> {
    let mut inflater = Inflater::new();
    for chunk in bytes.chunks(CHUNK) {
        inflater.feed(chunk)?;
    }
    read_inflated(&inflater.finish()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let _ = e.write_all(data);
        e.finish().unwrap_or_default()
    }

    fn message(r: Result<Vec<u8>, Error>) -> String {
        r.err().map(|e| e.to_string()).unwrap_or_default()
    }

    #[test]
    fn round_trips_in_any_chunking() {
        let data: Vec<u8> = (0..200_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect();
        let z = gzip(&data);
        for size in [1, 7, 4096, z.len()] {
            let mut i = Inflater::new();
            for c in z.chunks(size) {
                assert!(i.feed(c).is_ok());
            }
            assert_eq!(i.finish().ok().as_deref(), Some(&data[..]));
        }
    }

    #[test]
    fn says_what_is_wrong() {
        let z = gzip(b"hello, world, hello, world");
        let mut i = Inflater::new();
        assert!(i.feed(&z[..z.len() - 6]).is_ok());
        let m = message(i.finish());
        assert!(m.contains("gzip"), "{m}");
        let mut i = Inflater::new();
        let e = i.feed(b"PK\x03\x04 not gzip").err().map(|e| e.to_string());
        assert!(e.unwrap_or_default().contains("not gzip"));
        let mut bad = z.clone();
        let n = bad.len();
        bad[n - 5] ^= 0xff; // the CRC/size trailer
        let mut i = Inflater::new();
        let r = i.feed(&bad).and_then(|()| i.finish().map(|_| ()));
        assert!(r.is_err());
    }

    // Native only: it inflates 256 MiB.
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn a_bomb_stops_at_the_cap() {
        // 1 KiB-ish of gzip that inflates to more than the cap, built by streaming zeros.
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..=(MAX_INFLATED >> 20) {
            let _ = e.write_all(&zeros);
        }
        let z = e.finish().unwrap_or_default();
        assert!(z.len() < 300 * 1024, "{}", z.len());
        let mut i = Inflater::new();
        let mut r = Ok(());
        for c in z.chunks(CHUNK) {
            r = i.feed(c);
            if r.is_err() {
                break;
            }
        }
        let m = r.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(m.contains("over the limit of 268435456 bytes"), "{m}");
    }
}
