//! The headline: a comparison's verdict in one sentence, from its facts
//! ([`Comparison`], [`crate::compare::Context`]). Used by the reports (text, Markdown, JSON's
//! `headline`), the CLI and the page.

use crate::Digest;
use crate::compare::{CacheSummary, Comparison, Verdict, noun, set_aside_name, set_aside_what};
use crate::detect::{INLINE_CACHE_KEY, Kind};
use crate::words::{count, join_words};

impl Comparison {
    /// The verdict in one sentence ([`headline`]).
    pub fn headline(&self) -> String {
        headline(self)
    }
}

/// The verdict in one sentence: what changed, or why the inputs are the same.
pub fn headline(cmp: &Comparison) -> String {
    let f = &cmp.context;
    let n = cmp.changes.len();
    let changes_word = |n: usize| count(n as u64, "change", "changes");
    let (image, word) = match f.kind {
        Kind::ImageIndex => ("images", "index"),
        Kind::ImageConfig => ("image", "config"),
        _ => ("image", "manifest"),
    };
    let mut whats: Vec<&str> = cmp
        .set_aside
        .iter()
        .map(|c| set_aside_what(set_aside_name(&c.path).1))
        .collect();
    whats.dedup();
    crate::json::sort_strs(&mut whats);
    whats.dedup();
    match cmp.verdict {
        Verdict::Identical if f.archives => format!(
            "Identical: the same {image} ({word} {}), and the archives' index entries agree.",
            f.same_digest
                .as_ref()
                .map(Digest::as_str)
                .unwrap_or_default()
        ),
        Verdict::Identical => "Identical: the two inputs are the same bytes.".into(),
        Verdict::Equivalent => {
            if let Some(d) = &f.same_digest {
                return format!(
                    "Equivalent: the same {image} ({word} {d}); only the archives' index entries differ ({}).",
                    whats.join(", ")
                );
            }
            let mut reason = if cmp.attribution.formatting_only {
                "only in JSON formatting: re-encoded compactly, both have the same digest"
                    .to_owned()
            } else if let Some(noise) = cmp.cache.as_ref().and_then(CacheSummary::noise_phrase) {
                format!(
                    "after decoding the cache nothing changed except record numbering ({noise})"
                )
            } else if f.ignored_timestamps || f.ignored_cache || f.ignored_paths {
                let mut what = Vec::new();
                if f.ignored_timestamps {
                    what.push("timestamps");
                }
                if f.ignored_cache {
                    what.push("the cache");
                }
                if f.ignored_paths {
                    what.push("the ignored paths");
                }
                // "the cache is ignored", "timestamps and the cache are ignored".
                let verb = if what == ["the cache"] { "is" } else { "are" };
                format!(
                    "nothing else changed once {} {verb} ignored",
                    join_words(&what)
                )
            } else {
                "after canonicalisation nothing changed".to_owned()
            };
            if !whats.is_empty() {
                reason.push_str(&format!(
                    "; the archives' index entries differ too ({}), set aside",
                    whats.join(", ")
                ));
            }
            format!("Equivalent: the bytes differ, but {reason}.")
        }
        Verdict::Different => {
            let areas: Vec<&str> = cmp
                .attribution
                .areas
                .iter()
                .map(|(a, _)| a.as_str())
                .collect();
            let cache_words = cmp.cache.as_ref().map(CacheSummary::phrase);
            if let Some(k) = &cmp.kinds {
                let name = noun;
                let mut s = format!(
                    "Different kinds: {} and {}; ",
                    k.left.describe(),
                    k.right.describe()
                );
                match (k.relation, &k.digest) {
                    (Some(rel), Some(d)) => {
                        let (holder, other) = if rel == "left-names-right" {
                            (k.left, k.right)
                        } else {
                            (k.right, k.left)
                        };
                        let whole = if matches!(holder, Kind::ImageIndex | Kind::CacheIndex) {
                            format!("one entry of the {}", name(holder))
                        } else if holder == Kind::CacheManifest {
                            "part of the cache export".to_owned()
                        } else {
                            "part of the image".to_owned()
                        };
                        s.push_str(&format!(
                            "the {} names this {} ({d}): the {} is {whole}, not another version of it ({} between them).",
                            name(holder),
                            name(other),
                            name(other),
                            changes_word(n)
                        ));
                    }
                    _ => s.push_str(&format!(
                        "{} in {}, which say little.",
                        changes_word(n),
                        join_words(&areas)
                    )),
                }
                return s;
            }
            let only = if f.times_only {
                "only timestamps changed: "
            } else {
                ""
            };
            if areas == ["cache"] {
                let what = if f.kind.is_cache_only() {
                    "the cache"
                } else {
                    INLINE_CACHE_KEY
                };
                match cache_words {
                    Some(w) if only.is_empty() => format!("Different: only {what} differs; {w}."),
                    Some(w) => format!("Different: {only}{w}."),
                    None => format!(
                        "Different: {}only the cache differs ({}).",
                        if only.is_empty() {
                            ""
                        } else {
                            "only timestamps changed, "
                        },
                        changes_word(n)
                    ),
                }
            } else {
                let mut s = format!(
                    "Different: {only}{} in {}",
                    changes_word(n),
                    join_words(&areas)
                );
                if let Some(w) = cache_words.filter(|_| areas.contains(&"cache")) {
                    if f.times_only {
                        s.push_str(&format!("; cache: {w}"));
                    } else {
                        s.push_str(&format!(" (cache: {w})"));
                    }
                }
                s.push('.');
                s
            }
        }
    }
}
