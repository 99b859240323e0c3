//! What the page and its worker say to each other ([`Request`], [`Response`]), and the
//! worker's side of it ([`Engine`]): plain Rust, tested natively. The browser glue that carries
//! these messages is [`crate::worker`].

use super::{
    Compared, DocView, Pane, Rows, Shared, ViewOptions, analyze_input, compare_panes, doc_view,
};
use cachelens_core::share::ShareArchive;
use cachelens_core::steps::Step;
use cachelens_core::{
    Analysis, Area, Comparison, Digest, Error, ErrorKind, ImageKeys, Kind, Options, Pointer, Side,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::rc::Rc;

/// One side of a [`Request`]: which input (its generation) is analysed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SideJob {
    /// The pane's input generation ([`Pane::generation`]): the worker keeps the last one it got
    /// for each side, so bytes are sent once per input.
    pub generation: u64,
    /// The input is the comparable document of an archive, from a share link.
    #[serde(with = "archive_wire")]
    pub from_archive: Option<ShareArchive>,
}

/// [`ShareArchive`] as a tuple (the share module's types have no serde form of their own).
mod archive_wire {
    use cachelens_core::share::ShareArchive;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    type Wire = Option<(String, String, String, u64)>;

    pub fn serialize<S: Serializer>(a: &Option<ShareArchive>, s: S) -> Result<S::Ok, S::Error> {
        let wire: Wire = a
            .as_ref()
            .map(|a| (a.name.clone(), a.kind.clone(), a.digest.clone(), a.size));
        wire.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<ShareArchive>, D::Error> {
        Ok(
            Wire::deserialize(d)?.map(|(name, kind, digest, size)| ShareArchive {
                name,
                kind,
                digest,
                size,
            }),
        )
    }
}

/// What the page asks the worker to compute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    /// The page's sequence number for this computation; answers carry it back.
    pub seq: u64,
    /// Left and right (`None`: an empty pane, or one whose input is not analysed yet).
    pub sides: [Option<SideJob>; 2],
    /// What the comparison leaves out.
    pub options: Options,
    /// How the documents are shown.
    pub view: ViewOptions,
}

/// The comparison as sent from the worker ([`Compared`] without the archives' documents).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CompareWire {
    comparison: Comparison,
    options: Options,
    groups: Vec<(Area, Vec<usize>)>,
    /// The records' steps (not part of the comparison's JSON form).
    steps: Option<BTreeMap<String, Step>>,
}

impl CompareWire {
    fn from_compared(c: &Compared) -> CompareWire {
        CompareWire {
            comparison: c.comparison.clone(),
            options: c.options.clone(),
            groups: c.groups.clone(),
            steps: c.steps.as_deref().cloned(),
        }
    }

    /// The comparison again, its records' steps put back.
    pub fn into_compared(self) -> Compared {
        let CompareWire {
            mut comparison,
            options,
            groups,
            steps,
        } = self;
        if let (Some(cache), Some(steps)) = (comparison.cache.as_mut(), &steps) {
            cache.steps = steps.clone();
        }
        Compared {
            comparison,
            options,
            images: None,
            groups,
            steps: steps.map(Shared::new),
        }
    }
}

/// The document view as sent from the worker.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DocWire {
    left: String,
    right: String,
    rows: Rows,
    raw: bool,
}

impl DocWire {
    /// The document view again.
    pub fn into_doc(self) -> DocView {
        DocView {
            left: Rc::from(self.left),
            right: Rc::from(self.right),
            rows: self.rows,
            raw: self.raw,
        }
    }
}

/// What the worker answers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Response {
    /// Both sides' analyses (of the generations asked for) and their comparison.
    Compared {
        /// The request's sequence number.
        seq: u64,
        /// Left, right: the generation analysed and its analysis.
        analyses: Box<[Option<(u64, AnalysisWire)>; 2]>,
        /// The comparison, when both analysed without error.
        compared: Option<Box<CompareWire>>,
    },
    /// The document view of that comparison (sent after it, so the verdict comes first).
    Laid {
        /// The request's sequence number.
        seq: u64,
        /// The rows; `None` without a comparison.
        doc: Option<Box<DocWire>>,
    },
    /// The request could not be read (a bug): the page computes by itself from then on.
    Failed {
        /// Why.
        message: String,
    },
}

/// What the page needs of an analysis: its digests, kind, size and warnings, not the documents
/// (the worker keeps those, and compares and lays them out); a buildx metadata file keeps its
/// document (the pane lists its fields). Errors travel as their text.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LightAnalysis {
    side: Option<Side>,
    kind: Kind,
    size: usize,
    digest: Digest,
    compact_digest: Option<Digest>,
    without_cache_digest: Option<Digest>,
    is_json: bool,
    warnings: Vec<ErrorText>,
    image_keys: Option<ImageKeys>,
    original: Option<serde_json::Value>,
}

