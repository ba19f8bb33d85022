#!/usr/bin/env bash
# The Kubernetes recipe, without an API server (none can run here):
#   - renders deploy/kubernetes/fleet.yaml.tmpl with sed for N=4 (as
#     `volley fleet render` would) and checks no placeholder is left;
#   - validates it, the plain files and the kustomize build
#     (`kubectl kustomize` or `kustomize build`, when one is installed) with
#     kubernetes-validate 1.37 --strict;
#   - checks the Indexed Job, the merge Job and that the kustomize build and
#     the template give the same objects for the same settings;
#   - runs the pods' shell scripts with /bin/sh and a stand-in volley
#     (tests/fleet/stub-volley.sh): four segments, the merge, exit codes 0/99,
#     a failed segment, a missing segment.
# Prints "N passed, N failed"; exit 1 if any failed.
#
#   bash tests/fleet/test-kubernetes.sh
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
repo=$PWD
k8s=$repo/deploy/kubernetes
# shellcheck source=tests/lib/tools-venv.sh
source tests/lib/tools-venv.sh
tools_venv_setup || { echo "0 passed, 1 failed"; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
ok() { echo "ok: $*"; passed=$((passed + 1)); }
bad() { echo "FAILED: $*"; failed=$((failed + 1)); }

# The kustomization's settings, so the template can be rendered with them.
eval "$("$TOOLS_PY" - "$k8s/kustomization.yaml" <<'EOF'
import shlex, sys, yaml
k = yaml.safe_load(open(sys.argv[1]))
lits = dict(l.split("=", 1) for l in k["configMapGenerator"][0]["literals"])
image = k["images"][0]
for key in ("SEGMENTS", "SCENARIO", "FLEET_ID", "START_AT"):
    print(f"K_{key}={shlex.quote(lits[key])}")
print(f"K_IMAGE={shlex.quote(image['name'] + ':' + image['newTag'])}")
EOF
)"

render() { # SEGMENTS NAME IMAGE SCENARIO FLEET_ID START_AT [RUN_ARGS]
    sed -e "s|{{SEGMENTS}}|$1|g" -e "s|{{NAME}}|$2|g" -e "s|{{IMAGE}}|$3|g" \
        -e "s|{{SCENARIO}}|$4|g" -e "s|{{FLEET_ID}}|$5|g" -e "s|{{START_AT}}|$6|g" \
        -e "s|{{RUN_ARGS}}|${7---grant-manifest}|g" \
        "$k8s/fleet.yaml.tmpl"
}

# --- render and validate ------------------------------------------------------
render 4 checkout ghcr.io/volley-rs/volley:0.1.0 oci://ghcr.io/acme/checkout-test:v3 \
    fleet-42 2030-01-31T12:00:00Z >"$work/fleet-4.yaml"
if grep -n '{{' "$work/fleet-4.yaml"; then bad "placeholders left after rendering"; else ok "template rendered for N=4"; fi
render "$K_SEGMENTS" volley "$K_IMAGE" "$K_SCENARIO" "$K_FLEET_ID" "$K_START_AT" >"$work/fleet-kustomize-values.yaml"

validate() { # FILE...
    local out
    if out=$(kubernetes-validate --strict --quiet "$@" 2>&1); then
        ok "kubernetes-validate --strict: ${*##*/}"
    else
        bad "kubernetes-validate --strict $*"
        echo "$out"
    fi
}
validate "$work/fleet-4.yaml"
validate "$k8s/results-pvc.yaml" "$k8s/segments-job.yaml" "$k8s/merge-job.yaml"

kustomized=
if command -v kubectl >/dev/null 2>&1 && kubectl kustomize "$k8s" >"$work/kustomized.yaml" 2>"$work/kustomize.err"; then
    kustomized=$work/kustomized.yaml
elif command -v kustomize >/dev/null 2>&1 && kustomize build "$k8s" >"$work/kustomized.yaml" 2>"$work/kustomize.err"; then
    kustomized=$work/kustomized.yaml
elif command -v kubectl >/dev/null 2>&1 || command -v kustomize >/dev/null 2>&1; then
    bad "kustomize build failed: $(cat "$work/kustomize.err")"
else
    echo "note: neither kubectl nor kustomize is installed: the plain files were validated, not the kustomize build"
fi
if [ -n "$kustomized" ]; then
    validate "$kustomized"
fi

