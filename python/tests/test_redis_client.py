"""Every method of `KuberRedisClient` against a live server, with exact results."""

from __future__ import annotations

import threading
import time

import pytest

import kuber
from kuber import (
    KuberAuthError,
    KuberConfigError,
    KuberConnectionError,
    KuberError,
    KuberNotFoundError,
    KuberPermissionError,
    KuberRedisClient,
    KuberServerError,
    KuberTimeoutError,
    KuberWrongTypeError,
)


@pytest.mark.parametrize("creds", [{}, {"username": "admin"}, {"password": "x"}, {"username": "", "password": "x"}, {"username": "a", "password": ""}])
def test_missing_credentials_raise_value_error_without_io(creds):
    with pytest.raises(ValueError) as info:
        KuberRedisClient("127.0.0.1", 1, **creds)  # port 1: nothing listens; no I/O happens
    assert isinstance(info.value, KuberConfigError) and isinstance(info.value, KuberError)
    assert str(info.value) in ("username is required", "password is required")


def test_documented_constructor_and_context_manager(server):
    with KuberRedisClient("127.0.0.1", server.port, username="admin", password="secret") as client:
        assert client.ping() == "PONG"
    with pytest.raises(KuberConnectionError):
        client.ping()


def test_wrong_password_and_reader_permission(server):
    with pytest.raises(KuberAuthError) as info:
        KuberRedisClient("127.0.0.1", server.port, username="admin", password="bad")
    assert info.value.code == "WRONGPASS"
    assert str(info.value) == "WRONGPASS invalid username-password pair or user is disabled."
    reader = KuberRedisClient("127.0.0.1", server.port, username="reader", password="readpw")
    assert reader.get("nothing") is None
    with pytest.raises(KuberPermissionError) as info:
        reader.set("k", "v")
    assert info.value.code == "NOPERM" and info.value.kind == "Permission"


def test_unreachable_server_is_connection_error():
    with pytest.raises(KuberConnectionError):
        KuberRedisClient("127.0.0.1", 1, username="a", password="b")


def test_regions(client):
    client.create_region("orders", description="orders", ttl=100, max_entries=10)
    with pytest.raises(KuberServerError) as info:
        client.create_region("orders")
    assert info.value.code == "REGIONEXISTS"
    assert sorted(client.list_regions()) == ["default", "orders"]
    info = client.region_info("orders")
    assert (info["name"], info["description"], info["defaultTtl"], info["maxEntries"]) == ("orders", "orders", 100, 10)
    with pytest.raises(KuberNotFoundError):
        client.region_info("missing")
    client.set("k", "v", region="orders")
    assert client.current_region == "default"
    assert client.get("k") is None
    assert client.get("k", region="orders") == b"v"
    client.select_region("orders")
    assert client.current_region == "orders"
    assert client.get("k") == b"v"
    client.purge_region("orders")
    assert client.dbsize() == 0
    client.select_region("default")
    client.delete_region("orders")
    with pytest.raises(KuberNotFoundError):
        client.delete_region("orders")


def test_strings(client):
    assert client.set("s", "v") is True
    assert client.get("s") == b"v"
    client.set(b"\x00bin", b"\xff\x00")
    assert client.get(b"\x00bin") == b"\xff\x00"
    client.set("n", 42)
    assert client.get("n") == b"42"
    client.set("t", "v", ttl=50)
    assert 49 <= client.ttl("t") <= 50
    assert client.setnx("nx", "1") is True
    assert client.setnx("nx", "2") is False
    client.setex("e", 30, "v")
    assert 29 <= client.ttl("e") <= 30
    client.mset({"a": "1", "b": "2"})
    assert client.mget(["a", "missing", "b"]) == [b"1", None, b"2"]
    assert client.incr("i") == 1
    assert client.incrby("i", 10) == 11
    assert client.decr("i") == 10
    assert client.decrby("i", 3) == 7
    assert client.append("s", "w") == 2
    assert client.strlen("s") == 2
    with pytest.raises(KuberServerError) as info:
        client.incr("s")
    assert str(info.value) == "ERR value is not an integer or out of range" and info.value.code == "ERR"
    with pytest.raises(TypeError):
        client.set("k", object())


