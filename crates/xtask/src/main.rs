//! `cargo xtask`: the single entry point for building, serving and testing cachelens.
//!
//! Run `cargo xtask help` for the commands. Every command first makes sure the tools it
//! needs are installed at the pinned versions (see `install.rs`), so a fresh clone on a
//! new machine needs only Rust, Node.js/npm and (for the browser tests) root for apt.

mod bench;
mod ctx;
mod dist;
mod fuzz;
mod install;
mod layers;
mod serve;
mod server;
mod test;

use std::process::ExitCode;

use anyhow::{Result, bail};

use crate::ctx::Ctx;

const USAGE: &str = "\
Usage: cargo xtask <command> [options]

Commands:
  serve [--port N] [--no-build]
        Build the web viewer (trunk build --release) and serve dist/ at
        http://127.0.0.1:N/ (default 8080), also under /some/sub/path/.
  dist  Build the web viewer into dist/ and report its size against the budget
        (450 KB gzipped wasm + JS; over it, it fails).
  test [--skip-e2e] [--only STEPS] [--skip STEPS]
        Run every check, in order, stopping at the first failure:
          fmt, clippy, test (native), wasm-test (core in headless Chromium),
          build (trunk build --release), e2e (Playwright against dist/).
        STEPS is a comma-separated list of those names, e.g. --only build,e2e.
  bench-compare [--sizes N,N,...] [--runs N] [--timeout SECS] [--no-write]
        Generate cache pairs of N records (default 1000,10000,100000) into
        target/bench-inputs/, then time cachelens diff (release-native) beside
        the parse-and-hash floor, jq -S + diff, jsondiffpatch and microdiff
        (Node, benches/node) on them, and write the table into
        benches/RESULTS.md. Installs jq (apt, as root) and the npm packages.
  fuzz [TARGET...] [--seconds N]
        Run the cargo-fuzz targets of crates/core/fuzz (default: all of
        detect, decode, canonicalize, diff, share, tar), N seconds each
        (default 600), from corpora seeded with tests/fixtures. Uses a nightly
        toolchain if rustup has one, else RUSTC_BOOTSTRAP=1; installs cargo-fuzz.
  layers
        Check that every module of the core and the web crate imports only
        modules below it, in the order ARCHITECTURE.md's `layers` blocks give;
        print each module's imports.
  tools Install every missing tool (wasm target, trunk, wasm-bindgen-cli,
        npm packages, Chromium) without building anything.
  help  Show this message.
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("\nerror: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<()> {
    let Some((command, rest)) = args.split_first() else {
        print!("{USAGE}");
        bail!("no command given");
    };
    match command.as_str() {
        "help" | "--help" | "-h" => {
            print!("{USAGE}");
            Ok(())
        }
        "serve" => serve::run(&Ctx::new()?, &serve::Options::parse(rest)?),
        "dist" => {
            no_options(rest)?;
            dist::run(&Ctx::new()?)
        }
        "test" => test::run(&Ctx::new()?, &test::Options::parse(rest)?),
        "bench-compare" => bench::run(&Ctx::new()?, &bench::Options::parse(rest)?),
        "fuzz" => fuzz::run(&Ctx::new()?, &fuzz::Options::parse(rest)?),
        "layers" => {
            no_options(rest)?;
            layers::run(&Ctx::new()?.root)
        }
        "tools" => {
            no_options(rest)?;
            install::ensure(&Ctx::new()?, install::Tool::ALL)
        }
        other => {
            print!("{USAGE}");
            bail!("unknown command `{other}`")
        }
    }
}

fn no_options(rest: &[String]) -> Result<()> {
    match rest.first() {
        None => Ok(()),
        Some(arg) => bail!("unexpected argument `{arg}` (see `cargo xtask help`)"),
    }
}
