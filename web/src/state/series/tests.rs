use super::*;
use cachelens_core::Verdict;

/// The config of build `n` (1-based) of the real inline-rebuilds loop (moby/buildkit#3009).
fn rebuild(n: usize) -> Vec<u8> {
    let path = format!(
        "{}/../tests/fixtures/real-buildkit/inline-rebuilds/{n}/config.json",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn series(s: &mut State, a: SeriesAction) {
    s.apply(Action::Series(a));
}

/// Adds the eight configs (given out of order, read out of order), as `build-N.json`.
fn eight() -> State {
    let mut s = State::default();
    let order = [5, 1, 8, 2, 7, 3, 6, 4];
    series(
        &mut s,
        SeriesAction::Add(
            order
                .iter()
                .map(|&n| (100 + n as u64, format!("build-{n}.json")))
                .collect(),
        ),
    );
    for n in [3, 8, 1, 2, 6, 4, 7, 5] {
        series(
            &mut s,
            SeriesAction::Read {
                id: 100 + n as u64,
                read: Box::new(FileRead::Whole(rebuild(n))),
            },
        );
    }
    s
}

/// Sends every step due, as the page's timer does; how many.
fn run_all(s: &mut State) -> usize {
    let mut n = 0;
    while let Some((run, _)) = s.series.due_step() {
        series(s, SeriesAction::Step(run));
        n += 1;
    }
    n
}

fn names(s: &State) -> Vec<&str> {
    s.series.items.iter().map(|i| &*i.name).collect()
}

#[test]
fn names_sort_naturally() {
    let mut v = vec!["build-10", "build-2", "build-1", "a", "build-02", "b1", "B"];
    v.sort_by(|a, b| natural_cmp(a, b));
    assert_eq!(
        v,
        ["B", "a", "b1", "build-1", "build-02", "build-2", "build-10"]
    );
    assert_eq!(
        natural_cmp("1/config.json", "10/config.json"),
        Ordering::Less
    );
    assert_eq!(natural_cmp("9", "10"), Ordering::Less);
    assert_eq!(natural_cmp("x", "x"), Ordering::Equal);
}

#[test]
fn eight_rebuilds_group_as_the_cli_groups_them() {
    let mut s = eight();
    assert!(s.series.shown);
    assert_eq!(
        names(&s),
        (1..=8)
            .map(|n| format!("build-{n}.json"))
            .collect::<Vec<_>>()
    );
    assert_eq!(s.series.progress(), Progress::Comparing(0, 8));
    // One input per step: the page yields to the event loop between them.
    assert_eq!(run_all(&mut s), 8);
    assert_eq!(s.series.progress(), Progress::Done);
    let c = s.series.computed.clone().unwrap();
    // What `cachelens series inline-rebuilds/*/config.json` prints (README, crates/cli/tests):
    // `1 2 │ 3 │ 4 5 6 7 8`. The e2e spec (tests/e2e/series.spec.ts) pins these groups.
    assert_eq!(
        c.series.groups,
        vec![vec![0, 1], vec![2], vec![3, 4, 5, 6, 7]]
    );
    assert_eq!(c.series.timeline(), "1 2 │ 3 │ 4 5 6 7 8");
    assert_eq!(c.series.verdict, Verdict::Different);
    let at: Vec<(usize, usize)> = c
        .series
        .transitions
        .iter()
        .map(|t| (t.from, t.to))
        .collect();
    assert_eq!(at, [(1, 2), (2, 3)]);
    assert!(!c.series.transitions[0].steps.is_empty());
}

#[test]
fn inputs_wait_for_their_reads_and_a_late_read_is_dropped() {
    let mut s = State::default();
    series(
        &mut s,
        SeriesAction::Add(vec![(1, "b.json".into()), (2, "a.json".into())]),
    );
    assert_eq!(names(&s), ["a.json", "b.json"]);
    assert_eq!(s.series.progress(), Progress::Reading(0, 2));
    assert_eq!(s.series.due_step(), None);
    series(&mut s, SeriesAction::Remove(1));
    // The removed input's read comes back late: dropped.
    series(
        &mut s,
        SeriesAction::Read {
            id: 1,
            read: Box::new(FileRead::Whole(rebuild(1))),
        },
    );
    assert_eq!(names(&s), ["a.json"]);
    assert_eq!(s.series.progress(), Progress::Reading(0, 1));
    series(
        &mut s,
        SeriesAction::Read {
            id: 2,
            read: Box::new(FileRead::Failed("a.json: could not read".into())),
        },
    );
    run_all(&mut s);
    let c = s.series.computed.clone().unwrap();
    assert_eq!(
        c.series.inputs[0].error.as_deref(),
        Some("a.json: could not read")
    );
    // A second read for the same input (it is read already) is dropped too.
    series(
        &mut s,
        SeriesAction::Read {
            id: 2,
            read: Box::new(FileRead::Whole(rebuild(1))),
        },
    );
    assert!(matches!(s.series.items[0].held, Held::Failed(_)));
}

#[test]
fn a_step_of_an_earlier_run_is_dropped_and_a_move_starts_a_new_run() {
    let mut s = eight();
    let (first, _) = s.series.due_step().unwrap();
    series(&mut s, SeriesAction::Step(first));
    series(&mut s, SeriesAction::Step(first));
    assert_eq!(s.series.progress(), Progress::Comparing(2, 8));
    // Build 3 moved first: a new run, from the start.
    series(
        &mut s,
        SeriesAction::Move {
            id: 103,
            to: 0,
            via: Via::Item,
        },
    );
    let (second, done) = s.series.due_step().unwrap();
    assert_ne!(first, second);
    assert_eq!(done, 0);
    series(&mut s, SeriesAction::Step(first));
    assert_eq!(s.series.due_step(), Some((second, 0)));
    run_all(&mut s);
    let c = s.series.computed.clone().unwrap();
    assert_eq!(c.series.timeline(), "1 │ 2 3 │ 4 5 6 7 8");
    assert_eq!(c.order[0], 103);
}

#[test]
fn cancel_stops_the_run_and_drops_reads_under_way() {
    let mut s = eight();
    let (run, _) = s.series.due_step().unwrap();
    for _ in 0..3 {
        series(&mut s, SeriesAction::Step(run));
    }
    series(&mut s, SeriesAction::Cancel);
    assert_eq!(s.series.progress(), Progress::Cancelled(3, 8));
    assert_eq!(s.series.due_step(), None);
    series(&mut s, SeriesAction::Step(run));
    assert!(s.series.computed.is_none());
    series(&mut s, SeriesAction::Restart);
    assert_eq!(run_all(&mut s), 8);
    assert_eq!(s.series.progress(), Progress::Done);

    // Cancelled while reading: the inputs still read are dropped, and so are their reads.
    series(&mut s, SeriesAction::Add(vec![(7, "late.json".into())]));
    assert_eq!(s.series.progress(), Progress::Reading(8, 9));
    series(&mut s, SeriesAction::Cancel);
    assert_eq!(s.series.items.len(), 8);
    series(
        &mut s,
        SeriesAction::Read {
            id: 7,
            read: Box::new(FileRead::Whole(rebuild(1))),
        },
    );
    assert_eq!(s.series.items.len(), 8);
}

#[test]
fn moves_are_announced_clamped_and_keep_the_focus_on_a_control_that_acts() {
    let mut s = eight();
    run_all(&mut s);
    let mv = |s: &mut State, id, to, via| series(s, SeriesAction::Move { id, to, via });
    mv(&mut s, 102, 0, Via::Up);
    assert_eq!(names(&s)[..2], ["build-2.json", "build-1.json"]);
    assert_eq!(
        s.series.announce.as_deref(),
        Some("build-2.json moved to position 1 of 8.")
    );
    // At the top, "move up" is disabled: the focus goes to "move down".
    assert_eq!(s.series.focus.as_deref(), Some("series-down-102"));
    mv(&mut s, 101, 99, Via::Down);
    assert_eq!(names(&s)[7], "build-1.json");
    assert_eq!(s.series.focus.as_deref(), Some("series-up-101"));
    mv(&mut s, 103, 3, Via::Item);
    assert_eq!(s.series.focus.as_deref(), Some("series-item-103"));
    assert!(
        s.series.computed.is_none(),
        "the order changed: compared again"
    );
    mv(&mut s, 101, 0, Via::Item);
    assert_eq!(names(&s)[0], "build-1.json");
    series(&mut s, SeriesAction::Remove(101));
    assert_eq!(names(&s).len(), 7);
    assert_eq!(s.series.focus.as_deref(), Some("series-item-102"));
    assert_eq!(
        s.series.announce.as_deref(),
        Some("build-1.json removed; 7 inputs left.")
    );
}

#[test]
fn a_transition_opens_in_the_panes_and_the_series_comes_back() {
    let mut s = eight();
    run_all(&mut s);
    series(&mut s, SeriesAction::OpenPair(1, 2));
    assert!(!s.series.shown);
    assert_eq!(s.series.opened, Some((1, 2)));
    assert_eq!(s.left.name().map(|n| &**n), Some("build-2.json"));
    assert_eq!(s.right.name().map(|n| &**n), Some("build-3.json"));
    assert_eq!(s.left.bytes(), rebuild(2));
    let cmp = &s.compared.as_ref().unwrap().comparison;
    assert_eq!(cmp.verdict, Verdict::Different);
    assert!(cmp.changes.iter().all(|c| {
        c.path
            .to_string()
            .starts_with("/config/moby.buildkit.cache.v0")
            || c.path.to_string().starts_with("/moby.buildkit.cache.v0")
    }));
    series(&mut s, SeriesAction::Show(true));
    assert!(s.series.shown);
    // Nothing changed: the comparison is kept.
    assert!(s.series.computed.is_some());
    // Options changed in the two-input view: the series is compared again under them.
    s.apply(Action::SetIgnoreCache(true));
    series(&mut s, SeriesAction::Show(true));
    run_all(&mut s);
    let c = s.series.computed.clone().unwrap();
    assert_eq!(c.series.groups, vec![(0..8).collect::<Vec<_>>()]);
}

#[test]
fn the_share_hook_gives_names_and_exact_bytes_in_build_order() {
    let mut s = eight();
    series(
        &mut s,
        SeriesAction::Move {
            id: 108,
            to: 0,
            via: Via::Item,
        },
    );
    let shared = s.series.share_inputs().unwrap();
    assert_eq!(shared.len(), 8);
    assert_eq!(shared[0], ("build-8.json".to_owned(), rebuild(8)));
    assert_eq!(shared[1], ("build-1.json".to_owned(), rebuild(1)));
    series(&mut s, SeriesAction::Add(vec![(9, "x.tar".into())]));
    assert!(
        s.series
            .share_inputs()
            .unwrap_err()
            .contains("still being read")
    );
}

#[test]
fn a_folder_is_one_layout_or_its_files_and_layouts_in_name_order() {
    let l = |paths: &[&str]| -> Vec<(String, u64)> {
        paths.iter().map(|p| ((*p).to_owned(), 1)).collect()
    };
    let one = folder_inputs(&l(&[
        "img/index.json",
        "img/oci-layout",
        "img/blobs/sha256/aa",
    ]))
    .unwrap();
    assert!(matches!(&one[..], [FolderInput::Layout(x)] if x.name == "img" && x.files.len() == 3));
    let listing = l(&[
        "nightly/10.json",
        "nightly/2.json",
        "nightly/notes/readme.txt",
        "nightly/5/index.json",
        "nightly/5/blobs/sha256/aa",
    ]);
    let got = folder_inputs(&listing).unwrap();
    assert_eq!(got.len(), 3);
    assert_eq!(got[0], FolderInput::File(1));
    match &got[1] {
        FolderInput::Layout(x) => {
            assert_eq!(x.name, "nightly/5");
            assert_eq!(x.source("index.json"), Some(3));
            assert_eq!(x.source("blobs/sha256/aa"), Some(4));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(got[2], FolderInput::File(0));
    assert!(folder_inputs(&[]).is_err());
    assert!(folder_inputs(&l(&["empty/sub/readme.txt"])).is_err());
}
