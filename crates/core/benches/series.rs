//! `cachelens series` in the core: a series of 2 and of 50 rebuilds of about 1k cache records
//! each (`cachelens_core::synth::inline_config_series`: every build renumbered its own way, three
//! states of the cache, 4 transitions in 50 builds), from bytes to the series: each input
//! analysed, fingerprinted and, when it differs from the one before, compared with it (the
//! report of the transition built), one input at a time as the CLI does.
//!
//! `cargo bench -p cachelens-core --bench series`

use cachelens_core::series::{Builder, Input};
use cachelens_core::{Options, analyze, synth};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;

fn series(c: &mut Criterion) {
    let builds = synth::inline_config_series(1_000, 50, 1);
    let mut group = c.benchmark_group("series");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    for n in [2usize, 50] {
        let inputs = &builds[..n];
        let bytes: usize = inputs.iter().map(Vec::len).sum();
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_with_input(BenchmarkId::new("inline-1k", n), inputs, |b, inputs| {
            b.iter(|| {
                let mut s = Builder::new(Options::default());
                for (i, bytes) in inputs.iter().enumerate() {
                    let a = analyze(bytes, None).map(|a| Input::Document(Box::new(a)));
                    s.push(format!("build-{i}"), a.map_err(|e| e.to_string()));
                }
                let s = s.finish();
                assert_eq!(s.groups.len(), if inputs.len() > 10 { 3 } else { 1 });
                black_box(s)
            });
        });
    }
    group.finish();
}

criterion_group!(benches, series);
criterion_main!(benches);
