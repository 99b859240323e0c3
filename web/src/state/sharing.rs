//! The page's side of sharing: the panel's outputs kept for cheap cloning, what a reader learns
//! when a link or bundle is opened, and the view words a link carries. What is shared (the
//! payload, redaction, the link, the bundle and the Markdown report) and when it fails is the
//! core's ([`cachelens_core::share::Request`]), the same for the CLI. Plain Rust (the page's
//! address comes in as a string), tested natively with the reducer.

use super::{Compared, Pane, ViewLayout, ViewOptions};
use cachelens_core::Pointer;
use cachelens_core::redact::Sensitive;
use cachelens_core::share::{
    self as core_share, Input, LinkSize, Request, Share, SharePayload, SharedChanges,
};
use cachelens_core::{Analysis, Options};
use std::rc::Rc;

/// What the user chose in the share panel (redaction on by default, cache only off).
pub use cachelens_core::share::Settings as ShareSettings;

/// Inputs (both sides together) up to this size get their share link with the answer; larger
/// ones when the user asks ([`crate::state::Action::MakeShareLink`]): compressing them takes a while.
pub const SHARE_SYNC_BYTES: usize = 512 * 1024;
/// The name of a downloaded bundle file.
pub const BUNDLE_NAME: &str = "cachelens-share.bundle";

/// Everything the share panel shows ([`Share`], with the long texts shared rather than copied
/// on each render).
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
    /// When the link is over [`core_share::LINK_WARN_BYTES`]: the changes-only link, the
    /// cache-only link and the bundle's size, which the panel offers with the size of each.
    pub alternatives: Option<AlternativesOut>,
}

/// What the panel offers instead of a link too long for a chat window.
#[derive(Debug)]
pub struct AlternativesOut {
    /// The changes-only link (opens read-only).
    pub changes_link: Rc<str>,
    /// The link of only each side's decoded cache; `None` when a side has no cache.
    pub cache_only_link: Option<Rc<str>>,
    /// The bundle file's size in bytes.
    pub bundle_bytes: usize,
}

/// A changes-only link opened: the page shows it read-only.
pub type OpenedChanges = SharedChanges;

impl From<Share> for ShareOut {
    fn from(s: Share) -> Self {
        ShareOut {
            payload: s.payload,
            link: Rc::from(s.link),
            size: s.size,
            bundle: Rc::from(s.bundle),
            markdown: Rc::from(s.markdown),
            sensitive: s.sensitive,
            cache_only_available: s.cache_only_available,
            alternatives: s.alternatives.map(|a| AlternativesOut {
                changes_link: Rc::from(a.changes_link),
                cache_only_link: a.cache_only_link.map(Rc::from),
                bundle_bytes: a.bundle_bytes,
            }),
        }
    }
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
    /// Where the reporter redacted values.
    pub redacted: Vec<Pointer>,
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
    if view.layout == ViewLayout::Unified {
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
            ViewLayout::Unified
        } else if words.contains(&"side-by-side") || words.contains(&"canonical") {
            ViewLayout::SideBySide
        } else {
            fallback.layout
        },
    }
}

/// One pane as the core shares it: its exact bytes, or for an image archive the comparable
/// document the comparison was made of (`doc`).
fn input<'a>(pane: &'a Pane, doc: &'a Analysis, fallback: &'a str) -> Input<'a> {
    Input {
        name: pane.name().map_or(fallback, |n| n),
        analysis: doc,
        source: if pane.archive().is_some() {
            core_share::Source::Image
        } else {
            core_share::Source::Bytes {
                bytes: pane.bytes(),
                archive: pane.from_archive(),
            }
        },
    }
}

/// Builds the share link, bundle and Markdown of a comparison (of two documents or two image
/// archives) with the core, or `None` when there is none; `Some(Err)` says why it cannot be
/// shared as asked (shown in the share panel). `labels` name the sides in the Markdown report
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
) -> Option<Result<ShareOut, String>> {
    let (la, ra) = match compared.images.as_deref() {
        Some((l, r)) => (l, r),
        None => (left.ok()?, right.ok()?),
    };
    let request = Request {
        left: input(left, la, "left"),
        right: input(right, ra, "right"),
        options,
        view: Some(view_text(view)),
        settings,
    };
    Some(
        request
            .share(base, &compared.comparison, [&labels[0], &labels[1]])
            .map(ShareOut::from)
            .map_err(|e| e.to_string()),
    )
}

#[cfg(test)]
mod tests {
    use crate::state::{Action, State};
    use cachelens_core::share::{SharePayload, ShareSide, encode_fragment};
    use cachelens_core::{Pointer, Side};

    const CONFIG: &[u8] = br#"{"architecture":"amd64","os":"linux","config":{"Env":["A=1"]},"rootfs":{"type":"layers","diff_ids":[]}}"#;

    fn load(s: &mut State, side: Side, bytes: &[u8]) {
        s.apply(Action::LoadFile {
            side,
            name: format!("{side}.json"),
            bytes: bytes.to_vec(),
        });
        s.apply(Action::Analyze(side));
    }

