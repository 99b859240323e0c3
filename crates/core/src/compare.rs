//! Two analysed inputs to an answer: options applied, changes, verdict, digest attribution and a
//! cache summary in words.

use crate::canon::{CacheInfo, LinkInfo};
use crate::detect::{INLINE_CACHE_KEY, Kind};
use crate::diff::{Change, diff};
use crate::json::to_compact;
use crate::{Analysis, Digest, Pointer};
use serde_json::Value;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

/// What to leave out of the comparison.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// Ignore `created`, `history[].created`, cache `createdAt` and layer annotation times.
    pub ignore_timestamps: bool,
    /// Ignore `moby.buildkit.cache.v0` (and the whole document when it is only a cache).
    pub ignore_cache: bool,
    /// Ignore everything at or under these JSON Pointers.
    pub ignore: Vec<Pointer>,
}

/// The verdict of a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The same bytes.
    Identical,
    /// Different bytes, no change after canonicalisation and the options in force.
    Equivalent,
    /// Real changes.
    Different,
}

impl Verdict {
    /// `identical`, `equivalent` or `different`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Identical => "identical",
            Verdict::Equivalent => "equivalent",
            Verdict::Different => "different",
        }
    }

    /// Exit status in the manner of diff(1): 0 no (semantic) difference, 1 different.
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Identical | Verdict::Equivalent => 0,
            Verdict::Different => 1,
        }
    }
}

/// The top-level area a change falls in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Area {
    /// `moby.buildkit.cache.v0`, or a document that is only a cache.
    Cache,
    /// `history`.
    History,
    /// `rootfs`.
    Rootfs,
    /// `config` (the runtime config, or a manifest's config descriptor).
    Config,
    /// `created`.
    Created,
    /// A manifest's `layers`.
    Layers,
    /// An index's `manifests`.
    Manifests,
    /// Anything else.
    Other,
}

impl Area {
    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Area::Cache => "cache",
            Area::History => "history",
            Area::Rootfs => "rootfs",
            Area::Config => "config",
            Area::Created => "created",
            Area::Layers => "layers",
            Area::Manifests => "manifests",
            Area::Other => "other",
        }
    }

    /// The area of a change path in a document of this kind.
    pub fn of(path: &Pointer, kind: Kind) -> Area {
        if kind.is_cache_only() {
            return Area::Cache;
        }
        let mut tokens = path.tokens().iter();
        let mut first = tokens.next().map(String::as_str);
        if kind == Kind::DockerInspect && first.is_some_and(|t| t.parse::<usize>().is_ok()) {
            first = tokens.next().map(String::as_str);
        }
        // Image archives with several images compare as `/manifests/<platform>/<image>`
        // (`image::comparable`): a change inside one image has that image's area. (An index's
        // own `manifests` is an array: `/manifests/0/...` stays in the manifests area.)
        if kind == Kind::ImageIndex && first == Some("manifests") {
            let mut rest = tokens.clone();
            if let (Some(platform), Some(inner)) = (rest.next(), rest.next())
                && platform.parse::<usize>().is_err()
            {
                first = Some(inner.as_str());
            }
        }
        match first.map(str::to_ascii_lowercase).as_deref() {
            Some(INLINE_CACHE_KEY) => Area::Cache,
            Some("history") => Area::History,
            Some("rootfs") => Area::Rootfs,
            Some("config") => Area::Config,
            Some("created") => Area::Created,
            Some("layers") => Area::Layers,
            Some("manifests") => Area::Manifests,
            _ => Area::Other,
        }
    }
}

/// Which areas changed, and what the digests would be without the inline cache.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Attribution {
    /// Areas with changes and how many changes each, in a fixed order.
    pub areas: Vec<(Area, usize)>,
    /// Left config's digest without its `moby.buildkit.cache.v0` (Go compact encoding).
    pub left_without_cache: Option<Digest>,
    /// Right config's digest without its `moby.buildkit.cache.v0`.
    pub right_without_cache: Option<Digest>,
    /// The digests differ, and would be equal without the inline cache: a fact, not a guess.
    pub only_cache_differs: bool,
    /// The bytes differ only in JSON formatting: both re-encode to the same compact bytes.
    pub formatting_only: bool,
}

/// What happened to the results of a record present on both sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase", tag = "change", content = "count")]
pub enum ResultDelta {
    /// The record gained results where it had none.
    Gained(usize),
    /// The record lost all its results.
    Lost(usize),
    /// The results differ.
    Changed(usize),
}

