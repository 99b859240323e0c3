//! The record graph of one cache, or of two overlaid, as something to draw: nodes with their
//! boxes, labels and marks, edges as polylines, and counted groups of what is folded away. The
//! page, `cachelens graph` (DOT, Mermaid, SVG: [`crate::picture`]) and the Markdown report
//! only render what is computed here.
//!
//! The graph is drawn from the canonical form: nodes are records in canonical id order, so a
//! renumbered cache gives the same picture. An edge runs from an input to the record that uses
//! it (sources at the top, the final step at the bottom). Two caches overlaid are one graph:
//! records on both sides are one node, records found on one side only are paired as
//! [`crate::matching`] pairs them (one node, marked `inputs changed` or `new id`), and the marks
//! are the cache summary's changes ([`CacheSummary`]): `removed`, `added`, `lost layers`…
//! always in words beside any style.
//!
//! Big caches stay readable: the records drawn are the changed ones, all their ancestors and one
//! level of what they feed (with nothing changed: the final steps and their ancestors), at most
//! [`View::max_nodes`] nodes; every other record is in a counted group ("412 records"), one
//! per connected part of what is left out. A group opens on demand: the selection is a function
//! of the graphs and [`View::opened`], the group keys in the order they were opened.

use crate::Analysis;
use crate::compare::{CacheSummary, Comparison, ResultDelta};
use crate::graph::CacheGraph;
use crate::layout::{Rect, Spacing};
use crate::steps::{Found, Step};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, VecDeque};

/// At most this many nodes are drawn at once (the page, `cachelens graph`).
pub const MAX_NODES: usize = 300;
/// At most this many nodes in the Markdown report's Mermaid graph.
pub const REPORT_NODES: usize = 100;
/// Longest label, in characters (a step's full text is in [`Node::step`]).
const LABEL_CHARS: usize = 40;
/// Width of a character of the labels, in pixels (monospace 12px is about 7.2 wide): 8 leaves
/// room for wider fonts.
pub const CHAR_WIDTH: u32 = 8;
/// Height of a label line, in pixels.
pub const LINE_HEIGHT: u32 = 16;
/// Padding inside a node's box (each side horizontally, top and bottom together vertically).
pub const PADDING: u32 = 8;

/// What to draw: the groups opened and the node budget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct View {
    /// Keys of the groups opened ([`Node::key`] of a group), in the order they were opened.
    pub opened: Vec<String>,
    /// At most this many nodes (records and groups), at most [`MAX_NODES`].
    pub max_nodes: usize,
    /// Draw only the changed neighbourhood even when every record would fit (the report).
    #[serde(default)]
    pub neighbourhood: bool,
}

impl Default for View {
    fn default() -> Self {
        View {
            opened: Vec::new(),
            max_nodes: MAX_NODES,
            neighbourhood: false,
        }
    }
}

/// What a node is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeKind {
    /// One cache record.
    Record,
    /// Records folded away, counted; opens on demand.
    Group,
}

/// A mark on a node: what happened to the record, said in words ([`Mark::word`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mark {
    /// Only in the left cache (the changes list: removed).
    Removed,
    /// Only in the right cache (added).
    Added,
    /// The same record (its digest and inputs match) with input alternatives gained or lost.
    InputsChanged,
    /// It had no `layers` results and gained some.
    LayersGained,
    /// It lost all its `layers` results.
    LayersLost,
    /// Its `layers` results differ.
    LayersChanged,
    /// Its `layers` results differ only in their creation time.
    LayerTimesChanged,
    /// It had no `chains` results and gained some.
    ChainsGained,
    /// It lost all its `chains` results.
    ChainsLost,
    /// Its `chains` results differ.
    ChainsChanged,
    /// Its `chains` results differ only in their creation time.
    ChainTimesChanged,
    /// The same record under a new id, only because a record it is built on changed.
    NewId,
    /// It holds a result (a layer), on the side drawn (the right one when on both).
    Result,
}

