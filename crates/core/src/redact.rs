//! Values that may hold secrets (config `Env` values and `Labels`; a build record's local paths,
//! build args and frontend attributes), found and redacted before an input is shared. Keys are kept; the redacted places are listed as JSON Pointers.

use crate::{Pointer, json};
use serde_json::Value;

/// Keys of a build record (`docker buildx history export`) whose string values may be secret or
/// private: local paths, build args, frontend attributes.
const BUILD_KEYS: [&str; 3] = ["localState", "buildArgs", "frontendAttrs"];

/// What replaces a redacted value.
pub const REDACTED: &str = "<redacted>";

/// A value that may be a secret.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Sensitive {
    /// Where it is.
    pub pointer: Pointer,
    /// The variable or label name (kept when redacting).
    pub key: String,
    /// `env`, `label`, or `build` (a build record's local path, build arg or frontend
    /// attribute).
    pub kind: &'static str,
}

/// Lists `Env` values (`KEY=value` strings in an array under a key named `Env`) and `Labels`
/// values (strings in an object under a key named `Labels`), wherever they sit (image config
/// `config`, `container_config`, docker inspect `Config`).
pub fn find_sensitive(v: &Value) -> Vec<Sensitive> {
    let mut out = Vec::new();
    walk(v, &Pointer::root(), &mut out);
    out
}

fn walk(v: &Value, at: &Pointer, out: &mut Vec<Sensitive>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = at.child(k.as_str());
                match x {
                    Value::Array(a) if k.eq_ignore_ascii_case("env") => {
                        for (i, e) in a.iter().enumerate() {
                            if let Some(s) = e.as_str() {
                                let key = s.split_once('=').map_or(s, |(k, _)| k);
                                out.push(Sensitive {
                                    pointer: p.index(i),
                                    key: key.to_owned(),
                                    kind: "env",
                                });
                            }
                        }
                    }
                    Value::Object(labels) if k.eq_ignore_ascii_case("labels") => {
                        for (lk, lv) in labels {
                            if lv.is_string() {
                                out.push(Sensitive {
                                    pointer: p.child(lk.as_str()),
                                    key: lk.clone(),
                                    kind: "label",
                                });
                            }
                        }
                    }
                    // A build record's local paths, build args and frontend attributes
                    // (`localState`, `buildArgs`, `FrontendAttrs`: `build-arg:NAME` among them).
                    Value::Object(attrs)
                        if BUILD_KEYS.iter().any(|b| k.eq_ignore_ascii_case(b)) =>
                    {
                        for (ak, av) in attrs {
                            if av.is_string() {
                                out.push(Sensitive {
                                    pointer: p.child(ak.as_str()),
                                    key: ak.clone(),
                                    kind: "build",
                                });
                            }
                        }
                    }
                    _ => walk(x, &p, out),
                }
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                walk(x, &at.index(i), out);
            }
        }
        _ => {}
    }
}

/// The result of redacting an input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redacted {
    /// The input with values replaced (`KEY=<redacted>`, label value `<redacted>`), written
    /// compactly the way Go writes JSON if the input was compact, pretty otherwise.
    pub bytes: Vec<u8>,
    /// Where values were replaced.
    pub redacted: Vec<Pointer>,
}

/// Redacts every [`find_sensitive`] value. Input that is not JSON (a bare base64 cache value)
/// holds no such values and comes back unchanged. Redacting cannot fail: every place it replaces
/// is one [`find_sensitive`] found in the same document.
pub fn redact(bytes: &[u8]) -> Redacted {
    redact_with(bytes, &mut Markers::default())
}

/// Redacts both inputs of a comparison together, so the comparison survives redaction: for each
/// variable or label, equal values get the same marker and different values different markers
/// (`<redacted>`, `<redacted-2>`, ...). A reader sees that `APP_ENV` changed, never its values.
pub fn redact_pair(left: &[u8], right: &[u8]) -> (Redacted, Redacted) {
    let mut markers = Markers::default();
    (
        redact_with(left, &mut markers),
        redact_with(right, &mut markers),
    )
}

/// Redacts the inputs of a series together, as [`redact_pair`] does two: equal values get the
/// same marker in every input, different values different markers.
pub fn redact_all(inputs: &[&[u8]]) -> Vec<Redacted> {
    let mut markers = Markers::default();
    inputs
        .iter()
        .map(|bytes| redact_with(bytes, &mut markers))
        .collect()
}

