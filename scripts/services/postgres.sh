#!/usr/bin/env bash
# A throwaway PostgreSQL for the persistence tests, kept entirely inside STATE_DIR (data, socket,
# log, password): no systemd, no cluster of the distribution's own.
#
#   scripts/services/postgres.sh start STATE_DIR   # prints: export KUBER_TEST_POSTGRES_URL=...
#   scripts/services/postgres.sh stop STATE_DIR
#
# `start` installs Debian's postgresql with apt-get if `initdb` is missing, creates the cluster on
# first use, listens on a free loopback port and creates the login role `kuber` (password in
# STATE_DIR/password) that may create databases; the tests create one database per run. It prints
# exactly one line on stdout, so `eval "$(scripts/services/postgres.sh start DIR)"` works; logs go to
# stderr and STATE_DIR/postgres.log. Starting again while it runs prints the same line.
# Run as root, the server runs as `postgres` (PostgreSQL refuses to run as root); when that user
# cannot reach STATE_DIR (say, under /root), the cluster lives in /tmp/kuber-postgres-HASH instead,
# HASH naming STATE_DIR, and STATE_DIR keeps only the port and password.
set -euo pipefail

usage() {
    echo "usage: $0 start|stop STATE_DIR" >&2
    exit 2
}
[[ $# -eq 2 ]] || usage
action=$1
state=$(realpath -m "$2")
log() { echo "[postgres] $*" >&2; }

find_bin() {
    local dir
    if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
        dirname "$(readlink -f "$(command -v initdb)")"
        return
    fi
    # Debian keeps the server binaries out of PATH.
    for dir in /usr/lib/postgresql/*/bin; do
        [[ -x $dir/initdb ]] && { echo "$dir"; return; }
    done
    return 1
}

install_postgres() {
    log "initdb not found: apt-get install postgresql"
    local sudo=()
    [[ $(id -u) -eq 0 ]] || sudo=(sudo)
    # Keep the package from creating and starting its own cluster on port 5432.
    if [[ ! -e /etc/postgresql-common/createcluster.conf ]]; then
        "${sudo[@]}" mkdir -p /etc/postgresql-common
        echo "create_main_cluster = false" | "${sudo[@]}" tee /etc/postgresql-common/createcluster.conf >/dev/null
    fi
    "${sudo[@]}" apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq postgresql >&2
}

# Runs a PostgreSQL binary as the cluster's owner: `postgres` when we are root.
as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

running() {
    [[ -f $data/PG_VERSION ]] && as_owner "$bin/pg_ctl" status -D "$data" >/dev/null 2>&1
}

print_url() {
    echo "export KUBER_TEST_POSTGRES_URL=postgres://kuber:$(cat "$state/password")@127.0.0.1:$(cat "$state/port")/postgres"
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

mkdir -p "$state"
home=$state
if [[ $(id -u) -eq 0 ]] && ! runuser -u postgres -- test -x "$state" 2>/dev/null; then
    home=/tmp/kuber-postgres-$(printf '%s' "$state" | sha256sum | cut -c1-12)
fi
data=$home/data

bin=$(find_bin) || { [[ $action == start ]] && install_postgres && bin=$(find_bin); } || {
    log "no PostgreSQL binaries found"
    exit 1
}

case $action in
start)
    if running; then
        log "already running from $state"
        print_url
        exit 0
    fi
    [[ $home == "$state" ]] || log "user postgres cannot reach $state: cluster in $home"
    mkdir -p "$home/run"
    if [[ ! -f $data/PG_VERSION ]]; then
        rm -rf "$data"
        mkdir -p "$data"
        [[ -f $state/password ]] || (umask 077 && python3 -c 'import secrets; print(secrets.token_hex(16))' >"$state/password")
        [[ $(id -u) -eq 0 ]] && chown -R postgres: "$data" "$home/run"
        log "initdb $data"
        # Local (socket) connections are trusted: only this script uses them, to create the role.
        as_owner "$bin/initdb" -D "$data" -U postgres -E UTF8 --locale=C.UTF-8 \
            --auth-local=trust --auth-host=scram-sha-256 >&2
        fresh=1
    fi
    [[ $(id -u) -eq 0 ]] && chown postgres: "$home/run"
    # A restart keeps its port (clients and the outage test reconnect to the same URL) unless
    # something else took it meanwhile.
    port=$(cat "$state/port" 2>/dev/null || true)
    if [[ -z $port ]] || ! python3 -c "import socket,sys; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', int(sys.argv[1])))" "$port" 2>/dev/null; then
        port=$(free_port)
    fi
    echo "$port" >"$state/port"
    touch "$home/postgres.log"
    [[ $(id -u) -eq 0 ]] && chown postgres: "$home/postgres.log"
    log "pg_ctl start on 127.0.0.1:$port (log: $home/postgres.log)"
    as_owner "$bin/pg_ctl" start -D "$data" -l "$home/postgres.log" -w -t 30 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $home/run" >&2 || {
        tail -n 20 "$home/postgres.log" >&2
        exit 1
    }
    if [[ ${fresh:-0} -eq 1 ]]; then
        as_owner "$bin/psql" -q -h "$home/run" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 \
            -c "CREATE ROLE kuber LOGIN CREATEDB PASSWORD '$(cat "$state/password")'" >&2
    fi
    print_url
    ;;
stop)
    if running; then
        log "pg_ctl stop -m fast ($state)"
        as_owner "$bin/pg_ctl" stop -D "$data" -m fast -w >&2
    else
        log "not running from $state"
    fi
    ;;
*) usage ;;
esac
