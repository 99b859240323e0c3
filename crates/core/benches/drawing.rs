//! The record graph drawing on the 10k pairs (`cachelens_core::synth`): selecting what is drawn
//! (the changed records, their ancestors, one level of what they feed, counted groups) and laying
//! it out, then the layout alone on what is drawn (at most 300 nodes). See benches/RESULTS.md.
//!
//! `cargo bench -p cachelens-core --bench drawing`

use cachelens_core::drawing::{self, View};
use cachelens_core::layout::{self, Spacing};
use cachelens_core::synth;
use cachelens_core::{Options, analyze, compare};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("drawing");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(5));
    for (name, pair) in [
        ("inline-10k", synth::inline_config_pair(10_000, 1)),
        ("registry-10k", synth::cache_config_pair(10_000, 1)),
    ] {
        let l = analyze(&pair.left, None).unwrap();
        let r = analyze(&pair.right, None).unwrap();
        let cmp = compare(&l, &r, &Options::default());
        let view = View::default();
        let d = drawing::of_comparison(&l, &r, &cmp, &view).unwrap();
        eprintln!(
            "{name}: {} nodes ({} records drawn of {}), {} edges, {} crossings",
            d.nodes.len(),
            d.drawn,
            d.records,
            d.edges.len(),
            d.crossings
        );
        group.bench_function(format!("{name}/select+layout"), |b| {
            b.iter(|| drawing::of_comparison(&l, &r, &cmp, black_box(&view)))
        });
        let sizes: Vec<(u32, u32)> = d
            .nodes
            .iter()
            .map(|n| (n.rect.width as u32, n.rect.height as u32))
            .collect();
        let edges: Vec<(usize, usize)> = d.edges.iter().map(|e| (e.from, e.to)).collect();
        group.bench_function(format!("{name}/layout"), |b| {
            b.iter(|| layout::layout(black_box(&sizes), black_box(&edges), Spacing::default()))
        });
        let svg = cachelens_core::picture::to_svg(&d);
        group.bench_function(format!("{name}/svg"), |b| {
            b.iter(|| cachelens_core::picture::to_svg(black_box(&d)))
        });
        eprintln!("{name}: SVG {} bytes", svg.len());
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
