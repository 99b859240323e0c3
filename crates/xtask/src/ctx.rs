//! Shared context of every task: the repository root, the PATH given to child processes,
//! and helpers to run commands with progress headers.

use std::env;
use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// Where the repository is and which PATH the tools run with.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// The repository root (the workspace directory).
    pub root: PathBuf,
    /// `$CARGO_HOME` (default `~/.cargo`): `cargo install` puts binaries in its `bin/`.
    pub cargo_home: PathBuf,
    /// PATH for child processes: `tests/e2e/node_modules/.bin` (wasm-opt from npm's binaryen),
    /// then `$CARGO_HOME/bin` (trunk, wasm-bindgen), then the inherited PATH.
    pub path: OsString,
}

impl Ctx {
    pub fn new() -> Result<Ctx> {
        // crates/xtask -> the workspace root. `cargo run` sets CARGO_MANIFEST_DIR at run time
        // too; prefer it, because the compile-time path is stale when one CARGO_TARGET_DIR
        // serves several worktrees (cargo's fingerprints are relative to the workspace, so the
        // binary built in one worktree is reused in another).
        let manifest_dir = env::var_os("CARGO_MANIFEST_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
        let root = manifest_dir
            .ancestors()
            .nth(2)
            .context("cannot find the repository root from CARGO_MANIFEST_DIR")?
            .to_path_buf();
        let cargo_home = match env::var_os("CARGO_HOME") {
            Some(dir) if !dir.is_empty() => PathBuf::from(dir),
            _ => PathBuf::from(env::var_os("HOME").context("neither CARGO_HOME nor HOME is set")?)
                .join(".cargo"),
        };
        let path = child_path(&root, &cargo_home, env::var_os("PATH"))?;
        Ok(Ctx {
            root,
            cargo_home,
            path,
        })
    }

    /// `tests/e2e`: the Playwright harness and the npm packages (binaryen's wasm-opt).
    pub fn e2e_dir(&self) -> PathBuf {
        self.root.join("tests").join("e2e")
    }

    /// `dist/`: what `trunk build` writes.
    pub fn dist_dir(&self) -> PathBuf {
        self.root.join("dist")
    }

    /// A command run at the repository root with the tools' PATH.
    /// (std looks the program up in the PATH set here, so `trunk` is found in `$CARGO_HOME/bin`.)
    pub fn cmd(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        cmd.env("PATH", &self.path).current_dir(&self.root);
        cmd
    }
}

/// Builds the PATH for child processes (see [`Ctx::path`]).
pub fn child_path(root: &Path, cargo_home: &Path, inherited: Option<OsString>) -> Result<OsString> {
    let mut dirs = vec![
        root.join("tests")
            .join("e2e")
            .join("node_modules")
            .join(".bin"),
        cargo_home.join("bin"),
    ];
    if let Some(inherited) = inherited {
        dirs.extend(env::split_paths(&inherited));
    }
    env::join_paths(dirs).context("a PATH entry contains the path separator")
}

/// Prints a step header: `==> title`.
pub fn header(title: &str) {
    println!("\n==> {title}");
    let _ = std::io::stdout().flush();
}

/// Runs `cmd` with inherited stdout/stderr (the output streams as it comes) and fails
/// unless it exits successfully.
pub fn run(cmd: &mut Command) -> Result<()> {
    let shown = display(cmd);
    println!("$ {shown}");
    let _ = std::io::stdout().flush();
    let status = cmd
        .status()
        .with_context(|| format!("could not start `{shown}` (is it installed and on PATH?)"))?;
    if !status.success() {
        bail!("`{shown}` failed ({status})");
    }
    Ok(())
}

/// Runs `cmd` quietly and returns its stdout if it succeeded.
pub fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd.stdin(std::process::Stdio::null()).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The command line as a person would type it (program, then arguments).
pub fn display(cmd: &Command) -> String {
    let mut shown = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        shown.push(' ');
        shown.push_str(&arg.to_string_lossy());
    }
    shown
}

/// Runs `f` under a `==> title` header and prints how long it took.
pub fn timed<T>(title: &str, f: impl FnOnce() -> Result<T>) -> Result<(T, Duration)> {
    header(title);
    let start = Instant::now();
    let value = f().with_context(|| format!("step `{title}` failed"))?;
    let took = start.elapsed();
    println!("--- {title}: ok ({})", human_duration(took));
    Ok((value, took))
}

/// `4.2s`, `3m 05s`.
pub fn human_duration(d: Duration) -> String {
    let secs = d.as_secs();
    if secs >= 60 {
        format!("{}m {:02}s", secs / 60, secs % 60)
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

/// A fresh, empty directory for a test (removed first if a previous run left it).
#[cfg(test)]
pub fn test_dir(name: &str) -> PathBuf {
    let dir = env::temp_dir().join(format!("cachelens-xtask-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn child_path_puts_npm_bin_and_cargo_bin_first() {
        let path = child_path(
            Path::new("/repo"),
            Path::new("/home/me/.cargo"),
            Some(OsString::from("/usr/bin:/bin")),
        )
        .unwrap();
        let dirs: Vec<PathBuf> = env::split_paths(&path).collect();
        assert_eq!(
            dirs,
            [
                "/repo/tests/e2e/node_modules/.bin",
                "/home/me/.cargo/bin",
                "/usr/bin",
                "/bin"
            ]
            .map(PathBuf::from)
        );
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(human_duration(Duration::from_millis(4200)), "4.2s");
        assert_eq!(human_duration(Duration::from_secs(185)), "3m 05s");
    }

    #[test]
    fn display_shows_the_command_line() {
        let mut cmd = Command::new("cargo");
        cmd.args(["fmt", "--all", "--check"]);
        assert_eq!(display(&cmd), "cargo fmt --all --check");
    }
}
