//! Two inputs (the bytes split at the first 0xFF, which never occurs in UTF-8) through compare,
//! every report renderer and the line views. Never panics; identical bytes give "identical";
//! applying the JSON Patch to the left document gives the right one.
#![no_main]
use cachelens_core::report::Report;
use cachelens_core::compare::filtered;
use cachelens_core::{Options, Verdict, analyze, apply, compare, json, view};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (l, r) = match data.iter().position(|b| *b == 0xFF) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, data),
    };
    let (Ok(left), Ok(right)) = (analyze(l, None), analyze(r, None)) else {
        return;
    };
    for opts in [
        Options::default(),
        Options {
            ignore_timestamps: true,
            ignore_cache: true,
            ignore: Vec::new(),
        },
    ] {
        let cmp = compare(&left, &right, &opts);
        if l == r {
            assert_eq!(cmp.verdict, Verdict::Identical);
        }
        let (ld, rd) = (filtered(&left, &opts), filtered(&right, &opts));
        let patched = apply(&ld, &cmp.changes).expect("the patch applies");
        assert_eq!(&patched, rd.as_ref(), "the patch does not lead to the right side");
        let report = Report::new(&left, &right, &cmp, &opts, ("a", "b"));
        let _ = report.to_json();
        let _ = report.to_text(true);
        let _ = report.to_markdown();
    }
    let (lt, rt) = (json::to_pretty(left.canonical()), json::to_pretty(right.canonical()));
    let _ = view::unified(&lt, &rt, 3);
    let _ = view::side_by_side(&lt, &rt, 3);
});