/// A record named by its canonical id and digest.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RecordRef {
    /// Canonical id.
    pub id: String,
    /// Cache key digest.
    pub digest: String,
}

/// A record on both sides whose results changed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RecordChange {
    /// The record.
    #[serde(flatten)]
    pub record: RecordRef,
    /// Change to its `layers` results.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layers: Option<ResultDelta>,
    /// Change to its `chains` results.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chains: Option<ResultDelta>,
}

/// The cache part of a comparison, in words people can act on.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CacheSummary {
    /// Where the cache sits in the canonical documents.
    pub pointer: Pointer,
    /// Records on the left.
    pub records_left: usize,
    /// Records on the right.
    pub records_right: usize,
    /// Records only on the right.
    pub added: Vec<RecordRef>,
    /// Records only on the left.
    pub removed: Vec<RecordRef>,
    /// Records on both sides whose results changed.
    pub changed: Vec<RecordChange>,
    /// `link` values whose index differs between the sides but which point at the same record:
    /// the renumbering noise that canonicalisation removed.
    pub links_renumbered: usize,
    /// Records on both sides found at a different position.
    pub records_moved: usize,
}

impl CacheSummary {
    /// One phrase: "1 record lost its chains; 1 record added".
    pub fn phrase(&self) -> String {
        let mut parts = Vec::new();
        // (singular, plural) phrasing of what happened to a record's results.
        let mut tally: BTreeMap<(&str, &str), usize> = BTreeMap::new();
        for c in &self.changed {
            for (field, d) in [("layers", c.layers), ("chains", c.chains)] {
                let key = match (d, field) {
                    (Some(ResultDelta::Lost(_)), "layers") => {
                        ("lost its layers", "lost their layers")
                    }
                    (Some(ResultDelta::Lost(_)), _) => ("lost its chains", "lost their chains"),
                    (Some(ResultDelta::Gained(_)), "layers") => ("gained layers", "gained layers"),
                    (Some(ResultDelta::Gained(_)), _) => ("gained chains", "gained chains"),
                    (Some(ResultDelta::Changed(_)), "layers") => {
                        ("changed its layers", "changed their layers")
                    }
                    (Some(ResultDelta::Changed(_)), _) => {
                        ("changed its chains", "changed their chains")
                    }
                    (None, _) => continue,
                };
                *tally.entry(key).or_default() += 1;
            }
        }
        for ((one, many), n) in tally {
            parts.push(if n == 1 {
                format!("1 record {one}")
            } else {
                format!("{n} records {many}")
            });
        }
        if !self.added.is_empty() {
            parts.push(if self.added.len() == 1 {
                "1 record added".into()
            } else {
                format!("{} records added", self.added.len())
            });
        }
        if !self.removed.is_empty() {
            parts.push(if self.removed.len() == 1 {
                "1 record removed".into()
            } else {
                format!("{} records removed", self.removed.len())
            });
        }
        if parts.is_empty() {
            parts.push("no record changed".into());
        }
        parts.join("; ")
    }

    /// "3 links renumbered without effect" or None.
    pub fn noise_phrase(&self) -> Option<String> {
        match (self.links_renumbered, self.records_moved) {
            (0, 0) => None,
            (l, m) => Some(format!(
                "{l} link value{} renumbered and {m} record{} moved without effect",
                if l == 1 { "" } else { "s" },
                if m == 1 { "" } else { "s" }
            )),
        }
    }
}

/// The answer to "why did my digest change, and is it real?".
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Comparison {
    /// identical / equivalent / different.
    pub verdict: Verdict,
    /// The verdict in one sentence.
    pub headline: String,
    /// The changes (a JSON Patch from the left canonical document, options applied, to the right).
    pub changes: Vec<Change>,
    /// Areas and digest attribution.
    pub attribution: Attribution,
    /// The cache summary, when both sides hold a decoded cache at the same place.
    pub cache: Option<CacheSummary>,
    /// Facts worth saying (e.g. that a pretty-printed side's compact form recovers a digest).
    pub notes: Vec<String>,
}

const TIME_KEYS: &[&str] = &[
    "created",
    "createdAt",
    "Created",
    "buildkit/createdat",
    "org.opencontainers.image.created",
    "LastTagTime",
];

