"""Python client throughput against one Kuber server: the kuber SDK vs redis-py, GET and SET, one
thread (a round trip per command) and pipelined (batches of BATCH). Prints one JSON line per
result: {"lang","client","test","ops_per_sec"} (median of REPS runs).

    python bench/sdk_clients.py HOST PORT USER PASSWORD
Environment: N (commands per run, default 20000), BATCH (pipeline size, default 100), REPS (3).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time

import redis

import kuber

HOST, PORT, USER, PASSWORD = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
N = int(os.environ.get("N", "20000"))
BATCH = int(os.environ.get("BATCH", "100"))
REPS = int(os.environ.get("REPS", "3"))
VALUE = b"x" * 16


def single_set(c, prefix):
    for i in range(N):
        c.set(f"{prefix}:{i}", VALUE)


def single_get(c, prefix):
    for i in range(N):
        c.get(f"{prefix}:{i}")


def piped(c, prefix, op):
    for start in range(0, N, BATCH):
        p = c.pipeline() if isinstance(c, kuber.KuberRedisClient) else c.pipeline(transaction=False)
        for i in range(start, min(N, start + BATCH)):
            if op == "set":
                p.set(f"{prefix}:{i}", VALUE)
            else:
                p.get(f"{prefix}:{i}")
        p.execute()


def main() -> None:
    clients = {
        "kuber (Python SDK)": kuber.KuberRedisClient(HOST, PORT, username=USER, password=PASSWORD),
        "redis-py " + redis.__version__: redis.Redis(host=HOST, port=PORT, username=USER, password=PASSWORD),
    }
    tests = {
        "SET, 1 thread": lambda c, p: single_set(c, p),
        "GET, 1 thread": lambda c, p: single_get(c, p),
        f"SET, pipelined x{BATCH}": lambda c, p: piped(c, p, "set"),
        f"GET, pipelined x{BATCH}": lambda c, p: piped(c, p, "get"),
    }
    for test, fn in tests.items():
        # The clients take turns within each repetition, so a change in machine load during the
        # run affects both alike.
        rates: dict[str, list[float]] = {name: [] for name in clients}
        for rep in range(REPS + 1):
            for name, c in clients.items():
                prefix = "py-" + name.split()[0]
                t = time.perf_counter()
                fn(c, prefix)
                if rep > 0:  # repetition 0 warms up connections and creates the keys
                    rates[name].append(N / (time.perf_counter() - t))
        for name in clients:
            print(json.dumps({"lang": "Python", "client": name, "test": test,
                              "ops_per_sec": round(statistics.median(rates[name]))}), flush=True)
    for c in clients.values():
        c.close()


if __name__ == "__main__":
    main()