impl Mark {
    /// Every mark, in the order labels and legends list them.
    pub const ALL: [Mark; 13] = [
        Mark::Removed,
        Mark::Added,
        Mark::InputsChanged,
        Mark::LayersGained,
        Mark::LayersLost,
        Mark::LayersChanged,
        Mark::LayerTimesChanged,
        Mark::ChainsGained,
        Mark::ChainsLost,
        Mark::ChainsChanged,
        Mark::ChainTimesChanged,
        Mark::NewId,
        Mark::Result,
    ];

    /// The mark in a label: a few words.
    pub fn word(self) -> &'static str {
        match self {
            Mark::Removed => "removed",
            Mark::Added => "added",
            Mark::InputsChanged => "inputs changed",
            Mark::LayersGained => "gained layers",
            Mark::LayersLost => "lost layers",
            Mark::LayersChanged => "changed layers",
            Mark::LayerTimesChanged => "layer times changed",
            Mark::ChainsGained => "gained chains",
            Mark::ChainsLost => "lost chains",
            Mark::ChainsChanged => "changed chains",
            Mark::ChainTimesChanged => "chain times changed",
            Mark::NewId => "new id",
            Mark::Result => "result",
        }
    }

    /// What the mark means, for a legend.
    pub fn meaning(self) -> &'static str {
        match self {
            Mark::Removed => "the record is only in the left cache",
            Mark::Added => "the record is only in the right cache",
            Mark::InputsChanged => {
                "the same record (digest and inputs match) gained or lost input alternatives"
            }
            Mark::LayersGained => "the record had no layers results and gained some",
            Mark::LayersLost => "the record lost its layers results",
            Mark::LayersChanged => "the record's layers results differ",
            Mark::LayerTimesChanged => {
                "the record's layers results differ only in their creation time (createdAt)"
            }
            Mark::ChainsGained => "the record had no chains results and gained some",
            Mark::ChainsLost => "the record lost its chains results",
            Mark::ChainsChanged => "the record's chains results differ",
            Mark::ChainTimesChanged => {
                "the record's chains results differ only in their creation time (createdAt)"
            }
            Mark::NewId => {
                "the same record under a new id, because a record it is built on changed"
            }
            Mark::Result => "the record holds a result (a layer)",
        }
    }

    /// Whether the mark is a change of the cache summary (the focus of a drawing).
    pub fn is_change(self) -> bool {
        !matches!(self, Mark::NewId | Mark::Result)
    }
}

/// On which side a record or a link is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Presence {
    /// On both sides (or the only input).
    Both,
    /// Only on the left.
    Left,
    /// Only on the right.
    Right,
}

impl Presence {
    fn with(self, other: Presence) -> Presence {
        if self == other { self } else { Presence::Both }
    }

    /// What an edge of this presence means, for a legend (`None` for both).
    pub fn meaning(self) -> Option<&'static str> {
        match self {
            Presence::Both => None,
            Presence::Left => Some("a link only in the left cache (dashed)"),
            Presence::Right => Some("a link only in the right cache (thick)"),
        }
    }
}

/// One node: a record or a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Node {
    /// Stable key: the record's canonical id (the left one when matched to another id), or
    /// `group:` and the key of the group's first record.
    pub key: String,
    /// Record or group.
    pub kind: NodeKind,
    /// The lines of its label: the step (or short digest, or the group's count), then the
    /// marks in words.
    pub lines: Vec<String>,
    /// Marks, in [`Mark::ALL`] order (groups: none).
    pub marks: Vec<Mark>,
    /// Its box.
    pub rect: Rect,
    /// Its layer (0 at the top).
    pub layer: usize,
    /// A record: its id on the left, when there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub left: Option<String>,
    /// A record: its id on the right, when there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub right: Option<String>,
    /// A record: its cache key digest.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub digest: String,
    /// A record: the step that made its result, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<Step>,
    /// A group: how many records it holds (a record: 1).
    pub count: usize,
    /// A group: how many of them are changes.
    pub changed: usize,
}