fn strip_times(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|k, x| !(TIME_KEYS.contains(&k.as_str()) && x.is_string()));
            m.values_mut().for_each(strip_times);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_times),
        _ => {}
    }
}

fn remove_at(doc: &mut Value, p: &Pointer) {
    let Some((parent, last)) = p.split_last() else {
        *doc = Value::Null;
        return;
    };
    let mut cur = doc;
    for t in parent.tokens() {
        cur = match cur {
            Value::Object(m) => match m.get_mut(t) {
                Some(x) => x,
                None => return,
            },
            Value::Array(a) => match t.parse::<usize>().ok().and_then(|i| a.get_mut(i)) {
                Some(x) => x,
                None => return,
            },
            _ => return,
        };
    }
    match cur {
        Value::Object(m) => {
            m.shift_remove(last);
        }
        Value::Array(a) => {
            if let Some(i) = last.parse::<usize>().ok().filter(|&i| i < a.len()) {
                a.remove(i);
            }
        }
        _ => {}
    }
}

fn get_at<'v>(doc: &'v Value, p: &Pointer) -> Option<&'v Value> {
    p.tokens().iter().try_fold(doc, |cur, t| match cur {
        Value::Object(m) => m.get(t),
        Value::Array(a) => t.parse::<usize>().ok().and_then(|i| a.get(i)),
        _ => None,
    })
}

fn get_at_mut<'v>(doc: &'v mut Value, p: &Pointer) -> Option<&'v mut Value> {
    p.tokens().iter().try_fold(doc, |cur, t| match cur {
        Value::Object(m) => m.get_mut(t),
        Value::Array(a) => t.parse::<usize>().ok().and_then(|i| a.get_mut(i)),
        _ => None,
    })
}

/// The canonical document of an input with the options applied: the documents [`compare`]
/// diffs (`changes` is a JSON Patch from the left one to the right one). Borrowed when no
/// option changes it, so comparing never copies a document it does not have to.
pub fn filtered<'a>(a: &'a Analysis, opts: &Options) -> Cow<'a, Value> {
    if !opts.ignore_cache && !opts.ignore_timestamps && opts.ignore.is_empty() {
        return Cow::Borrowed(&a.canonical);
    }
    let mut doc = a.canonical.clone();
    if opts.ignore_cache {
        if a.kind.is_cache_only() {
            doc = Value::Null;
        } else if let Value::Object(m) = &mut doc {
            m.shift_remove(INLINE_CACHE_KEY);
        }
    }
    if opts.ignore_timestamps {
        strip_times(&mut doc);
        // Results that differed only by time may now sort differently: re-sort them.
        for c in &a.caches {
            if let Some(Value::Object(recs)) = get_at_mut(&mut doc, &c.pointer.child("records")) {
                for r in recs.values_mut() {
                    for f in ["layers", "chains"] {
                        if let Some(Value::Array(x)) = r.get_mut(f) {
                            x.sort_by_cached_key(to_compact);
                        }
                    }
                }
            }
        }
    }
    for p in &opts.ignore {
        remove_at(&mut doc, p);
    }
    Cow::Owned(doc)
}

/// Compares two analysed inputs.
pub fn compare(left: &Analysis, right: &Analysis, opts: &Options) -> Comparison {
    let left_doc = filtered(left, opts);
    let right_doc = filtered(right, opts);
    let changes = diff(&left_doc, &right_doc);
    let verdict = if left.digest == right.digest {
        Verdict::Identical
    } else if changes.is_empty() {
        Verdict::Equivalent
    } else {
        Verdict::Different
    };
    let mut per_area: BTreeMap<Area, usize> = BTreeMap::new();
    for c in &changes {
        *per_area.entry(Area::of(&c.path, right.kind)).or_default() += 1;
    }
    let left_go = left.compact_digest.as_ref().unwrap_or(&left.digest);
    let right_go = right.compact_digest.as_ref().unwrap_or(&right.digest);
    let formatting_only =
        left.digest != right.digest && left.is_json && right.is_json && left_go == right_go;
    let only_cache_differs = left_go != right_go
        && matches!((&left.without_cache_digest, &right.without_cache_digest), (Some(a), Some(b)) if a == b);
    let attribution = Attribution {
        areas: per_area.into_iter().collect(),
        left_without_cache: left.without_cache_digest.clone(),
        right_without_cache: right.without_cache_digest.clone(),
        only_cache_differs,
        formatting_only,
    };
    let cache = cache_summary(left, right, &left_doc, &right_doc);
    let mut notes = Vec::new();
    for (a, other) in [(left, right), (right, left)] {
        if let Some(cd) = &a.compact_digest {
            let side = a.side.map_or("this input", |s| s.as_str());
            let mut note = format!(
                "{side} is not in compact form; re-encoded the way Go writes JSON it hashes to {cd}, the digest a registry would give it"
            );
            if *cd == other.digest {
                note.push_str(&format!(
                    ", which is exactly the {} digest",
                    other.side.map_or("other", |s| s.as_str())
                ));
            }
            notes.push(note);
        }
    }
    if only_cache_differs {
        notes.push(format!(
            "Without moby.buildkit.cache.v0 both configs hash to {}: the digests differ only because of the inline cache.",
            left.without_cache_digest.as_ref().map(Digest::as_str).unwrap_or_default()
        ));
    }
    let headline = headline(
        verdict,
        &attribution,
        cache.as_ref(),
        opts,
        &changes,
        right.kind,
    );
    Comparison {
        verdict,
        headline,
        changes,
        attribution,
        cache,
        notes,
    }
}

