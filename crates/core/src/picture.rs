//! A [`Drawing`] as text: Graphviz DOT, Mermaid (`flowchart TD`, what GitHub renders inline)
//! and a standalone SVG (no script; a legend in words; the drawing's own layout). Each is
//! deterministic: the same drawing gives the same bytes. Marks are always in the labels in
//! words; styles (dashes, line widths) only repeat them.

use crate::drawing::{Drawing, LINE_HEIGHT, Mark, NodeKind, PADDING, Presence};
use std::fmt::Write as _;

/// A caption for the picture: which records are drawn out of how many.
pub fn caption(d: &Drawing) -> String {
    let mut s = if d.overlay {
        "Record graph of both caches overlaid".to_owned()
    } else {
        "Record graph of the cache".to_owned()
    };
    let _ = write!(
        s,
        ": {} of {} drawn",
        crate::words::count(d.drawn as u64, "record", "records"),
        d.records
    );
    let groups = d.nodes.len() - d.drawn;
    if groups > 0 {
        let _ = write!(
            s,
            ", the rest folded into {}",
            crate::words::count(groups as u64, "counted group", "counted groups")
        );
    }
    if d.overlay {
        let _ = write!(
            s,
            "; {} changed",
            crate::words::count(d.changed as u64, "record", "records")
        );
    }
    s
}

fn dot_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The drawing in Graphviz's DOT language (`dot -Tsvg` lays it out again its own way).
pub fn to_dot(d: &Drawing) -> String {
    let mut out = String::new();
    out.push_str("digraph cache {\n");
    let _ = writeln!(out, "  label=\"{}\";", dot_escape(&caption(d)));
    out.push_str("  labelloc=t;\n  rankdir=TB;\n");
    out.push_str("  node [shape=box, fontname=\"monospace\", fontsize=10];\n");
    out.push_str("  edge [arrowsize=0.6];\n");
    for (i, n) in d.nodes.iter().enumerate() {
        let label: Vec<String> = n.lines.iter().map(|l| dot_escape(l)).collect();
        let mut style: Vec<&str> = Vec::new();
        if n.kind == NodeKind::Group {
            style.push("dashed");
            style.push("rounded");
        }
        if n.marks.contains(&Mark::Removed) {
            style.push("dashed");
        }
        if n.marks.iter().any(|m| m.is_change()) {
            style.push("bold");
        }
        let _ = write!(out, "  n{i} [label=\"{}\"", label.join("\\n"));
        if !style.is_empty() {
            style.dedup();
            let _ = write!(out, ", style=\"{}\"", style.join(","));
        }
        let _ = writeln!(out, ", tooltip=\"{}\"];", dot_escape(&n.key));
    }
    for e in &d.edges {
        let _ = write!(out, "  n{} -> n{}", e.from, e.to);
        match e.presence {
            Presence::Both => {}
            Presence::Left => out.push_str(" [style=dashed, label=\"left only\"]"),
            Presence::Right => out.push_str(" [penwidth=2, label=\"right only\"]"),
        }
        out.push_str(";\n");
    }
    out.push_str("}\n");
    out
}

