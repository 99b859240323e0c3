//! `cachelens`: why did my image digest change, and is it real? A thin shell over cachelens-core.
//!
//! Exit status follows diff(1): 0 no (semantic) difference, 1 different, 2 trouble.

use anyhow::{Context as _, Result};
use cachelens_core::report::Report;
use cachelens_core::share::{self, SharePayload, ShareSide};
use cachelens_core::{Analysis, Options, Pointer, Side, analyze, compare};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal as _, Read as _, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;

/// Where `cachelens link` points when no --base is given: the local viewer of `cargo xtask serve`.
const DEFAULT_BASE: &str = "http://127.0.0.1:8080/";

#[derive(Parser, Debug)]
#[command(
    name = "cachelens",
    version,
    about = "Why did my image digest change, and is it real?",
    long_about = "Diff Docker/BuildKit image configs, inline build caches (moby.buildkit.cache.v0), \
registry cache configs, manifests and indexes after decoding the cache and removing record \
renumbering noise.\n\nExit status: 0 identical or equivalent, 1 different, 2 an input could not be read."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Compare two inputs (files, or - for standard input).
    Diff(DiffArgs),
    /// Print the canonical document of an input (pretty JSON; a stable format to script against).
    Canon {
        /// A file, or - for standard input.
        file: PathBuf,
    },
    /// Describe one input: kind, digests, layers, cache summary.
    Show {
        /// A file, or - for standard input.
        file: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
        format: ShowFormat,
    },
    /// Print a share link that opens this comparison in the viewer (inputs travel in the URL fragment).
    Link(LinkArgs),
}

#[derive(clap::Args, Debug)]
struct CompareFlags {
    /// Ignore created, history[].created, cache createdAt and layer annotation times.
    #[arg(long)]
    ignore_timestamps: bool,
    /// Ignore moby.buildkit.cache.v0 entirely.
    #[arg(long)]
    ignore_cache: bool,
    /// Ignore everything at or under this JSON Pointer (repeatable), e.g. /config/Labels.
    #[arg(long = "ignore", value_name = "POINTER")]
    ignore: Vec<String>,
}

impl CompareFlags {
    fn options(&self) -> Result<Options> {
        Ok(Options {
            ignore_timestamps: self.ignore_timestamps,
            ignore_cache: self.ignore_cache,
            ignore: self
                .ignore
                .iter()
                .map(|p| Pointer::parse(p).map_err(|e| anyhow::anyhow!("--ignore {p:?}: {e}")))
                .collect::<Result<_>>()?,
        })
    }
}

#[derive(clap::Args, Debug)]
struct DiffArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    #[command(flatten)]
    flags: CompareFlags,
    /// Colour the text output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
    /// Diff what a share link holds instead of two files.
    #[arg(long, value_name = "URL", conflicts_with_all = ["left", "right"])]
    link: Option<String>,
    /// The left (before) input.
    #[arg(required_unless_present = "link")]
    left: Option<PathBuf>,
    /// The right (after) input.
    #[arg(required_unless_present = "link")]
    right: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
