//! The cachelens viewer (placeholder until the viewer lands).
use yew::prelude::*;

/// The root component.
#[function_component(App)]
pub fn app() -> Html {
    html! { <main data-testid="app"><h1>{ "cachelens" }</h1></main> }
}

/// Mounts the app on `<body>`.
pub fn start() {
    yew::Renderer::<App>::new().render();
}
