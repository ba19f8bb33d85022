#!/usr/bin/env bash
# Build a C scenario into a component:
#   bash scripts/build-c.sh example-scenarios/c/hello [OUT.wasm]
# Every .c file in DIR is compiled with sdk/c/volley.c and the bindings of
# the volley:scenario world. Toolchain: Debian's clang-19, lld-19, wasi-libc
# and libclang-rt-19-dev-wasm32 (installed here when missing, with apt), and
# tools/guest-tools (bindings and the core-module-to-component step, built
# with cargo).
set -euo pipefail
DIR=$(realpath "${1:?usage: build-c.sh DIR [OUT.wasm]}")
OUT=$(realpath -m "${2:-$(dirname "$0")/../target/c/$(basename "$DIR").wasm}")
cd "$(dirname "$0")/.."
if ! command -v clang-19 >/dev/null 2>&1 || ! command -v wasm-ld-19 >/dev/null 2>&1 \
    || [ ! -e /usr/lib/wasm32-wasi/libc.a ] \
    || ! ls /usr/lib/llvm-19/lib/clang/19/lib/wasi/libclang_rt.builtins-wasm32.a >/dev/null 2>&1; then
    echo "build-c.sh: installing clang-19, lld-19, wasi-libc, libclang-rt-19-dev-wasm32 (apt)" >&2
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get install -y -q clang-19 lld-19 wasi-libc libclang-rt-19-dev-wasm32 >/dev/null \
        || { $SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q clang-19 lld-19 wasi-libc libclang-rt-19-dev-wasm32 >/dev/null; }
fi
cargo build -q --release --locked -p volley-guest-tools
TOOLS=target/release/volley-guest-tools
GEN=$(mktemp -d)
trap 'rm -rf "$GEN"' EXIT
mkdir -p "$(dirname "$OUT")"
"$TOOLS" c-bindings wit "$GEN"
CORE="$OUT.core"
clang-19 --target=wasm32-wasi -mexec-model=reactor -O2 -Wall -Wextra -Werror=implicit-function-declaration \
    -I "$GEN" -I sdk/c -o "$CORE" \
    "$GEN/scenario.c" "$GEN/scenario_component_type.o" sdk/c/volley.c "$DIR"/*.c
"$TOOLS" component "$CORE" "$OUT"
"$TOOLS" producer "$OUT" sdk volley-c 0.2.0
rm -f "$CORE"
echo "$OUT"
