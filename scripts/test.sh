#!/usr/bin/env bash
# Runs every test: installs what is missing, builds the server, runs the Rust unit, property and
# integration tests, Redis's own test suite against Kuber (gated by tests/redis-suite/baseline.txt),
# the client SDKs (Rust, Python, Java) and their examples, the web console in headless Chromium, then
# the system tests (redis-py, redis-cli, three other
# languages' clients and schemathesis against the binary).
# Exits non-zero if anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/kuber-target}"

scripts/setup.sh
tests/clients/setup.sh

echo "== starting PostgreSQL and FerretDB for the persistence tests (scripts/services.sh)" >&2
# The servers are stopped however this script ends. Their tests fail, never skip, without them.
trap 'scripts/services.sh stop >/dev/null 2>&1 || true' EXIT
eval "$(scripts/services.sh start)"

echo "== cargo test (workspace)" >&2
cargo build --locked -p kuber-server --bin kuber-server
cargo test --locked --workspace

echo "== Redis 7.0.15 test suite against Kuber and Redis (fails below tests/redis-suite/baseline.txt)" >&2
# The suite's own closing line counts Kuber's failures against Redis's tests, which are expected while
# commands are missing; it is reworded here so that it is not read as this run's test result. The
# gate is the baseline: run.sh exits non-zero when a unit falls below it.
tests/redis-suite/run.sh --no-build |
    sed -E 's/^([0-9]+) passed, ([0-9]+) failed$/redis-suite totals: Kuber ok \1, Kuber not ok \2 (see docs\/COMPATIBILITY.md)/'

echo "== client SDKs: Rust core, Python (pip install ./python) and Java (Maven), examples" >&2
KUBER_BIN="$CARGO_TARGET_DIR/debug/kuber-server" scripts/test-sdks.sh

echo "== web console in headless Chromium (tests/browser)" >&2
KUBER_BIN="$CARGO_TARGET_DIR/debug/kuber-server" tests/browser/run.sh

echo "== system tests (redis-py, redis-cli, Jedis, ioredis, go-redis, schemathesis)" >&2
KUBER_BIN="$CARGO_TARGET_DIR/debug/kuber-server" python3 -m pytest tests/system -q -p no:cacheprovider
