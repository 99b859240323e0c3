//! Two analysed inputs to an answer: options applied, changes, verdict, digest attribution and a
//! cache summary in words.

mod cache;
mod graphs;

use crate::canon::CacheInfo;
use crate::detect::{INLINE_CACHE_KEY, Kind};
use crate::diff::{Change, diff};
use crate::graph::{CacheGraph, CacheRecord, LayerList};
use crate::json::to_compact;
pub use crate::summary::{CacheSummary, InputsDelta, RecordChange, RecordRef, ResultDelta};
use crate::{Analysis, Digest, Pointer, Side};
use cache::cache_summary;
use serde_json::Value;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

/// What to leave out of the comparison.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Options {
    /// Ignore `created`, `history[].created`, cache `createdAt` and layer annotation times.
    pub ignore_timestamps: bool,
    /// Ignore `moby.buildkit.cache.v0` (and the whole document when it is only a cache).
    pub ignore_cache: bool,
    /// Ignore everything at or under these JSON Pointers.
    pub ignore: Vec<Pointer>,
}

/// The verdict of a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The same bytes, no change and nothing set aside.
    Identical,
    /// No change after canonicalisation and the options in force: the bytes differ, or only
    /// what a documented rule sets aside ([`Comparison::set_aside`]) does.
    Equivalent,
    /// Real changes: at least one.
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
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
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
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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

/// The answer to "why did my digest change, and is it real?".
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Comparison {
    /// identical / equivalent / different.
    pub verdict: Verdict,
    /// What the verdict's sentence says beyond the fields below; the sentence itself is
    /// [`Comparison::headline`] (worded in [`crate::headline`]). Not part of the JSON contract
    /// (the report carries the sentence); serialized for the page's worker.
    pub context: Context,
    /// The changes (a JSON Patch from the left canonical document, options applied, to the right).
    pub changes: Vec<Change>,
    /// Areas and digest attribution.
    pub attribution: Attribution,
    /// The cache summary, when both sides hold a decoded cache at the same place.
    pub cache: Option<CacheSummary>,
    /// Facts worth saying (e.g. that a pretty-printed side's compact form recovers a digest).
    pub notes: Vec<String>,
    /// Differences set aside by rule, never changes: for two image archives, those of the
    /// export's own metadata ([`Analysis::export_metadata`]: the `index.json` entry's
    /// annotations, docker save's tags). Paths as the changes' would be.
    pub set_aside: Vec<Change>,
    /// When the two inputs are of different kinds: what each is, and whether one names the
    /// other by digest.
    pub kinds: Option<KindsNote>,
    /// Known causes that fit (see [`crate::diagnose`]); empty when no pattern fits.
    pub diagnoses: Vec<crate::diagnose::Diagnosis>,
}

/// Facts of a comparison that only its headline tells.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Context {
    /// The right input's kind (the headline names an image, images or a cache by it).
    pub kind: Kind,
    /// The digest both sides have, when they have the same one.
    pub same_digest: Option<Digest>,
    /// Both sides are image archives or layout folders (their index entries are set aside).
    pub archives: bool,
    /// There are changes and every one of them is a timestamp.
    pub times_only: bool,
    /// Timestamps were ignored.
    pub ignored_timestamps: bool,
    /// The build cache was ignored.
    pub ignored_cache: bool,
    /// Some paths were ignored.
    pub ignored_paths: bool,
}

/// Two inputs of different kinds, and how they relate.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KindsNote {
    /// The left input's kind.
    pub left: Kind,
    /// The right input's kind.
    pub right: Kind,
    /// `left-names-right` or `right-names-left` when one holds the other's digest (a manifest
    /// naming its config, an index naming a manifest); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "crate::error::wire::interned_opt")]
    pub relation: Option<crate::error::wire::Word>,
    /// The digest by which one names the other.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<Digest>,
    /// What that means and what to compare instead, in words (also in the notes).
    pub message: String,
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

/// Whether the documents [`compare`] diffs are the same once timestamps are also ignored:
/// from the outlines and graphs when they stand for the documents ([`graphs::holes`]), else
/// by diffing the filtered copies.
fn same_without_times(
    left: &Analysis,
    right: &Analysis,
    holes: Option<&[graphs::Hole]>,
    opts: &Options,
) -> bool {
    if let Some(h) = holes {
        return graphs::same_without_times(left.outline(), right.outline(), h);
    }
    let t = Options {
        ignore_timestamps: true,
        ..opts.clone()
    };
    diff(&filtered(left, &t), &filtered(right, &t)).is_empty()
}

