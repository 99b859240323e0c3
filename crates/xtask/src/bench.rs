//! `cargo xtask bench-compare`: times `cachelens diff` beside what users do today, in the same
//! session and on the same generated inputs, and writes the table into `benches/RESULTS.md`.
//!
//! The contenders, for each pair of generated inputs (`cachelens_core::synth`, written by the
//! core's `bench_inputs` example to `target/bench-inputs/`):
//! - `floor`: parse both inputs with serde_json and hash their bytes (the core's `bench_floor`
//!   example), the least any tool must do;
//! - `cachelens`: `cachelens diff --format json` (release-native build);
//! - `jq + diff`: the method of the bug reports, `jq -r '."moby.buildkit.cache.v0"' | base64 -d
//!   | jq -S .` for each side (just `jq -S .` for a cache config), then `diff`;
//! - `jsondiffpatch` and `microdiff` in Node on the decoded JSON (npm packages pinned in
//!   `benches/node/package-lock.json`, installed with `npm ci`).
//!
//! Each is run several times (the median is reported, with the fastest run and the peak RSS of
//! the largest process measured by `/usr/bin/time`); a run that passes the time limit is killed
//! and reported as such.

use std::fmt::Write as _;
use std::fs;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::ctx::{self, Ctx};
use crate::install;

/// Where the table goes in `benches/RESULTS.md` (everything else in the file is kept).
const BEGIN: &str = "<!-- bench-compare:begin (written by `cargo xtask bench-compare`) -->";
const END: &str = "<!-- bench-compare:end -->";

#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct Options {
    /// Record counts of the generated pairs (comma-separated).
    #[arg(long, value_name = "N,N,...", value_delimiter = ',', default_values_t = [1_000, 10_000, 100_000])]
    pub sizes: Vec<usize>,
    /// Timed runs per tool and input (after one warm-up run).
    #[arg(
        long,
        value_name = "N",
        default_value_t = 5,
        value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..)
    )]
    pub runs: usize,
    /// A run longer than this many seconds is killed.
    #[arg(long, value_name = "SECS", default_value = "120", value_parser = timeout_secs)]
    pub timeout: Duration,
    /// Only print the table (do not write it into benches/RESULTS.md).
    #[arg(long = "no-write", action = clap::ArgAction::SetFalse)]
    pub write: bool,
}

/// `--timeout SECS`.
fn timeout_secs(arg: &str) -> Result<Duration, std::num::ParseIntError> {
    arg.parse().map(Duration::from_secs)
}

/// One contender on one input.
#[derive(Debug, Clone)]
struct Contender {
    tool: &'static str,
    /// A shell command line, run at the repository root.
    command: String,
}

/// What the runs of one contender measured.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    /// Seconds of each timed run, and the largest peak RSS seen (KB), if measured.
    Ran {
        secs: Vec<f64>,
        peak_kb: Option<u64>,
    },
    /// Killed at the time limit.
    TimedOut,
    /// Exited with a status other than 0 or 1 (diff's "different").
    Failed(String),
}

impl Outcome {
    fn median(&self) -> Option<f64> {
        match self {
            Outcome::Ran { secs, .. } => median(secs),
            _ => None,
        }
    }
}

