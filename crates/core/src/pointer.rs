//! JSON Pointer (RFC 6901) paths as typed segments.

use std::fmt;

/// Text that is not an RFC 6901 JSON Pointer (it becomes [`crate::ErrorKind::Pointer`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid JSON Pointer {0:?}: it must be empty or start with '/'")]
pub struct InvalidPointer(pub String);

/// A JSON Pointer: a list of reference tokens, rendered as RFC 6901 text (`/a/b~1c/0`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Pointer(Vec<String>);

impl Pointer {
    /// The root pointer (`""`).
    pub fn root() -> Self {
        Pointer(Vec::new())
    }

    /// Parses RFC 6901 text: empty, or `/`-separated tokens with `~1` for `/` and `~0` for `~`.
    pub fn parse(text: &str) -> Result<Self, InvalidPointer> {
        if text.is_empty() {
            return Ok(Pointer::root());
        }
        let Some(rest) = text.strip_prefix('/') else {
            return Err(InvalidPointer(text.to_owned()));
        };
        Ok(Pointer(
            rest.split('/')
                .map(|t| t.replace("~1", "/").replace("~0", "~"))
                .collect(),
        ))
    }

    /// This pointer with one more token.
    #[must_use]
    pub fn child(&self, token: impl Into<String>) -> Self {
        let mut v = self.0.clone();
        v.push(token.into());
        Pointer(v)
    }

    /// This pointer with an array index appended.
    #[must_use]
    pub fn index(&self, i: usize) -> Self {
        self.child(i.to_string())
    }

    /// Bytes that sort as the pointer does (token by token; a token that is a prefix of
    /// another, and a pointer that is a prefix of another, first): each token's bytes with NUL
    /// written as `00 01`, then `00 00`. Sorting by this key uses the one (bytes, index) sort
    /// the page links for all such orders.
    pub fn sort_key(&self) -> Vec<u8> {
        let mut key = Vec::new();
        for t in &self.0 {
            for &b in t.as_bytes() {
                key.push(b);
                if b == 0 {
                    key.push(1);
                }
            }
            key.extend_from_slice(&[0, 0]);
        }
        key
    }

    /// The reference tokens.
    pub fn tokens(&self) -> &[String] {
        &self.0
    }

    /// The value this points at in `doc` (array elements by their decimal index).
    pub fn get<'v>(&self, doc: &'v serde_json::Value) -> Option<&'v serde_json::Value> {
        use serde_json::Value;
        self.0.iter().try_fold(doc, |cur, t| match cur {
            Value::Object(m) => m.get(t),
            Value::Array(a) => t.parse::<usize>().ok().and_then(|i| a.get(i)),
            _ => None,
        })
    }

    /// The value this points at in `doc`, to change it.
    pub fn get_mut<'v>(&self, doc: &'v mut serde_json::Value) -> Option<&'v mut serde_json::Value> {
        use serde_json::Value;
        self.0.iter().try_fold(doc, |cur, t| match cur {
            Value::Object(m) => m.get_mut(t),
            Value::Array(a) => t.parse::<usize>().ok().and_then(|i| a.get_mut(i)),
            _ => None,
        })
    }

    /// Whether `self` equals `prefix` or lies under it.
    pub fn starts_with(&self, prefix: &Pointer) -> bool {
        self.0.starts_with(&prefix.0)
    }

    /// Whether this is the root pointer.
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// `self` followed by the tokens of `rest` (`/a` joined with `/b/c` is `/a/b/c`).
    #[must_use]
    pub fn join(&self, rest: &Pointer) -> Self {
        let mut v = self.0.clone();
        v.extend(rest.0.iter().cloned());
        Pointer(v)
    }

    /// The parent pointer and the last token, unless this is the root.
    pub fn split_last(&self) -> Option<(Pointer, &str)> {
        let (last, rest) = self.0.split_last()?;
        Some((Pointer(rest.to_vec()), last.as_str()))
    }
}

impl From<&Pointer> for Pointer {
    fn from(p: &Pointer) -> Self {
        p.clone()
    }
}

impl fmt::Display for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for t in &self.0 {
            f.write_str("/")?;
            f.write_str(&t.replace('~', "~0").replace('/', "~1"))?;
        }
        Ok(())
    }
}

impl serde::Serialize for Pointer {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Back from its RFC 6901 text (the viewer's worker sends analyses to the page as JSON).
impl<'de> serde::Deserialize<'de> for Pointer {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Pointer::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl std::str::FromStr for Pointer {
    type Err = InvalidPointer;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Pointer::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn round_trips_rfc6901_examples() {
        for text in [
            "",
            "/foo",
            "/foo/0",
            "/",
            "/a~1b",
            "/c%d",
            "/m~0n",
            "/moby.buildkit.cache.v0/records/ab",
        ] {
            let p = Pointer::parse(text).unwrap();
            assert_eq!(p.to_string(), text);
        }
        assert_eq!(Pointer::parse("/a~1b").unwrap().tokens(), ["a/b"]);
        assert_eq!(Pointer::parse("/m~0n").unwrap().tokens(), ["m~n"]);
        // ~01 is "~1", not "/".
        assert_eq!(Pointer::parse("/~01").unwrap().tokens(), ["~1"]);
        assert!(Pointer::parse("foo").is_err());
    }

    #[test]
    fn prefix() {
        let a = Pointer::parse("/history/2/created").unwrap();
        assert!(a.starts_with(&Pointer::parse("/history").unwrap()));
        assert!(!a.starts_with(&Pointer::parse("/hist").unwrap()));
        assert!(a.starts_with(&Pointer::root()));
    }

    /// `sort_key` orders pointers exactly as `Ord` does, NULs and prefixes included.
    #[cfg(not(target_arch = "wasm32"))]
    mod props {
        use super::*;
        use proptest::prelude::*;

        fn pointer() -> impl Strategy<Value = Pointer> {
            prop::collection::vec("[a\\x00\\x01/~]{0,3}", 0..4).prop_map(Pointer)
        }

        proptest! {
            #[test]
            fn sort_key_orders_as_ord(a in pointer(), b in pointer()) {
                prop_assert_eq!(a.sort_key().cmp(&b.sort_key()), a.cmp(&b));
            }
        }
    }
}
