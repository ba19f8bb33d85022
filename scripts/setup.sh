#!/usr/bin/env bash
# Install what building scenarios needs beyond a plain Rust toolchain:
# the wasm32-wasip2 target (this environment disables rustup's auto-install,
# so rust-toolchain.toml alone does not fetch it).
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v rustup >/dev/null 2>&1; then
    rustup target add wasm32-wasip2 >/dev/null 2>&1 || rustup target add wasm32-wasip2
fi
