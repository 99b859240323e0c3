//! What the state recomputes, here or in the worker ([`crate::worker`]): analyses, the
//! comparison, the document view and the share link; and the worker's answers, applied only
//! when they answer the last request.

use super::*;

impl State {
    /// Recomputes the share link: at once for small inputs (or when `asked`), otherwise marks it
    /// due.
    pub(super) fn reshare(&mut self, asked: bool) {
        let size = self.left.bytes().len() + self.right.bytes().len();
        self.share = None;
        self.share_problem = None;
        self.share_due = false;
        let Some(c) = &self.compared else { return };
        if asked || size <= share::SHARE_SYNC_BYTES {
            let labels = self.label_texts();
            match share::make(
                &self.share_base,
                &self.left,
                &self.right,
                c,
                &self.options,
                self.view,
                self.share_settings,
                &labels,
            ) {
                Some(Ok(out)) => self.share = Some(Shared::new(out)),
                Some(Err(problem)) => self.share_problem = Some(Rc::from(problem)),
                None => {}
            }
        } else {
            self.share_due = true;
        }
    }

    /// Whether analyses and comparisons are computed here (no worker, or an image archive in a
    /// pane: archives are read and compared here).
    pub(super) fn here(&self) -> bool {
        !self.offload || self.left.archive().is_some() || self.right.archive().is_some()
    }

    /// Asks the worker for both analyses, their comparison and its document view
    /// ([`State::request`]); `fresh`: the change list starts afresh when the answer comes.
    pub(super) fn ask(&mut self, fresh: bool) {
        self.seq += 1;
        let mut sides = [None, None];
        for (i, side) in [Side::Left, Side::Right].into_iter().enumerate() {
            let mut generation = self.last_generation;
            let pane = self.pane_mut(side);
            if pane.is_empty() {
                continue;
            }
            let Some(doc) = pane.doc_mut() else { continue };
            if doc.generation == 0 {
                generation += 1;
                doc.generation = generation;
            }
            if let Analysed::Due(shown) = &doc.analysis {
                doc.analysis = Analysed::Asked(shown.clone());
            }
            sides[i] = Some(SideJob {
                generation: doc.generation,
                from_archive: doc.from_archive.as_deref().cloned(),
            });
            self.last_generation = generation;
        }
        self.request = Some(Shared::new(Request {
            seq: self.seq,
            sides,
            options: self.options.clone(),
            view: self.view,
        }));
        self.computing = true;
        self.fresh_compare |= fresh;
        if self.compared.is_some() {
            self.doc_due = true;
        }
    }

    /// Applies the worker's answer, if it answers the last request.
    pub(super) fn answer(&mut self, answer: Response) {
        match answer {
            Response::Compared {
                seq,
                analyses,
                compared,
            } if seq == self.seq => {
                for (side, analysis) in [Side::Left, Side::Right].into_iter().zip(*analyses) {
                    if let Some((generation, a)) = analysis
                        && let Some(doc) = self.pane_mut(side).doc_mut()
                        && doc.generation == generation
                        && matches!(
                            doc.analysis,
                            Analysed::Due(_) | Analysed::Asked(_) | Analysed::Done(None)
                        )
                    {
                        doc.analysis = Analysed::Light(Shared::new(wire::analysis_of(a)));
                    }
                }
                self.computing = false;
                self.computed_in = "worker";
                let compared = compared.map(|c| Shared::new(c.into_compared()));
                let fresh = std::mem::take(&mut self.fresh_compare);
                self.compared_now(compared, fresh);
                if self.compared.is_some() {
                    self.doc_due = true;
                } else {
                    self.doc = None;
                    self.doc_due = false;
                }
                self.reshare(false);
            }
            Response::Laid { seq, doc } if seq == self.seq => {
                self.doc = doc.map(|d| Shared::new(d.into_doc()));
                self.doc_due = false;
                self.ui.expanded_folds.clear();
                self.ui.fold_focus = None;
                self.ui.row_limit = ROW_PAGE;
            }
            Response::Failed { .. } => {
                // Compute here from now on: whatever was asked is analysed here.
                self.offload = false;
                for side in [Side::Left, Side::Right] {
                    let pane = self.pane_mut(side);
                    if let Some(doc) = pane.doc_mut()
                        && matches!(doc.analysis, Analysed::Asked(_))
                    {
                        doc.analysis.make_due();
                        pane.analyze(side, true);
                    }
                }
                self.computing = false;
                self.recompare();
            }
            // An answer to an earlier request: its inputs, options or view have changed since.
            Response::Compared { .. } | Response::Laid { .. } => {}
        }
    }

    /// A new comparison (or none): the verdict is brought into view when due; `fresh`: the
    /// change list starts afresh.
    pub(super) fn compared_now(&mut self, compared: Option<Shared<Compared>>, fresh: bool) {
        let before = self.compared.is_some();
        self.compared = compared;
        if self.compared.is_some() && (self.reveal_due || !before) {
            self.reveal += 1;
            self.reveal_load = self.reveal_load_due;
            self.reveal_due = false;
            self.reveal_load_due = false;
        }
        if fresh {
            self.ui.change_limit = CHANGE_PAGE;
            self.ui.expanded_values.clear();
        }
    }

    /// Recomputes the comparison (and so the view) from the two analyses and the options.
    pub(super) fn recompare(&mut self) {
        if !self.here() {
            return self.ask(true);
        }
        // Whatever the worker still computes is moot.
        self.seq += 1;
        // Analyses asked of the worker before an archive came, or made there (without the
        // documents): computed here instead.
        for side in [Side::Left, Side::Right] {
            let pane = self.pane_mut(side);
            if let Some(doc) = pane.doc_mut()
                && matches!(doc.analysis, Analysed::Asked(_) | Analysed::Light(_))
            {
                doc.analysis.make_due();
                pane.analyze(side, true);
            }
        }
        self.computing = false;
        self.computed_in = "page";
        let compared = compare_panes(&self.left, &self.right, &self.options).map(Shared::new);
        self.compared_now(compared, true);
        self.review();
        self.reshare(false);
    }

    /// Recomputes the document view from the comparison and the view options: at once for small
    /// inputs, after the next paint for large ones (or by the worker).
    pub(super) fn review(&mut self) {
        if !self.here() {
            return self.ask(false);
        }
        self.seq += 1;
        let size = self.left.bytes().len() + self.right.bytes().len();
        if self.compared.is_some() && size > VIEW_SYNC_BYTES {
            self.doc_due = true;
            self.doc_generation += 1;
        } else {
            self.lay_out();
        }
    }

    pub(super) fn lay_out(&mut self) {
        self.doc = self
            .compared
            .as_ref()
            .map(|c| Shared::new(doc_view(c, &self.left, &self.right, self.view)));
        self.doc_due = false;
        self.ui.expanded_folds.clear();
        self.ui.fold_focus = None;
        self.ui.row_limit = ROW_PAGE;
    }
}