/// One edge: input above, the record using it below.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edge {
    /// Index of the node of the input.
    pub from: usize,
    /// Index of the node using it.
    pub to: usize,
    /// On which side the link is.
    pub presence: Presence,
    /// How many links it stands for (more than one when a group is at an end).
    pub links: usize,
    /// The polyline, from `from`'s box to `to`'s.
    pub points: Vec<(i32, i32)>,
}

/// One line of a legend: a mark (or an edge's presence) and what it means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegendEntry {
    /// The word as labels show it.
    pub word: String,
    /// What it means.
    pub meaning: String,
}

/// A laid-out record graph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Drawing {
    /// Two caches overlaid (else one).
    pub overlay: bool,
    /// Nodes, records in canonical order then groups.
    pub nodes: Vec<Node>,
    /// Edges, in (from, to) order.
    pub edges: Vec<Edge>,
    /// Width and height.
    pub size: (i32, i32),
    /// Records in the graph (both sides together, a matched pair once).
    pub records: usize,
    /// Records drawn as nodes (the rest are in groups).
    pub drawn: usize,
    /// Records with a change mark.
    pub changed: usize,
    /// Edge crossings left by the layout.
    pub crossings: usize,
    /// The marks and edge kinds used, in words.
    pub legend: Vec<LegendEntry>,
}

/// A record of the graph to draw (one side's, or a pair's).
struct URec {
    key: String,
    left: Option<usize>,
    right: Option<usize>,
    digest: String,
    marks: Vec<Mark>,
    step: Option<Step>,
}

/// The graph to draw, before selection: records and their links (input → user).
struct Union {
    recs: Vec<URec>,
    /// Per record, its inputs (record index, presence), sorted.
    inputs: Vec<Vec<(usize, Presence)>>,
    /// Per record, the records it is an input of, sorted.
    users: Vec<Vec<usize>>,
}

impl Union {
    fn link(&mut self, from: usize, to: usize, p: Presence) {
        let ins = &mut self.inputs[to];
        match ins.iter_mut().find(|(f, _)| *f == from) {
            Some(x) => x.1 = x.1.with(p),
            None => ins.push((from, p)),
        }
    }

    fn finish(&mut self) {
        self.users = vec![Vec::new(); self.recs.len()];
        for (to, ins) in self.inputs.iter_mut().enumerate() {
            ins.sort_unstable_by_key(|x| x.0);
            for &(from, _) in ins.iter() {
                self.users[from].push(to);
            }
        }
        for u in &mut self.users {
            u.sort_unstable();
            u.dedup();
        }
    }
}

fn add_links(u: &mut Union, g: &CacheGraph, index: &HashMap<usize, usize>, p: Presence) {
    for (i, r) in g.in_order() {
        let Some(&to) = index.get(&i) else { continue };
        for alt in r.inputs.iter().flatten() {
            if let Some(&from) = index.get(&alt.record) {
                u.link(from, to, p);
            }
        }
    }
}

fn holds_result(g: &CacheGraph, i: usize) -> bool {
    let r = &g.records[i];
    !r.results.is_empty() || !r.chains.is_empty()
}

/// The drawing of one cache, its records named by `steps` ([`crate::steps::name_graph`]).
pub fn single(g: &CacheGraph, steps: &BTreeMap<String, Step>, view: &View) -> Drawing {
    let mut u = Union {
        recs: Vec::new(),
        inputs: Vec::new(),
        users: Vec::new(),
    };
    let mut index = HashMap::new();
    for (i, r) in g.in_order() {
        index.insert(i, u.recs.len());
        let mut marks = Vec::new();
        if holds_result(g, i) {
            marks.push(Mark::Result);
        }
        u.recs.push(URec {
            key: r.id.clone(),
            left: Some(i),
            right: None,
            digest: r.digest.clone(),
            marks,
            step: steps.get(&r.id).cloned(),
        });
        u.inputs.push(Vec::new());
    }
    add_links(&mut u, g, &index, Presence::Both);
    u.finish();
    draw(&u, g, None, false, view)
}

