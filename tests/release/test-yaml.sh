#!/usr/bin/env bash
# Every YAML file of the repository parses (PyYAML's safe_load); the workflows
# and action.yml validate against GitHub's schemas (check-jsonschema's
# bundled copies, no network); and the release pieces agree with each other:
# the tag trigger, the targets built versus those scripts/install-volley.sh
# asks for, the asset names, SHA256SUMS, the image push, the action's
# download/cache/source-build switch, and CI running `bash .ci/run`.
# Prints "N passed, N failed"; exit 1 if any failed.
#
#   bash tests/release/test-yaml.sh
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/lib/tools-venv.sh
source tests/lib/tools-venv.sh
tools_venv_setup || { echo "0 passed, 1 failed"; exit 1; }

"$TOOLS_PY" - <<'EOF'
import re, subprocess, sys, yaml

passed = failed = 0
def check(ok, what, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok: {what}")
    else:
        failed += 1
        print(f"FAILED: {what}" + (f": {detail}" if detail else ""))

files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z",
                        "*.yml", "*.yaml"], capture_output=True, check=True).stdout.decode().split("\0")
files = sorted(f for f in files if f)
docs = {}
for f in files:
    try:
        docs[f] = [d for d in yaml.safe_load_all(open(f, encoding="utf-8"))]
        check(True, f"parses: {f}")
    except yaml.YAMLError as e:
        check(False, f"parses: {f}", str(e).replace("\n", " "))

def schema(builtin, paths):
    r = subprocess.run(["check-jsonschema", "--builtin-schema", builtin, *paths], capture_output=True, text=True)
    check(r.returncode == 0, f"{builtin} schema: {' '.join(paths)}", (r.stdout + r.stderr).strip())

workflows = [f for f in files if f.startswith(".github/workflows/")]
check(".github/workflows/release.yml" in workflows and ".github/workflows/ci.yml" in workflows,
      "release.yml and ci.yml workflows exist")
if workflows:
    schema("vendor.github-workflows", workflows)
schema("vendor.github-actions", ["action.yml"])

def on(wf):  # YAML 1.1 reads the key `on` as True
    return wf.get("on", wf.get(True))

def steps(wf):
    for job in wf["jobs"].values():
        for s in job.get("steps", []):
            yield s

release = docs.get(".github/workflows/release.yml", [{}])[0]
if release:
    check(on(release)["push"]["tags"] == ["v*"], "release runs on tags v*")
    matrix = release["jobs"]["binaries"]["strategy"]["matrix"]["include"]
    built = {m["target"] for m in matrix}
    wanted = {f"{a}-unknown-linux-{l}" for a in ("x86_64", "aarch64") for l in ("gnu", "musl")} \
        | {f"{a}-apple-darwin" for a in ("x86_64", "aarch64")}
    check(built == wanted, "release builds every target install-volley.sh asks for", f"{sorted(built)}")
    installer = open("scripts/install-volley.sh").read()
    for t in ("unknown-linux-$libc", "apple-darwin", "x86_64", "aarch64"):
        check(t in installer, f"install-volley.sh builds target names with {t}")
    text = open(".github/workflows/release.yml").read()
    check('name="volley-$VERSION-$TARGET"' in text and "ASSET=volley-$VERSION-$TARGET.tar.gz" in installer,
          "asset names agree: volley-VERSION-TARGET.tar.gz")
    check("sha256sum volley-*.tar.gz > SHA256SUMS" in text and "dist/SHA256SUMS" in text,
          "release publishes SHA256SUMS of the archives")
    uses = [s.get("uses", "") for s in steps(release)]
    check(any(u.startswith("docker/build-push-action@") for u in uses), "image built with docker/build-push-action")
    check("ghcr.io/" in text and "imagetools create" in text, "multi-architecture image pushed to ghcr.io")
    oses = {m["os"] for m in release["jobs"]["image"]["strategy"]["matrix"]["include"]}
    check(any(o.endswith("-arm") for o in oses), "arm64 image built on an arm runner", str(oses))
    runs = " ".join(s.get("run", "") for s in steps(release))
    check("cargo build --release --locked -p volley --target" in runs, "binaries: cargo build --release --locked -p volley")

ci = docs.get(".github/workflows/ci.yml", [{}])[0]
if ci:
    check(any(s.get("run", "").strip() == "bash .ci/run" for s in steps(ci)), "CI runs `bash .ci/run`")

action = docs.get("action.yml", [{}])[0]
if action:
    inputs = action["inputs"]
    check("version" in inputs and inputs.get("build-from-source", {}).get("default") == "false",
          "action inputs: version, build-from-source (default false)")
    check("oci://" in inputs["scenario"]["description"], "action documents oci:// scenarios")
    asteps = action["runs"]["steps"]
    check(any(s.get("uses", "").startswith("actions/cache@") for s in asteps), "action caches the binary (actions/cache)")
    check(any("scripts/install-volley.sh" in s.get("run", "") and "--print" not in s.get("run", "") for s in asteps),
          "action downloads with scripts/install-volley.sh")
    cargo = [s for s in asteps if "cargo build --release" in s.get("run", "") and "-p volley" in s.get("run", "")]
    check(len(cargo) == 1 and cargo[0].get("if") == "inputs.build-from-source == 'true'",
          "action builds volley from source only when build-from-source is true")
    run = [s for s in asteps if s.get("id") == "run"]
    check(bool(run) and 'volley run "$SCENARIO"' in run[0]["run"] and "${{" not in run[0]["run"],
          "action's run step reads its inputs from the environment, not interpolated into the script")

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
EOF
