#!/usr/bin/env bash
# Checks the Dockerfile without a Docker engine (none runs on the development
# machines): hadolint; the stages, pinned base images, the exact build command
# (`cargo build --release --locked -p volley`), the non-root user, the entry
# point and the OCI labels (dockerfile-parse); and the build context as Docker
# would send it (.dockerignore applied), from which Cargo must load the
# workspace and find the `volley` package. See scripts/check-dockerfile.py.
# Prints "N passed, N failed"; exit 1 if any failed.
#
#   bash scripts/check-dockerfile.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=tests/lib/tools-venv.sh
source tests/lib/tools-venv.sh
tools_venv_setup
exec "$TOOLS_PY" scripts/check-dockerfile.py
