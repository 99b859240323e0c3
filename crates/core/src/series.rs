//! A series of rebuilds (moby/buildkit#3009: the same image built ten times, the digest changing
//! at build 3): which inputs are the same build, which transition changed what, and why.
//!
//! The caller reads each input (a JSON document as an [`Analysis`], an image archive, layout or
//! `.dockerbuild` file as an [`ImageSet`]) and feeds them in order to a [`Builder`]; nothing here
//! reads a file. Memory does not grow with the number of inputs: per input the builder keeps a
//! small [`InputEntry`] (name, kind, digests) and a fingerprint of what [`compare`] would diff,
//! and only the previous input itself, to compare the current transition.
//!
//! **Groups agree exactly with [`compare`].** Its verdict is `different` exactly when the JSON
//! Patch between the two documents it diffs (the canonical documents with the options applied,
//! [`filtered`]) is not empty, that is exactly when those documents are not equal as JSON values
//! (object members in any order, numbers and strings as spelled). Record matching
//! ([`crate::matching`]) only adds to the cache summary: it never makes two inputs with different
//! documents equivalent. So the fingerprint is the sha256 of an unambiguous encoding of that
//! document (members sorted by key, every string and number length-prefixed), and two inputs are
//! equivalent exactly when their fingerprints are equal. Image archives are compared as
//! [`crate::image::comparable`] lays them out, flat when both hold one image and paired by
//! platform otherwise, so an archive keeps a fingerprint of each form it has. An input joins the
//! first group (in first-seen order) whose first input it is equivalent to.
//!
//! Each transition between consecutive readable inputs that are not equivalent is described by
//! the [`Report`] `cachelens diff` would print for that pair, plus the steps it affects; inputs
//! that could not be read are listed with their error and left out of the groups (the
//! transition then spans them).

use crate::compare::{Options, Verdict, compare, filtered};
use crate::image::{self, ImageSet};
use crate::report::{InputReport, OptionsReport, Report, WarningReport};
use crate::steps::Step;
use crate::{Analysis, Digest, Side};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest as _, Sha256};
use std::fmt::Write as _;

/// One input as the caller read it.
#[derive(Debug)]
pub enum Input {
    /// A JSON document (or bare inline cache value), analysed (`analyze(bytes, None)`); a cache
    /// export read as its cache config is one too.
    Document(Box<Analysis>),
    /// An image archive, OCI layout folder or `.dockerbuild` file.
    Archive(Box<ImageSet>),
}

/// What a fingerprint is of: sha256 of the compared document.
type Print = [u8; 32];

/// What is kept of an input to group it: its fingerprints.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Prints {
    /// The document compared beside an input that also has a flat form: a JSON document's own,
    /// an archive's single image. `None` for an archive of several images.
    flat: Option<Print>,
    /// The document compared beside an archive of several images: a JSON document's own, an
    /// archive's images paired by platform.
    paired: Print,
}

impl Prints {
    /// Whether [`compare`] finds no change between the inputs these are of (the documents
    /// chosen as the transition chooses them).
    fn equivalent(&self, other: &Prints) -> bool {
        match (self.flat, other.flat) {
            (Some(a), Some(b)) => a == b,
            _ => self.paired == other.paired,
        }
    }
}

/// An input as the series lists it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InputEntry {
    /// Its position in the series (0-based).
    pub index: usize,
    /// A name for people (the path as given).
    pub name: String,
    /// The group it belongs to (an index into [`Series::groups`]); absent when unreadable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<usize>,
    /// Kind and digests, when it could be read.
    #[serde(flatten)]
    pub read: Option<InputReport>,
    /// Why it could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// An archive's damage (missing blobs, mismatched digests): read and grouped, but trouble.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
    /// Problems that did not stop reading it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<WarningReport>,
}

/// A change between two consecutive readable inputs that are not equivalent.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Transition {
    /// The earlier input (0-based position).
    pub from: usize,
    /// The later input (0-based position).
    pub to: usize,
    /// The earlier input's group.
    pub from_group: usize,
    /// The later input's group: lower than every group seen before when the series returns to
    /// an earlier build.
    pub to_group: usize,
    /// The Dockerfile steps of the cache records that changed, were added or were removed
    /// (each once, in the order the cache summary lists them).
    pub steps: Vec<Step>,
    /// What `cachelens diff --format json` reports for the two inputs.
    #[serde(flatten)]
    pub report: Report,
}

