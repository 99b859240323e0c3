//! Renderers: a comparison as text (for terminals), JSON (a documented contract) and Markdown
//! (for a GitHub issue). Renderers read the [`Comparison`]; they never re-parse input.

use crate::compare::{CacheSummary, Comparison, Options, ResultDelta};
use crate::diff::{Change, Op};
use crate::{Analysis, Digest, Error};
use serde::Serialize;
use serde_json::Value;
use std::fmt::Write as _;

/// Values longer than this are shortened in text and folded in Markdown.
const LONG_VALUE: usize = 160;

/// The most characters GitHub takes in an issue or comment body: the Markdown report stays
/// within it ([`Report::to_markdown`]), listing fewer changes when it must.
pub const MARKDOWN_LIMIT: usize = 65_536;

/// One side as reported.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SideReport {
    /// A name for people (the file name, or "left"/"right").
    pub name: String,
    /// Its kind and digests.
    #[serde(flatten)]
    pub input: InputReport,
}

/// One input's kind and digests, as reported (a diff's sides, a series' inputs).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InputReport {
    /// The detected kind (for an archive: what its digest is of).
    pub kind: crate::Kind,
    /// sha256 of the exact bytes (an archive: its manifest, index or build record).
    pub digest: Digest,
    /// Size in bytes (of what `digest` is of).
    pub size: usize,
    /// sha256 of the Go-compact re-encoding, when that differs from the bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compact_digest: Option<Digest>,
    /// The digest the config would have without `moby.buildkit.cache.v0`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub without_cache_digest: Option<Digest>,
    /// For an image read from an archive or layout: `lastLayer` and `chainID`.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub image: Option<crate::ImageKeys>,
}

impl SideReport {
    /// Describes one analysed input.
    pub fn new(a: &Analysis, name: impl Into<String>) -> Self {
        SideReport {
            name: name.into(),
            input: InputReport::new(a),
        }
    }
}

impl InputReport {
    /// The kind and digests of one analysed input.
    pub fn new(a: &Analysis) -> Self {
        InputReport {
            kind: a.kind,
            digest: a.digest.clone(),
            size: a.size,
            compact_digest: a.compact_digest.clone(),
            without_cache_digest: a.without_cache_digest.clone(),
            image: a.image_keys.clone(),
        }
    }
}

/// A warning as reported.
#[derive(Debug, Clone, Serialize)]
pub struct WarningReport {
    /// `left` or `right`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub side: Option<crate::Side>,
    /// Where in the input, as a JSON Pointer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// The full message (says where).
    pub message: String,
}

impl From<&Error> for WarningReport {
    fn from(e: &Error) -> Self {
        WarningReport {
            side: e.side,
            pointer: e.pointer.as_ref().map(ToString::to_string),
            message: e.to_string(),
        }
    }
}

/// The options in force, as reported.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OptionsReport {
    /// Timestamps ignored.
    pub ignore_timestamps: bool,
    /// Cache ignored.
    pub ignore_cache: bool,
    /// Ignored pointers.
    pub ignore: Vec<String>,
}

