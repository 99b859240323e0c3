//! Comparing decoded caches as graphs: the changes, and the "same but for times" answer, that
//! their canonical documents would give, without rendering those documents.
//!
//! A cache's canonical form lists every result's layers as objects (`{"diffID", "index"}`): for
//! a 10k-record cache that is hundreds of thousands of small JSON objects, most of the time and
//! memory of a comparison. [`compare`](super::compare) diffs the inputs' outlines
//! ([`crate::Document`]) and, at each cache, the two graphs: records are matched by canonical
//! id and only the records that differ are rendered, so the changes (their paths, values and
//! order) are exactly those `diff` gives on the whole documents.

use super::strip_times;
use crate::diff::{Change, Op, diff_at, same};
use crate::graph::{CacheForm, CacheGraph, CacheLayer, CacheRecord, LayerList};
use crate::json::sort_strs;
use crate::{Analysis, Options, Pointer};
use serde_json::Value;

/// A cache both sides hold at the same place: its pointer's tokens still to walk, and the
/// two graphs.
#[derive(Clone, Copy)]
pub(super) struct Hole<'a> {
    rest: &'a [String],
    left: &'a CacheGraph,
    right: &'a CacheGraph,
}

impl<'a> Hole<'a> {
    fn next(self) -> Hole<'a> {
        Hole {
            rest: &self.rest[1..],
            ..self
        }
    }
}

/// The caches to compare as graphs, when the outlines can stand for the documents: no option
/// changes the documents, both sides hold decoded caches of the same form at the same
/// pointers, and each is
/// reached through objects only (a cache inside an array would change how the array's elements
/// are matched). `None` otherwise: the whole documents are compared.
pub(super) fn holes<'a>(
    left: &'a Analysis,
    right: &'a Analysis,
    opts: &Options,
) -> Option<Vec<Hole<'a>>> {
    if opts.ignore_cache || opts.ignore_timestamps || !opts.ignore.is_empty() {
        return None;
    }
    if left.caches.len() != right.caches.len() {
        return None;
    }
    let mut holes = Vec::with_capacity(left.caches.len());
    for l in &left.caches {
        let r = right
            .caches
            .iter()
            .find(|r| r.pointer == l.pointer && r.form == l.form)?;
        let p = l.pointer.tokens();
        // (A cache inside another's place would not be reached: the outer one is a stub.)
        if !(reached(left.outline(), p) && reached(right.outline(), p)) {
            return None;
        }
        holes.push(Hole {
            rest: p,
            left: &l.graph,
            right: &r.graph,
        });
    }
    Some(holes)
}

/// Whether `tokens` lead through objects to an object (a cache's stub).
fn reached(doc: &Value, tokens: &[String]) -> bool {
    let mut cur = doc;
    for t in tokens {
        match cur {
            Value::Object(m) => match m.get(t) {
                Some(x) => cur = x,
                None => return false,
            },
            _ => return false,
        }
    }
    cur.is_object()
}

/// The changes between two outlines with caches at `holes`: what `diff` gives on the whole
/// documents.
pub(super) fn diff_outlines(l: &Value, r: &Value, holes: &[Hole]) -> Vec<Change> {
    let mut out = Vec::new();
    walk(&Pointer::root(), l, r, holes, &mut out);
    out
}

fn walk(path: &Pointer, l: &Value, r: &Value, holes: &[Hole], out: &mut Vec<Change>) {
    if let Some(h) = holes.iter().find(|h| h.rest.is_empty()) {
        return diff_graphs(path, h.left, h.right, out);
    }
    let (Value::Object(a), Value::Object(b), false) = (l, r, holes.is_empty()) else {
        return diff_at(path, l, r, out);
    };
    // As `diff_at` does for objects, in the same order; members on the way to a cache are
    // walked (their stubs are equal, the caches may not be).
    for (k, va) in a {
        match b.get(k) {
            Some(vb) => {
                let ahead: Vec<Hole> = holes
                    .iter()
                    .filter(|h| h.rest[0] == *k)
                    .map(|h| h.next())
                    .collect();
                if !ahead.is_empty() {
                    walk(&path.child(k.as_str()), va, vb, &ahead, out);
                } else if !same(va, vb) {
                    diff_at(&path.child(k.as_str()), va, vb, out);
                }
            }
            None => out.push(removed(path.child(k.as_str()), va.clone())),
        }
    }
    for (k, vb) in b {
        if !a.contains_key(k) {
            out.push(added(path.child(k.as_str()), vb.clone()));
        }
    }
}

fn removed(path: Pointer, old: Value) -> Change {
    Change {
        op: Op::Remove,
        path,
        value: None,
        old: Some(old),
    }
}

fn added(path: Pointer, value: Value) -> Change {
    Change {
        op: Op::Add,
        path,
        value: Some(value),
        old: None,
    }
}