impl Transition {
    /// Whether the later input is the same build as an input before the earlier one (a return).
    pub fn returns(&self, series: &Series) -> bool {
        series.groups[self.to_group]
            .first()
            .is_some_and(|&first| first < self.from)
    }
}

/// A series of inputs compared: groups of equivalent inputs and the transitions between them.
/// Its JSON form is the `cachelens series --format json` contract
/// (`docs/schema/series-report.v1.schema.json`).
#[derive(Debug, Clone, Serialize)]
pub struct Series {
    /// `identical` (every readable input has the same bytes and index entries), `equivalent`
    /// (one group), `different` (several groups).
    pub verdict: Verdict,
    /// The inputs, in the order given.
    pub inputs: Vec<InputEntry>,
    /// Groups of equivalent inputs, in first-seen order, each the positions of its inputs.
    pub groups: Vec<Vec<usize>>,
    /// Each transition between consecutive readable inputs of different groups.
    pub transitions: Vec<Transition>,
    /// The options in force.
    pub options: OptionsReport,
}

/// What is kept of an input once its fingerprints are taken.
struct Described {
    prints: Prints,
    read: InputReport,
    warnings: Vec<WarningReport>,
    problems: Vec<String>,
    export: Option<Print>,
}

/// The previous readable input, kept for the next transition.
#[derive(Debug)]
struct Previous {
    index: usize,
    input: Input,
    group: usize,
}

/// Feeds a series one input at a time (so that only one input besides the current is alive).
#[derive(Debug)]
pub struct Builder {
    opts: Options,
    inputs: Vec<InputEntry>,
    /// Each group's fingerprints (of its first input) and members.
    groups: Vec<(Prints, Vec<usize>)>,
    transitions: Vec<Transition>,
    previous: Option<Previous>,
    /// Whether every readable input so far has the bytes of the first (and the same export
    /// metadata): the series is then `identical`.
    identical: Option<(Digest, Option<Print>)>,
    all_identical: bool,
}

impl Builder {
    /// An empty series compared under these options.
    pub fn new(opts: Options) -> Self {
        Builder {
            opts,
            inputs: Vec::new(),
            groups: Vec::new(),
            transitions: Vec::new(),
            previous: None,
            identical: None,
            all_identical: true,
        }
    }

    /// Adds the next input (its position is the number added before it); `Err` holds why it
    /// could not be read, said so that it names the input.
    pub fn push(&mut self, name: impl Into<String>, input: Result<Input, String>) {
        let index = self.inputs.len();
        let name = name.into();
        let mut input = match input {
            Ok(i) => i,
            Err(error) => {
                self.inputs.push(InputEntry {
                    index,
                    name,
                    group: None,
                    read: None,
                    error: Some(error),
                    problems: Vec::new(),
                    warnings: Vec::new(),
                });
                return;
            }
        };
        let Described {
            prints,
            read,
            warnings,
            problems,
            export,
        } = self.prints(&input);
        let group = match self.groups.iter().position(|(p, _)| p.equivalent(&prints)) {
            Some(g) => g,
            None => {
                self.groups.push((prints, Vec::new()));
                self.groups.len() - 1
            }
        };
        self.groups[group].1.push(index);
        match &self.identical {
            None => self.identical = Some((read.digest.clone(), export)),
            Some((d, e)) => self.all_identical &= *d == read.digest && *e == export,
        }
        let from = self.previous.take();
        // The previous input is dropped after this: only the current one stays alive.
        if let Some(mut prev) = from
            && prev.group != group
        {
            let names = (self.inputs[prev.index].name.clone(), name.clone());
            let mut report = transition(&mut prev.input, &mut input, &self.opts, &names);
            let steps = steps_of(&report);
            keep_steps_of_changes(&mut report);
            self.transitions.push(Transition {
                from: prev.index,
                to: index,
                from_group: prev.group,
                to_group: group,
                steps,
                report,
            });
        }
        self.inputs.push(InputEntry {
            index,
            name,
            group: Some(group),
            read: Some(read),
            error: None,
            problems,
            warnings,
        });
        self.previous = Some(Previous {
            index,
            input,
            group,
        });
    }