/// Text inside a quoted Mermaid label: quotes and what Mermaid or Markdown would read as markup
/// as entity codes (`#quot;`, `#35;`…).
fn mermaid_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '&' => out.push_str("#amp;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '`' => out.push_str("#96;"),
            '|' => out.push_str("#124;"),
            '[' => out.push_str("#91;"),
            ']' => out.push_str("#93;"),
            '{' => out.push_str("#123;"),
            '}' => out.push_str("#125;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The drawing as a Mermaid flowchart (top-down), marks in the labels, classes repeating them.
pub fn to_mermaid(d: &Drawing) -> String {
    let mut out = String::new();
    out.push_str("flowchart TD\n");
    for (i, n) in d.nodes.iter().enumerate() {
        let label: Vec<String> = n.lines.iter().map(|l| mermaid_escape(l)).collect();
        let label = label.join("<br>");
        match n.kind {
            NodeKind::Record => {
                let _ = writeln!(out, "  n{i}[\"{label}\"]");
            }
            NodeKind::Group => {
                let _ = writeln!(out, "  n{i}([\"{label}\"])");
            }
        }
    }
    for e in &d.edges {
        let arrow = match e.presence {
            Presence::Both => " --> ",
            Presence::Left => " -. left only .-> ",
            Presence::Right => " == right only ==> ",
        };
        let _ = writeln!(out, "  n{}{arrow}n{}", e.from, e.to);
    }
    // Classes (styles repeat what the labels say).
    type Class = (
        &'static str,
        &'static str,
        fn(&crate::drawing::Node) -> bool,
    );
    let classes: [Class; 4] = [
        ("removed", "stroke-dasharray:5 3", |n| {
            n.marks.contains(&Mark::Removed)
        }),
        ("added", "stroke-width:3px", |n| {
            n.marks.contains(&Mark::Added)
        }),
        ("changed", "stroke-width:2px", |n| {
            n.marks
                .iter()
                .any(|m| m.is_change() && !matches!(m, Mark::Removed | Mark::Added))
        }),
        ("folded", "stroke-dasharray:2 2", |n| {
            n.kind == NodeKind::Group
        }),
    ];
    for (name, style, has) in classes {
        let members: Vec<String> = d
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| has(n))
            .map(|(i, _)| format!("n{i}"))
            .collect();
        if !members.is_empty() {
            let _ = writeln!(out, "  classDef {name} {style}");
            let _ = writeln!(out, "  class {} {name}", members.join(","));
        }
    }
    out
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Not allowed in XML 1.0.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Margin around the picture, in pixels.
const MARGIN: i32 = 16;

/// The drawing as a standalone SVG document: its own layout, a caption and a legend in words,
/// `<title>` tooltips with each node's key; no script, no external reference.
pub fn to_svg(d: &Drawing) -> String {
    let mut legend: Vec<String> = vec![caption(d)];
    for e in &d.legend {
        legend.push(format!("{}: {}", e.word, e.meaning));
    }
    let legend_h = legend.len() as i32 * LINE_HEIGHT as i32 + PADDING as i32;
    let legend_w = legend
        .iter()
        .map(|l| l.chars().count() as i32 * crate::drawing::CHAR_WIDTH as i32)
        .max()
        .unwrap_or(0);
    let width = d.size.0.max(legend_w) + 2 * MARGIN;
    let height = d.size.1 + legend_h + 2 * MARGIN;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" font-family=\"monospace\" font-size=\"12\">"
    );
    let _ = writeln!(out, "<title>{}</title>", xml_escape(&caption(d)));
    out.push_str("<defs><marker id=\"arrow\" viewBox=\"0 0 8 8\" refX=\"8\" refY=\"4\" markerWidth=\"8\" markerHeight=\"8\" orient=\"auto\"><path d=\"M0,0 L8,4 L0,8 z\" fill=\"#444\"/></marker></defs>\n");
    let _ = writeln!(
        out,
        "<rect x=\"0\" y=\"0\" width=\"{width}\" height=\"{height}\" fill=\"#fff\"/>"
    );
    out.push_str("<g class=\"legend\">\n");
    for (i, line) in legend.iter().enumerate() {
        let y = MARGIN + (i as i32 + 1) * LINE_HEIGHT as i32 - 4;
        let weight = if i == 0 { " font-weight=\"bold\"" } else { "" };
        let _ = writeln!(
            out,
            "<text x=\"{MARGIN}\" y=\"{y}\"{weight}>{}</text>",
            xml_escape(line)
        );
    }
    out.push_str("</g>\n");
    let (ox, oy) = (MARGIN, MARGIN + legend_h);
    let _ = writeln!(out, "<g transform=\"translate({ox},{oy})\">");
    for e in &d.edges {
        let pts: Vec<String> = e.points.iter().map(|(x, y)| format!("{x},{y}")).collect();
        let style = match e.presence {
            Presence::Both => "stroke=\"#444\" stroke-width=\"1\"",
            Presence::Left => "stroke=\"#444\" stroke-width=\"1\" stroke-dasharray=\"5 3\"",
            Presence::Right => "stroke=\"#444\" stroke-width=\"3\"",
        };
        let _ = writeln!(
            out,
            "<polyline points=\"{}\" fill=\"none\" {style} marker-end=\"url(#arrow)\"/>",
            pts.join(" ")
        );
    }
    for n in &d.nodes {
        let r = &n.rect;
        let changed = n.marks.iter().any(|m| m.is_change());
        let (fill, stroke) = match (n.kind, changed) {
            (NodeKind::Group, _) => ("#f2f2f2", "stroke-dasharray=\"2 2\""),
            (_, true) if n.marks.contains(&Mark::Removed) => {
                ("#fdecea", "stroke-width=\"2\" stroke-dasharray=\"5 3\"")
            }
            (_, true) if n.marks.contains(&Mark::Added) => ("#e8f5e9", "stroke-width=\"3\""),
            (_, true) => ("#fff8e1", "stroke-width=\"2\""),
            _ => ("#ffffff", "stroke-width=\"1\""),
        };
        let _ = writeln!(
            out,
            "<g class=\"node\"><title>{}</title>",
            xml_escape(&n.key)
        );
        let _ = writeln!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"3\" fill=\"{fill}\" stroke=\"#222\" {stroke}/>",
            r.x, r.y, r.width, r.height
        );
        for (i, line) in n.lines.iter().enumerate() {
            let y = r.y + PADDING as i32 / 2 + (i as i32 + 1) * LINE_HEIGHT as i32 - 4;
            let _ = writeln!(
                out,
                "<text x=\"{}\" y=\"{y}\">{}</text>",
                r.x + PADDING as i32,
                xml_escape(line)
            );
        }
        out.push_str("</g>\n");
    }
    out.push_str("</g>\n</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn labels_are_escaped_for_each_language() {
        assert_eq!(dot_escape(r#"RUN echo "a\b""#), r#"RUN echo \"a\\b\""#);
        assert_eq!(
            mermaid_escape("COPY --from=a \"x\" <y> # `z` [1] {2} |"),
            "COPY --from=a #quot;x#quot; #lt;y#gt; #35; #96;z#96; #91;1#93; #123;2#125; #124;"
        );
        assert_eq!(
            xml_escape("a<b & \"c\"\u{1}"),
            "a&lt;b &amp; &quot;c&quot; "
        );
    }
}
