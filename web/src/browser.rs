//! The few browser APIs the viewer uses, behind plain functions: the clipboard, reading files,
//! the page's address and its fragment (share links), and downloads (bundle files).

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::{JsFuture, spawn_local};
use web_sys::{DragEvent, File, HtmlInputElement};

/// Writes `text` to the clipboard, then calls `done` with whether it worked. Without a
/// clipboard (an insecure context, a refused permission) `done(false)` is called.
pub fn copy_text(text: &str, done: impl FnOnce(bool) + 'static) {
    let Some(navigator) = web_sys::window().map(|w| w.navigator()) else {
        done(false);
        return;
    };
    // `navigator.clipboard` is undefined outside secure contexts; calling it would throw.
    let has_clipboard = js_sys::Reflect::get(&navigator, &JsValue::from_str("clipboard"))
        .is_ok_and(|c| !c.is_undefined() && !c.is_null());
    if !has_clipboard {
        done(false);
        return;
    }
    let promise = navigator.clipboard().write_text(text);
    spawn_local(async move { done(JsFuture::from(promise).await.is_ok()) });
}

/// Reads a file's exact bytes, then calls `done` with them or with a message naming the file.
pub fn read_file(file: File, done: impl FnOnce(Result<Vec<u8>, String>) + 'static) {
    let name = file.name();
    let promise = file.array_buffer();
    spawn_local(async move {
        let result = match JsFuture::from(promise).await {
            Ok(buffer) => Ok(js_sys::Uint8Array::new(&buffer).to_vec()),
            Err(e) => Err(format!(
                "could not read {name}: {}",
                e.dyn_ref::<js_sys::Error>().map_or_else(
                    || "the browser refused".to_owned(),
                    |e| String::from(e.message())
                )
            )),
        };
        done(result);
    });
}

/// Fetches a file of the page's own origin (an example's input, [`crate::examples::path`]),
/// relative to the page, then calls `done` with its exact bytes or a message naming it.
pub fn fetch_bytes(path: String, done: impl FnOnce(Result<Vec<u8>, String>) + 'static) {
    let Some(window) = web_sys::window() else {
        done(Err(format!("could not fetch {path}: no window")));
        return;
    };
    let promise = window.fetch_with_str(&path);
    spawn_local(async move {
        let why = |e: JsValue| {
            e.dyn_ref::<js_sys::Error>().map_or_else(
                || "the browser refused".to_owned(),
                |e| String::from(e.message()),
            )
        };
        let result = async {
            let response: web_sys::Response = JsFuture::from(promise).await.map_err(why)?.into();
            if !response.ok() {
                return Err(format!("the server answered {}", response.status()));
            }
            let buffer = JsFuture::from(response.array_buffer().map_err(why)?)
                .await
                .map_err(why)?;
            Ok(js_sys::Uint8Array::new(&buffer).to_vec())
        }
        .await;
        done(result.map_err(|e| format!("could not fetch {path}: {e}")));
    });
}

/// The first file of an `<input type=file>` after a change, and resets the input so choosing
/// the same file again fires another change.
pub fn take_chosen_file(input: &HtmlInputElement) -> Option<File> {
    let file = input.files().and_then(|list| list.get(0));
    input.set_value("");
    file
}

/// The first file dropped, if the drop carries files.
pub fn dropped_file(event: &DragEvent) -> Option<File> {
    event.data_transfer()?.files()?.get(0)
}

/// Every file of an `<input type=file multiple>` after a change, and resets the input.
pub fn take_chosen_files(input: &HtmlInputElement) -> Vec<File> {
    let files = input.files().map(|l| files_of(&l)).unwrap_or_default();
    input.set_value("");
    files
}

/// Every file dropped (a dropped folder is not one: see [`dropped_folder`]).
pub fn dropped_files(event: &DragEvent) -> Vec<File> {
    event
        .data_transfer()
        .and_then(|dt| dt.files())
        .map(|l| files_of(&l))
        .unwrap_or_default()
}