    /// The fingerprints of an input, what describes it on its own (kind, digests, warnings),
    /// an archive's problems, its digest and the fingerprint of its export metadata.
    fn prints(&self, input: &Input) -> Described {
        match input {
            Input::Document(a) => {
                let p = fingerprint(&filtered(a, &self.opts));
                Described {
                    prints: Prints {
                        flat: Some(p),
                        paired: p,
                    },
                    read: InputReport::new(a),
                    warnings: a.warnings.iter().map(WarningReport::from).collect(),
                    problems: Vec::new(),
                    export: None,
                }
            }
            Input::Archive(set) => {
                let paired_doc = image::compared(set, None, false, &self.opts);
                let paired = fingerprint(&filtered(&paired_doc, &self.opts));
                let (flat, own) = if set.images.len() == 1 {
                    let flat_doc = image::compared(set, None, true, &self.opts);
                    (
                        Some(fingerprint(&filtered(&flat_doc, &self.opts))),
                        flat_doc,
                    )
                } else {
                    (None, paired_doc)
                };
                Described {
                    prints: Prints { flat, paired },
                    read: InputReport::new(&own),
                    warnings: own.warnings.iter().map(WarningReport::from).collect(),
                    problems: set.problems.iter().map(ToString::to_string).collect(),
                    export: own.export_metadata.as_ref().map(fingerprint),
                }
            }
        }
    }

    /// The series so far.
    pub fn finish(self) -> Series {
        let groups: Vec<Vec<usize>> = self.groups.into_iter().map(|(_, m)| m).collect();
        let verdict = if groups.len() > 1 {
            Verdict::Different
        } else if self.all_identical {
            Verdict::Identical
        } else {
            Verdict::Equivalent
        };
        Series {
            verdict,
            inputs: self.inputs,
            groups,
            transitions: self.transitions,
            options: OptionsReport {
                ignore_timestamps: self.opts.ignore_timestamps,
                ignore_cache: self.opts.ignore_cache,
                ignore: self.opts.ignore.iter().map(ToString::to_string).collect(),
            },
        }
    }
}

/// A whole series at once (see [`Builder`] to feed one input at a time).
pub fn series(
    inputs: impl IntoIterator<Item = (String, Result<Input, String>)>,
    opts: &Options,
) -> Series {
    let mut b = Builder::new(opts.clone());
    for (name, input) in inputs {
        b.push(name, input);
    }
    b.finish()
}

/// Puts an analysis on one side of a comparison (its warnings say which).
fn set_side(a: &mut Analysis, side: Side) {
    a.side = Some(side);
    for w in &mut a.warnings {
        w.side = Some(side);
    }
}

/// The report of one transition, compared as `cachelens diff` compares the two inputs.
fn transition(
    prev: &mut Input,
    cur: &mut Input,
    opts: &Options,
    names: &(String, String),
) -> Report {
    let names = (names.0.as_str(), names.1.as_str());
    let report = |l: &Analysis, r: &Analysis| {
        let cmp = compare(l, r, opts);
        Report::new(l, r, &cmp, opts, names)
    };
    match (prev, cur) {
        (Input::Document(l), Input::Document(r)) => {
            set_side(l, Side::Left);
            set_side(r, Side::Right);
            report(l, r)
        }
        (Input::Archive(l), Input::Archive(r)) => {
            let (l, r) = image::comparable(l, r, opts);
            report(&l, &r)
        }
        // An archive beside a JSON document (which `diff` refuses): the archive's document,
        // flat when it holds one image, as the fingerprints compare it.
        (Input::Archive(l), Input::Document(r)) => {
            let l = image::compared(l, Some(Side::Left), l.images.len() == 1, opts);
            set_side(r, Side::Right);
            report(&l, r)
        }
        (Input::Document(l), Input::Archive(r)) => {
            set_side(l, Side::Left);
            let r = image::compared(r, Some(Side::Right), r.images.len() == 1, opts);
            report(l, &r)
        }
    }
}

