#!/usr/bin/env bash
# Measure Kuber's compatibility with Redis 7.0.15's own TCL test suite.
#
#   tests/redis-suite/run.sh [--units "unit/type/string unit/expire"] [--kuber-only] [--verbose] [--no-build]
#
# For each unit: start a fresh server (Kuber, then Redis), put relay.py in front of it (the relay
# authenticates every connection, since the suite cannot and Kuber always requires AUTH), run
# `./runtest --host 127.0.0.1 --port RELAY --single UNIT ...` in external mode, stop everything,
# and count `[ok]:` versus `[err]:` / `[exception]` / `[TIMEOUT]` lines.  Prints a per-unit table
# and a closing line `N passed, M failed` (Kuber's sums).  Exits non-zero if a unit's Kuber ok
# count is below its minimum in baseline.txt, or if a server could not be started.
#
# Environment:
#   KUBER_BIN                 kuber-server binary to test (default: build it, see --no-build)
#   CARGO_TARGET_DIR          cargo target dir (default $HOME/.cache/kuber-target)
#   KUBER_REDIS_SUITE_CACHE   where the suite and logs are cached (default $HOME/.cache/kuber-redis-suite)
#   REDIS_SERVER              redis-server binary for the reference run (default: redis-server on PATH)
#   UNIT_TIMEOUT              seconds one unit may run before it is killed (default 600)
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
CACHE="${KUBER_REDIS_SUITE_CACHE:-$HOME/.cache/kuber-redis-suite}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/kuber-target}"
UNIT_TIMEOUT="${UNIT_TIMEOUT:-600}"
PASSWORD="kuber-suite-pw"

DEFAULT_UNITS="unit/type/string unit/type/incr unit/keyspace unit/expire unit/type/hash unit/type/list
unit/type/set unit/type/zset unit/pubsub unit/multi unit/scan unit/info-command unit/protocol unit/querybuf
unit/type/stream unit/type/stream-cgroups unit/scripting"
TAGS="-slow -needs:debug -needs:repl -needs:config-maxmemory -needs:config-resetstat -needs:reset -needs:save -needs:pfdebug -needs:local-process -needs:latency"

units="$DEFAULT_UNITS"
kuber_only=0
verbose=0
build=1
usage() { sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while (( $# )); do
    case "$1" in
        --units) units="$2"; shift 2 ;;
        --units=*) units="${1#--units=}"; shift ;;
        --kuber-only) kuber_only=1; shift ;;
        --verbose|-v) verbose=1; shift ;;
        --no-build) build=0; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "run.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
    esac
done
read -r -a UNITS <<<"${units//$'\n'/ }"

log() { echo "[redis-suite] $*" >&2; }

# ---------------------------------------------------------------- the suite, tools and binaries
SUITE="$("$HERE/fetch-suite.sh")" || { log "could not fetch the Redis test suite"; exit 1; }
if ! command -v redis-server >/dev/null && [[ -z "${REDIS_SERVER:-}" ]] && (( ! kuber_only )); then
    log "installing redis-server (the reference server)"
    SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO=sudo
    $SUDO apt-get install -y -qq redis-server >/dev/null 2>&1 \
        || { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq redis-server >/dev/null; }
fi
REDIS_SERVER="${REDIS_SERVER:-$(command -v redis-server || true)}"
if (( ! kuber_only )); then
    [[ -x "$REDIS_SERVER" ]] || { log "no redis-server found (set REDIS_SERVER)"; exit 1; }
    rv="$("$REDIS_SERVER" --version | sed -nE 's/.* v=([0-9.]+).*/\1/p')"
    [[ "$rv" == 7.0.15 ]] || log "warning: reference redis-server is $rv, the suite is 7.0.15's"
fi
for unit in "${UNITS[@]}"; do
    [[ -f "$SUITE/tests/$unit.tcl" ]] || { log "no such unit: $unit (see $SUITE/tests/unit/)"; exit 2; }
done

if [[ -n "${KUBER_BIN:-}" ]]; then
    build=0
else
    KUBER_BIN="$CARGO_TARGET_DIR/debug/kuber-server"
