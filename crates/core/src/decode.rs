//! Bytes to documents: tolerant base64, BuildKit cache records and layers decoded with Go's rules,
//! and RFC 3339 times normalised to UTC.

use crate::error::type_name;
use crate::{Error, ErrorKind};
use base64::Engine as _;
use serde_json::{Map, Value};

/// Decodes a base64 value as BuildKit writes it (standard alphabet, padded), also accepting the
/// URL-safe alphabet, missing padding, whitespace and line breaks from copy and paste.
///
/// Errors give the character position in `text` as given.
pub fn base64_tolerant(text: &str) -> Result<Vec<u8>, Error> {
    if let Some(bytes) = base64_plain(text) {
        return Ok(bytes);
    }
    // Keep each kept character's position in the original text, for error messages.
    let mut clean = Vec::with_capacity(text.len());
    let mut positions = Vec::with_capacity(text.len());
    let mut padding_at: Option<usize> = None;
    for (pos, c) in text.chars().enumerate() {
        let b = match c {
            c if c.is_whitespace() => continue,
            'A'..='Z' | 'a'..='z' | '0'..='9' | '+' | '/' => c as u8,
            '-' => b'+',
            '_' => b'/',
            '=' => {
                padding_at.get_or_insert(pos);
                continue;
            }
            other => {
                return Err(Error::new(ErrorKind::Base64 {
                    position: pos,
                    message: format!("{other:?} is not a base64 character"),
                }));
            }
        };
        if let Some(p) = padding_at {
            return Err(Error::new(ErrorKind::Base64 {
                position: p,
                message: "padding '=' in the middle of the value".into(),
            }));
        }
        clean.push(b);
        positions.push(pos);
    }
    if clean.is_empty() {
        return Err(Error::new(ErrorKind::Base64 {
            position: 0,
            message: "the value is empty".into(),
        }));
    }
    if clean.len() % 4 == 1 {
        return Err(Error::new(ErrorKind::Base64 {
            position: positions.last().copied().unwrap_or(0),
            message: format!(
                "{} base64 characters cannot be a whole number of bytes (truncated?)",
                clean.len()
            ),
        }));
    }
    engine().decode(&clean).map_err(|e| {
        let (offset, message) = match e {
            base64::DecodeError::InvalidByte(o, b) => (o, format!("invalid byte {b:#04x}")),
            base64::DecodeError::InvalidLastSymbol(o, b) => {
                (o, format!("invalid last symbol {:?}", b as char))
            }
            base64::DecodeError::InvalidLength(n) => (n.saturating_sub(1), "invalid length".into()),
            base64::DecodeError::InvalidPadding => {
                (clean.len().saturating_sub(1), "invalid padding".into())
            }
        };
        Error::new(ErrorKind::Base64 {
            position: positions.get(offset).copied().unwrap_or(0),
            message,
        })
    })
}

/// The fast path of [`base64_tolerant`], for what BuildKit writes: the standard alphabet, then
/// padding at the end only. Decoded in place, without the copy and the per-character positions
/// that are only needed to say where an error is: on any error this gives `None` and the
/// tolerant path finds it again. (The engine accepts only the standard alphabet here, so its
/// success means the tolerant path would have decoded the same characters.)
pub(crate) fn base64_plain(text: &str) -> Option<Vec<u8>> {
    let unpadded = text.trim_end_matches('=');
    if unpadded.is_empty() {
        return None;
    }
    engine().decode(unpadded).ok()
}

/// Standard alphabet, no padding expected (it is stripped first), trailing bits allowed.
fn engine() -> base64::engine::GeneralPurpose {
    base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireNone)
            .with_decode_allow_trailing_bits(true),
    )
}

/// 1 for the characters of either base64 alphabet and `=`, 2 for ASCII whitespace, else 0.
const BASE64_OR_SPACE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'-' | b'_' | b'=') {
            t[b] = 1;
        } else if matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r') {
            t[b] = 2;
        }
        b += 1;
    }
    t
};

