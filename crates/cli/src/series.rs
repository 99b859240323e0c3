//! `cachelens series INPUT…`: a series of rebuilds, read one input at a time with the readers
//! `diff` uses and fed to the core's [`cachelens_core::series::Builder`], so that only the
//! previous input stays in memory.

use crate::{CompareFlags, Format, Input, Trouble, color_of, load, name_of};
use anyhow::{Context as _, Result};
use cachelens_core::analyze;
use cachelens_core::series::{self, Builder};
use std::io::{BufRead as _, Write as _};
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub(crate) struct SeriesArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    #[command(flatten)]
    flags: CompareFlags,
    /// Colour the text output.
    #[arg(long, value_enum, default_value_t = crate::Color::Auto)]
    color: crate::Color,
    /// Print a share link of the series (every input's exact bytes, in order) instead of the
    /// report; the viewer opens it as a series.
    #[arg(long)]
    link: bool,
    /// With --link: the viewer's address (where dist/ is hosted).
    #[arg(long, env = "CACHELENS_BASE_URL", default_value = crate::DEFAULT_BASE)]
    base: String,
    /// With --link: replace the values of Env variables and labels by "<redacted>", together
    /// across the series (equal values get equal markers).
    #[arg(long, requires = "link")]
    redact: bool,
    /// The inputs, in build order: files, image archives, OCI layout or cache export folders
    /// (one input each), other folders (their files in name order, and the layouts among their
    /// folders), or - to read paths from standard input, one a line.
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<PathBuf>,
}

/// Whether a folder is one input: an OCI layout (a cache export is one) or an extracted
/// docker save.
fn is_layout(dir: &Path) -> bool {
    ["index.json", "manifest.json", "oci-layout"]
        .iter()
        .any(|f| dir.join(f).is_file())
}

/// The inputs the arguments name, in order.
fn expand(args: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stdin_read = false;
    for a in args {
        if a.as_os_str() == "-" {
            if stdin_read {
                return Err(
                    Trouble("- can be given once (standard input is read once)".into()).into(),
                );
            }
            stdin_read = true;
            for line in std::io::stdin().lock().lines() {
                let line = line.context("cannot read standard input")?;
                let line = line.trim_end_matches('\r');
                if !line.trim().is_empty() {
                    out.push(PathBuf::from(line));
                }
            }
        } else if a.is_dir() && !is_layout(a) {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(a)
                .with_context(|| format!("cannot read {}", a.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file() || (p.is_dir() && is_layout(p)))
                .collect();
            entries.sort_by(|x, y| x.file_name().cmp(&y.file_name()));
            out.extend(entries);
        } else {
            out.push(a.clone());
        }
    }
    if out.is_empty() {
        return Err(
            Trouble("no inputs: the folders and standard input named no file".into()).into(),
        );
    }
    Ok(out)
}

/// One input read as `diff` reads it, or why not (naming it).
fn read(path: &Path) -> Result<series::Input, String> {
    let name = name_of(path);
    match load(path).map_err(|e| format!("{e:#}"))?.cache_as_bytes() {
        Input::Bytes(bytes) => analyze(&bytes, None)
            .map(|a| series::Input::Document(Box::new(a)))
            .map_err(|e| format!("{name}: {e}")),
        Input::Images(set) => Ok(series::Input::Archive(set)),
    }
}

/// `series --link`: the series' share link, of the inputs' bytes as given.
fn link(args: &SeriesArgs, paths: &[PathBuf], out: &mut impl std::io::Write) -> Result<u8> {
    let opts = args.flags.options()?;
    let mut inputs = Vec::with_capacity(paths.len());
    for p in paths {
        let name = name_of(p);
        let Input::Bytes(bytes) = load(p)? else {
            return Err(Trouble(format!(
                "{name} is an image archive: a share link carries JSON documents; give the config or manifest instead (cachelens show lists their digests)"
            ))
            .into());
        };
        analyze(&bytes, None).map_err(|e| Trouble(format!("{name}: {e}")))?;
        inputs.push((name, bytes));
    }
    let refs: Vec<(&str, &[u8])> = inputs
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let shared = cachelens_core::share::share_series(
        &args.base,
        &refs,
        &opts,
        cachelens_core::share::Settings {
            redact: args.redact,
            cache_only: false,
        },
    )
    .map_err(|e| Trouble(e.to_string()))?;
    if shared.link.len() > cachelens_core::share::LINK_WARN_BYTES {
        eprintln!(
            "cachelens: note: the link is {} bytes; chat tools may cut links over {} bytes",
            shared.link.len(),
            cachelens_core::share::LINK_WARN_BYTES
        );
    }
    writeln!(out, "{}", shared.link)?;
    Ok(0)
}

pub(crate) fn run(args: &SeriesArgs, out: &mut impl std::io::Write) -> Result<u8> {
    let opts = args.flags.options()?;
    let paths = expand(&args.inputs)?;
    if args.link {
        return link(args, &paths, out);
    }
    let mut builder = Builder::new(opts);
    for p in &paths {
        // Read, fingerprinted and compared with the one before, then dropped but for the last.
        builder.push(name_of(p), read(p));
    }
    let s = builder.finish();
    let text = match args.format {
        Format::Text => s.to_text(color_of(args.color)),
        Format::Json => s.to_json(),
        Format::Markdown => s.to_markdown(),
    };
    out.write_all(text.as_bytes())?;
    if args.format != Format::Text {
        for i in &s.inputs {
            if let Some(e) = &i.error {
                let _ = writeln!(std::io::stderr(), "cachelens: input {}: {e}", i.index + 1);
            }
            for p in &i.problems {
                let _ = writeln!(
                    std::io::stderr(),
                    "cachelens: input {} ({}): {p}",
                    i.index + 1,
                    i.name
                );
            }
        }
    }
    Ok(s.exit_code())
}
