//! The floor, as a program: read two files and do on each what any tool that answers "what
//! changed in this cache" must do at least (`cachelens_core::synth::floor`: parse the JSON,
//! decode and parse an inline cache's base64, sha256 the bytes), so `cargo xtask bench-compare`
//! times it beside `cachelens diff` and the other tools.
//!
//! `cargo run --profile release-native -p cachelens-core --example bench_floor -- LEFT RIGHT`

use cachelens_core::synth::floor;
use serde_json::Value;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.len() != 2 {
        return Err("usage: bench_floor LEFT RIGHT".into());
    }
    for path in &paths {
        let bytes = std::fs::read(path)?;
        let (value, cache, digest) = floor(&bytes)?;
        let cache = cache.map_or("no inline cache", |_| "inline cache decoded");
        println!("{path}: {} ({cache}) {digest}", type_name(&value));
    }
    Ok(())
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Object(_) => "object",
        Value::Array(_) => "array",
        _ => "scalar",
    }
}