/// Text that is not JSON, as a bare inline cache value: the value (trimmed, unquoted) when it
/// is base64 (either alphabet, padded or not, wrapped or not) of JSON. Otherwise why not: a
/// [`ErrorKind::Base64`] (its position counted in `text`) or [`ErrorKind::DecodedNotJson`];
/// `None` when the text starts as JSON does (`{`, `[`), where the JSON error says it all.
pub(crate) fn bare_inline_value(text: &str) -> Result<&str, Option<ErrorKind>> {
    let start = text.trim_start();
    if start.starts_with(['{', '[']) {
        return Err(None);
    }
    let t = start.trim_end();
    let value = t
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .or_else(|| t.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')))
        .unwrap_or(t);
    let offset = text.len() - start.len() + usize::from(value.len() != t.len());
    let offset = text[..offset].chars().count();
    let bytes = match base64_plain(value) {
        Some(b) => b,
        None => base64_tolerant(value).map_err(|e| {
            Some(match e.kind {
                ErrorKind::Base64 { position, message } => ErrorKind::Base64 {
                    position: position + offset,
                    message,
                },
                other => other,
            })
        })?,
    };
    match serde_json::from_slice::<serde::de::IgnoredAny>(&bytes) {
        Ok(_) => Ok(value),
        Err(e) => Err(Some(ErrorKind::DecodedNotJson {
            len: bytes.len(),
            line: e.line(),
            column: e.column(),
            message: crate::json::strip_location(&e.to_string()),
        })),
    }
}

/// Whether a string looks like an inline cache value: base64 whose first bytes decode to the
/// start of a JSON array or object (what BuildKit encodes). A cheap test on the first
/// characters: the whole value is decoded later, and its problems reported there.
pub(crate) fn starts_as_base64_json(s: &str) -> bool {
    let Some(t) = looks_like_base64(s) else {
        return false;
    };
    let head: Vec<u8> = t
        .bytes()
        .filter(|b| !b.is_ascii_whitespace() && *b != b'=')
        .take(64)
        .map(|b| match b {
            b'-' => b'+',
            b'_' => b'/',
            b => b,
        })
        .collect();
    let head = &head[..head.len() / 4 * 4];
    engine().decode(head).is_ok_and(|d| {
        d.iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|b| matches!(b, b'[' | b'{'))
    })
}

/// Whether text (trimmed, optionally quoted) looks like a bare base64 value rather than JSON.
pub(crate) fn looks_like_base64(text: &str) -> Option<&str> {
    let t = text.trim();
    let t = t
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .or_else(|| t.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')))
        .unwrap_or(t);
    // Counts base64 characters; None at any other non-whitespace character.
    fn count(chars: impl Iterator<Item = char>) -> Option<usize> {
        let mut n = 0usize;
        for c in chars {
            match c {
                'A'..='Z' | 'a'..='z' | '0'..='9' | '+' | '/' | '-' | '_' | '=' => n += 1,
                c if c.is_whitespace() => {}
                _ => return None,
            }
        }
        Some(n)
    }
    // Values are megabytes long and almost always plain base64: a table lookup per byte first.
    let n = if t.bytes().all(|b| BASE64_OR_SPACE[usize::from(b)] != 0) {
        t.bytes()
            .filter(|b| BASE64_OR_SPACE[usize::from(*b)] == 1)
            .count()
    } else {
        count(t.chars())?
    };
    (n >= 8).then_some(t)
}

/// Normalises an RFC 3339 time to UTC in Go's RFC3339Nano spelling (fraction trimmed of zeros).
pub fn normalize_time(s: &str) -> Option<String> {
    use time::format_description::well_known::Rfc3339;
    let t = time::OffsetDateTime::parse(s, &Rfc3339).ok()?;
    let t = t.to_offset(time::UtcOffset::UTC);
    let mut out = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    let ns = t.nanosecond();
    if ns > 0 {
        let frac = format!("{ns:09}");
        out.push('.');
        out.push_str(frac.trim_end_matches('0'));
    }
    out.push('Z');
    Some(out)
}

/// One cache record as BuildKit's Go code would decode it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Record {
    /// `digest`: the cache key digest.
    pub digest: String,
    /// `inputs`: per input position, the alternatives.
    pub inputs: Vec<Vec<Input>>,
    /// `layers`: results (`CacheResult`).
    pub results: Vec<LayerResult>,
    /// `chains`: chained results (`ChainedResult`).
    pub chains: Vec<ChainResult>,
    /// Fields BuildKit does not know (Go ignores them; we keep them visible).
    pub extra: Map<String, Value>,
}

/// One alternative of an input position (`CacheInput`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Input {
    /// `selector` (empty when omitted).
    pub selector: String,
    /// `link`: index into the records (0 when omitted).
    pub link: i64,
}

