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


@pytest.fixture
def real_redis(tmp_path):
    """Debian's redis-server on a free port: the other side of a DUMP/RESTORE migration."""
    import subprocess

    from kuber_system import free_port

    port = free_port()
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    deadline = time.time() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            assert time.time() < deadline, "redis-server did not start"
            time.sleep(0.05)
    yield client
    proc.terminate()
    proc.wait(timeout=10)


def test_dump_restore_moves_values_between_redis_and_kuber(kuber: KuberServer, real_redis: redis.Redis) -> None:
    k = kuber.client(decode_responses=False)
    # Redis 7 writes small collections in its compact encodings (listpack, intset, quicklist)
    # and long strings LZF-compressed; big ones in the plain encodings.
    real_redis.rpush("list", "a", "-3", "70000", "9000000000000", "x" * 5000)
    real_redis.hset("small-hash", mapping={"f": "v", "n": "-12"})
    real_redis.hset("big-hash", mapping={f"f{i}": str(i) for i in range(1000)})
    real_redis.zadd("zset", {"a": 1.5, "b": -7})
    real_redis.sadd("ints", 1, -300, 70000)
    real_redis.sadd("words", *[f"w{i}" for i in range(600)])
    real_redis.set("text", "abc" * 1000)
    real_redis.set("counter", 12345)
    keys = [b"list", b"small-hash", b"big-hash", b"zset", b"ints", b"words", b"text", b"counter"]
    for key in keys:
        assert k.restore(key, 0, real_redis.dump(key)) in (True, b"OK")
    assert k.lrange("list", 0, -1) == real_redis.lrange("list", 0, -1)
    assert k.hgetall("small-hash") == real_redis.hgetall("small-hash")
    assert k.hgetall("big-hash") == real_redis.hgetall("big-hash")
    assert k.zrange("zset", 0, -1, withscores=True) == real_redis.zrange("zset", 0, -1, withscores=True)
    assert k.smembers("ints") == real_redis.smembers("ints")
    assert k.smembers("words") == real_redis.smembers("words")
    assert k.get("text") == real_redis.get("text") and k.get("counter") == b"12345"
    # And back: Kuber's payloads restore into Redis under new names, with a TTL.
    for key in keys:
        assert real_redis.restore(b"from-kuber-" + key, 60_000, k.dump(key)) in (True, b"OK")
    assert real_redis.lrange("from-kuber-list", 0, -1) == k.lrange("list", 0, -1)
    assert real_redis.hgetall("from-kuber-big-hash") == k.hgetall("big-hash")
    assert real_redis.zrange("from-kuber-zset", 0, -1, withscores=True) == k.zrange("zset", 0, -1, withscores=True)
    assert real_redis.smembers("from-kuber-words") == k.smembers("words")
    assert 0 < real_redis.pttl("from-kuber-text") <= 60_000
    # A damaged payload is refused and the key is not created.
    damaged = bytearray(real_redis.dump("text"))
    damaged[5] ^= 0xFF
    with pytest.raises(redis.ResponseError, match="DUMP payload version or checksum are wrong"):
        k.restore("damaged", 0, bytes(damaged))
    assert k.exists("damaged") == 0