fn files_of(list: &web_sys::FileList) -> Vec<File> {
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

/// Whether a drag carries files (as opposed to text, which the textarea takes by itself).
pub fn drag_has_files(event: &DragEvent) -> bool {
    drag_has_type(event, "Files")
}

/// Marks (or unmarks) the element matching `selector` around an event's target as where a
/// drag would drop, with a `data-drop-target` attribute the style sheet outlines (no state of
/// the page changes). (Yew delegates events, so the current target is its root, not the
/// element the listener is on.) Unmarking on a `dragleave` that only moves onto a child of the
/// element is skipped.
pub fn mark_drop_target(event: &DragEvent, selector: &str, on: bool) {
    let Some(el) = event
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|t| t.closest(selector).ok().flatten())
    else {
        return;
    };
    if on {
        let _ = el.set_attribute("data-drop-target", "");
        return;
    }
    let to = event
        .related_target()
        .and_then(|t| t.dyn_into::<web_sys::Node>().ok());
    if event.type_() == "dragleave" && to.as_ref().is_some_and(|t| el.contains(Some(t))) {
        return;
    }
    let _ = el.remove_attribute("data-drop-target");
}

/// Whether a drag carries data of this type (`Files` for files).
pub fn drag_has_type(event: &DragEvent, ty: &str) -> bool {
    event.data_transfer().is_some_and(|dt| {
        let types = dt.types();
        (0..types.length()).any(|i| types.get(i).as_string().as_deref() == Some(ty))
    })
}

/// Keeps a file dropped outside the panes from replacing the page (the browser's default), for
/// the life of the page.
pub fn guard_page_drops() {
    use gloo::events::{EventListener, EventListenerOptions};
    let Some(window) = web_sys::window() else {
        return;
    };
    let options = EventListenerOptions::enable_prevent_default();
    EventListener::new_with_options(&window, "dragover", options, |e| {
        if let Some(e) = e.dyn_ref::<DragEvent>()
            && !e.default_prevented()
            && drag_has_files(e)
        {
            e.prevent_default();
            if let Some(dt) = e.data_transfer() {
                dt.set_drop_effect("none");
            }
        }
    })
    .forget();
    EventListener::new_with_options(&window, "drop", options, |e| {
        if let Some(e) = e.dyn_ref::<DragEvent>()
            && !e.default_prevented()
            && drag_has_files(e)
        {
            e.prevent_default();
        }
    })
    .forget();
}

/// Runs `f` once the browser has painted what is on screen now (a frame, then a task), so a
/// long computation started by `f` does not hide an "Analysing…" state. Dropping the handle
/// before the frame cancels it.
pub fn after_paint(f: impl FnOnce() + 'static) -> gloo::render::AnimationFrame {
    gloo::render::request_animation_frame(move |_| {
        gloo::timers::callback::Timeout::new(0, f).forget();
    })
}

/// Whether the screen is narrow (a phone): side-by-side rows would be too cramped there.
pub fn narrow_screen() -> bool {
    web_sys::window()
        .and_then(|w| w.match_media("(max-width: 860px)").ok().flatten())
        .is_some_and(|m| m.matches())
}

/// The page's address without its fragment: the base of share links (works under any sub-path).
pub fn page_base() -> String {
    let href = web_sys::window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default();
    href.split_once('#')
        .map_or(href.as_str(), |(base, _)| base)
        .to_owned()
}

/// The page's fragment, with its `#` (empty when there is none).
pub fn location_hash() -> String {
    web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default()
}

/// Calls `f` with the new fragment each time it changes; dropping the listener stops it.
pub fn on_hash_change(f: impl Fn(String) + 'static) -> Option<gloo::events::EventListener> {
    let window = web_sys::window()?;
    Some(gloo::events::EventListener::new(
        &window,
        "hashchange",
        move |_| f(location_hash()),
    ))
}

/// Offers `bytes` as a file download named `name` (a Blob and an object URL: the data never
/// leaves the page). The URL is revoked once the download has started.
pub fn download_bytes(name: &str, bytes: &[u8]) -> Result<(), String> {
    let fail = |e: JsValue| {
        e.dyn_ref::<js_sys::Error>().map_or_else(
            || "the browser refused the download".to_owned(),
            |e| String::from(e.message()),
        )
    };
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/octet-stream");
    let blob =
        web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).map_err(fail)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(fail)?;
    let anchor: web_sys::HtmlAnchorElement =
        document.create_element("a").map_err(fail)?.unchecked_into();
    anchor.set_href(&url);
    anchor.set_download(name);
    anchor.click();
    gloo::timers::callback::Timeout::new(10_000, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    })
    .forget();
    Ok(())
}

