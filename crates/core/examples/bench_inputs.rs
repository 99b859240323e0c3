//! Writes the benchmark inputs: for each size, a renumbered pair with two real changes
//! (`cachelens_core::synth`), as image configs with an inline cache and as registry cache
//! configs, plus the decoded inline cache of each side (what JSON diff tools are given).
//!
//! `cargo run --profile release-native -p cachelens-core --example bench_inputs -- DIR [N...]`
//! (default sizes 1000 10000 100000). Used by `cargo xtask bench-compare` and the browser
//! timing in tests/e2e/perf.spec.ts.

use base64::Engine as _;
use cachelens_core::synth::{Pair, cache_config_pair, inline_config_pair};
use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().ok_or("usage: bench_inputs DIR [RECORDS...]")?;
    let dir = Path::new(&dir);
    let mut sizes: Vec<usize> = args.map(|a| a.parse()).collect::<Result<_, _>>()?;
    if sizes.is_empty() {
        sizes = vec![1_000, 10_000, 100_000];
    }
    std::fs::create_dir_all(dir)?;
    for n in sizes {
        let inline = inline_config_pair(n, 1);
        write_pair(dir, &format!("inline-{n}"), &inline)?;
        for (side, bytes) in [("left", &inline.left), ("right", &inline.right)] {
            let decoded = decoded_cache(bytes)?;
            std::fs::write(dir.join(format!("inline-{n}-{side}.cache.json")), decoded)?;
        }
        write_pair(dir, &format!("registry-{n}"), &cache_config_pair(n, 1))?;
    }
    Ok(())
}

fn write_pair(dir: &Path, name: &str, pair: &Pair) -> std::io::Result<()> {
    std::fs::write(dir.join(format!("{name}-left.json")), &pair.left)?;
    std::fs::write(dir.join(format!("{name}-right.json")), &pair.right)?;
    println!("{name}: {} + {} bytes", pair.left.len(), pair.right.len());
    Ok(())
}

/// The inline cache of an image config, base64-decoded: what `jq -r '."moby.buildkit.cache.v0"'
/// | base64 -d` gives.
fn decoded_cache(config: &[u8]) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    let doc: serde_json::Value = serde_json::from_slice(config)?;
    let value = doc[cachelens_core::detect::INLINE_CACHE_KEY]
        .as_str()
        .ok_or("no inline cache")?;
    Ok(base64::engine::general_purpose::STANDARD.decode(value)?)
}
