//! The options: what the comparison ignores, and how the documents are shown.

use crate::state::{ViewLayout, ViewOptions};
use cachelens_core::Options;
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// Props of [`OptionsBar`].
#[derive(Debug, Properties, PartialEq)]
pub struct OptionsProps {
    /// The diff options.
    pub options: Options,
    /// The view options.
    pub view: ViewOptions,
    /// "Ignore timestamps" ticked or not.
    pub on_ignore_timestamps: Callback<bool>,
    /// "Ignore the cache" ticked or not.
    pub on_ignore_cache: Callback<bool>,
    /// "Raw input" ticked or not.
    pub on_raw: Callback<bool>,
    /// A layout chosen.
    pub on_layout: Callback<ViewLayout>,
}

fn checked(e: &Event) -> bool {
    e.target_unchecked_into::<HtmlInputElement>().checked()
}

/// The option toggles (real checkboxes and radio buttons with labels).
#[function_component(OptionsBar)]
pub fn options_bar(props: &OptionsProps) -> Html {
    let on_times = props.on_ignore_timestamps.reform(|e: Event| checked(&e));
    let on_cache = props.on_ignore_cache.reform(|e: Event| checked(&e));
    let on_raw = props.on_raw.reform(|e: Event| checked(&e));
    let on_side = props.on_layout.reform(|_: Event| ViewLayout::SideBySide);
    let on_unified = props.on_layout.reform(|_: Event| ViewLayout::Unified);
    html! {
        <div class="options">
            <fieldset>
                <legend>{ "Compare" }</legend>
                <label class="check">
                    <input
                        type="checkbox"
                        data-testid="option-ignore-timestamps"
                        checked={props.options.ignore_timestamps}
                        onchange={on_times}
                    />
                    { "Ignore timestamps" }
                </label>
                <label class="check">
                    <input
                        type="checkbox"
                        data-testid="option-ignore-cache"
                        checked={props.options.ignore_cache}
                        onchange={on_cache}
                    />
                    { "Ignore the cache" }
                </label>
            </fieldset>
            <fieldset>
                <legend>{ "Show" }</legend>
                <label class="check">
                    <input
                        type="checkbox"
                        data-testid="option-raw"
                        checked={props.view.raw}
                        onchange={on_raw}
                    />
                    { "Raw input (not canonical)" }
                </label>
            </fieldset>
            <fieldset data-testid="view-toggle">
                <legend>{ "Layout" }</legend>
                <label class="check">
                    <input
                        type="radio"
                        name="layout"
                        data-testid="layout-side-by-side"
                        checked={props.view.layout == ViewLayout::SideBySide}
                        onchange={on_side}
                    />
                    { "Side by side" }
                </label>
                <label class="check">
                    <input
                        type="radio"
                        name="layout"
                        data-testid="layout-unified"
                        checked={props.view.layout == ViewLayout::Unified}
                        onchange={on_unified}
                    />
                    { "Unified" }
                </label>
            </fieldset>
        </div>
    }
}
