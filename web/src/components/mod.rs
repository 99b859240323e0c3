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
mod share;
mod summary;
mod verdict;

pub use archive::ArchiveView;
pub use changes::ChangeList;
pub use copy::{CopyButton, CopyRequest, digest_with_copy};
pub use diagnoses::Diagnoses;
pub use doc_view::{DocViewPanel, fold_again_id, fold_id};
pub use examples::ExampleMenu;
pub use help::{HelpFiles, issue_link, linked_text};
pub use options::OptionsBar;
pub use pane::{PaneCallbacks, PaneView};
pub use share::{OpenedBanner, SharePanel};
pub use summary::Summary;
pub use verdict::{NoVerdict, VerdictBanner};

/// `1234567` as `1,234,567` (any unsigned integer).
pub fn thousands(n: impl std::fmt::Display) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A size for people: `5,043 bytes`, or `5.2 MB (5,242,880 bytes)` from a megabyte up. A `u64`:
/// image layers can pass 4 GiB, more than a `usize` holds in wasm32.
pub fn size_text(n: u64) -> String {
    const MB: u64 = 1_000_000;
    match n {
        1 => "1 byte".to_owned(),
        n if n < MB => format!("{} bytes", thousands(n)),
        n => format!("{:.1} MB ({} bytes)", n as f64 / MB as f64, thousands(n)),
    }
}

/// The text with its first letter in upper case.
pub fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// `1 change` / `2 changes`.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_well() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(size_text(1), "1 byte");
        assert_eq!(size_text(5043), "5,043 bytes");
        assert_eq!(size_text(5_242_880), "5.2 MB (5,242,880 bytes)");
        assert_eq!(
            size_text(5 * 1024 * 1024 * 1024),
            "5368.7 MB (5,368,709,120 bytes)"
        );
        assert_eq!(plural(1, "change", "changes"), "1 change");
        assert_eq!(plural(2, "change", "changes"), "2 changes");
        assert_eq!(capitalised("no record changed"), "No record changed");
    }

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
            pointer: "/config/Env/0".into(),
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
        assert_eq!(capitalised(""), "");
    }
}