fn headline(
    verdict: Verdict,
    attr: &Attribution,
    cache: Option<&CacheSummary>,
    opts: &Options,
    changes: &[Change],
    kind: Kind,
) -> String {
    match verdict {
        Verdict::Identical => "Identical: the two inputs are the same bytes.".into(),
        Verdict::Equivalent => {
            let reason = if attr.formatting_only {
                "only in JSON formatting: re-encoded compactly, both have the same digest"
                    .to_owned()
            } else if let Some(noise) = cache.and_then(CacheSummary::noise_phrase) {
                format!(
                    "after decoding the cache nothing changed except record numbering ({noise})"
                )
            } else if opts.ignore_timestamps || opts.ignore_cache || !opts.ignore.is_empty() {
                let mut what = Vec::new();
                if opts.ignore_timestamps {
                    what.push("timestamps");
                }
                if opts.ignore_cache {
                    what.push("the cache");
                }
                if !opts.ignore.is_empty() {
                    what.push("the ignored paths");
                }
                format!(
                    "nothing else changed once {} are ignored",
                    what.join(" and ")
                )
            } else {
                "after canonicalisation nothing changed".to_owned()
            };
            format!("Equivalent: the bytes differ, but {reason}.")
        }
        Verdict::Different => {
            let n = changes.len();
            let areas: Vec<&str> = attr.areas.iter().map(|(a, _)| a.as_str()).collect();
            let cache_words = cache.map(CacheSummary::phrase);
            if areas == ["cache"] {
                let what = if kind.is_cache_only() {
                    "the cache"
                } else {
                    INLINE_CACHE_KEY
                };
                match cache_words {
                    Some(w) => format!("Different: only {what} differs; {w}."),
                    None => format!(
                        "Different: only the cache differs ({n} change{}).",
                        if n == 1 { "" } else { "s" }
                    ),
                }
            } else {
                let mut s = format!(
                    "Different: {n} change{} in {}",
                    if n == 1 { "" } else { "s" },
                    join_words(&areas)
                );
                if let Some(w) = cache_words.filter(|_| areas.contains(&"cache")) {
                    s.push_str(&format!(" (cache: {w})"));
                }
                s.push('.');
                s
            }
        }
    }
}