/// Reads the bytes `start..end` of a file (a slice: the rest is never read).
async fn read_range(file: &File, start: u64, end: u64) -> Result<Vec<u8>, String> {
    let fail = |e: JsValue| {
        e.dyn_ref::<js_sys::Error>().map_or_else(
            || "the browser refused".to_owned(),
            |e| String::from(e.message()),
        )
    };
    // File offsets are below 2^53, exact in an f64.
    let blob = file
        .slice_with_f64_and_f64(start as f64, end as f64)
        .map_err(fail)?;
    let buffer = JsFuture::from(blob.array_buffer()).await.map_err(fail)?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// Reads the first `n` bytes of a file (to tell an image archive from JSON), then calls `done`.
pub fn read_head(file: &File, n: u64, done: impl FnOnce(Result<Vec<u8>, String>) + 'static) {
    let file = file.clone();
    spawn_local(async move {
        let end = n.min(file.size() as u64);
        done(
            read_range(&file, 0, end)
                .await
                .map_err(|e| format!("could not read {}: {e}", file.name())),
        );
    });
}

/// Reads an image archive by the byte ranges the core asks for (tar headers and small JSON
/// documents, never layer contents, so a multi-gigabyte file opens at once), then calls `done`.
pub fn read_archive(
    file: File,
    done: impl FnOnce(Result<cachelens_core::image::ImageSet, String>) + 'static,
) {
    use cachelens_core::image::ArchiveReader;
    spawn_local(async move {
        let mut reader = ArchiveReader::new(file.size() as u64);
        while let Some(range) = reader.next_request() {
            let bytes = match read_range(&file, range.start, range.end).await {
                Ok(b) => b,
                Err(e) => return done(Err(format!("could not read {}: {e}", file.name()))),
            };
            if let Err(e) = reader.feed(range.start, &bytes) {
                return done(Err(format!("{}: {e}", file.name())));
            }
        }
        done(reader.finish().map_err(|e| format!("{}: {e}", file.name())));
    });
}

/// Reads a gzip-compressed archive (a `.dockerbuild` file from `docker buildx history export`):
/// decompressed in the core 4 KiB of input at a time (at most about 4 MiB of output each), each slice read by its own promise, so
/// the page paints and answers input between chunks; capped at 256 MiB decompressed.
pub fn read_gzip(
    file: File,
    done: impl FnOnce(Result<cachelens_core::image::ImageSet, String>) + 'static,
) {
    use cachelens_core::image::gzip::{Inflater, read_inflated};
    const CHUNK: u64 = 4 * 1024;
    spawn_local(async move {
        let size = file.size() as u64;
        let mut inflater = Inflater::new();
        let mut at = 0;
        while at < size {
            let end = (at + CHUNK).min(size);
            let bytes = match read_range(&file, at, end).await {
                Ok(b) => b,
                Err(e) => return done(Err(format!("could not read {}: {e}", file.name()))),
            };
            if let Err(e) = inflater.feed(&bytes) {
                return done(Err(format!("{}: {e}", file.name())));
            }
            at = end;
        }
        let tar = match inflater.finish() {
            Ok(t) => t,
            Err(e) => return done(Err(format!("{}: {e}", file.name()))),
        };
        done(read_inflated(&tar).map_err(|e| format!("{}: {e}", file.name())));
    });
}

/// Whether this browser lets an `<input type=file>` choose a folder (`webkitdirectory`; every
/// desktop browser does, some phone browsers do not).
pub fn folder_upload_supported() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.create_element("input").ok())
        .is_some_and(|input| {
            js_sys::Reflect::has(&input, &JsValue::from_str("webkitdirectory")).unwrap_or(false)
        })
}

/// The files of a folder input (`webkitdirectory`) after a change, each with its path as the
/// browser gives it (`webkitRelativePath`: the chosen folder's name, then the path inside it),
/// and resets the input so choosing the same folder again fires another change.
pub fn take_chosen_folder(input: &HtmlInputElement) -> Vec<(String, File)> {
    let mut out = Vec::new();
    if let Some(list) = input.files() {
        for i in 0..list.length() {
            if let Some(file) = list.get(i) {
                let path = js_sys::Reflect::get(&file, &JsValue::from_str("webkitRelativePath"))
                    .ok()
                    .and_then(|p| p.as_string())
                    .filter(|p| !p.is_empty())
                    .unwrap_or_else(|| file.name());
                out.push((path, file));
            }
        }
    }
    input.set_value("");
    out
}

