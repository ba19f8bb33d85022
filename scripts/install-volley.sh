#!/usr/bin/env bash
# Install a released volley binary: download the archive for this machine,
# check it against the release's SHA256SUMS, and install `volley` into DEST.
#
#   scripts/install-volley.sh [VERSION] [DEST]
#       VERSION  0.2.0, v0.2.0 or latest (default: latest)
#       DEST     the folder to install into (default: ~/.local/bin)
#   scripts/install-volley.sh --print-target     the release target for this machine
#   scripts/install-volley.sh --print-version V  V as a version number (resolves latest)
#
# Assets are volley-VERSION-TARGET.tar.gz next to SHA256SUMS in the release
# tagged vVERSION. TARGET is x86_64/aarch64-unknown-linux-gnu (glibc 2.35 or
# newer), x86_64/aarch64-unknown-linux-musl (static: Alpine, older glibc), or
# aarch64/x86_64-apple-darwin.
#
# Environment:
#   VOLLEY_REPO                owner/name on GitHub (default volley-rs/volley)
#   VOLLEY_RELEASE_BASE_URL    where releases are (default
#                              https://github.com/$VOLLEY_REPO/releases/download):
#                              assets are read from BASE/vVERSION/ASSET
#   VOLLEY_RELEASE_LATEST_URL  the page that redirects to the latest release's
#                              tag (default https://github.com/$VOLLEY_REPO/releases/latest)
#   VOLLEY_TARGET              the target to download, instead of detecting it
#
# Exit codes: 0 installed; 1 download, checksum or install failed; 2 usage or
# no release build for this machine.
set -euo pipefail

REPO=${VOLLEY_REPO:-volley-rs/volley}
BASE_URL=${VOLLEY_RELEASE_BASE_URL:-https://github.com/$REPO/releases/download}
BASE_URL=${BASE_URL%/}
# The oldest glibc the -gnu builds run on (they are built on Ubuntu 22.04).
MIN_GLIBC=2.35

say() { echo "install-volley: $*" >&2; }
die() { say "error: $1"; exit "${2:-1}"; }

# A dotted version is at least another (sort -V).
version_at_least() { # HAVE WANT
    [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n 1)" = "$2" ]
}

detect_target() {
    if [ -n "${VOLLEY_TARGET:-}" ]; then
        echo "$VOLLEY_TARGET"
        return
    fi
    local os arch libc glibc
    os=$(uname -s)
    arch=$(uname -m)
    case $arch in
        x86_64 | amd64) arch=x86_64 ;;
        aarch64 | arm64) arch=aarch64 ;;
        *) die "no release build for the $arch processor: build from source (cargo build --release -p volley)" 2 ;;
    esac
    case $os in
        Linux)
            libc=musl
            glibc=$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}' || true)
            if [ -n "$glibc" ] && version_at_least "$glibc" "$MIN_GLIBC"; then
                libc=gnu
            fi
            echo "$arch-unknown-linux-$libc"
            ;;
        Darwin) echo "$arch-apple-darwin" ;;
        *) die "no release build for $os: build from source (cargo build --release -p volley)" 2 ;;
    esac
}

# GET URL into FILE; on failure, say what failed, with the HTTP status.
fetch() { # URL FILE WHAT
    local code
    code=$(curl -sSL --retry 3 --retry-delay 1 --connect-timeout 20 -o "$2" -w '%{http_code}' "$1" 2>"$2.err") || {
        die "cannot download $3 from $1: $(tail -n 1 "$2.err")"
    }
    case $code in
        200) ;;
        404) die "$3 not found at $1 (HTTP 404): is there a release $TAG with a build for $TARGET?" ;;
        *) die "cannot download $3 from $1 (HTTP $code)" ;;
    esac
}

resolve_version() { # VERSION -> a version number without v
    local v=$1 url effective
    if [ "$v" = latest ]; then
        if [ -n "${VOLLEY_RELEASE_BASE_URL:-}" ] && [ -z "${VOLLEY_RELEASE_LATEST_URL:-}" ]; then
            die "name a version: latest cannot be found under VOLLEY_RELEASE_BASE_URL (or set VOLLEY_RELEASE_LATEST_URL)" 2
        fi
        url=${VOLLEY_RELEASE_LATEST_URL:-https://github.com/$REPO/releases/latest}
        effective=$(curl -sSLI --retry 3 --connect-timeout 20 -o /dev/null -w '%{url_effective}' "$url") \
            || die "cannot find the latest release at $url"
        effective=${effective%/}
        case $effective in
            */tag/*) v=${effective##*/tag/} ;;
            *) die "cannot find the latest release at $url (no release yet?)" ;;
        esac
    fi
    v=${v#v}
    [[ $v =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$ ]] || die "not a version: $1" 2
    echo "$v"
}

sha256_of() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$1" | awk '{print $1}'
    else
        shasum -a 256 "$1" | awk '{print $1}'
    fi
}

case ${1:-} in
    -h | --help)
        sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
        exit 0
        ;;
    --print-target)
        detect_target
        exit 0
        ;;
    --print-version)
        [ $# -ge 2 ] || die "usage: $0 --print-version VERSION" 2
        resolve_version "$2"
        exit 0
        ;;
    -*) die "unknown option $1 (see --help)" 2 ;;
esac

command -v curl >/dev/null 2>&1 || die "curl is needed"
command -v tar >/dev/null 2>&1 || die "tar is needed"
TARGET=$(detect_target)
VERSION=$(resolve_version "${1:-latest}")
DEST=${2:-$HOME/.local/bin}
TAG=v$VERSION
ASSET=volley-$VERSION-$TARGET.tar.gz

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

say "volley $VERSION for $TARGET from $BASE_URL/$TAG"
fetch "$BASE_URL/$TAG/SHA256SUMS" "$tmp/SHA256SUMS" SHA256SUMS
fetch "$BASE_URL/$TAG/$ASSET" "$tmp/$ASSET" "$ASSET"

# "HASH  NAME" (or "HASH *NAME", binary mode) lines.
expected=$(awk -v a="$ASSET" '$2 == a || $2 == "*" a { print tolower($1) }' "$tmp/SHA256SUMS" | head -n 1)
[ -n "$expected" ] || die "SHA256SUMS of $TAG has no line for $ASSET: refusing to install an unverified download"
actual=$(sha256_of "$tmp/$ASSET")
if [ "$actual" != "$expected" ]; then
    die "checksum mismatch for $ASSET: SHA256SUMS says $expected, the download is $actual; refusing to install it"
fi
say "SHA-256 of $ASSET matches SHA256SUMS"

mkdir -p "$tmp/x"
tar -xzf "$tmp/$ASSET" -C "$tmp/x" || die "$ASSET is not a gzip tar archive"
# (No mapfile: macOS's bash 3.2 runs this too.)
found=$(find "$tmp/x" -maxdepth 2 -type f -name volley)
count=$(printf '%s' "$found" | grep -c . || true)
[ "$count" -eq 1 ] || die "$ASSET holds $count files named volley (expected one, at the top or in one folder)"

mkdir -p "$DEST" || die "cannot create $DEST"
# Copy next to the target, then rename: a running volley is never half-replaced.
install -m 0755 "$found" "$DEST/.volley.new.$$" || die "cannot write to $DEST"
mv -f "$DEST/.volley.new.$$" "$DEST/volley"
if ! out=$("$DEST/volley" --version 2>&1); then
    die "the installed $DEST/volley does not run: $out"
fi
say "installed $out to $DEST/volley"
