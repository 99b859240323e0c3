//! Whether two documents are the same once timestamps are ignored, without copying either.
//!
//! [`compare`](super::compare) asks this of every comparison with changes, to say "every change
//! is a timestamp". It answers what `diff(&filtered(l, t), &filtered(r, t)).is_empty()` would,
//! for `t` = the same options with timestamps ignored, but walks the borrowed canonical
//! documents instead of copying both, stripping their times and re-sorting their results
//! (on a 10k-record pair that copy was a quarter of the whole comparison's instructions).

use super::{TIME_KEYS, strip_times};
use crate::Analysis;
use crate::diff::same;
use crate::json::to_compact;
use serde_json::{Map, Value};

/// Where a node sits, for one side: the re-sorting [`super::filtered`] does applies to the
/// `layers` and `chains` arrays of each record of each decoded cache.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Plain,
    /// The canonical cache (at a cache's pointer).
    Cache,
    /// Its `records` object.
    Records,
    /// One record.
    Record,
    /// A record's `layers` or `chains`: compared in the order of their stripped compact text.
    Results,
}

/// One side's position: its mode and the cache pointers still ahead (their remaining tokens).
#[derive(Clone)]
struct Track<'p> {
    mode: Mode,
    ahead: Vec<&'p [String]>,
}

impl<'p> Track<'p> {
    fn start(a: &'p Analysis) -> Self {
        let mut t = Track {
            mode: Mode::Plain,
            ahead: a.caches.iter().map(|c| c.pointer.tokens()).collect(),
        };
        t.arrive();
        t
    }

    /// A pointer with no tokens left is a cache here.
    fn arrive(&mut self) {
        if self.ahead.iter().any(|t| t.is_empty()) {
            self.mode = Mode::Cache;
        }
        self.ahead.retain(|t| !t.is_empty());
    }

    /// The position of member `k` of an object.
    fn member(&self, k: &str) -> Track<'p> {
        let mode = match (self.mode, k) {
            (Mode::Cache, "records") => Mode::Records,
            (Mode::Records, _) => Mode::Record,
            (Mode::Record, "layers" | "chains") => Mode::Results,
            _ => Mode::Plain,
        };
        self.next(mode, |t| t == k)
    }

    /// The position of element `i` of an array.
    fn element(&self, i: usize) -> Track<'p> {
        self.next(Mode::Plain, |t| t.parse() == Ok(i))
    }

    fn next(&self, mode: Mode, token: impl Fn(&str) -> bool) -> Track<'p> {
        let mut t = Track {
            mode,
            ahead: Vec::new(),
        };
        if !self.ahead.is_empty() {
            t.ahead
                .extend(self.ahead.iter().filter(|p| token(&p[0])).map(|p| &p[1..]));
            t.arrive();
        }
        t
    }
}

/// Whether the canonical documents of `left` and `right` are equal once every timestamp is
/// stripped and each cache's results are re-sorted, as [`super::filtered`] does with
/// `ignore_timestamps` (and no other option).
pub(super) fn same_without_times(left: &Analysis, right: &Analysis) -> bool {
    eq(
        &left.canonical,
        &right.canonical,
        &Track::start(left),
        &Track::start(right),
    )
}

fn is_time(k: &str, v: &Value) -> bool {
    v.is_string() && TIME_KEYS.contains(&k)
}

fn eq(a: &Value, b: &Value, ta: &Track, tb: &Track) -> bool {
    let results = |t: &Track| t.mode == Mode::Results;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => objects(x, y, ta, tb),
        (Value::Array(x), Value::Array(y)) if results(ta) || results(tb) => {
            if x.len() != y.len() {
                return false;
            }
            // Equal in the given order: equal in any order both sides are put in.
            if results(ta) == results(tb) && elements(x, y, ta, tb) {
                return true;
            }
            let (sx, sy) = (stripped(x, results(ta)), stripped(y, results(tb)));
            sx.iter().zip(&sy).all(|(p, q)| same(p, q))
        }
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && elements(x, y, ta, tb),
        _ => same(a, b),
    }
}

/// Equal arrays of the same length, element by element.
fn elements(x: &[Value], y: &[Value], ta: &Track, tb: &Track) -> bool {
    x.iter()
        .zip(y)
        .enumerate()
        .all(|(i, (p, q))| eq(p, q, &ta.element(i), &tb.element(i)))
}

/// An array's elements with their times stripped, sorted by their compact text when `sort`
/// (what `filtered` does to a record's results).
fn stripped(x: &[Value], sort: bool) -> Vec<Value> {
    let mut v: Vec<Value> = x
        .iter()
        .map(|e| {
            let mut e = e.clone();
            strip_times(&mut e);
            e
        })
        .collect();
    if sort {
        v.sort_by_cached_key(|e| to_compact(e).into_bytes());
    }
    v
}

