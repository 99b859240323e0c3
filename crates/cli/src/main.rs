//! `cachelens`: why did my image digest change, and is it real? A thin shell over cachelens-core.
//!
//! Exit status follows diff(1): 0 no (semantic) difference, 1 different, 2 trouble (including
//! an image archive with missing blobs or mismatched digests).
//!
//! Inputs are JSON files, or image archives (`docker save`, BuildKit `type=oci`/`type=docker`
//! tarballs) and OCI layout folders, told apart by content: a tar header at the start, or a
//! folder. Archives are read by seeking: only tar headers and small JSON blobs, never layers.

use anyhow::{Context as _, Result};
use cachelens_core::image::{self, ByteSource, ImageSet};
use cachelens_core::report::Report;
use cachelens_core::share;
use cachelens_core::{Analysis, Kind, Options, Pointer, Side, analyze, compare};
use clap::{Parser, Subcommand, ValueEnum};
use std::fs::File;
use std::io::{IsTerminal as _, Read as _, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod graph;
mod series;

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
    /// Compare two inputs (files, image archives or OCI layout folders, or - for standard input).
    Diff(DiffArgs),
    /// Print the canonical document of an input (pretty JSON; a stable format to script against).
    Canon {
        /// A file, image archive or layout folder, or - for standard input.
        file: PathBuf,
    },
    /// Describe one input: kind, digests, layers, cache summary. For an image archive or OCI
    /// layout folder: every image's manifest, config, layers, diff_ids, chain IDs and last layer
    /// (`--format json`: `.images[0].lastLayer.digest`), checked against the blobs present.
    Show {
        /// A file, image archive (tar) or OCI layout folder, or - for standard input.
        file: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
        format: ShowFormat,
    },
    /// Print a share link that opens this comparison in the viewer (inputs travel in the URL fragment).
    Link(LinkArgs),
    /// Compare a series of rebuilds: groups of equivalent inputs, and what changed (and why) at
    /// each transition between consecutive inputs that differ.
    Series(series::SeriesArgs),
    /// Draw the record graph of a cache, or of two overlaid (DOT, Mermaid or standalone SVG).
    Graph(graph::GraphArgs),
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
    /// Diff what a share link (v1 or v2) or a bundle file holds instead of two files. A
    /// changes-only link prints its changes, read-only.
    #[arg(long, value_name = "URL|FILE", conflicts_with_all = ["left", "right"])]
    link: Option<String>,
    /// An image of the same build as the left cache (its config.json and/or manifest.json, or
    /// a folder holding them), to name a cache config's records by their Dockerfile steps.
    /// Repeat for a config and a manifest.
    #[arg(long, value_name = "PATH")]
    left_image: Vec<PathBuf>,
    /// The same for the right cache.
    #[arg(long, value_name = "PATH")]
    right_image: Vec<PathBuf>,
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
    /// A link of only the change set, both digests, kinds and the diagnosis (it opens
    /// read-only): for a diff whose inputs do not fit a link.
    #[arg(long, conflicts_with_all = ["cache_only", "bundle"])]
    changes_only: bool,
    /// A link of only each side's decoded build cache.
    #[arg(long)]
    cache_only: bool,
    /// Write the share as a bundle file instead of printing a link (the page opens it by drop
    /// or upload; `cachelens diff --link FILE` too).
    #[arg(long, value_name = "FILE")]
    bundle: Option<PathBuf>,
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

/// One input as read: JSON (or base64) bytes, or the images of an archive or layout folder.
enum Input {
    Bytes(Vec<u8>),
    Images(Box<ImageSet>),
}

impl Input {
    /// A layout that is a BuildKit cache export compares as its cache config, so that it meets
    /// the same cache exported to a registry (`cacheconfig.json`) byte for byte.
    fn cache_as_bytes(self) -> Input {
        match self {
            Input::Images(set) => match set.cache_config() {
                Some(bytes) => Input::Bytes(bytes.to_vec()),
                None => Input::Images(set),
            },
            other => other,
        }
    }
}

/// An archive file read by seeking.
struct FileSource {
    file: File,
    len: u64,
}

impl ByteSource for FileSource {
    type Error = anyhow::Error;
    fn size(&self) -> u64 {
        self.len
    }
    fn read_at(&mut self, offset: u64, len: usize) -> Result<Vec<u8>> {
        self.file.seek(SeekFrom::Start(offset))?;
        let mut buf = vec![0; len];
        self.file
            .read_exact(&mut buf)
            .with_context(|| format!("{len} bytes at offset {offset}"))?;
        Ok(buf)
    }
}

/// Reads an input, telling archives (a tar header at the start) and layout folders from JSON
/// by content, not by name.
fn load(path: &Path) -> Result<Input> {
    let name = name_of(path);
    let trouble = |e: cachelens_core::Error| Trouble(format!("{name}: {e}"));
    if path.as_os_str() == "-" {
        let buf = read_input(path)?;
        if image::gzip::looks_like_gzip(&buf) {
            let set = image::gzip::read_gzip(&buf).map_err(trouble)?;
            return Ok(Input::Images(Box::new(set)));
        }
        if image::looks_like_tar(&buf) {
            let set = image::read_archive_bytes(&buf).map_err(trouble)?;
            return Ok(Input::Images(Box::new(set)));
        }
        return Ok(Input::Bytes(buf));
    }
    if path.is_dir() {
        return Ok(Input::Images(Box::new(read_folder(path)?)));
    }
    let cannot = || format!("cannot read {}", path.display());
    let mut file = File::open(path).with_context(cannot)?;
    let mut head = Vec::with_capacity(512);
    (&mut file)
        .take(512)
        .read_to_end(&mut head)
        .with_context(cannot)?;
    if image::looks_like_tar(&head) {
        let len = file.metadata().with_context(cannot)?.len();
        let set = image::read_archive(&mut FileSource { file, len }).map_err(|e| {
            match e.downcast::<cachelens_core::Error>() {
                Ok(e) => Trouble(format!("{name}: {e}")).into(),
                Err(e) => e.context(cannot()),
            }
        })?;
        return Ok(Input::Images(Box::new(set)));
    }
    file.read_to_end(&mut head).with_context(cannot)?;
    if image::gzip::looks_like_gzip(&head) {
        // A `.dockerbuild` file (or a gzipped image tarball): small, decompressed whole.
        let set = image::gzip::read_gzip(&head).map_err(trouble)?;
        return Ok(Input::Images(Box::new(set)));
    }
    Ok(Input::Bytes(head))
}

/// An OCI layout (or extracted docker save) folder: lists its files, reads only the small JSON
/// ones the core asks for. Links to files are followed; links to folders are not.
fn read_folder(root: &Path) -> Result<ImageSet> {
    fn walk(root: &Path, rel: &str, out: &mut Vec<(String, u64)>) -> Result<()> {
        let dir = root.join(rel);
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .with_context(|| format!("cannot read {}", dir.display()))?
            .collect::<std::io::Result<_>>()
            .with_context(|| format!("cannot read {}", dir.display()))?;
        entries.sort_by_key(std::fs::DirEntry::file_name);
        for e in entries {
            let file_name = e.file_name();
            let Some(file_name) = file_name.to_str() else {
                continue; // not UTF-8: no layout file is named so
            };
            let path = if rel.is_empty() {
                file_name.to_owned()
            } else {
                format!("{rel}/{file_name}")
            };
            let kind = e.file_type()?;
            if kind.is_dir() {
                walk(root, &path, out)?;
            } else if let Ok(meta) = std::fs::metadata(e.path())
                && meta.is_file()
            {
                out.push((path, meta.len()));
            }
        }
        Ok(())
    }
    let mut files = Vec::new();
    if root.join("index.json").is_file() || root.join("manifest.json").is_file() {
        walk(root, "", &mut files)?;
    } else {
        // Not a layout: no need to walk a whole tree to say so. The top level, and layout files
        // one folder down (for the core's hint), are enough.
        for e in
            std::fs::read_dir(root).with_context(|| format!("cannot read {}", root.display()))?
        {
            let e = e?;
            let Some(file_name) = e.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            files.push((file_name.clone(), 0));
            for inner in ["index.json", "manifest.json"] {
                if e.path().join(inner).is_file() {
                    files.push((format!("{file_name}/{inner}"), 0));
                }
            }
        }
    }
    let name = root.display().to_string();
    image::read_layout(files, |rel: &str| {
        std::fs::read(root.join(rel)).with_context(|| format!("cannot read {name}/{rel}"))
    })
    .map_err(|e| match e.downcast::<cachelens_core::Error>() {
        Ok(e) => Trouble(format!("{name}: {e}")).into(),
        Err(e) => e,
    })
}

/// What `--left-image`/`--right-image` give: an image config's history and diff_ids and a
/// manifest's blobs, read from JSON files (or the `*.json` files of a folder).
fn image_facts(paths: &[PathBuf]) -> Result<Option<cachelens_core::steps::ImageFacts>> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut inner: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| format!("cannot read {}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.extension().is_some_and(|x| x == "json"))
                .collect();
            inner.sort();
            files.extend(inner);
        } else {
            files.push(p.clone());
        }
    }
    let mut facts: Option<cachelens_core::steps::ImageFacts> = None;
    for f in files {
        let name = name_of(&f);
        let a = analyze(&read_input(&f)?, None).map_err(|e| Trouble(format!("{name}: {e}")))?;
        if !matches!(a.kind, Kind::ImageConfig | Kind::ImageManifest) {
            return Err(Trouble(format!(
                "{name} is {}: --left-image and --right-image take an image config or manifest",
                a.kind.describe()
            ))
            .into());
        }
        if let Some(more) = cachelens_core::steps::ImageFacts::from_doc(&a.original) {
            match &mut facts {
                Some(f) => f.merge(more),
                None => facts = Some(more),
            }
        }
    }
    Ok(facts)
}

