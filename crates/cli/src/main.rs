//! The `cachelens` command line (placeholder).
fn main() {}
