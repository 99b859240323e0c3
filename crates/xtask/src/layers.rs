//! The module layering of the core and the web crate, as ARCHITECTURE.md writes it, checked
//! against the source: a module may use only the modules listed before it.
//!
//! ARCHITECTURE.md holds one fenced block per crate, tagged `layers <crate>`, e.g.
//!
//! ````text
//! ```layers core
//! leaf: digest pointer error json
//! stages: decode detect canon
//! ```
//! ````
//!
//! Each line is a layer, lowest first; within a line, modules are in order too. So the whole
//! block is one order, and "imports only downward" means: every `crate::` path in a module's
//! files names a module listed before it (or itself). Every top-level module of the crate must be
//! listed, so a new module has to be placed. The crate root (`lib.rs`, `main.rs`) is outside
//! the order (it declares the modules), except where the block lists `lib` explicitly.
//!
//! The scan is textual and deliberately simple: comments and the unit tests at the end of a
//! file (`#[cfg(test)] mod ...`, which may use any module) are removed, then every `crate::`
//! path is read (a `use crate::{a, b::c}` group item by item; an item re-exported at the crate
//! root, such as `crate::Error`, counts as the module it comes from). `cargo xtask layers`
//! prints each module's imports; the unit test below fails on any upward import or cycle.

use anyhow::{Context, Result, bail};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// One crate's layering: where its sources are and the order ARCHITECTURE.md gives.
#[derive(Debug)]
pub struct Crate {
    /// The block's tag (`core`, `web`).
    pub name: String,
    /// `src/` of the crate.
    pub src: PathBuf,
    /// Layers, lowest first: (layer name, modules in order).
    pub layers: Vec<(String, Vec<String>)>,
}

/// What the scan found: module → modules it uses (other than itself).
pub type Imports = BTreeMap<String, BTreeSet<String>>;

/// The crates ARCHITECTURE.md lays out, with their source folders.
pub fn crates(root: &Path) -> Result<Vec<Crate>> {
    let arch = root.join("ARCHITECTURE.md");
    let text = fs::read_to_string(&arch).with_context(|| format!("reading {}", arch.display()))?;
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let Some(tag) = line.trim().strip_prefix("```layers ") else {
            continue;
        };
        let name = tag.trim().to_owned();
        let src = match name.as_str() {
            "core" => root.join("crates/core/src"),
            "web" => root.join("web/src"),
            other => {
                bail!("ARCHITECTURE.md: a `layers {other}` block names no crate this check knows")
            }
        };
        let mut layers = Vec::new();
        for l in lines.by_ref() {
            if l.trim() == "```" {
                break;
            }
            let Some((layer, modules)) = l.split_once(':') else {
                bail!(
                    "ARCHITECTURE.md: `layers {name}` line {l:?} is not `layer: module module ...`"
                );
            };
            layers.push((
                layer.trim().to_owned(),
                modules.split_whitespace().map(str::to_owned).collect(),
            ));
        }
        out.push(Crate { name, src, layers });
    }
    if out.is_empty() {
        bail!("ARCHITECTURE.md has no ```layers blocks");
    }
    Ok(out)
}

/// Removes `//` comments (doc comments included) and `/* */` comments, keeping strings whole
/// (a `crate::` path inside an attribute's format string, as thiserror's, is real code).
fn strip_comments(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    let mut in_str = false;
    let mut start = 0;
    while i < b.len() {
        if in_str {
            match b[i] {
                b'\\' => i += 2,
                b'"' => {
                    in_str = false;
                    i += 1;
                }
                _ => i += 1,
            }
            continue;
        }
        match (b[i], b.get(i + 1)) {
            (b'r', Some(b'#' | b'"'))
                if i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_') =>
            {
                // A raw string r"..." or r#"..."#: skip to its end (it may hold `"` and `//`).
                let hashes = b[i + 1..].iter().take_while(|&&c| c == b'#').count();
                if b.get(i + 1 + hashes) != Some(&b'"') {
                    i += 1;
                    continue;
                }
                let close = format!("\"{}", "#".repeat(hashes));
                let body = i + 2 + hashes;
                i = src[body..]
                    .find(&close)
                    .map_or(b.len(), |e| body + e + close.len());
            }
            (b'"', _) => {
                // A char literal '"' is not a string.
                let is_char = i > 0 && b[i - 1] == b'\'' && b.get(i + 1) == Some(&b'\'');
                in_str = !is_char;
                i += 1;
            }
            (b'/', Some(b'/')) => {
                out.push_str(&src[start..i]);
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                start = i;
            }
            (b'/', Some(b'*')) => {
                out.push_str(&src[start..i]);
                let end = src[i + 2..].find("*/").map_or(b.len(), |e| i + 2 + e + 2);
                i = end;
                start = i;
            }
            _ => i += 1,
        }
    }
    out.push_str(&src[start.min(b.len())..]);
    out
}