/// An error as its side, pointer and text: back in the page it says the same words
/// ([`ErrorKind::Notice`] carries them).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorText(Option<Side>, Option<Pointer>, String);

impl ErrorText {
    fn of(e: &Error) -> ErrorText {
        ErrorText(e.side, e.pointer.clone(), e.kind.to_string())
    }

    fn into_error(self) -> Error {
        let ErrorText(side, pointer, text) = self;
        Error {
            side,
            pointer,
            kind: ErrorKind::Notice(text),
        }
    }
}

/// An analysis as sent to the page.
pub type AnalysisWire = Result<LightAnalysis, ErrorText>;

fn light(a: &Result<Analysis, Error>) -> AnalysisWire {
    let a = a.as_ref().map_err(ErrorText::of)?;
    Ok(LightAnalysis {
        side: a.side,
        kind: a.kind,
        size: a.size,
        digest: a.digest.clone(),
        compact_digest: a.compact_digest.clone(),
        without_cache_digest: a.without_cache_digest.clone(),
        is_json: a.is_json,
        warnings: a.warnings.iter().map(ErrorText::of).collect(),
        image_keys: a.image_keys.clone(),
        original: (a.kind == Kind::BuildxMetadata).then(|| (*a.original).clone()),
    })
}

/// The analysis again, without its documents (`Null`; the worker has them).
pub fn analysis_of(wire: AnalysisWire) -> Result<Analysis, Error> {
    let a = wire.map_err(ErrorText::into_error)?;
    Ok(Analysis {
        side: a.side,
        kind: a.kind,
        size: a.size,
        digest: a.digest,
        compact_digest: a.compact_digest,
        without_cache_digest: a.without_cache_digest,
        is_json: a.is_json,
        export_metadata: None,
        original: a.original.unwrap_or(serde_json::Value::Null).into(),
        canonical: cachelens_core::Document::new(serde_json::Value::Null),
        caches: Vec::new(),
        warnings: a.warnings.into_iter().map(ErrorText::into_error).collect(),
        image_keys: a.image_keys,
        image_facts: None,
    })
}

/// The worker's side: the last input of each side (bytes and analysis), and the computations.
#[derive(Debug, Default)]
pub struct Engine {
    panes: [Option<(u64, Pane)>; 2],
    compared: Option<Shared<Compared>>,
}

impl Engine {
    /// Analyses what is new and compares: the [`Response::Compared`] answer. `bytes` are each
    /// side's input when the page sent it (a generation the worker does not hold yet).
    pub fn compare(&mut self, req: &Request, bytes: [Option<Vec<u8>>; 2]) -> Response {
        let mut analyses = [None, None];
        for (i, (job, bytes)) in req.sides.iter().zip(bytes).enumerate() {
            let side = if i == 0 { Side::Left } else { Side::Right };
            let Some(job) = job else {
                continue;
            };
            let held = self.panes[i]
                .as_ref()
                .is_some_and(|(g, _)| *g == job.generation);
            if !held {
                let Some(bytes) = bytes else {
                    return Response::Failed {
                        message: format!(
                            "the {} input {} was never sent",
                            side.as_str(),
                            job.generation
                        ),
                    };
                };
                let analysis = analyze_input(&bytes, side, job.from_archive.as_ref());
                let pane = Pane::computed(Rc::from(bytes), analysis);
                self.panes[i] = Some((job.generation, pane));
            }
            if let Some((g, pane)) = &self.panes[i] {
                analyses[i] = pane.analysis().map(|a| (*g, light(a)));
            }
        }
        let empty = Pane::default();
        let pane = |i: usize| match &req.sides[i] {
            Some(_) => self.panes[i].as_ref().map_or(&empty, |(_, p)| p),
            None => &empty,
        };
        self.compared = compare_panes(pane(0), pane(1), &req.options).map(Shared::new);
        Response::Compared {
            seq: req.seq,
            analyses: Box::new(analyses),
            compared: self
                .compared
                .as_deref()
                .map(|c| Box::new(CompareWire::from_compared(c))),
        }
    }

    /// The document view of the last comparison ([`Engine::compare`]).
    pub fn lay_out(&self, req: &Request) -> Response {
        let empty = Pane::default();
        let pane = |i: usize| self.panes[i].as_ref().map_or(&empty, |(_, p)| p);
        let doc = self.compared.as_deref().map(|c| {
            let d = doc_view(c, pane(0), pane(1), req.view);
            Box::new(DocWire {
                left: d.left.to_string(),
                right: d.right.to_string(),
                rows: d.rows,
                raw: d.raw,
            })
        });
        Response::Laid { seq: req.seq, doc }
    }
}