/// The drawing of two caches overlaid, marked with the cache summary of their comparison.
pub fn overlay(lg: &CacheGraph, rg: &CacheGraph, summary: &CacheSummary, view: &View) -> Drawing {
    let mut u = Union {
        recs: Vec::new(),
        inputs: Vec::new(),
        users: Vec::new(),
    };
    let (mut lindex, mut rindex) = (HashMap::new(), HashMap::new());
    let left_only: Vec<String> = lg
        .in_order()
        .filter(|(_, r)| rg.get(&r.id).is_none())
        .map(|(_, r)| r.id.clone())
        .collect();
    let right_only: Vec<String> = rg
        .in_order()
        .filter(|(_, r)| lg.get(&r.id).is_none())
        .map(|(_, r)| r.id.clone())
        .collect();
    let paired = crate::matching::pair(lg, rg, &left_only, &right_only);
    let step_of = |id: &str| summary.steps.get(id).cloned();
    for (i, r) in lg.in_order() {
        let right = match paired.get(&r.id) {
            Some((rid, _)) => rg.index_of(rid),
            None => rg.index_of(&r.id),
        };
        lindex.insert(i, u.recs.len());
        if let Some(j) = right {
            rindex.insert(j, u.recs.len());
        }
        u.recs.push(URec {
            key: r.id.clone(),
            left: Some(i),
            right,
            digest: r.digest.clone(),
            marks: Vec::new(),
            step: step_of(&r.id).or_else(|| right.and_then(|j| step_of(&rg.records[j].id))),
        });
        u.inputs.push(Vec::new());
    }
    for (j, r) in rg.in_order() {
        if rindex.contains_key(&j) {
            continue;
        }
        rindex.insert(j, u.recs.len());
        u.recs.push(URec {
            key: r.id.clone(),
            left: None,
            right: Some(j),
            digest: r.digest.clone(),
            marks: Vec::new(),
            step: step_of(&r.id),
        });
        u.inputs.push(Vec::new());
    }
    add_links(&mut u, lg, &lindex, Presence::Left);
    add_links(&mut u, rg, &rindex, Presence::Right);
    u.finish();
    // Marks: the summary's changes, by id.
    let by_key: HashMap<&str, usize> = u
        .recs
        .iter()
        .enumerate()
        .map(|(k, r)| (r.key.as_str(), k))
        .collect();
    let mut marks: Vec<Vec<Mark>> = vec![Vec::new(); u.recs.len()];
    for c in &summary.changed {
        let Some(&k) = by_key.get(c.record.id.as_str()) else {
            continue;
        };
        if c.inputs.is_some() {
            marks[k].push(Mark::InputsChanged);
        }
        let field = |d: Option<ResultDelta>, marks: [Mark; 4]| match d {
            Some(ResultDelta::Gained(_)) => Some(marks[0]),
            Some(ResultDelta::Lost(_)) => Some(marks[1]),
            Some(ResultDelta::Changed(_)) if c.times_only => Some(marks[3]),
            Some(ResultDelta::Changed(_)) => Some(marks[2]),
            None => None,
        };
        marks[k].extend(field(
            c.layers,
            [
                Mark::LayersGained,
                Mark::LayersLost,
                Mark::LayersChanged,
                Mark::LayerTimesChanged,
            ],
        ));
        marks[k].extend(field(
            c.chains,
            [
                Mark::ChainsGained,
                Mark::ChainsLost,
                Mark::ChainsChanged,
                Mark::ChainTimesChanged,
            ],
        ));
    }
    for (list, mark) in [
        (&summary.added, Mark::Added),
        (&summary.removed, Mark::Removed),
    ] {
        for r in list {
            if let Some(&k) = by_key.get(r.id.as_str()) {
                marks[k].push(mark);
            }
        }
    }
    for (k, r) in u.recs.iter_mut().enumerate() {
        let m = &mut marks[k];
        let renamed = matches!(
            (r.left, r.right),
            (Some(i), Some(j)) if lg.records[i].id != rg.records[j].id
        );
        if renamed && !m.iter().any(|x| x.is_change()) {
            m.push(Mark::NewId);
        }
        let holds = match r.right {
            Some(j) => holds_result(rg, j),
            None => r.left.is_some_and(|i| holds_result(lg, i)),
        };
        if holds {
            m.push(Mark::Result);
        }
        m.sort_unstable();
        m.dedup();
        r.marks = std::mem::take(m);
    }
    draw(&u, lg, Some(rg), true, view)
}

