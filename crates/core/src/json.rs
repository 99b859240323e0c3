//! JSON in and out: parsing with locations, Go's compact encoding, sorted (canonical) output.

use crate::{Error, ErrorKind, Pointer};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Parses JSON text, keeping key order and exact number spellings. Errors carry line:column.
///
/// A key given twice in one object keeps its last value (as Go and serde_json do), silently:
/// use [`parse_checked`] to hear about it.
pub fn parse(text: &str) -> Result<Value, Error> {
    // In the page, from_slice: it then links one JSON reader, not two (from_str's is a second
    // copy of the parser; same values, same errors for text that is UTF-8 already). Natively,
    // from_str, which skips re-checking the UTF-8.
    #[cfg(target_arch = "wasm32")]
    let parsed = serde_json::from_slice(text.as_bytes());
    #[cfg(not(target_arch = "wasm32"))]
    let parsed = serde_json::from_str(text);
    parsed.map_err(|e| json_error(&e))
}

/// Collects string pairs into a map, the last value of a key winning (as `collect` does), by
/// inserting one by one: `collect` into a `BTreeMap` sorts first, with a sort of its own for
/// every iterator type collected (about 3 KB of the page's wasm each; benches/RESULTS.md).
pub(crate) fn string_map(
    pairs: impl IntoIterator<Item = (String, String)>,
) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for (k, v) in pairs {
        map.insert(k, v);
    }
    map
}

/// A key repeated in one object of a parsed document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    /// The object holding it.
    pub pointer: Pointer,
    /// The key.
    pub key: String,
    /// How many times it appears there.
    pub count: usize,
}

/// Like [`parse`], and also lists every key that appears more than once in an object (the last
/// value wins, in the position of the first, as in `parse`).
pub fn parse_checked(text: &str) -> Result<(Value, Vec<Duplicate>), Error> {
    parse_checked_slice(text.as_bytes()).map_err(|e| json_error(&e))
}

/// [`parse_checked`] of bytes, with serde_json's error (its line and column) for the caller to
/// word.
pub(crate) fn parse_checked_slice(
    bytes: &[u8],
) -> Result<(Value, Vec<Duplicate>), serde_json::Error> {
    use serde::de::DeserializeSeed as _;
    let found = std::cell::RefCell::new(Vec::new());
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let v = checked::Seed {
        path: None,
        found: &found,
    }
    .deserialize(&mut de)?;
    de.end()?;
    // One entry per key and object, in the order the repeats were met.
    let mut out: Vec<Duplicate> = Vec::new();
    let mut at = std::collections::HashMap::new();
    for (pointer, key) in found.into_inner() {
        match at.entry((pointer, key)) {
            std::collections::hash_map::Entry::Occupied(e) => {
                let i: usize = *e.get();
                out[i].count += 1;
            }
            std::collections::hash_map::Entry::Vacant(e) => {
                let (pointer, key) = e.key().clone();
                e.insert(out.len());
                out.push(Duplicate {
                    pointer,
                    key,
                    count: 2,
                });
            }
        }
    }
    Ok((v, out))
}

/// Reads one value from a serde map as [`parse_checked`] would; tells whether an object in it
/// repeats a key.
pub(crate) fn next_value_checked<'de, A: serde::de::MapAccess<'de>>(
    map: &mut A,
) -> Result<(Value, bool), A::Error> {
    let found = std::cell::RefCell::new(Vec::new());
    let v = map.next_value_seed(checked::Seed {
        path: None,
        found: &found,
    })?;
    Ok((v, !found.into_inner().is_empty()))
}

/// Repeated keys listed as warnings, one per object and key up to this many; the rest are
/// counted in one more warning (a generated document can repeat a key in every object).
pub(crate) const MAX_DUPLICATE_WARNINGS: usize = 20;