/// Keeps, of the steps the cache summary knows by record id (every record it could name, for
/// [`crate::compare::CacheSummary::step_of`]), only those of records a change points into: what
/// a renderer of the changes asks for, so that a transition kept for the whole series holds
/// what it reports, not a name per record of the cache.
fn keep_steps_of_changes(report: &mut Report) {
    let Some(c) = &mut report.cache else { return };
    let records = c.pointer.child("records");
    let depth = records.tokens().len();
    // Built by insert: collect into a BTreeSet would link one more sort into the page.
    let mut wanted = std::collections::BTreeSet::new();
    for ch in report
        .changes
        .iter()
        .filter(|ch| ch.path.starts_with(&records))
    {
        if let Some(t) = ch.path.tokens().get(depth) {
            wanted.insert(t.as_str());
        }
    }
    c.steps.retain(|id, _| wanted.contains(id.as_str()));
}

/// The steps of the records a transition's cache summary names, each once.
fn steps_of(report: &Report) -> Vec<Step> {
    let mut out: Vec<Step> = Vec::new();
    let Some(c) = &report.cache else {
        return out;
    };
    let named = c
        .roots
        .iter()
        .filter_map(|r| r.step.as_ref())
        .chain(c.changed.iter().filter_map(|r| r.record.step.as_ref()))
        .chain(c.added.iter().filter_map(|r| r.step.as_ref()))
        .chain(c.removed.iter().filter_map(|r| r.step.as_ref()));
    for s in named {
        if !out
            .iter()
            .any(|o| o.text == s.text && o.layer == s.layer && o.found == s.found)
        {
            out.push(s.clone());
        }
    }
    out
}

/// sha256 of an unambiguous encoding of a JSON value in which object members are taken in key
/// order: equal exactly when the values are equal as [`compare`] sees them (up to sha256).
fn fingerprint(v: &Value) -> Print {
    let mut h = Sha256::new();
    feed(v, &mut h);
    h.finalize().into()
}

fn feed(v: &Value, h: &mut Sha256) {
    fn text(s: &str, h: &mut Sha256) {
        h.update((s.len() as u64).to_le_bytes());
        h.update(s.as_bytes());
    }
    match v {
        Value::Null => h.update([0]),
        Value::Bool(b) => h.update([1, u8::from(*b)]),
        Value::Number(n) => {
            h.update([2]);
            text(n.as_str(), h);
        }
        Value::String(s) => {
            h.update([3]);
            text(s, h);
        }
        Value::Array(a) => {
            h.update([4]);
            h.update((a.len() as u64).to_le_bytes());
            for x in a {
                feed(x, h);
            }
        }
        Value::Object(m) => {
            h.update([5]);
            h.update((m.len() as u64).to_le_bytes());
            // Canonical documents list members sorted already; others are sorted here.
            if m.keys().zip(m.keys().skip(1)).all(|(a, b)| a < b) {
                for (k, x) in m {
                    text(k, h);
                    feed(x, h);
                }
            } else {
                for (k, x) in crate::json::by_key(m) {
                    text(k, h);
                    feed(x, h);
                }
            }
        }
    }
}

/// A group's letter for people: A…Z, then AA, AB…
pub fn group_label(g: usize) -> String {
    let mut n = g;
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (n % 26) as u8);
        if n < 26 {
            break;
        }
        n = n / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

impl Series {
    /// Exit status in the manner of diff(1): 0 all equivalent, 1 some differ, 2 an input could
    /// not be read or is a damaged archive (whatever the rest says).
    pub fn exit_code(&self) -> u8 {
        if self
            .inputs
            .iter()
            .any(|i| i.error.is_some() || !i.problems.is_empty())
        {
            2
        } else {
            self.verdict.exit_code()
        }
    }

    /// The timeline as tokens, for the text and Markdown renderers and the page: each input's
    /// build number (1-based) in order, `│` between consecutive readable inputs of different
    /// groups, `N✗` for an input that could not be read, and `(= N)` after a run that is the same
    /// build as an earlier one (N the first input of its group).
    pub fn timeline(&self) -> String {
        let mut out = String::new();
        let mut last_group: Option<usize> = None;
        for (pos, i) in self.inputs.iter().enumerate() {
            let Some(g) = i.group else {
                if !out.is_empty() {
                    out.push(' ');
                }
                let _ = write!(out, "{}✗", i.index + 1);
                continue;
            };
            if let Some(lg) = last_group
                && lg != g
            {
                out.push_str(" │");
            }
            if !out.is_empty() {
                out.push(' ');
            }
            let _ = write!(out, "{}", i.index + 1);
            // The end of a run: say when it returns to an earlier build.
            let next_group = self.inputs[pos + 1..].iter().find_map(|n| n.group);
            let first = self.groups[g][0];
            if next_group != Some(g) && first < i.index {
                let run_start = self.inputs[..=pos]
                    .iter()
                    .rev()
                    .filter_map(|n| n.group.map(|g| (n.index, g)))
                    .take_while(|(_, ng)| *ng == g)
                    .last()
                    .map_or(i.index, |(ix, _)| ix);
                if first < run_start {
                    let _ = write!(out, " (= {})", first + 1);
                }
            }
            last_group = Some(g);
        }
        out
    }