fn ident_at(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The first path segment of each item of a `{...}` group that starts `s` (after the `{`).
fn group_items(s: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let mut depth = 0usize;
    let mut at_item = true;
    for (i, c) in s.char_indices() {
        match c {
            '{' => {
                depth += 1;
                at_item = false;
            }
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => at_item = true,
            c if at_item && (c.is_ascii_alphabetic() || c == '_') => {
                items.push(ident_at(&s[i..]));
                at_item = false;
            }
            _ => {}
        }
    }
    items
}

/// The source without its unit tests: from a `#[cfg(test)]` that opens a `mod` to the end (tests
/// sit at the end of a file, and may use any module to check this one).
fn without_tests(src: &str) -> &str {
    let mut at = 0;
    let mut lines = src.split_inclusive('\n').peekable();
    while let Some(line) = lines.next() {
        if line.trim() == "#[cfg(test)]"
            && lines
                .peek()
                .is_some_and(|next| next.trim_start().starts_with("mod "))
        {
            return &src[..at];
        }
        at += line.len();
    }
    src
}

/// The first segment of every `crate::` path in a source text (comments and unit tests removed).
fn crate_paths(src: &str) -> Vec<String> {
    let code = strip_comments(without_tests(src));
    let mut out = Vec::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        // `cachelens_crate::` or `my_crate::` are other paths.
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            out.extend(group_items(group).into_iter().map(str::to_owned));
        } else {
            let id = ident_at(rest);
            if !id.is_empty() {
                out.push(id.to_owned());
            }
        }
    }
    out
}

