#!/usr/bin/env bash
# REST API load with wrk: GET and PUT of one key through /api/v1/cache/default/k with Basic auth,
# 50 connections, against a release build of Kuber. Records requests/s and p99 latency.
#
#   bench/rest-wrk.sh [--write-docs]
#
# --write-docs  replace the section between <!-- rest-wrk:begin --> and <!-- rest-wrk:end --> in
#               docs/BENCHMARKS.md.
# Environment:  DURATION (seconds per run, default 10), CONNECTIONS (default 50), THREADS (wrk
#               threads, default 2), CARGO_TARGET_DIR (default $HOME/.cache/kuber-target), KUBER_BIN.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-50}
THREADS=${THREADS:-2}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/kuber-target}
DOCS=$REPO/docs/BENCHMARKS.md
WRITE_DOCS=0
INVOCATION="DURATION=$DURATION bench/rest-wrk.sh $*"
for arg in "$@"; do
    case $arg in
        --write-docs) WRITE_DOCS=1 ;;
        -h | --help) sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument: $arg" >&2; exit 2 ;;
    esac
done

command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
if [[ -z ${KUBER_BIN:-} ]]; then
    (cd "$REPO" && cargo build --release -q -p kuber-server --bin kuber-server)
    KUBER_BIN=$CARGO_TARGET_DIR/release/kuber-server
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/kuber-wrk.XXXXXX")
PASSWORD="wrk-$RANDOM$RANDOM"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free_port)
HTTP_PORT=$(free_port)
KUBER_ADMIN_PASSWORD=$PASSWORD "$KUBER_BIN" --bind 127.0.0.1 --port "$PORT" --http-port "$HTTP_PORT" \
    --data-dir "$WORK/data" >"$WORK/kuber.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$HTTP_PORT/api/v1/ping" >/dev/null && break
    sleep 0.1
done
AUTH="Authorization: Basic $(printf 'admin:%s' "$PASSWORD" | base64 -w0)"
URL="http://127.0.0.1:$HTTP_PORT/api/v1/cache/default/k"
curl -sf -X PUT -H "$AUTH" -H 'Content-Type: application/json' -d '{"value":"0123456789abcdef"}' "$URL" >/dev/null

cat >"$WORK/put.lua" <<'EOF'
wrk.method = "PUT"
wrk.body = '{"value":"0123456789abcdef"}'
wrk.headers["Content-Type"] = "application/json"
EOF

run() { # run NAME [wrk args…] → "NAME|req/s|p99"
    local name=$1 out rps p99
    shift
    out=$(wrk -t "$THREADS" -c "$CONNECTIONS" -d "${DURATION}s" --latency -H "$AUTH" "$@" "$URL")
    echo "$out" >&2
    if grep -q "Non-2xx" <<<"$out"; then
        echo "[rest-wrk] $name: some responses were not 2xx" >&2
        exit 1
    fi
    rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    echo "$name|$rps|$p99"
}

GET_ROW=$(run GET)
PUT_ROW=$(run PUT -s "$WORK/put.lua")

table() {
    echo "| request | requests/s | p99 latency | target |"
    echo "|---|---|---|---|"
    IFS='|' read -r n r p <<<"$GET_ROW"
    verdict=$(python3 -c "r=float('$r'); print('met' if r >= 50000 else f'missed by {50000-r:,.0f}/s ({r/50000:.2f} of target)')")
    echo "| $n /api/v1/cache/default/k | ${r} | ${p} | ≥ 50,000/s: $verdict |"
    IFS='|' read -r n r p <<<"$PUT_ROW"
    echo "| $n /api/v1/cache/default/k | ${r} | ${p} | (measured) |"
}
SECTION="Measured $(date +%F) on $(nproc) cores, release build, wrk with $THREADS threads and $CONNECTIONS connections
on the same machine (client and server share the cores), Basic auth on every request, with:

    $INVOCATION

$(table)"
echo "$SECTION"
if ((WRITE_DOCS)); then
    python3 - "$DOCS" "$SECTION" <<'EOF'
import sys
path, section = sys.argv[1], sys.argv[2]
text = open(path).read()
begin, end = "<!-- rest-wrk:begin -->", "<!-- rest-wrk:end -->"
block = f"{begin}\n{section}\n{end}"
if begin in text and end in text:
    text = text[:text.index(begin)] + block + text[text.index(end) + len(end):]
else:
    text = text.rstrip() + "\n\n## REST API under load\n\n" + block + "\n"
open(path, "w").write(text)
EOF
fi
