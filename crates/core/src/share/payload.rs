//! What is shared of a comparison, built once for the CLI (`cachelens link`) and the page: each
//! side's bytes (the input as given, or the comparable document of an image archive), redaction,
//! the options, the link, the bundle and the Markdown bug report. One failure policy: what cannot
//! be shared as asked is an error the caller shows, never something quietly left out.

use super::{
    LinkSize, ShareArchive, ShareOptions, SharePayload, ShareSide, encode_bundle, link_size_class,
    make_link, sha256_digest,
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
            Source::Image => Cow::Owned(json::to_compact(&self.analysis.canonical).into_bytes()),
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
        Ok(Share {
            size: link_size_class(link.len()),
            bundle: encode_bundle(&payload),
            markdown,
            sensitive: [sensitive(&originals[0]), sensitive(&originals[1])],
            cache_only_available: originals.iter().all(|o| redact::cache_only(o).is_some()),
            link,
            payload,
        })
    }
}

/// The bug report of the sharer's own comparison, with the digests of their inputs, ending with
/// the link. When values are redacted in the link, they are in the report too.
fn markdown(mut report: Report, payload: &SharePayload, settings: Settings, link: &str) -> String {
    if settings.redact {
        let found: Vec<&Pointer> = payload
            .left
            .redacted
            .iter()
            .chain(&payload.right.redacted)
            .collect();
        for c in &mut report.changes {
            if touches_sensitive(&c.path, &found) {
                for v in [&mut c.value, &mut c.old].into_iter().flatten() {
                    *v = serde_json::Value::String(redact::REDACTED.to_owned());
                }
            }
        }
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