/// The canonical document of an input with the options applied: the documents [`compare`]
/// diffs (`changes` is a JSON Patch from the left one to the right one). Borrowed when no
/// option changes it, so comparing never copies a document it does not have to.
pub fn filtered<'a>(a: &'a Analysis, opts: &Options) -> Cow<'a, Value> {
    if !opts.ignore_cache && !opts.ignore_timestamps && opts.ignore.is_empty() {
        return Cow::Borrowed(a.canonical());
    }
    let mut doc = a.canonical().clone();
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
            if let Some(Value::Object(recs)) = c.pointer.child("records").get_mut(&mut doc) {
                for r in recs.values_mut() {
                    for f in ["layers", "chains"] {
                        if let Some(Value::Array(x)) = r.get_mut(f) {
                            x.sort_by_cached_key(|v| to_compact(v).into_bytes());
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
    // The outlines and the caches' graphs when they can stand for the documents (no option
    // changes them); the filtered documents otherwise.
    let holes = graphs::holes(left, right, opts);
    let (left_doc, right_doc, changes) = match &holes {
        Some(h) => {
            let (l, r) = (left.outline(), right.outline());
            (
                Cow::Borrowed(l),
                Cow::Borrowed(r),
                graphs::diff_outlines(l, r, h),
            )
        }
        None => {
            let (l, r) = (filtered(left, opts), filtered(right, opts));
            let changes = diff(&l, &r);
            (l, r, changes)
        }
    };
    let set_aside = match (&left.export_metadata, &right.export_metadata) {
        (Some(l), Some(r)) => leaf_changes(l, r),
        _ => Vec::new(),
    };
    // The verdict follows from what was compared: identical only when the bytes are the same
    // and nothing differs, not even what was set aside.
    let verdict = if !changes.is_empty() {
        Verdict::Different
    } else if left.digest == right.digest && set_aside.is_empty() {
        Verdict::Identical
    } else {
        Verdict::Equivalent
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
    let cache = cache_summary(left, right, &left_doc, &right_doc, opts);
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
    if let Some(n) = set_aside_note(&set_aside) {
        notes.push(n);
    }
    let kinds = kinds_note(left, right);
    if let Some(k) = &kinds {
        notes.push(k.message.clone());
    }
    let times_only = !changes.is_empty()
        && !opts.ignore_timestamps
        && same_without_times(left, right, holes.as_deref(), opts);
    if times_only {
        notes.push(TIMES_NOTE.into());
    }
    let context = Context {
        kind: right.kind,
        same_digest: (left.digest == right.digest).then(|| left.digest.clone()),
        archives: left.export_metadata.is_some() && right.export_metadata.is_some(),
        times_only,
        ignored_timestamps: opts.ignore_timestamps,
        ignored_cache: opts.ignore_cache,
        ignored_paths: !opts.ignore.is_empty(),
    };
    let diagnoses = crate::diagnose::diagnose(&crate::diagnose::Facts {
        left,
        right,
        changes: changes.len(),
        cache: cache.as_ref(),
        only_cache_differs: attribution.only_cache_differs,
        times_only,
        cache_ignored: opts.ignore_cache,
    });
    Comparison {
        verdict,
        context,
        changes,
        attribution,
        cache,
        notes,
        set_aside,
        kinds,
        diagnoses,
    }
}

/// What the note of a timestamps-only comparison says.
const TIMES_NOTE: &str = "Every change is a timestamp (created, history[].created, the cache's createdAt): ignore timestamps (--ignore-timestamps, or \"Ignore timestamps\" in the viewer) to compare the rest. Each build stamps its own time unless SOURCE_DATE_EPOCH is set and the image is exported with rewrite-timestamp=true (BuildKit v0.13 and later).";

/// The string leaves of a document (objects walked, anything else a leaf) by pointer.
fn leaves(v: &Value, at: Pointer, out: &mut BTreeMap<Pointer, Value>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                leaves(x, at.child(k.clone()), out);
            }
        }
        other => {
            out.insert(at, other.clone());
        }
    }
}

/// The differences of two documents leaf by leaf (each member that differs is one change, at
/// its own path, whatever objects hold it).
fn leaf_changes(left: &Value, right: &Value) -> Vec<Change> {
    let (mut l, mut r) = (BTreeMap::new(), BTreeMap::new());
    leaves(left, Pointer::root(), &mut l);
    leaves(right, Pointer::root(), &mut r);
    let mut out = Vec::new();
    for (p, old) in &l {
        match r.get(p) {
            None => out.push(Change {
                op: crate::diff::Op::Remove,
                path: p.clone(),
                value: None,
                old: Some(old.clone()),
            }),
            Some(new) if new != old => out.push(Change {
                op: crate::diff::Op::Replace,
                path: p.clone(),
                value: Some(new.clone()),
                old: Some(old.clone()),
            }),
            Some(_) => {}
        }
    }
    for (p, new) in r {
        if !l.contains_key(&p) {
            out.push(Change {
                op: crate::diff::Op::Add,
                path: p,
                value: Some(new),
                old: None,
            });
        }
    }
    // By path (stable, as sort_by): through a byte key, so the page links no sort of its own
    // for changes.
    out.sort_by_cached_key(|c| c.path.sort_key());
    out
}

/// A set-aside path for people: its image (when archives are paired by platform) and the
/// annotation or field it names.
pub(crate) fn set_aside_name(p: &Pointer) -> (Option<&str>, &str) {
    let t = p.tokens();
    let (image, rest) = match t {
        [m, platform, rest @ ..] if m == "manifests" => (Some(platform.as_str()), rest),
        _ => (None, t),
    };
    let name = match rest {
        [d, a, key] if d == "descriptor" && a == "annotations" => key.as_str(),
        [.., last] => last.as_str(),
        [] => "",
    };
    (image, name)
}

/// What kind of export metadata an annotation or field is, in a word or two.
pub(crate) fn set_aside_what(name: &str) -> &'static str {
    match name {
        "org.opencontainers.image.created" => "export time",
        "org.opencontainers.image.ref.name" => "tag",
        "io.containerd.image.name" => "image name",
        "repoTags" => "tags",
        _ => "annotations",
    }
}

