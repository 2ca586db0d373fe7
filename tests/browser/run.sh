#!/usr/bin/env bash
# Browser tests of the web console: installs Debian's Chromium if it is missing and the pinned
# playwright-core (npm ci), then drives headless Chromium against the kuber-server binary named by
# KUBER_BIN (default: the debug build in $CARGO_TARGET_DIR). Saves docs/img/console.png. Exits
# non-zero if any step fails; nothing is skipped.
set -euo pipefail
cd "$(dirname "$0")"

if [[ ! -x /usr/bin/chromium ]]; then
    echo "== apt-get install chromium chromium-driver" >&2
    sudo=()
    [[ $(id -u) -eq 0 ]] || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq chromium chromium-driver >/dev/null
fi

echo "== npm ci (tests/browser)" >&2
npm ci --no-audit --no-fund

export KUBER_BIN="${KUBER_BIN:-${CARGO_TARGET_DIR:-$HOME/.cache/kuber-target}/debug/kuber-server}"
if [[ ! -x "$KUBER_BIN" ]]; then
    echo "KUBER_BIN=$KUBER_BIN is not an executable; build it first: cargo build -p kuber-server --bin kuber-server" >&2
    exit 1
fi

echo "== browser tests against $KUBER_BIN" >&2
node --test --test-concurrency=1 console.test.mjs
