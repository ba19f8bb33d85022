#!/usr/bin/env bash
# The whole test suite: guests, unit tests, end-to-end tests of the real
# binary against servers on loopback. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build-guests.sh
# Real peers some end-to-end tests start on loopback, from Debian's packages:
# chromium renders the HTML report, prometheus receives remote write, curl
# queries it.
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
command -v curl >/dev/null 2>&1 || missing+=(curl)
if [ ${#missing[@]} -gt 0 ] && command -v apt-get >/dev/null 2>&1; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null) \
        || echo "warning: cannot install ${missing[*]}; the tests that need them will fail" >&2
fi
# Release mode: the end-to-end tests compile real components (an 18 MB Python
# one among them) with the engine, which is slow in an unoptimised build.
cargo test --release --locked -p volley -p volley-sdk
