#!/usr/bin/env bash
# Streaming: STREAMS concurrent server-sent-event streams of EVENTS events
# each from volley's demo target (time to first event 20 ms, 5 ms between
# events), one per VU, every event stamped on the host with the stream_*
# metrics. Prints the engine's CPU time per event (user + system, from
# /proc) and the time to first event as measured against the 20 ms the
# server waits before its first event. Then a second, smaller run (ACCURACY
# streams of 5 events, default 200) compares the moment volley stamped each
# stream's first event with the moment the server's own log says it wrote
# it (`/__stats/streams`, wall clock, µs), both on this machine's clock.
#
#   bash bench/streams.sh [STREAMS] [EVENTS] [ACCURACY]   (default 1000 streams of 100 events, 200)
set -euo pipefail
cd "$(dirname "$0")/.."
STREAMS=${1:-1000}
EVENTS=${2:-100}
ACCURACY=${3:-200}
[ "$ACCURACY" -le 500 ] || { echo "ACCURACY must be at most 500 (the demo target's stream log keeps the newest 500)" >&2; exit 1; }
OUT=bench/out
mkdir -p "$OUT"
if [ -z "${VOLLEY_BIN:-}" ]; then cargo build --release -p volley >&2; fi
cargo build --target wasm32-wasip2 --profile scenario -p fixture >&2
VOLLEY=${VOLLEY_BIN:-target/release/volley}
PIN_SERVER="taskset -c 1"
PIN_LOAD="taskset -c 0"
command -v taskset >/dev/null 2>&1 || { PIN_SERVER=""; PIN_LOAD=""; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
$PIN_SERVER $VOLLEY target --listen "127.0.0.1:$port" >/dev/null 2>&1 &
target=$!
trap 'kill "$target" 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
# One stream per VU; the VUs are initialised before the clock starts.
/usr/bin/time -f "%U %S %M" -o "$OUT/streams.time" $PIN_LOAD $VOLLEY run target/wasm32-wasip2/scenario/fixture.wasm \
    -e MODE=stream -e TOKENS="$EVENTS" -e "BASE_URL=http://127.0.0.1:$port" \
    --vus "$STREAMS" --iterations "$STREAMS" --quiet --no-color --summary-export "$OUT/streams.json" > "$OUT/streams.txt"
python3 - "$OUT/streams.json" "$OUT/streams.time" "$STREAMS" "$EVENTS" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))["metrics"]
user, system, max_kib = (float(x) for x in open(sys.argv[2]).read().split())
streams, events = int(sys.argv[3]), int(sys.argv[4])
got = m["stream_events"]["count"]
checks = m["checks"]
print(f"streams: {streams} x {events} events: {got:.0f} events received, checks {checks['passes']:.0f} passed / {checks['fails']:.0f} failed")
print(f"engine CPU: {(user + system):.2f} s for the whole run (VU start-up included), {(user + system) / got * 1e6:.1f} µs per event; peak RSS {max_kib / 1024:.0f} MiB")
f = m["stream_first_event"]
print(f"time to first event: med {f['med']:.2f} ms, p(95) {f['p(95)']:.2f} ms, max {f['max']:.2f} ms (the server waits 20 ms)")
g = m["stream_event_gap"]
print(f"gap between events: med {g['med']:.2f} ms, p(95) {g['p(95)']:.2f} ms (the server sends every 5 ms)")
PY

# Accuracy of the first-event stamp against the server's log, which keeps
# the newest 500 streams and is emptied before this run. Neither side knows
# the other's stream ids, so the k-th earliest stamp is set against the k-th
# earliest write. That pairing is the true one here: on loopback the bytes
# reach volley's socket (its kernel stamp) during the server's write, the
# server logs when that write returned, and the server's writes follow each
# other on its one core.
curl -fs -X POST "http://127.0.0.1:$port/__stats/reset" > /dev/null
rm -f "$OUT/streams-accuracy.json"
$PIN_LOAD $VOLLEY run target/wasm32-wasip2/scenario/fixture.wasm \
    -e MODE=stream -e TOKENS=5 -e "BASE_URL=http://127.0.0.1:$port" \
    --vus "$ACCURACY" --iterations "$ACCURACY" --quiet --no-color --no-summary \
    --out "json=$OUT/streams-accuracy.json" > /dev/null
curl -fs "http://127.0.0.1:$port/__stats/streams" > "$OUT/streams-server.json"
python3 - "$OUT/streams-accuracy.json" "$OUT/streams-server.json" <<'PY'
import datetime, json, statistics, sys
def epoch_ns(t):
    day, _, rest = t.partition("T")
    rest = rest.rstrip("Z")
    hms, _, frac = rest.partition(".")
    base = datetime.datetime.fromisoformat(f"{day}T{hms}+00:00").timestamp()
    return int(base) * 10**9 + int((frac or "0").ljust(9, "0")[:9])
client = sorted(
    epoch_ns(p["data"]["time"])
    for p in map(json.loads, open(sys.argv[1]))
    if p.get("type") == "Point" and p.get("metric") == "stream_first_event"
)
server = sorted(
    s["first_event_at_us"] * 1000
    for s in json.load(open(sys.argv[2]))
    if s.get("first_event_at_us")
)
if len(client) != len(server) or not client:
    sys.exit(f"accuracy: {len(client)} first-event stamps against {len(server)} server writes")
diff = sorted(abs(c - s) / 1000 for c, s in zip(client, server))
p95 = diff[int(0.95 * (len(diff) - 1))]
print(f"first-event stamp against the server's log ({len(diff)} streams): |difference| med {statistics.median(diff):.1f} µs, p(95) {p95:.1f} µs, max {diff[-1]:.1f} µs")
PY
