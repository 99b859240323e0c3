//! `cachelens graph A [B]`: the record graph of a cache, or of two overlaid, as DOT, Mermaid or
//! a standalone SVG. Inputs are read exactly as `diff` reads them; the drawing is the core's
//! (`cachelens_core::drawing`), the text its renderers' (`cachelens_core::picture`).
//!
//! Exit status: 0 drawn, 2 trouble (an input that cannot be read, holds no build cache, or an
//! archive with problems). A drawing is not a verdict: `diff` says whether anything changed.

use super::{
    CompareFlags, Input, Side, Trouble, Two, analyze, analyze_side, image_facts, load, load_two,
    name_of, report_problems,
};
use anyhow::Result;
use cachelens_core::drawing::{self, Drawing, MAX_NODES, View};
use cachelens_core::{Analysis, compare, image, picture};
use clap::ValueEnum;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct GraphArgs {
    /// Output format: Mermaid (`flowchart TD`, for a ```mermaid block on GitHub), Graphviz DOT
    /// (`| dot -Tsvg`), or a standalone SVG laid out by cachelens (opens in a browser).
    #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
    format: GraphFormat,
    #[command(flatten)]
    flags: CompareFlags,
    /// Open a folded group (its key, `group:<record id>`, as the output names it); repeat to
    /// open several, in order.
    #[arg(long = "open", value_name = "GROUP")]
    open: Vec<String>,
    /// Draw at most this many nodes (records and groups; at most 300).
    #[arg(long, value_name = "N", default_value_t = MAX_NODES)]
    max_nodes: usize,
    /// Draw only the changed records, their ancestors and what they feed, even when the whole
    /// graph would fit.
    #[arg(long)]
    changed_only: bool,
    /// An image of the same build as the left (or only) cache, to name a cache config's
    /// records by their Dockerfile steps (as `diff --left-image`).
    #[arg(long, value_name = "PATH")]
    left_image: Vec<PathBuf>,
    /// The same for the right cache.
    #[arg(long, value_name = "PATH")]
    right_image: Vec<PathBuf>,
    /// The input (or the left one): a file, image archive or layout folder, or - for standard
    /// input.
    left: PathBuf,
    /// The right input, to draw both caches overlaid.
    right: Option<PathBuf>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum GraphFormat {
    Dot,
    Mermaid,
    Svg,
}

fn no_cache(name: &str, a: &Analysis) -> anyhow::Error {
    Trouble(format!(
        "{name} is {} and holds no build cache: there is no record graph to draw",
        a.kind.describe()
    ))
    .into()
}

pub fn run(args: &GraphArgs, out: &mut impl std::io::Write) -> Result<u8> {
    let opts = args.flags.options()?;
    let view = View {
        opened: args.open.clone(),
        max_nodes: args.max_nodes.clamp(2, MAX_NODES),
        neighbourhood: args.changed_only,
    };
    let mut damaged: Vec<(String, Box<image::ImageSet>)> = Vec::new();
    let drawing: Drawing = match &args.right {
        None => {
            let name = name_of(&args.left);
            let mut a = match load(&args.left)?.cache_as_bytes() {
                Input::Bytes(bytes) => {
                    analyze(&bytes, None).map_err(|e| Trouble(format!("{name}: {e}")))?
                }
                Input::Images(set) => {
                    let a = image::document(&set);
                    if set.has_problems() {
                        damaged.push((name.clone(), set));
                    }
                    a
                }
            };
            if a.image_facts.is_none() {
                a.image_facts = image_facts(&args.left_image)?;
            }
            drawing::of_input(&a, &view).ok_or_else(|| no_cache(&name, &a))?
        }
        Some(right) => {
            let (ln, rn) = (name_of(&args.left), name_of(right));
            if ln == "<stdin>" && rn == "<stdin>" {
                return Err(Trouble("only one side can be standard input".into()).into());
            }
            let (left, right) = match load_two(&args.left, right)? {
                Two::Bytes(lb, rb) => {
                    let mut l = analyze_side(&lb, Side::Left, &ln)?;
                    let mut r = analyze_side(&rb, Side::Right, &rn)?;
                    l.image_facts = image_facts(&args.left_image)?;
                    r.image_facts = image_facts(&args.right_image)?;
                    (l, r)
                }
                Two::Images(li, ri) => {
                    let pair = image::comparable(&li, &ri, &opts);
                    for (name, set) in [(&ln, li), (&rn, ri)] {
                        if set.has_problems() {
                            damaged.push((name.clone(), set));
                        }
                    }
                    pair
                }
            };
            for (name, a) in [(&ln, &left), (&rn, &right)] {
                if a.caches.is_empty() {
                    return Err(no_cache(name, a));
                }
            }
            let cmp = compare(&left, &right, &opts);
            drawing::of_comparison(&left, &right, &cmp, &view).ok_or_else(|| {
                Trouble(format!(
                    "{ln} and {rn} hold no build cache at the same place (or it was ignored): there is no record graph to overlay"
                ))
            })?
        }
    };
    let text = match args.format {
        GraphFormat::Dot => picture::to_dot(&drawing),
        GraphFormat::Mermaid => picture::to_mermaid(&drawing),
        GraphFormat::Svg => picture::to_svg(&drawing),
    };
    out.write_all(text.as_bytes())?;
    for (name, set) in &damaged {
        report_problems(name, set, false);
    }
    Ok(if damaged.is_empty() { 0 } else { 2 })
}
