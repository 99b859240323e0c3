//! `cargo xtask fuzz`: runs the cargo-fuzz targets of `crates/core/fuzz` one after the other,
//! each for a fixed time, from a corpus seeded with the project's fixtures.
//!
//! cargo-fuzz needs a nightly compiler (`-Z sanitizer`); a rustup `nightly` toolchain is used when
//! there is one, otherwise the stable one with `RUSTC_BOOTSTRAP=1` (what the machines here have).

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::ctx::{self, Ctx};

/// The targets, in `crates/core/fuzz/fuzz_targets/`.
pub const TARGETS: &[&str] = &[
    "detect",
    "decode",
    "canonicalize",
    "diff",
    "share",
    "share_v2",
    "tar",
];

/// The largest input libFuzzer makes: configs of a few hundred KB reach every code path, and
/// smaller inputs mean many more runs a second.
const MAX_LEN: usize = 256 * 1024;

#[derive(Debug, clap::Args)]
pub struct Options {
    /// The targets to run, in this order.
    #[arg(
        value_name = "TARGET",
        value_parser = clap::builder::PossibleValuesParser::new(TARGETS),
        default_values = TARGETS
    )]
    targets: Vec<String>,
    /// Run each target for N seconds.
    #[arg(long, value_name = "N", default_value_t = 600)]
    seconds: u64,
}

pub fn run(ctx: &Ctx, options: &Options) -> Result<()> {
    let fuzz_dir = ctx.root.join("crates").join("core").join("fuzz");
    ensure_cargo_fuzz(ctx)?;
    let nightly = ctx::output(
        ctx.cmd("rustup")
            .args(["run", "nightly", "rustc", "--version"]),
    )
    .is_some();
    let mut failed = Vec::new();
    for target in &options.targets {
        let corpus = fuzz_dir.join("corpus").join(target);
        let seeded = seed(ctx, target, &corpus)?;
        let title = format!("fuzz {target} for {}s ({seeded} seeds)", options.seconds);
        let result = ctx::timed(&title, || {
            let mut cmd = ctx.cmd("cargo");
            if nightly {
                cmd.arg("+nightly");
            } else {
                cmd.env("RUSTC_BOOTSTRAP", "1");
            }
            cmd.current_dir(&fuzz_dir)
                .args(["fuzz", "run", target])
                .arg(&corpus)
                .arg("--")
                .arg(format!("-max_total_time={}", options.seconds))
                .arg(format!("-max_len={MAX_LEN}"))
                .arg("-print_final_stats=1");
            ctx::run(&mut cmd)
        });
        if let Err(e) = result {
            println!("{e:#}");
            println!(
                "the input that failed is in {} (turn it into a regression test)",
                fuzz_dir.join("artifacts").join(target).display()
            );
            failed.push(target.clone());
        }
    }
    if !failed.is_empty() {
        bail!("fuzz targets failed: {}", failed.join(", "));
    }
    Ok(())
}

fn ensure_cargo_fuzz(ctx: &Ctx) -> Result<()> {
    if ctx::output(ctx.cmd("cargo").args(["fuzz", "--version"])).is_some() {
        return Ok(());
    }
    println!("cargo-fuzz is not installed: installing it (cargo install cargo-fuzz, ~3 minutes)");
    ctx::run(ctx.cmd("cargo").args(["install", "cargo-fuzz", "--locked"]))
}

