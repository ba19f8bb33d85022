#!/usr/bin/env bash
# The cost of each scenario language, side by side in one run:
# component size, instantiate time per VU, memory per idle VU, and
# requests/s with 50 VUs doing GET + check against the demo target.
#
#   bash bench/languages.sh [IDLE_VUS] [SECONDS]      (defaults: 1000 10)
#
# Builds every benchmark scenario with the project's scripts (which install
# componentize-py, the npm packages and clang when missing). The demo target
# runs on CPU 1, volley on CPU 0. Memory per VU is the growth of volley's
# proportional set size (PSS, /proc/PID/smaps_rollup) from 1 idle VU to
# IDLE_VUS idle VUs, divided by the VUs added; RSS is shown beside it (it
# counts shared file-backed pages once per process, not per VU, but the
# copy-on-write heap images of interpreted guests once per touched page).
set -euo pipefail
cd "$(dirname "$0")/.."
VUS=${1:-1000}
SECS=${2:-10}
bash scripts/setup.sh
if [ -z "${VOLLEY_BIN:-}" ]; then cargo build -q --release -p volley; fi
cargo build -q --target wasm32-wasip2 --profile scenario -p bench-get-check -p bench-sleepy
VOLLEY=${VOLLEY_BIN:-$PWD/target/release/volley}
OUT=target/bench-languages
mkdir -p "$OUT"
cp target/wasm32-wasip2/scenario/bench_get_check.wasm "$OUT/rust-get-check.wasm"
cp target/wasm32-wasip2/scenario/bench_sleepy.wasm "$OUT/rust-idle.wasm"
bash scripts/build-python.sh bench/scenarios/python get_check "$OUT/python-get-check.wasm" >/dev/null
bash scripts/build-python.sh bench/scenarios/python idle "$OUT/python-idle.wasm" >/dev/null
bash scripts/build-js.sh bench/scenarios/js/get_check.js "$OUT/js-get-check.wasm" >/dev/null
bash scripts/build-js.sh bench/scenarios/js/idle.js "$OUT/js-idle.wasm" >/dev/null
bash scripts/build-c.sh bench/scenarios/c/get_check "$OUT/c-get-check.wasm" >/dev/null
bash scripts/build-c.sh bench/scenarios/c/idle "$OUT/c-idle.wasm" >/dev/null

PIN_SERVER="taskset -c 1"; PIN_LOAD="taskset -c 0"
command -v taskset >/dev/null 2>&1 || { PIN_SERVER=""; PIN_LOAD=""; }
$PIN_SERVER "$VOLLEY" target --listen 127.0.0.1:18082 >/dev/null &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
sleep 0.5

# Compile each component once so that the cache serves the measured runs.
for f in "$OUT"/*.wasm; do "$VOLLEY" inspect "$f" >/dev/null; done

# idle LANG VUS -> "pss_kib rss_kib init_line": peak PSS and RSS of an idle run.
idle() {
    local log="$OUT/$1-idle-$2.log"
    $PIN_LOAD "$VOLLEY" run "$OUT/$1-idle.wasm" --vus "$2" --duration "${SECS}s" -e IDLE=1 \
        -q --no-summary 2>"$log" &
    local pid=$! pss=0 rss=0 p r
    while kill -0 "$pid" 2>/dev/null; do
        p=$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null || true)
        r=$(awk '/^Rss:/ {print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null || true)
        [ -n "$p" ] && [ "$p" -gt "$pss" ] && pss=$p
        [ -n "$r" ] && [ "$r" -gt "$rss" ] && rss=$r
        sleep 0.5
    done
    wait "$pid" || true
    echo "$pss $rss $(grep -ho 'initialised [0-9]* VUs in [0-9.]*[a-zµ]*' "$log" | awk '{print $5}')"
}

rows=()
for lang in rust c js python; do
    size=$(stat -c %s "$OUT/$lang-get-check.wasm")
    read -r pss1 rss1 _ < <(idle "$lang" 1)
    read -r pssn rssn init < <(idle "$lang" "$VUS")
    export_file="$OUT/$lang-rps.json"
    $PIN_LOAD "$VOLLEY" run "$OUT/$lang-get-check.wasm" --vus 50 --duration "${SECS}s" \
        -e TARGET_URL=http://127.0.0.1:18082/health -q --no-summary \
        --summary-export "$export_file" 2>/dev/null || true
    rps=$(python3 -c "import json,sys; print(round(json.load(open(sys.argv[1]))['metrics']['http_reqs']['rate']))" "$export_file")
    rows+=("$lang $size $pss1 $pssn $rss1 $rssn ${init:-?} $rps")
done

python3 - "$VUS" "${rows[@]}" <<'PY'
import re, sys
n = int(sys.argv[1])
def secs(t):
    m = re.match(r"([\d.]+)(ms|µs|s)", t)
    return float(m.group(1)) * {"s": 1, "ms": 1e-3, "µs": 1e-6}[m.group(2)] if m else float("nan")
rows = [r.split() for r in sys.argv[2:]]
rust_rps = next(int(r[7]) for r in rows if r[0] == "rust")
print(f"| language | component | instantiate / VU | PSS / idle VU ({n} VUs) | RSS / idle VU | requests/s (50 VUs) | vs Rust |")
print("|---|---|---|---|---|---|---|")
for lang, size, pss1, pssn, rss1, rssn, init, rps in rows:
    per_pss = (int(pssn) - int(pss1)) / (n - 1)
    per_rss = (int(rssn) - int(rss1)) / (n - 1)
    inst = secs(init) / n * 1e3
    print(f"| {lang} | {int(size)/1e6:.2f} MB | {inst:.3f} ms | {per_pss:.0f} KiB | {per_rss:.0f} KiB | {int(rps):,} | {int(rps)/rust_rps:.2f} |")
PY
