//! Which files of a folder chosen in the page make up an image layout, and their paths inside
//! it. Plain Rust (no browser API), tested natively; [`crate::browser`] supplies the file list
//! (`webkitRelativePath` of a folder input, or the entries of a dropped folder) and reads the
//! files the core asks for.
//!
//! A browser gives every file of a chosen folder with a path that starts with the folder's own
//! name (`img/index.json`, `img/blobs/sha256/…`). The layout root is that folder when it holds
//! `index.json` or `manifest.json`; otherwise the one sub-folder that does (the user picked the
//! parent of a layout). Anything else goes to the core as it is, whose error says what is
//! missing.

/// The files of an image layout inside a chosen folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayoutFiles {
    /// The name to show: the chosen folder, or `folder/sub/dir` when the layout sits below it.
    pub name: String,
    /// Each file of the layout: its path relative to the layout root (`/`-separated), its size,
    /// and its position in the list given to [`layout_files`].
    pub files: Vec<(String, u64, usize)>,
}

impl LayoutFiles {
    /// The `(path, size)` list a `cachelens_core::image::LayoutReader` takes.
    pub fn listing(&self) -> Vec<(String, u64)> {
        self.files.iter().map(|(p, s, _)| (p.clone(), *s)).collect()
    }

    /// The sum of the files' sizes.
    pub fn size(&self) -> u64 {
        self.files.iter().map(|f| f.1).sum()
    }

    /// Where in the given list the file at `path` (relative to the layout root) was.
    pub fn source(&self, path: &str) -> Option<usize> {
        self.files.iter().find(|f| f.0 == path).map(|f| f.2)
    }
}

/// Files whose presence makes a folder a layout root (an OCI layout, or an extracted
/// `docker save`).
const ROOT_MARKERS: [&str; 2] = ["index.json", "manifest.json"];

/// How many layout roots an error message names before "…".
const NAMED_ROOTS: usize = 3;