fi
if (( build )); then
    log "building kuber-server (cargo build -p kuber-server --bin kuber-server)"
    ( cd "$REPO" && cargo build -q -p kuber-server --bin kuber-server ) || { log "cargo build failed"; exit 1; }
fi
[[ -x "$KUBER_BIN" ]] || { log "no kuber-server binary at $KUBER_BIN"; exit 1; }

RUN_ID="$(date +%Y%m%d-%H%M%S)"
LOGDIR="$CACHE/logs/$RUN_ID"
mkdir -p "$LOGDIR"
ln -sfn "$LOGDIR" "$CACHE/logs/latest"
# keep the logs of the last 10 runs
ls -1d "$CACHE"/logs/2*/ 2>/dev/null | head -n -10 | xargs -r rm -rf
WORK="$(mktemp -d "${TMPDIR:-/tmp}/kuber-redis-suite.XXXXXX")"

# ---------------------------------------------------------------- process bookkeeping
SERVER_PID=""
RELAY_PID=""
SUITE_PID=""
stop_pid() {  # stop_pid PID: SIGTERM, wait up to 10 s, then SIGKILL
    local pid="$1" i
    [[ -n "$pid" ]] || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
}
stop_all() {
    stop_pid "$RELAY_PID"; RELAY_PID=""
    stop_pid "$SERVER_PID"; SERVER_PID=""
}
cleanup() {
    stop_pid "$SUITE_PID"; SUITE_PID=""   # timeout(1) passes the signal on to the suite's processes
    stop_all
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

free_port() {
    python3 - <<'EOF'
import socket
while True:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    if p not in (6379, 6380, 6390):
        print(p)
        break
EOF
}

wait_port() {  # wait_port PORT PID: until PORT accepts connections (false if PID died or 20 s passed)
    local port="$1" pid="$2" i
    for ((i = 0; i < 200; i++)); do
        kill -0 "$pid" 2>/dev/null || return 1
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    return 1
}

# start_target TARGET TAG: starts the server and its relay; sets RELAY_PORT
start_target() {
    local target="$1" tag="$2" sport dir
    sport="$(free_port)"
    dir="$WORK/$target-$tag"
    mkdir -p "$dir"
    if [[ "$target" == kuber ]]; then
        # One worker thread (KUBER_SERVER__THREADS=1), like Redis's single event loop: several suite
        # tests send commands on two deferring connections and assume the server sees them in send
        # order (e.g. "BRPOPLPUSH with multiple blocked clients"). With several workers the two
        # connections' commands can be registered in either order, and such a test then waits
        # forever for a reply that went to the other client. That ordering is not something a
        # multi-threaded server can promise across connections; see docs/COMPATIBILITY.md.
        KUBER_SERVER__THREADS=1 KUBER_ADMIN_PASSWORD="$PASSWORD" "$KUBER_BIN" --bind 127.0.0.1 --port "$sport" --http-port 0 --data-dir "$dir" \
            >"$LOGDIR/$target-$tag.server.log" 2>&1 &
        SERVER_PID=$!
        USER_NAME="admin"
    else
        "$REDIS_SERVER" --bind 127.0.0.1 --port "$sport" --save '' --appendonly no --requirepass "$PASSWORD" \
            --dir "$dir" >"$LOGDIR/$target-$tag.server.log" 2>&1 &
        SERVER_PID=$!
        USER_NAME="default"
    fi
    if ! wait_port "$sport" "$SERVER_PID"; then
        log "$target did not start; see $LOGDIR/$target-$tag.server.log"
        return 1
    fi
    RELAY_PORT="$(free_port)"
    rm -f "$dir/relay.ready"
    python3 "$HERE/relay.py" --listen-port "$RELAY_PORT" --target-port "$sport" --user "$USER_NAME" \
        --password "$PASSWORD" --ready-file "$dir/relay.ready" >"$LOGDIR/$target-$tag.relay.log" 2>&1 &
    RELAY_PID=$!
    if ! wait_port "$RELAY_PORT" "$RELAY_PID"; then
        log "relay for $target did not start; see $LOGDIR/$target-$tag.relay.log"
        return 1
    fi
}

# run_unit TARGET UNIT: sets U_OK, U_FAIL, U_NOTE, U_SECS (runs in this shell so the traps see its pids)
run_unit() {
    local target="$1" unit="$2" tag out rc ok err exc tmo aborted note="" t0
    t0=$(date +%s)
    tag="${unit//\//_}"
    out="$LOGDIR/$target-$tag.log"
    if ! start_target "$target" "$tag"; then
        stop_all
        U_OK=0; U_FAIL=0; U_NOTE="server-did-not-start"; U_SECS=$(( $(date +%s) - t0 ))
        return 1
    fi
    # In the background + wait, so that a signal to this script is handled at once (cleanup stops it).
    (
        cd "$SUITE" && exec env TERM=dumb timeout -k 10 "$UNIT_TIMEOUT" ./runtest --host 127.0.0.1 \
            --port "$RELAY_PORT" --single "$unit" --tags "$TAGS" --durable --timeout 120 \
            --ignore-encoding --ignore-digest
    ) >"$out" 2>&1 </dev/null &
    SUITE_PID=$!
    wait "$SUITE_PID"
    rc=$?
    SUITE_PID=""
    if ! kill -0 "$RELAY_PID" 2>/dev/null; then note="relay-died"; fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then note="${note:+$note,}server-died"; fi
    stop_all
    ok=$(grep -c '^\[ok\]:' "$out")
    err=$(grep -c '^\[err\]:' "$out")
    exc=$(grep -c '^\[exception\]:' "$out")
    tmo=$(grep -c '^\[TIMEOUT\]:' "$out")
    # With --durable, an error outside a test (e.g. in a start_server block's setup code) is reported
    # as "[err]: <error message>" without the " in tests/unit/X.tcl" suffix a failed test has, and it
    # ends that block: the block's remaining tests never run.  Counted as one failure, noted.
    aborted=$(grep '^\[err\]:' "$out" | grep -vc ' in tests/.*\.tcl$')
    (( aborted )) && note="${note:+$note,}block-aborted"
    (( exc )) && note="${note:+$note,}exception"
    (( tmo )) && note="${note:+$note,}suite-timeout"
    if (( rc == 124 || rc == 137 )); then
        note="${note:+$note,}killed-after-${UNIT_TIMEOUT}s"
        tmo=$((tmo + 1))
    fi
    if grep -q 'relay: FATAL' "$LOGDIR/$target-$tag.relay.log" 2>/dev/null; then
        note="${note:+$note,}auth-failed"
    fi
    U_OK=$ok; U_FAIL=$((err + exc + tmo)); U_NOTE="${note:--}"; U_SECS=$(( $(date +%s) - t0 ))
}

baseline_min() {
    local unit="$1"
    [[ -f "$HERE/baseline.txt" ]] || { echo 0; return; }
    awk -v u="$unit" '$1 == u { print $2; found = 1; exit } END { if (!found) print 0 }' "$HERE/baseline.txt"
}

# ---------------------------------------------------------------- run
REDIS_COUNTS="$CACHE/redis-counts.txt"   # last Redis numbers, reused by --kuber-only
declare -A R_OK K_OK K_FAIL K_NOTE R_NOTE
start_time=$(date +%s)
infra_fail=0
for unit in "${UNITS[@]}"; do
    tag="${unit//\//_}"
    log "$unit: kuber ..."
    run_unit kuber "$unit"
    k_ok=$U_OK; k_fail=$U_FAIL; k_note=$U_NOTE
    K_OK[$unit]=$k_ok; K_FAIL[$unit]=$k_fail; K_NOTE[$unit]=$k_note
    [[ "$k_note" == *server-did-not-start* || "$k_note" == *auth-failed* ]] && infra_fail=1
    log "$unit: kuber $k_ok ok, $k_fail failed ($k_note) in ${U_SECS}s  log: $LOGDIR/kuber-$tag.log"
    if (( ! kuber_only )); then
        log "$unit: redis ..."
        run_unit redis "$unit"
        r_ok=$U_OK; r_fail=$U_FAIL; r_note=$U_NOTE
        R_OK[$unit]=$r_ok; R_NOTE[$unit]=$r_note
        [[ "$r_note" == *server-did-not-start* || "$r_note" == *auth-failed* ]] && infra_fail=1
        log "$unit: redis $r_ok ok, $r_fail failed ($r_note) in ${U_SECS}s  log: $LOGDIR/redis-$tag.log"
        if [[ "$r_note" == "-" ]]; then
            touch "$REDIS_COUNTS"
            { grep -v "^$unit " "$REDIS_COUNTS"; echo "$unit $r_ok $r_fail"; } >"$REDIS_COUNTS.new"
            mv "$REDIS_COUNTS.new" "$REDIS_COUNTS"
        fi
    else
        cached=$(awk -v u="$unit" '$1 == u { print $2 }' "$REDIS_COUNTS" 2>/dev/null)
        R_OK[$unit]="${cached:+$cached*}"; R_OK[$unit]="${R_OK[$unit]:--}"
    fi
done
elapsed=$(( $(date +%s) - start_time ))

# ---------------------------------------------------------------- report
total_ok=0
total_fail=0
regressions=()
printf '\n%-22s %9s %9s %13s %8s  %s\n' "unit" "Redis ok" "Kuber ok" "Kuber failed" "ratio" "notes"
printf '%-22s %9s %9s %13s %8s  %s\n' "----" "--------" "--------" "------------" "-----" "-----"
for unit in "${UNITS[@]}"; do
    r="${R_OK[$unit]}"; k="${K_OK[$unit]}"; f="${K_FAIL[$unit]}"
    rnum="${r%\*}"
    if [[ "$rnum" =~ ^[0-9]+$ ]] && (( rnum > 0 )); then
        ratio=$(awk -v k="$k" -v r="$rnum" 'BEGIN { printf "%.0f%%", 100 * k / r }')
    else
        ratio="-"
    fi
    notes="${K_NOTE[$unit]}"
    [[ -n "${R_NOTE[$unit]:-}" && "${R_NOTE[$unit]}" != "-" ]] && notes="$notes; redis: ${R_NOTE[$unit]}"
    [[ "$notes" == "-" ]] && notes=""
    min=$(baseline_min "$unit")
    if (( k < min )); then
        regressions+=("$unit: Kuber ok $k < baseline $min")
        notes="${notes:+$notes; }BELOW BASELINE $min"
    fi
    printf '%-22s %9s %9s %13s %8s  %s\n' "$unit" "$r" "$k" "$f" "$ratio" "$notes"
    total_ok=$((total_ok + k))
    total_fail=$((total_fail + f))
done
(( kuber_only )) && [[ -f "$REDIS_COUNTS" ]] && echo "(* Redis ok from the last Redis run, $REDIS_COUNTS)"
echo
echo "logs: $LOGDIR   run time: ${elapsed}s"

if (( verbose )); then
    echo
    echo "Kuber failures:"
    for unit in "${UNITS[@]}"; do
        tag="${unit//\//_}"
        f="$LOGDIR/kuber-$tag.log"
        [[ -f "$f" ]] || continue
        # A failed test: "[err]: NAME in tests/unit/X.tcl".  An aborted block: "[err]: <message cut>"
        # followed by the whole error message on the next line.
        awk -v unit="$unit" '
            /^\[(err|exception|TIMEOUT)\]:/ {
                line = $0
                if (line ~ /^\[err\]:/ && line !~ / in tests\/[^ ]+\.tcl$/) {
                    if ((getline nxt) > 0) line = "[block aborted]: " nxt
                } else if (line ~ /^\[TIMEOUT\]:/) {
                    if ((getline nxt) > 0) { sub(/^[^ ]+ => /, "", nxt); line = "[TIMEOUT]: no progress for 120 s in " nxt }
                } else {
                    sub(/ in tests\/[^ ]+\.tcl$/, "", line)
                }
                print "  " unit "  " line
            }' "$f"
        grep -q 'killed-after' <<<"${K_NOTE[$unit]}" && echo "  $unit  [killed after ${UNIT_TIMEOUT}s]"
    done
fi

if (( ${#regressions[@]} )); then
    echo
    for r in "${regressions[@]}"; do echo "REGRESSION: $r"; done
fi
(( infra_fail )) && echo "a server or the relay failed to start or to authenticate (see notes above)"
echo "$total_ok passed, $total_fail failed"
if (( ${#regressions[@]} || infra_fail )); then exit 1; fi
exit 0