/// The warnings for a document's repeated keys. `cache` is where a decoded cache value sits
/// when the document is that value (its pointers are then inside the decoded JSON).
pub(crate) fn duplicate_warnings(repeats: Vec<Duplicate>, cache: Option<&Pointer>) -> Vec<Error> {
    let more = repeats.len().saturating_sub(MAX_DUPLICATE_WARNINGS);
    let mut out: Vec<Error> = repeats
        .into_iter()
        .take(MAX_DUPLICATE_WARNINGS)
        .map(|d| {
            let (at, within) = match cache {
                None => (d.pointer.clone(), String::new()),
                Some(c) => {
                    let inner = if d.pointer.is_root() {
                        "the root".to_owned()
                    } else {
                        d.pointer.to_string()
                    };
                    (
                        c.clone(),
                        format!(" of the decoded cache value, at {inner}"),
                    )
                }
            };
            Error::new(ErrorKind::DuplicateKey {
                key: d.key,
                count: d.count,
                within,
            })
            .at(at)
        })
        .collect();
    if more > 0 {
        let mut e = Error::new(ErrorKind::Notice(format!(
            "{more} more objects repeat a key (not listed); in each the last value is used"
        )));
        if let Some(c) = cache {
            e = e.at(c);
        }
        out.push(e);
    }
    out
}

fn json_error(e: &serde_json::Error) -> Error {
    Error::new(ErrorKind::Json {
        line: e.line(),
        column: e.column(),
        message: strip_location(&e.to_string()),
    })
}

/// A serde visitor building the same `Value` as serde_json's, noting repeated keys. The path to
/// the current value lives in stack frames (no allocation per value); a pointer is built only
/// for a repeat.
mod checked {
    use super::Pointer;
    use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
    use serde_json::{Map, Number, Value};
    use std::cell::RefCell;
    use std::fmt;

    pub(super) type Found = RefCell<Vec<(Pointer, String)>>;

    pub(super) enum Seg<'a> {
        Key(&'a str),
        Index(usize),
    }

    pub(super) struct Path<'a> {
        parent: Option<&'a Path<'a>>,
        seg: Seg<'a>,
    }

    fn pointer(path: Option<&Path<'_>>) -> Pointer {
        let mut segs = Vec::new();
        let mut at = path;
        while let Some(p) = at {
            segs.push(p);
            at = p.parent;
        }
        segs.iter()
            .rev()
            .fold(Pointer::root(), |ptr, p| match p.seg {
                Seg::Key(k) => ptr.child(k),
                Seg::Index(i) => ptr.index(i),
            })
    }

    #[derive(Clone, Copy)]
    pub(super) struct Seed<'a> {
        pub(super) path: Option<&'a Path<'a>>,
        pub(super) found: &'a Found,
    }

    impl<'de> DeserializeSeed<'de> for Seed<'_> {
        type Value = Value;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
            d.deserialize_any(self)
        }
    }

    /// serde_json hands an `arbitrary_precision` number over as a one-entry map with this key.
    const NUMBER_TOKEN: &str = "$serde_json::private::Number";

    /// The digits of an `arbitrary_precision` number, read as serde_json reads them (same errors).
    struct NumberText;

    impl<'de> DeserializeSeed<'de> for NumberText {
        type Value = Number;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Number, D::Error> {
            d.deserialize_str(self)
        }
    }

    impl<'de> Visitor<'de> for NumberText {
        type Value = Number;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("string containing a number")
        }
        fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Number, E> {
            s.parse().map_err(E::custom)
        }
    }

    impl<'de> Visitor<'de> for Seed<'_> {
        type Value = Value;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
            Ok(Value::Bool(b))
        }
        fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
            Ok(Value::Number(n.into()))
        }
        fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
            Ok(Value::Number(n.into()))
        }
        fn visit_f64<E>(self, n: f64) -> Result<Value, E> {
            Ok(Number::from_f64(n).map_or(Value::Null, Value::Number))
        }
        fn visit_str<E>(self, s: &str) -> Result<Value, E> {
            Ok(Value::String(s.to_owned()))
        }
        fn visit_string<E>(self, s: String) -> Result<Value, E> {
            Ok(Value::String(s))
        }
        fn visit_unit<E>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }
        fn visit_none<E>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
            loop {
                let path = Path {
                    parent: self.path,
                    seg: Seg::Index(out.len()),
                };
                let seed = Seed {
                    path: Some(&path),
                    found: self.found,
                };
                match seq.next_element_seed(seed)? {
                    Some(v) => out.push(v),
                    None => return Ok(Value::Array(out)),
                }
            }
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
            let mut out = Map::new();
            while let Some(key) = map.next_key::<String>()? {
                if out.is_empty() && key == NUMBER_TOKEN {
                    return map.next_value_seed(NumberText).map(Value::Number);
                }
                let path = Path {
                    parent: self.path,
                    seg: Seg::Key(&key),
                };
                let mark = self.found.borrow().len();
                let v = map.next_value_seed(Seed {
                    path: Some(&path),
                    found: self.found,
                })?;
                if let Some(prev) = out.get_mut(&key) {
                    // The last value wins, where the first one stood (as serde_json does). Keys
                    // repeated inside the values it replaces are no longer in the document: they
                    // are forgotten (entries found before `mark` under this key).
                    *prev = v;
                    let at = pointer(self.path);
                    let under = at.child(key.as_str());
                    let mut found = self.found.borrow_mut();
                    let mut i = 0;
                    found.retain(|(p, _)| {
                        i += 1;
                        i > mark || !p.starts_with(&under)
                    });
                    found.push((at, key));
                } else {
                    out.insert(key, v);
                }
            }
            Ok(Value::Object(out))
        }
    }
}

