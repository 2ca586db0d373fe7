#!/usr/bin/env bash
# A MongoDB-wire server for the mongodb persistence backend's tests: FerretDB v1.24.2 with its SQLite
# handler, data in STATE_DIR, on a free loopback port, no authentication.
#
#   eval "$(scripts/services/ferretdb.sh start DIR)"   # prints: export KUBER_TEST_MONGODB_URI=...
#   scripts/services/ferretdb.sh stop DIR
#
# The binary is built once into $KUBER_TOOLS (default ~/.cache/kuber-tools) from the Go module.
# It is not `go install`ed: the module as published lacks build/version/version.txt, and a binary
# built from it panics at start-up ("Invalid build/version/version.txt file content"), so the
# module is copied, the file is written, and the copy is built. Logs go to stderr and STATE_DIR.
set -euo pipefail

VERSION=v1.24.2
TOOLS="${KUBER_TOOLS:-$HOME/.cache/kuber-tools}"
BIN="$TOOLS/bin/ferretdb-$VERSION"

log() { echo "[ferretdb] $*" >&2; }

usage() {
    echo "usage: $0 start|stop STATE_DIR" >&2
    exit 2
}

build() {
    [[ -x $BIN ]] && return
    command -v go >/dev/null || { log "go is needed to build FerretDB $VERSION"; exit 1; }
    log "building FerretDB $VERSION into $BIN (once)"
    local dir src
    dir=$(cd /tmp && go mod download -json "github.com/FerretDB/FerretDB@$VERSION" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["Dir"])')
    src="$TOOLS/src/ferretdb-$VERSION"
    rm -rf "$src"
    mkdir -p "$TOOLS/src" "$TOOLS/bin"
    cp -r "$dir" "$src"
    chmod -R u+w "$src"
    echo "$VERSION" >"$src/build/version/version.txt"
    (cd "$src" && go build -o "$BIN.tmp" ./cmd/ferretdb) >&2
    mv "$BIN.tmp" "$BIN"
}

free_port() {
    # Port 0 lets the kernel choose; the few ports other services use here are refused anyway.
    python3 - <<'EOF'
import socket
while True:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    if port not in (6379, 6380, 6390, 27017):
        print(port)
        break
EOF
}

answers() {
    python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.5).close()' "$1" 2>/dev/null
}

start() {
    local state=$1
    mkdir -p "$state/data"
    state=$(cd "$state" && pwd)
    if [[ -f $state/ferretdb.pid ]] && kill -0 "$(cat "$state/ferretdb.pid")" 2>/dev/null; then
        log "already running (pid $(cat "$state/ferretdb.pid"))"
        echo "export KUBER_TEST_MONGODB_URI=mongodb://127.0.0.1:$(cat "$state/ferretdb.port")/"
        return
    fi
    build
    local port
    port=$(free_port)
    # --debug-addr=- turns off the metrics/pprof listener (it would take a fixed port);
    # telemetry is off because the machine has no network beyond the registries.
    nohup "$BIN" \
        --handler=sqlite \
        --sqlite-url="file:$state/data/" \
        --state-dir="$state" \
        --listen-addr="127.0.0.1:$port" \
        --debug-addr=- \
        --telemetry=disable \
        --log-level=warn \
        >>"$state/ferretdb.log" 2>&1 </dev/null &
    local pid=$!
    echo "$pid" >"$state/ferretdb.pid"
    echo "$port" >"$state/ferretdb.port"
    for _ in $(seq 1 100); do
        if answers "$port"; then
            log "FerretDB $VERSION (sqlite) pid $pid on 127.0.0.1:$port, data in $state/data"
            echo "export KUBER_TEST_MONGODB_URI=mongodb://127.0.0.1:$port/"
            return
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            log "FerretDB exited; its log:"
            tail -20 "$state/ferretdb.log" >&2
            rm -f "$state/ferretdb.pid"
            exit 1
        fi
        sleep 0.1
    done
    log "FerretDB did not answer on port $port within 10 s; its log:"
    tail -20 "$state/ferretdb.log" >&2
    kill "$pid" 2>/dev/null || true
    rm -f "$state/ferretdb.pid"
    exit 1
}

stop() {
    local state=$1 pid
    [[ -f $state/ferretdb.pid ]] || { log "not running (no $state/ferretdb.pid)"; return; }
    pid=$(cat "$state/ferretdb.pid")
    if kill "$pid" 2>/dev/null; then
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null || true
        log "stopped pid $pid"
    fi
    rm -f "$state/ferretdb.pid"
}

[[ $# -eq 2 ]] || usage
case $1 in
start) start "$2" ;;
stop) stop "$2" ;;
*) usage ;;
esac
