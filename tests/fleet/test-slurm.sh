#!/usr/bin/env bash
# The Slurm recipe against a real single-node Slurm cluster on loopback
# (tests/fleet/slurm-up.sh), first with a stand-in volley
# (tests/fleet/stub-volley.sh) for the recipe's own logic:
#   - srun -n 4 starts tasks 0..3 of 4; a task's exit code 99 is srun's;
#   - deploy/slurm/volley-fleet.sbatch runs segment I/4 in task I with one
#     fleet id and one start instant, publishes segment-I.json, merges the four
#     files on the first node and exits with merge's code (0 and 99);
#   - a segment's own 99 still merges; any other segment failure fails the
#     job without a merge.
# Root only (Slurm runs as root here). Stops the cluster afterwards if it
# started it (VOLLEY_SLURM_KEEP=1 keeps it). Prints "N passed, N failed".
#
#   bash tests/fleet/test-slurm.sh
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
repo=$PWD
DIR=${VOLLEY_SLURM_DIR:-/tmp/volley-slurm}
export VOLLEY_SLURM_DIR=$DIR

passed=0 failed=0
ok() { echo "ok: $*"; passed=$((passed + 1)); }
bad() { echo "FAILED: $*"; failed=$((failed + 1)); }

was_up=0
if [ -s "$DIR/slurmctld.pid" ] && kill -0 "$(cat "$DIR/slurmctld.pid")" 2>/dev/null; then
    was_up=1
fi
bash tests/fleet/slurm-up.sh || { echo "FAILED: slurm-up.sh"; echo "0 passed, 1 failed"; exit 1; }

work=$(mktemp -d /tmp/volley-slurm-test.XXXXXX)
cleanup() {
    cd "$repo" && rm -rf "$work"
    if [ "$was_up" = 0 ] && [ "${VOLLEY_SLURM_KEEP:-0}" != 1 ]; then
        bash "$repo/tests/fleet/slurm-down.sh"
    fi
}
trap cleanup EXIT
# shellcheck source=/dev/null
source "$DIR/env"
cd "$work" || exit 1

# srun: four tasks together, SLURM_PROCID 0..3.
got=$(timeout 60 srun -n 4 bash -c 'echo "$SLURM_PROCID/$SLURM_NTASKS"' | sort | tr '\n' ' ')
if [ "$got" = "0/4 1/4 2/4 3/4 " ]; then ok "srun -n 4: $got"; else bad "srun -n 4 printed '$got'"; fi

timeout 60 srun -n 2 bash -c 'exit 99' 2>/dev/null
code=$?
if [ "$code" = 99 ]; then ok "srun -n 2 'exit 99' exits 99"; else bad "srun -n 2 'exit 99' exited $code"; fi

stub=$repo/tests/fleet/stub-volley.sh
sbatch_run() { # NAME [ENV=VALUE...] -- [volley run flags...]: sets $rc and $out
    local name=$1
    shift
    local envs=()
    while [ "$1" != -- ]; do envs+=("$1"); shift; done
    shift
    mkdir -p "$work/$name"
    out=$work/$name/results
    (cd "$work/$name" && env "${envs[@]}" VOLLEY="$stub" VOLLEY_RESULTS_DIR="$out" VOLLEY_START_DELAY=2 \
        timeout 120 sbatch --wait --quiet --ntasks=4 --output="$work/$name/job.out" \
        "$repo/deploy/slurm/volley-fleet.sbatch" oci://registry.example/volley/scenario:1 "$@")
    rc=$?
}
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }

# A passing fleet.
sbatch_run pass VOLLEY_FLEET_ID=fleet-test -- --vus 10 -e BASE_URL=http://127.0.0.1:1
if [ "$rc" = 0 ]; then ok "sbatch (merge passes) exits 0"; else bad "sbatch exited $rc"; cat "$work/pass/job.out"; fi
segs=() fleets=() starts=()
for i in 0 1 2 3; do
    f=$out/segment-$i.json
    if [ -s "$f" ]; then
        segs+=("$(field "$f" segment)")
        fleets+=("$(field "$f" fleet_id)")
        starts+=("$(field "$f" start_at)")
    fi
