#!/usr/bin/env bash
# Downloads (and compiles) what the client compatibility programs need, so that
# tests/system/test_clients.py then runs without fetching anything:
#   java/  Jedis      Maven dependencies and plugins into ~/.m2, then compile
#   node/  ioredis    `npm ci` from the committed package-lock.json
#   go/    go-redis   Go modules from go.sum, then a build to warm Go's build cache
# Needs mvn, npm and go on PATH (JDK 17, Node 20, Go 1.26). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")"

missing=()
for tool in mvn java npm node go; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
if ((${#missing[@]})); then
    echo "[clients] missing on PATH: ${missing[*]} (need Maven + JDK 17, Node 20 + npm, Go 1.26)" >&2
    exit 1
fi

echo "[clients] Jedis: mvn dependency:go-offline compile" >&2
mvn -q -B -f java/pom.xml dependency:go-offline compile

echo "[clients] ioredis: npm ci" >&2
(cd node && npm ci --no-audit --no-fund --loglevel=error)

echo "[clients] go-redis: go mod download, go build" >&2
(cd go && go mod download && go build -o /dev/null .)