/// The changes `diff_at(path, &l.to_canonical(), &r.to_canonical())` gives, for two graphs of
/// the same form (as [`holes`] pairs them).
pub(crate) fn diff_graphs(path: &Pointer, l: &CacheGraph, r: &CacheGraph, out: &mut Vec<Change>) {
    if l.form == CacheForm::Inline {
        return diff_records(&path.child("records"), l, r, out);
    }
    // The canonical members in key order: the unknown fields, `layers` and `records`.
    fn keys(g: &CacheGraph) -> Vec<&str> {
        let mut k: Vec<&str> = g.extra.keys().map(String::as_str).collect();
        k.extend(["layers", "records"]);
        sort_strs(&mut k);
        k
    }
    for k in keys(l) {
        match k {
            "layers" => diff_layers(&path.child("layers"), l, r, out),
            "records" => diff_records(&path.child("records"), l, r, out),
            _ => match r.extra.get(k) {
                Some(vb) => {
                    let va = &l.extra[k];
                    if !same(va, vb) {
                        diff_at(&path.child(k), va, vb, out);
                    }
                }
                None => out.push(removed(path.child(k), l.extra[k].clone())),
            },
        }
    }
    for k in keys(r) {
        if !matches!(k, "layers" | "records") && !l.extra.contains_key(k) {
            out.push(added(path.child(k), r.extra[k].clone()));
        }
    }
}

/// The records' changes: both graphs list their records in id order, so they are matched in
/// one merge; removed and changed records in the left order, then the added ones.
fn diff_records(path: &Pointer, l: &CacheGraph, r: &CacheGraph, out: &mut Vec<Change>) {
    let mut scratch = Scratch::default();
    let (lo, ro) = (&l.order, &r.order);
    let mut added_ones = Vec::new();
    let mut j = 0;
    for &i in lo {
        let a = &l.records[i];
        while j < ro.len() && r.records[ro[j]].id < a.id {
            added_ones.push(ro[j]);
            j += 1;
        }
        if j < ro.len() && r.records[ro[j]].id == a.id {
            let b = &r.records[ro[j]];
            j += 1;
            if !same_record(l, a, r, b, &mut scratch) {
                diff_at(
                    &path.child(a.id.as_str()),
                    &l.record_value(a),
                    &r.record_value(b),
                    out,
                );
            }
        } else {
            out.push(removed(path.child(a.id.as_str()), l.record_value(a)));
        }
    }
    added_ones.extend_from_slice(&ro[j..]);
    for b in added_ones {
        let b = &r.records[b];
        out.push(added(path.child(b.id.as_str()), r.record_value(b)));
    }
}

fn diff_layers(path: &Pointer, l: &CacheGraph, r: &CacheGraph, out: &mut Vec<Change>) {
    for a in l.layers_in_order() {
        match r.layer_index(&a.key) {
            Some(b) => {
                let b = &r.layers[b];
                if !same_layer(l, a, r, b) {
                    diff_at(
                        &path.child(a.key.as_str()),
                        &l.layer_value(a),
                        &r.layer_value(b),
                        out,
                    );
                }
            }
            None => out.push(removed(path.child(a.key.as_str()), l.layer_value(a))),
        }
    }
    for b in r.layers_in_order() {
        if l.layer_index(&b.key).is_none() {
            out.push(added(path.child(b.key.as_str()), r.layer_value(b)));
        }
    }
}

/// Buffers reused from record to record.
#[derive(Default)]
struct Scratch<'a> {
    left: Vec<(&'a str, &'a str)>,
    right: Vec<(&'a str, &'a str)>,
}

/// Whether two records' canonical entries ([`CacheGraph::record_value`]) are equal.
fn same_record<'a>(
    lg: &'a CacheGraph,
    a: &'a CacheRecord,
    rg: &'a CacheGraph,
    b: &'a CacheRecord,
    s: &mut Scratch<'a>,
) -> bool {
    a.digest == b.digest
        && a.extra == b.extra
        && same_lists(lg, &a.results, rg, &b.results)
        && same_lists(lg, &a.chains, rg, &b.chains)
        && same_inputs(lg, a, rg, b, s)
}

/// Whether two records' canonical `inputs` are equal: per position, the alternatives sorted.
fn same_inputs<'a>(
    lg: &'a CacheGraph,
    a: &'a CacheRecord,
    rg: &'a CacheGraph,
    b: &'a CacheRecord,
    s: &mut Scratch<'a>,
) -> bool {
    let alts = |g: &'a CacheGraph, pos: &'a [crate::graph::InputRef], v: &mut Vec<_>| {
        v.clear();
        v.extend(
            pos.iter()
                .map(|i| (g.records[i.record].link_id(), i.selector.as_str())),
        );
        v.sort_unstable();
    };
    a.inputs.len() == b.inputs.len()
        && a.inputs.iter().zip(&b.inputs).all(|(x, y)| {
            // The same place by place is the same sorted (sorted only otherwise).
            let in_place = x.len() == y.len()
                && x.iter().zip(y).all(|(i, j)| {
                    i.selector == j.selector
                        && lg.records[i.record].link_id() == rg.records[j.record].link_id()
                });
            if in_place {
                return true;
            }
            alts(lg, x, &mut s.left);
            alts(rg, y, &mut s.right);
            s.left == s.right
        })
}

