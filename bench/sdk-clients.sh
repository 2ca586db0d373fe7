#!/usr/bin/env bash
# Client SDK throughput: the Kuber Python SDK vs redis-py and the Kuber Java SDK vs Jedis against
# the same Kuber server (GET/SET, one thread and pipelined), clients taking turns, medians of REPS.
#
#   bench/sdk-clients.sh [--write-docs]
#
# --write-docs  replace the section between <!-- sdk:begin --> and <!-- sdk:end --> in
#               docs/BENCHMARKS.md.
# Environment:  N (commands per run, default 50000), BATCH (default 100), REPS (default 5),
#               CARGO_TARGET_DIR (default $HOME/.cache/kuber-target),
#               KUBER_BIN (default: the release kuber-server there, else the debug one).
# Needs: python3 with pip, java + mvn; installs the Python SDK and redis-py into a fresh venv.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/kuber-target}
export N=${N:-50000} BATCH=${BATCH:-100} REPS=${REPS:-5}
WRITE_DOCS=0
for arg in "$@"; do
    case $arg in
        --write-docs) WRITE_DOCS=1 ;;
        -h | --help) sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument: $arg (try --help)" >&2; exit 2 ;;
    esac
done
if [[ -z "${KUBER_BIN:-}" ]]; then
    KUBER_BIN=$CARGO_TARGET_DIR/release/kuber-server
    [[ -x $KUBER_BIN ]] || KUBER_BIN=$CARGO_TARGET_DIR/debug/kuber-server
fi
[[ -x $KUBER_BIN ]] || { echo "no kuber-server at $KUBER_BIN: build it or set KUBER_BIN" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/kuber-sdk-bench.XXXXXX")
SERVER_PID=""
cleanup() {
    [[ -n $SERVER_PID ]] && { kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; }
    rm -rf "$WORK"
}
trap cleanup EXIT

echo "[bench] Python SDK (release wheel) and redis-py into a venv" >&2
python3 -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install -q ./python redis
echo "[bench] Java SDK jar and Jedis" >&2
mvn -B -q -f java/pom.xml package -DskipTests
mvn -B -q -f java/pom.xml dependency:build-classpath -Dmdep.includeScope=runtime -Dmdep.outputFile="$WORK/sdk.cp"
mvn -B -q -f bench/java/pom.xml dependency:build-classpath -Dmdep.outputFile="$WORK/bench.cp"
CP="java/target/kuber-client-0.1.0.jar:$(cat "$WORK/sdk.cp"):$(cat "$WORK/bench.cp")"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
HTTP_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
PASSWORD="bench-$RANDOM$RANDOM"
KUBER_ADMIN_PASSWORD=$PASSWORD "$KUBER_BIN" --bind 127.0.0.1 --port "$PORT" --http-port "$HTTP_PORT" \
    --data-dir "$WORK/data" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.05; done

"$WORK/venv/bin/python" bench/sdk_clients.py 127.0.0.1 "$PORT" admin "$PASSWORD" | tee "$WORK/results.jsonl"
java -cp "$CP" bench/java/SdkBench.java 127.0.0.1 "$PORT" admin "$PASSWORD" | tee -a "$WORK/results.jsonl"

TABLE=$(python3 - "$WORK/results.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
out = ["| language | test | Kuber SDK ops/s | baseline | baseline ops/s | SDK / baseline |", "|---|---|---:|---|---:|---:|"]
for lang in ("Python", "Java"):
    mine = {r["test"]: r for r in rows if r["lang"] == lang and r["client"].startswith("kuber")}
    base = {r["test"]: r for r in rows if r["lang"] == lang and not r["client"].startswith("kuber")}
    for test, m in mine.items():
        b = base[test]
        out.append(f"| {lang} | {test} | {m['ops_per_sec']:,} | {b['client']} | {b['ops_per_sec']:,} | {m['ops_per_sec'] / b['ops_per_sec']:.2f}x |")
print("\n".join(out))
PY
)
echo "$TABLE"

if ((WRITE_DOCS)); then
    SECTION=$(cat <<EOF2
<!-- sdk:begin -->
Measured by \`N=$N BATCH=$BATCH REPS=$REPS bench/sdk-clients.sh --write-docs\` on $(date -u +%Y-%m-%d)
($(nproc) cores, shared with other work; server \`$(basename "$(dirname "$KUBER_BIN")")\` build, memory backend,
16-byte values). Medians of $REPS runs of $N commands; the two clients of a language take turns in each
repetition. "1 thread" is one round trip per command; "pipelined" sends batches of $BATCH.

$TABLE

Runs on this shared 2-core machine move by up to ±30% from one invocation to the next; compare the
ratios within a run. The Java SDK's pipelines trail Jedis here (target: at least equal). In a
separate, longer probe (six rounds of 200,000 pipelined GETs on one client) the SDK went from 0.72M to
0.92M ops/s as the JIT compiled its path, and by the end the Java side (request encoding, JNI copies,
reply decoding) was 6-7% of each batch's time; the three warm-up repetitions here (150,000 commands)
may not reach that state. Jedis was not measured under that longer warm-up.
<!-- sdk:end -->
EOF2
)
    python3 - docs/BENCHMARKS.md "$SECTION" <<'PY'
import re, sys
path, section = sys.argv[1], sys.argv[2]
text = open(path).read()
if "<!-- sdk:begin -->" in text:
    text = re.sub(r"<!-- sdk:begin -->.*?<!-- sdk:end -->", lambda _: section, text, flags=re.S)
else:
    text = text.rstrip("\n") + "\n\n## Client SDKs\n\n" + section + "\n"
open(path, "w").write(text)
PY
    echo "[bench] docs/BENCHMARKS.md updated" >&2
fi
