//! The floor, as a program: read two files, parse each with serde_json into a `Value` and
//! hash its bytes (sha256). Any tool that answers "what changed" must do at least this, so
//! `cargo xtask bench-compare` times it beside `cachelens diff` and the other tools.
//!
//! `cargo run --profile release-native -p cachelens-core --example bench_floor -- LEFT RIGHT`

use cachelens_core::Digest;
use serde_json::Value;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.len() != 2 {
        return Err("usage: bench_floor LEFT RIGHT".into());
    }
    for path in &paths {
        let bytes = std::fs::read(path)?;
        let value: Value = serde_json::from_slice(&bytes)?;
        let digest = Digest::sha256(&bytes);
        println!("{path}: {} {digest}", type_name(&value));
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