/// The folder dropped, if the first item dropped is one. Must be called during the drop event
/// (the browser forgets the items after it).
pub fn dropped_folder(event: &DragEvent) -> Option<web_sys::FileSystemDirectoryEntry> {
    let item = event.data_transfer()?.items().get(0)?;
    let entry = item.webkit_get_as_entry().ok().flatten()?;
    entry.is_directory().then(|| entry.unchecked_into())
}

/// At most this many files are listed from a dropped folder (the core reads no more entries).
const MAX_DROPPED_FILES: usize = cachelens_core::image::MAX_ENTRIES;

fn js_message(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| {
            js_sys::Reflect::get(e, &JsValue::from_str("message"))
                .ok()
                .and_then(|m| m.as_string())
        })
        .unwrap_or_else(|| "the browser refused".to_owned())
}

/// Lists every file under a dropped folder (names and sizes only; nothing is read), each with
/// its path starting with the folder's name, like a folder input gives them, then calls `done`.
pub fn list_dropped_folder(
    dir: web_sys::FileSystemDirectoryEntry,
    done: yew::Callback<Result<Vec<(String, File)>, String>>,
) {
    use web_sys::{FileSystemDirectoryEntry, FileSystemEntry, FileSystemFileEntry};
    async fn entries(dir: &FileSystemDirectoryEntry) -> Result<Vec<FileSystemEntry>, JsValue> {
        let reader = dir.create_reader();
        let mut all = Vec::new();
        // readEntries gives a batch at a time, then an empty one.
        loop {
            let mut called = Ok(());
            let promise = js_sys::Promise::new(&mut |resolve, reject| {
                called = reader.read_entries_with_callback_and_callback(&resolve, &reject);
            });
            called?;
            let batch: js_sys::Array = JsFuture::from(promise).await?.unchecked_into();
            if batch.length() == 0 {
                return Ok(all);
            }
            all.extend(batch.iter().map(JsCast::unchecked_into::<FileSystemEntry>));
        }
    }
    async fn file(entry: &FileSystemFileEntry) -> Result<File, JsValue> {
        let promise = js_sys::Promise::new(&mut |resolve, reject| {
            entry.file_with_callback_and_callback(&resolve, &reject);
        });
        Ok(JsFuture::from(promise).await?.unchecked_into())
    }
    async fn walk(root: FileSystemDirectoryEntry) -> Result<Vec<(String, File)>, String> {
        let name = root.name();
        let fail = |e: JsValue| format!("could not list the folder {name}: {}", js_message(&e));
        let mut out = Vec::new();
        let mut dirs = vec![root.clone()];
        while let Some(dir) = dirs.pop() {
            for entry in entries(&dir).await.map_err(fail)? {
                if entry.is_directory() {
                    dirs.push(entry.unchecked_into());
                } else if entry.is_file() {
                    if out.len() >= MAX_DROPPED_FILES {
                        return Err(format!(
                            "{name} holds more than {MAX_DROPPED_FILES} files: an image layout holds far fewer"
                        ));
                    }
                    let path = entry.full_path();
                    let f = file(entry.unchecked_ref()).await.map_err(fail)?;
                    out.push((path.trim_start_matches('/').to_owned(), f));
                }
            }
        }
        Ok(out)
    }
    spawn_local(async move { done.emit(walk(dir).await) });
}

/// Reads an image layout folder: only the files the core asks for (`index.json`, `oci-layout`,
/// and the index, manifest and config blobs; never layers), each whole, then calls `done`.
/// `files` are the chosen folder's files, in the order [`crate::folder::layout_files`] was given
/// them.
pub fn read_layout(
    layout: crate::folder::LayoutFiles,
    files: Vec<File>,
    done: impl FnOnce(Result<cachelens_core::image::ImageSet, String>) + 'static,
) {
    use cachelens_core::image::LayoutReader;
    spawn_local(async move {
        let name = &layout.name;
        let mut reader = LayoutReader::new(layout.listing());
        while let Some(path) = reader.next_request().map(str::to_owned) {
            let Some(file) = layout.source(&path).and_then(|i| files.get(i)) else {
                return done(Err(format!("{name}: {path} is not in the folder")));
            };
            let bytes = match read_range(file, 0, file.size() as u64).await {
                Ok(b) => b,
                Err(e) => return done(Err(format!("could not read {name}/{path}: {e}"))),
            };
            if let Err(e) = reader.feed(&path, &bytes) {
                return done(Err(format!("{name}: {e}")));
            }
        }
        done(reader.finish().map_err(|e| format!("{name}: {e}")));
    });
}

