#!/usr/bin/env bash
# Build every Rust scenario component of the repository (examples and test
# fixtures) into target/wasm32-wasip2/scenario/*.wasm.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo build --target wasm32-wasip2 --profile scenario \
    -p hello -p customer-care \
    -p reports-workflow -p reports-user-flows -p reports-step-test -p reports-soak -p reports-staged \
    -p fixture -p fixture-wrong-world -p fixture-future-contract -p fixture-hostile \
    -p bench-get-check -p bench-realistic -p bench-sleepy
