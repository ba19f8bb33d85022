#!/usr/bin/env bash
# Build a Python scenario into a component with componentize-py (PyPI),
# installing it when missing:
#   bash scripts/build-python.sh example-scenarios/python/customer-care [app] [OUT.wasm]
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:?usage: build-python.sh DIR [MODULE] [OUT]}
MODULE=${2:-app}
OUT=${3:-target/python/$(basename "$DIR").wasm}
if ! command -v componentize-py >/dev/null 2>&1; then
    python3 -m pip install -q componentize-py==0.25.1
fi
mkdir -p "$(dirname "$OUT")"
componentize-py -d wit -w scenario componentize -p "$DIR" -p sdk/python "$MODULE" -o "$OUT" >/dev/null
echo "$OUT"
