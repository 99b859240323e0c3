//! One input pane: a textarea to paste into, a file chooser, a folder chooser (image layouts),
//! drag-and-drop of a file or a folder, and what the core made of the input (kind, size, digest,
//! error with its location, warnings).

use super::{ArchiveView, CopyButton, CopyRequest, size_text};
use crate::state::{Copied, Pane};
use cachelens_core::{Error, Side};
use wasm_bindgen::JsCast;
use web_sys::{DragEvent, File, HtmlInputElement, HtmlTextAreaElement, Node};
use yew::prelude::*;

/// What a pane reports back.
#[derive(Debug, Clone, PartialEq)]
pub struct PaneCallbacks {
    /// The textarea's value changed.
    pub on_input: Callback<String>,
    /// A file was chosen or dropped.
    pub on_file: Callback<File>,
    /// A folder was chosen or dropped: its files, each with its path starting with the folder's
    /// name; or why it could not be listed.
    pub on_folder: Callback<Result<Vec<(String, File)>, String>>,
    /// The clear button.
    pub on_clear: Callback<()>,
    /// A file drag entered (`true`) or left (`false`) the pane.
    pub on_drag: Callback<bool>,
    /// A copy button.
    pub on_copy: Callback<CopyRequest>,
    /// The undo button of a cleared pane.
    pub on_undo: Callback<()>,
    /// Something was pasted into the textarea.
    pub on_paste: Callback<()>,
    /// "How to get these files" (opens the help below).
    pub on_help: Callback<()>,
}

/// Props of [`PaneView`].
#[derive(Debug, Properties, PartialEq)]
pub struct PaneProps {
    /// Left or right.
    pub side: Side,
    /// The pane's state.
    pub pane: Pane,
    /// A file is being dragged over this pane.
    pub dragging: bool,
    /// The last copy, for the copy button's confirmation.
    pub copied: Option<Copied>,
    /// What tells this pane's input apart from the other's when both have the same name
    /// (`sha256:0123456789ab, 5,043 bytes`).
    #[prop_or_default]
    pub name_detail: Option<AttrValue>,
    /// This pane was cleared and can be put back.
    #[prop_or_default]
    pub undo: bool,
    /// Callbacks.
    pub callbacks: PaneCallbacks,
}

/// An error without its side (the pane already says which side it is).
fn located(e: &Error) -> String {
    e.message()
}

