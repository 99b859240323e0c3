//! "Ensure tools": checks each tool a task needs and installs what is missing or at the
//! wrong version, streaming the installer's output (some installs take minutes).
//!
//! Pins: trunk [`TRUNK_VERSION`]; wasm-bindgen-cli = the `wasm-bindgen` version in Cargo.lock
//! (which must equal Trunk.toml's `[tools] wasm_bindgen`); wasm-opt from the npm package
//! `binaryen` in tests/e2e (which must match Trunk.toml's `[tools] wasm_opt`); Chromium and
//! chromedriver from Debian's packages.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::SystemTime;

use anyhow::{Context, Result, bail};

use crate::ctx::{self, Ctx};

/// trunk 0.22 needs a newer rustc than the machine's 1.95.
pub const TRUNK_VERSION: &str = "0.21.14";
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";
pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const APT_PACKAGES: &str = "chromium chromium-driver";

/// Something a task needs installed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    /// rustfmt and clippy (rustup components).
    RustComponents,
    /// The wasm32-unknown-unknown standard library (rustup target).
    WasmTarget,
    /// tests/e2e/node_modules: Playwright and binaryen's wasm-opt.
    NpmPackages,
    /// Debian's chromium and chromium-driver.
    Chromium,
    /// wasm-bindgen-cli (wasm-bindgen, wasm-bindgen-test-runner).
    WasmBindgen,
    /// trunk.
    Trunk,
    /// jq (apt): the README's shell recipes, run by the CLI tests.
    Jq,
    /// Graphviz's dot (apt `graphviz`): the CLI tests check that `graph --format dot` is
    /// accepted by it.
    Graphviz,
}

impl Tool {
    /// Every tool, cheap checks and installs first, the long `cargo install`s last.
    pub const ALL: &[Tool] = &[
        Tool::RustComponents,
        Tool::WasmTarget,
        Tool::NpmPackages,
        Tool::Chromium,
        Tool::Jq,
        Tool::Graphviz,
        Tool::WasmBindgen,
        Tool::Trunk,
    ];
    /// What `trunk build` needs (serve, dist).
    pub const WEB_BUILD: &[Tool] = &[
        Tool::WasmTarget,
        Tool::NpmPackages,
        Tool::WasmBindgen,
        Tool::Trunk,
    ];
}

/// Makes sure every tool in `tools` is installed at the right version.
/// Prints an `==> ensure tools` header, one `ok: ...` line per tool already there, and the
/// output of each install.
pub fn ensure(ctx: &Ctx, tools: &[Tool]) -> Result<()> {
    ctx::timed("ensure tools", || {
        for tool in Tool::ALL.iter().filter(|tool| tools.contains(tool)) {
            match tool {
                Tool::RustComponents => ensure_rust_components(ctx)?,
                Tool::WasmTarget => ensure_wasm_target(ctx)?,
                Tool::NpmPackages => ensure_npm_packages(ctx)?,
                Tool::Chromium => ensure_chromium(ctx)?,
                Tool::WasmBindgen => ensure_wasm_bindgen(ctx)?,
                Tool::Trunk => ensure_trunk(ctx)?,
                Tool::Jq => ensure_apt_program(ctx, "jq", "jq")?,
                Tool::Graphviz => ensure_apt_program(ctx, "dot", "graphviz")?,
            }
        }
        Ok(())
    })
    .map(|_| ())
}

fn ensure_rust_components(ctx: &Ctx) -> Result<()> {
    let fmt = ctx::output(ctx.cmd("cargo").args(["fmt", "--version"]));
    let clippy = ctx::output(ctx.cmd("cargo").args(["clippy", "--version"]));
    if let (Some(fmt), Some(clippy)) = (fmt, clippy) {
        println!("ok: {}, {}", fmt.trim(), clippy.trim());
        return Ok(());
    }
    println!("installing rustfmt and clippy (rustup components, under a minute)");
    ctx::run(
        ctx.cmd("rustup")
            .args(["component", "add", "rustfmt", "clippy"])
            .stdin(Stdio::null()),
    )
}