/// Distinct values seen per (kind, key), in order of appearance: the marker of a value is its
/// position in that list.
#[derive(Default)]
struct Markers(std::collections::HashMap<(&'static str, String), Vec<String>>);

impl Markers {
    fn marker(&mut self, kind: &'static str, key: &str, value: &str) -> String {
        let seen = self.0.entry((kind, key.to_owned())).or_default();
        let n = match seen.iter().position(|v| v == value) {
            Some(i) => i,
            None => {
                seen.push(value.to_owned());
                seen.len() - 1
            }
        };
        if n == 0 {
            REDACTED.to_owned()
        } else {
            format!("<redacted-{}>", n + 1)
        }
    }
}

fn redact_with(bytes: &[u8], markers: &mut Markers) -> Redacted {
    let unchanged = || Redacted {
        bytes: bytes.to_vec(),
        redacted: Vec::new(),
    };
    let Ok(text) = std::str::from_utf8(bytes) else {
        return unchanged();
    };
    let Ok(mut v) = json::parse(text) else {
        return unchanged();
    };
    let found = find_sensitive(&v);
    if found.is_empty() {
        return unchanged();
    }
    let was_compact = json::to_go_compact(&v) == bytes;
    for s in &found {
        if let Some(slot) = s
            .pointer
            .tokens()
            .iter()
            .try_fold(&mut v, |cur, t| match cur {
                Value::Object(m) => m.get_mut(t),
                Value::Array(a) => t.parse::<usize>().ok().and_then(|i| a.get_mut(i)),
                _ => None,
            })
        {
            let text = slot.as_str().unwrap_or_default();
            *slot = Value::String(match s.kind {
                "env" => {
                    let value = text.split_once('=').map_or("", |(_, v)| v);
                    format!("{}={}", s.key, markers.marker(s.kind, &s.key, value))
                }
                _ => markers.marker(s.kind, &s.key, text),
            });
        }
    }
    let bytes = if was_compact {
        json::to_go_compact(&v)
    } else {
        json::to_pretty(&v).into_bytes()
    };
    Redacted {
        bytes,
        redacted: found.into_iter().map(|s| s.pointer).collect(),
    }
}

/// Only the build cache of an input, for a share link too long to paste: an image config's
/// `moby.buildkit.cache.v0` value decoded to its records array (Go-compact JSON). An input that
/// is already a cache (inline cache value, records array, cache config) comes back unchanged;
/// anything else, or a config without a readable cache, gives `None`.
pub fn cache_only(bytes: &[u8]) -> Option<Vec<u8>> {
    use crate::detect::{INLINE_CACHE_KEY, Kind, detect};
    let text = std::str::from_utf8(bytes).ok()?;
    let Ok(v) = json::parse(text) else {
        // Not JSON: a bare base64 inline cache value is already a cache.
        let decoded = crate::decode::base64_tolerant(text.trim()).ok()?;
        json::parse(std::str::from_utf8(&decoded).ok()?).ok()?;
        return Some(bytes.to_vec());
    };
    match detect(&v) {
        Kind::InlineCache | Kind::CacheRecords | Kind::CacheConfig => Some(bytes.to_vec()),
        Kind::ImageConfig => {
            let value = v.get(INLINE_CACHE_KEY)?.as_str()?;
            let decoded = crate::decode::base64_tolerant(value).ok()?;
            let records = json::parse(std::str::from_utf8(&decoded).ok()?).ok()?;
            Some(json::to_go_compact(&records))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn a_pair_keeps_which_values_differ() {
        let l = br#"{"config":{"Env":["A=1","B=x"],"Labels":{"l":"v"}}}"#;
        let r = br#"{"config":{"Env":["A=2","B=x"],"Labels":{"l":"v"}}}"#;
        let (l, r) = redact_pair(l, r);
        let (l, r) = (
            String::from_utf8(l.bytes).unwrap(),
            String::from_utf8(r.bytes).unwrap(),
        );
        assert!(
            l.contains(r#""A=\u003credacted\u003e""#)
                && r.contains(r#""A=\u003credacted-2\u003e""#),
            "{l} {r}"
        );
        assert!(
            l.contains(r#""B=\u003credacted\u003e""#) && r.contains(r#""B=\u003credacted\u003e""#)
        );
        assert!(!l.contains("x\"") && !r.contains("=2"));
        // The redacted pair still differs exactly where the originals did.
        let (la, ra) = (
            crate::analyze(l.as_bytes(), None).unwrap(),
            crate::analyze(r.as_bytes(), None).unwrap(),
        );
        let cmp = crate::compare(&la, &ra, &crate::Options::default());
        assert_eq!(
            cmp.changes
                .iter()
                .map(|c| c.path.to_string())
                .collect::<Vec<_>>(),
            ["/config/Env/0"]
        );
    }

    #[test]
    fn a_build_records_paths_args_and_attributes_are_redacted() {
        // A record as buildx writes it, and the document cachelens compares.
        let record = br#"{"Ref":"r1","FrontendAttrs":{"build-arg:TOKEN":"s3cr3t","filename":"Dockerfile"},"localState":{"LocalPath":"/home/me/src"}}"#;
        let r = redact(record);
        let text = String::from_utf8(r.bytes).unwrap();
        assert!(
            !text.contains("s3cr3t") && !text.contains("/home/me"),
            "{text}"
        );
        assert!(
            text.contains("build-arg:TOKEN") && text.contains("\"r1\""),
            "{text}"
        );
        assert_eq!(
            r.redacted
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            [
                "/FrontendAttrs/build-arg:TOKEN",
                "/FrontendAttrs/filename",
                "/localState/LocalPath"
            ]
        );
        let doc = br#"{"buildArgs":{"TOKEN":"s3cr3t"},"results":[]}"#;
        let found = find_sensitive(&json::parse(std::str::from_utf8(doc).unwrap()).unwrap());
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].kind, found[0].key.as_str()), ("build", "TOKEN"));
    }

    #[test]
    fn finds_and_redacts_env_and_labels_keeping_keys() {
        let input = br#"{"config":{"Env":["PATH=/bin","TOKEN=s3cr3t"],"Labels":{"a/b":"x"}},"rootfs":{"diff_ids":[]}}"#;
        let found = find_sensitive(&json::parse(std::str::from_utf8(input).unwrap()).unwrap());
        assert_eq!(
            found
                .iter()
                .map(|s| s.pointer.to_string())
                .collect::<Vec<_>>(),
            ["/config/Env/0", "/config/Env/1", "/config/Labels/a~1b"]
        );
        let r = redact(input);
        assert_eq!(
            String::from_utf8(r.bytes).unwrap(),
            r#"{"config":{"Env":["PATH=\u003credacted\u003e","TOKEN=\u003credacted\u003e"],"Labels":{"a/b":"\u003credacted\u003e"}},"rootfs":{"diff_ids":[]}}"#
        );
        assert_eq!(r.redacted.len(), 3);
        // Nothing to redact: the bytes are untouched.
        assert_eq!(
            redact(b"W3siZGlnZXN0IjoieCJ9XQ==").bytes,
            b"W3siZGlnZXN0IjoieCJ9XQ=="
        );
    }

    #[test]
    fn cache_only_keeps_the_decoded_records_of_a_config() {
        use crate::detect::{Kind, detect};
        let records = r#"[{"digest":"sha256:aa"},{"digest":"sha256:bb","inputs":[[{"selector":"","link":0}]]}]"#;
        let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, records);
        let config = format!(
            r#"{{"architecture":"amd64","os":"linux","config":{{"Env":["TOKEN=x"]}},"rootfs":{{"type":"layers","diff_ids":[]}},"moby.buildkit.cache.v0":"{b64}"}}"#
        );
        let only = cache_only(config.as_bytes()).expect("a cache");
        let v = json::parse(std::str::from_utf8(&only).unwrap()).unwrap();
        assert_eq!(detect(&v), Kind::CacheRecords);
        assert_eq!(v.as_array().map(Vec::len), Some(2));
        assert!(!String::from_utf8_lossy(&only).contains("TOKEN"));
        // Already a cache: unchanged, whether decoded or the bare base64 value.
        assert_eq!(
            cache_only(records.as_bytes()).as_deref(),
            Some(records.as_bytes())
        );
        assert_eq!(cache_only(b64.as_bytes()).as_deref(), Some(b64.as_bytes()));
        // A config without a cache, or not a cache at all.
        assert_eq!(cache_only(br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#), None);
        assert_eq!(cache_only(b"not json, not base64!"), None);
    }
}