/// Items the crate root re-exports, with the module they come from (`Error` → `error`).
fn reexports(root_src: &str) -> BTreeMap<String, String> {
    let code = strip_comments(root_src);
    let mut out = BTreeMap::new();
    for stmt in code.split(';') {
        let s = stmt.trim();
        let Some(path) = s.strip_prefix("pub use ") else {
            continue;
        };
        let path = path.trim();
        let module = ident_at(path).to_owned();
        let tail = &path[module.len()..];
        if let Some(group) = tail.strip_prefix("::{") {
            for item in group_items(group) {
                out.insert(item.to_owned(), module.clone());
            }
        } else if let Some(item) = tail.rsplit("::").next() {
            let item = ident_at(item.trim());
            if !item.is_empty() {
                out.insert(item.to_owned(), module.clone());
            }
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for entry in fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            rust_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

/// Every top-level module's imports of other top-level modules.
pub fn scan(krate: &Crate) -> Result<Imports> {
    let root_file = ["lib.rs", "main.rs"]
        .iter()
        .map(|f| krate.src.join(f))
        .find(|p| p.exists())
        .with_context(|| format!("{} has no lib.rs or main.rs", krate.src.display()))?;
    let root_src = fs::read_to_string(&root_file)?;
    let reexported = reexports(&root_src);
    let mut files = Vec::new();
    rust_files(&krate.src, &mut files)?;
    files.sort();
    let mut modules: BTreeSet<String> = BTreeSet::new();
    let mut found: Vec<(String, Vec<String>)> = Vec::new();
    for f in &files {
        let rel = f.strip_prefix(&krate.src).unwrap_or(f);
        let first = rel
            .components()
            .next()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .unwrap_or_default();
        let module = first.strip_suffix(".rs").unwrap_or(&first).to_owned();
        if module == "main" {
            continue; // the binary's entry point, outside the order
        }
        if f.file_name().is_some_and(|n| n == "tests.rs") {
            continue; // a unit-test module in its own file (`#[cfg(test)] mod tests;`)
        }
        modules.insert(module.clone());
        let src = fs::read_to_string(f)?;
        found.push((module, crate_paths(&src)));
    }
    let mut imports: Imports = modules
        .iter()
        .map(|m| (m.clone(), BTreeSet::new()))
        .collect();
    for (module, paths) in found {
        for p in paths {
            let target = if modules.contains(&p) {
                p
            } else if let Some(m) = reexported.get(&p) {
                m.clone()
            } else {
                // An item defined in the crate root itself.
                "lib".to_owned()
            };
            if target != module {
                imports.entry(module.clone()).or_default().insert(target);
            }
        }
    }
    Ok(imports)
}

/// Every breach of the order: upward imports, unlisted and missing modules.
pub fn check(krate: &Crate, imports: &Imports) -> Vec<String> {
    let mut position: BTreeMap<&str, (usize, &str)> = BTreeMap::new();
    let mut errors = Vec::new();
    let mut n = 0;
    for (layer, modules) in &krate.layers {
        for m in modules {
            if position.insert(m, (n, layer)).is_some() {
                errors.push(format!("{}: `{m}` is listed twice", krate.name));
            }
            n += 1;
        }
    }
    for (module, uses) in imports {
        if module == "lib" && !position.contains_key("lib") {
            continue;
        }
        let Some(&(at, layer)) = position.get(module.as_str()) else {
            errors.push(format!(
                "{}: module `{module}` is not in ARCHITECTURE.md's `layers {}` block: place it",
                krate.name, krate.name
            ));
            continue;
        };
        for u in uses {
            match position.get(u.as_str()) {
                Some(&(to, to_layer)) if to > at => errors.push(format!(
                    "{}: `{module}` ({layer}) imports `{u}` ({to_layer}), which comes after it: modules import only downward",
                    krate.name
                )),
                Some(_) => {}
                None if u == "lib" => errors.push(format!(
                    "{}: `{module}` uses an item of the crate root: move it into a module and list it",
                    krate.name
                )),
                None => {}
            }
        }
    }
    for m in position.keys() {
        if *m != "lib" && !imports.contains_key(*m) {
            errors.push(format!(
                "{}: ARCHITECTURE.md lists `{m}`, which is not a module of {}",
                krate.name,
                krate.src.display()
            ));
        }
    }
    errors
}

/// `cargo xtask layers`: prints each crate's modules and imports, fails on a breach.
pub fn run(root: &Path) -> Result<()> {
    let mut all = Vec::new();
    for krate in crates(root)? {
        let imports = scan(&krate)?;
        println!("{} ({}):", krate.name, krate.src.display());
        for (layer, modules) in &krate.layers {
            for m in modules {
                let uses: Vec<&str> = imports
                    .get(m)
                    .map(|u| u.iter().map(String::as_str).collect())
                    .unwrap_or_default();
                println!("  {layer:>10}  {m:<12} uses {}", uses.join(" "));
            }
        }
        all.extend(check(&krate, &imports));
    }
    if !all.is_empty() {
        bail!("module layering broken:\n  {}", all.join("\n  "));
    }
    println!("layering: every module imports only downward");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo_root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
    }

    #[test]
    fn the_source_follows_architecture_md() {
        let root = repo_root();
        let crates = crates(&root).unwrap();
        let names: Vec<&str> = crates.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["core", "web"]);
        let mut errors = Vec::new();
        for krate in &crates {
            errors.extend(check(krate, &scan(krate).unwrap()));
        }
        assert!(errors.is_empty(), "{}", errors.join("\n"));
    }

    #[test]
    fn paths_are_read_as_rust_would() {
        let src = r##"
            //! [`x`](crate::compare) in a doc comment is not an import
            use crate::{Error, ErrorKind, image::{Problem, tar}};
            use crate::steps::Step; // crate::roots in a comment
            /* crate::report */
            #[error("{}", crate::words::count(1))]
            fn f() { let _ = cachelens_crate::x; let c = '"'; crate::view::rows(); }
            const R: &str = r#"a "quote" // crate::not_a_comment"#; // crate::comment
            fn g() { crate::json::x(); }
            #[cfg(test)]
            mod tests { use crate::compare::x; }
        "##;
        assert_eq!(
            crate_paths(src),
            [
                "Error",
                "ErrorKind",
                "image",
                "steps",
                "words",
                "view",
                "not_a_comment",
                "json"
            ]
        );
        let re =
            reexports("pub use error::{Error, ErrorKind, Side};\npub use digest::Digest;\nmod x;");
        assert_eq!(re["ErrorKind"], "error");
        assert_eq!(re["Digest"], "digest");
    }

    #[test]
    fn an_upward_import_and_an_unlisted_module_fail() {
        let krate = Crate {
            name: "t".into(),
            src: PathBuf::from("src"),
            layers: vec![
                ("leaf".into(), vec!["error".into()]),
                ("top".into(), vec!["image".into(), "gone".into()]),
            ],
        };
        let mut imports = Imports::new();
        imports.insert("error".into(), ["image".to_owned()].into());
        imports.insert("image".into(), ["error".to_owned()].into());
        imports.insert("extra".into(), BTreeSet::new());
        let errors = check(&krate, &imports);
        assert_eq!(errors.len(), 3, "{errors:#?}");
        assert!(errors[0].contains("`error` (leaf) imports `image` (top)"));
        assert!(errors[1].contains("`extra` is not in"));
        assert!(errors[2].contains("lists `gone`"));
    }
}