/// Says on standard error that an archive has problems (exit status 2 follows).
fn report_problems(name: &str, set: &ImageSet, each: bool) {
    if each {
        for p in &set.problems {
            eprintln!("cachelens: {name}: {p}");
        }
    }
    eprintln!(
        "cachelens: {name}: the archive is damaged or incomplete ({})",
        cachelens_core::words::count(set.problems.len() as u64, "problem", "problems")
    );
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

/// Two inputs as `diff` reads them: two JSON documents, or two archives (or layout folders).
enum Two {
    Bytes(Vec<u8>, Vec<u8>),
    Images(Box<ImageSet>, Box<ImageSet>),
}

/// Reads two inputs; an archive beside a JSON document is trouble, said with what to do.
fn load_two(l: &Path, r: &Path) -> Result<Two> {
    let (ln, rn) = (name_of(l), name_of(r));
    let (li, ri) = (load(l)?.cache_as_bytes(), load(r)?.cache_as_bytes());
    let l_is_archive = matches!(li, Input::Images(_));
    match (li, ri) {
        (Input::Bytes(lb), Input::Bytes(rb)) => Ok(Two::Bytes(lb, rb)),
        (Input::Images(li), Input::Images(ri)) => Ok(Two::Images(li, ri)),
        (Input::Images(set), Input::Bytes(bytes)) | (Input::Bytes(bytes), Input::Images(set)) => {
            let (archive, other) = if l_is_archive { (&ln, &rn) } else { (&rn, &ln) };
            // When the document is part of the archive, say so: it is not another version of
            // the image.
            let part = image::part_of(&set, &bytes).map_or_else(String::new, |p| {
                format!("; {other} is {p}, part of the same image, not another version of it")
            });
            Err(Trouble(format!(
                "{archive} is an image archive and {other} is not{part}: compare two archives (or layout folders), or two JSON documents (`cachelens show {archive}` names its manifest and config)"
            ))
            .into())
        }
    }
}

fn run(cli: Cli) -> Result<u8> {
    let mut out = std::io::stdout().lock();
    match cli.command {
        Command::Diff(args) => {
            let mut opts = args.flags.options()?;
            let (lb, rb, ln, rn) = match &args.link {
                Some(link) => {
                    let p = match open_link(link)? {
                        share::Shared::Pair(p) => p,
                        share::Shared::Changes(c) => {
                            let text = match args.format {
                                Format::Json => {
                                    format!("{}\n", serde_json::to_string_pretty(&c.to_json())?)
                                }
                                _ => c.to_text(),
                            };
                            out.write_all(text.as_bytes())?;
                            return Ok(u8::from(c.verdict == "different"));
                        }
                        other => {
                            return Err(Trouble(format!(
                                "--link: the link holds {}; diff opens a pair (open a series in the viewer)",
                                other.describe()
                            ))
                            .into());
                        }
                    };
                    opts.ignore_timestamps |= p.options.ignore_timestamps;
                    opts.ignore_cache |= p.options.ignore_cache;
                    opts.ignore.extend(p.options.ignore_pointers);
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
                    let (ln, rn) = (name_of(&l), name_of(&r));
                    match load_two(&l, &r)? {
                        Two::Bytes(lb, rb) => (lb, rb, ln, rn),
                        Two::Images(li, ri) => {
                            return diff_images(&li, &ri, &opts, &args, (&ln, &rn), &mut out);
                        }
                    }
                }
            };
            let mut left = analyze_side(&lb, Side::Left, &ln)?;
            let mut right = analyze_side(&rb, Side::Right, &rn)?;
            left.image_facts = image_facts(&args.left_image)?;
            right.image_facts = image_facts(&args.right_image)?;
            let cmp = compare(&left, &right, &opts);
            let report = report_of(&left, &right, &cmp, &opts, (&ln, &rn), args.format);
            render_diff(&report, &args, &mut out)?;
            let code = cmp.verdict.exit_code();
            // The process ends next: freeing the documents (millions of small allocations for a
            // large cache) would only delay the exit, by a fifth of the run at 10k records.
            std::mem::forget((left, right, cmp, report, lb, rb));
            Ok(code)
        }
        Command::Canon { file } => {
            let name = name_of(&file);
            let (a, set) = match load(&file)? {
                Input::Bytes(bytes) => (
                    analyze(&bytes, None).map_err(|e| Trouble(format!("{name}: {e}")))?,
                    None,
                ),
                Input::Images(set) => (image::document(&set), Some(set)),
            };
            for w in &a.warnings {
                eprintln!("cachelens: warning: {w}");
            }
            out.write_all(a.canonical_text().as_bytes())?;
            if let Some(set) = set.filter(|s| s.has_problems()) {
                report_problems(&name, &set, false);
                return Ok(2);
            }
            Ok(0)
        }
        Command::Show { file, format } => {
            let name = name_of(&file);
            let set = match load(&file)? {
                Input::Bytes(bytes) => {
                    let a = analyze(&bytes, None).map_err(|e| Trouble(format!("{name}: {e}")))?;
                    let o = cachelens_core::overview::overview(&a);
                    let text = match format {
                        ShowFormat::Text => o.to_text(),
                        ShowFormat::Json => format!("{}\n", serde_json::to_string_pretty(&o)?),
                    };
                    out.write_all(text.as_bytes())?;
                    return Ok(0);
                }
                Input::Images(set) => set,
            };
            let text = match format {
                ShowFormat::Text => set.to_text(),
                ShowFormat::Json => format!("{}\n", serde_json::to_string_pretty(&set)?),
            };
            out.write_all(text.as_bytes())?;
            if set.has_problems() {
                report_problems(&name, &set, format != ShowFormat::Text);
                return Ok(2);
            }
            Ok(0)
        }
        Command::Series(args) => series::run(&args, &mut out),
        Command::Graph(args) => graph::run(&args, &mut out),
        Command::Link(args) => {
            let opts = args.flags.options()?;
            let mut sides = Vec::new();
            for (path, side) in [(&args.left, Side::Left), (&args.right, Side::Right)] {
                let name = name_of(path);
                let Input::Bytes(bytes) = load(path)? else {
                    return Err(Trouble(format!(
                        "{name} is an image archive: a share link carries JSON documents; give the config or manifest instead (cachelens show lists their digests)"
                    ))
                    .into());
                };
                // Refuse what the page could not read either.
                let analysis = analyze_side(&bytes, side, &name)?;
                sides.push((name, bytes, analysis));
            }
            fn input((name, bytes, analysis): &(String, Vec<u8>, Analysis)) -> share::Input<'_> {
                share::Input {
                    name,
                    analysis,
                    source: share::Source::Bytes {
                        bytes,
                        archive: None,
                    },
                }
            }
            let request = share::Request {
                left: input(&sides[0]),
                right: input(&sides[1]),
                options: &opts,
                view: None,
                settings: share::Settings {
                    redact: args.redact,
                    cache_only: args.cache_only,
                },
            };
            let cmp = compare(&sides[0].2, &sides[1].2, &opts);
            if args.changes_only {
                let link = request
                    .changes_link(&args.base, &cmp)
                    .map_err(|e| Trouble(e.to_string()))?;
                note_link_size(link.len(), None);
                writeln!(out, "{link}")?;
                return Ok(0);
            }
            let shared = request
                .share(&args.base, &cmp, [&sides[0].0, &sides[1].0])
                .map_err(|e| Trouble(e.to_string()))?;
            if let Some(path) = &args.bundle {
                std::fs::write(path, &shared.bundle)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                eprintln!(
                    "cachelens: wrote {} ({} bytes); open it with `cachelens diff --link {}` or drop it on the viewer",
                    path.display(),
                    shared.bundle.len(),
                    path.display()
                );
                return Ok(0);
            }
            note_link_size(shared.link.len(), shared.alternatives.as_ref());
            writeln!(out, "{}", shared.link)?;
            Ok(0)
        }
    }
}