done
if [ "${segs[*]:-}" = "0/4 1/4 2/4 3/4" ]; then ok "task I ran --segment I/4"; else bad "segments: ${segs[*]:-none}"; fi
if [ "$(printf '%s\n' "${fleets[@]:-}" | sort -u)" = fleet-test ]; then ok "one --fleet-id"; else bad "fleet ids: ${fleets[*]:-}"; fi
if [ "$(printf '%s\n' "${starts[@]:-}" | sort -u | wc -l)" = 1 ] \
    && [[ ${starts[0]:-} =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]]; then
    ok "one --start-at, RFC 3339: ${starts[0]}"
else
    bad "start instants: ${starts[*]:-}"
fi
if grep -q -- '"--vus","10","-e","BASE_URL=http://127.0.0.1:1"' "$out/segment-0.json" 2>/dev/null; then
    ok "volley run flags passed on"
else
    bad "flags not passed on: $(cat "$out/segment-0.json" 2>/dev/null)"
fi
if ls "$out"/*.partial >/dev/null 2>&1; then bad "a .partial file is left"; else ok "no .partial file left"; fi
inputs=$(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))["inputs"]))' "$out/summary.json" 2>/dev/null)
want="$out/segment-0.json $out/segment-1.json $out/segment-2.json $out/segment-3.json"
if [ "$inputs" = "$want" ]; then ok "merge got the four segments in order"; else bad "merge inputs: '$inputs'"; fi

# A segment's own thresholds fail (99) and so do the fleet's: merged, job exits 99.
sbatch_run fail99 STUB_RUN_EXIT_2=99 STUB_MERGE_EXIT=99 --
if [ "$rc" = 99 ] && [ -s "$out/summary.json" ]; then
    ok "segment 99 still merges; merge's 99 is the job's exit code"
else
    bad "exit $rc, summary $(ls "$out" 2>/dev/null | tr '\n' ' ')"
    cat "$work/fail99/job.out"
fi

# A segment that fails otherwise: no merge, the job fails.
sbatch_run crash STUB_RUN_EXIT_1=3 --
if [ "$rc" != 0 ] && [ ! -e "$out/summary.json" ] && grep -q "no merge" "$work/crash/job.out"; then
    ok "a failed segment fails the job (exit $rc) without a merge"
else
    bad "exit $rc after a failed segment; $(cat "$work/crash/job.out")"
fi

# --- the real engine -------------------------------------------------------------
# volley itself (target/release/volley, built by scripts/test.sh before this
# runs, or VOLLEY_BIN) on four Slurm tasks against a demo target on loopback,
# the test fixture's default mode (GET /health, a check): the merged counts
# equal the server's and a single process's; the merged percentiles equal
# those of every request's duration (each segment's file keeps the values of
# its small series exactly); a threshold only the whole fleet fails makes the
# job exit 99.
volley_bin=${VOLLEY_BIN:-$repo/target/release/volley}
fixture=$repo/target/wasm32-wasip2/scenario/fixture.wasm
if [ ! -x "$volley_bin" ] || [ ! -f "$fixture" ]; then
    bad "real engine: $volley_bin or $fixture missing (run scripts/test.sh, or cargo build --release -p volley and scripts/build-guests.sh)"
    echo "$passed passed, $failed failed"
    exit 1
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$volley_bin" target --listen "127.0.0.1:$port" >"$work/target.log" 2>&1 &
target_pid=$!
trap 'kill "$target_pid" 2>/dev/null; cleanup' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
server_count() { curl -sf "http://127.0.0.1:$port/__stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])'; }
reset_server() { curl -sf -X POST "http://127.0.0.1:$port/__stats/reset" >/dev/null; }
# 120 shared iterations by 8 VUs and 40/s for 2 s (80 ticks): 200 requests.
options() { # THRESHOLDS-JSON
    cat <<EOF
{"scenarios": {
   "shared": {"executor": "shared-iterations", "iterations": 120, "vus": 8},
   "rate": {"executor": "constant-arrival-rate", "rate": 40, "duration": "2s",
            "preAllocatedVUs": 8, "maxVUs": 8}},
 "thresholds": $1}
EOF
}
options '{"http_reqs": ["count==200"], "checks": ["rate==1"]}' >"$work/pass.json"
options '{"http_reqs": ["count<150"]}' >"$work/fleet-only.json"
real_run() { # NAME OPTIONS-FILE: sets $rc and $out
    local name=$1
    mkdir -p "$work/$name"
    out=$work/$name/results
    (cd "$work/$name" && VOLLEY="$volley_bin" VOLLEY_RESULTS_DIR="$out" VOLLEY_FLEET_ID="real-$name" \
        VOLLEY_START_DELAY=3 timeout 180 sbatch --wait --quiet --ntasks=4 --output="$work/$name/job.out" \
        "$repo/deploy/slurm/volley-fleet.sbatch" "$fixture" --config "$2" -e "BASE_URL=http://127.0.0.1:$port" --no-summary)
    rc=$?
}
reset_server
real_run real "$work/pass.json"
served=$(server_count)
if [ "$rc" = 0 ]; then ok "real fleet: sbatch exits 0 (count==200 passes on the merge)"; else bad "real fleet: sbatch exited $rc"; cat "$work/real/job.out"; fi
python3 - "$out" "$served" <<'EOF' && ok "real fleet: merged counts = server = 200; p(50)/p(95) = those of all samples" || bad "real fleet: merged figures"
import json, sys
out, served = sys.argv[1], int(sys.argv[2])
s = json.load(open(f"{out}/summary.json"))["metrics"]
ok = True
def want(what, got, exp):
    global ok
    if got != exp:
        print(f"  {what}: {got}, expected {exp}"); ok = False
want("server requests", served, 200)
want("http_reqs", s["http_reqs"]["count"], 200)
want("iterations", s["iterations"]["count"], 200)
# Every request's duration, from the segments' exact values.
values = []
for i in range(4):
    doc = json.load(open(f"{out}/segment-{i}.json"))
    for m in doc["metrics"]:
        if m["name"] == "http_req_duration":
            for series in m["series"]:
                values += series["trend"]["values"]
want("samples", len(values), 200)
values.sort()
def pct(p):  # k6: rank interpolation
    r = p / 100 * (len(values) - 1)
    lo = int(r)
    hi = min(lo + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (r - lo)
for name, p in (("med", 50), ("p(95)", 95)):
    got, exp = s["http_req_duration"][name], pct(p)
    if abs(got - exp) > max(0.001 * exp, 0.0005):
        print(f"  http_req_duration {name}: merged {got}, all samples {exp}"); ok = False
fleet = json.load(open(f"{out}/fleet.json"))["fleet"]
want("segments merged", [x["segment"] for x in fleet["merged"]], ["0:1/4", "1/4:1/2", "1/2:3/4", "3/4:1"])
sys.exit(0 if ok else 1)
EOF
# The same plan in one process: the same counts.
reset_server
"$volley_bin" run "$fixture" --config "$work/pass.json" -e "BASE_URL=http://127.0.0.1:$port" -q --no-summary \
    --summary-export "$work/single.json" >/dev/null 2>&1
single=$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))["metrics"]; print(int(m["http_reqs"]["count"]), int(m["iterations"]["count"]))' "$work/single.json")
if [ "$single" = "200 200" ] && [ "$(server_count)" = 200 ]; then
    ok "one process of the same plan: 200 requests, 200 iterations"
else
    bad "one process: $single, server $(server_count)"
fi
# Each segment passes count<150 alone (about 50 each); the fleet's 200 fails.
real_run fleet-only "$work/fleet-only.json"
if [ "$rc" = 99 ] && grep -q "volley merge exited with 99" "$work/fleet-only/job.out"; then
    ok "real fleet: a threshold only the whole fleet fails makes the job exit 99"
else
    bad "fleet-only threshold: sbatch exited $rc"
    cat "$work/fleet-only/job.out"
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