def test_decode_responses(server):
    c = KuberRedisClient("127.0.0.1", server.port, username="admin", password="secret", decode_responses=True)
    c.set("text", "héllo")
    assert c.get("text") == "héllo"
    assert c.mget(["text"]) == ["héllo"]
    c.close()


def test_keys(client):
    client.mset({"user:1": "a", "user:2": "b", "other": "c"})
    assert sorted(client.keys("user:*")) == [b"user:1", b"user:2"]
    cursor, seen = 0, []
    while True:
        cursor, keys = client.scan(cursor, match="user:*", count=1)
        seen += keys
        if cursor == 0:
            break
    assert sorted(seen) == [b"user:1", b"user:2"]
    client.expire("user:2", 100)
    rows = sorted(client.ksearch("^user:"))
    assert rows[0] == (b"user:1", "string", -1)
    assert rows[1][:2] == (b"user:2", "string") and rows[1][2] > 90
    assert len(client.ksearch("^user:", limit=1)) == 1
    assert client.exists("user:1", "user:2", "nope") == 2
    assert client.type("user:1") == "string"
    assert client.type("nope") == "none"
    assert client.ttl("user:1") == -1
    assert client.ttl("nope") == -2
    assert client.expire("user:1", 100) is True
    assert client.persist("user:1") is True
    assert client.persist("user:1") is False
    client.rename("user:1", "user:9")
    assert client.get("user:9") == b"a"
    with pytest.raises(KuberNotFoundError) as info:
        client.rename("nope", "x")
    assert str(info.value) == "ERR no such key"
    assert client.delete("user:9", "user:2", "nope") == 2
    assert client.dbsize() == 1
    client.flushdb()
    assert client.dbsize() == 0


def test_hashes(client):
    assert client.hset("h", "f1", "v1") is True
    assert client.hset("h", "f1", "v1b") is False
    client.hmset("h", {"f2": "v2", "f3": "v3"})
    assert client.hget("h", "f1") == b"v1b"
    assert client.hget("h", "zz") is None
    assert client.hmget("h", ["f2", "zz"]) == [b"v2", None]
    assert client.hgetall("h") == {b"f1": b"v1b", b"f2": b"v2", b"f3": b"v3"}
    assert client.hexists("h", "f2") is True
    assert client.hexists("h", "zz") is False
    assert sorted(client.hkeys("h")) == [b"f1", b"f2", b"f3"]
    assert sorted(client.hvals("h")) == [b"v1b", b"v2", b"v3"]
    assert client.hlen("h") == 3
    assert client.hdel("h", "f1", "zz") == 1
    assert client.hgetall("missing") == {}
    client.set("s", "v")
    with pytest.raises(KuberWrongTypeError) as info:
        client.hget("s", "f")
    assert str(info.value) == "WRONGTYPE Operation against a key holding the wrong kind of value"


def test_json(client):
    alice = {"name": "Alice", "age": 30, "address": {"city": "Paris"}, "tags": ["a", "b"], "ok": True, "none": None}
    assert client.json_set("u:1", alice) is True
    client.json_set("u:2", {"name": "Bob", "age": 20}, ttl=100)
    assert client.ttl("u:2") > 90
    assert client.type("u:1") == "json"
    assert client.json_get("u:1") == alice
    assert client.json_get("u:1", "$.address.city") == "Paris"
    assert client.json_get("missing") is None
    client.json_set("u:1", "Lyon", path="$.address.city")
    assert client.json_get("u:1", "$.address") == {"city": "Lyon"}
    assert client.json_update("u:1", {"address": {"zip": "69000"}})["address"] == {"city": "Lyon", "zip": "69000"}
    assert client.json_remove("u:1", "tags", "age", "ok", "none") == {"name": "Alice", "address": {"city": "Lyon", "zip": "69000"}}
    client.json_set("u:3", {"name": "Carol", "age": 41})
    assert client.json_search("age>25") == [("u:3", {"name": "Carol", "age": 41})]
    assert [k for k, _ in client.json_search("$.name LIKE %o%", limit=10)] == ["u:2", "u:3"]
    cursor, walked = "0", []
    while True:
        cursor, rows = client.json_search_page("name!=nobody", cursor, limit=1)
        walked += [k for k, _ in rows]
        if cursor == "0":
            break
    assert walked == ["u:1", "u:2", "u:3"]
    with pytest.raises(KuberServerError) as info:
        client.json_search("age=")
    assert str(info.value) == "ERR query: missing value at 4"
    assert client.json_delete("u:1", "$.address.zip") is True
    assert client.json_delete("u:1") is True
    assert client.json_delete("u:1") is False
    with pytest.raises(TypeError):
        client.json_set("bad", {1, 2})  # a set is not JSON