/// The drawing of the (first) cache of an input: its records named by the image it belongs to
/// (an inline cache's own config, or an image given beside it). `None` without a cache.
pub fn of_input(a: &Analysis, view: &View) -> Option<Drawing> {
    let c = a.caches.first()?;
    let facts = match c.form {
        crate::CacheForm::Inline => c
            .pointer
            .split_last()
            .and_then(|(parent, _)| parent.get(a.outline()))
            .and_then(crate::steps::ImageFacts::from_doc)
            .filter(|f| !f.layers.is_empty()),
        crate::CacheForm::Registry => None,
    }
    .or_else(|| a.image_facts.clone());
    let (steps, _) = crate::steps::name_graph(&c.graph, facts.as_ref());
    Some(single(&c.graph, &steps, view))
}

/// The drawing of a comparison's two caches overlaid (those its cache summary is about).
/// `None` when the comparison has no cache summary.
pub fn of_comparison(
    left: &Analysis,
    right: &Analysis,
    cmp: &Comparison,
    view: &View,
) -> Option<Drawing> {
    let summary = cmp.cache.as_ref()?;
    let find = |a: &Analysis| {
        a.caches
            .iter()
            .find(|c| c.pointer == summary.pointer)
            .map(|c| c.graph.clone())
    };
    let (lg, rg) = (find(left)?, find(right)?);
    Some(overlay(&lg, &rg, summary, view))
}

/// What is drawn: records in priority order, and the groups of the rest.
struct Selection {
    drawn: Vec<usize>,
    /// Per record, its group (index into `groups`) when not drawn.
    group_of: Vec<Option<usize>>,
    /// Groups: their records in order (the first names the group).
    groups: Vec<Vec<usize>>,
}

/// Records first: the focus, then the opened groups' records, then the ancestors of the
/// focus (nearest first) and one level of what it feeds; at most `cap`.
fn fill(u: &Union, focus: &[usize], extra: &[usize], cap: usize) -> Vec<usize> {
    let n = u.recs.len();
    let mut seen = vec![false; n];
    let mut order = Vec::new();
    let push = |k: usize, order: &mut Vec<usize>, seen: &mut Vec<bool>| {
        if !seen[k] && order.len() < cap {
            seen[k] = true;
            order.push(k);
            true
        } else {
            false
        }
    };
    for &k in focus.iter().chain(extra) {
        push(k, &mut order, &mut seen);
    }
    let is_focus: Vec<bool> = {
        let mut f = vec![false; n];
        for &k in focus {
            f[k] = true;
        }
        f
    };
    // Ancestors are walked apart from what is drawn: a record fed by one change can be an
    // input of another.
    let mut queued = is_focus.clone();
    let mut queue: VecDeque<usize> = focus.iter().copied().collect();
    while let Some(k) = queue.pop_front() {
        if order.len() >= cap {
            break;
        }
        for &(i, _) in &u.inputs[k] {
            push(i, &mut order, &mut seen);
            if !queued[i] {
                queued[i] = true;
                queue.push_back(i);
            }
        }
        if is_focus[k] {
            for &d in &u.users[k] {
                push(d, &mut order, &mut seen);
            }
        }
    }
    order
}