fn objects(x: &Map<String, Value>, y: &Map<String, Value>, ta: &Track, tb: &Track) -> bool {
    let kept = |m: &Map<String, Value>| m.iter().filter(|(k, v)| !is_time(k, v)).count();
    let (mut ix, mut iy) = (
        x.iter().filter(|(k, v)| !is_time(k, v)),
        y.iter().filter(|(k, v)| !is_time(k, v)),
    );
    // Members in the same order (canonical documents sort them): compared pairwise.
    loop {
        match (ix.next(), iy.next()) {
            (None, None) => return true,
            (Some((kx, vx)), Some((ky, vy))) if kx == ky => {
                if !eq(vx, vy, &ta.member(kx), &tb.member(ky)) {
                    return false;
                }
            }
            (None, Some(_)) | (Some(_), None) => return false,
            // Orders differ: by key, as `==` does.
            (Some(_), Some(_)) => break,
        }
    }
    kept(x) == kept(y)
        && x.iter().filter(|(k, v)| !is_time(k, v)).all(|(k, vx)| {
            y.get(k)
                .filter(|vy| !is_time(k, vy))
                .is_some_and(|vy| eq(vx, vy, &ta.member(k), &tb.member(k)))
        })
}

#[cfg(test)]
mod tests {
    use crate::{Options, Side, analyze, compare};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// `times_only` for the pair, checked against diffing the filtered copies.
    fn times_only(l: &str, r: &str) -> bool {
        let (a, b) = (
            analyze(l.as_bytes(), Some(Side::Left)).unwrap(),
            analyze(r.as_bytes(), Some(Side::Right)).unwrap(),
        );
        let plain = compare(&a, &b, &Options::default());
        let t = Options {
            ignore_timestamps: true,
            ..Options::default()
        };
        let want = !plain.changes.is_empty() && compare(&a, &b, &t).changes.is_empty();
        assert_eq!(plain.context.times_only, want, "{l}\n{r}");
        want
    }

    /// One inline record whose results are the given (time, layer index) pairs.
    fn records(results: &[(&str, u32)]) -> String {
        let res: Vec<String> = results
            .iter()
            .map(|(t, i)| format!(r#"{{"layer":{i},"createdAt":"{t}"}}"#))
            .collect();
        format!(
            r#"[{{"digest":"sha256:{}","layers":[{}]}}]"#,
            "a".repeat(64),
            res.join(",")
        )
    }

    const T1: &str = "2024-01-01T00:00:00Z";
    const T2: &str = "2024-01-02T00:00:00Z";

    #[test]
    fn results_put_in_another_order_by_their_times_are_times_only() {
        // The canonical form orders results by their text, times first: swapping the times
        // swaps the order, and only re-sorting without times shows they are the same.
        let l = records(&[(T1, 0), (T2, 1)]);
        let r = records(&[(T2, 0), (T1, 1)]);
        assert!(times_only(&l, &r));
        assert!(times_only(&r, &l));
        // Different layers are not.
        assert!(!times_only(&l, &records(&[(T2, 0), (T1, 2)])));
        // Nor one result fewer.
        assert!(!times_only(&l, &records(&[(T1, 0)])));
    }

    #[test]
    fn config_times_and_nested_times_are_times_only_and_other_keys_are_not() {
        let c = |created: &str, env: &str| {
            format!(
                r#"{{"architecture":"amd64","os":"linux","created":"{created}","config":{{"Env":["{env}"],"Labels":{{"org.opencontainers.image.created":"{created}"}}}},"rootfs":{{"type":"layers","diff_ids":[]}},"history":[{{"created":"{created}","created_by":"RUN x"}}]}}"#
            )
        };
        assert!(times_only(&c(T1, "A=1"), &c(T2, "A=1")));
        assert!(!times_only(&c(T1, "A=1"), &c(T2, "A=2")));
        // A time key holding something other than a string is compared.
        let n = |x: u32| format!(r#"{{"architecture":"amd64","os":"linux","created":{x}}}"#);
        assert!(!times_only(&n(1), &n(2)));
        // A time present on one side only is still a time.
        let one = r#"{"architecture":"amd64","os":"linux"}"#;
        let other = format!(r#"{{"architecture":"amd64","os":"linux","created":"{T1}"}}"#);
        assert!(times_only(one, &other));
        assert!(times_only(&other, one));
    }

    #[test]
    fn a_cache_on_one_side_only_is_compared_as_it_is() {
        // `{"records":{...}}` with an object of records is a canonical document, not a
        // cache the core decodes: its results are compared as given, the other side's re-sorted.
        let l = records(&[(T1, 0), (T2, 1)]);
        let r = records(&[(T2, 0), (T1, 1)]);
        for (a, b) in [(&l, &r), (&r, &l)] {
            times_only(a, b);
            times_only(a, r#"{"records":{"x":{"layers":[2,1]}}}"#);
        }
    }
}