/// A `CacheResult`: layer N (the chain up to N).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LayerResult {
    /// `layer`.
    pub layer: i64,
    /// `createdAt` as given (may be the zero time).
    pub created_at: String,
}

/// A `ChainedResult`: an explicit list of layers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChainResult {
    /// `layers`.
    pub layers: Vec<i64>,
    /// `createdAt` as given.
    pub created_at: String,
}

/// One `CacheLayer` of a cache config.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Layer {
    /// `blob`: compressed blob digest.
    pub blob: String,
    /// `parent`: index into layers, -1 for none; omitted means 0 (Go's omitempty).
    pub parent: i64,
    /// `annotations` (gha / s3 / azblob backends), kept as given.
    pub annotations: Option<Value>,
    /// Unknown fields, kept visible.
    pub extra: Map<String, Value>,
}

/// A decoded cache config (`application/vnd.buildkit.cacheconfig.v0`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CacheConfig {
    /// `layers`.
    pub layers: Vec<Layer>,
    /// `records`.
    pub records: Vec<Record>,
    /// Unknown top-level fields.
    pub extra: Map<String, Value>,
}

/// Go matches JSON keys to struct fields exactly first, then case-insensitively; the last
/// occurrence wins. Returns the canonical field name or None for unknown keys.
fn field<'a>(key: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .find(|k| **k == key)
        .or_else(|| known.iter().find(|k| k.eq_ignore_ascii_case(key)))
        .copied()
}

fn as_int(v: &Value, what: impl FnOnce() -> String) -> Result<i64, Error> {
    match v {
        Value::Null => Ok(0),
        Value::Number(n) => n.as_i64().ok_or_else(|| {
            Error::new(ErrorKind::Shape {
                what: what(),
                expected: "an integer",
                found: type_name(v),
            })
        }),
        _ => Err(Error::new(ErrorKind::Shape {
            what: what(),
            expected: "an integer",
            found: type_name(v),
        })),
    }
}

fn as_string(v: &Value, what: impl FnOnce() -> String) -> Result<String, Error> {
    match v {
        Value::Null => Ok(String::new()),
        Value::String(s) => Ok(s.clone()),
        _ => Err(Error::new(ErrorKind::Shape {
            what: what(),
            expected: "a string",
            found: type_name(v),
        })),
    }
}

fn as_array(v: &Value, what: impl FnOnce() -> String) -> Result<&[Value], Error> {
    match v {
        Value::Null => Ok(&[]),
        Value::Array(a) => Ok(a),
        _ => Err(Error::new(ErrorKind::Shape {
            what: what(),
            expected: "an array",
            found: type_name(v),
        })),
    }
}

fn as_object(
    v: &Value,
    what: impl FnOnce() -> String,
) -> Result<Option<&Map<String, Value>>, Error> {
    match v {
        Value::Null => Ok(None),
        Value::Object(m) => Ok(Some(m)),
        _ => Err(Error::new(ErrorKind::Shape {
            what: what(),
            expected: "an object",
            found: type_name(v),
        })),
    }
}

/// Decodes an array of cache records (the inline cache value, or a cache config's `records`).
pub fn records(v: &Value) -> Result<Vec<Record>, Error> {
    let arr = as_array(v, || "the cache records".into())?;
    arr.iter().enumerate().map(|(i, r)| record(i, r)).collect()
}

fn record(i: usize, v: &Value) -> Result<Record, Error> {
    let mut rec = Record::default();
    let Some(m) = as_object(v, || format!("record {i}"))? else {
        return Ok(rec); // null decodes to the zero record in Go
    };
    for (key, val) in m {
        match field(key, &["layers", "chains", "digest", "inputs"]) {
            Some("digest") => {
                rec.digest = as_string(val, || format!("record {i} field \"digest\""))?
            }
            Some("inputs") => {
                rec.inputs = as_array(val, || format!("record {i} field \"inputs\""))?
                    .iter()
                    .enumerate()
                    .map(|(p, pos)| {
                        as_array(pos, || format!("record {i} input {p}"))?
                            .iter()
                            .enumerate()
                            .map(|(a, alt)| input(i, p, a, alt))
                            .collect()
                    })
                    .collect::<Result<_, Error>>()?;
            }
            Some("layers") => {
                rec.results = as_array(val, || format!("record {i} field \"layers\""))?
                    .iter()
                    .enumerate()
                    .map(|(j, r)| layer_result(i, j, r))
                    .collect::<Result<_, Error>>()?;
            }
            Some("chains") => {
                rec.chains = as_array(val, || format!("record {i} field \"chains\""))?
                    .iter()
                    .enumerate()
                    .map(|(j, r)| chain_result(i, j, r))
                    .collect::<Result<_, Error>>()?;
            }
            _ => {
                rec.extra.insert(key.clone(), val.clone());
            }
        }
    }
    Ok(rec)
}

