//! What is shared of a comparison, built once for the CLI (`cachelens link`) and the page: each
//! side's bytes (the input as given, or the comparable document of an image archive), redaction,
//! the options, the link, the bundle and the Markdown bug report. One failure policy: what cannot
//! be shared as asked is an error the caller shows, never something quietly left out.

use super::{
    ChangedSide, LINK_WARN_BYTES, LinkSize, ShareArchive, ShareOptions, SharePayload, ShareSide,
    Shared, SharedChanges, SharedSeries, encode_bundle, encode_shared_bundle, link_size_class,
    make_link, make_shared_link, sha256_digest,
};
use crate::redact::{self, Sensitive};
use crate::report::Report;
use crate::{Analysis, Comparison, Error, ErrorKind, Options, Pointer, Side, json};
use std::borrow::Cow;

/// What the sharer chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// Replace the values of `Env` variables, labels and a build record's paths, build args and
    /// frontend attributes by `<redacted>` (on by default in the page; `--redact` in the CLI).
    pub redact: bool,
    /// Share only each side's decoded cache (for a link too long to paste).
    pub cache_only: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            redact: true,
            cache_only: false,
        }
    }
}

/// Where a side's shared bytes come from.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    /// The exact bytes the user gave. `archive` is set when they are the comparable document of
    /// an image archive that a share link carried (the link names the archive again).
    Bytes {
        /// The input's bytes.
        bytes: &'a [u8],
        /// The archive the document was built from, as the opened link said.
        archive: Option<&'a ShareArchive>,
    },
    /// An image archive or layout folder: its comparable document (manifest, config and cache as
    /// one JSON document, the analysis's canonical document; never a layer) is shared.
    Image,
}

/// One side of a comparison to share.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// The name the link gives the side (a file name, or `left`/`right`).
    pub name: &'a str,
    /// The analysis the comparison was made of.
    pub analysis: &'a Analysis,
    /// Where its bytes come from.
    pub source: Source<'a>,
}

impl Input<'_> {
    /// What the side holds before redaction: the input's bytes, or an archive's document.
    pub fn original(&self) -> Cow<'_, [u8]> {
        match self.source {
            Source::Bytes { bytes, .. } => Cow::Borrowed(bytes),
            Source::Image => Cow::Owned(json::to_compact(self.analysis.canonical()).into_bytes()),
        }
    }

    fn side(&self, side: Side, settings: Settings) -> Result<ShareSide, Error> {
        let original = self.original();
        let bytes = if settings.cache_only {
            redact::cache_only(&original)
                .ok_or_else(|| Error::new(ErrorKind::NoCacheToShare).on(Some(side)))?
        } else {
            original.to_vec()
        };
        let a = self.analysis;
        let (original_digest, archive) = match self.source {
            Source::Image => (
                a.digest.to_string(),
                Some(ShareArchive {
                    name: self.name.to_owned(),
                    kind: a.kind.as_str().to_owned(),
                    digest: a.digest.to_string(),
                    size: a.size as u64,
                }),
            ),
            Source::Bytes { archive, .. } => (
                archive.map_or_else(|| sha256_digest(&original), |x| x.digest.clone()),
                archive.cloned(),
            ),
        };
        Ok(ShareSide {
            bytes,
            name: Some(self.name.to_owned()),
            original_digest: Some(original_digest),
            redacted: Vec::new(),
            archive,
        })
    }
}

/// What to share: both sides, the options and the view, and the sharer's choices.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// The left side.
    pub left: Input<'a>,
    /// The right side.
    pub right: Input<'a>,
    /// The options the comparison was made with.
    pub options: &'a Options,
    /// The view the sharer had open (the page's words, e.g. `canonical unified`); `None` from
    /// the CLI.
    pub view: Option<String>,
    /// Redaction and cache-only.
    pub settings: Settings,
}

/// Everything the share panel shows, and what the CLI prints of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Share {
    /// What the link carries.
    pub payload: SharePayload,
    /// The full link.
    pub link: String,
    /// How its length compares with what chat tools and browsers accept.
    pub size: LinkSize,
    /// The same payload as a bundle file.
    pub bundle: Vec<u8>,
    /// The Markdown bug report, ending with the link.
    pub markdown: String,
    /// Values that may be secrets, per side (left, right), found in what each side holds.
    pub sensitive: [Vec<Sensitive>; 2],
    /// Whether both sides have a cache to share alone.
    pub cache_only_available: bool,
    /// When the link is over [`LINK_WARN_BYTES`] (chat tools may cut it): what fits better.
    pub alternatives: Option<Alternatives>,
}

