//! Sharing a diff: the share link, the bundle file and the Markdown bug report built from the two
//! panes and the options, and what a reader learns when a link is opened. Plain Rust (the page's
//! address comes in as a string), tested natively with the reducer.

use crate::state::{Compared, Layout, Pane, ViewOptions};
use cachelens_core::redact::{self, Sensitive};
use cachelens_core::report::Report;
use cachelens_core::share::{self, LinkSize, ShareArchive, SharePayload, ShareSide};
use cachelens_core::{Analysis, Options, Pointer, Side, json};
use std::rc::Rc;

/// Inputs (both sides together) up to this size get their share link with the answer; larger
/// ones when the user asks ([`crate::state::Action::MakeShareLink`]): compressing them takes a while.
pub const SHARE_SYNC_BYTES: usize = 512 * 1024;
/// The name of a downloaded bundle file.
pub const BUNDLE_NAME: &str = "cachelens-share.bundle";

/// What the user chose in the share panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShareSettings {
    /// Replace the values of `Env` variables and labels by `<redacted>` (on by default).
    pub redact: bool,
    /// Share only each side's decoded cache (offered when the link is long).
    pub cache_only: bool,
}

impl Default for ShareSettings {
    fn default() -> Self {
        ShareSettings {
            redact: true,
            cache_only: false,
        }
    }
}

/// Everything the share panel shows, computed from the panes, the options and the settings.
#[derive(Debug)]
pub struct ShareOut {
    /// What the link carries.
    pub payload: SharePayload,
    /// The full link.
    pub link: Rc<str>,
    /// How its length compares with what chat tools and browsers accept.
    pub size: LinkSize,
    /// The same payload as a bundle file.
    pub bundle: Rc<[u8]>,
    /// The Markdown bug report, ending with the link.
    pub markdown: Rc<str>,
    /// Values that may be secrets, per side (left, right), found in the panes' inputs.
    pub sensitive: [Vec<Sensitive>; 2],
    /// Whether both sides have a cache to share alone.
    pub cache_only_available: bool,
}

/// Where an opened payload came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A share link (the page's address).
    Link,
    /// A bundle file, by name.
    Bundle(String),
}

/// What the reporter's payload says about one side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedSide {
    /// The reporter's digest of their original input.
    pub original_digest: Option<String>,
    /// Pointers whose values the reporter redacted.
    pub redacted: Vec<String>,
}

/// A diff opened from a link or bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    /// Link or bundle.
    pub source: Source,
    /// Left and right.
    pub sides: [OpenedSide; 2],
}

/// The `view` text a link carries.
pub fn view_text(view: ViewOptions) -> String {
    let mut s = String::from(if view.raw { "raw" } else { "canonical" });
    if view.layout == Layout::Unified {
        s.push_str(" unified");
    }
    s
}

/// The view a link's `view` text names (unknown words are ignored).
pub fn view_from_text(text: Option<&str>, fallback: ViewOptions) -> ViewOptions {
    let Some(text) = text else { return fallback };
    let words: Vec<&str> = text.split([' ', ',', ';', '+']).collect();
    ViewOptions {
        raw: words.contains(&"raw"),
        layout: if words.contains(&"unified") {
            Layout::Unified
        } else if words.contains(&"side-by-side") || words.contains(&"canonical") {
            Layout::SideBySide
        } else {
            fallback.layout
        },
    }
}

/// Values that may be secrets in an input (none when it is not JSON).
pub fn sensitive(bytes: &[u8]) -> Vec<Sensitive> {
    std::str::from_utf8(bytes)
        .ok()
        .and_then(|t| json::parse(t).ok())
        .map(|v| redact::find_sensitive(&v))
        .unwrap_or_default()
}

/// One side of the link: the pane's exact bytes; for an image archive, the comparable document
/// the comparison was made of (manifest, config and cache; never a layer), marked as such.
fn share_side(
    pane: &Pane,
    doc: Option<&Analysis>,
    side: Side,
    settings: ShareSettings,
) -> ShareSide {
    let name = pane
        .name
        .as_deref()
        .map_or_else(|| side.as_str().to_owned(), str::to_owned);
    if let (Some(_), Some(a)) = (pane.archive_size, doc) {
        let document = serde_json::to_vec(&a.canonical).unwrap_or_default();
        let bytes = if settings.cache_only {
            redact::cache_only(&document).unwrap_or(document)
        } else {
            document
        };
        return ShareSide {
            bytes,
            name: Some(name.clone()),
            original_digest: Some(a.digest.to_string()),
            redacted: Vec::new(),
            archive: Some(ShareArchive {
                name,
                kind: a.kind.as_str().to_owned(),
                digest: a.digest.to_string(),
                size: a.size as u64,
            }),
        };
    }
    let original = pane.bytes();
    let bytes = if settings.cache_only {
        redact::cache_only(original).unwrap_or_else(|| original.to_vec())
    } else {
        original.to_vec()
    };
    ShareSide {
        bytes,
        name: Some(name),
        original_digest: Some(
            pane.from_archive
                .as_ref()
                .map_or_else(|| share::sha256_digest(original), |a| a.digest.clone()),
        ),
        redacted: Vec::new(),
        archive: pane.from_archive.as_deref().cloned(),
    }
}

