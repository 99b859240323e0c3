//! Inputs put in the panes all at once (a share link or bundle, what the tab kept across a
//! reload), and what the tab keeps; the panes' names.

use super::*;

impl State {
    /// Opens what a link or bundle holds: a pair fills the panes; the changes only are shown
    /// read-only; a series opens in the series mode (in builds with the `series` feature; else it
    /// is named).
    pub(super) fn open_shared(&mut self, shared: cachelens_core::share::Shared, source: Source) {
        use cachelens_core::share::Shared as Held;
        match shared {
            Held::Pair(payload) => self.open_share(payload, source),
            Held::Changes(changes) => {
                self.example = None;
                self.share_error = None;
                self.opened = None;
                self.reveal_due = true;
                self.reveal_load_due = true;
                self.changes_view = Some(Shared::new(changes));
            }
            #[cfg(feature = "series")]
            Held::Series(series) => self.open_series(series),
            #[cfg(not(feature = "series"))]
            Held::Series(series) => {
                self.share_error = Some(Rc::from(format!(
                    "This share link holds a series of {} inputs; this page opens pairs (open each pair, or the series in cachelens series).",
                    series.inputs.len()
                )));
            }
        }
    }

    /// Fills both panes and the options from a share payload, analyses and compares.
    pub(super) fn open_share(&mut self, payload: SharePayload, source: Source) {
        let SharePayload {
            left,
            right,
            options,
        } = payload;
        self.example = None;
        self.share_error = None;
        self.changes_view = None;
        self.reveal_due = true;
        self.reveal_load_due = true;
        self.opened = Some(Shared::new(Opened {
            source,
            sides: [&left, &right].map(|s| OpenedSide {
                original_digest: s.original_digest.clone(),
                redacted: s.redacted.clone(),
            }),
        }));
        self.options = Options {
            ignore_timestamps: options.ignore_timestamps,
            ignore_cache: options.ignore_cache,
            ignore: options.ignore_pointers,
        };
        self.view = share::view_from_text(options.view.as_deref(), self.view);
        let here = self.here();
        for (side, s) in [(Side::Left, left), (Side::Right, right)] {
            let name = s.name.unwrap_or_else(|| side.as_str().to_owned());
            let pane = self.pane_mut(side);
            *pane = Pane::loaded(&name, Rc::from(s.bytes));
            if let Some(doc) = pane.doc_mut() {
                doc.from_archive = s.archive.map(Rc::new);
            }
            pane.analyze(side, here);
        }
        self.recompare();
    }

    /// Each pane's name for people, with what tells it apart when both panes have the same name
    /// (`cacheconfig.json` twice): the first 12 hex digits of its digest and its size. Left, right;
    /// `None` for typed text.
    pub fn labels(&self) -> [Option<(Rc<str>, Option<String>)>; 2] {
        let same = self.left.name().is_some() && self.left.name() == self.right.name();
        let images = self.compared.as_ref().and_then(|c| c.images.as_deref());
        [
            (&self.left, images.map(|i| &i.0)),
            (&self.right, images.map(|i| &i.1)),
        ]
        .map(|(p, doc)| {
            let name = p.name()?.clone();
            let detail = same.then(|| {
                let size = cachelens_core::words::size_text(
                    p.archive().map_or(p.bytes().len() as u64, |a| a.size),
                );
                match p.ok().or(doc) {
                    Some(a) => format!("{}, {size}", short_digest(&a.digest)),
                    None => size,
                }
            });
            Some((name, detail))
        })
    }

    /// [`State::labels`] as one line each: `cacheconfig.json (sha256:0123456789ab, 5,043 bytes)`.
    pub fn label_texts(&self) -> [String; 2] {
        let [l, r] = self.labels();
        [(l, "left"), (r, "right")].map(|(label, side)| match label {
            Some((name, Some(detail))) => format!("{name} ({detail})"),
            Some((name, None)) => name.to_string(),
            None => side.to_owned(),
        })
    }

    /// What this tab keeps across a reload: both panes' inputs (exact bytes and names; typed text
    /// without a name), the options and the view. Archives opened from disk are not kept (the
    /// page cannot reopen a file by itself); `None` when there is nothing to keep.
    pub fn session_payload(&self) -> Option<SharePayload> {
        let side = |p: &Pane| -> ShareSide {
            let Some(doc) = p.doc().filter(|_| !p.is_empty()) else {
                return ShareSide::default();
            };
            ShareSide {
                bytes: p.bytes().to_vec(),
                name: doc.name.as_deref().map(str::to_owned),
                original_digest: None,
                redacted: Vec::new(),
                archive: doc.from_archive.as_deref().cloned(),
            }
        };
        let (left, right) = (side(&self.left), side(&self.right));
        if left.bytes.is_empty() && right.bytes.is_empty() {
            return None;
        }
        Some(SharePayload {
            left,
            right,
            options: cachelens_core::share::ShareOptions {
                ignore_timestamps: self.options.ignore_timestamps,
                ignore_cache: self.options.ignore_cache,
                ignore_pointers: self.options.ignore.clone(),
                view: Some(share::view_text(self.view)),
            },
        })
    }

    /// Fills the panes with what [`State::session_payload`] kept (no "opened from a link" banner;
    /// typed text stays typed text).
    pub(super) fn restore(&mut self, payload: SharePayload) {
        let SharePayload {
            left,
            right,
            options,
        } = payload;
        self.options.ignore_timestamps = options.ignore_timestamps;
        self.options.ignore_cache = options.ignore_cache;
        self.options.ignore = options.ignore_pointers;
        self.view = share::view_from_text(options.view.as_deref(), self.view);
        let here = self.here();
        for (side, s) in [(Side::Left, left), (Side::Right, right)] {
            if s.bytes.is_empty() {
                continue;
            }
            let pane = self.pane_mut(side);
            *pane = match &s.name {
                Some(name) => Pane::loaded(name, Rc::from(s.bytes)),
                None => Pane::typed(String::from_utf8_lossy(&s.bytes).into_owned(), None),
            };
            if let Some(doc) = pane.doc_mut() {
                doc.from_archive = s.archive.map(Rc::new);
            }
            pane.analyze(side, here);
        }
        self.recompare();
    }
}