/// Groups of the records not drawn: one per connected part, the smallest merged into one when
/// there are more than `max_groups`.
fn group(u: &Union, drawn: &[usize], max_groups: usize) -> Selection {
    let n = u.recs.len();
    let mut is_drawn = vec![false; n];
    for &k in drawn {
        is_drawn[k] = true;
    }
    let mut comp: Vec<Option<usize>> = vec![None; n];
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for start in 0..n {
        if is_drawn[start] || comp[start].is_some() {
            continue;
        }
        let id = groups.len();
        let mut members = vec![start];
        comp[start] = Some(id);
        let mut i = 0;
        while i < members.len() {
            let k = members[i];
            i += 1;
            let near = u.inputs[k]
                .iter()
                .map(|x| x.0)
                .chain(u.users[k].iter().copied());
            for m in near.collect::<Vec<_>>() {
                if !is_drawn[m] && comp[m].is_none() {
                    comp[m] = Some(id);
                    members.push(m);
                }
            }
        }
        members.sort_unstable();
        groups.push(members);
    }
    if groups.len() > max_groups {
        // Keep the largest (ties: the first) apart, merge the rest.
        let mut by_size: Vec<usize> = (0..groups.len()).collect();
        by_size.sort_by_key(|&g| (std::cmp::Reverse(groups[g].len()), groups[g][0]));
        let keep = max_groups.saturating_sub(1);
        let mut kept: Vec<Vec<usize>> = Vec::new();
        let mut rest: Vec<usize> = Vec::new();
        for (rank, &g) in by_size.iter().enumerate() {
            if rank < keep {
                kept.push(std::mem::take(&mut groups[g]));
            } else {
                rest.extend(std::mem::take(&mut groups[g]));
            }
        }
        rest.sort_unstable();
        kept.push(rest);
        kept.sort_by_key(|m| m[0]);
        groups = kept;
    }
    let mut group_of = vec![None; n];
    for (g, members) in groups.iter().enumerate() {
        for &k in members {
            group_of[k] = Some(g);
        }
    }
    Selection {
        drawn: drawn.to_vec(),
        group_of,
        groups,
    }
}

fn group_key(u: &Union, members: &[usize]) -> String {
    format!("group:{}", u.recs[members[0]].key)
}

/// A group's records in the order they are drawn when it opens: those next to what is drawn
/// first, then outwards.
fn opening_order(u: &Union, sel: &Selection, g: usize) -> Vec<usize> {
    let members = &sel.groups[g];
    let inside = |k: usize| sel.group_of[k] == Some(g);
    let mut seen: BTreeMap<usize, ()> = BTreeMap::new();
    let mut order = Vec::with_capacity(members.len());
    let mut queue: VecDeque<usize> = VecDeque::new();
    for &k in members {
        let near_drawn = u.inputs[k]
            .iter()
            .map(|x| x.0)
            .chain(u.users[k].iter().copied())
            .any(|m| sel.group_of[m].is_none());
        if near_drawn {
            seen.insert(k, ());
            queue.push_back(k);
        }
    }
    loop {
        while let Some(k) = queue.pop_front() {
            order.push(k);
            let near = u.inputs[k]
                .iter()
                .map(|x| x.0)
                .chain(u.users[k].iter().copied());
            for m in near.collect::<Vec<_>>() {
                if inside(m) && seen.insert(m, ()).is_none() {
                    queue.push_back(m);
                }
            }
        }
        // Parts of a merged group not next to anything drawn: from their first record.
        match members.iter().find(|k| !seen.contains_key(k)) {
            Some(&k) => {
                seen.insert(k, ());
                queue.push_back(k);
            }
            None => break,
        }
    }
    order
}

