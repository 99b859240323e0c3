//! The few browser APIs the viewer uses, behind plain functions: the clipboard and reading files.
//! (The location hash for share links will live here too.)

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
