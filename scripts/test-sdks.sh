#!/usr/bin/env bash
# Builds and tests the client SDKs against the real server, and runs the examples:
#   1. cargo test -p kuber-client -p kuber-java   (unit tests, live tests against $KUBER_BIN)
#   2. a fresh venv, `pip install ./python` (maturin, abi3 wheel), then pytest python/tests in it
#   3. mvn -f java/pom.xml verify                  (cargo-built libkuber_java inside the jar, JUnit 5)
#   4. the examples in examples/ (Rust, Python, Java; RESP and REST) against a server started here
# The server binary is $KUBER_BIN (built with cargo when unset). Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/kuber-target}"

for tool in cargo python3 java mvn; do
    command -v "$tool" >/dev/null || { echo "[sdks] $tool is not on PATH" >&2; exit 1; }
done

if [[ -z "${KUBER_BIN:-}" ]]; then
    echo "[sdks] building kuber-server" >&2
    cargo build --locked -p kuber-server --bin kuber-server
    KUBER_BIN="$CARGO_TARGET_DIR/debug/kuber-server"
fi
export KUBER_BIN
[[ -x "$KUBER_BIN" ]] || { echo "[sdks] KUBER_BIN=$KUBER_BIN is not executable" >&2; exit 1; }

WORK=$(mktemp -d)
SERVER_PID=""
cleanup() {
    if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

echo "== [sdks] cargo test -p kuber-client -p kuber-java" >&2
cargo test --locked -p kuber-client -p kuber-java

echo "== [sdks] Python: fresh venv, pip install ./python, pytest" >&2
python3 -m venv "$WORK/venv"
PY="$WORK/venv/bin/python"
"$PY" -m pip install -q --upgrade pip >/dev/null
# The wheel's cargo build reuses $CARGO_TARGET_DIR (exported above), so it is not a cold compile.
"$PY" -m pip install -q ./python "pytest>=7"
# The package must come from the venv's site-packages, not from this checkout.
(cd "$WORK" && "$PY" -c 'import kuber, kuber._kuber, sys; assert kuber.__file__.startswith(sys.prefix), kuber.__file__; print("[sdks] kuber", kuber.__version__, "from", kuber.__file__)')
(cd python/tests && "$PY" -m pytest -q -p no:cacheprovider .)

echo "== [sdks] Java: mvn -f java/pom.xml verify" >&2
if ! mvn -B -f java/pom.xml verify >"$WORK/mvn.log" 2>&1; then
    cat "$WORK/mvn.log" >&2
    echo "[sdks] mvn verify failed" >&2
    exit 1
fi
grep -E "^\[INFO\] Tests run:" "$WORK/mvn.log" || true
mvn -B -q -f java/pom.xml dependency:build-classpath -Dmdep.includeScope=runtime -Dmdep.outputFile="$WORK/java.cp" >/dev/null
JAVA_CP="$ROOT/java/target/kuber-client-0.1.0.jar:$(cat "$WORK/java.cp")"

echo "== [sdks] examples against a fresh server" >&2
read -r PORT HTTP_PORT < <(python3 - <<'PY'
import socket
ports = []
while len(ports) < 2:
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close()
    if p not in (6379, 6380, 6390) and p not in ports:
        ports.append(p)
print(*ports)
PY
)
mkdir -p "$WORK/data"
env -u KUBER_USERS KUBER_ADMIN_PASSWORD=secret "$KUBER_BIN" --bind 127.0.0.1 --port "$PORT" --http-port "$HTTP_PORT" \
    --data-dir "$WORK/data" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && (exec 3<>"/dev/tcp/127.0.0.1/$HTTP_PORT") 2>/dev/null && break
    sleep 0.05
done
export KUBER_HOST=127.0.0.1 KUBER_PORT=$PORT KUBER_HTTP_PORT=$HTTP_PORT KUBER_USER=admin KUBER_PASSWORD=secret

cargo build --locked -q -p kuber-client --examples
"$CARGO_TARGET_DIR/debug/examples/resp"
"$PY" examples/python/resp.py
java -cp "$JAVA_CP" examples/java/Resp.java

"$CARGO_TARGET_DIR/debug/examples/rest"
"$PY" examples/python/rest.py
java -cp "$JAVA_CP" examples/java/Rest.java
echo "[sdks] all SDK suites and examples passed" >&2