/// Everything a renderer shows. Its JSON form is the `cachelens diff --format json` contract:
/// `verdict`, `left`/`right` (`kind`, `digest`), `changes` (`op`, `path`, `value`, `old`) and
/// `warnings` (`side`, `message`) keep their meaning; fields may be added.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// identical / equivalent / different.
    pub verdict: crate::Verdict,
    /// The verdict in one sentence.
    pub headline: String,
    /// The left input.
    pub left: SideReport,
    /// The right input.
    pub right: SideReport,
    /// The changes, a JSON Patch over the canonical documents.
    pub changes: Vec<Change>,
    /// Problems that did not stop the comparison.
    pub warnings: Vec<WarningReport>,
    /// Areas and digest attribution.
    pub attribution: crate::Attribution,
    /// Cache summary.
    pub cache: Option<CacheSummary>,
    /// Facts worth saying.
    pub notes: Vec<String>,
    /// Differences set aside by a documented rule, never changes (two image archives' own
    /// `index.json` entries: export time, tag; docker save's tags). Absent when none.
    #[serde(rename = "setAside", skip_serializing_if = "Vec::is_empty")]
    pub set_aside: Vec<Change>,
    /// When the inputs are of different kinds: both kinds, whether one names the other
    /// (`relation`, `digest`) and what to compare instead (`message`). Absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kinds: Option<crate::compare::KindsNote>,
    /// Known causes that fit: `id`, `summary`, `evidence`, `nextBuild`, `remedy`, `upstream`
    /// (see `cachelens_core::diagnose`). Empty when no pattern fits.
    pub diagnoses: Vec<crate::diagnose::Diagnosis>,
    /// The options in force.
    pub options: OptionsReport,
    /// The Mermaid graph of the changed neighbourhood of the caches (at most
    /// [`crate::drawing::REPORT_NODES`] nodes) and its caption, when the cache changed: for the
    /// Markdown report only (not part of the JSON contract).
    #[serde(skip)]
    pub graph: Option<(String, String)>,
}

impl Report {
    /// Builds the report of a comparison.
    pub fn new(
        left: &Analysis,
        right: &Analysis,
        cmp: &Comparison,
        opts: &Options,
        names: (&str, &str),
    ) -> Self {
        Report {
            verdict: cmp.verdict,
            headline: crate::headline::headline(cmp),
            left: SideReport::new(left, names.0),
            right: SideReport::new(right, names.1),
            changes: cmp.changes.clone(),
            warnings: left
                .warnings
                .iter()
                .chain(&right.warnings)
                .map(WarningReport::from)
                .collect(),
            attribution: cmp.attribution.clone(),
            cache: cmp.cache.clone(),
            notes: cmp.notes.clone(),
            set_aside: cmp.set_aside.clone(),
            kinds: cmp.kinds.clone(),
            diagnoses: cmp.diagnoses.clone(),
            options: OptionsReport {
                ignore_timestamps: opts.ignore_timestamps,
                ignore_cache: opts.ignore_cache,
                ignore: opts.ignore.iter().map(ToString::to_string).collect(),
            },
            graph: None,
        }
    }

    /// The report with the Mermaid graph of the changed neighbourhood of the caches, for the
    /// Markdown report ([`Report::to_markdown`]). Apart from [`Report::new`] so that what does
    /// not draw (the page's share Markdown) does not link the layout.
    pub fn with_graph(mut self, left: &Analysis, right: &Analysis, cmp: &Comparison) -> Self {
        self.graph = graph_of(left, right, cmp);
        self
    }

