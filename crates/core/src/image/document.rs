//! Images as documents the ordinary comparison understands: one [`Analysis`] per archive, so
//! `compare`, the verdict, the renderers and the exit codes apply to images unchanged.

use super::{Image, ImageSet};
use crate::canon::CacheInfo;
use crate::detect::{INLINE_CACHE_KEY, Kind};
use crate::json::sorted;
use crate::{Analysis, Digest, Error, ErrorKind, Options, Pointer, Side};
use serde_json::{Map, Value};

/// Keys the image adds beside the config's own fields in a flat document.
const IMAGE_KEYS: [&str; 4] = ["layers", "manifest", "descriptor", "repoTags"];

/// Whether a document (its exact bytes) is part of an archive: the manifest or the config of
/// one of its images. Says which, in words, for a caller that refuses to compare an archive
/// with a JSON document: "the config of image 1 (linux/amd64) in it (sha256:…)".
pub fn part_of(set: &ImageSet, bytes: &[u8]) -> Option<String> {
    let d = Digest::sha256(bytes);
    set.images.iter().enumerate().find_map(|(i, img)| {
        let what = if img.manifest.as_ref().is_some_and(|m| m.digest == d) {
            "manifest"
        } else if img.config.as_ref().is_some_and(|c| c.blob.digest == d) {
            "config"
        } else {
            return None;
        };
        Some(format!(
            "the {what} of image {} ({}) in it ({d})",
            i + 1,
            img.platform
        ))
    })
}

/// One archive as a comparable document (what `cachelens canon img.tar` prints); see
/// [`comparable`] for the shape. An archive with exactly one image gives the flat form.
pub fn document(set: &ImageSet) -> Analysis {
    side(set, None, set.images.len() == 1, &Options::default(), false)
}

/// Two archives as two comparable [`Analysis`] values, for [`crate::compare`] and
/// [`crate::report::Report`].
///
/// **When each side holds one image**, the documents are flat: the config's canonical form
/// (from [`crate::analyze`]: sorted keys, `moby.buildkit.cache.v0` decoded) with the image's
/// parts beside its fields:
///
/// * `layers`: the manifest's layer descriptors (docker save: `{digest, mediaType, size}` with
///   the diff_id as digest);
/// * `manifest`: the rest of the manifest (`schemaVersion`, `mediaType`, `annotations`, the
///   config descriptor's `mediaType`), without `layers` and without the config descriptor's
///   `digest` and `size`: the config itself is compared, so its digest would only repeat every
///   config change (and defeat `--ignore-timestamps`/`--ignore-cache`);
/// * `descriptor`: the index descriptors' merged `annotations` and `platform`;
/// * `repoTags`: docker save's tags.
///
/// **The export's own metadata is set aside**: the annotations of the archive's `index.json`
/// entry for an image (`org.opencontainers.image.created`, `org.opencontainers.image.ref.name`,
/// `io.containerd.image.name`, any other) and docker save's `repoTags` describe the export
/// (when, under which tag), not the image: two exports of one image differ there. They are
/// left out of these documents and kept in [`Analysis::export_metadata`], at the paths they
/// would have had (`/descriptor/annotations/…`, `/repoTags`); [`crate::compare()`] lists their
/// differences in `setAside` and the notes, never as changes. (Annotations of descriptors in an
/// image index blob inside the archive are part of the image's content and stay compared;
/// [`document`], what `cachelens canon` prints, keeps everything.)
///
/// So every path means what it means in a config diff (`/config/Env/1`,
/// `/moby.buildkit.cache.v0/…`, `/history/3`), areas, `--ignore-cache`, the cache summary and
/// "only the inline cache differs" work as for configs, and manifest layer changes fall in the
/// `layers` area.
///
/// **Otherwise** images are paired by platform: `{"manifests": {"linux/amd64": <flat>, ...}}`
/// (a repeated platform gets `#2`, `#3` in archive order); `--ignore-cache` drops each image's
/// cache here. Attestation manifests are left out (they change with every build).
///
/// Each side's `digest` and `size` are those of the image manifest (flat), of the index that
/// names the whole archive's content (paired), or of the config for a docker save without a
/// manifest; `kind` says which (`image-manifest`, `image-index`, `image-config`). So two
/// archives of the same image are `identical` whatever their tar bytes. Archive problems and
/// warnings become the side's warnings.
pub fn comparable(left: &ImageSet, right: &ImageSet, opts: &Options) -> (Analysis, Analysis) {
    let flat = left.images.len() == 1 && right.images.len() == 1;
    let mut l = side(left, Some(Side::Left), flat, opts, true);
    let mut r = side(right, Some(Side::Right), flat, opts, true);
    // "The digests differ only because of the inline cache" holds for manifest digests only
    // when the manifests agree apart from the config descriptor.
    let same_image_parts = ["layers", "manifest"]
        .iter()
        .all(|k| l.outline().get(k) == r.outline().get(k));
    if flat && same_image_parts {
        let wc = |s: &ImageSet| {
            s.images[0]
                .config
                .as_ref()
                .and_then(|c| c.without_cache_digest.clone())
        };
        l.without_cache_digest = wc(left);
        r.without_cache_digest = wc(right);
    }
    (l, r)
}

