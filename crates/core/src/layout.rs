//! A layered drawing of a directed graph (Sugiyama's method), small and deterministic: the same
//! nodes and edges give the same picture, natively and in wasm.
//!
//! 1. Cycles (a drawing of two caches overlaid, or folded groups, can have some) are broken by
//!    reversing the back edges of a depth-first search in index order; reversed edges are drawn
//!    pointing up.
//! 2. Layers: longest path from the sources (sources on top), then each source moved down to
//!    just above the first node it feeds, so a base image does not hang a long edge over the
//!    whole picture.
//! 3. Edges spanning several layers get a dummy node per layer crossed: they become polylines.
//! 4. Crossings: alternating down and up sweeps ordering each layer by the barycenter of its
//!    neighbours in the layer before (ties: the current order), the order with the fewest
//!    crossings (counted exactly, with a Fenwick tree per layer pair) kept.
//! 5. Coordinates: each layer's centres pulled towards the mean of their neighbours' centres by
//!    an exact least-squares fit under the order and the minimum gaps (pool adjacent
//!    violators), a few passes down, up and both; coordinates rounded to whole pixels.
//!
//! Linear-ish: the 300 nodes a drawing holds at most lay out in a few milliseconds
//! (`benches/RESULTS.md`). No dependency: see `benches/RESULTS.md` for why no layout crate.

/// Gaps between nodes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spacing {
    /// Horizontal gap between two nodes of a layer.
    pub node_gap: f64,
    /// Vertical gap between two layers.
    pub layer_gap: f64,
    /// Width an edge passing through a layer takes.
    pub edge_gap: f64,
}

impl Default for Spacing {
    fn default() -> Self {
        Spacing {
            node_gap: 24.0,
            layer_gap: 44.0,
            edge_gap: 10.0,
        }
    }
}

/// A node's box, top-left corner and size, in whole pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Rect {
    /// Left.
    pub x: i32,
    /// Top.
    pub y: i32,
    /// Width.
    pub width: i32,
    /// Height.
    pub height: i32,
}

/// The laid-out graph.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Placed {
    /// Each node's box, indexed like the input sizes.
    pub nodes: Vec<Rect>,
    /// Each node's layer (0 at the top).
    pub layers: Vec<usize>,
    /// Each edge as a polyline from the bottom of its source to the top of its target (or, for
    /// an edge drawn against the layering, from the top of its source up to the bottom of its
    /// target), indexed like the input edges.
    pub edges: Vec<Vec<(i32, i32)>>,
    /// Width and height of the whole picture.
    pub size: (i32, i32),
    /// Edge crossings left (between consecutive layers, dummies included).
    pub crossings: usize,
}

/// Lays out `sizes.len()` nodes of the given (width, height) linked by `edges` (from, to).
pub fn layout(sizes: &[(u32, u32)], edges: &[(usize, usize)], spacing: Spacing) -> Placed {
    let n = sizes.len();
    if n == 0 {
        return Placed {
            edges: vec![Vec::new(); edges.len()],
            ..Placed::default()
        };
    }
    // Out-edges per node (index order, deduplicated), self loops left out.
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(u, v) in edges {
        if u < n && v < n && u != v {
            out[u].push(v);
        }
    }
    for o in &mut out {
        o.sort_unstable();
        o.dedup();
    }
    let reversed = back_edges(&out);
    // The acyclic graph: (u, v) with back edges turned around.
    let mut dag: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (u, o) in out.iter().enumerate() {
        for &v in o {
            if reversed.contains(&(u, v)) {
                dag[v].push(u);
            } else {
                dag[u].push(v);
            }
        }
    }
    for o in &mut dag {
        o.sort_unstable();
        o.dedup();
    }
    let layer = layering(&dag);
    let mut g = Virtual::new(sizes, &layer);
    // One chain of virtual nodes per DAG edge.
    let mut chains: std::collections::BTreeMap<(usize, usize), Vec<usize>> = Default::default();
    for (u, o) in dag.iter().enumerate() {
        for &v in o {
            let chain = g.chain(u, v);
            chains.insert((u, v), chain);
        }
    }
    g.order_layers();
    let crossings = g.reduce_crossings();
    g.place_x(spacing);
    let tops = g.layer_tops(spacing);
    // Nodes.
    let min_x =
        g.x.iter()
            .zip(&g.w)
            .map(|(x, w)| x - w / 2.0)
            .fold(f64::INFINITY, f64::min);
    let shift = -min_x;
    let mut nodes = Vec::with_capacity(n);
    for v in 0..n {
        let (w, h) = (f64::from(sizes[v].0), f64::from(sizes[v].1));
        let top = tops[layer[v]] + (g.layer_height[layer[v]] - h) / 2.0;
        nodes.push(Rect {
            x: px(g.x[v] + shift - w / 2.0),
            y: px(top),
            width: sizes[v].0 as i32,
            height: sizes[v].1 as i32,
        });
    }
    let width =
        g.x.iter()
            .zip(&g.w)
            .map(|(x, w)| x + shift + w / 2.0)
            .fold(0.0, f64::max);
    let height =
        tops.last().copied().unwrap_or(0.0) + g.layer_height.last().copied().unwrap_or(0.0);
    // Edges: through their dummies, from the source's side facing the target.
    let point = |v: usize, bottom: bool| -> (i32, i32) {
        let r = &nodes[v];
        let y = if bottom { r.y + r.height } else { r.y };
        (r.x + r.width / 2, y)
    };
    let paths = edges
        .iter()
        .map(|&(u, v)| {
            if u >= n || v >= n {
                return Vec::new();
            }
            if u == v {
                return vec![point(u, true), point(u, false)];
            }
            let flipped = reversed.contains(&(u, v));
            let (a, b) = if flipped { (v, u) } else { (u, v) };
            let Some(chain) = chains.get(&(a, b)) else {
                return Vec::new();
            };
            let mut pts = vec![point(a, true)];
            for &d in &chain[1..chain.len() - 1] {
                pts.push((
                    px(g.x[d] + shift),
                    px(tops[g.layer[d]] + g.layer_height[g.layer[d]] / 2.0),
                ));
            }
            pts.push(point(b, false));
            if flipped {
                pts.reverse();
            }
            straighten(pts)
        })
        .collect();
    Placed {
        nodes,
        layers: layer,
        edges: paths,
        size: (px(width.ceil()), px(height.ceil())),
        crossings,
    }
}