# --- structure ------------------------------------------------------------------
check_structure() { # FILE NAME SEGMENTS
    "$TOOLS_PY" - "$@" <<'EOF'
import sys, yaml
path, name, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
objs = {(o["kind"], o["metadata"]["name"]): o for o in yaml.safe_load_all(open(path)) if o}
errors = []
def need(cond, msg):
    if not cond:
        errors.append(msg)
seg = objs.get(("Job", f"{name}-segments"))
merge = objs.get(("Job", f"{name}-merge"))
params = objs.get(("ConfigMap", f"{name}-params"))
pvc = objs.get(("PersistentVolumeClaim", f"{name}-results"))
need(seg and merge and params and pvc, f"objects: {sorted(objs)}")
if not errors:
    s = seg["spec"]
    need(s.get("completionMode") == "Indexed", "segments: completionMode Indexed")
    need(s.get("completions") == n and s.get("parallelism") == n, f"segments: completions = parallelism = {n}")
    need(s.get("backoffLimit") == 0 and merge["spec"].get("backoffLimit") == 0, "backoffLimit 0")
    need(params["data"]["SEGMENTS"] == str(n), "params SEGMENTS")
    need("ReadWriteMany" in pvc["spec"]["accessModes"], "results volume ReadWriteMany")
    for job in (seg, merge):
        pod = job["spec"]["template"]["spec"]
        need(pod["restartPolicy"] == "Never", "restartPolicy Never")
        sc = pod["securityContext"]
        need(sc.get("runAsNonRoot") is True and sc.get("runAsUser") == 65532, "non-root, uid 65532")
        c = pod["containers"][0]
        need(c["envFrom"][0]["configMapRef"]["name"] == f"{name}-params", "env from the params ConfigMap")
        mounts = {m["name"]: m["mountPath"] for m in c["volumeMounts"]}
        need(mounts.get("results") == "/results", "results mounted at /results")
        claims = {v["name"]: v.get("persistentVolumeClaim", {}).get("claimName") for v in pod["volumes"]}
        need(claims.get("results") == f"{name}-results", "the results PVC")
    script = seg["spec"]["template"]["spec"]["containers"][0]["args"][0]
    for piece in ('volley run "$SCENARIO"', '--segment "$JOB_COMPLETION_INDEX/$SEGMENTS"',
                  '--fleet-id "$FLEET_ID"', '--start-at "$START_AT"',
                  'out="$dir/segment-$JOB_COMPLETION_INDEX.json"', '--results "$out.partial"'):
        need(piece in script, f"segment script has {piece}")
    vols = {v["name"]: v for v in seg["spec"]["template"]["spec"]["volumes"]}
    need(vols["scenario"]["configMap"] == {"name": f"{name}-scenario", "optional": True},
         "optional scenario ConfigMap")
    mscript = merge["spec"]["template"]["spec"]["containers"][0]["args"][0]
    need("exec volley merge" in mscript and "--summary-export" in mscript and "--junit" in mscript,
         "merge script runs volley merge --summary-export --junit")
for e in errors:
    print(e)
sys.exit(1 if errors else 0)
EOF
}
if out=$(check_structure "$work/fleet-4.yaml" checkout 4); then ok "template: Indexed Job of 4, merge Job, params, RWX volume, non-root"; else bad "template structure: $out"; fi
if [ -n "$kustomized" ]; then
    if out=$(check_structure "$kustomized" volley "$K_SEGMENTS"); then ok "kustomize build: the same structure"; else bad "kustomize structure: $out"; fi
    # Same settings, same objects: the plain files and the template do not drift apart.
    if out=$("$TOOLS_PY" - "$kustomized" "$work/fleet-kustomize-values.yaml" <<'EOF'
import sys, yaml
def load(p):
    return {(o["kind"], o["metadata"]["name"]): o for o in yaml.safe_load_all(open(p)) if o}
a, b = load(sys.argv[1]), load(sys.argv[2])
if a == b:
    sys.exit(0)
for k in sorted(set(a) | set(b)):
    if a.get(k) != b.get(k):
        print("differs:", k)
sys.exit(1)
EOF
    ); then
        ok "kustomize build == template rendered with the kustomization's settings"
    else
        bad "kustomize build and template differ: $out"
    fi
fi

# --- the pods' scripts, run --------------------------------------------------------
mkdir -p "$work/bin" "$work/results"
ln -s "$repo/tests/fleet/stub-volley.sh" "$work/bin/volley"
"$TOOLS_PY" - "$work/fleet-4.yaml" "$work" <<'EOF'
import sys, yaml
objs = {o["metadata"]["name"]: o for o in yaml.safe_load_all(open(sys.argv[1])) if o}
for job in ("segments", "merge"):
    script = objs[f"checkout-{job}"]["spec"]["template"]["spec"]["containers"][0]["args"][0]
    # The volume is a folder here.
    script = script.replace("/results", sys.argv[2] + "/results")
    open(f"{sys.argv[2]}/{job}.sh", "w").write(script)