/// serde_json appends " at line L column C" to its messages; we report those separately.
pub(crate) fn strip_location(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_owned(),
        None => msg.to_owned(),
    }
}

/// Encodes a value the way Go's `encoding/json` writes it: keys in the given order, no spaces,
/// `<`, `>`, `&`, U+2028 and U+2029 escaped, numbers exactly as spelled.
///
/// This is how BuildKit and registries produce the bytes that image config digests are taken of,
/// so the digest of this encoding of a pretty-printed config recovers the registry's digest.
pub fn to_go_compact(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    write_go(v, &mut out);
    out
}

/// Where [`write_go`] puts its bytes: a buffer, a hasher, or a comparison with given bytes, so
/// digests of large documents are taken without building their text.
pub(crate) trait Sink {
    fn put(&mut self, bytes: &[u8]);
}

impl Sink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

impl Sink for sha2::Sha256 {
    fn put(&mut self, bytes: &[u8]) {
        sha2::Digest::update(self, bytes);
    }
}

/// A sink that checks the bytes written equal `expected`, allocating nothing.
pub(crate) struct SameAs<'a> {
    rest: &'a [u8],
    same: bool,
}

impl<'a> SameAs<'a> {
    pub(crate) fn new(expected: &'a [u8]) -> Self {
        SameAs {
            rest: expected,
            same: true,
        }
    }
    /// Whether everything written so far was exactly `expected`, all of it.
    pub(crate) fn finish(&self) -> bool {
        self.same && self.rest.is_empty()
    }
}

impl Sink for SameAs<'_> {
    fn put(&mut self, bytes: &[u8]) {
        match self.rest.strip_prefix(bytes) {
            Some(rest) if self.same => self.rest = rest,
            _ => self.same = false,
        }
    }
}

/// Whether `bytes` are exactly the Go-compact encoding of `v` (no allocation).
pub(crate) fn is_go_compact_of(v: &Value, bytes: &[u8]) -> bool {
    let mut same = SameAs::new(bytes);
    write_go(v, &mut same);
    same.finish()
}

