//! Line views of two documents for people: unified and side-by-side rows with changed words
//! marked and long unchanged stretches folded (the viewer renders these; it computes nothing).

use similar::{ChangeTag, TextDiff};

/// What a row shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tag {
    /// Unchanged line.
    Equal,
    /// Line only on the left.
    Delete,
    /// Line only on the right.
    Insert,
}

/// A piece of a line; `changed` marks the words that differ from the paired line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Segment {
    /// Whether this piece differs.
    pub changed: bool,
    /// The text (no trailing newline).
    pub text: String,
}

/// One line of a view.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Line {
    /// Equal, delete or insert.
    pub tag: Tag,
    /// 1-based line number on the left, if the line is there.
    pub left_no: Option<usize>,
    /// 1-based line number on the right.
    pub right_no: Option<usize>,
    /// The text in pieces.
    pub segments: Vec<Segment>,
}

/// A row of the unified view.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Row {
    /// A line.
    Line(Line),
    /// `count` unchanged lines, folded: left lines `left_start..left_start+count` (0-based),
    /// right lines from `right_start`. Expand with [`unfold`].
    Fold {
        /// First folded line on the left (0-based).
        left_start: usize,
        /// First folded line on the right (0-based).
        right_start: usize,
        /// How many lines.
        count: usize,
    },
}

/// A row of the side-by-side view: a left line, a right line, or a fold.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum SideRow {
    /// A pair (either side may be absent for an insert or delete).
    Pair {
        /// Left line.
        left: Option<Line>,
        /// Right line.
        right: Option<Line>,
    },
    /// Folded unchanged lines.
    Fold {
        /// First folded line on the left (0-based).
        left_start: usize,
        /// First folded line on the right (0-based).
        right_start: usize,
        /// How many lines.
        count: usize,
    },
}

/// Word-level marking is skipped for lines longer than this (bytes): the whole line is marked
/// instead, so one huge line (a minified config) cannot stall the view.
pub const MAX_WORD_DIFF_LINE: usize = 10_000;
/// Word-level marking is skipped when more lines than this changed; lines are still marked.
pub const MAX_WORD_DIFF_LINES: usize = 2_000;

