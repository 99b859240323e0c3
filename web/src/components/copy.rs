//! A copy button with a short "Copied" confirmation.

use crate::state::Copied;
use cachelens_core::Digest;
use std::rc::Rc;
use yew::prelude::*;

/// What to copy, and which button asked (for the confirmation).
#[derive(Debug, Clone, PartialEq)]
pub struct CopyRequest {
    /// The button's key.
    pub key: Rc<str>,
    /// The text to copy.
    pub text: Rc<str>,
}

/// Props of [`CopyButton`].
#[derive(Debug, Properties, PartialEq)]
pub struct CopyButtonProps {
    /// Identifies this button among all copy buttons.
    pub copy_key: AttrValue,
    /// The text to copy.
    pub text: AttrValue,
    /// What is copied, for screen readers ("left digest").
    pub what: AttrValue,
    /// The last copy, if any.
    pub copied: Option<Copied>,
    /// Called to copy.
    pub on_copy: Callback<CopyRequest>,
}

/// A small button that copies a digest or a path.
#[function_component(CopyButton)]
pub fn copy_button(props: &CopyButtonProps) -> Html {
    let status = props
        .copied
        .as_ref()
        .filter(|c| *c.key == *props.copy_key)
        .map(|c| c.ok);
    let onclick = {
        let request = CopyRequest {
            key: Rc::from(props.copy_key.as_str()),
            text: Rc::from(props.text.as_str()),
        };
        props.on_copy.reform(move |_: MouseEvent| request.clone())
    };
    let (label, class) = match status {
        Some(true) => ("Copied", "copy copied"),
        Some(false) => ("Copy failed", "copy failed"),
        None => ("Copy", "copy"),
    };
    html! {
        <button type="button" class={class} {onclick} aria-label={format!("Copy {}", props.what)}>
            <span aria-hidden="true">{ label }</span>
            if status.is_some() {
                <span class="visually-hidden" role="status">{ label }</span>
            }
        </button>
    }
}

/// A digest in monospace with its copy button (`key` identifies the button, `what` names the
/// digest for screen readers).
pub fn digest_with_copy(
    d: &Digest,
    key: String,
    what: String,
    copied: Option<Copied>,
    on_copy: Callback<CopyRequest>,
) -> Html {
    html! {
        <span class="digest-cell">
            <code class="digest">{ d.to_string() }</code>
            <CopyButton copy_key={key} text={d.to_string()} {what} {copied} {on_copy} />
        </span>
    }
}
