//! `cargo xtask test`: every check, in order, stopping at the first failure:
//! fmt, clippy, native tests, the core's tests under wasm in headless Chromium, the trunk
//! release build, and the Playwright end-to-end tests against that build.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::ctx::{self, Ctx};
use crate::dist;
use crate::install::{self, CHROMEDRIVER, Tool};
use crate::server::{Mount, SUBPATH, Server};

/// One step of `cargo xtask test`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Fmt,
    Clippy,
    Test,
    WasmTest,
    Build,
    E2e,
}

impl Step {
    pub const ALL: [Step; 6] = [
        Step::Fmt,
        Step::Clippy,
        Step::Test,
        Step::WasmTest,
        Step::Build,
        Step::E2e,
    ];

    /// The name used by `--only` and `--skip`.
    pub fn name(self) -> &'static str {
        match self {
            Step::Fmt => "fmt",
            Step::Clippy => "clippy",
            Step::Test => "test",
            Step::WasmTest => "wasm-test",
            Step::Build => "build",
            Step::E2e => "e2e",
        }
    }

    /// The `==> ...` header.
    fn title(self) -> &'static str {
        match self {
            Step::Fmt => "cargo fmt --all --check",
            Step::Clippy => "cargo clippy --workspace --all-targets -- -D warnings",
            Step::Test => "cargo test --workspace",
            Step::WasmTest => {
                "cargo test --target wasm32-unknown-unknown -p cachelens-core (headless Chromium)"
            }
            Step::Build => "trunk build --release",
            Step::E2e => "Playwright end-to-end tests (tests/e2e)",
        }
    }

    fn tools(self) -> &'static [Tool] {
        match self {
            Step::Fmt | Step::Clippy => &[Tool::RustComponents],
            Step::Test => &[Tool::RustComponents, Tool::Jq, Tool::Graphviz],
            Step::WasmTest => &[Tool::WasmTarget, Tool::WasmBindgen, Tool::Chromium],
            Step::Build => Tool::WEB_BUILD,
            Step::E2e => &[Tool::NpmPackages, Tool::Chromium],
        }
    }

    fn run(self, ctx: &Ctx) -> Result<()> {
        match self {
            Step::Fmt => ctx::run(ctx.cmd("cargo").args(["fmt", "--all", "--check"])),
            Step::Clippy => ctx::run(ctx.cmd("cargo").args([
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ])),
            Step::Test => ctx::run(ctx.cmd("cargo").args(["test", "--workspace"])),
            Step::WasmTest => ctx::run(
                ctx.cmd("cargo")
                    .args([
                        "test",
                        "--target",
                        install::WASM_TARGET,
                        "-p",
                        "cachelens-core",
                    ])
                    .env("CHROMEDRIVER", CHROMEDRIVER)
                    .env(
                        "WASM_BINDGEN_TEST_WEBDRIVER_JSON",
                        ctx.root.join("tests").join("webdriver.json"),
                    ),
            ),
            Step::Build => {
                dist::build(ctx)?;
                println!();
                dist::report(ctx)
            }
            Step::E2e => e2e(ctx),
        }
    }
}

/// `--only` and `--skip` take the steps by [`Step::name`]; clap lists them when one is unknown.
impl clap::ValueEnum for Step {
    fn value_variants<'a>() -> &'a [Self] {
        &Step::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.name()))
    }
}

#[derive(Debug, clap::Args)]
pub struct Options {
    /// Skip the e2e step (as `--skip e2e`).
    #[arg(long)]
    skip_e2e: bool,
    /// Run only these steps (comma-separated, e.g. --only build,e2e); steps keep their order.
    #[arg(long, value_name = "STEPS", value_delimiter = ',')]
    only: Option<Vec<Step>>,
    /// Skip these steps (comma-separated).
    #[arg(long, value_name = "STEPS", value_delimiter = ',')]
    skip: Vec<Step>,
}

