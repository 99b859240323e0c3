//! Two canonical documents to a list of changes: an RFC 6902 JSON Patch with the old values.

use crate::{Error, ErrorKind, Pointer};
use serde_json::Value;
use std::hash::{Hash, Hasher};

/// The operation of a change (RFC 6902 names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    /// A value appears (object member added, array element inserted).
    Add,
    /// A value disappears.
    Remove,
    /// A value is replaced.
    Replace,
}

impl Op {
    /// `add`, `remove` or `replace`.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Add => "add",
            Op::Remove => "remove",
            Op::Replace => "replace",
        }
    }
}

/// One change. Applied in order as a JSON Patch to the left document, the changes give the right.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Change {
    /// The operation.
    pub op: Op,
    /// Where, as a JSON Pointer into the canonical document being patched.
    pub path: Pointer,
    /// The new value (`add`, `replace`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    /// The previous value (`remove`, `replace`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<Value>,
}

/// Structural diff of two documents: objects by key, arrays by a longest-common-subsequence
/// match over element hashes (one inserted element is one `add`).
pub fn diff(left: &Value, right: &Value) -> Vec<Change> {
    let mut out = Vec::new();
    diff_at(&Pointer::root(), left, right, &mut out);
    out
}

pub(crate) fn diff_at(path: &Pointer, l: &Value, r: &Value, out: &mut Vec<Change>) {
    match (l, r) {
        (Value::Object(a), Value::Object(b)) => {
            // Each member is compared once, and a path is built only for members that differ.
            for (k, va) in a {
                match b.get(k) {
                    Some(vb) => {
                        if !same(va, vb) {
                            diff_at(&path.child(k.as_str()), va, vb, out);
                        }
                    }
                    None => out.push(Change {
                        op: Op::Remove,
                        path: path.child(k.as_str()),
                        value: None,
                        old: Some(va.clone()),
                    }),
                }
            }
            for (k, vb) in b {
                if !a.contains_key(k) {
                    out.push(Change {
                        op: Op::Add,
                        path: path.child(k.as_str()),
                        value: Some(vb.clone()),
                        old: None,
                    });
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            if !same_slice(a, b) {
                diff_arrays(path, a, b, out);
            }
        }
        _ => {
            if !same(l, r) {
                out.push(Change {
                    op: Op::Replace,
                    path: path.clone(),
                    value: Some(r.clone()),
                    old: Some(l.clone()),
                });
            }
        }
    }
}

/// `a == b`, without hashing keys when both objects list them in the same order (as canonical
/// documents do): members are then compared pairwise. Objects whose orders differ are compared
/// by key, as `==` does.
pub(crate) fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            if x.len() != y.len() {
                return false;
            }
            for ((kx, vx), (ky, vy)) in x.iter().zip(y) {
                if kx != ky {
                    return x == y;
                }
                if !same(vx, vy) {
                    // Keys are unique: `ky` is the only member named `kx` in `y`.
                    return false;
                }
            }
            true
        }
        (Value::Array(x), Value::Array(y)) => same_slice(x, y),
        _ => a == b,
    }
}

pub(crate) fn same_slice(a: &[Value], b: &[Value]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
}

/// An element compared by hash first, then by value (so a hash collision is never "equal").
struct Elem<'a> {
    hash: u64,
    value: &'a Value,
}

impl PartialEq for Elem<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.hash == other.hash && same(self.value, other.value)
    }
}
impl Eq for Elem<'_> {}
// similar asks for Ord; order by hash, and break (rare) hash ties by the compact text.
impl Ord for Elem<'_> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.hash.cmp(&other.hash).then_with(|| {
            if same(self.value, other.value) {
                std::cmp::Ordering::Equal
            } else {
                crate::json::to_compact(self.value).cmp(&crate::json::to_compact(other.value))
            }
        })
    }
}
impl PartialOrd for Elem<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Hash for Elem<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

/// A stable structural hash of a JSON value.
pub(crate) fn hash_value(v: &Value) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    hash_into(v, &mut h);
    h.finish()
}