/// One input pane.
#[function_component(PaneView)]
pub fn pane_view(props: &PaneProps) -> Html {
    let side = props.side.as_str();
    let pane = &props.pane;
    let cb = &props.callbacks;
    let (title, role) = match props.side {
        Side::Left => ("Left", "before"),
        Side::Right => ("Right", "after"),
    };
    let input_id = format!("{side}-input");
    let title_id = format!("{side}-title");
    let status_id = format!("{side}-status");

    let oninput = cb
        .on_input
        .reform(|e: InputEvent| e.target_unchecked_into::<HtmlTextAreaElement>().value());
    let onchange = {
        let on_file = cb.on_file.clone();
        Callback::from(move |e: Event| {
            let input = e.target_unchecked_into::<HtmlInputElement>();
            if let Some(file) = crate::browser::take_chosen_file(&input) {
                on_file.emit(file);
            }
        })
    };
    let onfolderchange = {
        let on_folder = cb.on_folder.clone();
        Callback::from(move |e: Event| {
            let input = e.target_unchecked_into::<HtmlInputElement>();
            let files = crate::browser::take_chosen_folder(&input);
            // Cancelling the dialog fires no change; an empty folder gives no files.
            on_folder.emit(Ok(files));
        })
    };
    // Only offered where the browser can choose folders (checked once per pane).
    let folders = *use_memo((), |()| crate::browser::folder_upload_supported());
    let ondragover = {
        let (on_drag, dragging) = (cb.on_drag.clone(), props.dragging);
        Callback::from(move |e: DragEvent| {
            if crate::browser::drag_has_files(&e) {
                // Accept the drop (the default refuses it); text drags go to the textarea as usual.
                e.prevent_default();
                if !dragging {
                    on_drag.emit(true);
                }
            }
        })
    };
    let ondragleave = {
        let on_drag = cb.on_drag.clone();
        Callback::from(move |e: DragEvent| {
            // Moving onto a child fires dragleave too: only a real exit counts. The pane is found
            // from the event's target: yew delegates events, so the current target is its root.
            let pane = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|t| t.closest(".pane").ok().flatten())
                .map(Node::from);
            let to = e.related_target().and_then(|t| t.dyn_into::<Node>().ok());
            let inside = matches!((&pane, &to), (Some(p), Some(t)) if p.contains(Some(t)));
            if !inside {
                on_drag.emit(false);
            }
        })
    };
    let ondrop = {
        let (on_file, on_folder, on_drag) =
            (cb.on_file.clone(), cb.on_folder.clone(), cb.on_drag.clone());
        Callback::from(move |e: DragEvent| {
            if let Some(dir) = crate::browser::dropped_folder(&e) {
                e.prevent_default();
                crate::browser::list_dropped_folder(dir, on_folder.clone());
            } else if let Some(file) = crate::browser::dropped_file(&e) {
                e.prevent_default();
                on_file.emit(file);
            }
            on_drag.emit(false);
        })
    };
    let onclear = cb.on_clear.reform(|_: MouseEvent| ());

    // What a pane that holds no text says instead (as text, not a placeholder a phone clips).
    let note = match pane {
        Pane::Archive(a) if a.name.ends_with(".dockerbuild") || a.name.ends_with(".gz") => format!(
            "{} is gzip-compressed (a build record export from docker buildx history export, or a gzipped image archive): it was decompressed here and is described below. Clear it to paste instead.",
            a.name
        ),
        Pane::Archive(a) if a.folder => format!(
            "{} is an image layout folder: only its small JSON files are read (never layers), and it is described below. Clear it to paste instead.",
            a.name
        ),
        Pane::Archive(a) => format!(
            "{} is an image archive: it is read by ranges (tar headers and small JSON documents only) and described below. Clear it to paste instead.",
            a.name
        ),
        Pane::Doc(d) if d.hidden => format!(
            "{} is too large to show here; it was analysed from its exact bytes. Clear it to paste instead.",
            d.name.as_deref().unwrap_or("The file")
        ),
        Pane::Doc(_) | Pane::Empty | Pane::Failed(_) => String::new(),
    };
    let placeholder = format!(
        "Paste the {role} input here (an image config, cache, manifest…), or drop a file or an image layout folder on this pane."
    );
    let onpaste = cb.on_paste.reform(|_: Event| ());
    let onundo = cb.on_undo.reform(|_: MouseEvent| ());
    let onhelp = cb.on_help.reform(|_: MouseEvent| ());

    let info = pane.ok().map(|a| {
        let digest = a.digest.to_string();
        html! {
            <dl class="facts">
                <div>
                    <dt>{ "Kind" }</dt>
                    <dd data-testid={format!("{side}-kind")}>{ a.kind.describe() }</dd>
                </div>
                <div>
                    <dt>{ "Size" }</dt>
                    <dd data-testid={format!("{side}-size")}>{ size_text(a.size as u64) }</dd>
                </div>
                <div class="digest-row">
                    <dt>{ "Digest" }</dt>
                    <dd>
                        <code class="digest" data-testid={format!("{side}-digest")}>{ digest.clone() }</code>
                        <CopyButton
                            copy_key={format!("{side}-digest")}
                            text={digest}
                            what={format!("{side} digest")}
                            copied={props.copied.clone()}
                            on_copy={cb.on_copy.clone()}
                        />
                    </dd>
                </div>
            </dl>
        }
    });
    // A `--metadata-file` output: where the build's results are and how to fetch them.
    let build = pane
        .ok()
        .filter(|a| a.kind == cachelens_core::Kind::BuildxMetadata)
        .map(|a| {
            let m = cachelens_core::buildx::metadata(&a.original);
            let commands = m.commands.join("\n");
            html! {
                <div class="build-pointer" data-testid={format!("{side}-build-pointer")}>
                    <dl class="facts">
                        if let Some(r) = &m.reference {
                            <div><dt>{ "Build ref" }</dt><dd><code>{ r.clone() }</code></dd></div>
                        }
                        if let Some(root) = &m.root {
                            <div>
                                <dt>{ "Root" }</dt>
                                <dd>
                                    <code class="digest">{ root.digest.to_string() }</code>
                                    <span class="muted">{ format!(" {}", if root.is_index() { "an image index" } else { "an image manifest" }) }</span>
                                </dd>
                            </div>
                        }
                    </dl>
                    if commands.is_empty() {
                        <p class="muted">{ "This metadata names no build ref and root descriptor, so cachelens cannot say how to fetch the build's manifest and config." }</p>
                    } else {
                        <p>{ "The image is not here. Fetch its index, manifest and config from the build record (no push, no load, no layer moved), then open the folder here:" }</p>
                        <pre class="commands" data-testid="fetch-commands">{ commands.clone() }</pre>
                        <CopyButton
                            copy_key={format!("{side}-commands")}
                            text={commands}
                            what={format!("{side} commands")}
                            copied={props.copied.clone()}
                            on_copy={cb.on_copy.clone()}
                        />
                        <p class="muted">{ format!("Or export the whole record and open it here: docker buildx history export {} -o build.dockerbuild", m.reference.clone().unwrap_or_default()) }</p>
                    }
                </div>
            }
        });
    let error = pane
        .error()
        .map(|e| {
            html! {
                <>
                    <p class="error" data-testid="error" role="alert">{ located(e) }</p>
                    <p class="muted status-line">{ size_text(pane.bytes().len() as u64) }</p>
                </>
            }
        })
        .or_else(|| {
            pane.failed().map(|m| {
                html! { <p class="error" data-testid="error" role="alert">{ m.to_string() }</p> }
            })
        });
    let warnings = pane.ok().filter(|a| !a.warnings.is_empty()).map(|a| {
        html! {
            <ul class="warnings">
                { for a.warnings.iter().map(|w| html! {
                    <li class="warning" data-testid="warning">{ located(w) }</li>
                }) }
            </ul>
        }
    });
    let archive = pane.archive().and_then(|a| a.read.clone()).map(|a| {
        html! {
            <ArchiveView
                side={side.to_owned()}
                archive={a}
                copied={props.copied.clone()}
                on_copy={cb.on_copy.clone()}
            />
        }
    });
    let reading = |what: &str| Some(html! { <p class="muted status-line">{ what.to_owned() }</p> });
    let status = if !pane.pending() {
        None
    } else if pane.archive().is_some_and(|a| a.folder) {
        reading("Reading the folder…")
    } else if pane.archive().is_some() {
        reading("Reading the archive…")
    } else {
        reading("Analysing…")
    };
    let status = if status.is_some() {
        status
    } else if pane.is_blank() {
        Some(html! {
            <p class="muted status-line">
                { "Empty. " }
                <button type="button" class="link-button" data-testid={format!("{side}-help")} onclick={onhelp}>
                    { "How to get these files" }
                </button>
            </p>
        })
    } else {
        None
    };

    html! {
        <section
            class={classes!("pane", props.dragging.then_some("dragging"))}
            aria-labelledby={title_id.clone()}
            {ondragover}
            {ondragleave}
            {ondrop}
        >
            <div class="pane-head">
                <h2 id={title_id}>{ title }<span class="muted">{ format!(" ({role})") }</span></h2>
                <div class="pane-actions">
                    { super::chooser("Choose file…", super::Pick::File, format!("{side}-file"), format!("Choose the {side} file"), onchange) }
                    if folders {
                        { super::chooser("Open folder…", super::Pick::Folder, format!("{side}-folder"), format!("Open an OCI layout folder on the {side}"), onfolderchange) }
                    }
                    <button
                        type="button"
                        class="button"
                        onclick={onclear}
                        disabled={pane.is_blank()}
                        aria-label={format!("Clear the {side} input")}
                    >
                        { "Clear" }
                    </button>
                </div>
            </div>
            if props.undo {
                <p class="undo" role="status">
                    { format!("{title} input cleared. ") }
                    <button type="button" class="button" data-testid={format!("{side}-undo")} onclick={onundo}>
                        { "Undo" }
                    </button>
                </p>
            }
            if let Some(name) = pane.name() {
                <p class="file-name">
                    <span class="muted">{ if pane.archive().is_some_and(|a| a.folder) { "Folder: " } else if pane.from_archive().is_some() { "Archive: " } else { "File: " } }</span>
                    <span data-testid={format!("{side}-name")}>{ name.to_string() }</span>
                    if let Some(detail) = &props.name_detail {
                        <span class="muted" data-testid={format!("{side}-name-detail")}>{ format!(" ({detail})") }</span>
                    }
                </p>
            }
            if pane.from_archive().is_some() {
                <p class="muted archive-note" data-testid={format!("{side}-archive-note")}>
                    { "From a share link of an image archive: the link carries the archive's manifest, config and cache as one document (never a layer), compared as the archive was." }
                </p>
            }
            if note.is_empty() {
                <label for={input_id.clone()} class="visually-hidden">{ format!("{title} input") }</label>
                <textarea
                    id={input_id}
                    data-testid={format!("{side}-input")}
                    class="input"
                    spellcheck="false"
                    autocomplete="off"
                    autocapitalize="off"
                    placeholder={placeholder}
                    aria-describedby={status_id.clone()}
                    value={AttrValue::from(pane.text())}
                    {oninput}
                    {onpaste}
                />
            } else {
                <p class="archive-note" data-testid={format!("{side}-note")}>{ note }</p>
            }
            <div id={status_id} class="pane-status">
                { status.unwrap_or_default() }
                { error.unwrap_or_default() }
                { info.unwrap_or_default() }
                { warnings.unwrap_or_default() }
                { build.unwrap_or_default() }
                { archive.unwrap_or_default() }
            </div>
        </section>
    }
}