    #[test]
    fn a_choice_that_cannot_be_met_is_shown_not_dropped() {
        // The scenario's configs carry a cache: sharing it alone is possible.
        let mut s = State::default();
        s.apply(Action::example("chains-vanish"));
        s.apply(Action::SetShareCacheOnly(true));
        assert!(s.share.is_some() && s.share_problem.is_none());
        // A config without a cache replaces the right side: the link cannot carry "only the
        // caches", and it says so instead of carrying the whole config.
        load(&mut s, Side::Right, CONFIG);
        assert!(s.share.is_none());
        let problem = s.share_problem.as_deref().expect("a problem");
        assert!(
            problem.starts_with("right: there is no build cache to share alone"),
            "{problem}"
        );
        s.apply(Action::SetShareCacheOnly(false));
        assert!(s.share.is_some() && s.share_problem.is_none());
    }

    #[test]
    fn a_link_with_a_pointer_that_is_not_one_is_refused_not_half_opened() {
        let side = |name: &str| ShareSide {
            bytes: CONFIG.to_vec(),
            name: Some(name.into()),
            ..ShareSide::default()
        };
        let mut payload = SharePayload {
            left: side("l.json"),
            right: side("r.json"),
            ..SharePayload::default()
        };
        payload.options.ignore_pointers = vec![Pointer::parse("/created").unwrap()];
        let good = encode_fragment(&payload);
        let mut s = State::default();
        s.apply(Action::OpenFragment(format!("#{good}")));
        assert!(s.share_error.is_none());
        assert_eq!(s.options.ignore, payload.options.ignore_pointers);
        // The same link with its pointer written without its leading '/' (by another writer):
        // a stored link, shared with the e2e test.
        let bad = include_str!("../../../tests/fixtures/share/bad-ignore-pointer.txt");
        let mut s = State::default();
        s.apply(Action::OpenFragment(format!("#{}", bad.trim())));
        let e = s.share_error.as_deref().expect("an error");
        assert!(
            e.starts_with("This share link could not be opened: ignore pointer \"created\""),
            "{e}"
        );
        assert!(
            s.compared.is_none(),
            "nothing opened with the pointer left out"
        );
    }

    #[test]
    fn a_changes_only_link_opens_read_only_and_a_series_link_is_named() {
        use cachelens_core::share::{
            ChangedSide, Shared, SharedChanges, SharedSeries, encode_shared,
        };
        let changes = SharedChanges {
            verdict: "different".into(),
            headline: "Different: 1 change.".into(),
            left: ChangedSide {
                name: "l.json".into(),
                kind: "image-config".into(),
                digest: cachelens_core::share::sha256_digest(b"l"),
            },
            right: ChangedSide::default(),
            ..SharedChanges::default()
        };
        let mut s = State::default();
        s.apply(Action::OpenFragment(format!(
            "#{}",
            encode_shared(&Shared::Changes(changes.clone()))
        )));
        assert_eq!(s.changes_view.as_deref(), Some(&changes));
        assert!(s.share_error.is_none() && s.compared.is_none() && s.opened.is_none());
        // An input put in a pane leaves the read-only view.
        load(&mut s, Side::Left, CONFIG);
        assert!(s.changes_view.is_none());
        let series = Shared::Series(SharedSeries {
            inputs: vec![("a".into(), CONFIG.to_vec()), ("b".into(), CONFIG.to_vec())],
            original_digests: vec![None, None],
            redacted: vec![Vec::new(), Vec::new()],
            ..SharedSeries::default()
        });
        let mut s = State::default();
        s.apply(Action::OpenFragment(format!("#{}", encode_shared(&series))));
        if cfg!(feature = "series") {
            // It opens in the series mode, in its order (state/series_share.rs tests the rest).
            assert!(s.series.shown && s.share_error.is_none());
            let names: Vec<&str> = s.series.items.iter().map(|i| &*i.name).collect();
            assert_eq!(names, ["a", "b"]);
        } else {
            let e = s.share_error.as_deref().expect("named");
            assert!(e.contains("a series of 2 inputs"), "{e}");
        }
    }

    #[test]
    fn a_long_link_comes_with_the_changes_only_and_cache_only_links_and_the_bundle_size() {
        let mut s = State::default();
        for (side, bytes) in [
            (
                Side::Left,
                &include_bytes!(
                    "../../../tests/fixtures/real-buildkit/wide-rebuilds/2/config.json"
                )[..],
            ),
            (
                Side::Right,
                &include_bytes!(
                    "../../../tests/fixtures/real-buildkit/wide-rebuilds/3/config.json"
                )[..],
            ),
        ] {
            load(&mut s, side, bytes);
        }
        let share = s.share.as_deref().expect("a link");
        assert!(share.link.len() > cachelens_core::share::LINK_WARN_BYTES);
        let alt = share.alternatives.as_ref().expect("alternatives");
        assert!(alt.changes_link.len() < cachelens_core::share::LINK_WARN_BYTES);
        assert!(
            alt.cache_only_link
                .as_ref()
                .is_some_and(|l| l.contains("#v2."))
        );
        assert_eq!(alt.bundle_bytes, share.bundle.len());
        // A short link has none.
        let mut s = State::default();
        s.apply(Action::example("chains-vanish"));
        assert!(s.share.as_deref().is_some_and(|o| o.alternatives.is_none()));
    }
}
