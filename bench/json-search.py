#!/usr/bin/env python3
"""JSON search benchmark: JSEARCH full scans, indexed lookups, index build time, index memory and the
write cost of maintaining indexes, against a release build of Kuber (and Redis for the JSET ratio).

    python3 bench/json-search.py [--small 100000] [--large 1000000] [--reps 21] [--write-docs]

Documents look like {"id":n,"name":…,"age":18..80,"city":one of 100,"roles":[…],"address":{"zip":…}};
`$.city=Oslo` selects about 1 %.  Each query time is the median of --reps client round trips (redis-py,
one connection, reply fully read).  --write-docs replaces the section between
<!-- json-search:begin --> and <!-- json-search:end --> in docs/BENCHMARKS.md.

Environment: KUBER_BIN (default: cargo build --release, binary in $CARGO_TARGET_DIR/release),
CARGO_TARGET_DIR (default $HOME/.cache/kuber-target).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs" / "BENCHMARKS.md"
PASSWORD = "bench-json-secret"
CITIES = ["Oslo"] + [f"City{i:02d}" for i in range(99)]
ROLES = ["admin", "dev", "ops", "sales"]
BATCH = 1000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def kuber_binary() -> Path:
    if os.environ.get("KUBER_BIN"):
        return Path(os.environ["KUBER_BIN"])
    target = Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache" / "kuber-target"))
    env = dict(os.environ, CARGO_TARGET_DIR=str(target))
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "kuber-server", "--bin", "kuber-server"],
                   cwd=REPO, env=env, check=True)
    return target / "release" / "kuber-server"


def document(n: int, rng: random.Random) -> str:
    roles = [r for r in ROLES if rng.random() < 0.3] or ["dev"]
    return json.dumps({
        "id": n,
        "name": f"user{n}",
        "age": rng.randint(18, 80),
        "city": CITIES[rng.randrange(len(CITIES))],
        "roles": roles,
        "address": {"zip": f"{rng.randint(0, 99999):05d}"},
    }, separators=(",", ":"))


class Server:
    def __init__(self, argv: list[str], port: int, env: dict | None = None):
        self.port = port
        self.proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise SystemExit(f"server on port {port} did not start: {argv}")

    def rss_bytes(self) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return 0

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def load(client: redis.Redis, command: str, docs: list[str], offset: int = 0) -> float:
    """Writes docs in pipelined batches; returns documents per second."""
    start = time.perf_counter()
    for base in range(0, len(docs), BATCH):
        pipe = client.pipeline(transaction=False)
        for i, doc in enumerate(docs[base:base + BATCH]):
            pipe.execute_command(command, f"doc:{offset + base + i:08d}", doc)
        pipe.execute()
    return len(docs) / (time.perf_counter() - start)


def median_ms(client: redis.Redis, args: list[str], reps: int) -> tuple[float, int]:
    times = []
    found = 0
    for _ in range(reps):
        start = time.perf_counter()
        reply = client.execute_command(*args)
        times.append((time.perf_counter() - start) * 1000)
        found = len(reply) // 2
    return statistics.median(times), found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--reps", type=int, default=21)
    parser.add_argument("--write-docs", action="store_true")
    opts = parser.parse_args()
    invocation = "python3 bench/json-search.py " + " ".join(sys.argv[1:])

    binary = kuber_binary()
    rng = random.Random(42)
    small_docs = [document(n, rng) for n in range(opts.small)]
    work = Path(tempfile.mkdtemp(prefix="kuber-json-bench."))
    port = free_port()
    env = dict(os.environ, KUBER_ADMIN_PASSWORD=PASSWORD, KUBER_PERSISTENCE__BACKEND="memory")
    kuber = Server([str(binary), "--bind", "127.0.0.1", "--port", str(port), "--http-port", "0",
                    "--data-dir", str(work)], port, env)
    rows: list[tuple[str, str, str, str]] = []
    try:
        c = redis.Redis(port=port, username="admin", password=PASSWORD, decode_responses=False)
        q_city = "$.city=Oslo"
        q_age_admin = "$.age>30,$.roles CONTAINS admin"

        # 1. Full scans over the small set.
        c.execute_command("RCREATE", "scan")
        c.execute_command("RSELECT", "scan")
        plain_rate = load(c, "JSET", small_docs)
        for q, target in ((q_city, 25), (q_age_admin, 40)):
            ms, found = median_ms(c, ["JSEARCH", q], opts.reps)
            rows.append((f"{opts.small:,} docs, full scan: `JSEARCH {q}` ({found} results, default LIMIT 1000)",
                         f"{ms:.1f} ms", f"< {target} ms", "met" if ms < target else f"missed by {ms - target:.1f} ms"))

        # 2. Write cost of two indexes: the same documents into a region with both indexes.
        c.execute_command("RCREATE", "indexed")
        c.execute_command("JINDEX", "CREATE", "indexed", "by_city", "$.city", "HASH")
        c.execute_command("JINDEX", "CREATE", "indexed", "by_age", "$.age", "SORTED")
        c.execute_command("RSELECT", "indexed")
        indexed_rate = load(c, "JSET", small_docs)
        ratio = indexed_rate / plain_rate
        rows.append((f"JSET throughput with two indexes vs none ({opts.small:,} pipelined JSETs each)",
                     f"{indexed_rate:,.0f}/s vs {plain_rate:,.0f}/s = {ratio:.2f}", ">= 0.70",
                     "met" if ratio >= 0.7 else f"missed by {0.7 - ratio:.2f}"))
        c.execute_command("RDROP", "indexed")
        c.execute_command("RDROP", "scan")

        # 3. The large set with indexes.
        c.execute_command("RCREATE", "large")
        c.execute_command("RSELECT", "large")
        large_rng = random.Random(7)
        for base in range(0, opts.large, 100_000):
            chunk = [document(n, large_rng) for n in range(base, min(base + 100_000, opts.large))]
            load(c, "JSET", chunk, offset=base)
        rss_before = kuber.rss_bytes()
        for name, path, kind in (("by_city", "$.city", "HASH"), ("by_age", "$.age", "SORTED")):
            start = time.perf_counter()
            c.execute_command("JINDEX", "CREATE", "large", name, path, kind)
            seconds = time.perf_counter() - start
            rows.append((f"index build, {kind} on `{path}`, {opts.large:,} docs", f"{seconds:.2f} s", "< 10 s",
                         "met" if seconds < 10 else f"missed by {seconds - 10:.2f} s"))
        rss_after = kuber.rss_bytes()
        per_doc = (rss_after - rss_before) / opts.large
        rows.append((f"memory of both indexes per document (RSS growth / {opts.large:,})",
                     f"{per_doc:.0f} bytes", "(measured)", "-"))
        for q in (q_city, q_age_admin):
            explain = [line.decode() for line in c.execute_command("JSEARCH", q, "EXPLAIN")]
            ms, found = median_ms(c, ["JSEARCH", q, "LIMIT", "100"], opts.reps)
            rows.append((f"{opts.large:,} docs, indexed: `JSEARCH {q} LIMIT 100` ({found} results; plan: {explain[0]})",
                         f"{ms:.3f} ms", "< 1 ms", "met" if ms < 1 else f"missed by {ms - 1:.3f} ms"))
    finally:
        kuber.stop()
        shutil.rmtree(work, ignore_errors=True)

    # 4. JSET against Redis SET of the same text, as a ratio (Redis has no JSON type of its own here).
    rport = free_port()
    rdir = Path(tempfile.mkdtemp(prefix="redis-json-bench."))
    redis_server = Server(["redis-server", "--port", str(rport), "--save", "", "--appendonly", "no",
                           "--dir", str(rdir)], rport)
    try:
        r = redis.Redis(port=rport)
        redis_rate = load(r, "SET", small_docs)
    finally:
        redis_server.stop()
        shutil.rmtree(rdir, ignore_errors=True)
    rows.append((f"Kuber JSET (parses, indexes nothing) vs Redis SET of the same text, {opts.small:,} pipelined",
                 f"{plain_rate:,.0f}/s vs {redis_rate:,.0f}/s = {plain_rate / redis_rate:.2f}", "(ratio)", "-"))

    table = ["| measurement | result | target | verdict |", "|---|---|---|---|"]
    table += [f"| {a} | {b} | {c_} | {d} |" for a, b, c_, d in rows]
    cpu = subprocess.run(["sh", "-c", "lscpu | sed -n 's/^Model name: *//p'"], capture_output=True, text=True).stdout.strip()
    section = "\n".join([
        f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores ({cpu or 'unknown CPU'}), release build, "
        f"persistence `memory`, with:",
        "",
        f"    {invocation}",
        "",
        *table,
    ])
    print(section)
    if opts.write_docs:
        text = DOCS.read_text() if DOCS.exists() else "# Benchmarks\n"
        begin, end = "<!-- json-search:begin -->", "<!-- json-search:end -->"
        block = f"{begin}\n{section}\n{end}"
        if begin in text and end in text:
            text = text[:text.index(begin)] + block + text[text.index(end) + len(end):]
        else:
            text = text.rstrip() + "\n\n## JSON search\n\n" + block + "\n"
        DOCS.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