    /// The series in one sentence.
    pub fn headline(&self) -> String {
        let readable = self.inputs.iter().filter(|i| i.group.is_some()).count();
        let unreadable = self.inputs.len() - readable;
        let tail = if unreadable > 0 {
            format!(
                " ({} could not be read)",
                crate::words::count(unreadable as u64, "input", "inputs")
            )
        } else {
            String::new()
        };
        let n = crate::words::count(readable as u64, "input", "inputs");
        match self.verdict {
            _ if readable == 0 => format!("No input could be read{tail}."),
            _ if readable == 1 && unreadable == 0 => "One input: nothing to compare.".to_owned(),
            _ if readable == 1 => {
                format!("Only one input could be read{tail}: nothing to compare.")
            }
            Verdict::Identical => format!("Identical: all {n} are the same bytes{tail}."),
            Verdict::Equivalent => format!(
                "Equivalent: all {n} are the same build once canonicalised; nothing changed{tail}."
            ),
            Verdict::Different => {
                let at: Vec<String> = self
                    .transitions
                    .iter()
                    .map(|t| format!("{}→{}", t.from + 1, t.to + 1))
                    .collect();
                format!(
                    "Different: {n} in {} groups of equivalent inputs{tail}; the build changed at {}.",
                    self.groups.len(),
                    crate::words::join_words(&at.iter().map(String::as_str).collect::<Vec<_>>())
                )
            }
        }
    }

    /// What a transition's heading says besides its numbers: "returns to 1" for a return.
    fn arrow(&self, t: &Transition) -> String {
        let mut s = format!("{}→{}", t.from + 1, t.to + 1);
        if t.returns(self) {
            let _ = write!(
                s,
                " (back to the build of {})",
                self.groups[t.to_group][0] + 1
            );
        }
        s
    }

    /// Text for a terminal: the headline, the timeline, each transition (headline, steps,
    /// diagnoses), the inputs that could not be read.
    pub fn to_text(&self, color: bool) -> String {
        let paint = |code: &str, s: &str| {
            if color {
                format!("\x1b[{code}m{s}\x1b[0m")
            } else {
                s.to_owned()
            }
        };
        let mut out = String::new();
        let verdict_color = match self.verdict {
            Verdict::Different => "1;31",
            _ => "1;32",
        };
        let _ = writeln!(out, "{}", paint(verdict_color, &self.headline()));
        let _ = writeln!(out);
        let _ = writeln!(out, "  {}", self.timeline());
        let groups: Vec<String> = self
            .groups
            .iter()
            .enumerate()
            .map(|(g, m)| {
                let members: Vec<String> = m.iter().map(|i| (i + 1).to_string()).collect();
                format!("{} = {}", group_label(g), members.join(" "))
            })
            .collect();
        if self.groups.len() > 1 {
            let _ = writeln!(out, "  groups: {}", groups.join("; "));
        }
        for t in &self.transitions {
            let _ = writeln!(out);
            let _ = writeln!(
                out,
                "{} {}",
                paint("1", &format!("{}:", self.arrow(t))),
                t.report.headline
            );
            for s in &t.steps {
                let _ = writeln!(out, "  step: {}", s.label(""));
            }
            if t.steps.is_empty()
                && let Some(c) = &t.report.cache
            {
                let _ = writeln!(out, "  cache: {}", c.phrase());
            }
            for d in &t.report.diagnoses {
                let _ = writeln!(
                    out,
                    "  {} {}",
                    paint("1;33", &format!("diagnosis [{}]:", d.id)),
                    d.summary
                );
            }
            if t.report.diagnoses.is_empty() && t.report.cache.is_none() {
                let areas: Vec<String> = t
                    .report
                    .attribution
                    .areas
                    .iter()
                    .map(|(a, n)| format!("{} ({n})", a.as_str()))
                    .collect();
                if !areas.is_empty() {
                    let _ = writeln!(out, "  changes in: {}", areas.join(", "));
                }
            }
            let _ = writeln!(
                out,
                "  (cachelens diff {} {})",
                t.report.left.name, t.report.right.name
            );
        }
        let trouble: Vec<&InputEntry> = self
            .inputs
            .iter()
            .filter(|i| i.error.is_some() || !i.problems.is_empty())
            .collect();
        if !trouble.is_empty() {
            let _ = writeln!(out);
        }
        for i in trouble {
            if let Some(e) = &i.error {
                let _ = writeln!(
                    out,
                    "{} input {} ({}) could not be read: {e}",
                    paint("1;31", "error:"),
                    i.index + 1,
                    i.name
                );
            }
            for p in &i.problems {
                let _ = writeln!(
                    out,
                    "{} input {} ({}): {p}",
                    paint("1;31", "damaged:"),
                    i.index + 1,
                    i.name
                );
            }
        }
        out
    }