fn ensure_wasm_target(ctx: &Ctx) -> Result<()> {
    let installed = ctx::output(ctx.cmd("rustup").args(["target", "list", "--installed"]))
        .context("`rustup target list --installed` failed: is rustup installed?")?;
    if installed.lines().any(|line| line.trim() == WASM_TARGET) {
        println!("ok: rust target {WASM_TARGET}");
        return Ok(());
    }
    println!("installing the rust target {WASM_TARGET} (rustup, about a minute)");
    ctx::run(
        ctx.cmd("rustup")
            .args(["target", "add", WASM_TARGET])
            .stdin(Stdio::null()),
    )
}

fn ensure_npm_packages(ctx: &Ctx) -> Result<()> {
    let dir = ctx.e2e_dir();
    if npm_ci_needed(&dir) {
        println!(
            "installing the npm packages of tests/e2e (npm ci: Playwright, binaryen; under a minute)"
        );
        ctx::run(
            ctx.cmd("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(&dir)
                // Playwright never downloads a browser on install any more; make sure of it.
                .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
                .stdin(Stdio::null()),
        )
        .context("npm ci failed (Node.js 20+ and npm are needed)")?;
    } else {
        println!("ok: tests/e2e/node_modules is up to date with package-lock.json");
    }
    // trunk uses the wasm-opt on PATH only if its version is exactly the one in Trunk.toml.
    let want = wasm_opt_pin(ctx)?;
    match check(&ctx.path, "wasm-opt", &want) {
        Check::Ok => println!("ok: wasm-opt version {want} (npm binaryen)"),
        Check::Missing => bail!(
            "wasm-opt is missing from tests/e2e/node_modules/.bin: the npm package binaryen \
             should provide it (check tests/e2e/package.json)"
        ),
        Check::Wrong(found) => bail!(
            "wasm-opt on PATH is version {found}, Trunk.toml wants version_{want}: make the \
             binaryen version in tests/e2e/package.json match Trunk.toml's [tools] wasm_opt"
        ),
    }
    Ok(())
}

fn ensure_chromium(ctx: &Ctx) -> Result<()> {
    if Path::new(CHROMIUM).is_file() && Path::new(CHROMEDRIVER).is_file() {
        println!("ok: {CHROMIUM}, {CHROMEDRIVER}");
        return Ok(());
    }
    let as_root = ctx::output(ctx.cmd("id").arg("-u")).is_some_and(|uid| uid.trim() == "0");
    if !as_root {
        bail!(
            "Chromium and chromedriver are missing ({CHROMIUM}, {CHROMEDRIVER}). Install them \
             with:\n\n    sudo apt-get update && sudo apt-get install -y {APT_PACKAGES}\n"
        );
    }
    println!("installing {APT_PACKAGES} (apt-get, about a minute)");
    apt_install(ctx, APT_PACKAGES.split(' '))?;
    if !(Path::new(CHROMIUM).is_file() && Path::new(CHROMEDRIVER).is_file()) {
        bail!("apt-get installed {APT_PACKAGES} but {CHROMIUM} or {CHROMEDRIVER} is still missing");
    }
    Ok(())
}

fn ensure_wasm_bindgen(ctx: &Ctx) -> Result<()> {
    let want = wasm_bindgen_pin(ctx)?;
    // One install gives both; the test runner is what `cargo test --target wasm32...` runs.
    let main = check(&ctx.path, "wasm-bindgen", &want);
    let runner = check(&ctx.path, "wasm-bindgen-test-runner", &want);
    if main == Check::Ok && runner == Check::Ok {
        println!("ok: wasm-bindgen {want} (and wasm-bindgen-test-runner)");
        return Ok(());
    }
    cargo_install(ctx, "wasm-bindgen-cli", &want, &main, "about 3 minutes")?;
    for program in ["wasm-bindgen", "wasm-bindgen-test-runner"] {
        verify_after_install(ctx, program, &want)?;
    }
    Ok(())
}

fn ensure_trunk(ctx: &Ctx) -> Result<()> {
    let state = check(&ctx.path, "trunk", TRUNK_VERSION);
    if state == Check::Ok {
        println!("ok: trunk {TRUNK_VERSION}");
        return Ok(());
    }
    cargo_install(ctx, "trunk", TRUNK_VERSION, &state, "about 9 minutes")?;
    verify_after_install(ctx, "trunk", TRUNK_VERSION)
}

fn cargo_install(ctx: &Ctx, krate: &str, version: &str, state: &Check, takes: &str) -> Result<()> {
    match state {
        Check::Missing => println!("{krate} is not installed"),
        Check::Wrong(found) => println!("{krate}: found version {found}, need {version}"),
        Check::Ok => {}
    }
    println!(
        "installing {krate} {version} into {} (cargo install, {takes} on 2 cores; output follows)",
        ctx.cargo_home.join("bin").display()
    );
    ctx::run(
        ctx.cmd("cargo")
            .args(["install", krate, "--version", version, "--locked"])
            .stdin(Stdio::null()),
    )
}

fn verify_after_install(ctx: &Ctx, program: &str, want: &str) -> Result<()> {
    match check(&ctx.path, program, want) {
        Check::Ok => {
            println!("ok: {program} {want}");
            Ok(())
        }
        Check::Missing => bail!("{program} was installed but cannot be run from PATH"),
        Check::Wrong(found) => bail!(
            "{program} {want} was installed, but the {program} found first on PATH is {found} \
             ({}): remove the other one",
            which(&ctx.path, program).map_or_else(|| "?".into(), |p| p.display().to_string())
        ),
    }
}

/// The wasm-bindgen version pinned in Cargo.lock, checked against Trunk.toml.
pub fn wasm_bindgen_pin(ctx: &Ctx) -> Result<String> {
    let lock = fs::read_to_string(ctx.root.join("Cargo.lock")).context("reading Cargo.lock")?;
    let locked = locked_version(&lock, "wasm-bindgen")?;
    let trunk_toml = read_trunk_toml(ctx)?;
    match toml_section_value(&trunk_toml, "tools", "wasm_bindgen") {
        Some(trunk) if trunk != locked => bail!(
            "Trunk.toml's [tools] wasm_bindgen = \"{trunk}\" but Cargo.lock pins wasm-bindgen \
             {locked}: they must be equal"
        ),
        _ => Ok(locked),
    }
}

/// The wasm-opt version (e.g. `132`) from Trunk.toml's `[tools] wasm_opt = "version_132"`.
pub fn wasm_opt_pin(ctx: &Ctx) -> Result<String> {
    let trunk_toml = read_trunk_toml(ctx)?;
    let value = toml_section_value(&trunk_toml, "tools", "wasm_opt")
        .context("Trunk.toml has no [tools] wasm_opt = \"version_N\"")?;
    value
        .strip_prefix("version_")
        .map(str::to_owned)
        .with_context(|| format!("Trunk.toml: wasm_opt = \"{value}\" is not \"version_N\""))
}

fn read_trunk_toml(ctx: &Ctx) -> Result<String> {
    fs::read_to_string(ctx.root.join("Trunk.toml")).context("reading Trunk.toml")
}

/// Whether a tool is there at the right version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    Ok,
    Missing,
    /// Installed, at this other version.
    Wrong(String),
}