/// Finds the layout among the files of a chosen folder. `picked` holds each file's path as the
/// browser gives it (starting with the chosen folder's name, `/`-separated) and its size.
///
/// Errors: no file at all, files from more than one folder, or several layouts side by side
/// (the user must pick one). A folder holding no layout at all is *not* an error here: its files
/// go to the core, whose error names what is missing (and an `index.json` found deeper).
pub fn layout_files(picked: &[(String, u64)]) -> Result<LayoutFiles, String> {
    let split: Vec<Vec<&str>> = picked
        .iter()
        .map(|(p, _)| p.split('/').filter(|c| !c.is_empty()).collect())
        .collect();
    let Some(top) = split.first().and_then(|c| c.first()).copied() else {
        return Err("the folder is empty (or the browser gave none of its files)".into());
    };
    if split.iter().any(|c| c.len() < 2 || c[0] != top) {
        return Err(
            "these files do not all come from one folder: choose (or drop) a single folder".into(),
        );
    }
    // Folders (relative to the chosen one) that hold a root marker, shallowest first.
    let mut candidates: Vec<&[&str]> = split
        .iter()
        .filter(|c| ROOT_MARKERS.contains(c.last().unwrap_or(&"")))
        .map(|c| &c[1..c.len() - 1])
        .collect();
    // By (depth, path), as a byte key: the same order, and the page links the core's one
    // (bytes, index) sort instead of a sort of its own.
    candidates.sort_by_cached_key(|c| {
        let mut key = (c.len() as u64).to_be_bytes().to_vec();
        key.extend_from_slice(c.join("/").as_bytes());
        key
    });
    candidates.dedup();
    let mut roots: Vec<&[&str]> = Vec::new();
    for c in candidates {
        // A layout inside another one's tree belongs to it.
        if !roots.iter().any(|r| c.starts_with(r)) {
            roots.push(c);
        }
    }
    let root: &[&str] = match roots.as_slice() {
        [] => &[],
        [one] => one,
        several => {
            let mut names: Vec<String> = several
                .iter()
                .take(NAMED_ROOTS)
                .map(|r| format!("{top}/{}", r.join("/")))
                .collect();
            if several.len() > NAMED_ROOTS {
                names.push("…".into());
            }
            return Err(format!(
                "{top} holds {} image layouts ({}): choose one of these folders",
                several.len(),
                names.join(", ")
            ));
        }
    };
    let files = split
        .iter()
        .zip(picked)
        .enumerate()
        .filter(|(_, (c, _))| c[1..].starts_with(root) && c.len() > root.len() + 1)
        .map(|(i, (c, (_, size)))| (c[1 + root.len()..].join("/"), *size, i))
        .collect();
    let name = if root.is_empty() {
        top.to_owned()
    } else {
        format!("{top}/{}", root.join("/"))
    };
    Ok(LayoutFiles { name, files })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picked(paths: &[&str]) -> Vec<(String, u64)> {
        paths
            .iter()
            .enumerate()
            .map(|(i, p)| ((*p).to_owned(), 10 * i as u64 + 1))
            .collect()
    }

    fn paths(l: &LayoutFiles) -> Vec<&str> {
        l.files.iter().map(|f| f.0.as_str()).collect()
    }

    #[test]
    fn the_chosen_folder_is_the_root_and_its_name_is_stripped() {
        let p = picked(&[
            "img/oci-layout",
            "img/index.json",
            "img/blobs/sha256/aa",
            "img/blobs/sha256/bb",
        ]);
        let l = layout_files(&p).unwrap();
        assert_eq!(l.name, "img");
        assert_eq!(
            paths(&l),
            [
                "oci-layout",
                "index.json",
                "blobs/sha256/aa",
                "blobs/sha256/bb"
            ]
        );
        assert_eq!(l.size(), 1 + 11 + 21 + 31);
        assert_eq!(l.source("blobs/sha256/bb"), Some(3));
        assert_eq!(l.source("nope"), None);
        assert_eq!(l.listing()[1], ("index.json".to_owned(), 11));
    }

    #[test]
    fn a_parent_holding_one_layout_finds_it_and_leaves_the_rest_out() {
        let p = picked(&[
            "builds/notes.txt",
            "builds/out/img/index.json",
            "builds/out/img/oci-layout",
            "builds/out/img/blobs/sha256/aa",
            "builds/other/readme.md",
        ]);
        let l = layout_files(&p).unwrap();
        assert_eq!(l.name, "builds/out/img");
        assert_eq!(paths(&l), ["index.json", "oci-layout", "blobs/sha256/aa"]);
        assert_eq!(l.source("blobs/sha256/aa"), Some(3));
    }

    #[test]
    fn an_extracted_docker_save_is_a_root_too() {
        let p = picked(&["save/x/manifest.json", "save/x/abc/layer.tar"]);
        let l = layout_files(&p).unwrap();
        assert_eq!(l.name, "save/x");
        assert_eq!(paths(&l), ["manifest.json", "abc/layer.tar"]);
    }

    #[test]
    fn a_layout_nested_in_a_layout_belongs_to_the_outer_one() {
        let p = picked(&["img/index.json", "img/extra/index.json"]);
        let l = layout_files(&p).unwrap();
        assert_eq!(l.name, "img");
        assert_eq!(paths(&l), ["index.json", "extra/index.json"]);
    }

    #[test]
    fn several_layouts_side_by_side_ask_to_choose_one() {
        let p = picked(&[
            "all/a/index.json",
            "all/b/index.json",
            "all/c/d/manifest.json",
            "all/e/index.json",
        ]);
        let e = layout_files(&p).unwrap_err();
        assert_eq!(
            e,
            "all holds 4 image layouts (all/a, all/b, all/e, …): choose one of these folders"
        );
    }

    #[test]
    fn a_folder_without_a_layout_goes_to_the_core_whole() {
        let p = picked(&["stuff/oci-layout", "stuff/blobs/sha256/aa"]);
        let l = layout_files(&p).unwrap();
        assert_eq!(l.name, "stuff");
        assert_eq!(paths(&l), ["oci-layout", "blobs/sha256/aa"]);
    }

    #[test]
    fn nothing_or_mixed_folders_are_errors() {
        assert!(layout_files(&[]).unwrap_err().contains("empty"));
        let e = layout_files(&picked(&["a/index.json", "b/oci-layout"])).unwrap_err();
        assert!(e.contains("one folder"), "{e}");
        // A bare file name (not inside a folder) is not from a folder pick.
        let e = layout_files(&picked(&["index.json"])).unwrap_err();
        assert!(e.contains("one folder"), "{e}");
    }

    #[test]
    fn leading_and_doubled_slashes_are_ignored() {
        // Dropped folders give full paths (`/img/index.json`).
        let l = layout_files(&picked(&["/img/index.json", "/img//blobs/sha256/aa"])).unwrap();
        assert_eq!(l.name, "img");
        assert_eq!(paths(&l), ["index.json", "blobs/sha256/aa"]);
    }
}