/// Tells on standard error when a link is too long for chat tools (or browsers), and what is
/// smaller, with the size of each.
fn note_link_size(len: usize, alternatives: Option<&share::Alternatives>) {
    match share::link_size_class(len) {
        share::LinkSize::Fine => return,
        share::LinkSize::Long => eprintln!(
            "cachelens: note: the link is {len} bytes; chat tools may cut links over {} bytes",
            share::LINK_WARN_BYTES
        ),
        share::LinkSize::TooLong => eprintln!(
            "cachelens: warning: the link is {len} bytes, over what browsers accept ({} bytes)",
            share::LINK_MAX_BYTES
        ),
    }
    if let Some(a) = alternatives {
        eprintln!("cachelens: smaller ways to share it:");
        eprintln!(
            "  --changes-only   a link of the changes only (read-only): {} bytes",
            a.changes_link.len()
        );
        match &a.cache_only_link {
            Some(l) => eprintln!(
                "  --cache-only     a link of only the decoded caches: {} bytes",
                l.len()
            ),
            None => eprintln!("  --cache-only     not available: a side has no build cache"),
        }
        eprintln!(
            "  --bundle FILE    a bundle file of the whole share: {} bytes",
            a.bundle_bytes
        );
    }
}

/// What `diff --link` opens: a link's text, or a file holding a bundle or a link.
fn open_link(link: &str) -> Result<share::Shared> {
    let path = Path::new(link);
    let opened = if !link.contains('#') && path.is_file() {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        share::open_shared(&bytes)
    } else {
        share::decode_shared(link)
    };
    Ok(opened.map_err(|e| Trouble(format!("--link: {e}")))?)
}

