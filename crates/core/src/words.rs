//! The wording shared by the CLI, the page and the reports: counts and plurals, sizes, lists.
//! Data types (the comparison, the errors) hold facts; what they say in words is built here.
//!
//! The headline of a comparison is in [`crate::headline`], above the comparison it words.
//!
//! Sizes are in one unit system, decimal: `kB` is 1,000 bytes and `MB` 1,000,000, as in the
//! SI; exact byte counts are always given beside them.

/// `1234567` as `1,234,567` (any unsigned integer), for the page and the reports.
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

/// The noun for `n` things: `one` for exactly one, `many` otherwise (none included).
pub fn noun<'a>(n: impl Into<u128>, one: &'a str, many: &'a str) -> &'a str {
    if n.into() == 1 { one } else { many }
}

/// `1 record`, `2 records`, `1234 records`: a count with its noun, digits plain (error messages,
/// which scripts read).
pub fn count(n: impl Into<u128>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", noun(n, one, many))
}

/// `1 change`, `1,234 changes`: a count with its noun, thousands grouped (the page).
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), noun(n as u128, one, many))
}

/// A size for people: `1 byte`, `5,043 bytes`, or `5.2 MB (5,242,880 bytes)` from a megabyte
/// (1,000,000 bytes) up. A `u64`: image layers can pass 4 GB, more than a `usize` holds in wasm32.
pub fn size_text(n: u64) -> String {
    const MB: u64 = 1_000_000;
    match n {
        1 => "1 byte".to_owned(),
        n if n < MB => format!("{} bytes", thousands(n)),
        n => format!("{:.1} MB ({} bytes)", n as f64 / MB as f64, thousands(n)),
    }
}

/// `a`, `a and b`, `a, b and c`.
pub fn join_words(w: &[&str]) -> String {
    match w {
        [] => String::new(),
        [a] => (*a).to_owned(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
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

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn numbers_and_sizes_read_well() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(size_text(0), "0 bytes");
        assert_eq!(size_text(1), "1 byte");
        assert_eq!(size_text(5043), "5,043 bytes");
        assert_eq!(size_text(999_999), "999,999 bytes");
        assert_eq!(size_text(5_242_880), "5.2 MB (5,242,880 bytes)");
        assert_eq!(
            size_text(5 * 1024 * 1024 * 1024),
            "5368.7 MB (5,368,709,120 bytes)"
        );
        assert_eq!(plural(1, "change", "changes"), "1 change");
        assert_eq!(plural(0, "change", "changes"), "0 changes");
        assert_eq!(plural(1234, "change", "changes"), "1,234 changes");
        assert_eq!(count(1u8, "record", "records"), "1 record");
        assert_eq!(count(1234u32, "record", "records"), "1234 records");
        assert_eq!(join_words(&[]), "");
        assert_eq!(join_words(&["a"]), "a");
        assert_eq!(join_words(&["a", "b", "c"]), "a, b and c");
        assert_eq!(capitalised("no record changed"), "No record changed");
        assert_eq!(capitalised(""), "");
    }
}