/// Scrolls the element with this id into view, without moving the keyboard focus: to the top of
/// the window (`top`), or with the least scrolling that shows it.
pub fn reveal(id: &str, top: bool) {
    let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
    else {
        return;
    };
    let options = web_sys::ScrollIntoViewOptions::new();
    options.set_block(if top {
        web_sys::ScrollLogicalPosition::Start
    } else {
        web_sys::ScrollLogicalPosition::Nearest
    });
    el.scroll_into_view_with_scroll_into_view_options(&options);
}

/// Moves the keyboard focus to the element with this id (when there is one).
pub fn focus(id: &str) {
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}

/// The value of the form control with this id (a `<select>`'s chosen option), if there is one.
pub fn control_value(id: &str) -> Option<String> {
    let el = web_sys::window()?.document()?.get_element_by_id(id)?;
    js_sys::Reflect::get(&el, &JsValue::from_str("value"))
        .ok()?
        .as_string()
}

/// Opens the `<details>` with this id, scrolls it into view and focuses its summary.
pub fn open_details(id: &str) {
    let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
    else {
        return;
    };
    let _ = el.set_attribute("open", "");
    el.scroll_into_view();
    if let Some(summary) = el
        .query_selector("summary")
        .ok()
        .flatten()
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = summary.focus();
    }
}

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

/// The value kept under `key` in this tab's sessionStorage (gone when the tab closes).
pub fn session_get(key: &str) -> Option<String> {
    session_storage()?.get_item(key).ok().flatten()
}

/// Keeps `value` under `key` in this tab's sessionStorage (`None` removes it); `false` when the
/// browser refused (storage full or disabled).
pub fn session_set(key: &str, value: Option<&str>) -> bool {
    let Some(s) = session_storage() else {
        return false;
    };
    match value {
        Some(v) => s.set_item(key, v).is_ok(),
        None => s.remove_item(key).is_ok(),
    }
}