/// One archive as [`comparable`] lays it out beside another: `flat` when both hold one image,
/// paired by platform otherwise (the other archive changes nothing else). For a series of
/// archives ([`crate::series`]), which fingerprints each form and compares consecutive ones.
pub fn compared(set: &ImageSet, side: Option<Side>, flat: bool, opts: &Options) -> Analysis {
    self::side(set, side, flat && set.images.len() == 1, opts, true)
}

fn side(set: &ImageSet, side: Option<Side>, flat: bool, opts: &Options, split: bool) -> Analysis {
    let mut warnings: Vec<Error> = set
        .problems
        .iter()
        .chain(&set.warnings)
        .cloned()
        .map(|e| e.on(side))
        .collect();
    let mut export = Map::new();
    let (doc, caches, kind, digest, size) = if set.images.is_empty() && !set.builds.is_empty() {
        build_doc(set)
    } else if flat {
        let img = &set.images[0];
        let (doc, caches, meta) = image_doc(img, &Pointer::root(), &mut warnings, split);
        export = meta;
        let (kind, digest, size) = match (&img.manifest, &img.config) {
            (Some(m), _) => (Kind::ImageManifest, m.digest.clone(), m.size),
            (None, Some(c)) => (Kind::ImageConfig, c.blob.digest.clone(), c.blob.size),
            (None, None) => (Kind::ImageManifest, Digest::sha256(b""), 0),
        };
        (doc, caches, kind, digest, size)
    } else {
        let mut images = Map::new();
        let mut caches = Vec::new();
        for img in &set.images {
            let mut key = img.platform.clone();
            let mut n = 1;
            while images.contains_key(&key) {
                n += 1;
                key = format!("{}#{n}", img.platform);
            }
            let at = Pointer::root().child("manifests").child(key.clone());
            let (mut doc, mut c, meta) = image_doc(img, &at, &mut warnings, split);
            if !meta.is_empty() {
                let all = export
                    .entry("manifests")
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(all) = all {
                    all.insert(key.clone(), Value::Object(meta));
                }
            }
            if opts.ignore_cache {
                if let Value::Object(m) = &mut doc {
                    m.shift_remove(INLINE_CACHE_KEY);
                }
                c.clear();
            }
            caches.extend(c);
            images.insert(key, doc);
        }
        let mut top = Map::new();
        top.insert("manifests".into(), sorted(Value::Object(images)));
        let (digest, size) = match (&set.index, set.indexes.first(), &set.docker_manifest) {
            (Some(i), Some(inner), _) if i.manifests == 1 => (inner.digest.clone(), inner.size),
            (Some(i), _, _) => (i.digest.clone(), i.size),
            (None, _, Some(m)) => (m.digest.clone(), m.size),
            (None, _, None) => (Digest::sha256(b""), 0),
        };
        (Value::Object(top), caches, Kind::ImageIndex, digest, size)
    };
    Analysis {
        side,
        kind,
        size: usize::try_from(size).unwrap_or(usize::MAX),
        digest,
        compact_digest: None,
        without_cache_digest: None,
        is_json: true,
        export_metadata: split.then(|| sorted(Value::Object(export))),
        original: crate::canon::render(&doc, &caches).into(),
        canonical: crate::Document::new(doc),
        caches,
        warnings: warnings.into_iter().map(|w| w.on(side)).collect(),
        image_keys: (flat && set.builds.is_empty()).then(|| crate::ImageKeys {
            last_layer: set.images[0]
                .last_layer
                .as_ref()
                .and_then(|l| l.digest.clone()),
            chain_id: set.images[0].chain_id.clone(),
        }),
        image_facts: None,
    }
}

/// Build records (a `.dockerbuild` file): one record flat, several under `builds` by position.
fn build_doc(set: &ImageSet) -> (Value, Vec<CacheInfo>, Kind, Digest, u64) {
    let (digest, size) = match (set.builds.as_slice(), &set.index) {
        ([one], _) => one
            .record
            .as_ref()
            .map(|r| (r.digest.clone(), r.size))
            .unwrap_or_else(|| (Digest::sha256(b""), 0)),
        (_, Some(i)) => (i.digest.clone(), i.size),
        _ => (Digest::sha256(b""), 0),
    };
    let doc = match set.builds.as_slice() {
        [one] => crate::buildx::document(one),
        many => {
            let mut m = Map::new();
            for (i, b) in many.iter().enumerate() {
                m.insert((i + 1).to_string(), crate::buildx::document(b));
            }
            let mut top = Map::new();
            top.insert("builds".into(), Value::Object(m));
            Value::Object(top)
        }
    };
    (doc, Vec::new(), Kind::BuildRecord, digest, size)
}