fn px(v: f64) -> i32 {
    v.round() as i32
}

/// Drops the middle of three points on one line.
fn straighten(pts: Vec<(i32, i32)>) -> Vec<(i32, i32)> {
    let mut out: Vec<(i32, i32)> = Vec::with_capacity(pts.len());
    for p in pts {
        while out.len() >= 2 {
            let (a, b) = (out[out.len() - 2], out[out.len() - 1]);
            let cross = i64::from(b.0 - a.0) * i64::from(p.1 - a.1)
                - i64::from(b.1 - a.1) * i64::from(p.0 - a.0);
            if cross == 0 {
                out.pop();
            } else {
                break;
            }
        }
        out.push(p);
    }
    out
}

/// The edges a depth-first search in index order finds going back to a node on its path.
fn back_edges(out: &[Vec<usize>]) -> std::collections::BTreeSet<(usize, usize)> {
    let n = out.len();
    // 0 unvisited, 1 on the path, 2 done.
    let mut state = vec![0u8; n];
    let mut back = std::collections::BTreeSet::new();
    let mut stack: Vec<(usize, usize)> = Vec::new();
    for root in 0..n {
        if state[root] != 0 {
            continue;
        }
        state[root] = 1;
        stack.push((root, 0));
        while let Some(&mut (u, ref mut k)) = stack.last_mut() {
            if let Some(&v) = out[u].get(*k) {
                *k += 1;
                match state[v] {
                    0 => {
                        state[v] = 1;
                        stack.push((v, 0));
                    }
                    1 => {
                        back.insert((u, v));
                    }
                    _ => {}
                }
            } else {
                state[u] = 2;
                stack.pop();
            }
        }
    }
    back
}

/// Longest path from the sources, then sources moved down next to what they feed.
fn layering(dag: &[Vec<usize>]) -> Vec<usize> {
    let n = dag.len();
    let mut indeg = vec![0usize; n];
    for o in dag {
        for &v in o {
            indeg[v] += 1;
        }
    }
    let mut queue: std::collections::VecDeque<usize> = (0..n).filter(|&v| indeg[v] == 0).collect();
    let sources: Vec<usize> = queue.iter().copied().collect();
    let mut layer = vec![0usize; n];
    let mut left = indeg.clone();
    while let Some(u) = queue.pop_front() {
        for &v in &dag[u] {
            layer[v] = layer[v].max(layer[u] + 1);
            left[v] -= 1;
            if left[v] == 0 {
                queue.push_back(v);
            }
        }
    }
    for s in sources {
        if let Some(first) = dag[s].iter().map(|&v| layer[v]).min() {
            layer[s] = first.saturating_sub(1).max(layer[s]);
        }
    }
    layer
}

