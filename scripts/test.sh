#!/usr/bin/env bash
# The whole test suite: guests, unit tests, end-to-end tests of the real
# binary against servers on loopback. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build-guests.sh
cargo test --locked -p volley -p volley-sdk
