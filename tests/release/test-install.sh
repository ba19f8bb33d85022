#!/usr/bin/env bash
# scripts/install-volley.sh against a fake release served on loopback by
# `python3 -m http.server` (started here, stopped by its PID): a tarball
# holding a small shell script named volley, and SHA256SUMS. Checks that the
# right archive installs; that a tampered one, an archive SHA256SUMS does not
# list, a missing asset and an unreachable server are refused with a clear
# error and a non-zero exit, installing nothing; that "latest" resolves.
# Prints "N passed, N failed"; exit 1 if any failed.
#
#   bash tests/release/test-install.sh
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
repo=$PWD
install=$repo/scripts/install-volley.sh

work=$(mktemp -d)
server_pid=
cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null
        wait "$server_pid" 2>/dev/null
    fi
    rm -rf "$work"
}
trap cleanup EXIT
passed=0 failed=0
ok() { echo "ok: $*"; passed=$((passed + 1)); }
bad() { echo "FAILED: $*"; failed=$((failed + 1)); }

target=$(bash "$install" --print-target) || { echo "FAILED: --print-target"; echo "0 passed, 1 failed"; exit 1; }
srv=$work/srv

# release VERSION [tamper|unlisted|no-asset]: a release folder as GitHub serves it.
release() {
    local v=$1 how=${2:-} name=volley-$1-$target dir=$srv/v$1
    mkdir -p "$dir" "$work/build/$name"
    # A stand-in: --version says which, `run` logs its arguments one a line.
    printf '#!/bin/sh\nif [ "$1" = --version ]; then echo "volley %s (fake release build)"; exit 0; fi\nprintf "%%s\\n" "$@" > "${FAKE_VOLLEY_LOG:-/dev/null}"\nexit "${FAKE_VOLLEY_EXIT:-0}"\n' "$v" >"$work/build/$name/volley"
    chmod +x "$work/build/$name/volley"
    tar -czf "$dir/$name.tar.gz" -C "$work/build" "$name"
    # Another target's line too, as in a real SHA256SUMS.
    (cd "$dir" && sha256sum "$name.tar.gz" >SHA256SUMS \
        && echo "0000000000000000000000000000000000000000000000000000000000000000  volley-$v-other-target.tar.gz" >>SHA256SUMS)
    case $how in
        tamper)
            printf '#!/bin/sh\necho "owned"\n' >"$work/build/$name/volley"
            tar -czf "$dir/$name.tar.gz" -C "$work/build" "$name"
            ;;
        unlisted) sed -i "/ $name.tar.gz\$/d" "$dir/SHA256SUMS" ;;
        no-asset) rm "$dir/$name.tar.gz" ;;
    esac
}
release 1.2.3
release 6.6.6 tamper
release 3.0.0 unlisted
release 2.0.0 no-asset
# What GitHub's /releases/latest redirects to: a page under /tag/vVERSION.
mkdir -p "$srv/tag/v1.2.3" && echo release >"$srv/tag/v1.2.3/index.html"

python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$srv" >"$work/server.log" 2>&1 &
server_pid=$!
port=
for _ in $(seq 1 100); do
    port=$(sed -n 's/.*port \([0-9][0-9]*\).*/\1/p' "$work/server.log" | head -n 1)
    [ -n "$port" ] && break
    sleep 0.05
done
[ -n "$port" ] || { echo "FAILED: http.server did not start: $(cat "$work/server.log")"; echo "0 passed, 1 failed"; exit 1; }
export VOLLEY_RELEASE_BASE_URL=http://127.0.0.1:$port
unset VOLLEY_RELEASE_LATEST_URL VOLLEY_TARGET

inst() { # DEST VERSION: sets $code and $err
    local dest=$1
    shift
    err=$(bash "$install" "$@" "$dest" 2>&1 >/dev/null)
    code=$?
}

# The right archive installs, and runs.
inst "$work/ok" 1.2.3
if [ "$code" = 0 ] && [ -x "$work/ok/volley" ] && [ "$("$work/ok/volley" --version)" = "volley 1.2.3 (fake release build)" ]; then
    ok "correct checksum: installed and runs ($target)"
else
    bad "install 1.2.3 exited $code: $err"
fi
if [[ $err == *"SHA-256 of volley-1.2.3-$target.tar.gz matches SHA256SUMS"* ]]; then ok "says the checksum matched"; else bad "no checksum message: $err"; fi

inst "$work/ok" v1.2.3
if [ "$code" = 0 ]; then ok "v-prefixed version; installs again over itself"; else bad "reinstall v1.2.3 exited $code: $err"; fi

# A tampered archive is refused.
inst "$work/tampered" 6.6.6
if [ "$code" != 0 ] && [[ $err == *"checksum mismatch for volley-6.6.6-$target.tar.gz"* ]] && [ ! -e "$work/tampered/volley" ]; then
    ok "tampered tarball refused (exit $code): ${err##*error: }"
else
    bad "tampered tarball: exit $code, installed: $(ls "$work/tampered" 2>/dev/null), $err"
fi

# An archive SHA256SUMS does not list is refused.
inst "$work/unlisted" 3.0.0
if [ "$code" != 0 ] && [[ $err == *"has no line for volley-3.0.0-$target.tar.gz"* ]] && [ ! -e "$work/unlisted/volley" ]; then
    ok "unlisted archive refused (exit $code)"