EOF
pod_env() { # the ConfigMap's values, as the pods get them
    env PATH="$work/bin:$PATH" SEGMENTS=4 SCENARIO=oci://ghcr.io/acme/checkout-test:v3 \
        FLEET_ID="$1" START_AT=2030-01-31T12:00:00Z MERGE_WAIT_SECONDS="${MERGE_WAIT:-60}" "${@:2}"
}
run_segments() { # FLEET_ID [ENV=VALUE...]: sets seg_codes
    local fleet=$1 pids=() i
    shift
    for i in 0 1 2 3; do
        pod_env "$fleet" JOB_COMPLETION_INDEX=$i "$@" sh "$work/segments.sh" 2>/dev/null &
        pids+=($!)
    done
    seg_codes=""
    for i in 0 1 2 3; do
        wait "${pids[$i]}"
        seg_codes="$seg_codes$? "
    done
}

run_segments fleet-a
dir=$work/results/fleet-a
if [ "$seg_codes" = "0 0 0 0 " ] && [ "$(ls "$dir" | tr '\n' ' ')" = "segment-0.json segment-1.json segment-2.json segment-3.json " ]; then
    ok "four segment pods publish segment-0..3.json"
else
    bad "segments exited '$seg_codes', left: $(ls "$dir" | tr '\n' ' ')"
fi
got=$("$TOOLS_PY" -c 'import json,sys; print(" ".join(json.load(open(f"{sys.argv[1]}/segment-{i}.json"))["segment"] for i in range(4)))' "$dir")
if [ "$got" = "0/4 1/4 2/4 3/4" ]; then ok "pod I runs --segment I/4"; else bad "segments: $got"; fi
if grep -q '"--fleet-id","fleet-a","--start-at","2030-01-31T12:00:00Z"' "$dir/segment-2.json"; then
    ok "--fleet-id and --start-at from the ConfigMap"
else
    bad "segment-2.json: $(cat "$dir/segment-2.json")"
fi
pod_env fleet-a sh "$work/merge.sh" >"$work/merge.out" 2>&1
code=$?
inputs=$("$TOOLS_PY" -c 'import json,sys; print(" ".join(p.rsplit("/",1)[1] for p in json.load(open(sys.argv[1]))["inputs"]))' "$dir/summary.json" 2>/dev/null)
if [ "$code" = 0 ] && [ "$inputs" = "segment-0.json segment-1.json segment-2.json segment-3.json" ]; then
    ok "merge pod merges the four segments in order, exit 0"
else
    bad "merge exited $code with inputs '$inputs': $(cat "$work/merge.out")"
fi

# A segment's own 99 is no failure; the fleet's 99 is the merge Job's.
run_segments fleet-b STUB_RUN_EXIT_3=99
pod_env fleet-b STUB_MERGE_EXIT=99 sh "$work/merge.sh" >"$work/merge.out" 2>&1
code=$?
if [ "$seg_codes" = "0 0 0 0 " ] && [ "$code" = 99 ]; then
    ok "segment 99 -> pod succeeds; merge 99 -> merge pod exits 99"
else
    bad "segments '$seg_codes', merge $code"
fi

# A segment that fails: its pod fails, the merge says which and stops at once.
run_segments fleet-c STUB_RUN_EXIT_1=104
SECONDS=0
pod_env fleet-c sh "$work/merge.sh" >"$work/merge.out" 2>&1
code=$?
if [ "$seg_codes" = "0 104 0 0 " ] && [ "$code" = 1 ] && [ "$SECONDS" -lt 10 ] \
    && grep -q "segment-1.failed exited with 104; no merge" "$work/merge.out" && [ ! -e "$work/results/fleet-c/summary.json" ]; then
    ok "failed segment: pod exits 104, merge fails at once naming it"
else
    bad "segments '$seg_codes', merge $code after ${SECONDS}s: $(cat "$work/merge.out")"
fi

# A segment that never reports: the merge gives up after MERGE_WAIT_SECONDS.
mkdir -p "$work/results/fleet-d"
echo '{}' >"$work/results/fleet-d/segment-0.json"
MERGE_WAIT=0 pod_env fleet-d sh "$work/merge.sh" >"$work/merge.out" 2>&1
code=$?
if [ "$code" = 1 ] && grep -q "no results after 0s from segments: 1 2 3" "$work/merge.out"; then
    ok "missing segments: merge fails naming them"
else
    bad "merge exited $code: $(cat "$work/merge.out")"
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
