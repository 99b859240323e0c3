//! The decoder against flate2's `write::GzDecoder` (which it replaces), on the same bytes fed
//! in the same chunks: every write's result, the finish and the output must be the same.

use super::*;
use flate2::{Compression, GzBuilder};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

/// What happened to `input` fed in `chunk`-byte writes (`write_all`), then finished: each
/// write's error (the first ends the feeding), the finish's, and the output.
fn trace<W: Write>(
    mut d: W,
    input: &[u8],
    chunk: usize,
    finish: impl Fn(W) -> io::Result<Vec<u8>>,
) -> String {
    let mut out = String::new();
    for c in input.chunks(chunk.max(1)) {
        if let Err(e) = d.write_all(c) {
            out.push_str(&format!("write: {e} ({:?})\n", e.kind()));
            return out;
        }
    }
    match finish(d) {
        Ok(v) => out.push_str(&format!(
            "ok: {} bytes, {:02x?}",
            v.len(),
            &v[..v.len().min(64)]
        )),
        Err(e) => out.push_str(&format!("finish: {e} ({:?})", e.kind())),
    }
    out
}

fn ours(input: &[u8], chunk: usize) -> String {
    trace(GzDecoder::new(Vec::new()), input, chunk, |mut d| {
        d.try_finish()?;
        d.finish()
    })
}

fn flate2s(input: &[u8], chunk: usize) -> String {
    trace(
        flate2::write::GzDecoder::new(Vec::new()),
        input,
        chunk,
        |mut d| {
            d.try_finish()?;
            d.finish()
        },
    )
}

fn same(input: &[u8], what: &str) {
    for chunk in [1, 2, 3, 7, 10, 11, 64, 4096, input.len().max(1)] {
        assert_eq!(
            ours(input, chunk),
            flate2s(input, chunk),
            "{what}, {chunk}-byte writes"
        );
    }
}

fn gzip(data: &[u8], b: GzBuilder) -> Vec<u8> {
    let mut e = b.write(Vec::new(), Compression::best());
    let _ = e.write_all(data);
    e.finish().unwrap_or_default()
}

/// A gzip header with the header CRC (FHCRC) set, which flate2 never writes, over `body` (a
/// deflate stream and its trailer).
fn with_header_crc(name: &[u8], body: &[u8], good: bool) -> Vec<u8> {
    let mut h = vec![0x1f, 0x8b, 8, FHCRC | FNAME, 1, 2, 3, 4, 0, 3];
    h.extend_from_slice(name);
    h.push(0);
    let mut crc = flate2::Crc::new();
    crc.update(&h);
    let c = crc.sum() as u16 ^ u16::from(!good);
    h.extend_from_slice(&c.to_le_bytes());
    h.extend_from_slice(body);
    h
}

fn data() -> Vec<u8> {
    (0..5000u32)
        .flat_map(|i| (i * 7 % 251).to_le_bytes())
        .collect()
}

#[test]
fn the_crc_is_gzips() {
    let t = Crc32::new();
    assert_eq!(t.update(0, b"123456789"), 0xCBF4_3926);
    assert_eq!(t.update(0, b""), 0);
    let d = data();
    for len in (0..40).chain([255, 256, 1000, d.len()]) {
        let mut reference = flate2::Crc::new();
        reference.update(&d[..len]);
        assert_eq!(t.update(0, &d[..len]), reference.sum(), "{len} bytes");
        let split = len / 3;
        assert_eq!(
            t.update(t.update(0, &d[..split]), &d[split..len]),
            reference.sum()
        );
    }
}

#[test]
fn good_streams_with_every_header_field_decode_alike() {
    let d = data();
    let plain = gzip(&d, GzBuilder::new());
    same(&plain, "plain");
    same(&gzip(b"", GzBuilder::new()), "empty");
    let full = GzBuilder::new()
        .filename("build.dockerbuild")
        .comment("a comment")
        .extra(vec![1, 2, 3, 4, 5])
        .mtime(12345)
        .operating_system(3);
    same(&gzip(&d, full), "name, comment, extra");
    let body = &plain[10..];
    same(&with_header_crc(b"x.tar", body, true), "header CRC");
    same(&with_header_crc(b"x.tar", body, false), "bad header CRC");
    let mut two = plain.clone();
    two.extend_from_slice(&plain);
    same(&two, "two members");
    let mut trailing = plain.clone();
    trailing.extend_from_slice(b"\0\0garbage");
    same(&trailing, "bytes after the trailer");
    let mut ours_out = GzDecoder::new(Vec::new());
    assert!(ours_out.write_all(&plain).is_ok());
    assert_eq!(ours_out.finish().ok(), Some(d));
}

#[test]
fn bad_headers_fail_alike() {
    let plain = gzip(b"hello, hello, hello", GzBuilder::new());
    for (at, value, what) in [
        (0, 0x1e, "magic"),
        (1, 0x8a, "magic"),
        (2, 7, "method"),
        (3, 0x20, "reserved flag"),
        (3, 0x80, "reserved flag"),
        (3, FEXTRA, "extra without its length"),
        (3, FNAME, "name never ended"),
        (3, FCOMMENT, "comment never ended"),
        (3, FHCRC, "header CRC missing"),
    ] {
        let mut bad = plain.clone();
        bad[at] = value;
        same(&bad, what);
    }
    let mut long = vec![0x1f, 0x8b, 8, FNAME, 0, 0, 0, 0, 0, 3];
    long.extend(std::iter::repeat_n(b'a', MAX_HEADER_BUF + 3));
    long.push(0);
    long.extend_from_slice(&plain[10..]);
    same(&long, "file name too long");
    let mut longest = vec![0x1f, 0x8b, 8, FCOMMENT, 0, 0, 0, 0, 0, 3];
    longest.extend(std::iter::repeat_n(b'a', MAX_HEADER_BUF));
    longest.push(0);
    longest.extend_from_slice(&plain[10..]);
    same(&longest, "comment of the longest length");
    for input in [
        &b""[..],
        b"\x1f",
        b"\x1f\x8b",
        b"PK\x03\x04 not gzip at all",
    ] {
        same(input, "short or not gzip");
    }
}

#[test]
fn every_cut_and_every_flipped_bit_fails_alike() {
    let z = gzip(
        b"{\"manifests\":[{\"digest\":\"sha256:00\"}]} and some more text, more text",
        GzBuilder::new().filename("a"),
    );
    for cut in 0..z.len() {
        same(&z[..cut], &format!("cut at {cut}"));
    }
    for at in 0..z.len() {
        for bit in 0..8 {
            let mut bad = z.clone();
            bad[at] ^= 1 << bit;
            same(&bad, &format!("bit {bit} of byte {at} flipped"));
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_bytes_after_a_gzip_start_decode_alike(
            flags in any::<u8>(),
            rest in proptest::collection::vec(any::<u8>(), 0..300),
            chunk in 1usize..40,
        ) {
            let mut input = vec![0x1f, 0x8b, 8, flags & 0x1f, 0, 0, 0, 0, 0, 3];
            input.extend_from_slice(&rest);
            prop_assert_eq!(ours(&input, chunk), flate2s(&input, chunk));
        }

        #[test]
        fn damaged_streams_decode_alike(
            data in proptest::collection::vec(any::<u8>(), 0..2000),
            at in any::<prop::sample::Index>(),
            xor in 1u8..,
            chunk in 1usize..5000,
        ) {
            let mut z = gzip(&data, GzBuilder::new());
            let i = at.index(z.len());
            z[i] ^= xor;
            prop_assert_eq!(ours(&z, chunk), flate2s(&z, chunk));
        }
    }
}