struct LinkArgs {
    /// The viewer's address (where dist/ is hosted).
    #[arg(long, env = "CACHELENS_BASE_URL", default_value = DEFAULT_BASE)]
    base: String,
    #[command(flatten)]
    flags: CompareFlags,
    /// Replace the values of config Env variables and Labels by "<redacted>" (keys kept; the
    /// redacted paths travel in the link).
    #[arg(long)]
    redact: bool,
    /// The left input.
    left: PathBuf,
    /// The right input.
    right: PathBuf,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Text,
    Json,
    Markdown,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum ShowFormat {
    Text,
    Json,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Color {
    Auto,
    Always,
    Never,
}

/// A failure that maps to exit status 2, with a message that says where.
#[derive(Debug)]
struct Trouble(String);

impl std::fmt::Display for Trouble {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for Trouble {}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "cachelens: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn read_input(path: &std::path::Path) -> Result<Vec<u8>> {
    if path.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .context("cannot read standard input")?;
        Ok(buf)
    } else {
        std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
    }
}

fn name_of(path: &std::path::Path) -> String {
    if path.as_os_str() == "-" {
        "<stdin>".into()
    } else {
        path.display().to_string()
    }
}

fn analyze_side(bytes: &[u8], side: Side, name: &str) -> Result<Analysis> {
    analyze(bytes, Some(side)).map_err(|e| Trouble(format!("{name}: {e}")).into())
}

fn run(cli: Cli) -> Result<u8> {
    let mut out = std::io::stdout().lock();
    match cli.command {
        Command::Diff(args) => {
            let mut opts = args.flags.options()?;
            let (lb, rb, ln, rn) = match &args.link {
                Some(link) => {
                    let p = share::payload_from_link(link)
                        .map_err(|e| Trouble(format!("--link: {e}")))?;
                    opts.ignore_timestamps |= p.options.ignore_timestamps;
                    opts.ignore_cache |= p.options.ignore_cache;
                    for ptr in &p.options.ignore_pointers {
                        opts.ignore.push(
                            Pointer::parse(ptr).map_err(|e| Trouble(format!("--link: {e}")))?,
                        );
                    }
                    let ln = p.left.name.clone().unwrap_or_else(|| "left".into());
                    let rn = p.right.name.clone().unwrap_or_else(|| "right".into());
                    (p.left.bytes, p.right.bytes, ln, rn)
                }
                None => {
                    let (l, r) = (
                        args.left.clone().unwrap_or_default(),
                        args.right.clone().unwrap_or_default(),
                    );
                    if l.as_os_str() == "-" && r.as_os_str() == "-" {
                        return Err(Trouble("only one side can be standard input".into()).into());
                    }
                    (read_input(&l)?, read_input(&r)?, name_of(&l), name_of(&r))
                }
            };
            let left = analyze_side(&lb, Side::Left, &ln)?;
            let right = analyze_side(&rb, Side::Right, &rn)?;
            let cmp = compare(&left, &right, &opts);
            let report = Report::new(&left, &right, &cmp, &opts, (&ln, &rn));
            let color = match args.color {
                Color::Always => true,
                Color::Never => false,
                Color::Auto => {
                    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
                }
            };
            let text = match args.format {
                Format::Text => report.to_text(color),
                Format::Json => report.to_json(),
                Format::Markdown => report.to_markdown(),
            };
            out.write_all(text.as_bytes())?;
            for w in &report.warnings {
                if args.format != Format::Text {
                    eprintln!("cachelens: warning: {}", w.message);
                }
            }
            Ok(cmp.verdict.exit_code())
        }
        Command::Canon { file } => {
            let bytes = read_input(&file)?;
            let a =
                analyze(&bytes, None).map_err(|e| Trouble(format!("{}: {e}", name_of(&file))))?;
            for w in &a.warnings {
                eprintln!("cachelens: warning: {w}");
            }
            out.write_all(a.canonical_text().as_bytes())?;
            Ok(0)
        }
        Command::Show { file, format } => {
            let bytes = read_input(&file)?;
            let a =
                analyze(&bytes, None).map_err(|e| Trouble(format!("{}: {e}", name_of(&file))))?;
            let o = cachelens_core::overview::overview(&a);
            let text = match format {
                ShowFormat::Text => o.to_text(),
                ShowFormat::Json => format!("{}\n", serde_json::to_string_pretty(&o)?),
            };
            out.write_all(text.as_bytes())?;
            Ok(0)
        }
        Command::Link(args) => {
            let opts = args.flags.options()?;
            let mut sides = Vec::new();
            for (path, side) in [(&args.left, Side::Left), (&args.right, Side::Right)] {
                let bytes = read_input(path)?;
                let name = name_of(path);
                // Refuse what the page could not read either.
                analyze_side(&bytes, side, &name)?;
                let original_digest = Some(share::sha256_digest(&bytes));
                let (bytes, redacted) = if args.redact {
                    let r = cachelens_core::redact::redact(&bytes)
                        .map_err(|e| Trouble(format!("{name}: {e}")))?;
                    (r.bytes, r.redacted)
                } else {
                    (bytes, Vec::new())
                };
                sides.push(ShareSide {
                    bytes,
                    name: Some(name),
                    original_digest,
                    redacted,
                });
            }
            let right = sides.pop().unwrap_or_default();
            let left = sides.pop().unwrap_or_default();
            let payload = SharePayload {
                left,
                right,
                options: share::ShareOptions {
                    ignore_timestamps: opts.ignore_timestamps,
                    ignore_cache: opts.ignore_cache,
                    ignore_pointers: opts.ignore.iter().map(ToString::to_string).collect(),
                    view: None,
                },
            };
            let link = share::make_link(&args.base, &payload);
            match share::link_size_class(link.len()) {
                share::LinkSize::Fine => {}
                share::LinkSize::Long => eprintln!(
                    "cachelens: note: the link is {} bytes; chat tools may cut links over {} bytes",
                    link.len(),
                    share::LINK_WARN_BYTES
                ),
                share::LinkSize::TooLong => eprintln!(
                    "cachelens: warning: the link is {} bytes, over what browsers accept ({} bytes); share the files instead",
                    link.len(),
                    share::LINK_MAX_BYTES
                ),
            }
            writeln!(out, "{link}")?;
            Ok(0)
        }
    }
}