fn hash_into<H: Hasher>(v: &Value, h: &mut H) {
    match v {
        Value::Null => h.write_u8(0),
        Value::Bool(b) => {
            h.write_u8(1);
            b.hash(h);
        }
        Value::Number(n) => {
            h.write_u8(2);
            n.as_str().hash(h);
        }
        Value::String(s) => {
            h.write_u8(3);
            s.hash(h);
        }
        Value::Array(a) => {
            h.write_u8(4);
            h.write_usize(a.len());
            for x in a {
                hash_into(x, h);
            }
        }
        Value::Object(m) => {
            h.write_u8(5);
            h.write_usize(m.len());
            for (k, x) in m {
                k.hash(h);
                hash_into(x, h);
            }
        }
    }
}

fn same_container(a: &Value, b: &Value) -> bool {
    matches!(
        (a, b),
        (Value::Object(_), Value::Object(_)) | (Value::Array(_), Value::Array(_))
    )
}

fn diff_arrays(path: &Pointer, a: &[Value], b: &[Value], out: &mut Vec<Change>) {
    use similar::DiffOp;
    let ea: Vec<Elem> = a
        .iter()
        .map(|v| Elem {
            hash: hash_value(v),
            value: v,
        })
        .collect();
    let eb: Vec<Elem> = b
        .iter()
        .map(|v| Elem {
            hash: hash_value(v),
            value: v,
        })
        .collect();
    let ops = similar::capture_diff_slices(similar::Algorithm::Myers, &ea, &eb);
    // `cur` is the position in the array as patched so far: everything before it already
    // equals the right side (similar's own `new_index` on a Delete is not that position).
    let mut cur = 0usize;
    for op in ops {
        match op {
            DiffOp::Equal { len, .. } => cur += len,
            DiffOp::Delete {
                old_index, old_len, ..
            } => {
                for k in 0..old_len {
                    out.push(Change {
                        op: Op::Remove,
                        path: path.index(cur),
                        value: None,
                        old: Some(a[old_index + k].clone()),
                    });
                }
            }
            DiffOp::Insert {
                new_index, new_len, ..
            } => {
                for k in 0..new_len {
                    out.push(Change {
                        op: Op::Add,
                        path: path.index(cur),
                        value: Some(b[new_index + k].clone()),
                        old: None,
                    });
                    cur += 1;
                }
            }
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                let pairs = old_len.min(new_len);
                for k in 0..pairs {
                    let (l, r) = (&a[old_index + k], &b[new_index + k]);
                    if same_container(l, r) {
                        diff_at(&path.index(cur), l, r, out);
                    } else {
                        out.push(Change {
                            op: Op::Replace,
                            path: path.index(cur),
                            value: Some(r.clone()),
                            old: Some(l.clone()),
                        });
                    }
                    cur += 1;
                }
                for k in pairs..old_len {
                    out.push(Change {
                        op: Op::Remove,
                        path: path.index(cur),
                        value: None,
                        old: Some(a[old_index + k].clone()),
                    });
                }
                for k in pairs..new_len {
                    out.push(Change {
                        op: Op::Add,
                        path: path.index(cur),
                        value: Some(b[new_index + k].clone()),
                        old: None,
                    });
                    cur += 1;
                }
            }
        }
    }
}

/// Applies changes in order, as RFC 6902 `add`/`remove`/`replace` operations.
pub fn apply(doc: &Value, changes: &[Change]) -> Result<Value, Error> {
    let mut doc = doc.clone();
    for c in changes {
        apply_one(&mut doc, c).map_err(|problem| {
            Error::new(ErrorKind::Patch {
                op: c.op.as_str(),
                path: c.path.clone(),
                problem,
            })
        })?;
    }
    Ok(doc)
}