/// Runs `program --version` with `path` as PATH and compares its version with `want`.
pub fn check(path: &OsStr, program: &str, want: &str) -> Check {
    let out = ctx::output(Command::new(program).arg("--version").env("PATH", path));
    match out.as_deref().and_then(parse_version) {
        None => Check::Missing,
        Some(found) if found == want => Check::Ok,
        Some(found) => Check::Wrong(found.to_owned()),
    }
}

/// The version in a `--version` line: the first word that starts with a digit, without
/// trailing punctuation. `trunk 0.21.14` → `0.21.14`; `wasm-opt version 132 (version_132)` → `132`.
pub fn parse_version(output: &str) -> Option<&str> {
    output
        .split_whitespace()
        .find(|word| word.starts_with(|c: char| c.is_ascii_digit()))
        .map(|word| word.trim_end_matches(|c: char| !(c.is_ascii_alphanumeric())))
}

/// Where `program` would be found on `path`.
pub fn which(path: &OsStr, program: &str) -> Option<PathBuf> {
    std::env::split_paths(path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// The version of `package` in a Cargo.lock; an error if it is absent or there are several.
pub fn locked_version(lock: &str, package: &str) -> Result<String> {
    let mut versions = Vec::new();
    for block in lock.split("[[package]]").skip(1) {
        let mut name = None;
        let mut version = None;
        for line in block.lines() {
            if let Some(value) = toml_string(line, "name") {
                name = Some(value);
            } else if let Some(value) = toml_string(line, "version") {
                version = Some(value);
            }
        }
        if name == Some(package) {
            versions
                .push(version.with_context(|| format!("Cargo.lock: {package} has no version"))?);
        }
    }
    match versions.as_slice() {
        [one] => Ok((*one).to_owned()),
        [] => bail!("Cargo.lock has no package {package}"),
        many => bail!("Cargo.lock has several versions of {package}: {many:?}; pin one"),
    }
}

/// `value` of `key = "value"` in `[section]` of a simple TOML file (like Trunk.toml).
pub fn toml_section_value(text: &str, section: &str, key: &str) -> Option<String> {
    let mut in_section = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_section = line.split('#').next().map(str::trim) == Some(&format!("[{section}]"));
        } else if in_section && let Some(value) = toml_string(line, key) {
            return Some(value.to_owned());
        }
    }
    None
}