/// What [`write_go`] writes for the document of a JSON `text`, streamed from the text without
/// parsing it into a `Value`: insignificant whitespace dropped, strings escaped the way Go
/// escapes them, literals as written, and numbers as a parsed `Value` keeps them (digits as
/// written, the exponent as `e+N` or `e-N`).
///
/// `text` must be valid JSON in which no object repeats a key (a parsed document keeps one
/// of each); `false` when a string in it cannot be decoded, and then `out` is incomplete.
pub(crate) fn write_go_text(text: &str, out: &mut impl Sink) -> bool {
    let b = text.as_bytes();
    let (mut i, mut run) = (0, 0);
    while let Some(&c) = b.get(i) {
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => {
                out.put(&b[run..i]);
                i += 1;
                run = i;
            }
            b'"' => {
                out.put(&b[run..i]);
                let (mut j, mut escaped) = (i + 1, false);
                while let Some(&d) = b.get(j) {
                    match d {
                        b'"' => break,
                        b'\\' => {
                            escaped = true;
                            j += 2;
                        }
                        _ => j += 1,
                    }
                }
                let Some(quoted) = text.get(i..=j) else {
                    return false;
                };
                if escaped {
                    let Ok(s) = serde_json::from_slice::<String>(quoted.as_bytes()) else {
                        return false;
                    };
                    write_go_string(&s, out);
                } else {
                    write_go_string(&quoted[1..quoted.len() - 1], out);
                }
                i = j + 1;
                run = i;
            }
            b'-' | b'0'..=b'9' => {
                let end = b[i..]
                    .iter()
                    .position(|d| !matches!(d, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
                    .map_or(b.len(), |n| i + n);
                // A parsed number keeps its digits, with its exponent written `e+3`, `e-3`.
                if let Some(e) = b[i..end].iter().position(|d| matches!(d, b'e' | b'E')) {
                    let e = i + e;
                    out.put(&b[run..e]);
                    out.put(match b.get(e + 1) {
                        Some(b'+' | b'-') => b"e",
                        _ => b"e+",
                    });
                    run = e + 1;
                }
                i = end;
            }
            _ => i += 1,
        }
    }
    out.put(&b[run..]);
    true
}

pub(crate) fn write_go(v: &Value, out: &mut impl Sink) {
    match v {
        Value::Null => out.put(b"null"),
        Value::Bool(true) => out.put(b"true"),
        Value::Bool(false) => out.put(b"false"),
        Value::Number(n) => out.put(n.as_str().as_bytes()),
        Value::String(s) => write_go_string(s, out),
        Value::Array(a) => {
            out.put(b"[");
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.put(b",");
                }
                write_go(x, out);
            }
            out.put(b"]");
        }
        Value::Object(m) => write_go_members(m.iter(), out),
    }
}

/// An object of these members, in this order.
pub(crate) fn write_go_members<'v>(
    members: impl Iterator<Item = (&'v String, &'v Value)>,
    out: &mut impl Sink,
) {
    out.put(b"{");
    for (i, (k, x)) in members.enumerate() {
        if i > 0 {
            out.put(b",");
        }
        write_go_string(k, out);
        out.put(b":");
        write_go(x, out);
    }
    out.put(b"}");
}

/// Bytes that Go's encoder escapes, or that may start U+2028/U+2029 (0xE2).
const GO_SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = true;
        b += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t[b'<' as usize] = true;
    t[b'>' as usize] = true;
    t[b'&' as usize] = true;
    t[0xE2] = true;
    t
};

fn write_go_string(s: &str, out: &mut impl Sink) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    out.put(b"\"");
    // Runs of bytes that need no escaping are copied in one piece.
    let mut run = 0;
    let mut i = 0;
    loop {
        while i < bytes.len() && !GO_SPECIAL[usize::from(bytes[i])] {
            i += 1;
        }
        let Some(&b) = bytes.get(i) else { break };
        let hex_escape;
        // (the escape, how many input bytes it replaces)
        let (escape, width): (&[u8], usize) = match b {
            b'"' => (b"\\\"", 1),
            b'\\' => (b"\\\\", 1),
            b'\n' => (b"\\n", 1),
            b'\r' => (b"\\r", 1),
            b'\t' => (b"\\t", 1),
            0x08 => (b"\\b", 1),
            0x0c => (b"\\f", 1),
            ..0x20 | b'<' | b'>' | b'&' => {
                hex_escape = [
                    b'\\',
                    b'u',
                    b'0',
                    b'0',
                    HEX[usize::from(b >> 4)],
                    HEX[usize::from(b & 15)],
                ];
                (&hex_escape[..], 1)
            }
            // U+2028 and U+2029 are E2 80 A8 and E2 80 A9 in UTF-8; other 0xE2 sequences pass.
            _ => match bytes.get(i + 1..i + 3) {
                Some([0x80, 0xA8]) => (b"\\u2028", 3),
                Some([0x80, 0xA9]) => (b"\\u2029", 3),
                _ => {
                    i += 1;
                    continue;
                }
            },
        };
        out.put(&bytes[run..i]);
        out.put(escape);
        i += width;
        run = i;
    }
    out.put(&bytes[run..]);
    out.put(b"\"");
}

/// Returns the value with every object's keys sorted bytewise (recursively), as serde_json's
/// `Value::sort_all_objects` does, by value (through [`sorted_members`], so that the page links
/// one sort of object members, not also indexmap's).
pub fn sorted(v: Value) -> Value {
    match v {
        Value::Array(a) => Value::Array(a.into_iter().map(sorted).collect()),
        Value::Object(m) => sorted_members(m.into_iter().map(|(k, v)| (k, sorted(v))).collect()),
        v => v,
    }
}