fn short_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => to_compact(other),
    }
}

/// The note listing what was set aside, precisely.
fn set_aside_note(set_aside: &[Change]) -> Option<String> {
    if set_aside.is_empty() {
        return None;
    }
    let parts: Vec<String> = set_aside
        .iter()
        .map(|c| {
            let (image, name) = set_aside_name(&c.path);
            let what = match (&c.old, &c.value) {
                (Some(o), Some(n)) => format!("{name} {} → {}", short_value(o), short_value(n)),
                (None, Some(n)) => format!("{name} added {}", to_compact(n)),
                (Some(o), _) => format!("{name} removed (was {})", to_compact(o)),
                (None, None) => name.to_owned(),
            };
            match image {
                Some(i) => format!("{i}: {what}"),
                None => what,
            }
        })
        .collect();
    Some(format!(
        "The archives' index.json entries differ (set aside, not changes: they describe the export, not the image): {}.",
        parts.join("; ")
    ))
}

/// The digests one document names: a manifest its config, an index its manifests.
fn named_digests(a: &Analysis) -> Vec<(&'static str, String, Option<String>)> {
    let doc = &a.original;
    let mut out = Vec::new();
    match a.kind {
        Kind::ImageManifest | Kind::CacheManifest => {
            if let Some(d) = doc.pointer("/config/digest").and_then(Value::as_str) {
                out.push(("config", d.to_owned(), None));
            }
        }
        Kind::ImageIndex | Kind::CacheIndex => {
            for m in doc
                .get("manifests")
                .and_then(Value::as_array)
                .map_or(&[][..], Vec::as_slice)
            {
                if let Some(d) = m.get("digest").and_then(Value::as_str) {
                    let platform = m.get("platform").and_then(|p| {
                        let os = p.get("os")?.as_str()?;
                        let arch = p.get("architecture")?.as_str()?;
                        Some(match p.get("variant").and_then(Value::as_str) {
                            Some(v) => format!("{os}/{arch}/{v}"),
                            None => format!("{os}/{arch}"),
                        })
                    });
                    out.push(("manifests", d.to_owned(), platform));
                }
            }
        }
        _ => {}
    }
    out
}