pub fn run(ctx: &Ctx, opts: &Options) -> Result<()> {
    let node_dir = ctx.root.join("benches").join("node");
    ctx::timed("ensure tools (jq, npm packages of benches/node)", || {
        install::ensure_apt_program(ctx, "jq", "jq")?;
        install::ensure_apt_program(ctx, "/usr/bin/time", "time")?;
        if install::npm_ci_needed(&node_dir) {
            ctx::run(
                ctx.cmd("npm")
                    .args(["ci", "--no-audit", "--no-fund"])
                    .current_dir(&node_dir)
                    .stdin(Stdio::null()),
            )
            .context("npm ci in benches/node failed (Node.js 20+ and npm are needed)")?;
        } else {
            println!("ok: benches/node/node_modules is up to date with package-lock.json");
        }
        Ok(())
    })?;
    ctx::timed(
        "build (release-native: cachelens, bench_inputs, bench_floor)",
        || {
            ctx::run(ctx.cmd("cargo").args([
                "build",
                "--profile",
                "release-native",
                "-p",
                "cachelens-cli",
                "-p",
                "cachelens-core",
                "--bin",
                "cachelens",
                "--example",
                "bench_inputs",
                "--example",
                "bench_floor",
            ]))
        },
    )?;
    // Binaries from cargo's target dir (CARGO_TARGET_DIR if set); inputs always under the
    // repository's target/, where tests/e2e/perf.spec.ts looks for them.
    let bin = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| PathBuf::from("target"), PathBuf::from)
        .join("release-native");
    let inputs = Path::new("target").join("bench-inputs");
    ctx::timed("generate inputs into target/bench-inputs", || {
        let mut cmd = ctx.cmd(
            &bin.join("examples")
                .join("bench_inputs")
                .display()
                .to_string(),
        );
        cmd.arg(&inputs);
        cmd.args(opts.sizes.iter().map(usize::to_string));
        ctx::run(&mut cmd)
    })?;
    let scratch = inputs.join("scratch");
    fs::create_dir_all(ctx.root.join(&scratch))?;

    let machine = machine(ctx);
    let load_before = load(ctx);
    let mut rows = Vec::new();
    let (_, took) = ctx::timed("time every tool on every input", || {
        for &n in &opts.sizes {
            for kind in ["inline", "registry"] {
                let input = format!("{kind}-{}", short(n));
                let bytes =
                    fs::metadata(ctx.root.join(&inputs).join(format!("{kind}-{n}-left.json")))
                        .map(|m| m.len())
                        .unwrap_or(0);
                for c in contenders(&bin, &inputs, &scratch, kind, n) {
                    print!("{input:>14} {:<14} ", c.tool);
                    let outcome = time_runs(ctx, &c.command, opts)?;
                    println!("{}", describe(&outcome));
                    rows.push(Row {
                        input: input.clone(),
                        bytes,
                        contender: c,
                        outcome,
                    });
                }
            }
        }
        Ok(())
    })?;
    let load_after = load(ctx);
    let table = render(&machine, &load_before, &load_after, took, opts, &rows);
    println!("\n{table}");
    if opts.write {
        let path = ctx.root.join("benches").join("RESULTS.md");
        let old = fs::read_to_string(&path).unwrap_or_default();
        fs::write(&path, splice(&old, &table))
            .with_context(|| format!("writing {}", path.display()))?;
        println!("wrote the table into {}", path.display());
    }
    Ok(())
}

/// The contenders for one generated pair.
fn contenders(bin: &Path, inputs: &Path, scratch: &Path, kind: &str, n: usize) -> Vec<Contender> {
    let bin = bin.display();
    let file = |side: &str, ext: &str| {
        inputs
            .join(format!("{kind}-{n}-{side}.{ext}"))
            .display()
            .to_string()
    };
    let (l, r) = (file("left", "json"), file("right", "json"));
    // What the JavaScript libraries are given: the decoded cache (for an image config) or the
    // cache config itself, already JSON.
    let (dl, dr) = match kind {
        "inline" => (file("left", "cache.json"), file("right", "cache.json")),
        _ => (l.clone(), r.clone()),
    };
    let (a, b) = (
        scratch.join("a.json").display().to_string(),
        scratch.join("b.json").display().to_string(),
    );
    let jq = match kind {
        "inline" => format!(
            "jq -r '.\"moby.buildkit.cache.v0\"' {l} | base64 -d | jq -S . > {a}; \
             jq -r '.\"moby.buildkit.cache.v0\"' {r} | base64 -d | jq -S . > {b}; diff {a} {b} > /dev/null"
        ),
        _ => format!("jq -S . {l} > {a}; jq -S . {r} > {b}; diff {a} {b} > /dev/null"),
    };
    vec![
        Contender {
            tool: "floor",
            command: format!("{bin}/examples/bench_floor {l} {r} > /dev/null"),
        },
        Contender {
            tool: "cachelens",
            command: format!("{bin}/cachelens diff --format json {l} {r} > /dev/null"),
        },
        Contender {
            tool: "jq + diff",
            command: jq,
        },
        Contender {
            tool: "jsondiffpatch",
            command: format!("node benches/node/diff.mjs jsondiffpatch {dl} {dr} > /dev/null"),
        },
        Contender {
            tool: "microdiff",
            command: format!("node benches/node/diff.mjs microdiff {dl} {dr} > /dev/null"),
        },
    ]
}