/// Whether to colour text output.
fn color_of(c: Color) -> bool {
    match c {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    }
}

/// Renders a diff report in the chosen format.
/// The report of a comparison; with the Mermaid graph only for the Markdown report, the one
/// that shows it (laying it out is a twentieth of a 10k-record comparison).
fn report_of(
    left: &Analysis,
    right: &Analysis,
    cmp: &cachelens_core::Comparison,
    opts: &Options,
    names: (&str, &str),
    format: Format,
) -> Report {
    let report = Report::new(left, right, cmp, opts, names);
    match format {
        Format::Markdown => report.with_graph(left, right, cmp),
        Format::Text | Format::Json => report,
    }
}

fn render_diff(report: &Report, args: &DiffArgs, out: &mut impl std::io::Write) -> Result<()> {
    let text = match args.format {
        Format::Text => report.to_text(color_of(args.color)),
        Format::Json => report.to_json(),
        Format::Markdown => report.to_markdown(),
    };
    out.write_all(text.as_bytes())?;
    for w in &report.warnings {
        if args.format != Format::Text {
            eprintln!("cachelens: warning: {}", w.message);
        }
    }
    Ok(())
}

/// Compares two image archives: the core pairs their images and builds one document per side,
/// so the ordinary comparison, report and exit codes apply.
fn diff_images(
    left: &ImageSet,
    right: &ImageSet,
    opts: &Options,
    args: &DiffArgs,
    names: (&str, &str),
    out: &mut impl std::io::Write,
) -> Result<u8> {
    let (l, r) = image::comparable(left, right, opts);
    let cmp = compare(&l, &r, opts);
    let report = report_of(&l, &r, &cmp, opts, names, args.format);
    render_diff(&report, args, out)?;
    let mut damaged = false;
    for (name, set) in [(names.0, left), (names.1, right)] {
        if set.has_problems() {
            report_problems(name, set, false);
            damaged = true;
        }
    }
    Ok(if damaged { 2 } else { cmp.verdict.exit_code() })
}
