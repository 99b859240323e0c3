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

use anyhow::Result;
use clap::{Parser, Subcommand};

use crate::ctx::Ctx;

/// The project's tasks: build, serve, test, benchmark and fuzz cachelens.
#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    arg_required_else_help = true,
    after_help = "Run `cargo xtask help <COMMAND>` for a command's options."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Build the web viewer (trunk build --release) and serve dist/ at http://127.0.0.1:PORT/
    /// (default 8080), also under /some/sub/path/.
    Serve(serve::Options),
    /// Build the web viewer into dist/ and report its size against the budget (450 KB gzipped
    /// wasm + JS; over it, it fails).
    Dist,
    /// Run every check, in order, stopping at the first failure: fmt, clippy, test (native),
    /// wasm-test (core in headless Chromium), build (trunk build --release), e2e (Playwright
    /// against dist/).
    Test(test::Options),
    /// Generate cache pairs of N records (default 1000,10000,100000) into target/bench-inputs/,
    /// then time cachelens diff (release-native) beside the parse-and-hash floor, jq -S + diff,
    /// jsondiffpatch and microdiff (Node, benches/node) on them, and write the table into
    /// benches/RESULTS.md. Installs jq (apt, as root) and the npm packages.
    BenchCompare(bench::Options),
    /// Run the cargo-fuzz targets of crates/core/fuzz (default: all of detect, decode,
    /// canonicalize, diff, share, tar), N seconds each (default 600), from corpora seeded with
    /// tests/fixtures. Uses a nightly toolchain if rustup has one, else RUSTC_BOOTSTRAP=1;
    /// installs cargo-fuzz.
    Fuzz(fuzz::Options),
    /// Check that every module of the core and the web crate imports only modules below it, in
    /// the order ARCHITECTURE.md's `layers` blocks give; print each module's imports.
    Layers,
    /// Install every missing tool (wasm target, trunk, wasm-bindgen-cli, npm packages,
    /// Chromium) without building anything.
    Tools,
}

fn main() -> ExitCode {
    // Bad arguments: clap prints the error (or the help) and exits with status 2.
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("\nerror: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> Result<()> {
    let ctx = Ctx::new()?;
    match command {
        Command::Serve(options) => serve::run(&ctx, &options),
        Command::Dist => dist::run(&ctx),
        Command::Test(options) => test::run(&ctx, &options),
        Command::BenchCompare(options) => bench::run(&ctx, &options),
        Command::Fuzz(options) => fuzz::run(&ctx, &options),
        Command::Layers => layers::run(&ctx.root),
        Command::Tools => install::ensure(&ctx, install::Tool::ALL),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;
    use clap::error::ErrorKind;

    use super::*;

    /// Parses `cargo xtask ARGS...` as `main` does (also used by the commands' tests).
    pub(crate) fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("cargo xtask").chain(args.iter().copied()))
    }

    #[test]
    fn the_definition_is_valid() {
        Cli::command().debug_assert();
    }

    #[test]
    fn parses_commands() {
        assert!(matches!(parse(&["dist"]).unwrap().command, Command::Dist));
        assert!(matches!(
            parse(&["layers"]).unwrap().command,
            Command::Layers
        ));
        assert!(matches!(parse(&["tools"]).unwrap().command, Command::Tools));
        assert!(matches!(
            parse(&["bench-compare"]).unwrap().command,
            Command::BenchCompare(_)
        ));
    }

    #[test]
    fn rejects_unknown_commands_and_flags() {
        let kind = |args: &[&str]| parse(args).unwrap_err().kind();
        assert_eq!(kind(&["deploy"]), ErrorKind::InvalidSubcommand);
        assert_eq!(kind(&["--verbose"]), ErrorKind::UnknownArgument);
        assert_eq!(kind(&["dist", "--fast"]), ErrorKind::UnknownArgument);
        assert_eq!(kind(&["layers", "core"]), ErrorKind::UnknownArgument);
        assert_eq!(kind(&["serve", "--verbose"]), ErrorKind::UnknownArgument);
    }

    #[test]
    fn help_and_no_command() {
        // `cargo xtask help` and `--help` print the help (an "error" of kind DisplayHelp that
        // exits 0); no command prints it and fails.
        assert_eq!(parse(&["help"]).unwrap_err().kind(), ErrorKind::DisplayHelp);
        assert_eq!(
            parse(&["--help"]).unwrap_err().kind(),
            ErrorKind::DisplayHelp
        );
        let none = parse(&[]).unwrap_err();
        assert_eq!(
            none.kind(),
            ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
        );
        assert_eq!(none.exit_code(), 2);
        let help = parse(&["help"]).unwrap_err().to_string();
        for command in [
            "serve",
            "dist",
            "test",
            "bench-compare",
            "fuzz",
            "layers",
            "tools",
        ] {
            assert!(help.contains(&format!("  {command} ")), "{command}: {help}");
        }
    }
}