/// The note for two inputs of different kinds: what each is, whether one names the other, and
/// what would make sense to compare instead.
fn kinds_note(left: &Analysis, right: &Analysis) -> Option<KindsNote> {
    let same_shape = |k: Kind| matches!(k, Kind::InlineCache | Kind::CacheRecords);
    if left.kind == right.kind || (same_shape(left.kind) && same_shape(right.kind)) {
        return None;
    }
    // Archives are compared image against image; their kind names the digest they report.
    if left.export_metadata.is_some() && right.export_metadata.is_some() {
        return None;
    }
    let short = noun;
    let mut message = format!(
        "The inputs are of different kinds: the left is {}, the right {}.",
        left.kind.describe(),
        right.kind.describe()
    );
    let mut relation = None;
    let mut digest = None;
    for (holder, other, rel) in [
        (left, right, "left-names-right"),
        (right, left, "right-names-left"),
    ] {
        let other_digests = [Some(&other.digest), other.compact_digest.as_ref()];
        let found = named_digests(holder).into_iter().find(|(_, d, _)| {
            other_digests
                .iter()
                .flatten()
                .any(|o| o.as_str() == d.as_str())
        });
        let Some((field, d, platform)) = found else {
            continue;
        };
        let (h, o) = (short(holder.kind), short(other.kind));
        let (hs, os) = (
            holder.side.map_or("one", Side::as_str),
            other.side.map_or("the other", Side::as_str),
        );
        let advice = match (field, other.kind) {
            ("config", Kind::CacheConfig) => format!(
                "the {o} is part of the cache export, not another version of it. To compare two builds, compare this {o} with the other build's {o} (the blob its cache manifest names), or the two {h}s"
            ),
            ("config", _) => format!(
                "the {o} is part of the image, not another version of it. To compare two builds, compare this {o} with the other build's {o} (`crane config IMG`, or the config in its archive: `cachelens show IMG.tar` names it), or the two {h}s (`crane manifest IMG`)"
            ),
            _ => format!(
                "the {o} is one entry of the {h}{}, not another version of it. To compare two builds, compare this {o} with the other build's {o} for the same platform (`crane manifest IMG@DIGEST`), or the two {h}es",
                platform.map(|p| format!(" ({p})")).unwrap_or_default()
            ),
        };
        message.push_str(&format!(
            " The {hs} {h} names the {os} {o} ({d}): {advice}."
        ));
        relation = Some(rel);
        digest = Digest::parse(&d);
        break;
    }
    if relation.is_none() {
        message.push_str(
            " Neither names the other; their differences say little. Compare two inputs of the same kind (two configs, two manifests, two caches).",
        );
    }
    Some(KindsNote {
        left: left.kind,
        right: right.kind,
        relation,
        digest,
        message,
    })
}

