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
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireNone)
            .with_decode_allow_trailing_bits(true),
    );
    engine.decode(&clean).map_err(|e| {
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

/// Whether text (trimmed, optionally quoted) looks like a bare base64 value rather than JSON.
pub(crate) fn looks_like_base64(text: &str) -> Option<&str> {
    let t = text.trim();
    let t = t
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .or_else(|| t.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')))
        .unwrap_or(t);
    let mut n = 0usize;
    for c in t.chars() {
        match c {
            'A'..='Z' | 'a'..='z' | '0'..='9' | '+' | '/' | '-' | '_' | '=' => n += 1,
            c if c.is_whitespace() => {}
            _ => return None,
        }
    }
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
    fn missing_parent_means_zero() {
        let c =
            cache_config(&parse(r#"{"layers":[{"blob":"a","parent":-1},{"blob":"b"}]}"#).unwrap())
                .unwrap();
        assert_eq!(c.layers[0].parent, -1);
        assert_eq!(c.layers[1].parent, 0);
    }
}
