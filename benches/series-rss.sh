#!/bin/sh
# Peak memory (maximum resident set size, /usr/bin/time -v) and wall time of `cachelens series`
# on 2 and on 50 generated rebuilds of about 1k cache records each
# (cachelens_core::synth::inline_config_series), with the release-native CLI.
# Memory must grow with the largest input, not with the number of inputs: the 50-input peak is
# held to at most twice the 2-input one (the smaller of: the first two inputs, which are
# equivalent, and the first and last, which differ), and the script fails otherwise.
#
#   sh benches/series-rss.sh [RECORDS]        (default 1000; run from the repository root)
set -eu
records=${1:-1000}
target=${CARGO_TARGET_DIR:-target}
dir="$target/series-inputs-$records"
cargo build -q --profile release-native -p cachelens-cli
cargo run -q --profile release-native -p cachelens-core --example series_inputs -- "$dir" "$records" 50
bin="$target/release-native/cachelens"

# Runs the series on the first N inputs; prints "N peak_kib seconds exit".
measure() {
    n=$1
    files=$(ls "$dir"/build-*.json | head -n "$n")
    # shellcheck disable=SC2086
    /usr/bin/time -v "$bin" series --format json $files > "$dir/out-$n.json" 2> "$dir/time-$n.txt" || true
    peak=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$dir/time-$n.txt")
    wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$dir/time-$n.txt")
    code=$(sed -n 's/.*Exit status: //p' "$dir/time-$n.txt")
    echo "$n $peak $wall $code"
}

# The first and the last input, which differ (so the pair's diff is computed too).
measure_ends() {
    first=$(ls "$dir"/build-*.json | head -n 1)
    last=$(ls "$dir"/build-*.json | tail -n 1)
    /usr/bin/time -v "$bin" series --format json "$first" "$last" > "$dir/out-ends.json" 2> "$dir/time-ends.txt" || true
    peak=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$dir/time-ends.txt")
    wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$dir/time-ends.txt")
    code=$(sed -n 's/.*Exit status: //p' "$dir/time-ends.txt")
    echo "2(first,last) $peak $wall $code"
}

measure 2 > /dev/null # warm the page cache
two=$(measure 2)
ends=$(measure_ends)
fifty=$(measure 50)
echo "inputs peak_RSS_KiB wall exit"
echo "$two"
echo "$ends"
echo "$fifty"
# The smaller of the two 2-input peaks: the stricter bound.
p2=$(echo "$two" | cut -d' ' -f2)
pe=$(echo "$ends" | cut -d' ' -f2)
if [ "$pe" -lt "$p2" ]; then p2=$pe; fi
p50=$(echo "$fifty" | cut -d' ' -f2)
echo "ratio 50/2: $(awk "BEGIN { printf \"%.2f\", $p50 / $p2 }")"
if [ "$p50" -gt $((2 * p2)) ]; then
    echo "FAIL: the 50-input peak is over twice the 2-input peak" >&2
    exit 1
fi