/// A kind as a bare noun ("manifest", "config", "cache config").
pub(crate) fn noun(k: Kind) -> &'static str {
    match k {
        Kind::ImageManifest => "manifest",
        Kind::ImageConfig => "config",
        Kind::ImageIndex => "index",
        Kind::CacheConfig => "cache config",
        Kind::CacheManifest => "cache manifest",
        Kind::CacheIndex => "cache index",
        other => other
            .describe()
            .trim_start_matches("an ")
            .trim_start_matches("a "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn analysed(text: &str, side: Side) -> Analysis {
        crate::analyze(text.as_bytes(), Some(side)).unwrap()
    }

    const CONFIG: &str = r#"{"architecture":"amd64","config":{"Env":["A=1"]},"os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:aa"]}}"#;

    fn manifest_of(config: &str) -> String {
        format!(
            r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{}","size":{}}},"layers":[]}}"#,
            Digest::sha256(config.as_bytes()),
            config.len()
        )
    }

    #[test]
    fn a_manifest_against_the_config_it_names() {
        let m = manifest_of(CONFIG);
        let cmp = compare(
            &analysed(&m, Side::Left),
            &analysed(CONFIG, Side::Right),
            &Options::default(),
        );
        let d = Digest::sha256(CONFIG.as_bytes());
        let k = cmp.kinds.as_ref().unwrap();
        assert_eq!((k.left, k.right), (Kind::ImageManifest, Kind::ImageConfig));
        assert_eq!(k.relation, Some("left-names-right"));
        assert_eq!(k.digest.as_ref(), Some(&d));
        assert_eq!(cmp.verdict, Verdict::Different);
        assert!(
            cmp.headline().starts_with(&format!(
                "Different kinds: an image manifest and an image config; the manifest names this config ({d}): the config is part of the image, not another version of it ("
            )),
            "{}",
            cmp.headline()
        );
        assert!(
            cmp.notes.iter().any(|n| n
                .contains("compare this config with the other build's config (`crane config IMG`")),
            "{:?}",
            cmp.notes
        );
        // Either way round.
        let cmp = compare(
            &analysed(CONFIG, Side::Left),
            &analysed(&m, Side::Right),
            &Options::default(),
        );
        assert_eq!(cmp.kinds.unwrap().relation, Some("right-names-left"));
    }

    #[test]
    fn an_index_against_a_manifest_it_names_and_kinds_that_do_not_relate() {
        let m = manifest_of(CONFIG);
        let index = format!(
            r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{}","size":{},"platform":{{"architecture":"arm64","os":"linux","variant":"v8"}}}}]}}"#,
            Digest::sha256(m.as_bytes()),
            m.len()
        );
        let cmp = compare(
            &analysed(&index, Side::Left),
            &analysed(&m, Side::Right),
            &Options::default(),
        );
        let k = cmp.kinds.as_ref().unwrap();
        assert_eq!(k.relation, Some("left-names-right"));
        assert!(
            k.message
                .contains("the manifest is one entry of the index (linux/arm64/v8)"),
            "{}",
            k.message
        );
        assert!(
            cmp.headline().contains("the index names this manifest"),
            "{}",
            cmp.headline()
        );
        // Another config: the kinds still differ, nothing names the other.
        let other = CONFIG.replace("A=1", "A=2");
        let cmp = compare(
            &analysed(&m, Side::Left),
            &analysed(&other, Side::Right),
            &Options::default(),
        );
        let k = cmp.kinds.as_ref().unwrap();
        assert_eq!((k.relation, &k.digest), (None, &None));
        assert!(
            cmp.headline()
                .starts_with("Different kinds: an image manifest and an image config; "),
            "{}",
            cmp.headline()
        );
        assert!(
            k.message.contains("Neither names the other"),
            "{}",
            k.message
        );
        // Same kinds, or a bare value against its decoded records: no note.
        let cmp = compare(
            &analysed(CONFIG, Side::Left),
            &analysed(&other, Side::Right),
            &Options::default(),
        );
        assert!(cmp.kinds.is_none());
        let cmp = compare(
            &analysed("W3siZGlnZXN0IjoieCJ9XQ==", Side::Left),
            &analysed(r#"[{"digest":"x"}]"#, Side::Right),
            &Options::default(),
        );
        assert!(cmp.kinds.is_none(), "{:?}", cmp.kinds);
        assert_eq!(cmp.verdict, Verdict::Equivalent);
    }

    #[test]
    fn ignored_things_are_named_with_the_right_verb() {
        let l = analysed(r#"{"a":1,"created":"2020-01-01T00:00:00Z"}"#, Side::Left);
        let r = analysed(r#"{"a":1,"created":"2021-01-01T00:00:00Z"}"#, Side::Right);
        let times = Options {
            ignore_timestamps: true,
            ..Options::default()
        };
        assert!(
            compare(&l, &r, &times)
                .headline()
                .ends_with("once timestamps are ignored.")
        );
        let cache = Options {
            ignore_cache: true,
            ignore: vec![Pointer::parse("/created").unwrap()],
            ..Options::default()
        };
        assert!(
            compare(&l, &r, &cache)
                .headline()
                .ends_with("once the cache and the ignored paths are ignored."),
            "{}",
            compare(&l, &r, &cache).headline()
        );
        let c1 = analysed(
            &format!(
                r#"{{"moby.buildkit.cache.v0":"W3siZGlnZXN0IjoieCJ9XQ==",{}"#,
                &CONFIG[1..]
            ),
            Side::Left,
        );
        let c2 = analysed(
            &format!(
                r#"{{"moby.buildkit.cache.v0":"W3siZGlnZXN0IjoieSJ9XQ==",{}"#,
                &CONFIG[1..]
            ),
            Side::Right,
        );
        let only_cache = Options {
            ignore_cache: true,
            ..Options::default()
        };
        let h = compare(&c1, &c2, &only_cache).headline();
        assert!(h.ends_with("once the cache is ignored."), "{h}");
    }

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
