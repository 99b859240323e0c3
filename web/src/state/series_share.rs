//! Sharing a series: the link (the core's v2 format, `share::share_series`) or, when it does not
//! fit a link, the bundle file; and opening a shared series into the series mode, in the order
//! it was shared.

use super::*;
use cachelens_core::share::{LinkSize, SharedSeries, share_series};

/// A series share made for the page: the link, its size, and the same as a bundle file.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesShareOut {
    /// The full link.
    pub link: Rc<str>,
    /// How its length compares with what chat tools and browsers accept.
    pub size: LinkSize,
    /// The bundle file's bytes.
    pub bundle: Rc<[u8]>,
    /// How many inputs it holds.
    pub inputs: usize,
}

/// Ids the page gives the inputs of a series opened from a link: above any number the page's
/// readers hand out (they count from 1), so the two never meet.
const OPENED_IDS: u64 = 1 << 62;

impl State {
    /// Makes the series' share (asked by the user: a series can be large), or says why not.
    pub(super) fn share_series(&mut self) {
        let made = self
            .series
            .share_inputs()
            .map_err(Rc::<str>::from)
            .and_then(|inputs| {
                let refs: Vec<(&str, &[u8])> = inputs
                    .iter()
                    .map(|(n, b)| (n.as_str(), b.as_slice()))
                    .collect();
                share_series(&self.share_base, &refs, &self.options, self.share_settings)
                    .map_err(|e| Rc::from(e.message()))
            })
            .map(|s| {
                Shared::new(SeriesShareOut {
                    inputs: s.series.inputs.len(),
                    link: Rc::from(s.link),
                    size: s.size,
                    bundle: Rc::from(s.bundle),
                })
            });
        self.series_share = Some(made);
    }

    /// Opens a shared series in the series mode: its inputs in the order shared, its options.
    pub(super) fn open_series(&mut self, series: SharedSeries) {
        self.example = None;
        self.share_error = None;
        self.opened = None;
        self.changes_view = None;
        self.options = Options {
            ignore_timestamps: series.options.ignore_timestamps,
            ignore_cache: series.options.ignore_cache,
            ignore: series.options.ignore_pointers.clone(),
        };
        self.series_apply(SeriesAction::Clear);
        self.series_apply(SeriesAction::Show(true));
        for (i, (name, bytes)) in series.inputs.into_iter().enumerate() {
            let id = OPENED_IDS + i as u64;
            // One at a time: each is added after the inputs there are, so the order stays.
            self.series_apply(SeriesAction::Add(vec![(id, name)]));
            self.series_apply(SeriesAction::Read {
                id,
                read: Box::new(FileRead::Whole(bytes)),
            });
        }
        self.series_share = None;
    }
}

#[cfg(all(test, feature = "series"))]
mod tests {
    use super::*;

    fn loop_inputs() -> Vec<(String, Vec<u8>)> {
        (1..=8)
            .map(|n| {
                let rel = format!("tests/fixtures/real-buildkit/inline-rebuilds/{n}/config.json");
                let path = format!("{}/../{rel}", env!("CARGO_MANIFEST_DIR"));
                (format!("{n}/config.json"), std::fs::read(&path).unwrap())
            })
            .collect()
    }

    /// Runs the series' steps as the page's timer does.
    fn run_steps(s: &mut State) {
        for _ in 0..100 {
            match s.series.due_step() {
                Some((run, _)) => s.apply(Action::Series(SeriesAction::Step(run))),
                None => return,
            }
        }
        panic!("the series never finished");
    }

    #[test]
    fn a_series_shared_and_opened_again_keeps_its_order_bytes_and_groups() {
        let mut s = State::default();
        s.apply(Action::SetShareBase(
            "https://example.test/cachelens/".into(),
        ));
        // Shared in an order that is not the names' order: 8 first.
        let mut inputs = loop_inputs();
        inputs.rotate_right(1);
        let shared = SharedSeries {
            inputs: inputs.clone(),
            ..SharedSeries::default()
        };
        s.open_series(shared);
        assert!(s.series.shown);
        run_steps(&mut s);
        let back = s.series.share_inputs().unwrap();
        assert_eq!(back, inputs, "the order and the exact bytes stay");
        assert!(s.series.computed.is_some());

        // Shared from here, without redaction: the link opens the same series.
        s.share_settings.redact = false;
        s.apply(Action::ShareSeries);
        let out = s.series_share.clone().unwrap().unwrap();
        assert_eq!(out.inputs, 8);
        assert!(out.link.starts_with("https://example.test/cachelens/#v2."));
        let opened = cachelens_core::share::decode_shared(&out.link).unwrap();
        let cachelens_core::share::Shared::Series(series) = opened else {
            panic!("not a series: {opened:?}");
        };
        assert_eq!(series.inputs, inputs);
        let from_bundle = cachelens_core::share::open_shared(&out.bundle).unwrap();
        assert!(
            matches!(from_bundle, cachelens_core::share::Shared::Series(ref b) if b.inputs == inputs)
        );

        // The link opened in a fresh page gives the same groups.
        let mut fresh = State::default();
        fresh.apply(Action::OpenFragment(
            out.link.split_once('#').unwrap().1.to_owned(),
        ));
        run_steps(&mut fresh);
        let groups = |s: &State| s.series.computed.as_ref().map(|c| c.series.groups.clone());
        assert!(groups(&fresh).is_some());
        assert_eq!(groups(&fresh), groups(&s));
    }

    #[test]
    fn a_change_to_the_series_drops_its_share_and_a_series_still_read_cannot_be_shared() {
        let mut s = State::default();
        s.open_series(SharedSeries {
            inputs: loop_inputs(),
            ..SharedSeries::default()
        });
        s.apply(Action::ShareSeries);
        assert!(matches!(s.series_share, Some(Ok(_))));
        let first = s.series.items[0].id;
        s.apply(Action::Series(SeriesAction::Remove(first)));
        assert_eq!(s.series_share, None, "a share of what is no longer there");
        s.apply(Action::Series(SeriesAction::Add(vec![(
            7,
            "late.json".into(),
        )])));
        s.apply(Action::ShareSeries);
        let Some(Err(why)) = &s.series_share else {
            panic!("{:?}", s.series_share)
        };
        assert!(why.contains("still being read"), "{why}");
    }
}
