#!/usr/bin/env python3
"""Persistence benchmark: SET throughput with each backend in write-behind and write-through mode,
and recovery time of 1M keys per backend, against Redis 7 with `appendonly yes` on the same machine.

    python3 bench/persistence.py [--requests 200000] [--clients 50] [--recovery-keys 1000000]
                                 [--backends memory,sqlite,rocksdb,postgresql,mongodb] [--write-docs]

Throughput is `redis-benchmark -t set -c CLIENTS -n REQUESTS -r 100000 -d 64` (one connection per
client, no pipelining) against a release build. Write-behind is compared with Kuber on
`backend: memory` (no journal, nothing durable) and with Redis `appendfsync everysec`; write-through
with Redis `appendfsync always`. Recovery loads RECOVERY_KEYS keys (`redis-cli --pipe`), flushes
(SAVE), stops the server, and times a restart until the server answers with every key loaded; Redis
is timed the same way with its AOF (until PING answers PONG, not LOADING).

PostgreSQL and FerretDB come from `scripts/services.sh start` (started here if
KUBER_TEST_POSTGRES_URL / KUBER_TEST_MONGODB_URI are not set). --write-docs replaces the section
between <!-- persistence:begin --> and <!-- persistence:end --> in docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from urllib.parse import urlsplit, urlunsplit
from pathlib import Path

import redis

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs" / "BENCHMARKS.md"
PASSWORD = "bench-persist-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def kuber_binary() -> Path:
    if os.environ.get("KUBER_BIN"):
        return Path(os.environ["KUBER_BIN"])
    target = Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache" / "kuber-target"))
    env = dict(os.environ, CARGO_TARGET_DIR=str(target))
    subprocess.run(["scripts/build-deps.sh"], cwd=REPO, check=True)
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "kuber-server", "--bin", "kuber-server"],
                   cwd=REPO, env=env, check=True)
    return target / "release" / "kuber-server"


def wait_port(port: int, proc: subprocess.Popen, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.01)
    sys.exit(f"port {port} did not open")


class Server:
    def __init__(self, kind: str, args: list[str], env: dict[str, str], port: int, user: str) -> None:
        self.kind, self.port, self.user = kind, port, user
        self.args, self.env = args, env
        self.proc: subprocess.Popen | None = None

    def start(self) -> float:
        """Starts the server; returns seconds until it answers PING with every key loaded."""
        started = time.monotonic()
        self.proc = subprocess.Popen(self.args, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port, self.proc)
        client = self.client()
        while True:
            try:
                if client.ping():
                    break
            except redis.BusyLoadingError:
                time.sleep(0.01)
        return time.monotonic() - started

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, username=self.user, password=PASSWORD)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            # The final flush of a write-behind run can take minutes on a slow backend (FerretDB).
            self.proc.wait(1800)


def kuber(binary: Path, data: Path, backend: str, mode: str, urls: dict[str, str]) -> Server:
    port = free_port()
    env = dict(os.environ, KUBER_ADMIN_PASSWORD=PASSWORD, KUBER_PERSISTENCE__BACKEND=backend,
               KUBER_PERSISTENCE__MODE=mode)
    env = {k: v for k, v in env.items() if not k.startswith("KUBER_CACHE")}
    if backend == "postgresql":
        env["KUBER_PERSISTENCE__POSTGRESQL__URL"] = urls["postgresql"]
    if backend == "mongodb":
        env["KUBER_PERSISTENCE__MONGODB__URI"] = urls["mongodb"]
        env["KUBER_PERSISTENCE__MONGODB__DATABASE"] = "bench_" + secrets.token_hex(4)
    args = [str(binary), "--bind", "127.0.0.1", "--port", str(port), "--http-port", "0", "--data-dir", str(data)]
    return Server(f"kuber-{backend}", args, env, port, "admin")


def redis_server(data: Path, fsync: str) -> Server:
    port = free_port()
    args = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(data), "--save", "",
            "--appendonly", "yes", "--appendfsync", fsync, "--requirepass", PASSWORD]
    return Server("redis", args, dict(os.environ), port, "default")


def set_throughput(server: Server, requests: int, clients: int) -> float:
    out = subprocess.run(
        ["redis-benchmark", "-p", str(server.port), "--user", server.user, "-a", PASSWORD, "-t", "set",
         "-n", str(requests), "-c", str(clients), "-r", "100000", "-d", "64", "-q"],
        capture_output=True, text=True, check=True).stdout
    match = re.search(r"SET: ([\d.]+) requests per second", out)
    if not match:
        sys.exit(f"cannot read redis-benchmark output: {out!r}")
    return float(match.group(1))


def load_keys(server: Server, n: int) -> None:
    lines = []
    for i in range(n):
        key, value = f"key:{i:08d}", f"value-{i:08d}-{'x' * 16}"
        lines.append(f"*3\r\n$3\r\nSET\r\n${len(key)}\r\n{key}\r\n${len(value)}\r\n{value}\r\n")
    subprocess.run(["redis-cli", "-p", str(server.port), "--user", server.user, "--pass", PASSWORD,
                    "--no-auth-warning", "--pipe"], input="".join(lines).encode(), check=True,
                   capture_output=True)


def recovery_time(server: Server, n: int) -> float:
    server.start()
    load_keys(server, n)
    client = server.client()
    if server.kind != "redis":
        # Redis's AOF already holds the SETs and is flushed by SIGTERM; Kuber flushes its journal.
        client.execute_command("SAVE")
    server.stop()
    seconds = server.start()
    keys = server.client().dbsize()
    server.stop()
    if keys != n:
        sys.exit(f"{server.kind}: {keys} keys after restart, expected {n}")
    return seconds


def services() -> dict[str, str]:
    if not (os.environ.get("KUBER_TEST_POSTGRES_URL") and os.environ.get("KUBER_TEST_MONGODB_URI")):
        out = subprocess.run([REPO / "scripts/services.sh", "start"], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            name, value = line.removeprefix("export ").split("=", 1)
            os.environ[name] = value
    return {"postgresql": os.environ["KUBER_TEST_POSTGRES_URL"], "mongodb": os.environ["KUBER_TEST_MONGODB_URI"]}


def fresh_postgres_db(base: str) -> str:
    name = "bench_" + secrets.token_hex(4)
    subprocess.run(["psql", base, "-q", "-c", f"CREATE DATABASE {name}"], check=True, capture_output=True)
    return urlunsplit(urlsplit(base)._replace(path="/" + name))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=200_000)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--recovery-keys", type=int, default=1_000_000)
    ap.add_argument("--backends", default="memory,sqlite,rocksdb,postgresql,mongodb")
    # FerretDB (the MongoDB-wire server available here) manages a few hundred write-through SETs per
    # second and loads slowly: smaller runs for it keep the benchmark under half an hour.
    ap.add_argument("--mongodb-write-through-requests", type=int, default=5_000)
    ap.add_argument("--mongodb-recovery-keys", type=int, default=100_000)
    ap.add_argument("--write-docs", action="store_true")
    ap.add_argument("--recovery-only", action="store_true",
                    help="reuse the throughput figures of the last run (saved in ~/.cache/kuber-bench)")
    args = ap.parse_args()
    backends = args.backends.split(",")
    binary = kuber_binary()
    urls = services()
    rows: list[tuple[str, str, str, str]] = []
    results: dict[tuple[str, str], float] = {}

    def fresh_urls() -> dict[str, str]:
        return {"postgresql": fresh_postgres_db(urls["postgresql"]), "mongodb": urls["mongodb"]}

    saved = Path.home() / ".cache" / "kuber-bench" / "persistence-throughput.json"
    modes = [] if args.recovery_only else [("write-behind", "everysec"), ("write-through", "always")]
    if args.recovery_only:
        results.update({tuple(k.split("|")): v for k, v in json.loads(saved.read_text()).items()})
    for mode, fsync in modes:
        with tempfile.TemporaryDirectory() as d:
            r = redis_server(Path(d), fsync)
            r.start()
            results[("redis", mode)] = set_throughput(r, args.requests, args.clients)
            r.stop()
        print(f"redis appendfsync {fsync}: {results[('redis', mode)]:,.0f} SET/s", flush=True)
        for backend in backends:
            if backend == "memory" and mode == "write-through":
                continue
            with tempfile.TemporaryDirectory() as d:
                s = kuber(binary, Path(d), backend, mode, fresh_urls())
                s.start()
                n = args.requests
                if backend == "mongodb" and mode == "write-through":
                    n = args.mongodb_write_through_requests
                results[(backend, mode)] = set_throughput(s, n, args.clients)
                print(f"kuber {backend} {mode}: {results[(backend, mode)]:,.0f} SET/s", flush=True)
                s.stop()

    saved.parent.mkdir(parents=True, exist_ok=True)
    saved.write_text(json.dumps({f"{k[0]}|{k[1]}": v for k, v in results.items()}))
    recovery: dict[str, float] = {}
    recovery_keys: dict[str, int] = {"redis": args.recovery_keys}
    with tempfile.TemporaryDirectory() as d:
        recovery["redis"] = recovery_time(redis_server(Path(d), "everysec"), args.recovery_keys)
    print(f"redis AOF recovery of {args.recovery_keys:,} keys: {recovery['redis']:.2f} s", flush=True)
    for backend in backends:
        if backend == "memory":
            continue
        with tempfile.TemporaryDirectory() as d:
            n = args.mongodb_recovery_keys if backend == "mongodb" else args.recovery_keys
            recovery[backend] = recovery_time(kuber(binary, Path(d), backend, "write-behind", fresh_urls()), n)
            recovery_keys[backend] = n
        print(f"kuber {backend} recovery of {n:,} keys: {recovery[backend]:.2f} s", flush=True)

    memory = results.get(("memory", "write-behind"))
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on this machine ({os.cpu_count()} cores), release build. Command: "
        f"`python3 bench/persistence.py --requests {args.requests} --clients {args.clients} "
        f"--recovery-keys {args.recovery_keys} --write-docs` (MongoDB: FerretDB 1.24 on SQLite, write-through "
        f"with {args.mongodb_write_through_requests:,} requests, recovery of {args.mongodb_recovery_keys:,} keys).",
        "",
        f"SET throughput, `redis-benchmark -t set -c {args.clients} -n {args.requests} -r 100000 -d 64`:",
        "",
        "| server | write-behind SET/s | vs Kuber memory | vs Redis everysec | write-through SET/s | vs Redis always |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    rb, rt = results[("redis", "write-behind")], results[("redis", "write-through")]
    lines.append(f"| Redis 7 AOF | {rb:,.0f} | | 1.00 | {rt:,.0f} | 1.00 |")
    for backend in backends:
        wb = results.get((backend, "write-behind"))
        wt = results.get((backend, "write-through"))
        lines.append(
            f"| Kuber {backend} | {wb:,.0f} | {wb / memory:.2f} | {wb / rb:.2f} | "
            + (f"{wt:,.0f} | {wt / rt:.2f} |" if wt else "— | — |")
        )
    lines += ["", "Recovery (restart until every key is served; keys of 16 bytes, values of 31):", "",
              "| server | keys | seconds | keys/s |", "|---|---:|---:|---:|"]
    for name in ["redis", *backends]:
        if name in recovery:
            label = "Redis 7 AOF" if name == "redis" else f"Kuber {name}"
            n = recovery_keys[name]
            lines.append(f"| {label} | {n:,} | {recovery[name]:.2f} | {n / recovery[name]:,.0f} |")
    text = "\n".join(lines)
    print(text)
    if args.write_docs:
        doc = DOCS.read_text()
        begin, end = "<!-- persistence:begin -->", "<!-- persistence:end -->"
        if begin in doc:
            doc = doc[: doc.index(begin) + len(begin)] + "\n" + text + "\n" + doc[doc.index(end):]
        else:
            doc += f"\n## Persistence\n\n{begin}\n{text}\n{end}\n"
        DOCS.write_text(doc)


if __name__ == "__main__":
    main()