/// One image as a flat document, with its caches' pointers placed under `at`; with `split`,
/// the export's metadata (the `index.json` entry's annotations, docker save's tags) is left
/// out of the document and returned beside it, at the paths it would have had.
fn image_doc(
    img: &Image,
    at: &Pointer,
    warnings: &mut Vec<Error>,
    split: bool,
) -> (Value, Vec<CacheInfo>, Map<String, Value>) {
    let (mut doc, caches) = match &img.config_analysis {
        Some(a) => {
            warnings.extend(a.warnings.iter().map(|w| {
                let mut w = w.clone();
                w.pointer = Some(
                    w.pointer
                        .as_ref()
                        .map_or_else(|| at.clone(), |p| at.join(p)),
                );
                w
            }));
            let doc = match a.outline() {
                Value::Object(m) => m.clone(),
                _ => Map::new(),
            };
            (doc, a.caches.clone())
        }
        None => (Map::new(), Vec::new()),
    };
    let caches = caches
        .into_iter()
        .map(|mut c| {
            c.pointer = c
                .pointer
                .tokens()
                .iter()
                .fold(at.clone(), |p, t| p.child(t.clone()));
            c
        })
        .collect();
    let mut extra: Vec<(&str, Value)> = Vec::new();
    match &img.manifest_doc {
        Some(m) => {
            extra.push(("layers", m.get("layers").cloned().unwrap_or(Value::Null)));
            let mut rest = m.clone();
            if let Value::Object(r) = &mut rest {
                r.shift_remove("layers");
                if let Some(Value::Object(c)) = r.get_mut("config") {
                    c.shift_remove("digest");
                    c.shift_remove("size");
                }
            }
            extra.push(("manifest", rest));
        }
        None => {
            let layers = img
                .layers
                .iter()
                .map(|l| {
                    let mut o = Map::new();
                    if let Some(d) = &l.digest {
                        o.insert("digest".into(), d.as_str().into());
                    }
                    if let Some(t) = &l.media_type {
                        o.insert("mediaType".into(), t.as_str().into());
                    }
                    if let Some(s) = l.size {
                        o.insert("size".into(), s.into());
                    }
                    Value::Object(o)
                })
                .collect();
            extra.push(("layers", Value::Array(layers)));
        }
    }
    let mut export = Map::new();
    let strings = |m: &mut dyn Iterator<Item = (&String, &String)>| -> Value {
        Value::Object(
            m.map(|(k, v)| (k.clone(), Value::from(v.as_str())))
                .collect(),
        )
    };
    let mut descriptor = Map::new();
    // An annotation is the export's when the index.json entry gave it this value (an inner
    // descriptor that sets another value overrides it in the image's content).
    let is_export =
        |k: &String, v: &String| split && img.export_annotations.get(k).is_some_and(|e| e == v);
    let content = &mut img
        .index_annotations
        .iter()
        .filter(|(k, v)| !is_export(k, v));
    let content = strings(content);
    if content.as_object().is_some_and(|m| !m.is_empty()) {
        descriptor.insert("annotations".into(), content);
    }
    if split && !img.export_annotations.is_empty() {
        let mut d = Map::new();
        d.insert(
            "annotations".into(),
            strings(&mut img.export_annotations.iter()),
        );
        export.insert("descriptor".into(), Value::Object(d));
    }
    if let Some(p) = &img.platform_doc {
        descriptor.insert("platform".into(), p.clone());
    }
    if !descriptor.is_empty() {
        extra.push(("descriptor", Value::Object(descriptor)));
    }
    if split && !img.repo_tags.is_empty() {
        export.insert(
            "repoTags".into(),
            img.repo_tags
                .iter()
                .map(|t| Value::from(t.as_str()))
                .collect(),
        );
    } else if !img.repo_tags.is_empty() {
        extra.push((
            "repoTags",
            img.repo_tags
                .iter()
                .map(|t| Value::from(t.as_str()))
                .collect(),
        ));
    }
    debug_assert!(extra.iter().all(|(k, _)| IMAGE_KEYS.contains(k)));
    for (k, v) in extra {
        let key = if doc.contains_key(k) {
            let renamed = format!("image.{k}");
            warnings.push(
                Error::new(ErrorKind::Notice(format!(
                    "the config has a top-level {k:?} field of its own; the image's {k} are compared under {renamed:?}"
                )))
                .at(at),
            );
            renamed
        } else {
            k.to_owned()
        };
        doc.insert(key, v);
    }
    (sorted(Value::Object(doc)), caches, export)
}