/// The layered graph with dummy nodes: real nodes `0..n`, dummies after.
struct Virtual {
    layer: Vec<usize>,
    /// Widths.
    w: Vec<f64>,
    /// Weight in the coordinate fit (dummies pull harder, so long edges run straight).
    weight: Vec<f64>,
    up: Vec<Vec<usize>>,
    down: Vec<Vec<usize>>,
    /// Nodes of each layer, in order.
    rows: Vec<Vec<usize>>,
    /// Position of each node in its row.
    pos: Vec<usize>,
    /// Centre x.
    x: Vec<f64>,
    layer_height: Vec<f64>,
    real: usize,
}

impl Virtual {
    fn new(sizes: &[(u32, u32)], layer: &[usize]) -> Self {
        let layers = layer.iter().max().map_or(0, |m| m + 1);
        let mut layer_height = vec![0.0f64; layers];
        for (v, &l) in layer.iter().enumerate() {
            layer_height[l] = layer_height[l].max(f64::from(sizes[v].1));
        }
        let n = sizes.len();
        Virtual {
            layer: layer.to_vec(),
            w: sizes.iter().map(|s| f64::from(s.0)).collect(),
            weight: vec![1.0; n],
            up: vec![Vec::new(); n],
            down: vec![Vec::new(); n],
            rows: vec![Vec::new(); layers],
            pos: vec![0; n],
            x: vec![0.0; n],
            layer_height,
            real: n,
        }
    }

    fn add(&mut self, layer: usize, width: f64) -> usize {
        self.layer.push(layer);
        self.w.push(width);
        self.weight.push(4.0);
        self.up.push(Vec::new());
        self.down.push(Vec::new());
        self.pos.push(0);
        self.x.push(0.0);
        self.layer.len() - 1
    }

    /// The virtual nodes of the edge u → v (u above v): u, the dummies, v.
    fn chain(&mut self, u: usize, v: usize) -> Vec<usize> {
        let mut chain = vec![u];
        let mut prev = u;
        for l in self.layer[u] + 1..self.layer[v] {
            let d = self.add(l, 0.0);
            self.down[prev].push(d);
            self.up[d].push(prev);
            chain.push(d);
            prev = d;
        }
        self.down[prev].push(v);
        self.up[v].push(prev);
        chain.push(v);
        chain
    }

    /// A first order: depth-first from the top, real nodes in index order.
    fn order_layers(&mut self) {
        let total = self.layer.len();
        let mut seen = vec![false; total];
        let mut roots: Vec<usize> = (0..total).filter(|&v| self.up[v].is_empty()).collect();
        roots.sort_by_key(|&v| (self.layer[v], v));
        let mut stack: Vec<usize> = Vec::new();
        for r in roots {
            stack.push(r);
            while let Some(v) = stack.pop() {
                if seen[v] {
                    continue;
                }
                seen[v] = true;
                self.pos[v] = self.rows[self.layer[v]].len();
                self.rows[self.layer[v]].push(v);
                for &d in self.down[v].iter().rev() {
                    if !seen[d] {
                        stack.push(d);
                    }
                }
            }
        }
        for (v, &seen) in seen.iter().enumerate().take(total) {
            if !seen {
                self.pos[v] = self.rows[self.layer[v]].len();
                self.rows[self.layer[v]].push(v);
            }
        }
    }

    fn crossings(&self) -> usize {
        (0..self.rows.len().saturating_sub(1))
            .map(|l| self.crossings_below(l))
            .sum()
    }

    /// Crossings between layer `l` and `l + 1`: inversions of the lower ends in upper order.
    fn crossings_below(&self, l: usize) -> usize {
        let lower = self.rows[l + 1].len();
        let mut ends: Vec<usize> = Vec::new();
        for &u in &self.rows[l] {
            let mut mine: Vec<usize> = self.down[u].iter().map(|&v| self.pos[v]).collect();
            mine.sort_unstable();
            ends.extend(mine);
        }
        // Fenwick tree over lower positions: count earlier ends strictly to the right.
        let mut tree = vec![0usize; lower + 1];
        let mut crossings = 0;
        for (seen, &e) in ends.iter().enumerate() {
            let mut i = e + 1;
            let mut at_most = 0;
            while i > 0 {
                at_most += tree[i];
                i &= i - 1;
            }
            crossings += seen - at_most;
            let mut i = e + 1;
            while i <= lower {
                tree[i] += 1;
                i += i & i.wrapping_neg();
            }
        }
        crossings
    }