    /// The JSON contract, pretty-printed with a final newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Unified-style text with paths; `color` adds ANSI colours for a terminal.
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
            crate::Verdict::Different => "1;31",
            _ => "1;32",
        };
        let _ = writeln!(out, "{}", paint(verdict_color, &self.headline));
        let _ = writeln!(out);
        for d in &self.diagnoses {
            let _ = writeln!(
                out,
                "{} {}",
                paint("1;33", &format!("diagnosis [{}]:", d.id)),
                d.summary
            );
            for e in &d.evidence {
                let _ = writeln!(out, "  - {e}");
            }
            if let Some(n) = &d.next_build {
                let _ = writeln!(out, "  next build: {n}");
            }
            if let Some(r) = &d.remedy {
                let _ = writeln!(out, "  what to do: {r}");
            }
            if !d.upstream.is_empty() {
                let names: Vec<String> = d
                    .upstream
                    .iter()
                    .map(|u| format!("{} ({})", u.name, u.url))
                    .collect();
                let _ = writeln!(out, "  upstream: {}", names.join(", "));
            }
            let _ = writeln!(out);
        }
        for (mark, s) in [("---", &self.left), ("+++", &self.right)] {
            let _ = writeln!(
                out,
                "{} {}  {}  {}  ({} bytes)",
                paint("1", mark),
                s.name,
                s.input.kind,
                s.input.digest,
                s.input.size
            );
            if let Some(k) = &s.input.image {
                let d =
                    |d: &Option<Digest>| d.as_ref().map_or("not known", Digest::as_str).to_owned();
                let _ = writeln!(
                    out,
                    "    last layer {}  chain ID {}",
                    d(&k.last_layer),
                    d(&k.chain_id)
                );
            }
        }
        if let Some(c) = &self.cache {
            let _ = writeln!(out);
            let _ = writeln!(out, "{} {}", paint("1", "cache:"), c.phrase());
            for line in cache_lines(c) {
                let _ = writeln!(out, "  {line}");
            }
        }
        for c in &self.changes {
            let _ = writeln!(out);
            let _ = writeln!(
                out,
                "{}",
                paint("36", &format!("@ {} {}", c.op.as_str(), c.path))
            );
            if let Some(old) = &c.old {
                let _ = writeln!(
                    out,
                    "{}",
                    paint("31", &format!("- {}", shorten(&compact(old), 1000)))
                );
            }
            if let Some(new) = &c.value {
                let _ = writeln!(
                    out,
                    "{}",
                    paint("32", &format!("+ {}", shorten(&compact(new), 1000)))
                );
            }
        }
        if !self.notes.is_empty() || !self.warnings.is_empty() {
            let _ = writeln!(out);
        }
        for w in &self.warnings {
            let _ = writeln!(out, "{} {}", paint("1;33", "warning:"), w.message);
        }
        for n in &self.notes {
            let _ = writeln!(out, "{} {n}", paint("1", "note:"));
        }
        out
    }

    /// Markdown for a GitHub issue: verdict, both digests, summary, the record graph of what
    /// changed in the cache (Mermaid), changes (long values folded); within GitHub's
    /// [`MARKDOWN_LIMIT`].
    pub fn to_markdown(&self) -> String {
        self.to_markdown_within(MARKDOWN_LIMIT)
    }

    /// The Markdown report in at most `limit` bytes (so at most as many characters): when the
    /// whole does not fit, the last changes are left out first, then the last cache lines (the
    /// report says how many, and where they all are), and the graph only when even it does not
    /// fit beside the verdict, diagnoses, warnings and notes.
    pub fn to_markdown_within(&self, limit: usize) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "### cachelens: {}", self.verdict.as_str());
        let _ = writeln!(out);
        let _ = writeln!(out, "{}", self.headline);
        let _ = writeln!(out);
        let _ = writeln!(out, "| side | kind | digest | size |");
        let _ = writeln!(out, "|---|---|---|---|");
        for s in [&self.left, &self.right] {
            let _ = writeln!(
                out,
                "| {} | {} | `{}` | {} bytes |",
                md_cell(&s.name),
                s.input.kind,
                s.input.digest,
                s.input.size
            );
        }
        for d in &self.diagnoses {
            let _ = writeln!(out);
            let _ = writeln!(out, "**Diagnosis** (`{}`): {}", d.id, md_cell(&d.summary));
            let _ = writeln!(out);
            for e in &d.evidence {
                let _ = writeln!(out, "- {}", md_cell(e));
            }
            if let Some(n) = &d.next_build {
                let _ = writeln!(out, "- **Next build:** {}", md_cell(n));
            }
            if let Some(r) = &d.remedy {
                let _ = writeln!(out, "- **What to do:** {}", md_cell(r));
            }
            if !d.upstream.is_empty() {
                let links: Vec<String> = d
                    .upstream
                    .iter()
                    .map(|u| format!("[{}]({})", u.name, u.url))
                    .collect();
                let _ = writeln!(out, "- **Upstream:** {}", links.join(", "));
            }
        }
        let mut tail = String::new();
        if !self.warnings.is_empty() || !self.notes.is_empty() {
            let _ = writeln!(tail);
        }
        for w in &self.warnings {
            let _ = writeln!(tail, "> **Warning:** {}", md_cell(&w.message));
        }
        for n in &self.notes {
            let _ = writeln!(tail, "> {}", md_cell(n));
        }
        // Room kept for the lines saying what was left out.
        const LEFT_OUT: usize = 400;
        // The graph is kept when the head, it and the tail fit; then the cache lines and the
        // changes take what is left, in that order.
        let block = self
            .graph
            .as_ref()
            .map_or_else(String::new, |(caption, mermaid)| {
                format!("\n**{caption}** (marks in words):\n\n```mermaid\n{mermaid}```\n")
            });
        let block = if out.len() + block.len() + tail.len() + 2 * LEFT_OUT <= limit {
            block
        } else {
            String::new()
        };
        let budget = |out: &String, reserved: usize| {
            limit.saturating_sub(out.len() + tail.len() + 2 * LEFT_OUT + reserved)
        };
        if let Some(c) = &self.cache {
            let _ = writeln!(out);
            let _ = writeln!(out, "**Cache:** {}", c.phrase());
            let _ = writeln!(out);
            let lines = cache_lines(c);
            let total = lines.len();
            for (i, line) in lines.into_iter().enumerate() {
                let line = format!("- {line}\n");
                if line.len() > budget(&out, block.len()) {
                    let _ = writeln!(
                        out,
                        "- … and {} more (left out to stay within GitHub's {MARKDOWN_LIMIT} characters)",
                        crate::words::count((total - i) as u64, "line", "lines")
                    );
                    break;
                }
                out.push_str(&line);
            }
        }
        out.push_str(&block);
        if !self.changes.is_empty() {
            let _ = writeln!(out);
            let _ = writeln!(out, "**Changes ({}):**", self.changes.len());
            let _ = writeln!(out);
            for (i, c) in self.changes.iter().enumerate() {
                let item = markdown_change(c);
                if item.len() > budget(&out, 0) {
                    let _ = writeln!(
                        out,
                        "- … and {} more, not listed to stay within GitHub's {MARKDOWN_LIMIT} characters: `cachelens diff --format json` (or the share link) has them all",
                        crate::words::count((self.changes.len() - i) as u64, "change", "changes")
                    );
                    break;
                }
                out.push_str(&item);
            }
        }
        out.push_str(&tail);
        out
    }
}

