//! Writes a series of rebuilds for `cachelens series` (`cachelens_core::synth::inline_config_series`):
//! BUILDS image configs with inline caches of about RECORDS records, `DIR/build-NN.json`, every
//! one renumbered its own way, the cache in one of three states changing every 10 builds.
//!
//! `cargo run --profile release-native -p cachelens-core --example series_inputs -- DIR [RECORDS] [BUILDS]`
//! (default 1000 records, 50 builds). Used by `benches/series-rss.sh`.

use cachelens_core::synth::inline_config_series;
use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .ok_or("usage: series_inputs DIR [RECORDS] [BUILDS]")?;
    let records: usize = args.next().map_or(Ok(1000), |a| a.parse())?;
    let builds: usize = args.next().map_or(Ok(50), |a| a.parse())?;
    let dir = Path::new(&dir);
    std::fs::create_dir_all(dir)?;
    for (i, bytes) in inline_config_series(records, builds, 1).iter().enumerate() {
        std::fs::write(dir.join(format!("build-{:02}.json", i + 1)), bytes)?;
    }
    println!(
        "{builds} builds of about {records} records in {}",
        dir.display()
    );
    Ok(())
}
