"""Every method of `KuberRestClient` against the live server's `/api/v1`."""

from __future__ import annotations

import pytest

from kuber import (
    KuberAuthError,
    KuberNotFoundError,
    KuberPermissionError,
    KuberRedisClient,
    KuberRestClient,
    KuberServerError,
)


@pytest.fixture
def rest(server):
    with KuberRestClient("127.0.0.1", server.http_port, username="admin", password="secret") as c:
        yield c
        for region in c.list_regions():
            if region["name"] != "default":
                c.delete_region(region["name"])
        KuberRedisClient("127.0.0.1", server.port, username="admin", password="secret").flushdb()


def test_server_and_regions(rest):
    assert rest.ping() == {"pong": True}
    assert rest.info()["server"]["redis_version"] == "7.0.15"
    assert rest.status()["status"] == "ok"
    assert isinstance(rest.stats()["regions"], list)
    created = rest.create_region("r1", description="d", ttl=10, max_entries=5)
    assert (created["name"], created["description"], created["defaultTtl"], created["maxEntries"]) == ("r1", "d", 10, 5)
    with pytest.raises(KuberServerError) as info:
        rest.create_region("r1")
    assert info.value.code == "CONFLICT" and str(info.value) == "HTTP 409: region 'r1' already exists"
    assert "r1" in [r["name"] for r in rest.list_regions()]
    assert rest.region_info("r1")["maxEntries"] == 5
    with pytest.raises(KuberNotFoundError):
        rest.region_info("missing")
    rest.set("k", "v", region="r1")
    rest.purge_region("r1")
    assert rest.get("k", region="r1") is None
    rest.delete_region("r1")


def test_entries_hashes_and_keys_with_slashes(rest):
    rest.set("a/b c?d", "v", ttl=60)
    entry = rest.get("a/b c?d")
    assert (entry["key"], entry["value"], entry["type"]) == ("a/b c?d", "v", "string")
    assert 59 <= entry["ttl"] <= 60
    assert rest.get("missing") is None
    assert rest.keys(pattern="a/*", count=10)["keys"] == ["a/b c?d"]
    rest.mset({"m1": "1", "m2": "2"})
    assert rest.mget(["m1", "nope", "m2"]) == ["1", None, "2"]
    assert rest.ttl("m1")["ttl"] == -1
    assert rest.expire("m1", 100)["ttl"] == 100
    assert rest.persist("m1")["ttl"] == -1
    rest.hset("h", "f", "fv")
    assert rest.hgetall("h") == {"f": "fv"}
    assert rest.hget("h", "f")["value"] == "fv"
    assert rest.hget("h", "zz") is None
    assert rest.hdel("h", "f")["deleted"] is True
    assert rest.delete("a/b c?d") is True
    assert rest.delete("a/b c?d") is False


def test_json_and_bulk(rest):
    rest.json_set("doc", {"a": 1, "b": [1, 2]}, region="docs")
    assert rest.json_get("doc", region="docs") == {"a": 1, "b": [1, 2]}
    assert rest.json_get("doc", path="$.b", region="docs") == [1, 2]
    assert rest.json_get("nope", region="docs") is None
    assert rest.json_update("doc", {"c": 3}, region="docs") == {"a": 1, "b": [1, 2], "c": 3}
    found = rest.json_search("a=1", limit=10, region="docs")
    assert found["results"] == [{"key": "doc", "value": {"a": 1, "b": [1, 2], "c": 3}}]
    with pytest.raises(KuberServerError) as info:
        rest.json_search("a=", region="docs")
    assert info.value.code == "INVALID_QUERY"
    rest.json_delete("doc", path="$.c", region="docs")
    assert rest.json_get("doc", path="$.c", region="docs") is None
    rest.bulk_import([{"key": "i1", "value": "x"}, {"key": "i2", "value": "y", "ttl": 100}])
    rows = sorted(rest.bulk_export(pattern="i*"), key=lambda r: r["key"])
    assert [(r["key"], r["value"]) for r in rows] == [("i1", "x"), ("i2", "y")]
    assert rows[1]["ttl"] > 90


def test_auth_and_permission(server):
    bad = KuberRestClient("127.0.0.1", server.http_port, username="admin", password="wrong")
    with pytest.raises(KuberAuthError) as info:
        bad.info()
    assert info.value.code == "UNAUTHORIZED"
    reader = KuberRestClient("127.0.0.1", server.http_port, username="reader", password="readpw")
    assert reader.get("k") is None
    with pytest.raises(KuberPermissionError):
        reader.set("k", "v")