    /// Barycenter sweeps; keeps the best order seen. Returns its crossings.
    fn reduce_crossings(&mut self) -> usize {
        let mut best = self.crossings();
        let mut best_rows = self.rows.clone();
        let mut stale = 0;
        for round in 0..24 {
            if best == 0 {
                break;
            }
            let down = round % 2 == 0;
            let layers: Vec<usize> = if down {
                (1..self.rows.len()).collect()
            } else {
                (0..self.rows.len().saturating_sub(1)).rev().collect()
            };
            for l in layers {
                self.sort_row(l, down);
            }
            let c = self.crossings();
            if c < best {
                best = c;
                best_rows = self.rows.clone();
                stale = 0;
            } else {
                stale += 1;
                if stale >= 4 {
                    break;
                }
            }
        }
        self.rows = best_rows;
        for row in &self.rows {
            for (i, &v) in row.iter().enumerate() {
                self.pos[v] = i;
            }
        }
        best
    }

    fn sort_row(&mut self, l: usize, by_up: bool) {
        let mut keyed: Vec<(f64, usize, usize)> = self.rows[l]
            .iter()
            .map(|&v| {
                let nb = if by_up { &self.up[v] } else { &self.down[v] };
                let key = if nb.is_empty() {
                    self.pos[v] as f64
                } else {
                    nb.iter().map(|&u| self.pos[u] as f64).sum::<f64>() / nb.len() as f64
                };
                (key, self.pos[v], v)
            })
            .collect();
        keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        self.rows[l] = keyed.into_iter().map(|k| k.2).collect();
        for (i, &v) in self.rows[l].iter().enumerate() {
            self.pos[v] = i;
        }
    }

    /// The smallest distance between the centres of two neighbours of a row.
    fn sep(&self, a: usize, b: usize, spacing: Spacing) -> f64 {
        let gap = if a >= self.real || b >= self.real {
            spacing.edge_gap
        } else {
            spacing.node_gap
        };
        self.w[a] / 2.0 + gap + self.w[b] / 2.0
    }

    fn place_x(&mut self, spacing: Spacing) {
        for row in &self.rows {
            let mut x = 0.0;
            for (i, &v) in row.iter().enumerate() {
                if i > 0 {
                    x += self.sep(row[i - 1], v, spacing);
                }
                self.x[v] = x;
            }
        }
        let layers = self.rows.len();
        // (use up, use down) per pass.
        let passes = [
            (true, false),
            (false, true),
            (true, false),
            (false, true),
            (true, true),
            (true, true),
        ];
        for (use_up, use_down) in passes {
            let order: Vec<usize> = if use_up && !use_down {
                (0..layers).collect()
            } else if use_down && !use_up {
                (0..layers).rev().collect()
            } else {
                (0..layers).collect()
            };
            for l in order {
                self.fit_row(l, use_up, use_down, spacing);
            }
        }
    }

    /// Least-squares centres for row `l` towards its neighbours' mean, under the row's order and
    /// gaps: isotonic regression (pool adjacent violators) on x minus the cumulative gaps.
    fn fit_row(&mut self, l: usize, use_up: bool, use_down: bool, spacing: Spacing) {
        let row = &self.rows[l];
        if row.is_empty() {
            return;
        }
        let mut offset = Vec::with_capacity(row.len());
        let mut acc = 0.0;
        for (i, &v) in row.iter().enumerate() {
            if i > 0 {
                acc += self.sep(row[i - 1], v, spacing);
            }
            offset.push(acc);
        }
        // Blocks of (weighted sum, weight, count).
        let mut blocks: Vec<(f64, f64, usize)> = Vec::with_capacity(row.len());
        for (i, &v) in row.iter().enumerate() {
            let mut sum = 0.0;
            let mut k = 0usize;
            if use_up {
                for &u in &self.up[v] {
                    sum += self.x[u];
                    k += 1;
                }
            }
            if use_down {
                for &u in &self.down[v] {
                    sum += self.x[u];
                    k += 1;
                }
            }
            let (want, wt) = if k == 0 {
                (self.x[v], 0.1)
            } else {
                (sum / k as f64, self.weight[v])
            };
            let target = want - offset[i];
            blocks.push((target * wt, wt, 1));
            while blocks.len() >= 2 {
                let (s1, w1, c1) = blocks[blocks.len() - 1];
                let (s0, w0, c0) = blocks[blocks.len() - 2];
                if s0 / w0 > s1 / w1 {
                    blocks.pop();
                    let last = blocks.len() - 1;
                    blocks[last] = (s0 + s1, w0 + w1, c0 + c1);
                } else {
                    break;
                }
            }
        }
        let mut i = 0;
        for (s, w, c) in blocks {
            let y = s / w;
            for _ in 0..c {
                let v = self.rows[l][i];
                self.x[v] = y + offset[i];
                i += 1;
            }
        }
    }

