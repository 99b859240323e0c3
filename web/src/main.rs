//! Entry point of the viewer: mounts the [`cachelens_web::App`] on the page body.
fn main() {
    cachelens_web::start();
}
