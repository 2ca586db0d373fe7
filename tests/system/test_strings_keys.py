"""String and key commands through redis-py (SPEC §4), with Redis's exact replies and error strings."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
import redis

from kuber_system import KuberServer


@pytest.fixture
def r(shared_kuber: KuberServer) -> Iterator[redis.Redis]:
    client = shared_kuber.client()
    assert client.flushdb() is True
    yield client
    client.close()


@pytest.fixture
def rb(shared_kuber: KuberServer) -> Iterator[redis.Redis]:
    """A client that returns bytes, for binary data."""
    client = shared_kuber.client(decode_responses=False)
    assert client.flushdb() is True
    yield client
    client.close()


def error_of(call) -> str:  # noqa: ANN001
    """The error message of a failing call as redis-py reports it: without a leading `ERR `."""
    with pytest.raises(redis.ResponseError) as e:
        call()
    return str(e.value)


# --- strings -------------------------------------------------------------------------------------


def test_set_get_basic_and_binary(r: redis.Redis, rb: redis.Redis) -> None:
    assert r.get("missing") is None
    assert r.set("k", "v") is True
    assert r.get("k") == "v"
    assert r.set("k", "") is True
    assert r.get("k") == ""
    assert r.strlen("k") == 0
    key = b"\x00bin\xff\r\nkey"
    value = bytes(range(256)) * 4
    assert rb.set(key, value) is True
    assert rb.get(key) == value
    assert rb.strlen(key) == 1024
    assert rb.exists(key) == 1
    assert rb.keys(b"\x00bin*") == [key]
    big = b"x" * (4 * 1024 * 1024) + b"end"
    assert rb.set(b"big", big) is True
    assert rb.get(b"big") == big


def test_set_options(r: redis.Redis) -> None:
    assert r.set("k", "1", nx=True) is True
    assert r.set("k", "2", nx=True) is None
    assert r.get("k") == "1"
    assert r.set("k", "3", xx=True) is True
    assert r.set("absent", "x", xx=True) is None
    assert r.exists("absent") == 0
    assert r.set("k", "4", get=True) == "3"
    assert r.set("new", "n", get=True) is None
    assert r.get("new") == "n"

    assert r.set("ex", "v", ex=100) is True
    assert 99 <= r.ttl("ex") <= 100
    assert r.set("px", "v", px=50000) is True
    assert 49000 <= r.pttl("px") <= 50000
    at = int(time.time()) + 200
    assert r.set("exat", "v", exat=at) is True
    assert 198 <= r.ttl("exat") <= 200
    assert r.expiretime("exat") == at
    assert r.set("pxat", "v", pxat=at * 1000 + 500) is True
    assert r.pexpiretime("pxat") == at * 1000 + 500

    assert r.set("ex", "kept", keepttl=True) is True
    assert 98 <= r.ttl("ex") <= 100
    assert r.set("ex", "plain") is True
    assert r.ttl("ex") == -1

    assert error_of(lambda: r.execute_command("SET", "k", "v", "EX", "0")) == ("invalid expire time in 'set' command")
    assert error_of(lambda: r.execute_command("SET", "k", "v", "EX", "-5")) == ("invalid expire time in 'set' command")
    assert error_of(lambda: r.execute_command("SET", "k", "v", "EX", "ten")) == (
        "value is not an integer or out of range"
    )
    assert error_of(lambda: r.execute_command("SET", "k", "v", "NX", "XX")) == "syntax error"
    assert error_of(lambda: r.execute_command("SET", "k", "v", "EX", "10", "PX", "100")) == "syntax error"
    assert error_of(lambda: r.execute_command("SET", "k", "v", "BOGUS")) == "syntax error"
    assert r.get("k") == "4"


def test_setnx_setex_psetex_getset_getdel_getex(r: redis.Redis) -> None:
    assert r.setnx("a", "1") is True
    assert r.setnx("a", "2") is False
    assert r.get("a") == "1"
    assert r.execute_command("SETEX", "b", 100, "v") is True
    assert 99 <= r.ttl("b") <= 100
    assert r.psetex("c", 100000, "v") is True
    assert 99000 <= r.pttl("c") <= 100000
    assert error_of(lambda: r.execute_command("SETEX", "b", 0, "v")) == "invalid expire time in 'setex' command"
    assert r.getset("a", "new") == "1"
    assert r.getset("fresh", "x") is None
    assert r.get("a") == "new"
    assert r.getdel("a") == "new"
    assert r.getdel("a") is None
    assert r.exists("a") == 0
    r.set("g", "v")
    assert r.getex("g", ex=100) == "v"
    assert 99 <= r.ttl("g") <= 100
    assert r.getex("g", persist=True) == "v"
    assert r.ttl("g") == -1
    assert r.getex("g") == "v"
    assert r.getex("nope", ex=10) is None


def test_mget_mset_msetnx(r: redis.Redis, shared_kuber: KuberServer) -> None:
    assert r.mset({"m1": "a", "m2": "b"}) is True
    assert r.mget("m1", "missing", "m2") == ["a", None, "b"]
    assert r.msetnx({"m2": "x", "m3": "y"}) is False
    assert r.exists("m3") == 0
    assert r.get("m2") == "b"
    assert r.msetnx({"m3": "y", "m4": "z"}) is True
    assert r.mget(["m3", "m4"]) == ["y", "z"]
    with shared_kuber.raw() as c:
        assert c.call("MSET", "a", "1", "b") == "ERR wrong number of arguments for 'mset' command"
        assert c.call("MGET") == "ERR wrong number of arguments for 'mget' command"


def test_append_strlen_getrange_setrange(r: redis.Redis, rb: redis.Redis) -> None:
    assert r.append("s", "Hello") == 5
    assert r.append("s", " World") == 11
    assert r.get("s") == "Hello World"
    assert r.strlen("s") == 11
    assert r.strlen("nope") == 0
    r.set("t", "This is a string")
    assert r.getrange("t", 0, 3) == "This"
    assert r.getrange("t", -3, -1) == "ing"
    assert r.getrange("t", 0, -1) == "This is a string"
    assert r.getrange("t", 10, 100) == "string"
    assert r.getrange("t", 5, 2) == ""
    assert r.getrange("nope", 0, -1) == ""
    assert r.setrange("s", 6, "Redis") == 11
    assert r.get("s") == "Hello Redis"
    assert rb.setrange(b"pad", 5, b"Redis") == 10
    assert rb.get(b"pad") == b"\x00\x00\x00\x00\x00Redis"
    assert error_of(lambda: r.setrange("s", 536870912, "x")) == (
        "string exceeds maximum allowed size (proto-max-bulk-len)"
    )
    assert error_of(lambda: r.setrange("s", -1, "x")) == "offset is out of range"
    # multi-byte UTF-8: lengths are bytes, not characters
    assert r.append("u", "héllo") == 6
    assert r.strlen("u") == 6


def test_incr_family(r: redis.Redis) -> None:
    assert r.incr("n") == 1
    assert r.incrby("n", 10) == 11
    assert r.decr("n") == 10
    assert r.decrby("n", 15) == -5
    assert r.incrby("n", -5) == -10
    assert r.get("n") == "-10"
    r.set("ttl-n", "5", ex=100)
    assert r.incr("ttl-n") == 6
    assert 99 <= r.ttl("ttl-n") <= 100
    r.set("word", "abc")
    assert error_of(lambda: r.incr("word")) == "value is not an integer or out of range"
    r.set("spaced", " 1")
    assert error_of(lambda: r.incr("spaced")) == "value is not an integer or out of range"
    assert error_of(lambda: r.incrby("n", "x")) == "value is not an integer or out of range"
    r.set("max", "9223372036854775807")
    assert error_of(lambda: r.incr("max")) == "increment or decrement would overflow"
    r.set("min", "-9223372036854775808")
    assert error_of(lambda: r.decr("min")) == "increment or decrement would overflow"
    assert r.get("max") == "9223372036854775807"

    r.set("f", "10.50")
    assert r.incrbyfloat("f", 0.1) == pytest.approx(10.6)
    assert r.get("f") == "10.6"
    r.set("f", "5.0e3")
    assert r.incrbyfloat("f", 2.0e2) == 5200
    assert r.get("f") == "5200"
    assert r.incrbyfloat("newf", -1.5) == -1.5
    assert r.get("newf") == "-1.5"
    assert error_of(lambda: r.incrbyfloat("word", 1)) == "value is not a valid float"


def test_arity_and_unknown_command_errors(shared_kuber: KuberServer) -> None:
    with shared_kuber.raw() as c:
        assert c.call_raw("GET") == b"-ERR wrong number of arguments for 'get' command\r\n"
        assert c.call("SET", "k") == "ERR wrong number of arguments for 'set' command"
        assert c.call("GET", "a", "b") == "ERR wrong number of arguments for 'get' command"
        assert c.call("EXPIRE", "k") == "ERR wrong number of arguments for 'expire' command"
        assert c.call_raw("NOSUCHCMD", "a", "b") == (
            b"-ERR unknown command 'NOSUCHCMD', with args beginning with: 'a' 'b' \r\n"
        )
        assert c.call("PING") == "PONG"


# --- keys ----------------------------------------------------------------------------------------


def test_del_unlink_exists_touch(r: redis.Redis) -> None:
    r.mset({"a": "1", "b": "2", "c": "3", "d": "4"})
    assert r.exists("a", "a", "missing", "b") == 3
    assert r.delete("a", "b", "missing") == 2
    assert r.exists("a", "b") == 0
    assert r.unlink("c", "missing") == 1
    assert r.touch("d", "d", "missing") == 2
    assert r.delete("missing") == 0
    assert r.dbsize() == 1


def test_expire_family_with_conditions(r: redis.Redis) -> None:
    r.set("k", "v")
    assert r.expire("missing", 100) is False
    assert r.expire("k", 100, xx=True) is False
    assert r.ttl("k") == -1
    assert r.expire("k", 100, gt=True) is False  # no TTL counts as infinite
    assert r.expire("k", 100, nx=True) is True
    assert r.expire("k", 200, nx=True) is False
    assert 99 <= r.ttl("k") <= 100
    assert r.expire("k", 200, xx=True) is True
    assert 199 <= r.ttl("k") <= 200
    assert r.expire("k", 50, gt=True) is False
    assert r.expire("k", 300, gt=True) is True
    assert r.expire("k", 400, lt=True) is False
    assert r.expire("k", 150, lt=True) is True
    assert 149 <= r.ttl("k") <= 150
    r.set("p", "v")
    assert r.expire("p", 100, lt=True) is True  # no TTL counts as infinite
    assert r.pexpire("k", 123456) is True
    assert 123000 <= r.pttl("k") <= 123456
    assert error_of(lambda: r.execute_command("EXPIRE", "k", "10", "NX", "GT")) == (
        "NX and XX, GT or LT options at the same time are not compatible"
    )
    assert error_of(lambda: r.execute_command("EXPIRE", "k", "10", "GT", "LT")) == (
        "GT and LT options at the same time are not compatible"
    )
    assert error_of(lambda: r.execute_command("EXPIRE", "k", "10", "SOON")) == "Unsupported option SOON"
    assert error_of(lambda: r.execute_command("EXPIRE", "k", "ten")) == "value is not an integer or out of range"

    at = int(time.time()) + 500
    assert r.expireat("k", at) is True
    assert r.expiretime("k") == at
    assert r.pexpiretime("k") == at * 1000
    assert r.pexpireat("k", at * 1000 + 250) is True
    assert r.pexpiretime("k") == at * 1000 + 250
    assert r.expiretime("missing") == -2
    r.set("plain", "v")
    assert r.expiretime("plain") == -1
    assert r.pexpiretime("plain") == -1

    assert r.expire("k", -1) is True  # a past expiry deletes the key
    assert r.exists("k") == 0
    assert r.expireat("p", int(time.time()) - 10) is True
    assert r.get("p") is None


def test_ttl_pttl_persist(r: redis.Redis) -> None:
    assert r.ttl("missing") == -2
    assert r.pttl("missing") == -2
    r.set("k", "v")
    assert r.ttl("k") == -1
    assert r.pttl("k") == -1
    assert r.persist("k") is False
    r.expire("k", 100)
    assert r.persist("k") is True
    assert r.ttl("k") == -1
    assert r.persist("missing") is False


def test_keys_really_expire(r: redis.Redis) -> None:
    r.set("px", "v", px=100)
    r.set("pexpire", "v")
    r.pexpire("pexpire", 100)
    r.psetex("psetex", 100, "v")
    r.set("stays", "v")
    r.set("later", "v", px=60000)
    time.sleep(0.3)
    for key in ("px", "pexpire", "psetex"):
        assert r.get(key) is None, key
        assert r.exists(key) == 0, key
        assert r.ttl(key) == -2, key
    assert r.keys("*") in (["stays", "later"], ["later", "stays"])
    assert r.dbsize() == 2
    assert r.get("later") == "v"


def test_keys_patterns(r: redis.Redis) -> None:
    names = ["hello", "hallo", "hxllo", "hllo", "heeeello", "hbllo", "a*b", "axb", "x"]
    r.mset({n: "1" for n in names})
    assert sorted(r.keys("*")) == sorted(names)
    assert sorted(r.keys("h?llo")) == ["hallo", "hbllo", "hello", "hxllo"]
    assert sorted(r.keys("h*llo")) == ["hallo", "hbllo", "heeeello", "hello", "hllo", "hxllo"]
    assert sorted(r.keys("h[ae]llo")) == ["hallo", "hello"]
    assert sorted(r.keys("h[^e]llo")) == ["hallo", "hbllo", "hxllo"]
    assert sorted(r.keys("h[a-b]llo")) == ["hallo", "hbllo"]
    assert r.keys("a\\*b") == ["a*b"]
    assert sorted(r.keys("a*b")) == ["a*b", "axb"]
    assert r.keys("nomatch*") == []


def test_scan_match_count_type(r: redis.Redis) -> None:
    expected = {f"scan:{i}" for i in range(300)}
    others = {f"other:{i}" for i in range(20)}
    r.mset({k: "v" for k in expected})
    r.mset({k: "v" for k in others})
    cursor, seen, calls = 0, [], 0
    while True:
        cursor, batch = r.scan(cursor, match="scan:*", count=50)
        seen.extend(batch)
        calls += 1
        if cursor == 0:
            break
        assert calls < 1000
    assert set(seen) == expected
    assert calls > 1  # COUNT 50 over 320 keys takes several calls
    assert set(r.scan_iter(count=1000)) == expected | others
    assert set(r.scan_iter(match="scan:*", _type="string")) == expected
    assert list(r.scan_iter(_type="list")) == []
    assert list(r.scan_iter(_type="hash")) == []
    assert list(r.scan_iter(match="none:*")) == []


def test_rename_renamenx(r: redis.Redis) -> None:
    r.set("src", "v", ex=100)
    r.set("dst", "old")
    assert r.rename("src", "dst") is True
    assert r.get("dst") == "v"
    assert 99 <= r.ttl("dst") <= 100
    assert r.exists("src") == 0
    assert error_of(lambda: r.rename("missing", "x")) == "no such key"
    assert r.rename("dst", "dst") is True
    assert r.get("dst") == "v"
    r.set("a", "1")
    assert r.renamenx("a", "dst") is False
    assert r.get("a") == "1"
    assert r.renamenx("a", "b") is True
    assert r.get("b") == "1"


def test_copy(r: redis.Redis) -> None:
    r.set("src", "v", ex=100)
    assert r.copy("src", "dst") is True
    assert r.get("dst") == "v"
    assert 99 <= r.ttl("dst") <= 100
    r.set("src", "changed")
    assert r.get("dst") == "v"
    assert r.copy("src", "dst") is False
    assert r.get("dst") == "v"
    assert r.copy("src", "dst", replace=True) is True
    assert r.get("dst") == "changed"
    assert r.ttl("dst") == -1
    assert r.copy("missing", "x") is False


def test_dbsize_flushdb_randomkey(r: redis.Redis) -> None:
    assert r.dbsize() == 0
    assert r.randomkey() is None
    r.set("only", "1")
    assert r.randomkey() == "only"
    r.mset({f"k{i}": i for i in range(10)})
    assert r.dbsize() == 11
    assert r.randomkey() in {"only", *(f"k{i}" for i in range(10))}
    assert r.flushdb() is True
    assert r.dbsize() == 0
    assert r.keys("*") == []


def test_object_encoding(r: redis.Redis) -> None:
    r.set("int", "12345")
    r.set("short", "hello")
    r.set("long", "x" * 100)
    assert r.object("encoding", "int") == "int"
    assert r.object("encoding", "short") == "embstr"
    assert r.object("encoding", "long") == "raw"
    assert r.object("encoding", "missing") is None


# --- connection and server -----------------------------------------------------------------------


def test_ping_echo(r: redis.Redis, shared_kuber: KuberServer) -> None:
    assert r.ping() is True
    assert r.echo("hi there") == "hi there"
    with shared_kuber.raw() as c:
        assert c.call_raw("PING") == b"+PONG\r\n"
        assert c.call_raw("PING", "msg") == b"$3\r\nmsg\r\n"
        assert c.call_raw("ECHO", "") == b"$0\r\n\r\n"
        c.send(b'SET inline:k "two words"\r\nGET inline:k\r\n')  # inline commands, pipelined
        assert c.read_raw() == b"+OK\r\n"
        assert c.read_raw() == b"$9\r\ntwo words\r\n"


def test_info_sections(shared_kuber: KuberServer) -> None:
    with shared_kuber.raw() as c:
        text = c.call("INFO").decode()
        headers = [line[2:].strip().lower() for line in text.split("\r\n") if line.startswith("# ")]
        for section in ["server", "clients", "memory", "persistence", "stats", "replication", "keyspace", "regions"]:
            assert section in headers, f"INFO lacks '# {section}': {headers}"
        assert re.search(r"^connected_clients:[1-9]\d*\r$", text, re.M), text
        only = c.call("INFO", "clients").decode()
        only_headers = [line for line in only.split("\r\n") if line.startswith("# ")]
        assert [h.lower() for h in only_headers] == ["# clients"]
        assert "connected_clients:" in only


def test_client_commands(shared_kuber: KuberServer, r: redis.Redis) -> None:
    my_id = r.client_id()
    assert isinstance(my_id, int) and my_id > 0
    assert r.client_getname() is None
    assert r.client_setname("sweeper") is True
    assert r.client_getname() == "sweeper"
    assert error_of(lambda: r.client_setname("has space")) == (
        "Client names cannot contain spaces, newlines or special characters."
    )
    with shared_kuber.raw() as victim:
        victim_id = victim.call("CLIENT", "ID")
        assert isinstance(victim_id, int) and victim_id != my_id
        listing = r.execute_command("CLIENT", "LIST")
        if isinstance(listing, list):  # redis-py parses CLIENT LIST into dicts
            by_id = {int(c["id"]): c for c in listing}
            assert by_id[my_id]["name"] == "sweeper"
            assert victim_id in by_id
        else:
            assert re.search(rf"(^| )id={my_id} .*name=sweeper( |$)", listing, re.M), listing
        assert r.execute_command("CLIENT", "KILL", "ID", str(victim_id)) == 1
        data, _ = victim.read_until_close(5)
        assert data == b""
    assert r.execute_command("CLIENT", "KILL", "ID", "999999999") == 0
    assert r.ping() is True


def test_noeviction_refuses_writes_past_maxmemory_and_keeps_every_key(kuber_factory) -> None:
    """A session store configured like Redis's default policy: past `max_memory` writes fail with
    OOM (redis-py raises it), nothing is evicted, and deleting makes room again."""
    server = kuber_factory.start(
        env={
            "KUBER_CACHE__MAX_MEMORY": "200000",
            "KUBER_CACHE__EVICTION_POLICY": "noeviction",
            "KUBER_PERSISTENCE__BACKEND": "memory",
        }
    )
    r = server.client()
    assert r.config_get("maxmemory-policy") == {"maxmemory-policy": "noeviction"}
    stored = 0
    # redis-py maps the `-OOM` code to OutOfMemoryError and keeps the rest as the message.
    with pytest.raises(redis.exceptions.OutOfMemoryError, match="^command not allowed when used memory > 'maxmemory'"):
        for i in range(10_000):
            r.set(f"session:{i}", "x" * 1000)
            stored += 1
    assert 100 <= stored < 10_000
    assert r.dbsize() == stored, "noeviction must not evict"
    assert r.get("session:0") == "x" * 1000
    assert r.delete(*[f"session:{i}" for i in range(50)]) == 50
    assert r.set("after-delete", "fits") is True