/// `value` if `line` is `key = "value"` (optionally followed by a comment).
fn toml_string<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let (k, v) = line.split_once('=')?;
    if k.trim() != key {
        return None;
    }
    let v = v.trim().strip_prefix('"')?;
    Some(&v[..v.find('"')?])
}

/// `npm ci` is needed when node_modules was never installed, or package-lock.json changed since.
pub fn npm_ci_needed(e2e_dir: &Path) -> bool {
    let modified = |p: PathBuf| fs::metadata(p).and_then(|m| m.modified()).ok();
    let lock: Option<SystemTime> = modified(e2e_dir.join("package-lock.json"));
    let installed = modified(e2e_dir.join("node_modules").join(".package-lock.json"));
    match (lock, installed) {
        (_, None) => true,
        (Some(lock), Some(installed)) => lock > installed,
        (None, Some(_)) => false,
    }
}

/// Installs a Debian package when its program is missing (apt-get, as root), or says how.
pub fn ensure_apt_program(ctx: &Ctx, program: &str, package: &str) -> Result<()> {
    let present = if program.contains('/') {
        PathBuf::from(program).is_file()
    } else {
        which(&ctx.path, program).is_some()
    };
    if present {
        println!("ok: {program}");
        return Ok(());
    }
    let as_root = ctx::output(ctx.cmd("id").arg("-u")).is_some_and(|uid| uid.trim() == "0");
    if !as_root {
        bail!("{program} is missing. Install it with:\n\n    sudo apt-get install -y {package}\n");
    }
    println!("installing {package} (apt-get)");
    apt_install(ctx, [package])
}