fn same_lists(lg: &CacheGraph, a: &[LayerList], rg: &CacheGraph, b: &[LayerList]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| lg.same_list(x, rg, y))
}

/// Whether two registry layers' canonical entries ([`CacheGraph::layer_value`]) are equal.
fn same_layer(lg: &CacheGraph, a: &CacheLayer, rg: &CacheGraph, b: &CacheLayer) -> bool {
    a.annotations == b.annotations
        && a.blob.as_deref().unwrap_or_default() == b.blob.as_deref().unwrap_or_default()
        && a.chain.len() == b.chain.len()
        && a.chain
            .iter()
            .zip(&b.chain)
            .all(|(&x, &y)| lg.blob(x) == rg.blob(y))
        && a.extra == b.extra
}

/// Whether two values are equal once their timestamps are stripped (small values: copies).
fn same_stripped(a: Value, b: Value) -> bool {
    let (mut a, mut b) = (a, b);
    strip_times(&mut a);
    strip_times(&mut b);
    same(&a, &b)
}

/// Whether the documents [`compare`](super::compare) compares are the same once timestamps are
/// also ignored: what diffing the documents [`super::filtered`] gives with `ignore_timestamps`
/// says. The outlines are small (the caches are stubs there): their copies are stripped; the
/// caches are compared as graphs.
pub(super) fn same_without_times(l: &Value, r: &Value, holes: &[Hole]) -> bool {
    same_stripped(l.clone(), r.clone())
        && holes.iter().all(|h| graph_without_times(h.left, h.right))
}

/// Whether two caches' canonical documents are the same once timestamps are stripped and each
/// record's results re-sorted.
fn graph_without_times(l: &CacheGraph, r: &CacheGraph) -> bool {
    if l.form == CacheForm::Registry {
        // The unknown top-level fields beside `layers` and `records` (compared below).
        let shell = |g: &CacheGraph| Value::Object(g.extra.clone());
        if !(same_stripped(shell(l), shell(r)) && same_layers_without_times(l, r)) {
            return false;
        }
    }
    same_records_without_times(l, r)
}

fn same_layers_without_times(l: &CacheGraph, r: &CacheGraph) -> bool {
    l.layer_order.len() == r.layer_order.len()
        && l.layers_in_order().all(|a| {
            r.layer_index(&a.key).is_some_and(|b| {
                let b = &r.layers[b];
                // The same with their times is the same without (rendered only otherwise).
                same_layer(l, a, r, b) || same_stripped(l.layer_value(a), r.layer_value(b))
            })
        })
}

fn same_records_without_times(l: &CacheGraph, r: &CacheGraph) -> bool {
    if l.len() != r.len() {
        return false;
    }
    let mut s = Scratch::default();
    let (mut kl, mut kr) = (Vec::new(), Vec::new());
    l.in_order().zip(r.in_order()).all(|((_, a), (_, b))| {
        a.id == b.id
            && a.digest == b.digest
            && (a.extra == b.extra
                || same_stripped(
                    Value::Object(a.extra.clone()),
                    Value::Object(b.extra.clone()),
                ))
            && same_inputs(l, a, r, b, &mut s)
            && same_lists_without_times(l, &a.results, r, &b.results, &mut kl, &mut kr)
            && same_lists_without_times(l, &a.chains, r, &b.chains, &mut kl, &mut kr)
    })
}

/// Results compared as `filtered` does with timestamps ignored: without `createdAt`, in the
/// order of their compact text.
fn same_lists_without_times(
    lg: &CacheGraph,
    a: &[LayerList],
    rg: &CacheGraph,
    b: &[LayerList],
    kl: &mut Vec<String>,
    kr: &mut Vec<String>,
) -> bool {
    if a.len() != b.len() {
        return false;
    }
    // In the same order already: the same in any order.
    if a.iter().zip(b).all(|(x, y)| lg.same_layers(x, rg, y)) {
        return true;
    }
    let keys = |g: &CacheGraph, lists: &[LayerList], out: &mut Vec<String>| {
        out.clear();
        let mut k = Vec::new();
        for x in lists {
            g.list_key(x, false, &mut k);
            out.push(String::from_utf8_lossy(&k).into_owned());
        }
    };
    keys(lg, a, kl);
    keys(rg, b, kr);
    let (mut sl, mut sr): (Vec<&str>, Vec<&str>) = (
        kl.iter().map(String::as_str).collect(),
        kr.iter().map(String::as_str).collect(),
    );
    sort_strs(&mut sl);
    sort_strs(&mut sr);
    sl == sr
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
