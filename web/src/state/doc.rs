//! The comparison of the two panes and the document view laid out from it.

use super::*;

/// Side-by-side or unified rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum ViewLayout {
    /// Left and right next to each other.
    #[default]
    SideBySide,
    /// One column, deletions above insertions.
    Unified,
}

/// How the documents are shown (does not affect the comparison).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct ViewOptions {
    /// Show the inputs as given instead of the canonical documents.
    pub raw: bool,
    /// Side-by-side or unified.
    pub layout: ViewLayout,
}

/// The comparison of the two analyses, with its changes grouped for display.
#[derive(Debug)]
pub struct Compared {
    /// The core's answer.
    pub comparison: Comparison,
    /// The options compared with (the document view shows the documents they give).
    pub options: Options,
    /// For two image archives: the documents built from them (the panes hold only the images).
    pub images: Option<Box<(Analysis, Analysis)>>,
    /// Indexes into `comparison.changes`, grouped by area in the core's area order.
    pub groups: Vec<(Area, Vec<usize>)>,
    /// The records' steps by id, shared with the document view (built once per comparison).
    pub steps: Option<Shared<std::collections::BTreeMap<String, cachelens_core::steps::Step>>>,
}

/// The rows of the document view.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub enum Rows {
    /// Unified rows.
    Unified(Vec<Row>),
    /// Side-by-side rows.
    SideBySide(Vec<SideRow>),
    /// Not laid out: a raw input has a line longer than [`RAW_LINE_MAX`] characters.
    TooLong {
        /// The longest line's length in bytes.
        longest: usize,
    },
}

impl Rows {
    /// How many rows.
    pub fn len(&self) -> usize {
        match self {
            Rows::Unified(r) => r.len(),
            Rows::SideBySide(r) => r.len(),
            Rows::TooLong { .. } => 0,
        }
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The two texts shown and their line rows.
#[derive(Debug)]
pub struct DocView {
    /// The left text (canonical pretty JSON, or the raw input).
    pub left: Rc<str>,
    /// The right text.
    pub right: Rc<str>,
    /// The rows, folded.
    pub rows: Rows,
    /// Whether these are the raw inputs (or the canonical documents).
    pub raw: bool,
}

/// Compares the panes when both analysed without error.
pub fn compare_panes(left: &Pane, right: &Pane, options: &Options) -> Option<Compared> {
    // A layout that is a BuildKit cache export compares as its cache config (so it meets the
    // same cache from a registry, or another export, as the CLI does).
    let cache_of = |p: &Pane, side: Side| -> Option<Option<Analysis>> {
        let bytes = p.image_set()?.cache_config()?;
        Some(cachelens_core::analyze(bytes, Some(side)).ok())
    };
    let (lc, rc) = (cache_of(left, Side::Left), cache_of(right, Side::Right));
    let images = match (left.archive(), right.archive()) {
        _ if lc.is_some() || rc.is_some() => {
            let l = match lc {
                Some(a) => a?,
                None if left.archive().is_none() => left.ok()?.clone(),
                None => return None,
            };
            let r = match rc {
                Some(a) => a?,
                None if right.archive().is_none() => right.ok()?.clone(),
                None => return None,
            };
            Some(Box::new((l, r)))
        }
        (None, None) => None,
        (Some(_), Some(_)) => Some(Box::new(comparable(
            left.image_set()?,
            right.image_set()?,
            options,
        ))),
        _ => return None,
    };
    let (l, r) = match &images {
        Some(docs) => (&docs.0, &docs.1),
        None => (left.ok()?, right.ok()?),
    };
    let comparison = compare(l, r, options);
    let mut groups: BTreeMap<Area, Vec<usize>> = BTreeMap::new();
    for (i, c) in comparison.changes.iter().enumerate() {
        groups.entry(Area::of(&c.path, r.kind)).or_default().push(i);
    }
    let steps = comparison
        .cache
        .as_ref()
        .filter(|c| !c.steps.is_empty())
        .map(|c| Shared::new(c.steps.clone()));
    Some(Compared {
        comparison,
        options: options.clone(),
        images,
        groups: groups.into_iter().collect(),
        steps,
    })
}

/// The line rows of the two documents (canonical as compared, or the raw inputs).
pub fn doc_view(compared: &Compared, left: &Pane, right: &Pane, view: ViewOptions) -> DocView {
    let (l, r): (Rc<str>, Rc<str>) = if view.raw {
        (
            Rc::from(left.raw_text().as_ref()),
            Rc::from(right.raw_text().as_ref()),
        )
    } else {
        // The documents as compared: pretty-printed here, after the verdict has been shown,
        // not when comparing.
        let docs = match &compared.images {
            Some(docs) => Some((&docs.0, &docs.1)),
            None => left.ok().zip(right.ok()),
        };
        let text = |a| Rc::from(json::to_pretty(&filtered(a, &compared.options)));
        // (A comparison exists only when both documents do.)
        docs.map_or_else(|| (Rc::from(""), Rc::from("")), |(l, r)| (text(l), text(r)))
    };
    let longest = |t: &str| t.lines().map(str::len).max().unwrap_or(0);
    let too_long = view.raw && l != r && longest(&l).max(longest(&r)) > RAW_LINE_MAX;
    let rows = match view.layout {
        _ if too_long => Rows::TooLong {
            longest: longest(&l).max(longest(&r)),
        },
        ViewLayout::Unified => Rows::Unified(cachelens_core::view::unified(&l, &r, CONTEXT_LINES)),
        ViewLayout::SideBySide => {
            Rows::SideBySide(cachelens_core::view::side_by_side(&l, &r, CONTEXT_LINES))
        }
    };
    DocView {
        left: l,
        right: r,
        rows,
        raw: view.raw,
    }
}

/// The id of a fold's "show" button (focused after a fold is folded again: the state says
/// which, the document view renders it).
pub fn fold_id(row: usize) -> String {
    format!("fold-{row}")
}

/// The id of an expanded fold's "fold again" button.
pub fn fold_again_id(row: usize) -> String {
    format!("fold-again-{row}")
}