fn apply_one(doc: &mut Value, c: &Change) -> Result<(), &'static str> {
    let Some((parent, last)) = c.path.split_last() else {
        return match c.op {
            Op::Replace | Op::Add => {
                *doc = c.value.clone().ok_or("no value")?;
                Ok(())
            }
            Op::Remove => Err("cannot remove the root"),
        };
    };
    let mut target = &mut *doc;
    for t in parent.tokens() {
        target = match target {
            Value::Object(m) => m.get_mut(t).ok_or("no such member")?,
            Value::Array(a) => a
                .get_mut(t.parse::<usize>().map_err(|_| "bad index")?)
                .ok_or("index out of range")?,
            _ => return Err("not a container"),
        };
    }
    match target {
        Value::Object(m) => match c.op {
            Op::Add | Op::Replace => {
                if c.op == Op::Replace && !m.contains_key(last) {
                    return Err("no such member");
                }
                m.insert(last.to_owned(), c.value.clone().ok_or("no value")?);
            }
            Op::Remove => {
                m.shift_remove(last).ok_or("no such member")?;
            }
        },
        Value::Array(a) => {
            let i = if last == "-" {
                a.len()
            } else {
                last.parse::<usize>().map_err(|_| "bad index")?
            };
            match c.op {
                Op::Add if i <= a.len() => a.insert(i, c.value.clone().ok_or("no value")?),
                Op::Replace if i < a.len() => a[i] = c.value.clone().ok_or("no value")?,
                Op::Remove if i < a.len() => {
                    a.remove(i);
                }
                _ => return Err("index out of range"),
            }
        }
        _ => return Err("not a container"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn check(l: &str, r: &str, want: &[(&str, &str)]) {
        let (l, r) = (parse(l).unwrap(), parse(r).unwrap());
        let changes = diff(&l, &r);
        let got: Vec<(String, String)> = changes
            .iter()
            .map(|c| (c.op.as_str().to_owned(), c.path.to_string()))
            .collect();
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect();
        assert_eq!(got, want);
        assert_eq!(apply(&l, &changes).unwrap(), r);
    }

    #[test]
    fn a_change_that_does_not_fit_says_which_and_where() {
        let doc = parse(r#"{"a":[1]}"#).unwrap();
        let change = |op, path: &str| Change {
            op,
            path: Pointer::parse(path).unwrap(),
            value: Some(Value::from(2)),
            old: None,
        };
        let e = apply(&doc, &[change(Op::Replace, "/b")]).unwrap_err();
        assert!(
            matches!(e.kind, ErrorKind::Patch { op: "replace", .. }),
            "{e:?}"
        );
        assert_eq!(e.to_string(), "cannot apply replace at /b: no such member");
        let e = apply(&doc, &[change(Op::Add, "/a/5")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot apply add at /a/5: index out of range"
        );
    }

    #[test]
    fn objects_by_key() {
        check(
            r#"{"a":1,"b":2}"#,
            r#"{"a":1,"b":3,"c":4}"#,
            &[("replace", "/b"), ("add", "/c")],
        );
        check(r#"{"a":{"x":[1]}}"#, r#"{}"#, &[("remove", "/a")]);
        check(
            r#"{"a/b":1,"m~n":1}"#,
            r#"{"a/b":2,"m~n":2}"#,
            &[("replace", "/a~1b"), ("replace", "/m~0n")],
        );
    }

    #[test]
    fn one_insert_is_one_add() {
        check("[1,2,3,4,5]", "[1,2,9,3,4,5]", &[("add", "/2")]);
        check("[1,2,3,4,5]", "[2,3,4,5]", &[("remove", "/0")]);
        check(
            r#"["PATH=x","APP_ENV=prod"]"#,
            r#"["PATH=x","APP_ENV=dev"]"#,
            &[("replace", "/1")],
        );
        check(
            r#"[{"a":1},{"b":1}]"#,
            r#"[{"a":2},{"b":1}]"#,
            &[("replace", "/0/a")],
        );
        check(
            "[1,2,3]",
            "[4,5]",
            &[("replace", "/0"), ("replace", "/1"), ("remove", "/2")],
        );
        check(
            "[1]",
            "[2,3,4]",
            &[("replace", "/0"), ("add", "/1"), ("add", "/2")],
        );
    }

    #[test]
    fn different_types_replace() {
        check(
            r#"{"a":"W3si"}"#,
            r#"{"a":{"records":{}}}"#,
            &[("replace", "/a")],
        );
        check("1", "[1]", &[("replace", "")]);
    }
}