else
    bad "unlisted archive: exit $code, $err"
fi

# A missing asset, a missing release: clear errors.
inst "$work/missing" 2.0.0
if [ "$code" != 0 ] && [[ $err == *"volley-2.0.0-$target.tar.gz not found"*"HTTP 404"* ]]; then
    ok "missing asset: ${err##*error: }"
else
    bad "missing asset: exit $code, $err"
fi
inst "$work/missing" 9.9.9
if [ "$code" != 0 ] && [[ $err == *"SHA256SUMS not found"*"HTTP 404"*"release v9.9.9"* ]]; then
    ok "missing release: clear error (exit $code)"
else
    bad "missing release: exit $code, $err"
fi

# latest: from the page the latest URL leads to.
inst "$work/latest" latest
if [ "$code" != 0 ] && [[ $err == *"name a version"* ]]; then
    ok "latest without a latest URL under a custom base URL: asks for a version"
else
    bad "latest without VOLLEY_RELEASE_LATEST_URL: exit $code, $err"
fi
VOLLEY_RELEASE_LATEST_URL=http://127.0.0.1:$port/tag/v1.2.3/ inst "$work/latest" latest
if [ "$code" = 0 ] && [ "$("$work/latest/volley" --version)" = "volley 1.2.3 (fake release build)" ]; then
    ok "latest resolves to v1.2.3 and installs"
else
    bad "latest: exit $code, $err"
fi

# action.yml's steps, run here (tests/release/run-action.py) as the action at
# tag v1.2.3 of volley-rs/volley: download, verify, PATH, volley run.
# shellcheck source=tests/lib/tools-venv.sh
source "$repo/tests/lib/tools-venv.sh"
if tools_venv_setup; then
    mkdir -p "$work/_actions/volley-rs/volley"
    ln -s "$repo" "$work/_actions/volley-rs/volley/v1.2.3"
    action() { # NAME [INPUT=VALUE...]: sets $code, $log (what volley run got), $out
        local name=$1
        shift
        mkdir -p "$work/action-$name"
        out=$(cd "$work/action-$name" && FAKE_VOLLEY_LOG="$work/action-$name/args" "$TOOLS_PY" "$repo/tests/release/run-action.py" \
            "$repo/action.yml" "$work/action-$name" "$work/_actions/volley-rs/volley/v1.2.3" "$@" 2>&1)
        code=$?
        log=$(cat "$work/action-$name/args" 2>/dev/null | tr '\n' '|')
    }
    action pass scenario=oci://ghcr.io/acme/checkout:v3 'args=--vus 20 -e "GREETING=hello world"'
    if [ "$code" = 0 ] && [[ $out == *"output exit-code=0"* ]] && [[ $out == *"output version=volley 1.2.3 (fake release build)"* ]]; then
        ok "action at v1.2.3 installs the v1.2.3 release binary (checksum verified) and runs it"
    else
        bad "action: exit $code: $out"
    fi
    if [[ $log == "run|oci://ghcr.io/acme/checkout:v3|--vus|20|-e|GREETING=hello world|--quiet|"* ]] \
        && [[ $log == *"|--results|volley-results.json|--junit|volley-junit.xml|--html|volley-report.html|" ]]; then
        ok "action: oci:// scenario and args passed to volley run as given"
    else
        bad "action: volley run got $log"
    fi
    FAKE_VOLLEY_EXIT=99 action fail99 scenario=s.wasm
    if [ "$code" = 99 ] && [[ $out == *"output exit-code=99"* ]]; then
        ok "action: volley's exit code 99 is the step's and the output's"
    else
        bad "action with exit 99: exit $code: $out"
    fi
    action install-only
    if [ "$code" = 0 ] && [ -z "$log" ] && [[ $out == *"step skipped: Run"* ]] \
        && [ -x "$(head -n 1 "$work/action-install-only/github-path")/volley" ]; then
        ok "action without a scenario: installs volley on PATH, runs nothing"
    else
        bad "action install-only: exit $code, ran: $log; $out"
    fi
    action tampered scenario=s.wasm version=6.6.6
    if [ "$code" != 0 ] && [[ $out == *"checksum mismatch"* ]] && [ -z "$log" ]; then
        ok "action: a tampered release fails the step before any run"
    else
        bad "action with a tampered release: exit $code, ran: $log; $out"
    fi
else
    bad "tools venv for the action's test"
fi

# Nothing listening.
kill "$server_pid" 2>/dev/null
wait "$server_pid" 2>/dev/null
server_pid=
inst "$work/down" 1.2.3
if [ "$code" != 0 ] && [[ $err == *"cannot download SHA256SUMS from http://127.0.0.1:$port/v1.2.3/SHA256SUMS"* ]]; then
    ok "server down: ${err##*error: }"
else
    bad "server down: exit $code, $err"
fi

# Usage errors.
inst "$work/usage" 1.2
if [ "$code" = 2 ] && [[ $err == *"not a version: 1.2"* ]]; then ok "bad version: exit 2"; else bad "bad version: exit $code, $err"; fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