fn select(u: &Union, view: &View) -> Selection {
    let max_nodes = view.max_nodes.clamp(2, MAX_NODES);
    let max_groups = (max_nodes / 15).max(1);
    if u.recs.len() <= max_nodes && !view.neighbourhood {
        // Everything fits: everything is drawn.
        let all: Vec<usize> = (0..u.recs.len()).collect();
        return group(u, &all, max_groups);
    }
    let cap = max_nodes - max_groups;
    let mut focus: Vec<usize> = (0..u.recs.len())
        .filter(|&k| u.recs[k].marks.iter().any(|m| m.is_change()))
        .collect();
    if focus.is_empty() {
        // Nothing changed: the final steps (records nothing uses) and their ancestors.
        focus = (0..u.recs.len())
            .filter(|&k| u.users[k].is_empty())
            .collect();
    }
    let mut extra: Vec<usize> = Vec::new();
    let mut sel = group(u, &fill(u, &focus, &extra, cap), max_groups);
    for key in &view.opened {
        let Some(g) = (0..sel.groups.len()).find(|&g| group_key(u, &sel.groups[g]) == *key) else {
            continue;
        };
        extra.extend(opening_order(u, &sel, g));
        sel = group(u, &fill(u, &focus, &extra, cap), max_groups);
    }
    sel
}

fn short_digest(d: &str) -> String {
    match d.strip_prefix("sha256:") {
        Some(h) => format!("sha256:{}", &h[..h.len().min(12)]),
        None if d.is_empty() => "(no digest)".into(),
        None => d.chars().take(19).collect(),
    }
}

/// A step as a label: the Dockerfile step's text, shortened ("input of: …" for a record
/// without a result, named by what it feeds; "layer 3 of its chain" without an image).
fn step_label(s: &Step) -> Option<String> {
    let clean = |t: &str| {
        let t = t.trim();
        let t = t.strip_suffix("# buildkit").unwrap_or(t).trim_end();
        t.strip_prefix("RUN /bin/sh -c ")
            .map_or_else(|| t.to_owned(), |r| format!("RUN {r}"))
    };
    let text = match s.found {
        Found::History | Found::ImageLayer => clean(&s.text),
        Found::Feeds => {
            let inner = s.text.strip_prefix("an input of ").unwrap_or(&s.text);
            format!("input of: {}", clean(inner.trim_matches('`')))
        }
        Found::ChainPosition => s.text.split(" (").next().unwrap_or(&s.text).to_owned(),
    };
    Some(shorten(&text, LABEL_CHARS))
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(max - 1).collect();
        out.push('…');
        out
    }
}

fn size_of(lines: &[String]) -> (u32, u32) {
    let chars = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0) as u32;
    (
        (chars * CHAR_WIDTH + 2 * PADDING).max(60),
        lines.len() as u32 * LINE_HEIGHT + PADDING,
    )
}

