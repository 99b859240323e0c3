//! The example menu's stories: scenario pairs from `tests/fixtures/scenarios`. Their bytes are
//! not in the wasm (74 KB raw, 7 KB gzipped of the bundle): Trunk copies the folder into
//! `dist/examples/` (index.html's `copy-dir`) and a click fetches the pair from the page's own
//! origin ([`path`]).

/// One example: two inputs and the story they tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Example {
    /// The scenario folder (`chains-vanish`), also used to name the two inputs.
    pub id: &'static str,
    /// The button label.
    pub title: &'static str,
    /// One line saying what happened.
    pub story: &'static str,
}

macro_rules! example {
    ($id:literal, $title:literal, $story:literal) => {
        Example {
            id: $id,
            title: $title,
            story: $story,
        }
    };
}

/// The examples, in menu order.
pub const EXAMPLES: &[Example] = &[
    example!(
        "chains-vanish",
        "Chains vanish",
        "A rebuild drops the chains of one cache record (moby/buildkit#3009)."
    ),
    example!(
        "tie-renumber",
        "Tied records renumbered",
        "The same cache graph; BuildKit's unstable sort numbered tied records differently."
    ),
    example!(
        "shift-and-drop",
        "Shift and drop",
        "A new root record shifts every link by one, and one record loses its layers."
    ),
    example!(
        "timestamps-only",
        "Timestamps only",
        "Two rebuilds a day apart: only the times moved."
    ),
    example!(
        "registry-renumber",
        "Registry cache renumbered",
        "A registry cache config and the same graph with layers and records renumbered."
    ),
    example!(
        "manifest-last-layer",
        "Manifest: last layer",
        "Two image manifests whose last layer differs."
    ),
    example!(
        "env-change",
        "Env change",
        "One environment variable changed; the cache is the same."
    ),
    example!(
        "pretty-vs-compact",
        "Pretty vs compact",
        "Registry bytes against the same config run through jq."
    ),
];

/// Where the page fetches an example's input, relative to the page (so it works under a
/// sub-path): `examples/chains-vanish/left.json`.
pub fn path(id: &str, side: cachelens_core::Side) -> String {
    let file = match side {
        cachelens_core::Side::Left => "left",
        cachelens_core::Side::Right => "right",
    };
    format!("examples/{id}/{file}.json")
}

/// The example with this id.
pub fn by_id(id: &str) -> Option<&'static Example> {
    EXAMPLES.iter().find(|e| e.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cachelens_core::Side;

    /// Every example's pair is in the folder index.html copies into `dist/examples/`.
    #[test]
    fn every_example_is_in_the_copied_folder() {
        let html =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../index.html")).unwrap();
        assert!(
            html.contains(
                r#"rel="copy-dir" href="tests/fixtures/scenarios" data-target-path="examples""#
            ),
            "index.html must copy the scenarios to dist/examples"
        );
        for ex in EXAMPLES {
            for side in [Side::Left, Side::Right] {
                let rel = path(ex.id, side);
                let file = rel.replacen("examples/", "tests/fixtures/scenarios/", 1);
                let full = format!("{}/../{file}", env!("CARGO_MANIFEST_DIR"));
                assert!(std::path::Path::new(&full).is_file(), "{full}");
            }
        }
        assert_eq!(
            path("env-change", Side::Right),
            "examples/env-change/right.json"
        );
    }
}
