//! `cargo xtask dist`: build the web viewer into `dist/` with trunk and report its size
//! against the budget (gzipped wasm + JS).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use crate::ctx::{self, Ctx};
use crate::install::{self, Tool};

/// The project's limit for the gzipped wasm + JS of the viewer (every file together): over it,
/// `cargo xtask dist` and the test's build step fail.
pub const BUDGET_KB: f64 = 450.0;
/// Sizes are reported in KB of 1000 bytes (the stricter reading of the budget).
const KB: f64 = 1000.0;

pub fn run(ctx: &Ctx) -> Result<()> {
    install::ensure(ctx, Tool::WEB_BUILD)?;
    ctx::timed("trunk build --release", || build(ctx))?;
    ctx::timed("dist/ size", || report(ctx))?;
    Ok(())
}

/// `cargo fetch --locked` (Trunk.toml sets `offline = true`, which makes trunk's cargo
/// offline too), then `trunk build --release` into `dist/`. trunk finds wasm-bindgen and
/// wasm-opt on PATH (see [`Ctx::path`]) at the versions of Trunk.toml's `[tools]`.
pub fn build(ctx: &Ctx) -> Result<()> {
    ctx::run(ctx.cmd("cargo").args(["fetch", "--locked"]))?;
    // --skip-version-check: no request to crates.io asking whether a newer trunk exists.
    ctx::run(
        ctx.cmd("trunk")
            .args(["build", "--release", "--skip-version-check"]),
    )?;
    if !ctx.dist_dir().join("index.html").is_file() {
        bail!("trunk build succeeded but wrote no dist/index.html");
    }
    Ok(())
}

/// Prints every file of `dist/` with its size, then the gzipped size of the wasm + JS
/// compared with [`BUDGET_KB`].
pub fn report(ctx: &Ctx) -> Result<()> {
    let dist = ctx.dist_dir();
    let mut files = Vec::new();
    list_files(&dist, &mut files).with_context(|| format!("listing {}", dist.display()))?;
    files.sort();
    if files.is_empty() {
        bail!("{} is empty: build it first", dist.display());
    }

    println!("{:>12} {:>12}  file", "size", "gzip -9");
    let (mut total, mut code_gzipped) = (0u64, 0u64);
    for file in &files {
        let size = fs::metadata(file)?.len();
        total += size;
        let is_code = matches!(
            file.extension().and_then(|e| e.to_str()),
            Some("wasm" | "js")
        );
        let gzipped = if is_code {
            let gzipped = gzip_size(file)?;
            code_gzipped += gzipped;
            kb(gzipped)
        } else {
            String::new()
        };
        let name = file.strip_prefix(&dist).unwrap_or(file).display();
        println!("{:>12} {gzipped:>12}  {name}", kb(size));
    }
    println!(
        "{:>12} {:>12}  total ({} files)",
        kb(total),
        "",
        files.len()
    );

    let used = code_gzipped as f64 / KB;
    let verdict = if used <= BUDGET_KB {
        "within budget"
    } else {
        "OVER BUDGET"
    };
    println!(
        "\nwasm + JS gzipped: {used:.1} KB of the {BUDGET_KB:.0} KB budget ({:.0}%): {verdict}",
        100.0 * used / BUDGET_KB
    );
    if used > BUDGET_KB {
        bail!("the viewer's wasm + JS is {used:.1} KB gzipped, over the {BUDGET_KB:.0} KB budget");
    }
    Ok(())
}

fn kb(bytes: u64) -> String {
    format!("{:.1} KB", bytes as f64 / KB)
}

fn list_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            list_files(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// Size of `gzip -9 -c file` (what a server would send precompressed).
fn gzip_size(file: &Path) -> Result<u64> {
    let out = Command::new("gzip")
        .args(["-9", "-c"])
        .arg(file)
        .stdin(Stdio::null())
        .output()
        .context("running gzip (is it installed?)")?;
    if !out.status.success() {
        bail!("gzip {} failed ({})", file.display(), out.status);
    }
    Ok(out.stdout.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ctx::test_dir;

    /// The settings of one `[profile.NAME]` section of the workspace's Cargo.toml, as `key = value`
    /// lines (comments dropped).
    fn profile_settings(cargo_toml: &str, name: &str) -> Vec<String> {
        let header = format!("[profile.{name}]");
        cargo_toml
            .lines()
            .skip_while(|l| l.trim() != header)
            .skip(1)
            .take_while(|l| !l.trim_start().starts_with('['))
            .map(|l| l.split('#').next().unwrap_or_default().trim().to_owned())
            .filter(|l| !l.is_empty())
            .collect()
    }

    #[test]
    fn gzip_shrinks_repetitive_files_and_lists_nested_files() {
        let dir = test_dir("dist");
        fs::create_dir_all(dir.join("snippets").join("x")).unwrap();
        fs::write(dir.join("app.js"), "export const a = 1;\n".repeat(1000)).unwrap();
        fs::write(dir.join("snippets").join("x").join("inline0.js"), "x").unwrap();
        let gz = gzip_size(&dir.join("app.js")).unwrap();
        assert!(gz > 18 && gz < 1000, "{gz}");
        let mut files = Vec::new();
        list_files(&dir, &mut files).unwrap();
        assert_eq!(files.len(), 2);
        assert_eq!(kb(1500), "1.5 KB");
        fs::remove_dir_all(&dir).unwrap();
    }

    /// Which profile each artefact is built with: the CLI users install (`cargo install`, the
    /// release profile) for speed; the page's wasm (Trunk, through index.html) for size.
    #[test]
    fn each_artefact_is_built_with_its_profile() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let cargo = fs::read_to_string(root.join("Cargo.toml")).unwrap();
        let release = profile_settings(&cargo, "release");
        assert!(release.contains(&"opt-level = 3".to_owned()), "{release:?}");
        assert!(
            !release.iter().any(|l| l.starts_with("panic")),
            "{release:?}"
        );
        let wasm = profile_settings(&cargo, "wasm");
        for want in [
            "inherits = \"release\"",
            "opt-level = \"z\"",
            "panic = \"abort\"",
        ] {
            assert!(
                wasm.contains(&want.to_owned()),
                "[profile.wasm] lacks {want}: {wasm:?}"
            );
        }
        let html = fs::read_to_string(root.join("index.html")).unwrap();
        let rust_link = html
            .lines()
            .find(|l| l.contains("rel=\"rust\""))
            .expect("index.html builds the web crate");
        assert!(
            rust_link.contains("data-cargo-profile-release=\"wasm\""),
            "the page's release build must use [profile.wasm]: {rust_link}"
        );
        assert_eq!(
            profile_settings("[profile.a]\nx = 1 # why\n\n[profile.b]\ny = 2\n", "a"),
            ["x = 1"]
        );
    }
}