/// Unified view rows of two texts, with `context` unchanged lines kept around each change and
/// longer unchanged stretches folded.
///
/// Only the rows shown are built: an unchanged stretch of 500,000 lines costs one `Fold`, not
/// 500,000 lines made and then folded away.
pub fn unified(left: &str, right: &str, context: usize) -> Vec<Row> {
    use similar::DiffOp;
    let (old, new) = (lines(left), lines(right));
    // Lines the texts share at both ends are equal whatever the diff would say: only the middle
    // goes to the diff, which hashes every line it is given.
    let prefix = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
    let suffix = old[prefix..]
        .iter()
        .rev()
        .zip(new[prefix..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let (old_end, new_end) = (old.len() - suffix, new.len() - suffix);
    let diff = TextDiff::configure()
        .algorithm(similar::Algorithm::Myers)
        .diff_slices(&old[prefix..old_end], &new[prefix..new_end]);
    // Every op over the whole texts, with the middle's own op for its changes.
    let mut ops: Vec<(DiffOp, Option<&DiffOp>)> = Vec::new();
    let equal = |ops: &mut Vec<(DiffOp, Option<&DiffOp>)>, o: usize, n: usize, len: usize| {
        if len == 0 {
            return;
        }
        if let Some((DiffOp::Equal { len: l, .. }, _)) = ops.last_mut() {
            *l += len;
        } else {
            ops.push((
                DiffOp::Equal {
                    old_index: o,
                    new_index: n,
                    len,
                },
                None,
            ));
        }
    };
    equal(&mut ops, 0, 0, prefix);
    for op in diff.ops() {
        match *op {
            DiffOp::Equal {
                old_index,
                new_index,
                len,
            } => equal(&mut ops, old_index + prefix, new_index + prefix, len),
            DiffOp::Delete {
                old_index,
                old_len,
                new_index,
            } => ops.push((
                DiffOp::Delete {
                    old_index: old_index + prefix,
                    old_len,
                    new_index: new_index + prefix,
                },
                Some(op),
            )),
            DiffOp::Insert {
                old_index,
                new_index,
                new_len,
            } => ops.push((
                DiffOp::Insert {
                    old_index: old_index + prefix,
                    new_index: new_index + prefix,
                    new_len,
                },
                Some(op),
            )),
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => ops.push((
                DiffOp::Replace {
                    old_index: old_index + prefix,
                    old_len,
                    new_index: new_index + prefix,
                    new_len,
                },
                Some(op),
            )),
        }
    }
    equal(&mut ops, old_end, new_end, suffix);
    let changed_lines: usize = ops
        .iter()
        .map(|(op, _)| match *op {
            DiffOp::Equal { .. } => 0,
            DiffOp::Delete { old_len, .. } => old_len,
            DiffOp::Insert { new_len, .. } => new_len,
            DiffOp::Replace {
                old_len, new_len, ..
            } => old_len + new_len,
        })
        .sum();
    let equal_line = |o: usize, n: usize| {
        Row::Line(Line {
            tag: Tag::Equal,
            left_no: Some(o + 1),
            right_no: Some(n + 1),
            segments: vec![Segment {
                changed: false,
                text: old[o].trim_end_matches(['\n', '\r']).to_owned(),
            }],
        })
    };
    let mut rows = Vec::new();
    for (k, (op, middle)) in ops.iter().enumerate() {
        if let DiffOp::Equal {
            old_index,
            new_index,
            len,
        } = *op
        {
            // `context` lines after the change before it and before the change after it; the
            // rest folded (a fold of one line saves nothing: it is shown).
            let head = if k > 0 { context.min(len) } else { 0 };
            let tail = if k + 1 < ops.len() {
                context.min(len - head)
            } else {
                0
            };
            let hidden = len - head - tail;
            let shown = |rows: &mut Vec<Row>, from: usize, to: usize| {
                rows.extend((from..to).map(|i| equal_line(old_index + i, new_index + i)));
            };
            if hidden <= 1 {
                shown(&mut rows, 0, len);
            } else {
                shown(&mut rows, 0, head);
                rows.push(Row::Fold {
                    left_start: old_index + head,
                    right_start: new_index + head,
                    count: hidden,
                });
                shown(&mut rows, len - tail, len);
            }
            continue;
        }
        let middle = middle.expect("a change comes from the middle's diff");
        let (shift_old, shift_new) = (
            |i: Option<usize>| i.map(|i| i + prefix + 1),
            |i: Option<usize>| i.map(|i| i + prefix + 1),
        );
        let long_line = old[op.old_range()]
            .iter()
            .chain(&new[op.new_range()])
            .any(|l| l.len() > MAX_WORD_DIFF_LINE);
        if changed_lines > MAX_WORD_DIFF_LINES || long_line {
            // Whole lines marked, no word diff: bounded work for huge lines or many changes.
            for change in diff.iter_changes(middle) {
                let tag = match change.tag() {
                    ChangeTag::Equal => Tag::Equal,
                    ChangeTag::Delete => Tag::Delete,
                    ChangeTag::Insert => Tag::Insert,
                };
                rows.push(Row::Line(Line {
                    tag,
                    left_no: shift_old(change.old_index()),
                    right_no: shift_new(change.new_index()),
                    segments: vec![Segment {
                        changed: tag != Tag::Equal,
                        text: change.value().trim_end_matches(['\n', '\r']).to_owned(),
                    }],
                }));
            }
            continue;
        }
        for change in diff.iter_inline_changes(middle) {
            let segments = change
                .iter_strings_lossy()
                .map(|(changed, s)| Segment {
                    changed: changed && change.tag() != ChangeTag::Equal,
                    text: s.trim_end_matches(['\n', '\r']).to_owned(),
                })
                .filter(|s| !s.text.is_empty() || change.tag() == ChangeTag::Equal)
                .collect();
            rows.push(Row::Line(Line {
                tag: match change.tag() {
                    ChangeTag::Equal => Tag::Equal,
                    ChangeTag::Delete => Tag::Delete,
                    ChangeTag::Insert => Tag::Insert,
                },
                left_no: shift_old(change.old_index()),
                right_no: shift_new(change.new_index()),
                segments: merge(segments),
            }));
        }
    }
    rows
}

/// The lines of a text, each with its terminator, split as `similar` splits them (`\n`,
/// `\r\n`, or a lone `\r`), but by searching bytes rather than walking characters.
fn lines(text: &str) -> Vec<&str> {
    let mut out = Vec::with_capacity(text.len() / 40 + 1);
    for line in text.split_inclusive('\n') {
        if !line.contains('\r') {
            out.push(line);
            continue;
        }
        let b = line.as_bytes();
        let (mut start, mut i) = (0, 0);
        while i < b.len() {
            if b[i] == b'\r' {
                let end = if b.get(i + 1) == Some(&b'\n') {
                    i + 2
                } else {
                    i + 1
                };
                out.push(&line[start..end]);
                start = end;
                i = end;
            } else {
                i += 1;
            }
        }
        if start < line.len() {
            out.push(&line[start..]);
        }
    }
    out
}

/// Joins adjacent segments with the same `changed` flag.
fn merge(segments: Vec<Segment>) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::with_capacity(segments.len());
    for s in segments {
        match out.last_mut() {
            Some(last) if last.changed == s.changed => last.text.push_str(&s.text),
            _ => out.push(s),
        }
    }
    out
}

/// The unchanged lines a fold hides, as rows (taken from the left text).
pub fn unfold(left: &str, left_start: usize, right_start: usize, count: usize) -> Vec<Line> {
    left.lines()
        .skip(left_start)
        .take(count)
        .enumerate()
        .map(|(k, text)| Line {
            tag: Tag::Equal,
            left_no: Some(left_start + k + 1),
            right_no: Some(right_start + k + 1),
            segments: vec![Segment {
                changed: false,
                text: text.to_owned(),
            }],
        })
        .collect()
}

/// Side-by-side rows: runs of deletes and inserts are paired line by line.
pub fn side_by_side(left: &str, right: &str, context: usize) -> Vec<SideRow> {
    let mut out = Vec::new();
    let mut dels: Vec<Line> = Vec::new();
    let mut ins: Vec<Line> = Vec::new();
    let flush = |dels: &mut Vec<Line>, ins: &mut Vec<Line>, out: &mut Vec<SideRow>| {
        let n = dels.len().max(ins.len());
        let mut d = dels.drain(..);
        let mut i = ins.drain(..);
        for _ in 0..n {
            out.push(SideRow::Pair {
                left: d.next(),
                right: i.next(),
            });
        }
    };
    for row in unified(left, right, context) {
        match row {
            Row::Line(l) if l.tag == Tag::Delete => dels.push(l),
            Row::Line(l) if l.tag == Tag::Insert => ins.push(l),
            Row::Line(l) => {
                flush(&mut dels, &mut ins, &mut out);
                out.push(SideRow::Pair {
                    left: Some(l.clone()),
                    right: Some(l),
                });
            }
            Row::Fold {
                left_start,
                right_start,
                count,
            } => {
                flush(&mut dels, &mut ins, &mut out);
                out.push(SideRow::Fold {
                    left_start,
                    right_start,
                    count,
                });
            }
        }
    }
    flush(&mut dels, &mut ins, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn numbered(n: usize) -> String {
        (1..=n).map(|i| format!("line {i}\n")).collect()
    }

    #[test]
    fn folds_long_unchanged_stretches_and_marks_words() {
        let left = numbered(100);
        let right = left.replace("line 50\n", "line fifty\n");
        let rows = unified(&left, &right, 3);
        // fold, 3 context, delete, insert, 3 context, fold
        assert_eq!(rows.len(), 10, "{rows:#?}");
        assert_eq!(
            rows[0],
            Row::Fold {
                left_start: 0,
                right_start: 0,
                count: 46
            }
        );
        let Row::Line(del) = &rows[4] else { panic!() };
        assert_eq!(del.tag, Tag::Delete);
        assert_eq!(del.left_no, Some(50));
        assert!(
            del.segments
                .iter()
                .any(|s| s.changed && s.text.contains("50"))
        );
        assert!(
            del.segments
                .iter()
                .any(|s| !s.changed && s.text.contains("line"))
        );
        assert_eq!(
            rows[9],
            Row::Fold {
                left_start: 53,
                right_start: 53,
                count: 47
            }
        );
        assert_eq!(unfold(&left, 53, 53, 47).len(), 47);
        assert_eq!(unfold(&left, 53, 53, 47)[0].segments[0].text, "line 54");
    }

    #[test]
    fn huge_lines_and_many_changes_skip_word_marking() {
        let long_a = format!("{}a\n", "x".repeat(MAX_WORD_DIFF_LINE + 1));
        let long_b = format!("{}b\n", "x".repeat(MAX_WORD_DIFF_LINE + 1));
        let rows = unified(&long_a, &long_b, 3);
        let Row::Line(del) = &rows[0] else { panic!() };
        assert_eq!(del.segments.len(), 1);
        assert!(del.segments[0].changed);
        let many_a: String = (0..MAX_WORD_DIFF_LINES)
            .map(|i| format!("a {i}\n"))
            .collect();
        let many_b: String = (0..MAX_WORD_DIFF_LINES)
            .map(|i| format!("b {i}\n"))
            .collect();
        let rows = unified(&many_a, &many_b, 3);
        assert_eq!(rows.len(), 2 * MAX_WORD_DIFF_LINES);
        assert!(
            rows.iter()
                .all(|r| matches!(r, Row::Line(l) if l.segments.len() == 1))
        );
        // Below the limits, words are marked.
        let rows = unified("a b c\n", "a x c\n", 3);
        let Row::Line(del) = &rows[0] else { panic!() };
        assert!(del.segments.len() > 1);
    }

    #[test]
    fn side_by_side_pairs_changes() {
        let rows = side_by_side("a\nb\nc\n", "a\nB\nc\nd\n", 3);
        assert_eq!(rows.len(), 4);
        let SideRow::Pair { left, right } = &rows[1] else {
            panic!()
        };
        assert_eq!(
            left.as_ref()
                .unwrap()
                .segments
                .iter()
                .map(|s| s.text.as_str())
                .collect::<String>(),
            "b"
        );
        assert_eq!(right.as_ref().unwrap().right_no, Some(2));
        let SideRow::Pair { left, right } = &rows[3] else {
            panic!()
        };
        assert!(left.is_none() && right.as_ref().unwrap().tag == Tag::Insert);
    }

    /// The first implementation and property tests against it (proptest does not build for
    /// wasm32; these run natively).
    #[cfg(not(target_arch = "wasm32"))]
    mod props {
        use super::*;
        use proptest::prelude::*;

        /// The first implementation of [`unified`] (every line built, then folded; the whole
        /// texts given to `similar`): the reference.
        fn unified_reference(left: &str, right: &str, context: usize) -> Vec<Row> {
            let diff = TextDiff::configure()
                .algorithm(similar::Algorithm::Myers)
                .diff_lines(left, right);
            let changed_lines: usize = diff
                .ops()
                .iter()
                .map(|op| match *op {
                    similar::DiffOp::Equal { .. } => 0,
                    similar::DiffOp::Delete { old_len, .. } => old_len,
                    similar::DiffOp::Insert { new_len, .. } => new_len,
                    similar::DiffOp::Replace {
                        old_len, new_len, ..
                    } => old_len + new_len,
                })
                .sum();
            let mut lines: Vec<Line> = Vec::new();
            for op in diff.ops() {
                let long_line = diff.old_slices()[op.old_range()]
                    .iter()
                    .chain(&diff.new_slices()[op.new_range()])
                    .any(|l| l.len() > MAX_WORD_DIFF_LINE);
                if changed_lines > MAX_WORD_DIFF_LINES || long_line {
                    // Whole lines marked, no word diff: bounded work for huge lines or many changes.
                    for change in diff.iter_changes(op) {
                        let tag = match change.tag() {
                            ChangeTag::Equal => Tag::Equal,
                            ChangeTag::Delete => Tag::Delete,
                            ChangeTag::Insert => Tag::Insert,
                        };
                        lines.push(Line {
                            tag,
                            left_no: change.old_index().map(|i| i + 1),
                            right_no: change.new_index().map(|i| i + 1),
                            segments: vec![Segment {
                                changed: tag != Tag::Equal,
                                text: change.value().trim_end_matches(['\n', '\r']).to_owned(),
                            }],
                        });
                    }
                    continue;
                }
                for change in diff.iter_inline_changes(op) {
                    let segments = change
                        .iter_strings_lossy()
                        .map(|(changed, s)| Segment {
                            changed: changed && change.tag() != ChangeTag::Equal,
                            text: s.trim_end_matches(['\n', '\r']).to_owned(),
                        })
                        .filter(|s| !s.text.is_empty() || change.tag() == ChangeTag::Equal)
                        .collect();
                    lines.push(Line {
                        tag: match change.tag() {
                            ChangeTag::Equal => Tag::Equal,
                            ChangeTag::Delete => Tag::Delete,
                            ChangeTag::Insert => Tag::Insert,
                        },
                        left_no: change.old_index().map(|i| i + 1),
                        right_no: change.new_index().map(|i| i + 1),
                        segments: merge(segments),
                    });
                }
            }
            fold(lines, context)
        }

        fn fold(lines: Vec<Line>, context: usize) -> Vec<Row> {
            let n = lines.len();
            let mut keep = vec![false; n];
            for (i, l) in lines.iter().enumerate() {
                if l.tag != Tag::Equal {
                    keep[i.saturating_sub(context)..(i + context + 1).min(n)].fill(true);
                }
            }
            let mut rows = Vec::new();
            let mut i = 0;
            let mut lines = lines.into_iter().map(Some).collect::<Vec<_>>();
            while i < n {
                if keep[i] {
                    if let Some(l) = lines[i].take() {
                        rows.push(Row::Line(l));
                    }
                    i += 1;
                    continue;
                }
                let start = i;
                while i < n && !keep[i] {
                    i += 1;
                }
                let count = i - start;
                let first = lines[start].as_ref();
                let (ls, rs) = (
                    first.and_then(|l| l.left_no).unwrap_or(1) - 1,
                    first.and_then(|l| l.right_no).unwrap_or(1) - 1,
                );
                if count <= 1 {
                    // Folding one line saves nothing.
                    for l in lines[start..i].iter_mut().filter_map(Option::take) {
                        rows.push(Row::Line(l));
                    }
                } else {
                    rows.push(Row::Fold {
                        left_start: ls,
                        right_start: rs,
                        count,
                    });
                }
            }
            rows
        }

        fn changed(rows: &[Row]) -> usize {
            rows.iter()
                .filter(|r| matches!(r, Row::Line(l) if l.tag != Tag::Equal))
                .count()
        }

        fn trimmed(text: &str) -> Vec<String> {
            lines(text)
                .iter()
                .map(|l| l.trim_end_matches(['\n', '\r']).to_owned())
                .collect()
        }

        /// Both texts read back from the rows (folds from the texts' own lines).
        fn texts(rows: &[Row], l: &str, r: &str) -> (Vec<String>, Vec<String>) {
            let (lt, rt) = (trimmed(l), trimmed(r));
            let (mut a, mut b) = (Vec::new(), Vec::new());
            for row in rows {
                match row {
                    Row::Line(line) => {
                        let text: String = line.segments.iter().map(|s| s.text.as_str()).collect();
                        if line.tag != Tag::Insert {
                            a.push(text.clone());
                        }
                        if line.tag != Tag::Delete {
                            b.push(text);
                        }
                    }
                    Row::Fold {
                        left_start,
                        right_start,
                        count,
                    } => {
                        a.extend_from_slice(&lt[*left_start..left_start + count]);
                        b.extend_from_slice(&rt[*right_start..right_start + count]);
                    }
                }
            }
            (a, b)
        }

        proptest! {
            #[test]
            fn unified_shows_what_the_reference_shows(
                left in prop::collection::vec("[abc]{0,2}", 0..40),
                edits in prop::collection::vec((0usize..40, prop::option::of("[abcd]{0,2}")), 0..6),
                context in 0usize..4,
            ) {
                let mut right = left.clone();
                for (at, line) in edits {
                    let at = at % (right.len() + 1);
                    match line {
                        Some(l) => right.insert(at, l),
                        None if at < right.len() => { right.remove(at); }
                        None => {}
                    }
                }
                for sep in ["\n", "\r\n", "\r"] {
                    let (l, r) = (left.join(sep) + sep, right.join(sep));
                    let (got, want) = (unified(&l, &r, context), unified_reference(&l, &r, context));
                    // Trimming the common ends first can pick another of the equally short
                    // alignments (which of several equal lines is "the same"); in that case the rows
                    // must still give both texts back, with as many changed lines.
                    if got != want {
                        prop_assert_eq!(changed(&got), changed(&want));
                        prop_assert_eq!(texts(&got, &l, &r), (trimmed(&l), trimmed(&r)));
                    }
                }
            }

            #[test]
            fn lines_split_as_similar_splits(text in "[a\r\n]{0,24}") {
                let reference = TextDiff::from_lines(text.as_str(), "");
                prop_assert_eq!(lines(&text), reference.old_slices().to_vec());
            }
        }
    }
}