fn input(i: usize, p: usize, a: usize, v: &Value) -> Result<Input, Error> {
    let mut inp = Input::default();
    let Some(m) = as_object(v, || format!("record {i} input {p} alternative {a}"))? else {
        return Ok(inp);
    };
    for (key, val) in m {
        match field(key, &["selector", "link"]) {
            Some("selector") => {
                inp.selector = as_string(val, || {
                    format!("record {i} input {p} alternative {a} field \"selector\"")
                })?
            }
            Some("link") => {
                inp.link = as_int(val, || {
                    format!("record {i} input {p} alternative {a} field \"link\"")
                })?
            }
            _ => {}
        }
    }
    Ok(inp)
}

fn layer_result(i: usize, j: usize, v: &Value) -> Result<LayerResult, Error> {
    let mut r = LayerResult::default();
    let Some(m) = as_object(v, || format!("record {i} layers[{j}]"))? else {
        return Ok(r);
    };
    for (key, val) in m {
        match field(key, &["layer", "createdAt"]) {
            Some("layer") => {
                r.layer = as_int(val, || format!("record {i} layers[{j}] field \"layer\""))?
            }
            Some("createdAt") => {
                r.created_at = as_string(val, || {
                    format!("record {i} layers[{j}] field \"createdAt\"")
                })?
            }
            _ => {}
        }
    }
    Ok(r)
}

fn chain_result(i: usize, j: usize, v: &Value) -> Result<ChainResult, Error> {
    let mut r = ChainResult::default();
    let Some(m) = as_object(v, || format!("record {i} chains[{j}]"))? else {
        return Ok(r);
    };
    for (key, val) in m {
        match field(key, &["layers", "createdAt"]) {
            Some("layers") => {
                r.layers = as_array(val, || format!("record {i} chains[{j}] field \"layers\""))?
                    .iter()
                    .map(|x| as_int(x, || format!("record {i} chains[{j}] field \"layers\"")))
                    .collect::<Result<_, Error>>()?;
            }
            Some("createdAt") => {
                r.created_at = as_string(val, || {
                    format!("record {i} chains[{j}] field \"createdAt\"")
                })?
            }
            _ => {}
        }
    }
    Ok(r)
}

/// Decodes a cache config object (`{"layers": [...], "records": [...]}`).
pub fn cache_config(v: &Value) -> Result<CacheConfig, Error> {
    let mut cfg = CacheConfig::default();
    let Some(m) = as_object(v, || "the cache config".into())? else {
        return Ok(cfg);
    };
    for (key, val) in m {
        match field(key, &["layers", "records"]) {
            Some("records") => cfg.records = records(val)?,
            Some("layers") => {
                cfg.layers = as_array(val, || "field \"layers\"".into())?
                    .iter()
                    .enumerate()
                    .map(|(k, l)| layer(k, l))
                    .collect::<Result<_, Error>>()?;
            }
            _ => {
                cfg.extra.insert(key.clone(), val.clone());
            }
        }
    }
    Ok(cfg)
}

fn layer(k: usize, v: &Value) -> Result<Layer, Error> {
    let mut l = Layer::default();
    let Some(m) = as_object(v, || format!("layer {k}"))? else {
        return Ok(l);
    };
    for (key, val) in m {
        match field(key, &["blob", "parent", "annotations"]) {
            Some("blob") => l.blob = as_string(val, || format!("layer {k} field \"blob\""))?,
            Some("parent") => l.parent = as_int(val, || format!("layer {k} field \"parent\""))?,
            Some("annotations") => {
                l.annotations = as_object(val, || format!("layer {k} field \"annotations\""))?
                    .map(|m| Value::Object(m.clone()))
            }
            _ => {
                l.extra.insert(key.clone(), val.clone());
            }
        }
    }
    Ok(l)
}

