//! The viewer's components: pure function components that take props and callbacks and render.

mod archive;
mod changes;
mod copy;
mod diagnoses;
mod doc_view;
mod examples;
mod help;
mod options;
mod pane;
#[cfg_attr(not(feature = "series"), allow(dead_code))]
mod series;
#[cfg_attr(not(feature = "series"), allow(dead_code))]
mod series_share;
mod share;
mod summary;
mod verdict;

pub use archive::ArchiveView;
pub use changes::ChangeList;
pub use copy::{CopyButton, CopyRequest, digest_with_copy};
pub use diagnoses::Diagnoses;
pub use doc_view::{DocViewPanel, fold_again_id, fold_id};
pub use examples::ExampleMenu;
pub use help::{HELP_ID, HelpFiles, issue_link, linked_text};
pub use options::OptionsBar;
pub use pane::{PaneCallbacks, PaneView};
#[cfg(feature = "series")]
pub use series::{SeriesCallbacks, mode_switch, series_view};
#[cfg(feature = "series")]
pub use series_share::{SERIES_BUNDLE_NAME, SeriesShareCallbacks, series_share_view};
pub use share::{ChangesOnlyView, OpenedBanner, SharePanel};
pub use summary::Summary;
pub use verdict::{NoVerdict, VerdictBanner};

/// The wording helpers are the core's, shared with the CLI and the reports.
pub use cachelens_core::words::{capitalised, plural, size_text, thousands};

use yew::prelude::*;

/// What a file chooser button picks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pick {
    /// One file.
    File,
    /// Several files.
    Files,
    /// A folder (the browser lists its files).
    Folder,
}

/// A button that opens the browser's file (or folder) chooser: a label holding a hidden input,
/// the one markup the panes and the series share.
pub(crate) fn chooser(
    text: &'static str,
    pick: Pick,
    testid: String,
    label: String,
    onchange: Callback<Event>,
) -> Html {
    html! {
        <label class="button file-button">
            { text }
            <input
                type="file"
                multiple={pick == Pick::Files}
                webkitdirectory={pick == Pick::Folder}
                class="visually-hidden"
                data-testid={testid}
                aria-label={label}
                {onchange}
            />
        </label>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_images_ref_reads_as_a_tag_not_a_count() {
        assert_eq!(archive::ref_label("1"), ", tag 1");
        assert_eq!(archive::ref_label("latest"), ", tag latest");
        assert_eq!(
            archive::ref_label("docker.io/library/app:1"),
            ", ref docker.io/library/app:1"
        );
    }

    #[test]
    fn the_redact_choice_names_what_it_redacts_in_the_right_number() {
        use cachelens_core::redact::Sensitive;
        let s = |kind: &'static str| Sensitive {
            pointer: cachelens_core::Pointer::parse("/config/Env/0").unwrap(),
            key: "A".into(),
            kind,
        };
        assert_eq!(
            share::redact_label(&[vec![s("env")], vec![]]),
            "Redact the values of 1 environment variable"
        );
        assert_eq!(
            share::redact_label(&[
                vec![s("env"), s("label")],
                vec![s("env"), s("label"), s("label")]
            ]),
            "Redact the values of 2 environment variables and 3 labels"
        );
    }
}