/// One warm-up run, then `opts.runs` timed runs (fewer when a run takes over 20 s).
fn time_runs(ctx: &Ctx, command: &str, opts: &Options) -> Result<Outcome> {
    let mut secs = Vec::new();
    let mut peak_kb = None;
    let warmup = once(ctx, command, opts.timeout)?;
    let slow = match &warmup {
        Run::Done { secs, .. } => *secs > 20.0,
        Run::TimedOut => return Ok(Outcome::TimedOut),
        Run::Failed(why) => return Ok(Outcome::Failed(why.clone())),
    };
    if slow {
        // A slow tool's warm-up is as good a sample as any; don't spend minutes on repeats.
        if let Run::Done {
            secs: s,
            peak_kb: p,
        } = warmup
        {
            secs.push(s);
            peak_kb = p;
        }
    }
    let runs = if slow { opts.runs.min(2) } else { opts.runs };
    while secs.len() < runs {
        match once(ctx, command, opts.timeout)? {
            Run::Done {
                secs: s,
                peak_kb: p,
            } => {
                secs.push(s);
                peak_kb = peak_kb.max(p);
            }
            Run::TimedOut => return Ok(Outcome::TimedOut),
            Run::Failed(why) => return Ok(Outcome::Failed(why)),
        }
    }
    Ok(Outcome::Ran { secs, peak_kb })
}

enum Run {
    Done { secs: f64, peak_kb: Option<u64> },
    TimedOut,
    Failed(String),
}

/// Runs `sh -c command` under `/usr/bin/time` (peak RSS) in its own process group, so a run
/// that passes the time limit is killed with everything it started.
fn once(ctx: &Ctx, command: &str, timeout: Duration) -> Result<Run> {
    let rss_file = ctx
        .root
        .join("target")
        .join("bench-inputs")
        .join("scratch")
        .join("rss");
    let _ = fs::remove_file(&rss_file);
    let mut cmd = ctx.cmd("/usr/bin/time");
    cmd.args(["-f", "%M", "-o"])
        .arg(&rss_file)
        .args(["sh", "-c", command])
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .process_group(0);
    let start = Instant::now();
    let mut child = cmd
        .spawn()
        .with_context(|| format!("could not start `{command}`"))?;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if start.elapsed() > timeout {
            // The group's id is the child's pid (process_group(0)).
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", child.id())])
                .status();
            let _ = child.wait();
            return Ok(Run::TimedOut);
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let secs = start.elapsed().as_secs_f64();
    // 0: same, 1: different (diff(1) and cachelens alike); anything else is a failure.
    if !matches!(status.code(), Some(0 | 1)) {
        let mut err = String::new();
        if let Some(mut stderr) = child.stderr.take() {
            use std::io::Read as _;
            let _ = stderr.read_to_string(&mut err);
        }
        let last = err
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        return Ok(Run::Failed(format!("{status}: {last}")));
    }
    let peak_kb = fs::read_to_string(&rss_file)
        .ok()
        .and_then(|s| s.lines().rev().find_map(|l| l.trim().parse().ok()));
    Ok(Run::Done { secs, peak_kb })
}

struct Row {
    input: String,
    bytes: u64,
    contender: Contender,
    outcome: Outcome,
}

fn median(xs: &[f64]) -> Option<f64> {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => None,
        n if n % 2 == 1 => Some(v[n / 2]),
        n => Some((v[n / 2 - 1] + v[n / 2]) / 2.0),
    }
}

