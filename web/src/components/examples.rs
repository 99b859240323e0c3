//! The example menu: one button per story, with its story shown beside it (as plain text, so
//! Tab goes from example to example; the answer's "Example:" line links the upstream issue); a
//! click fills both panes.

use crate::examples::EXAMPLES;
use yew::prelude::*;

/// Props of [`ExampleMenu`].
#[derive(Debug, Properties, PartialEq)]
pub struct ExampleMenuProps {
    /// The example loaded, if any.
    pub current: Option<&'static str>,
    /// Called with the example id.
    pub on_pick: Callback<&'static str>,
}

/// The examples, as buttons with their stories.
#[function_component(ExampleMenu)]
pub fn example_menu(props: &ExampleMenuProps) -> Html {
    html! {
        <nav class="examples" aria-labelledby="examples-title">
            <h2 id="examples-title">{ "Examples" }</h2>
            <ul>
                { for EXAMPLES.iter().map(|ex| {
                    let id = ex.id;
                    let onclick = props.on_pick.reform(move |_: MouseEvent| id);
                    let pressed = props.current == Some(id);
                    let story_id = format!("example-story-{id}");
                    html! {
                        <li>
                            <button
                                type="button"
                                class={classes!("example", pressed.then_some("current"))}
                                data-testid="example"
                                data-example={id}
                                aria-pressed={pressed.to_string()}
                                aria-describedby={story_id.clone()}
                                {onclick}
                            >
                                { ex.title }
                            </button>
                            <span class="example-story muted" id={story_id} data-testid="example-story">
                                { ex.story }
                            </span>
                        </li>
                    }
                }) }
            </ul>
        </nav>
    }
}