/// Decodes an array of cache records straight from JSON bytes (a decoded inline cache), without
/// building a `Value` of it first: the fast path for megabytes of records.
///
/// Gives `None` where [`records`] over the parsed value must decide: any JSON or shape error,
/// a number that is not a plain integer, a field given twice (Go's "last one wins" then
/// depends on key order subtleties the `Value` path reproduces, and the `Value` path warns of
/// repeated keys), or a field an input or result does not know. So whenever it answers, the
/// answer is exactly that of the `Value` path, and errors keep their messages.
pub(crate) fn records_from_json(bytes: &[u8]) -> Option<Vec<Record>> {
    serde_json::from_slice::<fast::Records>(bytes)
        .ok()
        .map(|r| r.0)
}

/// Decodes a cache config (the registry form: `{"layers": [...], "records": [...]}`) straight
/// from the bytes of a whole document, without building a `Value` of it: the fast path for a
/// registry cache's megabytes.
///
/// Gives `None` wherever the parsed document must decide, as [`records_from_json`] does, and
/// also for any document [`crate::detect::detect`] might not call a cache config: a top-level
/// member other than `layers` and `records` (each spelled so, once), `records` missing or not an
/// array, a record that is not an object with a `digest` member, a layer that is not an object
/// with a `blob` or `parent` member, or `layers` that is not an array. So whenever it answers,
/// the document is a cache config without a repeated key, and the answer is [`cache_config`]'s.
pub(crate) fn cache_config_from_json(bytes: &[u8]) -> Option<CacheConfig> {
    serde_json::from_slice::<fast::Config>(bytes)
        .ok()
        .map(|c| c.0)
}

/// serde visitors implementing Go's decoding rules for [`records_from_json`]: keys matched
/// exactly then case-insensitively, `null` as the zero value, unknown record fields kept.
mod fast {
    use super::{CacheConfig, ChainResult, Input, Layer, LayerResult, Record, field};
    use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
    use std::borrow::Cow;
    use std::fmt;
    use std::marker::PhantomData;

    pub(super) struct Records(pub(super) Vec<Record>);