/// The indexes of `keys` in bytewise order of the keys.
pub(crate) fn sorted_indexes(keys: &[&str]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_unstable_by(|&a, &b| keys[a].cmp(keys[b]));
    order
}

/// Sorts strings bytewise through [`sorted_indexes`] (equal strings are indistinguishable, so
/// this is `sort_unstable`, with one sort less in the page).
pub(crate) fn sort_strs(v: &mut Vec<&str>) {
    let order = sorted_indexes(v);
    *v = order.into_iter().map(|i| v[i]).collect();
}

/// An object of members (keys distinct) in bytewise key order. Sorted by index through
/// [`sorted_indexes`], the one sort the canonical form's orders share (each sort of another
/// element type is ~3 KB more of the page's wasm).
pub(crate) fn sorted_members(mut members: Vec<(String, Value)>) -> Value {
    let order = sorted_indexes(&members.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>());
    Value::Object(
        order
            .into_iter()
            .map(|i| std::mem::take(&mut members[i]))
            .collect(),
    )
}

/// An object's members in bytewise key order, borrowed (canonical JSON's order).
pub(crate) fn by_key(m: &Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut members: Vec<(&String, &Value)> = m.iter().collect();
    members.sort_unstable_by(|a, b| a.0.cmp(b.0));
    members
}