def test_server_commands(client):
    assert "redis_version:7.0.15" in client.info()
    assert client.info("server").startswith("# Server")
    assert client.status()["status"] == "ok"
    assert client.repl_info() == ["master", 0, []]
    assert client.execute_command("ECHO", "hi") == b"hi"
    with pytest.raises(KuberConfigError):
        client.execute_command("MULTI")


def test_pipeline(client):
    pipe = client.pipeline(region="bulk")
    for i in range(1000):
        pipe.set(f"k{i}", i)
    for i in range(1000):
        pipe.get(f"k{i}")
    assert len(pipe) == 2000
    replies = pipe.execute()
    assert replies[:1000] == ["OK"] * 1000
    assert replies[1000:] == [str(i).encode() for i in range(1000)]
    assert len(pipe) == 0
    assert client.dbsize(region="bulk") == 1000
    pipe = client.pipeline()
    pipe.set("s", "v").execute_command("INCR", "s").get("s")
    with pytest.raises(KuberServerError):
        pipe.execute()
    pipe.set("s", "v").execute_command("INCR", "s").get("s")
    ok, err, value = pipe.execute(raise_on_error=False)
    assert ok == "OK" and isinstance(err, KuberServerError) and value == b"v"


def test_eight_threads_share_one_client(client):
    errors = []

    def work(t: int) -> None:
        try:
            for i in range(200):
                client.set(f"t{t}:{i}", i, region=f"r{t % 2}")
                assert client.get(f"t{t}:{i}", region=f"r{t % 2}") == str(i).encode()
                client.incr("counter")
        except Exception as e:  # noqa: BLE001 — reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    assert client.get("counter") == b"1600"
    assert client.dbsize(region="r0") + client.dbsize(region="r1") == 1600


def test_gil_is_released_during_io(client):
    # BLPOP waits ~1 s on the server; a Python thread must keep running meanwhile.
    ticks = 0
    done = threading.Event()

    def blocker():
        client.execute_command("BLPOP", "empty-queue", "1")
        done.set()

    th = threading.Thread(target=blocker)
    th.start()
    start = time.monotonic()
    while not done.is_set() and time.monotonic() - start < 5:
        ticks += 1
        time.sleep(0.001)
    th.join()
    # Holding the GIL for the whole BLPOP would leave ticks at 0 or 1.
    assert ticks > 20, ticks


def test_timeout(server):
    c = KuberRedisClient("127.0.0.1", server.port, username="admin", password="secret", timeout=0.3)
    with pytest.raises(KuberTimeoutError) as info:
        c.execute_command("BLPOP", "empty-queue", "5")
    assert isinstance(info.value, TimeoutError)
    assert c.ping() == "PONG"


def test_error_hierarchy():
    kinds = {cls.kind for cls in kuber.KuberError.__subclasses__()}
    assert kinds == {"Connection", "Auth", "Permission", "WrongType", "NotFound", "Server", "Protocol", "Timeout", "Config"}


def test_package_ships_native_module_stubs_and_py_typed():
    from importlib import resources

    files = resources.files("kuber")
    assert (files / "py.typed").is_file()
    assert (files / "_kuber.pyi").is_file()
    assert kuber.__version__ == "0.1.0"
    assert kuber.KuberRedisClient.__doc__ and "ValueError" in kuber.KuberRedisClient.__doc__
