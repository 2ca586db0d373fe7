#!/usr/bin/env bash
# Fetch Redis 7.0.15's TCL test suite from Debian's source package and cache it outside the clone.
# Prints the path of the unpacked redis-7.0.15/ directory on stdout (everything else goes to stderr).
set -euo pipefail

REDIS_VERSION=7.0.15
CACHE="${KUBER_REDIS_SUITE_CACHE:-$HOME/.cache/kuber-redis-suite}"
SRC="$CACHE/redis-$REDIS_VERSION"

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi

apt_install() {
    $SUDO apt-get install -y -qq "$@" >&2 || { $SUDO apt-get update -qq >&2; $SUDO apt-get install -y -qq "$@" >&2; }
}

# tclsh 8.6 runs the suite, so it is needed even when the suite is already cached.
command -v tclsh8.6 >/dev/null || apt_install tcl8.6

if [[ -x "$SRC/runtest" && -d "$SRC/tests/unit" ]]; then
    echo "$SRC"
    exit 0
fi

# 1. A deb-src entry mirroring the existing Debian binary source list.
has_deb_src() {
    grep -rqsE '^\s*deb-src\s|^\s*Types:.*deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null
}
if ! has_deb_src; then
    echo "adding deb-src entries mirroring the Debian source list" >&2
    if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
        # deb822: copy every stanza whose Types line is exactly 'deb', switching it to deb-src.
        sed -E 's/^Types:\s*deb\s*$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
            | $SUDO tee /etc/apt/sources.list.d/kuber-debian-src.sources >/dev/null
    elif [[ -f /etc/apt/sources.list ]]; then
        grep -E '^\s*deb\s' /etc/apt/sources.list | grep -E 'debian' | sed -E 's/^\s*deb\s/deb-src /' \
            | $SUDO tee /etc/apt/sources.list.d/kuber-debian-src.list >/dev/null
    else
        echo "no Debian apt source list found; cannot add deb-src" >&2
        exit 1
    fi
    $SUDO apt-get update -qq >&2
fi

# 2. dpkg-dev: dpkg-source, which apt-get source uses to unpack and patch the package.
command -v dpkg-source >/dev/null || apt_install dpkg-dev

# 3. The source package.
mkdir -p "$CACHE"
tmp=$(mktemp -d "$CACHE/fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
if ! ( cd "$tmp" && apt-get source -qq redis >&2 ); then
    echo "apt-get source failed; refreshing the package lists and retrying" >&2
    $SUDO apt-get update -qq >&2
    ( cd "$tmp" && apt-get source -qq redis >&2 )
fi
got=$(find "$tmp" -maxdepth 1 -type d -name 'redis-*' | head -1)
if [[ -z "$got" || ! -x "$got/runtest" ]]; then
    echo "apt-get source redis did not give a redis-*/runtest" >&2
    exit 1
fi
ver=$(sed -nE 's/^#define REDIS_VERSION "([^"]+)".*/\1/p' "$got/src/version.h" 2>/dev/null || true)
if [[ "$ver" != "$REDIS_VERSION" ]]; then
    echo "warning: Debian's redis source is $ver, expected $REDIS_VERSION" >&2
fi
rm -rf "$SRC"
mv "$got" "$SRC"
echo "$SRC"
