#!/usr/bin/env bash
# Build a JavaScript (k6-style) scenario into a component:
#   bash scripts/build-js.sh example-scenarios/js/customer-care/script.js [OUT.wasm]
# Installs the SDK's pinned npm packages (jco, componentize-js, rolldown)
# into sdk/js/node_modules on first use. Needs Node.js 18 or later.
set -euo pipefail
SCRIPT=$(realpath "${1:?usage: build-js.sh SCRIPT.js [OUT.wasm]}")
OUT=$(realpath -m "${2:-$(dirname "$0")/../target/js/$(basename "$(dirname "$SCRIPT")").wasm}")
cd "$(dirname "$0")/.."
if ! command -v node >/dev/null 2>&1; then
    echo "build-js.sh: node is missing; install Node.js 18+ (Debian: apt-get install nodejs npm)" >&2
    exit 1
fi
if [ ! -e sdk/js/node_modules/.package-lock.json ]; then
    # `npm install` with the committed lock, not `npm ci`: the registry here
    # did not give npm other platforms' optional native packages, so the lock
    # lacks them, and `npm ci` refuses a lock without them.
    (cd sdk/js && npm install --no-audit --no-fund --loglevel=error)
fi
mkdir -p "$(dirname "$OUT")"
node sdk/js/build.mjs "$SCRIPT" "$OUT"
echo "$OUT"