/// What to share instead of a link too long for a chat window, each with its size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alternatives {
    /// The changes-only link (the change set, both digests, kinds and the diagnosis).
    pub changes_link: String,
    /// The link of only each side's decoded cache; `None` when a side has no cache.
    pub cache_only_link: Option<String>,
    /// The size in bytes of the bundle file ([`Share::bundle`]).
    pub bundle_bytes: usize,
}

impl Request<'_> {
    /// The payload of the link: both sides (redacted together, so values that differ still
    /// differ) and the options. Fails when only the caches are asked for and a side has none.
    pub fn payload(&self) -> Result<SharePayload, Error> {
        let mut left = self.left.side(Side::Left, self.settings)?;
        let mut right = self.right.side(Side::Right, self.settings)?;
        if self.settings.redact {
            let (l, r) = redact::redact_pair(&left.bytes, &right.bytes);
            (left.bytes, left.redacted) = (l.bytes, l.redacted);
            (right.bytes, right.redacted) = (r.bytes, r.redacted);
        }
        Ok(SharePayload {
            left,
            right,
            options: ShareOptions {
                ignore_timestamps: self.options.ignore_timestamps,
                ignore_cache: self.options.ignore_cache,
                ignore_pointers: self.options.ignore.clone(),
                view: self.view.clone(),
            },
        })
    }

    /// The link (on `base`), the bundle and the Markdown report of `comparison` (of the two
    /// sides' analyses), whose sides `labels` name for people.
    pub fn share(
        &self,
        base: &str,
        comparison: &Comparison,
        labels: [&str; 2],
    ) -> Result<Share, Error> {
        let payload = self.payload()?;
        let link = make_link(base, &payload);
        let markdown = markdown(
            Report::new(
                self.left.analysis,
                self.right.analysis,
                comparison,
                self.options,
                (labels[0], labels[1]),
            ),
            &payload,
            self.settings,
            &link,
        );
        let originals = [self.left.original(), self.right.original()];
        let bundle = encode_bundle(&payload);
        let alternatives = (link.len() > LINK_WARN_BYTES).then(|| Alternatives {
            changes_link: make_shared_link(
                base,
                &Shared::Changes(self.changes(comparison, &payload)),
            ),
            cache_only_link: self.cache_only_link(base).ok(),
            bundle_bytes: bundle.len(),
        });
        Ok(Share {
            size: link_size_class(link.len()),
            bundle,
            markdown,
            sensitive: [sensitive(&originals[0]), sensitive(&originals[1])],
            cache_only_available: originals.iter().all(|o| redact::cache_only(o).is_some()),
            alternatives,
            link,
            payload,
        })
    }

    /// The link of only each side's decoded cache (the same request with `cache_only` set).
    pub fn cache_only_link(&self, base: &str) -> Result<String, Error> {
        let request = Request {
            settings: Settings {
                cache_only: true,
                ..self.settings
            },
            ..self.clone()
        };
        Ok(make_link(base, &request.payload()?))
    }

    /// The changes-only link of `comparison` (of the two sides' analyses): it opens read-only.
    pub fn changes_link(&self, base: &str, comparison: &Comparison) -> Result<String, Error> {
        let payload = self.payload()?;
        Ok(make_shared_link(
            base,
            &Shared::Changes(self.changes(comparison, &payload)),
        ))
    }

    /// What a changes-only share holds: the change set (values at redacted places replaced
    /// when redacting, as in the Markdown report), both sides' names, kinds and digests, the
    /// headline and the diagnoses.
    pub fn changes(&self, comparison: &Comparison, payload: &SharePayload) -> SharedChanges {
        let side = |input: &Input<'_>| ChangedSide {
            name: input.name.to_owned(),
            kind: input.analysis.kind.as_str().to_owned(),
            digest: input.analysis.digest.to_string(),
        };
        let mut changes = comparison.changes.clone();
        if self.settings.redact {
            redact_changes(&mut changes, payload);
        }
        SharedChanges {
            verdict: comparison.verdict.as_str().to_owned(),
            headline: crate::headline::headline(comparison),
            left: side(&self.left),
            right: side(&self.right),
            changes,
            diagnoses: comparison.diagnoses.iter().map(Into::into).collect(),
            options: payload.options.clone(),
        }
    }
}

