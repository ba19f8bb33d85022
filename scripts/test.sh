#!/usr/bin/env bash
# The whole test suite: guests, unit tests, end-to-end tests of the real
# binary against servers on loopback. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build-guests.sh
# The HTML report test renders in a real headless browser: Debian's chromium.
if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
        || echo "warning: cannot install chromium; the report rendering test will fail" >&2
fi
cargo test --locked -p volley -p volley-sdk
