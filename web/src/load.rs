//! Reading what is chosen or dropped, for a pane and for the series: a file is routed by its
//! first bytes and size ([`state::route_file`]) to the archive reader, the gzip reader or a whole
//! read, with [`browser`]'s readers; a folder is read as a layout ([`folder`]). One way of
//! reading, whoever asks.

use crate::state::{self, Action, FileRead, FolderInput, SeriesAction};
use crate::{browser, folder};
use web_sys::File;
use yew::Callback;

/// A number new to each file or folder read (see `state::State::awaiting`).
pub fn next_reading() -> u64 {
    thread_local!(static LAST: std::cell::Cell<u64> = const { std::cell::Cell::new(0) });
    LAST.with(|n| {
        n.set(n.get() + 1);
        n.get()
    })
}

/// Reads a file as its first bytes say: `opening(size)` is called first for an image archive
/// (read by ranges; a gzipped one, a `.dockerbuild` file, decompressed in chunks first), then
/// `done` with what the read gave. (Boxed callbacks: the readers are compiled once, not once per
/// caller.)
pub fn read_routed(file: File, opening: Box<dyn FnOnce(u64)>, done: Box<dyn FnOnce(FileRead)>) {
    let name = state::file_label(&file.name(), &browser::relative_path(&file));
    browser::read_head(&file.clone(), 1024, move |head| {
        let size = file.size() as u64;
        match head.map(|h| state::route_file(&h, size)) {
            Ok(route @ (state::FileRoute::Tar | state::FileRoute::Gzip)) => {
                opening(size);
                let done = move |result| {
                    done(FileRead::Archive {
                        size,
                        folder: false,
                        result: Box::new(result),
                    })
                };
                if route == state::FileRoute::Gzip {
                    browser::read_gzip(file, done);
                } else {
                    browser::read_archive(file, done);
                }
            }
            // Refused before reading: the tab never holds more than the core takes.
            Ok(state::FileRoute::TooLarge) => {
                let e = cachelens_core::Error::new(cachelens_core::ErrorKind::TooLarge {
                    size,
                    limit: cachelens_core::MAX_INPUT_BYTES,
                });
                done(FileRead::Failed(format!("{name}: {}", e.message())))
            }
            Ok(state::FileRoute::Whole) => browser::read_file(file, move |result| {
                done(match result {
                    Ok(bytes) => FileRead::Whole(bytes),
                    Err(message) => FileRead::Failed(message),
                })
            }),
            Err(message) => done(FileRead::Failed(message)),
        }
    });
}

/// Reads a layout folder (only the files the core asks for), then calls `done`.
pub fn read_layout(layout: folder::LayoutFiles, files: Vec<File>, done: Box<dyn FnOnce(FileRead)>) {
    let size = layout.size();
    browser::read_layout(layout, files, move |result| {
        done(FileRead::Archive {
            size,
            folder: true,
            result: Box::new(result),
        })
    });
}

/// Adds files chosen or dropped in series mode and reads each (one input each).
pub fn series_files(dispatch: &Callback<Action>, files: Vec<File>) {
    let named: Vec<(u64, String, File)> = files
        .into_iter()
        .map(|f| {
            let name = state::file_label(&f.name(), &browser::relative_path(&f));
            (next_reading(), name, f)
        })
        .collect();
    dispatch.emit(Action::Series(SeriesAction::Add(
        named.iter().map(|(id, n, _)| (*id, n.clone())).collect(),
    )));
    for (id, _, file) in named {
        let dispatch = dispatch.clone();
        read_routed(
            file,
            Box::new(|_| {}),
            Box::new(move |read| series_read(&dispatch, id, read)),
        );
    }
}

fn series_read(dispatch: &Callback<Action>, id: u64, read: FileRead) {
    dispatch.emit(Action::Series(SeriesAction::Read {
        id,
        read: Box::new(read),
    }));
}

/// Adds a folder chosen or dropped in series mode: itself when it is a layout, otherwise its
/// files and the layouts among its sub-folders ([`state::folder_inputs`]).
pub fn series_folder(dispatch: &Callback<Action>, picked: Result<Vec<(String, File)>, String>) {
    let failed = |name: &str, message: String| {
        let id = next_reading();
        dispatch.emit(Action::Series(SeriesAction::Add(vec![(
            id,
            name.to_owned(),
        )])));
        series_read(dispatch, id, FileRead::Failed(message));
    };
    let picked = match picked {
        Ok(p) => p,
        Err(message) => return failed("folder", message),
    };
    let listing: Vec<(String, u64)> = picked
        .iter()
        .map(|(path, f)| (path.clone(), f.size() as u64))
        .collect();
    let inputs = match state::folder_inputs(&listing) {
        Ok(i) => i,
        Err(message) => {
            let name = listing
                .first()
                .and_then(|(p, _)| p.split('/').find(|c| !c.is_empty()))
                .unwrap_or("folder")
                .to_owned();
            return failed(&name, message);
        }
    };
    let mut added = Vec::new();
    let mut reads: Vec<(u64, FolderInput)> = Vec::new();
    for input in inputs {
        let id = next_reading();
        let name = match &input {
            FolderInput::File(i) => picked[*i].0.clone(),
            FolderInput::Layout(l) => l.name.clone(),
        };
        added.push((id, name));
        reads.push((id, input));
    }
    dispatch.emit(Action::Series(SeriesAction::Add(added)));
    let files: Vec<File> = picked.into_iter().map(|(_, f)| f).collect();
    for (id, input) in reads {
        let dispatch = dispatch.clone();
        let done: Box<dyn FnOnce(FileRead)> =
            Box::new(move |read| series_read(&dispatch, id, read));
        match input {
            FolderInput::File(i) => read_routed(files[i].clone(), Box::new(|_| {}), done),
            FolderInput::Layout(l) => read_layout(l, files.clone(), done),
        }
    }
}
