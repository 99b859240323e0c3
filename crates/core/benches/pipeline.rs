//! The core's pipeline stage by stage on generated pairs of about 1k, 10k and 100k cache
//! records (`cachelens_core::synth`: a renumbered twin with two real changes), beside the floor
//! (`synth::floor`: parsing both inputs, decoding an inline cache, hashing the bytes). See
//! benches/README.md.
//!
//! `cargo bench -p cachelens-core --bench pipeline` (all), or a filter such as
//! `CACHELENS_BENCH_SIZES=10k cargo bench -p cachelens-core --bench pipeline -- 'whole|floor'`.

use cachelens_core::synth::{self, Pair};
use cachelens_core::{
    Analysis, CanonOptions, Digest, Options, analyze, canonicalize, compare, detect, diff, json,
    view,
};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;

/// (name, records)
const SIZES: [(&str, usize); 3] = [("1k", 1_000), ("10k", 10_000), ("100k", 100_000)];

struct Input {
    name: String,
    pair: Pair,
}

/// The pairs to run on; `CACHELENS_BENCH_SIZES=1k,10k` picks sizes (generating and analysing
/// the 100k pairs alone takes a while).
fn inputs() -> Vec<Input> {
    let only = std::env::var("CACHELENS_BENCH_SIZES").ok();
    let mut out = Vec::new();
    for (size, n) in SIZES {
        if only
            .as_ref()
            .is_some_and(|o| !o.split(',').any(|x| x.trim() == size))
        {
            continue;
        }
        out.push(Input {
            name: format!("inline-{size}"),
            pair: synth::inline_config_pair(n, 1),
        });
        out.push(Input {
            name: format!("registry-{size}"),
            pair: synth::cache_config_pair(n, 1),
        });
    }
    out
}

/// Fewer samples for the large inputs, so a full run stays within minutes on 2 cores.
fn tune(group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>, bytes: usize) {
    group.throughput(Throughput::Bytes(bytes as u64));
    if bytes > 20_000_000 {
        group
            .sample_size(10)
            .measurement_time(Duration::from_secs(20));
    } else if bytes > 2_000_000 {
        group
            .sample_size(10)
            .measurement_time(Duration::from_secs(8));
    } else {
        group
            .sample_size(20)
            .measurement_time(Duration::from_secs(4));
    }
}

fn bench(c: &mut Criterion) {
    for input in inputs() {
        let Pair { left, right, .. } = &input.pair;
        let both = left.len() + right.len();
        let name = &input.name;
        let analyzed = |bytes: &[u8]| analyze(bytes, None).expect("generated inputs are valid");
        let (l, r) = (analyzed(left), analyzed(right));

        // The floor: what any tool must do at least (`synth::floor`: parse both inputs, decode
        // an inline cache's base64 and parse it, hash the bytes).
        let mut g = c.benchmark_group("floor");
        tune(&mut g, both);
        g.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.iter(|| {
                for bytes in [left, right] {
                    black_box(synth::floor(black_box(bytes)).unwrap());
                }
            })
        });
        g.finish();

        // Detect + decode + canonicalise + digests of one input (`analyze`), both sides.
        let mut g = c.benchmark_group("analyze");
        tune(&mut g, both);
        g.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.iter(|| black_box((analyzed(left), analyzed(right))))
        });
        g.finish();

        // Detection alone, on the parsed input.
        let mut g = c.benchmark_group("detect");
        tune(&mut g, left.len());
        g.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.iter(|| black_box(detect(black_box(&l.original))))
        });
        g.finish();

        // Canonicalisation (base64 and record decoding included) of the parsed left input.
        let mut g = c.benchmark_group("canonicalize");
        tune(&mut g, left.len());
        g.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.iter(|| black_box(canonicalize(&l.original, l.kind, &CanonOptions::default())))
        });
        g.finish();

        // sha256 of the exact bytes of both inputs.
        let mut g = c.benchmark_group("digest");
        tune(&mut g, both);
        g.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.iter(|| black_box((Digest::sha256(left), Digest::sha256(right))))
        });
        g.finish();

        // The structural diff of the two canonical documents.
        let mut g = c.benchmark_group("diff");
        tune(&mut g, both);
        g.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.iter(|| black_box(diff(l.canonical(), r.canonical())))
        });
        g.finish();

        // `compare` of two analysed inputs: the diff plus verdict, attribution, cache summary.
        let mut g = c.benchmark_group("compare");
        tune(&mut g, both);
        g.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.iter(|| black_box(compare(&l, &r, &Options::default())))
        });
        g.finish();

        // The viewer's document view: both canonical documents pretty-printed, and their
        // side-by-side line rows (unchanged stretches folded), as the page lays them out after
        // showing the verdict.
        let mut g = c.benchmark_group("view");
        tune(&mut g, both);
        g.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.iter(|| {
                let (lt, rt) = (
                    json::to_pretty(l.canonical()),
                    json::to_pretty(r.canonical()),
                );
                black_box(view::side_by_side(&lt, &rt, 3).len())
            })
        });
        g.finish();

        // The whole diff, bytes to answer: `analyze` both + `compare` (drops included, as in a
        // program that answers and moves on).
        let mut g = c.benchmark_group("whole");
        tune(&mut g, both);
        g.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.iter(|| {
                let (l, r): (Analysis, Analysis) = (analyzed(left), analyzed(right));
                compare(&l, &r, &Options::default()).verdict
            })
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