/// Copies the fixtures a target starts from into its corpus folder; returns how many.
fn seed(ctx: &Ctx, target: &str, corpus: &Path) -> Result<usize> {
    fs::create_dir_all(corpus).with_context(|| format!("creating {}", corpus.display()))?;
    let fixtures = ctx.root.join("tests").join("fixtures");
    let mut inputs: Vec<(String, Vec<u8>)> = Vec::new();
    let read = |p: &Path| fs::read(p).with_context(|| format!("reading {}", p.display()));
    let mut documents = Vec::new();
    for file in files(&fixtures.join("real"))? {
        if file.extension().is_some_and(|e| e != "md") {
            documents.push(file);
        }
    }
    let mut pairs = Vec::new();
    for scenario in dirs(&fixtures.join("scenarios"))? {
        let (l, r) = (scenario.join("left.json"), scenario.join("right.json"));
        if l.is_file() && r.is_file() {
            documents.push(l.clone());
            documents.push(r.clone());
            pairs.push((l, r));
        }
    }
    match target {
        "share" => {
            let link = ctx.root.join("crates/core/fixtures/v1-link.txt");
            inputs.push(("v1-link".into(), read(&link)?.trim_ascii().to_vec()));
        }
        "share_v2" => {
            for f in ["v1-link.txt", "v2-link.txt"] {
                let link = ctx.root.join("crates/core/fixtures").join(f);
                inputs.push((f.into(), read(&link)?.trim_ascii().to_vec()));
            }
            for file in files(&ctx.root.join("crates/core/fuzz/seeds/share_v2"))? {
                if file.extension().is_some_and(|e| e != "md") {
                    inputs.push((name(&file), read(&file)?));
                }
            }
        }
        "tar" => {
            for file in files(&ctx.root.join("crates/core/fuzz/seeds/tar"))? {
                if file.extension().is_some_and(|e| e == "tar") {
                    inputs.push((name(&file), read(&file)?));
                }
            }
        }
        "diff" => {
            for (l, r) in &pairs {
                let mut both = read(l)?;
                both.push(0xFF);
                both.extend(read(r)?);
                inputs.push((format!("pair-{}", name(l.parent().unwrap_or(l))), both));
            }
        }
        _ => {}
    }
    // Every JSON document seeds the JSON targets (and diff: each side alone is a pair with itself).
    if !matches!(target, "share" | "share_v2" | "tar") {
        for d in &documents {
            let bytes = read(d)?;
            if bytes.len() <= MAX_LEN {
                let parent = d.parent().map(name).unwrap_or_default();
                inputs.push((format!("{parent}-{}", name(d)), bytes));
            }
        }
    }
    for (file, bytes) in &inputs {
        fs::write(corpus.join(format!("seed-{file}")), bytes)?;
    }
    Ok(inputs.len())
}

fn name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn entries(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out: Vec<PathBuf> = fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<_>>()?;
    out.sort();
    Ok(out)
}

fn files(dir: &Path) -> Result<Vec<PathBuf>> {
    Ok(entries(dir)?.into_iter().filter(|p| p.is_file()).collect())
}

fn dirs(dir: &Path) -> Result<Vec<PathBuf>> {
    Ok(entries(dir)?.into_iter().filter(|p| p.is_dir()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, clap::Error> {
        match crate::tests::parse(&[&["fuzz"], args].concat())?.command {
            crate::Command::Fuzz(options) => Ok(options),
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn options() {
        let o = parse(&[]).unwrap();
        assert_eq!(o.targets, TARGETS);
        assert_eq!(o.seconds, 600);
        let o = parse(&["tar", "--seconds=5"]).unwrap();
        assert_eq!((o.targets, o.seconds), (vec!["tar".to_string()], 5));
        let o = parse(&["share", "--seconds", "9", "diff"]).unwrap();
        assert_eq!(
            (o.targets, o.seconds),
            (vec!["share".into(), "diff".into()], 9)
        );
        let unknown = parse(&["nope"]).unwrap_err().to_string();
        assert!(
            unknown.contains("nope") && unknown.contains("detect"),
            "{unknown}"
        );
        assert!(parse(&["--seconds"]).is_err());
        assert!(parse(&["--seconds", "long"]).is_err());
    }

    #[test]
    fn every_target_has_a_source_file_and_a_bin_entry() {
        let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/fuzz");
        let manifest = fs::read_to_string(fuzz.join("Cargo.toml")).unwrap();
        for t in TARGETS {
            assert!(fuzz.join(format!("fuzz_targets/{t}.rs")).is_file(), "{t}");
            assert!(manifest.contains(&format!("name = \"{t}\"")), "{t}");
        }
    }
}