/// A series share: what the link carries, the link, its size class and the bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesShare {
    /// What the link carries.
    pub series: SharedSeries,
    /// The full link.
    pub link: String,
    /// How its length compares with what chat tools and browsers accept.
    pub size: LinkSize,
    /// The same as a bundle file.
    pub bundle: Vec<u8>,
}

/// Shares a series of inputs (`(name, bytes)`, in build order) with the options it was compared
/// with: redacted together when `settings.redact` (equal values get equal markers across the
/// series), or only each input's decoded cache when `settings.cache_only`.
pub fn share_series(
    base: &str,
    inputs: &[(&str, &[u8])],
    options: &Options,
    settings: Settings,
) -> Result<SeriesShare, Error> {
    let mut bytes = Vec::with_capacity(inputs.len());
    for (name, b) in inputs {
        bytes.push(if settings.cache_only {
            redact::cache_only(b).ok_or_else(|| {
                Error::new(ErrorKind::NoCacheToShare).at(Pointer::root().child(*name))
            })?
        } else {
            b.to_vec()
        });
    }
    let redacted = if settings.redact {
        let refs: Vec<&[u8]> = bytes.iter().map(Vec::as_slice).collect();
        let r = redact::redact_all(&refs);
        let places = r.iter().map(|x| x.redacted.clone()).collect();
        bytes = r.into_iter().map(|x| x.bytes).collect();
        places
    } else {
        vec![Vec::new(); inputs.len()]
    };
    let series = SharedSeries {
        original_digests: inputs.iter().map(|(_, b)| Some(sha256_digest(b))).collect(),
        inputs: inputs
            .iter()
            .zip(bytes)
            .map(|((n, _), b)| ((*n).to_owned(), b))
            .collect(),
        redacted,
        options: ShareOptions {
            ignore_timestamps: options.ignore_timestamps,
            ignore_cache: options.ignore_cache,
            ignore_pointers: options.ignore.clone(),
            view: None,
        },
    };
    let shared = Shared::Series(series.clone());
    let link = make_shared_link(base, &shared);
    let bundle = encode_shared_bundle(&shared);
    Ok(SeriesShare {
        size: link_size_class(link.len()),
        series,
        link,
        bundle,
    })
}

/// The bug report of the sharer's own comparison, with the digests of their inputs, ending with
/// the link. When values are redacted in the link, they are in the report too.
fn markdown(mut report: Report, payload: &SharePayload, settings: Settings, link: &str) -> String {
    if settings.redact {
        redact_changes(&mut report.changes, payload);
    }
    let mut markdown = report.to_markdown();
    if !markdown.ends_with('\n') {
        markdown.push('\n');
    }
    let redacted = payload.left.redacted.len() + payload.right.redacted.len();
    if redacted > 0 {
        markdown.push_str(&format!(
            "\nValues of {redacted} environment variables and labels are redacted in this report and in the link (keys kept); the digests above are of the original inputs.\n"
        ));
    }
    if settings.cache_only {
        markdown.push_str("\nThe link carries only the decoded build cache of each side.\n");
    }
    markdown.push_str(&format!("\n[Open this diff in cachelens]({link})\n"));
    markdown
}

/// Values that may be secrets in an input (none when it is not JSON).
fn sensitive(bytes: &[u8]) -> Vec<Sensitive> {
    std::str::from_utf8(bytes)
        .ok()
        .and_then(|t| json::parse(t).ok())
        .map(|v| redact::find_sensitive(&v))
        .unwrap_or_default()
}

/// Replaces the values a change shows (new and old) by `<redacted>` where the change touches a
/// value redacted in either side of the payload: the changes-only share and the Markdown report
/// say no more than the link.
fn redact_changes(changes: &mut [crate::Change], payload: &SharePayload) {
    let found: Vec<&Pointer> = payload
        .left
        .redacted
        .iter()
        .chain(&payload.right.redacted)
        .collect();
    for c in changes {
        if touches_sensitive(&c.path, &found) {
            for v in [&mut c.value, &mut c.old].into_iter().flatten() {
                *v = serde_json::Value::String(redact::REDACTED.to_owned());
            }
        }
    }
}

