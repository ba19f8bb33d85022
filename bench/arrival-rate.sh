#!/usr/bin/env bash
# Does constant-arrival-rate hold its rate? RATE iterations/s for SECS
# seconds, each a GET of the demo target's /delay?ms=100 plus a check,
# with enough VUs pre-allocated (rate x 0.1 s x 1.5). Volley on CPU 0, the
# demo target on CPU 1.
#
#   bash bench/arrival-rate.sh [RATE] [SECS]
#
# Prints the iterations run against rate x duration, the dropped
# iterations, and iteration_duration, which for an open model is measured
# from each iteration's intended start.
set -euo pipefail
cd "$(dirname "$0")/.."
RATE=${1:-2000}
SECS=${2:-10}
OUT=bench/out
mkdir -p "$OUT"

bash scripts/setup.sh
if [ -z "${VOLLEY_BIN:-}" ]; then cargo build --release -p volley >&2; fi
cargo build --target wasm32-wasip2 --profile scenario -p bench-get-check >&2
VOLLEY=${VOLLEY_BIN:-target/release/volley}
PIN_SERVER="taskset -c 1"; PIN_LOAD="taskset -c 0"
command -v taskset >/dev/null 2>&1 || { PIN_SERVER=""; PIN_LOAD=""; }

$PIN_SERVER $VOLLEY target --listen 127.0.0.1:18083 >/dev/null &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
sleep 0.5

VUS=$(( RATE * 15 / 100 + 10 ))
cat > "$OUT/arrival.json" <<JSON
{"scenarios": {"open": {"executor": "constant-arrival-rate", "rate": $RATE, "timeUnit": "1s",
  "duration": "${SECS}s", "preAllocatedVUs": $VUS, "maxVUs": $VUS}}}
JSON
$PIN_LOAD $VOLLEY run target/wasm32-wasip2/scenario/bench_get_check.wasm --config "$OUT/arrival.json" \
    -e TARGET_URL=http://127.0.0.1:18083/delay?ms=100 --quiet --no-color \
    --summary-export "$OUT/arrival-export.json" > "$OUT/arrival.txt"

python3 - "$OUT/arrival-export.json" "$RATE" "$SECS" "$VUS" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))["metrics"]
rate, secs, vus = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
want = rate * secs
done = m["iterations"]["count"]
dropped = m.get("dropped_iterations", {}).get("count", 0)
d = m["iteration_duration"]
print(f"rate {rate}/s for {secs} s with {vus} VUs: {done:.0f} iterations of {want} "
      f"({done / want * 100:.2f}%), {dropped:.0f} dropped")
print(f"iteration_duration (from the intended start): med {d['med']:.1f} ms, "
      f"p(95) {d['p(95)']:.1f} ms, max {d['max']:.1f} ms")
PY