    /// Markdown for a GitHub issue: the headline, the timeline, a table of the inputs, and per
    /// transition its headline, steps and diagnoses with the full diff report folded.
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "### cachelens series: {}", self.verdict.as_str());
        let _ = writeln!(out);
        let _ = writeln!(out, "{}", self.headline());
        let _ = writeln!(out);
        let _ = writeln!(out, "`{}`", self.timeline());
        let _ = writeln!(out);
        let _ = writeln!(out, "| build | group | input | kind | digest |");
        let _ = writeln!(out, "|---|---|---|---|---|");
        for i in &self.inputs {
            let group = i.group.map_or_else(|| "✗".to_owned(), group_label);
            let (kind, digest) = match (&i.read, &i.error) {
                (Some(r), _) => (r.kind.to_string(), format!("`{}`", r.digest)),
                (None, Some(e)) => ("could not be read".to_owned(), crate::report::md_cell(e)),
                (None, None) => (String::new(), String::new()),
            };
            let _ = writeln!(
                out,
                "| {} | {group} | {} | {kind} | {digest} |",
                i.index + 1,
                crate::report::md_cell(&i.name)
            );
        }
        for t in &self.transitions {
            let _ = writeln!(out);
            let _ = writeln!(
                out,
                "#### {}: {}",
                self.arrow(t),
                crate::report::md_cell(&t.report.headline)
            );
            let _ = writeln!(out);
            for s in &t.steps {
                let _ = writeln!(out, "- **Step:** {}", crate::report::md_cell(&s.label("")));
            }
            for d in &t.report.diagnoses {
                let _ = writeln!(
                    out,
                    "- **Diagnosis** (`{}`): {}",
                    d.id,
                    crate::report::md_cell(&d.summary)
                );
            }
            let _ = writeln!(out);
            let _ = writeln!(
                out,
                "<details><summary>{} → {}: the diff report</summary>",
                crate::report::md_cell(&t.report.left.name),
                crate::report::md_cell(&t.report.right.name)
            );
            let _ = writeln!(out);
            out.push_str(&t.report.to_markdown());
            let _ = writeln!(out);
            let _ = writeln!(out, "</details>");
        }
        for i in &self.inputs {
            for p in &i.problems {
                let _ = writeln!(out);
                let _ = writeln!(
                    out,
                    "> **Damaged:** input {} ({}): {}",
                    i.index + 1,
                    crate::report::md_cell(&i.name),
                    crate::report::md_cell(p)
                );
            }
        }
        out
    }

    /// The JSON contract, pretty-printed with a final newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn doc(text: &str) -> Result<Input, String> {
        analyze(text.as_bytes(), None)
            .map(|a| Input::Document(Box::new(a)))
            .map_err(|e| e.to_string())
    }

    const A: &str = r#"[{"digest":"sha256:aa"},{"digest":"sha256:bb","inputs":[[{"link":0}]]}]"#;
    const A_RENUMBERED: &str =
        r#"[{"digest":"sha256:bb","inputs":[[{"link":1}]]},{"digest":"sha256:aa"}]"#;
    const B: &str = r#"[{"digest":"sha256:aa"}]"#;

    #[test]
    fn groups_transitions_and_returns() {
        let s = series(
            [A, A_RENUMBERED, B, B, A, "not json"]
                .iter()
                .enumerate()
                .map(|(i, t)| (format!("in{i}"), doc(t))),
            &Options::default(),
        );
        assert_eq!(s.groups, vec![vec![0, 1, 4], vec![2, 3]]);
        let t: Vec<(usize, usize, usize, usize)> = s
            .transitions
            .iter()
            .map(|t| (t.from, t.to, t.from_group, t.to_group))
            .collect();
        assert_eq!(t, vec![(1, 2, 0, 1), (3, 4, 1, 0)]);
        assert!(s.transitions[1].returns(&s));
        assert!(!s.transitions[0].returns(&s));
        assert_eq!(s.verdict, Verdict::Different);
        assert_eq!(s.exit_code(), 2);
        assert_eq!(s.timeline(), "1 2 │ 3 4 │ 5 (= 1) 6✗");
        assert!(s.inputs[5].error.as_deref().unwrap().contains("JSON"));
        assert_eq!(s.inputs[5].group, None);
        // The transition is the diff report of the pair, sides and all.
        let r = &s.transitions[0].report;
        assert_eq!(
            (r.left.name.as_str(), r.right.name.as_str()),
            ("in1", "in2")
        );
        assert_eq!(r.verdict, Verdict::Different);
        assert!(!r.changes.is_empty());
        // The text says where each thing is.
        let text = s.to_text(false);
        assert!(text.contains("\n2→3: Different"), "{text}");
        assert!(
            text.contains("\n4→5 (back to the build of 1): Different"),
            "{text}"
        );
        assert!(
            text.contains("error: input 6 (in5) could not be read: "),
            "{text}"
        );
    }

    #[test]
    fn one_group_is_equivalent_or_identical() {
        let s = series(
            [A, A_RENUMBERED].map(|t| ("x".to_owned(), doc(t))),
            &Options::default(),
        );
        assert_eq!((s.verdict, s.exit_code()), (Verdict::Equivalent, 0));
        assert!(s.transitions.is_empty());
        let s = series(
            [A, A].map(|t| ("x".to_owned(), doc(t))),
            &Options::default(),
        );
        assert_eq!(s.verdict, Verdict::Identical);
        assert_eq!(s.timeline(), "1 2");
    }

    #[test]
    fn options_decide_the_groups_as_they_decide_the_verdict() {
        let l = r#"{"a":1,"created":"2020-01-01T00:00:00Z"}"#;
        let r = r#"{"created":"2021-01-01T00:00:00Z","a":1}"#;
        let s = series(
            [l, r].map(|t| ("x".to_owned(), doc(t))),
            &Options::default(),
        );
        assert_eq!(s.groups.len(), 2);
        let times = Options {
            ignore_timestamps: true,
            ..Options::default()
        };
        // Members in another order are the same document.
        let s = series([l, r].map(|t| ("x".to_owned(), doc(t))), &times);
        assert_eq!(s.groups, vec![vec![0, 1]]);
    }

    #[test]
    fn fingerprints_tell_what_equality_tells() {
        let v = |t: &str| serde_json::from_str::<Value>(t).unwrap();
        let same = [(r#"{"a":1,"b":[1,2]}"#, r#"{"b":[1,2],"a":1}"#)];
        let differ = [
            (r#"{"a":1}"#, r#"{"a":1.0}"#),
            (r#"{"a":"1"}"#, r#"{"a":1}"#),
            (r#"["ab","c"]"#, r#"["a","bc"]"#),
            (r#"{"ab":"c"}"#, r#"{"a":"bc"}"#),
            (r#"[[1],2]"#, r#"[1,[2]]"#),
            (r#"{"a":null}"#, r#"{}"#),
        ];
        for (a, b) in same {
            assert_eq!(fingerprint(&v(a)), fingerprint(&v(b)), "{a} {b}");
            assert!(crate::diff(&v(a), &v(b)).is_empty());
        }
        for (a, b) in differ {
            assert_ne!(fingerprint(&v(a)), fingerprint(&v(b)), "{a} {b}");
            assert!(!crate::diff(&v(a), &v(b)).is_empty());
        }
    }

    #[test]
    fn group_labels() {
        assert_eq!(
            [0, 1, 25, 26, 27, 701, 702].map(group_label),
            ["A", "B", "Z", "AA", "AB", "ZZ", "AAA"]
        );
    }
}
