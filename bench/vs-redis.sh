#!/usr/bin/env bash
# Kuber vs Redis with redis-benchmark: the same command line against both servers, alternating runs,
# medians of REPS repetitions, pinned (servers on CPU 0, benchmark on CPU 1) and unpinned.
#
#   bench/vs-redis.sh [--write-docs]
#
# --write-docs  also replace the section between <!-- vs-redis:begin --> and <!-- vs-redis:end --> in
#               docs/BENCHMARKS.md (the file is created if missing).
# Environment:  REPS (default 3), N requests per test (default 200000),
#               CARGO_TARGET_DIR (default $HOME/.cache/kuber-target),
#               KUBER_* variables are passed to kuber-server (e.g. KUBER_PERSISTENCE__BACKEND=memory).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPS=${REPS:-3}
N=${N:-200000}
CLIENTS=50
TESTS=set,get,incr
CONFIGS=("plain" "-P 16" "-d 1024" "-r 100000")
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/kuber-target}
KUBER_BIN=$CARGO_TARGET_DIR/release/kuber-server
DOCS=$REPO/docs/BENCHMARKS.md
WRITE_DOCS=0
INVOCATION="REPS=$REPS N=$N bench/vs-redis.sh $*"

for arg in "$@"; do
    case $arg in
        --write-docs) WRITE_DOCS=1 ;;
        -h | --help) sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument: $arg (try --help)" >&2; exit 2 ;;
    esac
