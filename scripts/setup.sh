#!/usr/bin/env bash
# Installs what the tests and benchmarks need on a fresh machine: Debian's redis-server and
# redis-tools (redis-cli, redis-benchmark), and the Python packages the system tests use (redis-py,
# pytest, schemathesis for the REST API).
# Safe to run again: it only installs what is missing.
set -euo pipefail

need_apt=()
command -v redis-server >/dev/null || need_apt+=(redis-server)
command -v redis-cli >/dev/null || need_apt+=(redis-tools)
command -v redis-benchmark >/dev/null || need_apt+=(redis-tools)
if ((${#need_apt[@]})); then
    echo "[setup] apt-get install ${need_apt[*]}" >&2
    sudo=()
    [[ $(id -u) -eq 0 ]] || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

"$(dirname "$0")/build-deps.sh"

if ! python3 -c 'import redis, pytest, schemathesis' 2>/dev/null; then
    echo "[setup] pip install -r tests/system/requirements.txt" >&2
    python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore \
        -r "$(dirname "$0")/../tests/system/requirements.txt"
fi
