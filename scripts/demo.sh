#!/usr/bin/env bash
# Quick start: build the `hello` example scenario and run it against
# Volley's embedded demo target on loopback, ending with the summary.
# Extra arguments go to `volley run` (e.g. --vus 20 --duration 30s).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo build --release -p volley
cargo build --target wasm32-wasip2 --profile scenario -p hello
exec target/release/volley run --with-demo-target target/wasm32-wasip2/scenario/hello.wasm "$@"