fn describe(o: &Outcome) -> String {
    match o {
        Outcome::Ran { secs, peak_kb } => format!(
            "median {} over {} runs, peak {}",
            seconds(median(secs).unwrap_or(0.0)),
            secs.len(),
            peak_kb.map_or("?".into(), megabytes)
        ),
        Outcome::TimedOut => "killed at the time limit".into(),
        Outcome::Failed(why) => format!("failed ({why})"),
    }
}

fn seconds(s: f64) -> String {
    if s < 10.0 {
        format!("{s:.3} s")
    } else {
        format!("{s:.1} s")
    }
}

fn megabytes(kb: u64) -> String {
    format!("{:.0} MB", kb as f64 / 1000.0)
}

/// `1k`, `10k`, `100k`, else the number.
fn short(n: usize) -> String {
    if n >= 1000 && n.is_multiple_of(1000) {
        format!("{}k", n / 1000)
    } else {
        n.to_string()
    }
}

/// The markdown block: machine, load, the table, and the commands.
fn render(
    machine: &[(String, String)],
    load_before: &str,
    load_after: &str,
    took: Duration,
    opts: &Options,
    rows: &[Row],
) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "### Same session, same inputs: cachelens beside the tools users use today\n"
    );
    for (k, v) in machine {
        let _ = writeln!(s, "- {k}: {v}");
    }
    let _ = writeln!(s, "- load (`uptime`) before: {load_before}");
    let _ = writeln!(
        s,
        "- load after ({}): {load_after}",
        ctx::human_duration(took)
    );
    let _ = writeln!(
        s,
        "- {} timed runs per cell after one warm-up (2 when a run takes over 20 s); a run over {} s is killed\n",
        opts.runs,
        opts.timeout.as_secs()
    );
    let _ = writeln!(
        s,
        "Median wall time; `× cachelens` is the tool's median over cachelens's on the same input \
         (above 1: cachelens is faster). Peak RSS is of the largest process of the run.\n"
    );
    let _ = writeln!(
        s,
        "| input | one side | tool | median | fastest | peak RSS | × cachelens |"
    );
    let _ = writeln!(s, "|---|---:|---|---:|---:|---:|---:|");
    for row in rows {
        let ours = rows
            .iter()
            .find(|r| r.input == row.input && r.contender.tool == "cachelens")
            .and_then(|r| r.outcome.median());
        let (med, fastest, peak, ratio) = match &row.outcome {
            Outcome::Ran { secs, peak_kb } => {
                let m = median(secs).unwrap_or(0.0);
                let fastest = secs.iter().copied().fold(f64::INFINITY, f64::min);
                (
                    seconds(m),
                    seconds(fastest),
                    peak_kb.map_or("?".into(), megabytes),
                    ours.map_or("?".into(), |o| format!("{:.2}", m / o)),
                )
            }
            Outcome::TimedOut => (
                format!("> {} s (killed)", opts.timeout.as_secs()),
                "".into(),
                "".into(),
                ours.map_or("?".into(), |o| {
                    format!("> {:.0}", opts.timeout.as_secs_f64() / o)
                }),
            ),
            Outcome::Failed(why) => (format!("failed: {why}"), "".into(), "".into(), "".into()),
        };
        let _ = writeln!(
            s,
            "| {} | {:.2} MB | {} | {med} | {fastest} | {peak} | {ratio} |",
            row.input,
            row.bytes as f64 / 1e6,
            row.contender.tool
        );
    }
    let _ = writeln!(
        s,
        "\nCommands (run with `sh -c` at the repository root, `N` the record count):\n"
    );
    let mut seen = Vec::new();
    for row in rows {
        let kind = if row.input.starts_with("inline") {
            "inline"
        } else {
            "registry"
        };
        let key = (kind, row.contender.tool);
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        let n = row.input.split('-').nth(1).unwrap_or("");
        let generic = row
            .contender
            .command
            .replace(&format!("{kind}-{}-", unshort(n)), &format!("{kind}-N-"));
        let _ = writeln!(s, "- {kind}, {}: `{generic}`", row.contender.tool);
    }
    s
}

