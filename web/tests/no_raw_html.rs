//! No input data can reach the DOM as HTML: the viewer's code never uses an API that parses a
//! string as HTML. Searches every source file of the web crate (and its boot script).

use std::path::Path;

/// APIs that parse strings as HTML (Yew, web-sys, DOM).
const FORBIDDEN: &[&str] = &[
    "from_html_unchecked",
    "set_inner_html",
    "inner_html",
    "set_outer_html",
    "insert_adjacent_html",
    "innerHTML",
    "outerHTML",
    "insertAdjacentHTML",
    "document.write",
    "dangerously",
];

fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs" || e == "js") {
            out.push(path);
        }
    }
}

#[test]
fn no_html_parsing_api_is_used() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    sources(&root.join("src"), &mut files);
    files.push(root.join("boot.js"));
    assert!(files.len() > 5, "sources not found: {files:?}");
    let mut hits = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for (n, line) in text.lines().enumerate() {
            for api in FORBIDDEN {
                if line.contains(api) {
                    hits.push(format!("{}:{}: {}", f.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        hits.is_empty(),
        "HTML-parsing APIs in the viewer:\n{}",
        hits.join("\n")
    );
}
