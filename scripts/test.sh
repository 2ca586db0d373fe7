#!/usr/bin/env bash
# Runs every test: installs what is missing, builds the server, runs the Rust unit, property and
# integration tests, then the system tests (redis-py and redis-cli against the real binary).
# Exits non-zero if anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/kuber-target}"

scripts/setup.sh
tests/clients/setup.sh

echo "== cargo test (workspace)" >&2
cargo build --locked -p kuber-server --bin kuber-server
cargo test --locked --workspace

echo "== system tests (redis-py, redis-cli)" >&2
KUBER_BIN="$CARGO_TARGET_DIR/debug/kuber-server" python3 -m pytest tests/system -q -p no:cacheprovider