fn unshort(n: &str) -> String {
    n.strip_suffix('k')
        .and_then(|k| k.parse::<usize>().ok())
        .map_or(n.to_owned(), |k| (k * 1000).to_string())
}

/// Replaces the block between the markers (or appends it).
fn splice(old: &str, table: &str) -> String {
    let block = format!("{BEGIN}\n{table}{END}\n");
    match (old.find(BEGIN), old.find(END)) {
        (Some(b), Some(e)) if b < e => format!(
            "{}{block}{}",
            &old[..b],
            &old[e + END.len()..].trim_start_matches('\n')
        ),
        _ if old.is_empty() => format!("# Benchmark results\n\n{block}"),
        _ => format!("{}\n{block}", old.trim_end()),
    }
}

/// nproc, CPU model, rustc, node and jq versions.
fn machine(ctx: &Ctx) -> Vec<(String, String)> {
    let out = |program: &str, args: &[&str]| {
        ctx::output(ctx.cmd(program).args(args))
            .map(|s| s.trim().to_owned())
            .unwrap_or_else(|| "?".into())
    };
    let cpu = fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "?".into());
    vec![
        ("nproc".into(), out("nproc", &[])),
        ("CPU".into(), cpu),
        ("rustc".into(), out("rustc", &["--version"])),
        ("node".into(), out("node", &["--version"])),
        ("jq".into(), out("jq", &["--version"])),
    ]
}

fn load(ctx: &Ctx) -> String {
    ctx::output(&mut ctx.cmd("uptime"))
        .and_then(|u| {
            u.split("load average:")
                .nth(1)
                .map(|l| format!("load average {}", l.trim()))
        })
        .unwrap_or_else(|| "?".into())
}

/// Installs a Debian package when its program is missing and we are root (as `install.rs`
/// does for Chromium); otherwise says how.
#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, clap::Error> {
        match crate::tests::parse(&[&["bench-compare"], args].concat())?.command {
            crate::Command::BenchCompare(options) => Ok(options),
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn options_parse() {
        let default = parse(&[]).unwrap();
        assert_eq!(default.sizes, [1_000, 10_000, 100_000]);
        assert_eq!(default.runs, 5);
        assert_eq!(default.timeout, Duration::from_secs(120));
        assert!(default.write);
        let o = parse(&["--sizes", "1000,10000", "--runs", "3", "--no-write"]).unwrap();
        assert_eq!(o.sizes, [1000, 10000]);
        assert_eq!(o.runs, 3);
        assert!(!o.write);
        assert_eq!(
            parse(&["--timeout", "7"]).unwrap().timeout,
            Duration::from_secs(7)
        );
        assert!(parse(&["--sizes", "1000,many"]).is_err());
        assert!(parse(&["--timeout", "soon"]).is_err());
        assert!(parse(&["--runs", "0"]).is_err());
        assert!(parse(&["--runs"]).is_err());
        assert!(parse(&["--bogus"]).is_err());
    }

    #[test]
    fn medians_and_names() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&[]), None);
        assert_eq!(short(10_000), "10k");
        assert_eq!(unshort("10k"), "10000");
    }

    #[test]
    fn the_table_replaces_only_its_block() {
        let first = splice("# Results\n\nnotes\n", "T1\n");
        assert!(first.starts_with("# Results\n\nnotes\n"));
        assert!(first.contains("T1"));
        let second = splice(&format!("{first}\nmore notes\n"), "T2\n");
        assert!(second.contains("T2") && !second.contains("T1"));
        assert!(second.contains("notes\n") && second.contains("more notes"));
    }
}