    fn layer_tops(&self, spacing: Spacing) -> Vec<f64> {
        let mut tops = Vec::with_capacity(self.layer_height.len());
        let mut y = 0.0;
        for h in &self.layer_height {
            tops.push(y);
            y += h + spacing.layer_gap;
        }
        tops
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn boxes(n: usize) -> Vec<(u32, u32)> {
        (0..n).map(|i| (40 + (i as u32 % 3) * 10, 20)).collect()
    }

    fn overlaps(p: &Placed) -> bool {
        p.nodes.iter().enumerate().any(|(i, a)| {
            p.nodes[i + 1..].iter().any(|b| {
                a.x < b.x + b.width
                    && b.x < a.x + a.width
                    && a.y < b.y + b.height
                    && b.y < a.y + a.height
            })
        })
    }

    #[test]
    fn a_chain_is_a_straight_column_top_down() {
        let p = layout(&boxes(4), &[(0, 1), (1, 2), (2, 3)], Spacing::default());
        assert_eq!(p.layers, [0, 1, 2, 3]);
        let centres: Vec<i32> = p.nodes.iter().map(|r| r.x + r.width / 2).collect();
        assert!(
            centres.windows(2).all(|w| (w[0] - w[1]).abs() <= 1),
            "{centres:?}"
        );
        assert!(p.nodes.windows(2).all(|w| w[0].y + w[0].height < w[1].y));
        assert_eq!(p.crossings, 0);
        for (e, &(u, v)) in p.edges.iter().zip(&[(0usize, 1usize), (1, 2), (2, 3)]) {
            assert_eq!(e.first().unwrap().1, p.nodes[u].y + p.nodes[u].height);
            assert_eq!(e.last().unwrap().1, p.nodes[v].y);
        }
    }

    #[test]
    fn long_edges_bend_through_their_layers_and_nothing_overlaps() {
        // 0 → 1 → 2 → 3 and 0 → 3, plus a source 4 feeding 3 only (moved down next to it).
        let edges = [(0, 1), (1, 2), (2, 3), (0, 3), (4, 3)];
        let p = layout(&boxes(5), &edges, Spacing::default());
        assert_eq!(p.layers, [0, 1, 2, 3, 2]);
        assert!(!overlaps(&p));
        assert!(p.edges.iter().all(|e| e.len() >= 2));
        let (w, h) = p.size;
        assert!(
            p.nodes
                .iter()
                .all(|r| r.x >= 0 && r.y >= 0 && r.x + r.width <= w && r.y + r.height <= h)
        );
    }

    #[test]
    fn crossings_are_removed_when_an_order_without_them_exists() {
        // Two columns given crossed: 0→3, 1→2 (a crossing in index order).
        let p = layout(&boxes(4), &[(0, 3), (1, 2), (0, 2)], Spacing::default());
        assert_eq!(p.crossings, 0);
        // K(3,3) has to cross: some are left, counted.
        let k33: Vec<(usize, usize)> = (0..3).flat_map(|u| (3..6).map(move |v| (u, v))).collect();
        let p = layout(&boxes(6), &k33, Spacing::default());
        assert_eq!(p.crossings, 9);
    }

    #[test]
    fn cycles_and_self_loops_lay_out_with_the_back_edge_pointing_up() {
        let edges = [(0, 1), (1, 2), (2, 0), (1, 1)];
        let p = layout(&boxes(3), &edges, Spacing::default());
        assert_eq!(p.layers, [0, 1, 2]);
        let back = &p.edges[2];
        assert_eq!(back.first().unwrap().1, p.nodes[2].y);
        assert_eq!(back.last().unwrap().1, p.nodes[0].y + p.nodes[0].height);
        assert!(!overlaps(&p));
    }

    #[test]
    fn the_same_graph_gives_the_same_picture() {
        let mut edges = Vec::new();
        let mut s = 7u64;
        for v in 1..200usize {
            for _ in 0..2 {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                edges.push(((s >> 33) as usize % v, v));
            }
        }
        let a = layout(&boxes(200), &edges, Spacing::default());
        let b = layout(&boxes(200), &edges, Spacing::default());
        assert_eq!(a, b);
        assert!(!overlaps(&a));
        assert_eq!(a.edges.len(), edges.len());
    }

    #[test]
    fn empty_input_is_an_empty_picture() {
        let p = layout(&[], &[(0, 1)], Spacing::default());
        assert_eq!((p.nodes.len(), p.edges.len(), p.size), (0, 1, (0, 0)));
    }
}
