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

/// Whether a drag carries files (as opposed to text, which the textarea takes by itself).
pub fn drag_has_files(event: &DragEvent) -> bool {
    event.data_transfer().is_some_and(|dt| {
        let types = dt.types();
        (0..types.length()).any(|i| types.get(i).as_string().as_deref() == Some("Files"))
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
