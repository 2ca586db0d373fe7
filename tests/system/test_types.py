"""Hashes, lists, sets and sorted sets through redis-py against the real server, including WRONGTYPE
across types and a blocking pop served by another client's push."""

from __future__ import annotations

import threading
import time

import pytest
import redis

from kuber_system import KuberServer

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


@pytest.fixture
def r(kuber: KuberServer) -> redis.Redis:
    return kuber.client()


def error_of(call) -> str:
    with pytest.raises(redis.ResponseError) as info:
        call()
    return str(info.value)


def test_hashes(r: redis.Redis) -> None:
    assert r.hset("h", mapping={"a": "1", "b": "2"}) == 2
    assert r.hget("h", "a") == "1"
    assert r.hgetall("h") == {"a": "1", "b": "2"}
    assert r.hincrby("h", "a", 5) == 6
    assert r.hincrbyfloat("h", "f", 1.5) == 1.5
    assert sorted(r.hkeys("h")) == ["a", "b", "f"]
    assert r.hdel("h", "a", "b", "f") == 3
    assert r.exists("h") == 0


def test_lists_and_blocking_pop(r: redis.Redis, kuber: KuberServer) -> None:
    assert r.rpush("l", "a", "b", "c") == 3
    assert r.lrange("l", 0, -1) == ["a", "b", "c"]
    assert r.lpop("l") == "a"
    assert r.lmove("l", "l2", "RIGHT", "LEFT") == "c"
    result: list[object] = []

    def blocked() -> None:
        result.append(kuber.client().blpop(["q"], timeout=5))

    t = threading.Thread(target=blocked)
    t.start()
    time.sleep(0.2)
    assert r.rpush("q", "job") == 1
    t.join(timeout=10)
    assert result == [("q", "job")]
    assert r.blpop(["empty"], timeout=0.1) is None


def test_sets(r: redis.Redis) -> None:
    assert r.sadd("s1", "a", "b", "c") == 3
    assert r.sadd("s2", "b", "c", "d") == 3
    assert r.sinter("s1", "s2") == {"b", "c"}
    assert r.sunion("s1", "s2") == {"a", "b", "c", "d"}
    assert r.sdiff("s1", "s2") == {"a"}
    assert r.sinterstore("dst", ["s1", "s2"]) == 2
    assert r.smembers("dst") == {"b", "c"}
    assert r.sismember("s1", "a") == 1


def test_sorted_sets(r: redis.Redis) -> None:
    assert r.zadd("z", {"a": 1, "b": 2, "c": 3}) == 3
    assert r.zrange("z", 0, -1, withscores=True) == [("a", 1.0), ("b", 2.0), ("c", 3.0)]
    assert r.zscore("z", "b") == 2.0
    assert r.zincrby("z", 10, "a") == 11.0
    assert r.zrangebyscore("z", 2, 3) == ["b", "c"]
    assert r.zrevrank("z", "a") == 0
    assert r.zpopmin("z") == [("b", 2.0)]


def test_wrongtype_across_types(r: redis.Redis) -> None:
    r.rpush("list", "a")
    r.set("str", "v")
    r.hset("hash", "f", "v")
    assert r.type("list") == "list"
    assert r.type("hash") == "hash"
    assert r.type("str") == "string"
    assert r.type("none") == "none"
    assert error_of(lambda: r.get("list")) == WRONGTYPE
    assert error_of(lambda: r.incr("list")) == WRONGTYPE
    assert error_of(lambda: r.hget("list", "f")) == WRONGTYPE
    assert error_of(lambda: r.sadd("hash", "m")) == WRONGTYPE
    assert error_of(lambda: r.lpush("str", "x")) == WRONGTYPE
    assert r.set("list", "now a string") is True
    assert r.type("list") == "string"