    impl<'de> Deserialize<'de> for Records {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_seq(ListVisitor::<Go<Record>>(PhantomData))
                .map(|v| Records(v.into_iter().map(|r| r.0).collect()))
        }
    }

    /// A value decoded by Go's rules: `null` is the zero value.
    struct Go<T>(T);

    impl<'de> Deserialize<'de> for Go<String> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            Ok(Go(Option::<String>::deserialize(d)?.unwrap_or_default()))
        }
    }

    /// Plain integers only: a float or an integer beyond i64 is an error here (and so goes to
    /// the `Value` path, which reports it).
    impl<'de> Deserialize<'de> for Go<i64> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            Ok(Go(Option::<i64>::deserialize(d)?.unwrap_or_default()))
        }
    }

    impl<'de, T> Deserialize<'de> for Go<Vec<T>>
    where
        Go<T>: Deserialize<'de>,
    {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let v = d.deserialize_any(ListVisitor::<Go<T>>(PhantomData))?;
            Ok(Go(v.into_iter().map(|x| x.0).collect()))
        }
    }

    /// `null` or an array.
    struct ListVisitor<T>(PhantomData<T>);

    impl<'de, T: Deserialize<'de>> Visitor<'de> for ListVisitor<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an array or null")
        }
        fn visit_unit<E>(self) -> Result<Vec<T>, E> {
            Ok(Vec::new())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
            while let Some(x) = seq.next_element()? {
                out.push(x);
            }
            Ok(out)
        }
    }

    /// A map key, borrowed from the input when it has no escapes.
    struct Key<'de>(Cow<'de, str>);

    impl<'de> Deserialize<'de> for Key<'de> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Key<'de>;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("a key")
                }
                fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Key<'de>, E> {
                    Ok(Key(Cow::Borrowed(s)))
                }
                fn visit_str<E>(self, s: &str) -> Result<Key<'de>, E> {
                    Ok(Key(Cow::Owned(s.to_owned())))
                }
            }
            d.deserialize_str(V)
        }
    }

    /// The position of `key` among `known` fields (Go's matching), refusing a field seen twice.
    fn field_index<E: de::Error>(
        key: &str,
        known: &[&str],
        seen: &mut u32,
    ) -> Result<Option<usize>, E> {
        let Some(i) = field(key, known).and_then(|name| known.iter().position(|k| *k == name))
        else {
            return Ok(None);
        };
        if *seen & (1 << i) != 0 {
            return Err(E::custom("a field given twice"));
        }
        *seen |= 1 << i;
        Ok(Some(i))
    }

    /// An object (or `null`, the zero value) decoded by `fill`, one entry at a time.
    trait GoObject: Default {
        const KNOWN: &'static [&'static str];
        fn fill<'de, A: MapAccess<'de>>(
            &mut self,
            field: Option<usize>,
            key: &str,
            map: &mut A,
        ) -> Result<(), A::Error>;
    }

    struct ObjectVisitor<T>(PhantomData<T>);

    impl<'de, T: GoObject> Visitor<'de> for ObjectVisitor<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an object or null")
        }
        fn visit_unit<E>(self) -> Result<T, E> {
            Ok(T::default())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
            let mut out = T::default();
            let mut seen = 0;
            while let Some(Key(key)) = map.next_key()? {
                let i = field_index::<A::Error>(&key, T::KNOWN, &mut seen)?;
                out.fill(i, &key, &mut map)?;
            }
            Ok(out)
        }
    }

    macro_rules! go_object {
        ($($t:ty),*) => {$(
            impl<'de> Deserialize<'de> for Go<$t> {
                fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                    d.deserialize_any(ObjectVisitor::<$t>(PhantomData)).map(Go)
                }
            }
        )*};
    }
    go_object!(Record, Input, LayerResult, ChainResult);

    fn next<'de, T, A: MapAccess<'de>>(map: &mut A) -> Result<T, A::Error>
    where
        Go<T>: Deserialize<'de>,
    {
        Ok(map.next_value::<Go<T>>()?.0)
    }

    impl GoObject for Record {
        // As in `super::record`.
        const KNOWN: &'static [&'static str] = &["layers", "chains", "digest", "inputs"];
        fn fill<'de, A: MapAccess<'de>>(
            &mut self,
            field: Option<usize>,
            key: &str,
            map: &mut A,
        ) -> Result<(), A::Error> {
            match field {
                Some(0) => self.results = next::<Vec<LayerResult>, _>(map)?,
                Some(1) => self.chains = next::<Vec<ChainResult>, _>(map)?,
                Some(2) => self.digest = next::<String, _>(map)?,
                Some(3) => self.inputs = next::<Vec<Vec<Input>>, _>(map)?,
                _ => {
                    // A key repeated here or inside: the `Value` path reports it.
                    let (v, repeats) = crate::json::next_value_checked(map)?;
                    if repeats || self.extra.insert(key.to_owned(), v).is_some() {
                        return Err(de::Error::custom("a key given twice"));
                    }
                }
            }
            Ok(())
        }
    }

    /// Objects of two known fields (`KNOWN[0]`, `KNOWN[1]`) read into two struct fields. An
    /// unknown field is rare (BuildKit writes none): it is left to the `Value` path, which
    /// reports a key given twice even among ignored ones.
    macro_rules! go_pair {
        ($($t:ty: $k0:literal => $f0:ident: $t0:ty, $k1:literal => $f1:ident: $t1:ty;)*) => {$(
            impl GoObject for $t {
                const KNOWN: &'static [&'static str] = &[$k0, $k1];
                fn fill<'de, A: MapAccess<'de>>(
                    &mut self,
                    field: Option<usize>,
                    _key: &str,
                    map: &mut A,
                ) -> Result<(), A::Error> {
                    match field {
                        Some(0) => self.$f0 = next::<$t0, _>(map)?,
                        Some(1) => self.$f1 = next::<$t1, _>(map)?,
                        _ => return Err(de::Error::custom("an unknown field")),
                    }
                    Ok(())
                }
            }
        )*};
    }
    go_pair! {
        Input: "selector" => selector: String, "link" => link: i64;
        LayerResult: "layer" => layer: i64, "createdAt" => created_at: String;
        ChainResult: "layers" => layers: Vec<i64>, "createdAt" => created_at: String;
    }

    /// A whole cache config, held to [`super::cache_config_from_json`]'s terms.
    pub(super) struct Config(pub(super) CacheConfig);

    impl<'de> Deserialize<'de> for Config {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Config;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("a cache config")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Config, A::Error> {
                    let mut cfg = CacheConfig::default();
                    let (mut layers, mut records) = (false, false);
                    while let Some(Key(key)) = map.next_key()? {
                        match &*key {
                            "layers" if !layers => {
                                layers = true;
                                cfg.layers = map.next_value::<Strict<Layer>>()?.0;
                            }
                            "records" if !records => {
                                records = true;
                                cfg.records = map.next_value::<Strict<Record>>()?.0;
                            }
                            _ => return Err(de::Error::custom("left to the parsed document")),
                        }
                    }
                    if !records {
                        return Err(de::Error::custom("no records"));
                    }
                    Ok(Config(cfg))
                }
            }
            d.deserialize_map(V)
        }
    }

    /// An array (never `null`) of objects (never `null`), each with one of `T::MUST` spelled
    /// so: what detection reads as a cache config's records or layers.
    struct Strict<T>(Vec<T>);

    trait MustHave: GoObject {
        const MUST: &'static [&'static str];
    }

    impl MustHave for Record {
        const MUST: &'static [&'static str] = &["digest"];
    }

    impl MustHave for Layer {
        const MUST: &'static [&'static str] = &["blob", "parent"];
    }

    /// One object of a [`Strict`] list.
    struct StrictObject<T>(T);

    impl<'de, T: MustHave> Deserialize<'de> for StrictObject<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V<T>(PhantomData<T>);
            impl<'de, T: MustHave> Visitor<'de> for V<T> {
                type Value = StrictObject<T>;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("an object")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                    let mut out = T::default();
                    let (mut seen, mut has) = (0, false);
                    while let Some(Key(key)) = map.next_key()? {
                        has |= T::MUST.contains(&&*key);
                        let i = field_index::<A::Error>(&key, T::KNOWN, &mut seen)?;
                        out.fill(i, &key, &mut map)?;
                    }
                    if !has {
                        return Err(de::Error::custom("a member detection needs is missing"));
                    }
                    Ok(StrictObject(out))
                }
            }
            d.deserialize_map(V(PhantomData))
        }
    }

    impl<'de, T: MustHave> Deserialize<'de> for Strict<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let v = d.deserialize_seq(ListVisitor::<StrictObject<T>>(PhantomData))?;
            Ok(Strict(v.into_iter().map(|x| x.0).collect()))
        }
    }

    impl GoObject for Layer {
        // As in `super::layer`.
        const KNOWN: &'static [&'static str] = &["blob", "parent", "annotations"];
        fn fill<'de, A: MapAccess<'de>>(
            &mut self,
            field: Option<usize>,
            key: &str,
            map: &mut A,
        ) -> Result<(), A::Error> {
            match field {
                Some(0) => self.blob = next::<String, _>(map)?,
                Some(1) => self.parent = next::<i64, _>(map)?,
                _ => {
                    // Annotations and unknown members as the parsed document has them; a key
                    // repeated in them is for the `Value` path to report.
                    let (v, repeats) = crate::json::next_value_checked(map)?;
                    if repeats {
                        return Err(de::Error::custom("a key given twice"));
                    }
                    if field == Some(2) {
                        self.annotations = match v {
                            serde_json::Value::Null => None,
                            v @ serde_json::Value::Object(_) => Some(v),
                            _ => return Err(de::Error::custom("annotations not an object")),
                        };
                    } else if self.extra.insert(key.to_owned(), v).is_some() {
                        return Err(de::Error::custom("a key given twice"));
                    }
                }
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn base64_tolerance() {
        let want = b"[{\"digest\":\"x\"}]".to_vec();
        let std = base64::engine::general_purpose::STANDARD.encode(&want);
        assert_eq!(base64_tolerant(&std).unwrap(), want);
        // No padding, line breaks and spaces, URL-safe alphabet.
        let wrapped: String = std
            .trim_end_matches('=')
            .chars()
            .enumerate()
            .flat_map(|(i, c)| {
                if i % 5 == 4 {
                    vec![c, '\n', ' ']
                } else {
                    vec![c]
                }
            })
            .collect();
        assert_eq!(base64_tolerant(&wrapped).unwrap(), want);
        let urlsafe = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode([0xfbu8, 0xff, 0xfe]);
        assert_eq!(base64_tolerant(&urlsafe).unwrap(), vec![0xfb, 0xff, 0xfe]);
    }

    #[test]
    fn base64_errors_give_the_character_position() {
        let e = base64_tolerant("W3si\n  ab!c").unwrap_err();
        assert_eq!(
            e.kind,
            ErrorKind::Base64 {
                position: 9,
                message: "'!' is not a base64 character".into()
            }
        );
        let e = base64_tolerant("W3s=iab").unwrap_err();
        assert!(
            matches!(e.kind, ErrorKind::Base64 { position: 3, .. }),
            "{e}"
        );
        assert!(matches!(
            base64_tolerant("W3sia").unwrap_err().kind,
            ErrorKind::Base64 { .. }
        ));
    }

    #[test]
    fn times_normalise_to_utc_go_style() {
        let n = |s| normalize_time(s).unwrap();
        assert_eq!(
            n("2023-05-17T22:25:52.396770851+02:00"),
            "2023-05-17T20:25:52.396770851Z"
        );
        assert_eq!(
            n("2022-04-28T17:53:49.585295660Z"),
            "2022-04-28T17:53:49.58529566Z"
        );
        assert_eq!(n("0001-01-01T00:00:00Z"), "0001-01-01T00:00:00Z");
        assert_eq!(n("2025-01-01T00:30:00.000-01:00"), "2025-01-01T01:30:00Z");
        assert!(normalize_time("yesterday").is_none());
    }

    #[test]
    fn records_follow_go_rules() {
        let v = parse(r#"[{"digest":"d","inputs":[[{"selector":"s"}],[{"Link":2,"link":3}]],"layers":[{"createdAt":"t"}],"X":1}, null]"#).unwrap();
        let r = records(&v).unwrap();
        assert_eq!(
            r[0].inputs[0][0],
            Input {
                selector: "s".into(),
                link: 0
            }
        );
        // Last occurrence wins, whatever its case.
        assert_eq!(r[0].inputs[1][0].link, 3);
        assert_eq!(
            r[0].results[0],
            LayerResult {
                layer: 0,
                created_at: "t".into()
            }
        );
        assert!(r[0].extra.contains_key("X"));
        assert_eq!(r[1], Record::default());
        let e = records(&parse(r#"[{"inputs":[[{"link":"1"}]]}]"#).unwrap()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "record 0 input 0 alternative 0 field \"link\": expected an integer, found string \"1\""
        );
    }

    #[test]
    fn records_straight_from_bytes_match_the_value_path() {
        let agree = [
            r#"[{"digest":"d","inputs":[[{"selector":"s","link":1}],[{"LINK":0}]],"layers":[{"createdAt":"t","layer":2}],"X":1.50,"x":{"b":2,"a":1}}, null]"#,
            r#"[{"dig\u0065st":"e\u0301","inputs":null,"layers":[null],"chains":[{"layers":[1,null,2],"createdAt":null}]},{"digest":null,"inputs":[null,[null]]}]"#,
            r#"[{"Layers":null,"CHAINS":[],"Digest":"a","Inputs":[[]]}]"#,
            "[]",
        ];
        for text in agree {
            let fast = records_from_json(text.as_bytes()).expect(text);
            assert_eq!(fast, records(&parse(text).unwrap()).unwrap(), "{text}");
        }
        // Left to the `Value` path: other shapes, errors, fields given twice, unknown fields of
        // inputs and results.
        let declined = [
            r#"[{"inputs":[[{"selector":"s","link":1,"x":[1]}]]}]"#,
            r#"[{"layers":[{"createdAt":"t","layer":2,"more":{}}]}]"#,
            r#"[{"chains":[{"layers":[],"more":1}]}]"#,
            r#"[{"x":1,"x":2}]"#,
            r#"[{"digest":"a","note":{"k":1,"k":2}}]"#,
            r#"{"records":[]}"#,
            r#""W3t9XQ==""#,
            "[1]",
            "[{]",
            r#"[{"inputs":[[{"link":"1"}]]}]"#,
            r#"[{"inputs":[[{"link":1.5}]]}]"#,
            r#"[{"inputs":[[{"link":99999999999999999999}]]}]"#,
            r#"[{"digest":"a","Digest":"b"}]"#,
            r#"[{"inputs":[[{"Link":2,"link":3}]]}]"#,
        ];
        for text in declined {
            assert_eq!(records_from_json(text.as_bytes()), None, "{text}");
        }
    }

    #[test]
    fn missing_parent_means_zero() {
        let c =
            cache_config(&parse(r#"{"layers":[{"blob":"a","parent":-1},{"blob":"b"}]}"#).unwrap())
                .unwrap();
        assert_eq!(c.layers[0].parent, -1);
        assert_eq!(c.layers[1].parent, 0);
    }
}
