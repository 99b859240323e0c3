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
        n => {
            let tenths = megabytes_in_tenths(n);
            format!(
                "{}.{} MB ({} bytes)",
                tenths / 10,
                tenths % 10,
                thousands(n)
            )
        }
    }
}

/// `n / 1,000,000` in tenths, rounded exactly as `format!("{:.1}", n as f64 / 1e6)` rounds it
/// (the `f64` quotient's exact value, ties to even), with integer arithmetic only: the page then
/// links none of `core::fmt`'s float formatting (about 4 KB gzipped of the wasm, see
/// benches/RESULTS.md). The `f64` division is kept, so the text is the one `{:.1}` gave.
fn megabytes_in_tenths(n: u64) -> u64 {
    let q = n as f64 / 1e6;
    let bits = q.to_bits();
    let exponent = ((bits >> 52) & 0x7ff) as i32;
    if exponent == 0 {
        // Zero (n = 0) or subnormal: neither is a quotient of a u64 by 1e6 but zero.
        return 0;
    }
    // q = mantissa * 2^shift exactly.
    let mantissa = u128::from((bits & ((1 << 52) - 1)) | (1 << 52));
    let shift = exponent - 1075;
    let ten_q = mantissa * 10;
    if shift >= 0 {
        // An integer: no rounding (q < 2^64 / 1e6, so this fits).
        return (ten_q << shift) as u64;
    }
    let k = shift.unsigned_abs();
    let (whole, rest) = (ten_q >> k, ten_q & ((1u128 << k) - 1));
    let half = 1u128 << (k - 1);
    let up = rest > half || (rest == half && whole % 2 == 1);
    (whole + u128::from(up)) as u64
}

/// `a`, `a and b`, `a, b and c`.
pub fn join_words(w: &[&str]) -> String {
    match w {
        [] => String::new(),
        [a] => (*a).to_owned(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The text with its first letter in upper case: an ASCII letter (every sentence the core and
/// the page write starts with one of their own words, a number or a quote). Any other first
/// character is kept as it is, so the page links no Unicode case tables (6.5 KB gzipped).
pub fn capitalised(s: &str) -> String {
    let mut out = s.to_owned();
    if let Some(first) = out.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    out
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
        assert_eq!(
            capitalised("`RUN x` lost its layers"),
            "`RUN x` lost its layers"
        );
        // A first character past ASCII is kept (no Unicode case tables in the page).
        assert_eq!(capitalised("édition"), "édition");
    }

    /// What `size_text` printed before it stopped formatting an `f64`.
    fn by_float(n: u64) -> u64 {
        let text = format!("{:.1}", n as f64 / 1e6);
        text.replace('.', "").parse().unwrap()
    }

    #[test]
    fn megabytes_round_as_the_float_format_did() {
        // Every tie (x.x5 MB exactly) and its neighbours up to 100 GB, where the quotient's own
        // rounding decides; then powers of two, the largest values, and a spread between.
        // (Fewer in wasm, where the float formatting runs in a browser.)
        let ties: u64 = if cfg!(target_arch = "wasm32") {
            20_000
        } else {
            1_000_000
        };
        for k in 0..ties {
            let tie = k * 100_000 + 50_000;
            for n in [tie - 1, tie, tie + 1, k * 100_000 + 1_000_000] {
                assert_eq!(megabytes_in_tenths(n), by_float(n), "{n}");
            }
        }
        for p in 20..64 {
            let two = 1u64 << p;
            for n in [two - 1, two, two + 1] {
                assert_eq!(megabytes_in_tenths(n), by_float(n), "{n}");
            }
        }
        for n in [
            u64::MAX,
            u64::MAX - 1,
            u64::MAX / 3,
            (1 << 53) + 1,
            999_999,
            1_000_000,
        ] {
            assert_eq!(megabytes_in_tenths(n), by_float(n), "{n}");
        }
        // A cheap deterministic spread over all magnitudes (xorshift).
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let n = x >> (x % 44);
            assert_eq!(megabytes_in_tenths(n), by_float(n), "{n}");
        }
    }
}