/// Redacts both sides together ([`redact::redact_pair`]), so values that differ still differ.
fn redact_sides(left: &mut ShareSide, right: &mut ShareSide) {
    if let Ok((l, r)) = redact::redact_pair(&left.bytes, &right.bytes) {
        (left.bytes, left.redacted) = (l.bytes, l.redacted);
        (right.bytes, right.redacted) = (r.bytes, r.redacted);
    }
}

/// Builds the share link, bundle and Markdown of a comparison (of two documents or two image
/// archives), or `None` when there is none. `labels` name the sides in the Markdown report
/// ([`crate::state::State::label_texts`]).
#[allow(clippy::too_many_arguments)]
pub fn make(
    base: &str,
    left: &Pane,
    right: &Pane,
    compared: &Compared,
    options: &Options,
    view: ViewOptions,
    settings: ShareSettings,
    labels: &[String; 2],
) -> Option<ShareOut> {
    let comparison = &compared.comparison;
    let (la, ra) = match compared.images.as_deref() {
        Some((l, r)) => (l, r),
        None => (left.ok()?, right.ok()?),
    };
    // What each side holds before redaction (for an archive: its comparable document).
    let original = |p: &Pane, a: &Analysis| -> std::borrow::Cow<'_, [u8]> {
        if p.archive_size.is_some() {
            serde_json::to_vec(&a.canonical).unwrap_or_default().into()
        } else {
            p.bytes().to_vec().into()
        }
    };
    let originals = [original(left, la), original(right, ra)];
    let (mut left_side, mut right_side) = (
        share_side(left, Some(la), Side::Left, settings),
        share_side(right, Some(ra), Side::Right, settings),
    );
    if settings.redact {
        redact_sides(&mut left_side, &mut right_side);
    }
    let payload = SharePayload {
        left: left_side,
        right: right_side,
        options: share::ShareOptions {
            ignore_timestamps: options.ignore_timestamps,
            ignore_cache: options.ignore_cache,
            ignore_pointers: options.ignore.iter().map(ToString::to_string).collect(),
            view: Some(view_text(view)),
        },
    };
    let link = share::make_link(base, &payload);
    // The report is of the reporter's own comparison, with the digests of their inputs; when
    // values are redacted in the link, they are in the report too.
    let mut report = Report::new(la, ra, comparison, options, (&labels[0], &labels[1]));
    if settings.redact {
        let found: Vec<&str> = payload
            .left
            .redacted
            .iter()
            .chain(&payload.right.redacted)
            .map(String::as_str)
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
    Some(ShareOut {
        size: share::link_size_class(link.len()),
        bundle: Rc::from(share::encode_bundle(&payload)),
        link: Rc::from(link),
        markdown: Rc::from(markdown),
        sensitive: [sensitive(&originals[0]), sensitive(&originals[1])],
        cache_only_available: redact::cache_only(&originals[0]).is_some()
            && redact::cache_only(&originals[1]).is_some(),
        payload,
    })
}

/// Whether a change at `path` may show a redacted value: it is under an `Env` or `Labels` key, or
/// at or above a redacted place.
fn touches_sensitive(path: &Pointer, redacted: &[&str]) -> bool {
    let sensitive_key = path
        .tokens()
        .iter()
        .any(|t| t.eq_ignore_ascii_case("env") || t.eq_ignore_ascii_case("labels"));
    let text = path.to_string();
    sensitive_key
        || redacted
            .iter()
            .any(|r| *r == text || r.starts_with(&format!("{text}/")) || text.is_empty())
}

/// `1,234 bytes (1.2 KB)`: a link's length.
pub fn link_length_text(n: usize) -> String {
    let bytes = crate::components::plural(n, "byte", "bytes");
    if n < 1024 {
        bytes
    } else if n < 1024 * 1024 {
        format!("{bytes} ({:.1} KB)", n as f64 / 1024.0)
    } else {
        format!("{bytes} ({:.1} MB)", n as f64 / (1024.0 * 1024.0))
    }
}
