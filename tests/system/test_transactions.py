"""Transactions through redis-py: MULTI/EXEC atomicity, WATCH conflicts, EXECABORT."""

from __future__ import annotations

import random
import threading

import pytest
import redis

from kuber_system import KuberServer

ACCOUNTS = [f"acct:{i}" for i in range(10)]
START = 1_000


def test_watch_multi_transfers_keep_the_total_constant(kuber: KuberServer) -> None:
    setup = kuber.client()
    setup.mset({key: START for key in ACCOUNTS})
    done = 0
    lock = threading.Lock()
    target = 10_000
    errors: list[BaseException] = []

    def worker(seed: int) -> None:
        nonlocal done
        rng = random.Random(seed)
        client = kuber.client()
        pipe = client.pipeline(transaction=True)
        try:
            while True:
                with lock:
                    if done >= target:
                        return
                src, dst = rng.sample(ACCOUNTS, 2)
                try:
                    pipe.watch(src, dst)
                    balance = int(pipe.get(src))
                    amount = rng.randint(0, max(0, min(balance, 50)))
                    pipe.multi()
                    pipe.decrby(src, amount)
                    pipe.incrby(dst, amount)
                    pipe.execute()
                except redis.WatchError:
                    continue
                finally:
                    pipe.reset()
                with lock:
                    done += 1
        except BaseException as e:  # surfaced below: a thread's exception must fail the test
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert done >= target
    balances = [int(v) for v in setup.mget(ACCOUNTS)]
    assert sum(balances) == START * len(ACCOUNTS)
    assert all(b >= 0 for b in balances), balances


def test_exec_is_not_interleaved(kuber: KuberServer) -> None:
    """While one client's EXEC runs 1,000 INCRs, another client's reads see all or nothing of it."""
    writer, reader = kuber.client(), kuber.client()
    writer.set("counter", 0)
    seen: list[int] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            seen.append(int(reader.get("counter")))

    t = threading.Thread(target=read)
    t.start()
    for _ in range(20):
        pipe = writer.pipeline(transaction=True)
        for _ in range(1000):
            pipe.incr("counter")
        pipe.execute()
    stop.set()
    t.join()
    assert seen, "the reader made no progress"
    assert all(v % 1000 == 0 for v in seen), sorted({v for v in seen if v % 1000})[:10]


def test_queueing_errors_abort_exec(kuber: KuberServer) -> None:
    with kuber.raw() as c:
        assert c.call("MULTI") == "OK"
        assert c.call("SET", "k", "v") == "QUEUED"
        assert c.call_raw("SET", "k") == b"-ERR wrong number of arguments for 'set' command\r\n"
        assert c.call_raw("EXEC") == b"-EXECABORT Transaction discarded because of previous errors.\r\n"
        assert c.call("EXISTS", "k") == 0


def test_redis_py_transaction_helper(kuber: KuberServer) -> None:
    client = kuber.client()
    client.set("balance", 10)

    def double(pipe: redis.client.Pipeline) -> None:
        value = int(pipe.get("balance"))
        pipe.multi()
        pipe.set("balance", value * 2)

    client.transaction(double, "balance")
    assert client.get("balance") == "20"


@pytest.mark.parametrize("protocol", [2, 3])
def test_exec_replies_in_both_protocols(kuber: KuberServer, protocol: int) -> None:
    client = kuber.client(protocol=protocol)
    pipe = client.pipeline(transaction=True)
    pipe.set("p", 1).incr("p").get("p")
    assert pipe.execute() == [True, 2, "2"]