/// Whether a change at `path` may show a redacted value: it is under an `Env` or `Labels` key, or
/// at or above a redacted place.
fn touches_sensitive(path: &Pointer, redacted: &[&Pointer]) -> bool {
    let sensitive_key = path
        .tokens()
        .iter()
        .any(|t| t.eq_ignore_ascii_case("env") || t.eq_ignore_ascii_case("labels"));
    sensitive_key || redacted.iter().any(|r| r.starts_with(path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{analyze, compare};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const LEFT: &[u8] = br#"{"architecture":"amd64","os":"linux","config":{"Env":["APP_ENV=prod","PATH=/bin"]},"rootfs":{"type":"layers","diff_ids":[]}}"#;
    const RIGHT: &[u8] = br#"{"architecture":"amd64","os":"linux","config":{"Env":["APP_ENV=dev","PATH=/bin"]},"rootfs":{"type":"layers","diff_ids":[]}}"#;

    fn inputs<'a>(l: &'a Analysis, r: &'a Analysis) -> (Input<'a>, Input<'a>) {
        let input = |name, analysis, bytes| Input {
            name,
            analysis,
            source: Source::Bytes {
                bytes,
                archive: None,
            },
        };
        (input("l.json", l, LEFT), input("r.json", r, RIGHT))
    }

    #[test]
    fn redaction_is_of_both_sides_together_and_reaches_the_report() {
        let (la, ra) = (analyze(LEFT, None).unwrap(), analyze(RIGHT, None).unwrap());
        let (left, right) = inputs(&la, &ra);
        let opts = Options {
            ignore: vec![Pointer::parse("/created").unwrap()],
            ..Options::default()
        };
        let request = Request {
            left,
            right,
            options: &opts,
            view: Some("canonical".into()),
            settings: Settings::default(),
        };
        let cmp = compare(&la, &ra, &opts);
        let share = request
            .share("https://x.example/", &cmp, ["l", "r"])
            .unwrap();
        let p = &share.payload;
        assert_eq!(p.left.original_digest, Some(sha256_digest(LEFT)));
        assert_eq!(p.left.redacted.len(), 2);
        let (l, r) = (
            String::from_utf8_lossy(&p.left.bytes),
            String::from_utf8_lossy(&p.right.bytes),
        );
        assert!(l.contains("APP_ENV=\\u003credacted\\u003e"), "{l}");
        assert!(r.contains("APP_ENV=\\u003credacted-2\\u003e"), "{r}");
        assert_eq!(p.options.ignore_pointers, opts.ignore);
        assert!(!share.markdown.contains("prod"), "{}", share.markdown);
        assert!(share.markdown.contains("<redacted>"), "{}", share.markdown);
        assert!(share.markdown.ends_with(&format!("({})\n", share.link)));
        assert_eq!(super::super::payload_from_link(&share.link).as_ref(), Ok(p));
        assert_eq!(share.sensitive[0].len(), 2);
        assert!(!share.cache_only_available);
        // Without redaction the link carries the exact bytes.
        let plain = Request {
            settings: Settings {
                redact: false,
                cache_only: false,
            },
            ..request
        };
        assert_eq!(plain.payload().unwrap().left.bytes, LEFT);
    }

    #[test]
    fn asking_for_caches_that_are_not_there_is_an_error() {
        let (la, ra) = (analyze(LEFT, None).unwrap(), analyze(RIGHT, None).unwrap());
        let (left, right) = inputs(&la, &ra);
        let request = Request {
            left,
            right,
            options: &Options::default(),
            view: None,
            settings: Settings {
                redact: true,
                cache_only: true,
            },
        };
        let e = request.payload().unwrap_err();
        assert_eq!(e.kind, ErrorKind::NoCacheToShare);
        assert_eq!(e.side, Some(Side::Left));
        assert!(
            e.to_string().starts_with("left: there is no build cache"),
            "{e}"
        );
    }

    #[test]
    fn a_change_above_or_at_a_redacted_place_is_sensitive() {
        let p = |t: &str| Pointer::parse(t).unwrap();
        let redacted = p("/config/Labels/a");
        assert!(touches_sensitive(&p("/config/Labels/a"), &[&redacted]));
        assert!(touches_sensitive(&p("/config"), &[&redacted]));
        assert!(!touches_sensitive(&p(""), &[]));
        assert!(touches_sensitive(&p(""), &[&redacted]));
        assert!(touches_sensitive(&p("/x/env"), &[]));
        assert!(!touches_sensitive(&p("/config/User"), &[&redacted]));
    }
}