fn join_words(w: &[&str]) -> String {
    match w {
        [] => String::new(),
        [a] => (*a).to_owned(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// A record's results of one kind (`layers` or `chains`).
fn results_of<'v>(record: &'v Value, field: &str) -> &'v [Value] {
    record
        .get(field)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn delta(l: &[Value], r: &[Value]) -> Option<ResultDelta> {
    if crate::diff::same_slice(l, r) {
        None
    } else if l.is_empty() {
        Some(ResultDelta::Gained(r.len()))
    } else if r.is_empty() {
        Some(ResultDelta::Lost(l.len()))
    } else {
        Some(ResultDelta::Changed(r.len()))
    }
}

/// How many of a record's links point at the same record (same input, target and selector) on
/// both sides with a different index. Each left link is matched with the last unmatched right
/// link of the same key.
fn renumbered_links(left: &[LinkInfo], right: &[LinkInfo], taken: &mut Vec<bool>) -> usize {
    fn key(x: &LinkInfo) -> (usize, &str, &str) {
        (x.input, x.target.as_str(), x.selector.as_str())
    }
    let mut n = 0;
    if right.len() <= 16 {
        // Records have a few links: scanning beats building a map per record.
        taken.clear();
        taken.resize(right.len(), false);
        for x in left {
            let found = (0..right.len())
                .rev()
                .find(|&j| !taken[j] && key(&right[j]) == key(x));
            if let Some(j) = found {
                taken[j] = true;
                n += usize::from(right[j].index != x.index);
            }
        }
    } else {
        let mut right_links: HashMap<(usize, &str, &str), Vec<usize>> = HashMap::new();
        for x in right {
            right_links.entry(key(x)).or_default().push(x.index);
        }
        for x in left {
            if let Some(idx) = right_links.get_mut(&key(x)).and_then(Vec::pop) {
                n += usize::from(idx != x.index);
            }
        }
    }
    n
}

fn cache_summary(
    left: &Analysis,
    right: &Analysis,
    ldoc: &Value,
    rdoc: &Value,
) -> Option<CacheSummary> {
    let (lc, rc) = left.caches.iter().find_map(|l| {
        right
            .caches
            .iter()
            .find(|r| r.pointer == l.pointer)
            .map(|r| (l, r))
    })?;
    let records =
        |doc, c: &CacheInfo| get_at(doc, &c.pointer.child("records")).and_then(Value::as_object);
    let (lrec, rrec) = (records(ldoc, lc)?, records(rdoc, rc)?);
    let digest_of = |m: &serde_json::Map<String, Value>, id: &str| {
        m.get(id)
            .and_then(|r| r.get("digest"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let added = rrec
        .keys()
        .filter(|k| !lrec.contains_key(*k))
        .map(|k| RecordRef {
            id: k.clone(),
            digest: digest_of(rrec, k),
        })
        .collect();
    let removed = lrec
        .keys()
        .filter(|k| !rrec.contains_key(*k))
        .map(|k| RecordRef {
            id: k.clone(),
            digest: digest_of(lrec, k),
        })
        .collect();
    let changed = lrec
        .iter()
        .filter_map(|(k, l)| {
            let r = rrec.get(k)?;
            let layers = delta(results_of(l, "layers"), results_of(r, "layers"));
            let chains = delta(results_of(l, "chains"), results_of(r, "chains"));
            (layers.is_some() || chains.is_some()).then(|| RecordChange {
                record: RecordRef {
                    id: k.clone(),
                    digest: digest_of(lrec, k),
                },
                layers,
                chains,
            })
        })
        .collect();
    // Renumbering: same record, same link target, different index.
    let by_id: HashMap<&str, &crate::canon::RecordInfo> =
        rc.records.iter().map(|r| (r.id.as_str(), r)).collect();
    let mut links_renumbered = 0;
    let mut records_moved = 0;
    let mut taken = Vec::new();
    for l in &lc.records {
        let Some(r) = by_id.get(l.id.as_str()) else {
            continue;
        };
        if l.index != r.index {
            records_moved += 1;
        }
        links_renumbered += renumbered_links(&l.links, &r.links, &mut taken);
    }
    Some(CacheSummary {
        pointer: lc.pointer.clone(),
        records_left: lrec.len(),
        records_right: rrec.len(),
        added,
        removed,
        changed,
        links_renumbered,
        records_moved,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn areas_of_paths() {
        let area = |p: &str, k| Area::of(&Pointer::parse(p).unwrap(), k);
        assert_eq!(area("/config/Env/0", Kind::ImageConfig), Area::Config);
        assert_eq!(area("/0/Config/Env/0", Kind::DockerInspect), Area::Config);
        assert_eq!(area("/records", Kind::CacheConfig), Area::Cache);
        // An index's own manifests array; image archives paired by platform.
        assert_eq!(
            area("/manifests/0/digest", Kind::ImageIndex),
            Area::Manifests
        );
        assert_eq!(
            area("/manifests/linux~1amd64", Kind::ImageIndex),
            Area::Manifests
        );
        assert_eq!(
            area("/manifests/linux~1amd64/history/2", Kind::ImageIndex),
            Area::History
        );
        assert_eq!(
            area(
                "/manifests/linux~1arm64/moby.buildkit.cache.v0/records",
                Kind::ImageIndex
            ),
            Area::Cache
        );
        assert_eq!(
            area("/manifests/linux~1arm64/layers/0", Kind::ImageIndex),
            Area::Layers
        );
    }
}
