#!/usr/bin/env bash
# A soak: volley at moderate load for MINUTES with a new URL (and so a new
# tag value) every iteration, its resident memory sampled every 10 s. After
# warm-up (the first fifth of the samples) the memory must be flat: the
# script prints the least-squares slope in KiB per minute, and exits 1 when
# it is above LIMIT KiB/min.
#
#   bash bench/soak.sh [MINUTES] [VUS] [LIMIT]      (default 30 minutes, 50 VUs, 512 KiB/min)
#
# The load: the e2e fixture in mode `unique` (GET /health?n=ITERATION, each
# request its own URL and `name` tag value) against volley's demo target,
# as fast as VUS VUs without think time go.
set -euo pipefail
cd "$(dirname "$0")/.."
MINUTES=${1:-30}
VUS=${2:-50}
LIMIT=${3:-512}
OUT=bench/out
mkdir -p "$OUT"
if [ -z "${VOLLEY_BIN:-}" ]; then cargo build --release -p volley >&2; fi
cargo build --target wasm32-wasip2 --profile scenario -p fixture >&2
VOLLEY=${VOLLEY_BIN:-target/release/volley}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
$VOLLEY target --listen "127.0.0.1:$port" >/dev/null 2>&1 &
target=$!
trap 'kill "$target" 2>/dev/null || true; kill "${run:-0}" 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
$VOLLEY run target/wasm32-wasip2/scenario/fixture.wasm -e MODE=unique -e "BASE_URL=http://127.0.0.1:$port" \
    --vus "$VUS" --duration "${MINUTES}m" --quiet --no-color --summary-export "$OUT/soak.json" > "$OUT/soak.txt" &
run=$!
: > "$OUT/soak-rss.csv"
start=$(date +%s)
while kill -0 "$run" 2>/dev/null; do
    rss=$(awk '/^VmRSS/ {print $2}' "/proc/$run/status" 2>/dev/null || true)
    [ -n "$rss" ] && echo "$(( $(date +%s) - start )),$rss" >> "$OUT/soak-rss.csv"
    sleep 10
done
wait "$run" || true
python3 - "$OUT/soak-rss.csv" "$LIMIT" "$OUT/soak.json" <<'PY'
import json, sys
rows = [tuple(map(float, l.split(","))) for l in open(sys.argv[1]) if l.strip()]
limit = float(sys.argv[2])
if len(rows) < 5:
    print(f"soak: only {len(rows)} samples; run longer"); sys.exit(1)
def slope_per_min(points):
    n = len(points)
    mx = sum(t for t, _ in points) / n
    my = sum(r for _, r in points) / n
    den = max(sum((t - mx) ** 2 for t, _ in points), 1e-9)
    return sum((t - mx) * (r - my) for t, r in points) / den * 60
warm = rows[len(rows) // 5:]
per_min = slope_per_min(warm)
# A leak grows all along; a one-off step (an allocator arena, a table
# resize) tilts the fit above but leaves the second half flat.
late = slope_per_min(rows[len(rows) // 2:])
reqs = json.load(open(sys.argv[3]))["metrics"]["http_reqs"]["count"]
print(f"soak: {reqs:.0f} requests, {len(rows)} RSS samples, {rows[0][1]/1024:.0f} MiB at start, "
      f"{max(r for _, r in rows)/1024:.0f} MiB peak, {rows[-1][1]/1024:.0f} MiB at the end")
print(f"soak: RSS slope after warm-up {per_min:+.1f} KiB/min (limit {limit:.0f}); "
      f"over the second half {late:+.1f} KiB/min")
sys.exit(0 if per_min <= limit else 1)
PY