fn draw(
    u: &Union,
    lg: &CacheGraph,
    rg: Option<&CacheGraph>,
    overlay: bool,
    view: &View,
) -> Drawing {
    let sel = select(u, view);
    let mut drawn_sorted = sel.drawn.clone();
    drawn_sorted.sort_unstable();
    // Node index of each record drawn, and of each group.
    let mut node_of: Vec<Option<usize>> = vec![None; u.recs.len()];
    let mut nodes: Vec<Node> = Vec::new();
    for &k in &drawn_sorted {
        let r = &u.recs[k];
        node_of[k] = Some(nodes.len());
        let mut lines = vec![
            r.step
                .as_ref()
                .and_then(step_label)
                .unwrap_or_else(|| short_digest(&r.digest)),
        ];
        if !r.marks.is_empty() {
            let words: Vec<&str> = r.marks.iter().map(|m| m.word()).collect();
            lines.push(words.join(", "));
        }
        let id_of = |g: Option<&CacheGraph>, i: Option<usize>| {
            g.zip(i).map(|(g, i)| g.records[i].id.clone())
        };
        let (left, right) = if overlay {
            (id_of(Some(lg), r.left), id_of(rg, r.right))
        } else {
            (id_of(Some(lg), r.left), None)
        };
        nodes.push(Node {
            key: r.key.clone(),
            kind: NodeKind::Record,
            lines,
            marks: r.marks.clone(),
            rect: Rect::default(),
            layer: 0,
            left,
            right,
            digest: r.digest.clone(),
            step: r.step.clone(),
            count: 1,
            changed: usize::from(r.marks.iter().any(|m| m.is_change())),
        });
    }
    let first_group = nodes.len();
    for members in &sel.groups {
        let changed = members
            .iter()
            .filter(|&&k| u.recs[k].marks.iter().any(|m| m.is_change()))
            .count();
        let mut first = crate::words::count(members.len() as u64, "record", "records");
        if changed > 0 {
            first.push_str(&format!(" ({changed} changed)"));
        } else if overlay {
            first = crate::words::count(
                members.len() as u64,
                "unchanged record",
                "unchanged records",
            );
        }
        nodes.push(Node {
            key: group_key(u, members),
            kind: NodeKind::Group,
            lines: vec![first, "folded: open to draw them".into()],
            marks: Vec::new(),
            rect: Rect::default(),
            layer: 0,
            left: None,
            right: None,
            digest: String::new(),
            step: None,
            count: members.len(),
            changed,
        });
    }
    let end = |k: usize| node_of[k].or_else(|| sel.group_of[k].map(|g| first_group + g));
    let mut links: BTreeMap<(usize, usize), (Presence, usize)> = BTreeMap::new();
    for (to, ins) in u.inputs.iter().enumerate() {
        for &(from, p) in ins {
            let (Some(a), Some(b)) = (end(from), end(to)) else {
                continue;
            };
            if a == b {
                continue;
            }
            links
                .entry((a, b))
                .and_modify(|e| {
                    e.0 = e.0.with(p);
                    e.1 += 1;
                })
                .or_insert((p, 1));
        }
    }
    let sizes: Vec<(u32, u32)> = nodes.iter().map(|n| size_of(&n.lines)).collect();
    let pairs: Vec<(usize, usize)> = links.keys().copied().collect();
    let placed = crate::layout::layout(&sizes, &pairs, Spacing::default());
    for (i, n) in nodes.iter_mut().enumerate() {
        n.rect = placed.nodes[i];
        n.layer = placed.layers[i];
    }
    let edges: Vec<Edge> = links
        .iter()
        .zip(placed.edges)
        .map(|(((from, to), (presence, links)), points)| Edge {
            from: *from,
            to: *to,
            presence: *presence,
            links: *links,
            points,
        })
        .collect();
    let mut legend: Vec<LegendEntry> = Vec::new();
    for m in Mark::ALL {
        if nodes.iter().any(|n| n.marks.contains(&m)) {
            legend.push(LegendEntry {
                word: m.word().into(),
                meaning: m.meaning().into(),
            });
        }
    }
    for p in [Presence::Left, Presence::Right] {
        if let Some(meaning) = p
            .meaning()
            .filter(|_| edges.iter().any(|e| e.presence == p))
        {
            legend.push(LegendEntry {
                word: match p {
                    Presence::Left => "dashed link".into(),
                    _ => "thick link".into(),
                },
                meaning: meaning.into(),
            });
        }
    }
    if !sel.groups.is_empty() {
        legend.push(LegendEntry {
            word: "folded".into(),
            meaning: "records not drawn, counted in a group (open it to draw them)".into(),
        });
    }
    let changed = u
        .recs
        .iter()
        .filter(|r| r.marks.iter().any(|m| m.is_change()))
        .count();
    Drawing {
        overlay,
        drawn: first_group,
        nodes,
        edges,
        size: placed.size,
        records: u.recs.len(),
        changed,
        crossings: placed.crossings,
        legend,
    }
}

#[cfg(test)]
mod tests;