/// [`sorted`] of a borrowed value: builds the sorted copy in one pass, which is cheaper than
/// cloning and then sorting (`sort_all_objects` on a clone re-sorts every map in place).
pub fn sorted_ref(v: &Value) -> Value {
    match v {
        Value::Array(a) => Value::Array(a.iter().map(sorted_ref).collect()),
        Value::Object(m) => Value::Object(
            by_key(m)
                .into_iter()
                .map(|(k, v)| (k.clone(), sorted_ref(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Pretty JSON with two-space indentation and a final newline: the canonical document's text.
pub fn to_pretty(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

/// Compact JSON of a value (keys in their current order) for hashing and sorting.
/// Compact JSON of a value, keys in their current order (serde_json's encoding, not Go's).
pub fn to_compact_pub(v: &Value) -> String {
    to_compact(v)
}

pub(crate) fn to_compact(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// A small builder for objects whose keys are inserted in sorted order by the caller.
pub(crate) fn obj<const N: usize>(entries: [(&str, Value); N]) -> Value {
    let mut m = Map::with_capacity(N);
    for (k, v) in entries {
        m.insert(k.to_owned(), v);
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checked_parsing_keeps_what_parse_keeps_and_lists_repeats() {
        let text = r#"{"n":[1,-0,1.50,1e3,12345678901234567890123,-1.5E-400],"s":"\u00e9\ud83d\ude00<","a":{"k":1,"k":{"k":2,"k":3}},"l":[{"x":0,"x":1,"x":2}],"a":null}"#;
        let (v, repeats) = parse_checked(text).unwrap();
        let mut plain = parse(text).unwrap();
        assert_eq!(to_go_compact(&v), to_go_compact(&plain));
        plain["a"] = Value::Null;
        assert_eq!(v["n"], plain["n"]);
        assert_eq!(v["n"][4].to_string(), "12345678901234567890123");
        let got: Vec<(String, &str, usize)> = repeats
            .iter()
            .map(|d| (d.pointer.to_string(), d.key.as_str(), d.count))
            .collect();
        assert_eq!(
            got,
            // (The repeats inside the first "a" went with it when "a" was given again.)
            [("/l/0".to_owned(), "x", 3), ("".to_owned(), "a", 2)]
        );
        // Repeats inside a value that stays are reported, innermost first; each object is
        // counted on its own; repeats inside a value that was replaced are gone with it.
        let (_, r) = parse_checked(r#"{"a":{"k":1,"k":{"k":2,"k":3}}}"#).unwrap();
        let got: Vec<(String, &str)> = r
            .iter()
            .map(|d| (d.pointer.to_string(), d.key.as_str()))
            .collect();
        assert_eq!(got, [("/a/k".to_owned(), "k"), ("/a".to_owned(), "k")]);
        let (_, r) = parse_checked(r#"{"a":{"k":1,"k":2},"a":{"k":3,"k":4}}"#).unwrap();
        let got: Vec<(String, &str, usize)> = r
            .iter()
            .map(|d| (d.pointer.to_string(), d.key.as_str(), d.count))
            .collect();
        assert_eq!(got, [("/a".to_owned(), "k", 2), ("".to_owned(), "a", 2)]);
        let (_, r) = parse_checked(r#"{"a":{"b":[{"k":1,"k":2}]},"a":5}"#).unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(
            (r[0].pointer.to_string(), r[0].key.as_str()),
            ("".to_owned(), "a")
        );
        // Pointer tokens are escaped (RFC 6901).
        let (_, r) = parse_checked(r#"{"a/b~":{"z":1,"z":2}}"#).unwrap();
        assert_eq!(r[0].pointer.to_string(), "/a~1b~0");
    }

    #[test]
    fn checked_parsing_errors_like_parse() {
        for text in [
            // Found by the `detect` fuzz target: serde_json's private number token given a
            // value that is not a string.
            r#"{"ls":[{"$serde_json::private::Number":[{"bl"#,
            r#"{"$serde_json::private::Number":1}"#,
            r#"{"$serde_json::private::Number":"x"}"#,
            "{\n \"a\": [1,\n",
            "[1] x",
            &"[".repeat(200),
            "{\"a\" 1}",
            "",
        ] {
            assert_eq!(
                parse_checked(text).unwrap_err(),
                parse(text).unwrap_err(),
                "{text:?}"
            );
        }
    }
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn go_compact_matches_go_escaping() {
        let v = parse(r#"{ "b": "<a href='x'>&</a>", "a": [1, 1.50, 1e3, 12345678901234567890123], "c": "\u2028\u0001\b" }"#).unwrap();
        assert_eq!(
            String::from_utf8(to_go_compact(&v)).unwrap(),
            r#"{"b":"\u003ca href='x'\u003e\u0026\u003c/a\u003e","a":[1,1.50,1e+3,12345678901234567890123],"c":"\u2028\u0001\b"}"#
        );
        // Known limit: the value of an exponent number is kept exactly, but serde_json spells
        // its exponent with an explicit sign (1e3 -> 1e+3). Image configs and caches carry none.
    }

    /// The escaping as first written, char by char: the byte-run version must match it.
    fn go_string_reference(s: &str) -> Vec<u8> {
        let mut out = vec![b'"'];
        for c in s.chars() {
            match c {
                '"' => out.extend_from_slice(b"\\\""),
                '\\' => out.extend_from_slice(b"\\\\"),
                '\n' => out.extend_from_slice(b"\\n"),
                '\r' => out.extend_from_slice(b"\\r"),
                '\t' => out.extend_from_slice(b"\\t"),
                '\u{8}' => out.extend_from_slice(b"\\b"),
                '\u{c}' => out.extend_from_slice(b"\\f"),
                c if (c as u32) < 0x20 || matches!(c, '<' | '>' | '&') => {
                    out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes());
                }
                '\u{2028}' => out.extend_from_slice(b"\\u2028"),
                '\u{2029}' => out.extend_from_slice(b"\\u2029"),
                c => out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
            }
        }
        out.push(b'"');
        out
    }

    #[test]
    fn go_strings_escape_like_the_reference() {
        let cases = [
            "",
            "plain",
            "\u{2028}\u{2029}\u{2027}\u{202a}\u{20ac}",
            "end \u{e2}",
            "<a href=\"x\">&amp;</a>\\",
            "\u{0}\u{1}\u{1f}\u{7f} \u{8}\u{c}\n\r\t",
            "h\u{e9}llo \u{1f600} \u{2028}x",
        ];
        for s in cases {
            let mut got = Vec::new();
            write_go_string(s, &mut got);
            assert_eq!(got, go_string_reference(s), "{s:?}");
            let mut same = SameAs::new(&got);
            write_go_string(s, &mut same);
            assert!(same.finish(), "{s:?}");
        }
        assert!(!is_go_compact_of(&Value::from("ab"), b"\"ab\" "));
        assert!(!is_go_compact_of(&Value::from("ab"), b"\"a"));
        assert!(is_go_compact_of(
            &parse(r#"{"a": [1, "<"]}"#).unwrap(),
            br#"{"a":[1,"\u003c"]}"#
        ));
    }

    #[test]
    fn json_errors_say_where() {
        let e = parse("{\n  \"a\": 1,\n  \"b\": \n").unwrap_err();
        match e.kind {
            ErrorKind::Json { line, column, .. } => assert_eq!((line, column), (4, 0)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn sorting() {
        let v = sorted(parse(r#"{"b":{"z":1,"a":2},"a":[{"y":1,"x":2}]}"#).unwrap());
        assert_eq!(to_compact(&v), r#"{"a":[{"x":2,"y":1}],"b":{"a":2,"z":1}}"#);
    }

    fn go_of_text(text: &str) -> Vec<u8> {
        let mut out = Vec::new();
        assert!(write_go_text(text, &mut out), "{text}");
        out
    }

    #[test]
    fn go_encoding_from_the_text_is_that_of_the_parsed_document() {
        for text in [
            r#"{"a":[1,2.50,-0,1E5,2e-3,3E+7,0.1e1],"b":true,"c":null,"d":false}"#,
            " { \"a\" :\t[ 1 ,\n 2 ] ,\r\n \"b\" : { } , \"c\" : [ ] }\n",
            r#"["<&>","\u003c\u0026","\/\b\f\n\r\t\"\\","\u00e9\u2028\u2029","x","\ud83d\ude00",""]"#,
            "[\"é\u{2028}\u{2029}x\u{7f}\"]",
            r#"{"k\"ey":"v","\u006b":"\u0000\u001f"}"#,
            r#""just a string""#,
            "12345678901234567890123456789",
            "-1.5E-10",
            r#"[true,false,null,{"e":"E"}]"#,
        ] {
            let mut want = Vec::new();
            write_go(&parse(text).unwrap(), &mut want);
            assert_eq!(
                String::from_utf8(go_of_text(text)).unwrap(),
                String::from_utf8(want).unwrap(),
                "{text}"
            );
        }
    }

    #[test]
    fn a_string_that_does_not_decode_is_said_so() {
        // A lone surrogate: serde_json refuses it as a Rust string.
        assert!(!write_go_text(r#"["\ud800"]"#, &mut Vec::new()));
    }

    #[cfg(not(target_arch = "wasm32"))]
    mod props {
        use super::*;
        use proptest::prelude::*;

        /// JSON text in any spelling a parser accepts: numbers with or without a fraction and
        /// an exponent, strings escaped or not, whitespace anywhere between tokens.
        fn text() -> impl Strategy<Value = String> {
            let ws = "[ \t\n\r]{0,2}";
            let number = "-?(0|[1-9][0-9]{0,3})(\\.[0-9]{1,3})?([eE][+-]?[0-9]{1,2})?";
            let string = (any::<String>(), any::<bool>()).prop_map(|(s, all)| {
                if all {
                    let mut t = String::from("\"");
                    for u in s.encode_utf16() {
                        t.push_str(&format!("\\u{u:04x}"));
                    }
                    t + "\""
                } else {
                    serde_json::to_string(&s).unwrap()
                }
            });
            let leaf = prop_oneof![
                number.prop_map(String::from),
                string,
                Just("true".to_owned()),
                Just("null".to_owned()),
            ];
            leaf.prop_recursive(4, 40, 6, move |inner| {
                prop_oneof![
                    prop::collection::vec((inner.clone(), ws, ws), 0..6).prop_map(|xs| {
                        let items: Vec<String> = xs
                            .into_iter()
                            .map(|(x, a, b)| format!("{a}{x}{b}"))
                            .collect();
                        format!("[{}]", items.join(","))
                    }),
                    prop::collection::btree_map("[a-z<&]{0,3}", (inner, ws), 0..6).prop_map(|m| {
                        let items: Vec<String> = m
                            .into_iter()
                            .map(|(k, (v, w))| {
                                format!("{w}{}{w}:{w}{v}", serde_json::to_string(&k).unwrap())
                            })
                            .collect();
                        format!("{{{}}}", items.join(","))
                    },),
                ]
            })
        }

        proptest! {
            #[test]
            fn go_encoding_from_the_text_is_that_of_the_parsed_document(t in text()) {
                let mut want = Vec::new();
                write_go(&parse(&t).unwrap(), &mut want);
                prop_assert_eq!(go_of_text(&t), want);
            }
        }
    }
}