done
[[ $REPS =~ ^[1-9][0-9]*$ ]] || { echo "REPS must be a positive integer, got '$REPS'" >&2; exit 2; }
[[ $N =~ ^[1-9][0-9]*$ ]] || { echo "N must be a positive integer, got '$N'" >&2; exit 2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/kuber-vs-redis.XXXXXX")
PASSWORD="bench-$RANDOM$RANDOM$RANDOM"
SERVER_PIDS=() # started and not yet stopped
PIN_SERVER=()
PIN_BENCH=()

log() { echo "[vs-redis] $*" >&2; }

cleanup() {
    local pid
    for pid in "${SERVER_PIDS[@]+"${SERVER_PIDS[@]}"}"; do
        stop_server "$pid"
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ensure_tools() {
    if ! command -v redis-server >/dev/null || ! command -v redis-benchmark >/dev/null \
        || ! command -v redis-cli >/dev/null; then
        log "installing redis-server and redis-tools"
        local sudo=()
        [[ $(id -u) -eq 0 ]] || sudo=(sudo)
        "${sudo[@]+"${sudo[@]}"}" apt-get update -qq
        DEBIAN_FRONTEND=noninteractive "${sudo[@]+"${sudo[@]}"}" apt-get install -y -qq redis-server redis-tools
    fi
    command -v taskset >/dev/null || { echo "taskset (util-linux) is required" >&2; exit 1; }
}

build_kuber() {
    log "cargo build --release -p kuber-server (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
    (cd "$REPO" && cargo build --release -p kuber-server)
    [[ -x $KUBER_BIN ]] || { echo "no binary at $KUBER_BIN after the build" >&2; exit 1; }
}

# A free TCP port, never one a developer's own Redis or Kuber may use.
free_port() {
    python3 - <<'EOF'
import socket
while True:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    if port not in (6379, 6380, 6390):
        print(port)
        break
EOF
}

wait_port() { # port pid logfile
    local port=$1 pid=$2 logfile=$3 i
    for ((i = 0; i < 150; i++)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "server (pid $pid) exited before listening on $port:" >&2
            cat "$logfile" >&2
            exit 1
        fi
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    echo "server (pid $pid) did not listen on $port within 15s:" >&2
    cat "$logfile" >&2
    exit 1
}

stop_server() { # pid
    local pid=$1 i p rest=()
    for p in "${SERVER_PIDS[@]+"${SERVER_PIDS[@]}"}"; do [[ $p == "$pid" ]] || rest+=("$p"); done
    SERVER_PIDS=(${rest[@]+"${rest[@]}"})
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
        sleep 0.1
    done
    log "pid $pid ignored SIGTERM for 10s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# start_redis MODE: sets REDIS_PORT and REDIS_PID. User `admin` gets the same password as in Kuber,
# so both servers see the identical redis-benchmark command line.
start_redis() {
    local mode=$1 logfile=$WORK/redis-$1.log
    REDIS_PORT=$(free_port)
    ${PIN_SERVER[@]+"${PIN_SERVER[@]}"} redis-server --bind 127.0.0.1 --port "$REDIS_PORT" \
        --save '' --appendonly no --requirepass "$PASSWORD" --dir "$WORK" >"$logfile" 2>&1 &
    REDIS_PID=$!
    SERVER_PIDS+=("$REDIS_PID")
    wait_port "$REDIS_PORT" "$REDIS_PID" "$logfile"
    local reply
    reply=$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" --user default --pass "$PASSWORD" --no-auth-warning \
        ACL SETUSER admin on ">$PASSWORD" '~*' '&*' '+@all')
    [[ $reply == OK ]] || { echo "ACL SETUSER admin failed: $reply" >&2; exit 1; }
    log "redis-server ($mode) on port $REDIS_PORT, pid $REDIS_PID"
}

# start_kuber MODE: sets KUBER_PORT and KUBER_PID.
start_kuber() {
    local mode=$1 logfile=$WORK/kuber-$1.log data=$WORK/kuber-data-$1 http_port
    mkdir -p "$data"
    KUBER_PORT=$(free_port)
    http_port=$(free_port)
    while [[ $http_port == "$KUBER_PORT" ]]; do http_port=$(free_port); done
    KUBER_ADMIN_PASSWORD=$PASSWORD ${PIN_SERVER[@]+"${PIN_SERVER[@]}"} "$KUBER_BIN" --bind 127.0.0.1 \
        --port "$KUBER_PORT" --http-port "$http_port" --data-dir "$data" >"$logfile" 2>&1 &
    KUBER_PID=$!
    SERVER_PIDS+=("$KUBER_PID")
    wait_port "$KUBER_PORT" "$KUBER_PID" "$logfile"
    log "kuber-server ($mode) on port $KUBER_PORT, pid $KUBER_PID"
}

# bench PORT CONFIG: prints "TEST RPS" lines, one per test.
bench() {
    local port=$1 config=$2 extra=() out
    [[ $config == plain ]] || read -r -a extra <<<"$config"
    if ! out=$(${PIN_BENCH[@]+"${PIN_BENCH[@]}"} redis-benchmark -h 127.0.0.1 -p "$port" --user admin \
        -a "$PASSWORD" -t "$TESTS" -n "$N" -c "$CLIENTS" -q --csv ${extra[@]+"${extra[@]}"} 2>&1); then
        echo "redis-benchmark against port $port ($config) failed:" >&2
        echo "$out" >&2
        exit 1
    fi
    out=$(printf '%s\n' "$out" | awk -F'"' '$2 != "" && $2 != "test" && $4 ~ /^[0-9.]+$/ { print $2, $4 }')
    if [[ $(printf '%s\n' "$out" | grep -c .) -ne 3 ]]; then
        echo "unexpected redis-benchmark output against port $port ($config): $out" >&2
        exit 1
    fi
    printf '%s\n' "$out"
}

RESULTS=$WORK/results.txt # lines: mode|config|server|test|rps
: >"$RESULTS"

run_mode() { # mode
    local mode=$1 config rep server port test rps out=$WORK/bench.out
    start_redis "$mode"
    start_kuber "$mode"
    for config in "${CONFIGS[@]}"; do
        for ((rep = 1; rep <= REPS; rep++)); do
            for server in redis kuber; do # alternate: A B A B ...
                [[ $server == redis ]] && port=$REDIS_PORT || port=$KUBER_PORT
                log "$mode | $config | rep $rep/$REPS | $server"
                bench "$port" "$config" >"$out"
                while read -r test rps; do
                    echo "$mode|$config|$server|$test|$rps" >>"$RESULTS"
                done <"$out"
            done
        done
    done
    stop_server "$KUBER_PID"
    stop_server "$REDIS_PID"
}

# The Markdown table of medians, in the order the runs were made.
table() {
    local medians=$WORK/medians.txt
    # median per (mode, config, server, test): sort each group's values, take the middle one(s)
    sort -t'|' -k1,1 -k2,2 -k3,3 -k4,4 -k5,5g "$RESULTS" | awk -F'|' '
        function flush() {
            if (n == 0) return
            m = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
            print key "|" m
        }
        { k = $1 "|" $2 "|" $3 "|" $4; if (k != key) { flush(); key = k; n = 0 } v[++n] = $5 }
        END { flush() }' >"$medians"
    echo "| mode | config | test | Redis rps (median) | Kuber rps (median) | Kuber/Redis |"
    echo "|---|---|---|---:|---:|---:|"
    awk -F'|' '
        NR == FNR { med[$1 "|" $2 "|" $3 "|" $4] = $5; next }
        $3 == "redis" && !seen[$1 "|" $2 "|" $4]++ { order[++rows] = $1 "|" $2 "|" $4 }
        END {
            for (i = 1; i <= rows; i++) {
                split(order[i], p, "|")
                r = med[p[1] "|" p[2] "|redis|" p[3]]; k = med[p[1] "|" p[2] "|kuber|" p[3]]
                printf "| %s | %s | %s | %.0f | %.0f | %.2f |\n", p[1], (p[2] == "plain" ? "plain" : "`" p[2] "`"), p[3], r, k, (r > 0 ? k / r : 0)
            }
        }' "$medians" "$RESULTS"
}

machine_info() {
    local model
    model=$(lscpu 2>/dev/null | awk -F: '/^Model name/ { sub(/^[ \t]+/, "", $2); print $2; exit }')
    echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- Machine: $(nproc) CPUs, ${model:-unknown CPU}, $(uname -sr)"
    echo "- Redis: $(redis-server --version | awk '{ print $3 }' | sed 's/^v=//') (\`--save '' --appendonly no\`)"
    echo "- Kuber: release build, default configuration$(env | grep '^KUBER_' | grep -v PASSWORD | sed 's/^/, /' | tr -d '\n')"
    echo "- Command: \`$INVOCATION\`"
    echo "- Each run: \`redis-benchmark --user admin -a *** -t $TESTS -n $N -c $CLIENTS -q --csv [config]\`;" \
        "Redis and Kuber alternate, $REPS repetitions, median shown."
    echo "- pinned: servers under \`taskset -c 0\`, redis-benchmark under \`taskset -c 1\`; unpinned: no affinity."
}

write_docs() { # section-file
    local section=$1 tmp
    mkdir -p "$(dirname "$DOCS")"
    if [[ ! -f $DOCS ]]; then
        cat >"$DOCS" <<'EOF'
# Benchmarks

## Kuber vs Redis

`bench/vs-redis.sh --write-docs` runs `redis-benchmark` with identical command lines against Debian's
`redis-server` and a release build of `kuber-server`, and rewrites the section below.

<!-- vs-redis:begin -->
<!-- vs-redis:end -->
EOF
    fi
    if ! grep -q '^<!-- vs-redis:begin -->$' "$DOCS" || ! grep -q '^<!-- vs-redis:end -->$' "$DOCS"; then
        printf '\n<!-- vs-redis:begin -->\n<!-- vs-redis:end -->\n' >>"$DOCS"
    fi
    tmp=$(mktemp "$WORK/docs.XXXXXX")
    awk -v section="$section" '
        /^<!-- vs-redis:begin -->$/ { print; while ((getline line < section) > 0) print line; skip = 1; next }
        /^<!-- vs-redis:end -->$/ { skip = 0 }
        !skip' "$DOCS" >"$tmp"
    cat "$tmp" >"$DOCS"
    log "updated $DOCS"
}

main() {
    ensure_tools
    build_kuber
    local modes=(pinned unpinned)
    if [[ $(nproc) -lt 2 ]]; then
        log "fewer than 2 CPUs: skipping the pinned mode"
        modes=(unpinned)
    fi
    local mode
    for mode in "${modes[@]}"; do
        if [[ $mode == pinned ]]; then
            PIN_SERVER=(taskset -c 0)
            PIN_BENCH=(taskset -c 1)
        else
            PIN_SERVER=()
            PIN_BENCH=()
        fi
        run_mode "$mode"
    done
    local section=$WORK/section.md
    {
        machine_info
        echo
        table
    } >"$section"
    table
    if [[ $WRITE_DOCS -eq 1 ]]; then
        write_docs "$section"
    fi
}

main
