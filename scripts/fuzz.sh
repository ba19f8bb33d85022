#!/usr/bin/env bash
# The property tests of the engine's input parsers, at length: thresholds,
# the options JSON, durations and sizes, damaged results files (merge,
# report), the HTTP/1.1 response parser and chunked decoder against
# httparse and hyper, and the execution-segment arithmetic. CI runs 128
# cases of each; this runs CASES (default 20000).
#
#   bash scripts/fuzz.sh [CASES]
set -euo pipefail
cd "$(dirname "$0")/.."
export PROPTEST_CASES=${1:-20000}
echo "fuzz: $PROPTEST_CASES cases per property" >&2
cargo test --release -p volley --lib -- robustness http::h1::differential segment::proptests
