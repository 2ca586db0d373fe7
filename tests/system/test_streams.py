"""Streams through redis-py against the real server: XADD, a consumer group read with XREADGROUP
(blocking included, served by another client's XADD), XPENDING, XACK and XINFO, WRONGTYPE, and a
stream with its consumer group coming back after a restart (persistence is on by default)."""

from __future__ import annotations

import threading
import time

import pytest
import redis

from kuber_system import KuberFactory, KuberServer


@pytest.fixture
def r(kuber: KuberServer) -> redis.Redis:
    return kuber.client()


def test_consumer_group_read_and_ack(r: redis.Redis) -> None:
    first = r.xadd("orders", {"item": "book", "qty": "1"}, id="1-0")
    second = r.xadd("orders", {"item": "pen", "qty": "3"})
    assert first == "1-0"
    assert r.xlen("orders") == 2
    assert r.xgroup_create("orders", "shipping", id="0") is True
    with pytest.raises(redis.ResponseError, match="BUSYGROUP Consumer Group name already exists"):
        r.xgroup_create("orders", "shipping", id="0")

    read = r.xreadgroup("shipping", "alice", {"orders": ">"}, count=1)
    assert read == [["orders", [("1-0", {"item": "book", "qty": "1"})]]]
    read = r.xreadgroup("shipping", "bob", {"orders": ">"})
    assert read == [["orders", [(second, {"item": "pen", "qty": "3"})]]]

    pending = r.xpending("orders", "shipping")
    assert pending["pending"] == 2
    assert pending["min"] == "1-0" and pending["max"] == second
    assert sorted((c["name"], c["pending"]) for c in pending["consumers"]) == [("alice", 1), ("bob", 1)]

    assert r.xack("orders", "shipping", "1-0", second, "9-9") == 2
    assert r.xpending("orders", "shipping")["pending"] == 0
    groups = r.xinfo_groups("orders")
    assert [(g["name"], g["pending"], g["last-delivered-id"], g["lag"]) for g in groups] == [
        ("shipping", 0, second, 0)
    ]
    assert r.xrange("orders", "-", "+", count=1) == [("1-0", {"item": "book", "qty": "1"})]
    assert r.type("orders") == "stream"


def test_blocked_xreadgroup_is_served_by_xadd(r: redis.Redis, kuber: KuberServer) -> None:
    r.xgroup_create("jobs", "workers", id="$", mkstream=True)
    result: list[object] = []

    def blocked() -> None:
        client = kuber.client()
        result.append(client.xreadgroup("workers", "w1", {"jobs": ">"}, block=5000))

    t = threading.Thread(target=blocked)
    t.start()
    time.sleep(0.2)
    job = r.xadd("jobs", {"task": "resize"})
    t.join(timeout=10)
    assert result == [[["jobs", [(job, {"task": "resize"})]]]]
    assert r.xreadgroup("workers", "w1", {"jobs": ">"}, block=50) == []
    assert r.xack("jobs", "workers", job) == 1


def test_stream_errors(r: redis.Redis) -> None:
    r.set("plain", "x")
    with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
        r.xadd("plain", {"f": "v"})
    r.xadd("s", {"f": "v"}, id="5-0")
    with pytest.raises(redis.ResponseError, match="equal or smaller than the target stream top item"):
        r.xadd("s", {"f": "v"}, id="5-0")
    with pytest.raises(redis.ResponseError, match="NOGROUP"):
        r.xreadgroup("nogroup", "c", {"s": ">"})


def test_a_stream_and_its_group_survive_a_restart(kuber_factory: KuberFactory) -> None:
    server = kuber_factory.start()
    c = server.client()
    for i in range(1, 4):
        c.xadd("events", {"n": str(i)}, id=f"{i}-0")
    c.xdel("events", "2-0")
    c.xgroup_create("events", "audit", id="0")
    c.xreadgroup("audit", "alice", {"events": ">"}, count=1)
    before = c.xinfo_stream("events", full=True)
    assert server.stop() == 0, server.stderr()[-2000:]

    server = kuber_factory.start(data_dir=server.data_dir, admin_password=server.admin_password)
    c = server.client()
    assert c.xinfo_stream("events", full=True) == before
    assert c.xreadgroup("audit", "bob", {"events": ">"}) == [["events", [("3-0", {"n": "3"})]]]
    assert c.xpending("events", "audit")["pending"] == 2
