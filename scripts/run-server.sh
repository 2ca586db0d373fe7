#!/usr/bin/env bash
# Builds and starts Kuber on 127.0.0.1:6380 with its defaults; extra arguments go to kuber-server
# (for example --port 7000 or --config kuber.yaml). On first start it writes data/users.json with
# user `admin`, using KUBER_ADMIN_PASSWORD or printing a generated password once.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/kuber-target}"
scripts/build-deps.sh
cargo build --locked --release -p kuber-server --bin kuber-server
exec "$CARGO_TARGET_DIR/release/kuber-server" "$@"
