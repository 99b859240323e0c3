//! The example menu's stories: scenario pairs from `tests/fixtures/scenarios`, built in.

/// One example: two inputs and the story they tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Example {
    /// The scenario folder (`chains-vanish`), also used to name the two inputs.
    pub id: &'static str,
    /// The button label.
    pub title: &'static str,
    /// One line saying what happened.
    pub story: &'static str,
    /// The left input's exact bytes.
    pub left: &'static str,
    /// The right input's exact bytes.
    pub right: &'static str,
}

macro_rules! example {
    ($id:literal, $title:literal, $story:literal) => {
        Example {
            id: $id,
            title: $title,
            story: $story,
            left: include_str!(concat!(
                "../../tests/fixtures/scenarios/",
                $id,
                "/left.json"
            )),
            right: include_str!(concat!(
                "../../tests/fixtures/scenarios/",
                $id,
                "/right.json"
            )),
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

/// The example with this id.
pub fn by_id(id: &str) -> Option<&'static Example> {
    EXAMPLES.iter().find(|e| e.id == id)
}