/// One change as a Markdown list item (long values folded).
fn markdown_change(c: &Change) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "- `{}` `{}`",
        c.op.as_str(),
        md_code(&c.path.to_string())
    );
    for (label, v) in [("old", &c.old), ("new", &c.value)] {
        let Some(v) = v else { continue };
        let text = compact(v);
        if text.chars().count() > LONG_VALUE {
            let _ = writeln!(
                out,
                "  <details><summary>{label}: {} characters</summary>",
                text.chars().count()
            );
            let _ = writeln!(out);
            let _ = writeln!(out, "  ```json");
            let _ = writeln!(
                out,
                "  {}",
                serde_json::to_string_pretty(v)
                    .unwrap_or_default()
                    .replace('\n', "\n  ")
            );
            let _ = writeln!(out, "  ```");
            let _ = writeln!(out, "  </details>");
        } else {
            let _ = writeln!(out, "  - {label}: `{}`", md_code(&text));
        }
    }
    out
}

/// The Mermaid graph of what changed in the caches, when anything did.
fn graph_of(left: &Analysis, right: &Analysis, cmp: &Comparison) -> Option<(String, String)> {
    let c = cmp.cache.as_ref()?;
    if c.added.is_empty() && c.removed.is_empty() && c.changed.is_empty() {
        return None;
    }
    let view = crate::drawing::View {
        max_nodes: crate::drawing::REPORT_NODES,
        neighbourhood: true,
        ..crate::drawing::View::default()
    };
    let d = crate::drawing::of_comparison(left, right, cmp, &view)?;
    Some((crate::picture::caption(&d), crate::picture::to_mermaid(&d)))
}