/// `apt-get update`, then `apt-get install -y PACKAGES`, non-interactive (as root).
fn apt_install<'a>(ctx: &Ctx, packages: impl IntoIterator<Item = &'a str>) -> Result<()> {
    ctx::run(
        ctx.cmd("apt-get")
            .arg("update")
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdin(Stdio::null()),
    )?;
    ctx::run(
        ctx.cmd("apt-get")
            .args(["install", "-y"])
            .args(packages)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdin(Stdio::null()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ctx::test_dir;

    #[test]
    fn parses_version_lines() {
        assert_eq!(parse_version("trunk 0.21.14\n"), Some("0.21.14"));
        assert_eq!(parse_version("wasm-bindgen 0.2.129"), Some("0.2.129"));
        assert_eq!(
            parse_version("wasm-bindgen 0.2.129 (a1b2c3d4e)"),
            Some("0.2.129")
        );
        assert_eq!(
            parse_version("wasm-bindgen-test-runner 0.2.129"),
            Some("0.2.129")
        );
        assert_eq!(
            parse_version("wasm-opt version 132 (version_132)"),
            Some("132")
        );
        assert_eq!(
            parse_version("rustc 1.95.0 (59807616e 2026-04-14)"),
            Some("1.95.0")
        );
        assert_eq!(
            parse_version("cargo 1.95.0-nightly"),
            Some("1.95.0-nightly")
        );
        assert_eq!(parse_version("no version here"), None);
        assert_eq!(parse_version(""), None);
    }

    const LOCK: &str = r#"
version = 4

[[package]]
name = "wasm-bindgen"
version = "0.2.129"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = [
 "cfg-if",
 "wasm-bindgen-macro",
]

[[package]]
name = "wasm-bindgen-macro"
version = "0.2.130"

[[package]]
name = "syn"
version = "1.0.109"

[[package]]
name = "syn"
version = "2.0.100"
"#;

    #[test]
    fn reads_versions_from_cargo_lock() {
        assert_eq!(locked_version(LOCK, "wasm-bindgen").unwrap(), "0.2.129");
        assert_eq!(
            locked_version(LOCK, "wasm-bindgen-macro").unwrap(),
            "0.2.130"
        );
        assert!(locked_version(LOCK, "trunk").is_err());
        let several = locked_version(LOCK, "syn").unwrap_err().to_string();
        assert!(several.contains("several versions"), "{several}");
    }

    #[test]
    fn reads_trunk_toml_tools() {
        let toml = "[build]\nwasm_opt = \"nope\"\n\n[tools] # pinned\nwasm_bindgen = \"0.2.129\" # same as Cargo.lock\nwasm_opt = \"version_132\"\n";
        assert_eq!(
            toml_section_value(toml, "tools", "wasm_bindgen").as_deref(),
            Some("0.2.129")
        );
        assert_eq!(
            toml_section_value(toml, "tools", "wasm_opt").as_deref(),
            Some("version_132")
        );
        assert_eq!(
            toml_section_value(toml, "build", "wasm_opt").as_deref(),
            Some("nope")
        );
        assert_eq!(toml_section_value(toml, "tools", "sass"), None);
    }

    /// The repository's own pins agree (what `ensure` checks before installing).
    #[test]
    fn repository_pins_agree() {
        let ctx = Ctx::new().unwrap();
        let pin = wasm_bindgen_pin(&ctx).unwrap();
        assert!(parse_version(&pin).is_some(), "{pin}");
        assert!(wasm_opt_pin(&ctx).unwrap().parse::<u32>().is_ok());
    }

    /// Fake tools on an injected PATH: present at the right version, at another, or absent.
    #[cfg(unix)]
    #[test]
    fn detects_missing_and_wrong_versions_on_path() {
        use std::os::unix::fs::PermissionsExt;

        let dir = test_dir("fake-tools");
        let good = dir.join("good");
        let old = dir.join("old");
        let empty = dir.join("empty");
        for (bin_dir, version) in [(&good, "0.21.14"), (&old, "0.20.0")] {
            fs::create_dir_all(bin_dir).unwrap();
            let script = bin_dir.join("trunk");
            fs::write(&script, format!("#!/bin/sh\necho \"trunk {version}\"\n")).unwrap();
            fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
        }
        fs::create_dir_all(&empty).unwrap();

        // The first match on PATH wins, as for trunk itself.
        let path = |dirs: &[&PathBuf]| std::env::join_paths(dirs).unwrap();
        assert_eq!(check(&path(&[&good]), "trunk", TRUNK_VERSION), Check::Ok);
        assert_eq!(
            check(&path(&[&good, &old]), "trunk", TRUNK_VERSION),
            Check::Ok
        );
        assert_eq!(
            check(&path(&[&old, &good]), "trunk", TRUNK_VERSION),
            Check::Wrong("0.20.0".into())
        );
        assert_eq!(
            check(&path(&[&empty]), "trunk", TRUNK_VERSION),
            Check::Missing
        );
        assert_eq!(
            which(&path(&[&empty, &old]), "trunk"),
            Some(old.join("trunk"))
        );
        assert_eq!(which(&path(&[&empty]), "trunk"), None);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn npm_ci_when_node_modules_is_missing_or_stale() {
        let dir = test_dir("npm-ci");
        let lock = dir.join("package-lock.json");
        let installed = dir.join("node_modules").join(".package-lock.json");
        fs::write(&lock, "{}").unwrap();
        assert!(npm_ci_needed(&dir), "no node_modules");

        fs::create_dir_all(installed.parent().unwrap()).unwrap();
        fs::write(&installed, "{}").unwrap();
        let now = SystemTime::now();
        let earlier = now - std::time::Duration::from_secs(60);
        let set = |p: &Path, t| {
            fs::File::options()
                .write(true)
                .open(p)
                .unwrap()
                .set_modified(t)
                .unwrap()
        };
        set(&lock, earlier);
        set(&installed, now);
        assert!(!npm_ci_needed(&dir), "installed after the lock changed");
        set(&lock, now);
        set(&installed, earlier);
        assert!(npm_ci_needed(&dir), "lock changed since the install");
        fs::remove_dir_all(&dir).unwrap();
    }
}