impl Options {
    /// The steps to run, in their order; an error when none is left.
    fn steps(&self) -> Result<Vec<Step>> {
        let steps: Vec<Step> = Step::ALL
            .into_iter()
            .filter(|step| self.only.as_ref().is_none_or(|only| only.contains(step)))
            .filter(|step| !self.skip.contains(step))
            .filter(|step| !(self.skip_e2e && *step == Step::E2e))
            .collect();
        if steps.is_empty() {
            bail!("no step left to run");
        }
        Ok(steps)
    }
}

pub fn run(ctx: &Ctx, options: &Options) -> Result<()> {
    let steps = options.steps()?;
    let mut tools: Vec<Tool> = Vec::new();
    for step in &steps {
        tools.extend(step.tools());
    }
    let start = Instant::now();
    install::ensure(ctx, &tools)?;
    let setup = start.elapsed();

    let mut took: Vec<(&str, Duration)> = vec![("ensure tools", setup)];
    for step in &steps {
        let (_, duration) = ctx::timed(step.title(), || step.run(ctx))?;
        took.push((step.name(), duration));
    }

    ctx::header(&format!("all {} steps passed", steps.len()));
    let total: Duration = took.iter().map(|(_, d)| *d).sum();
    for (name, duration) in &took {
        println!("{:>10}  {name}", ctx::human_duration(*duration));
    }
    println!("{:>10}  total", ctx::human_duration(total));
    Ok(())
}

/// Serves dist/ at `/` and under [`SUBPATH`] on a free port, runs Playwright against it
/// (`CACHELENS_BASE_URL`, `CACHELENS_SUBPATH_URL`), then stops the server.
fn e2e(ctx: &Ctx) -> Result<()> {
    let dist = ctx.dist_dir();
    if !dist.join("index.html").is_file() {
        bail!(
            "dist/index.html is missing: run the build step first (`cargo xtask test --only build,e2e`)"
        );
    }
    let server = Server::start(
        "127.0.0.1:0",
        vec![Mount::new("/", &dist), Mount::new(SUBPATH, &dist)],
        false,
    )
    .context("starting the static server for the e2e tests")?;
    let (base, subpath) = (server.url("/"), server.url(SUBPATH));
    println!("serving dist/ at {base} and {subpath}");
    // `--no`: use tests/e2e/node_modules only, never download anything.
    let result = ctx::run(
        ctx.cmd("npx")
            .args(["--no", "playwright", "test"])
            .current_dir(ctx.e2e_dir())
            .env("CACHELENS_BASE_URL", &base)
            .env("CACHELENS_SUBPATH_URL", &subpath)
            .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1"),
    );
    server.stop();
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steps(list: &[&str]) -> Result<Vec<&'static str>> {
        let options = match crate::tests::parse(&[&["test"], list].concat())?.command {
            crate::Command::Test(options) => options,
            other => panic!("parsed as {other:?}"),
        };
        Ok(options.steps()?.into_iter().map(Step::name).collect())
    }

    #[test]
    fn parses_step_selection() {
        let all = ["fmt", "clippy", "test", "wasm-test", "build", "e2e"];
        assert_eq!(steps(&[]).unwrap(), all);
        assert_eq!(steps(&["--skip-e2e"]).unwrap(), all[..5]);
        assert_eq!(steps(&["--only", "e2e,build"]).unwrap(), ["build", "e2e"]);
        assert_eq!(
            steps(&["--only=fmt", "--only", "test"]).unwrap(),
            ["fmt", "test"]
        );
        assert_eq!(
            steps(&["--skip", "wasm-test,e2e"]).unwrap(),
            ["fmt", "clippy", "test", "build"]
        );
        let unknown = steps(&["--only", "lint"]).unwrap_err().to_string();
        assert!(
            unknown.contains("lint")
                && unknown.contains("fmt, clippy, test, wasm-test, build, e2e"),
            "{unknown}"
        );
        assert!(steps(&["--skip", "fmt,lint"]).is_err());
        assert!(steps(&["--only"]).is_err());
        assert!(steps(&["--only", "e2e", "--skip-e2e"]).is_err());
        assert!(steps(&["--fast"]).is_err());
    }
}