impl CacheSummary {
    /// The cache summary as lines for people (what the CLI and the viewer list): each record
    /// whose results changed, each record added or removed, the counts, the renumbering noise.
    pub fn lines(&self) -> Vec<String> {
        cache_lines(self)
    }
}

/// A record as people read it: its step first when known, the id as the stable key.
fn record_name(r: &crate::compare::RecordRef) -> String {
    let short = r
        .digest
        .strip_prefix("sha256:")
        .map_or(r.digest.as_str(), |h| &h[..h.len().min(12)]);
    match &r.step {
        Some(s) => s.label(&format!("record {}", r.id)),
        None => format!("record {} (digest {short})", r.id),
    }
}

fn cache_lines(c: &CacheSummary) -> Vec<String> {
    let mut lines: Vec<String> = c
        .roots
        .iter()
        .map(|r| format!("root change: {}", r.text))
        .collect();
    for r in &c.changed {
        if let Some(i) = r.inputs {
            let what = match (i.gained, i.lost) {
                (g, 0) => format!(
                    "gained {} (the same record: its digest and the rest of its inputs match)",
                    crate::words::count(g as u64, "input alternative", "input alternatives")
                ),
                (0, l) => format!(
                    "lost {} (the same record: its digest and the rest of its inputs match)",
                    crate::words::count(l as u64, "input alternative", "input alternatives")
                ),
                (g, l) => format!(
                    "gained {g} and lost {l} input alternatives (the same record: its digest matches and each input still shares one)"
                ),
            };
            let now = r
                .right_id
                .as_ref()
                .map(|id| format!("; now record {id}"))
                .unwrap_or_default();
            lines.push(format!("{} {what}{now}", record_name(&r.record)));
        }
        for (field, d) in [("layers", r.layers), ("chains", r.chains)] {
            let what = match d {
                Some(ResultDelta::Lost(n)) => format!("lost its {field} ({n})"),
                Some(ResultDelta::Gained(n)) => format!("gained {field} ({n})"),
                Some(ResultDelta::Changed(_)) if r.times_only => {
                    format!("changed only the creation time (createdAt) of its {field}")
                }
                Some(ResultDelta::Changed(_)) => format!("changed its {field}"),
                None => continue,
            };
            lines.push(format!("{} {what}", record_name(&r.record)));
        }
    }
    for r in &c.added {
        lines.push(format!("{} added", record_name(r)));
    }
    for r in &c.removed {
        lines.push(format!("{} removed", record_name(r)));
    }
    lines.extend(c.step_warnings.iter().map(|w| format!("step names: {w}")));
    lines.push(format!(
        "{} left, {} right",
        crate::words::count(c.records_left as u64, "record", "records"),
        c.records_right
    ));
    if let Some(noise) = c.noise_phrase() {
        lines.push(noise);
    }
    for cov in &c.coverage {
        if let Some(m) = cov.meaning() {
            let step = cov
                .step
                .as_ref()
                .map(|s| format!(" `{s}`"))
                .unwrap_or_default();
            lines.push(format!(
                "next build, layer {}{step}: {m} (left holds {}, right {})",
                cov.layer,
                cov.left.word(),
                cov.right.word()
            ));
        }
    }
    if c.renamed > 0 {
        lines.push(format!(
            "{} only because a record they are built on changed (matched by digest and inputs; not added or removed)",
            crate::words::count(c.renamed as u64, "record has a new id", "records have new ids")
        ));
    }
    lines
}

fn compact(v: &Value) -> String {
    crate::json::to_compact_pub(v)
}

fn shorten(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        s.to_owned()
    } else {
        let head: String = s.chars().take(max).collect();
        format!("{head}… ({} more characters)", n - max)
    }
}

fn md_code(s: &str) -> String {
    s.replace('`', "'")
}

pub(crate) fn md_cell(s: &str) -> String {
    s.replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The op of a change as a diff(1)-style sign.
pub fn sign(op: Op) -> char {
    match op {
        Op::Add => '+',
        Op::Remove => '-',
        Op::Replace => '~',
    }
}