/// The file's path inside the folder it was chosen with (`webkitRelativePath`), empty when the
/// browser gives none (a file chosen or dropped on its own).
pub fn relative_path(file: &File) -> String {
    js_sys::Reflect::get(file, &JsValue::from_str("webkitRelativePath"))
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

/// The IndexedDB database and object store that keep inputs too large for sessionStorage, each
/// under its tab's key ([`new_tab_key`], itself kept in that tab's sessionStorage).
const IDB_NAME: &str = "cachelens";
const IDB_STORE: &str = "session";
/// Entries whose tab key is older than this are deleted on the next write (a closed tab cannot
/// delete its own entry).
const IDB_MAX_AGE_MS: f64 = 7.0 * 24.0 * 3600.0 * 1000.0;

/// A new random key for this tab's IndexedDB entry: its creation time (so stale entries can be
/// pruned) and a random part.
pub fn new_tab_key() -> String {
    let now = js_sys::Date::now() as u64;
    let random = (js_sys::Math::random() * f64::from(u32::MAX)) as u32;
    let more = (js_sys::Math::random() * f64::from(u32::MAX)) as u32;
    format!("{now:013}-{random:08x}{more:08x}")
}

/// Resolves with the request's result once it succeeds (rejects when it fails).
fn idb_request(req: &web_sys::IdbRequest) -> JsFuture {
    let mut setup = |resolve: js_sys::Function, reject: js_sys::Function| {
        let done = req.clone();
        let ok = wasm_bindgen::closure::Closure::once_into_js(move |_: web_sys::Event| {
            let _ = resolve.call1(&JsValue::NULL, &done.result().unwrap_or(JsValue::UNDEFINED));
        });
        let err = wasm_bindgen::closure::Closure::once_into_js(move |_: web_sys::Event| {
            let _ = reject.call1(
                &JsValue::NULL,
                &JsValue::from_str("IndexedDB request failed"),
            );
        });
        req.set_onsuccess(Some(ok.unchecked_ref()));
        req.set_onerror(Some(err.unchecked_ref()));
    };
    JsFuture::from(js_sys::Promise::new(&mut setup))
}

/// Resolves once the transaction has committed (rejects when it fails or aborts).
fn idb_committed(tx: &web_sys::IdbTransaction) -> JsFuture {
    let mut setup = |resolve: js_sys::Function, reject: js_sys::Function| {
        let ok = wasm_bindgen::closure::Closure::once_into_js(move |_: web_sys::Event| {
            let _ = resolve.call0(&JsValue::NULL);
        });
        let failed = wasm_bindgen::closure::Closure::once_into_js(move |_: web_sys::Event| {
            let _ = reject.call1(&JsValue::NULL, &JsValue::from_str("IndexedDB write failed"));
        });
        tx.set_oncomplete(Some(ok.unchecked_ref()));
        tx.set_onerror(Some(failed.unchecked_ref()));
        tx.set_onabort(Some(failed.unchecked_ref()));
    };
    JsFuture::from(js_sys::Promise::new(&mut setup))
}

async fn idb_open() -> Result<web_sys::IdbDatabase, JsValue> {
    let factory = web_sys::window()
        .ok_or(JsValue::NULL)?
        .indexed_db()?
        .ok_or(JsValue::NULL)?;
    let req = factory.open_with_u32(IDB_NAME, 1)?;
    let upgrade =
        wasm_bindgen::closure::Closure::once_into_js(move |e: web_sys::IdbVersionChangeEvent| {
            if let Some(db) = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::IdbOpenDbRequest>().ok())
                .and_then(|r| r.result().ok())
                .and_then(|d| d.dyn_into::<web_sys::IdbDatabase>().ok())
            {
                let _ = db.create_object_store(IDB_STORE);
            }
        });
    req.set_onupgradeneeded(Some(upgrade.unchecked_ref()));
    idb_request(&req).await?.dyn_into()
}

async fn idb_write(key: &str, bytes: Option<&[u8]>) -> Result<(), JsValue> {
    let db = idb_open().await?;
    let result = async {
        let tx =
            db.transaction_with_str_and_mode(IDB_STORE, web_sys::IdbTransactionMode::Readwrite)?;
        let store = tx.object_store(IDB_STORE)?;
        let key = JsValue::from_str(key);
        store.delete(&key)?;
        if let Some(bytes) = bytes {
            // Entries of tabs created long ago (closed tabs cannot delete theirs).
            let cutoff = format!(
                "{:013}",
                (js_sys::Date::now() - IDB_MAX_AGE_MS).max(0.0) as u64
            );
            let old: web_sys::IdbKeyRange =
                web_sys::IdbKeyRange::upper_bound(&JsValue::from_str(&cutoff))?;
            store.delete(&old)?;
            store.put_with_key(&js_sys::Uint8Array::from(bytes), &key)?;
        }
        idb_committed(&tx).await.map(drop)
    }
    .await;
    db.close();
    result
}

/// Keeps `bytes` in IndexedDB under this tab's `key`; `done(false)` when the browser refused
/// (IndexedDB disabled or full).
pub fn idb_put(key: String, bytes: Vec<u8>, done: impl FnOnce(bool) + 'static) {
    spawn_local(async move { done(idb_write(&key, Some(&bytes)).await.is_ok()) });
}

/// Deletes what IndexedDB keeps under this tab's `key` (nothing when there is none).
pub fn idb_delete(key: String) {
    spawn_local(async move {
        let _ = idb_write(&key, None).await;
    });
}

/// What IndexedDB keeps under this tab's `key` (`None`: nothing, or IndexedDB unavailable).
pub fn idb_get(key: String, done: impl FnOnce(Option<Vec<u8>>) + 'static) {
    spawn_local(async move {
        let read = async {
            let db = idb_open().await?;
            let value = async {
                let tx = db.transaction_with_str(IDB_STORE)?;
                idb_request(&tx.object_store(IDB_STORE)?.get(&JsValue::from_str(&key))?).await
            }
            .await;
            db.close();
            value
        };
        let bytes = read
            .await
            .ok()
            .and_then(|v| v.dyn_into::<js_sys::Uint8Array>().ok())
            .map(|a| a.to_vec());
        done(bytes);
    });
}
