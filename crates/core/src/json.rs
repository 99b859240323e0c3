//! JSON in and out: parsing with locations, Go's compact encoding, sorted (canonical) output.

use crate::{Error, ErrorKind};
use serde_json::{Map, Value};

/// Parses JSON text, keeping key order and exact number spellings. Errors carry line:column.
pub fn parse(text: &str) -> Result<Value, Error> {
    serde_json::from_str(text).map_err(|e| {
        Error::new(ErrorKind::Json {
            line: e.line(),
            column: e.column(),
            message: strip_location(&e.to_string()),
        })
    })
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

fn write_go(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => out.extend_from_slice(n.to_string().as_bytes()),
        Value::String(s) => write_go_string(s, out),
        Value::Array(a) => {
            out.push(b'[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_go(x, out);
            }
            out.push(b']');
        }
        Value::Object(m) => {
            out.push(b'{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_go_string(k, out);
                out.push(b':');
                write_go(x, out);
            }
            out.push(b'}');
        }
    }
}

fn write_go_string(s: &str, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
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
                let b = c as u32;
                out.extend_from_slice(b"\\u00");
                out.push(HEX[(b >> 4) as usize]);
                out.push(HEX[(b & 15) as usize]);
            }
            '\u{2028}' => out.extend_from_slice(b"\\u2028"),
            '\u{2029}' => out.extend_from_slice(b"\\u2029"),
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    out.push(b'"');
}

/// Returns the value with every object's keys sorted bytewise (recursively).
pub fn sorted(v: Value) -> Value {
    match v {
        Value::Array(a) => Value::Array(a.into_iter().map(sorted).collect()),
        Value::Object(m) => {
            let mut entries: Vec<(String, Value)> = m.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        other => other,
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
    let mut m = Map::new();
    for (k, v) in entries {
        m.insert(k.to_owned(), v);
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;
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
}
