"""Regions (SPEC §2): isolation, SELECT n, RSELECT, RCREATE, RINFO, default TTL, MAXENTRIES, RPURGE, RDROP."""

from __future__ import annotations

import datetime
import json
import time
from collections.abc import Iterator

import pytest
import redis

from kuber_system import Error, KuberServer


@pytest.fixture
def r(shared_kuber: KuberServer) -> Iterator[redis.Redis]:
    """An admin client in region `default`, on its own connection."""
    client = shared_kuber.client()
    yield client
    client.close()


def regions(r: redis.Redis) -> set[str]:
    names = r.execute_command("REGIONS")
    assert isinstance(names, list)
    return set(names)


def rinfo(r: redis.Redis, name: str) -> dict:
    text = r.execute_command("RINFO", name)
    assert isinstance(text, str), text
    return json.loads(text)


def assert_recent(value: object) -> None:
    """createdAt may be epoch seconds, epoch milliseconds or an ISO-8601 string; it must be 'now'."""
    now = time.time()
    if isinstance(value, (int, float)):
        seconds = value / 1000 if value > 1e11 else float(value)
    else:
        assert isinstance(value, str), value
        seconds = datetime.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    assert now - 300 <= seconds <= now + 5, f"createdAt {value!r} is not recent"


def test_default_region_exists_and_connection_starts_there(r: redis.Redis) -> None:
    assert "default" in regions(r)
    r.set("reg:where", "default-value")
    r.execute_command("RSELECT", "default")
    assert r.get("reg:where") == "default-value"


def test_same_key_in_two_regions_is_two_keys(shared_kuber: KuberServer, r: redis.Redis) -> None:
    other = shared_kuber.client()
    assert other.execute_command("RSELECT", "iso_a") == "OK"
    r.set("shared-name", "in-default")
    other.set("shared-name", "in-iso_a")
    assert r.get("shared-name") == "in-default"
    assert other.get("shared-name") == "in-iso_a"
    assert other.keys("*") == ["shared-name"]
    assert other.dbsize() == 1
    other.delete("shared-name")
    assert r.get("shared-name") == "in-default"
    assert other.get("shared-name") is None
    assert r.execute_command("RSELECT", "iso_a") == "OK"
    assert r.get("shared-name") is None
    assert r.execute_command("RSELECT", "default") == "OK"
    assert r.get("shared-name") == "in-default"


def test_select_number_maps_to_db_regions(r: redis.Redis) -> None:
    assert r.execute_command("SELECT", "3") is True
    r.set("sel:k", "three")
    assert "db3" in regions(r)
    assert r.execute_command("SELECT", "0") is True
    assert r.get("sel:k") is None
    assert r.execute_command("RSELECT", "db3") == "OK"
    assert r.get("sel:k") == "three"
    assert r.execute_command("SELECT", "default") is True
    assert r.get("sel:k") is None
    r.set("sel:k", "zero")
    assert r.execute_command("SELECT", "3") is True
    assert r.get("sel:k") == "three"


def test_select_name_and_rselect_create_missing_regions(r: redis.Redis) -> None:
    assert "by_rselect" not in regions(r)
    assert r.execute_command("RSELECT", "by_rselect") == "OK"
    assert r.execute_command("SELECT", "by_select_name") is True
    r.set("k", "v")
    assert {"by_rselect", "by_select_name"} <= regions(r)
    assert r.execute_command("RSELECT", "by_select_name") == "OK"
    assert r.get("k") == "v"
    assert r.dbsize() == 1


def test_rcreate_and_regionexists(r: redis.Redis) -> None:
    assert r.execute_command("RCREATE", "made_once", "first") == "OK"
    assert "made_once" in regions(r)
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("RCREATE", "made_once", "second")
    assert str(e.value) == "REGIONEXISTS region 'made_once' already exists"
    assert rinfo(r, "made_once")["description"] == "first"


def test_region_names_are_validated(shared_kuber: KuberServer, r: redis.Redis) -> None:
    with shared_kuber.raw() as c:
        for bad in ["bad-name", "has space", "1234", "_", "", "a" * 65, "dot.ted"]:
            assert isinstance(c.call("RCREATE", bad), Error), bad
        assert c.call("RCREATE", "a" * 64) == "OK"
        assert c.call("RCREATE", "Mixed_Case_9") == "OK"
    names = regions(r)
    assert {"a" * 64, "Mixed_Case_9"} <= names
    assert not {"bad-name", "has space", "1234", "dot.ted", "a" * 65} & names


def test_rinfo_fields_and_stats(r: redis.Redis) -> None:
    assert r.execute_command("RCREATE", "orders", "Customer orders", "TTL", "600", "MAXENTRIES", "1000") == "OK"
    info = rinfo(r, "orders")
    assert info["name"] == "orders"
    assert info["description"] == "Customer orders"
    assert info["defaultTtl"] == 600
    assert info["maxEntries"] == 1000
    assert info["entries"] == 0
    assert isinstance(info["memoryBytes"], int)
    assert_recent(info["createdAt"])
    for counter in ["hits", "misses", "sets", "deletes", "expired", "evicted"]:
        assert info["stats"][counter] == 0, counter

    r.execute_command("RSELECT", "orders")
    r.set("o:1", "a")
    r.set("o:2", "b")
    r.set("o:3", "c" * 1000)
    assert r.get("o:1") == "a"
    assert r.get("o:2") == "b"
    assert r.get("o:missing") is None
    assert r.delete("o:3") == 1

    info = rinfo(r, "orders")
    stats = info["stats"]
    assert (stats["sets"], stats["hits"], stats["misses"], stats["deletes"]) == (3, 2, 1, 1)
    assert (stats["expired"], stats["evicted"]) == (0, 0)
    assert info["entries"] == 2
    assert info["memoryBytes"] > 0
    assert rinfo(r, "default")["name"] == "default"


def test_rinfo_of_missing_region_is_an_error(r: redis.Redis) -> None:
    with pytest.raises(redis.ResponseError):
        r.execute_command("RINFO", "no_such_region_here")
    assert "no_such_region_here" not in regions(r)


def test_expired_entries_are_counted(r: redis.Redis) -> None:
    r.execute_command("RSELECT", "expiring")
    r.set("e:1", "v", px=100)
    r.set("e:keep", "v")
    time.sleep(0.3)
    assert r.get("e:1") is None
    stats = rinfo(r, "expiring")["stats"]
    assert stats["expired"] == 1
    assert rinfo(r, "expiring")["entries"] == 1


def test_region_default_ttl_applies_to_writes_without_expiry(r: redis.Redis) -> None:
    assert r.execute_command("RCREATE", "sessions", "Web sessions", "TTL", "100") == "OK"
    assert rinfo(r, "sessions")["defaultTtl"] == 100
    r.execute_command("RSELECT", "sessions")
    r.set("s:plain", "v")
    assert 98 <= r.ttl("s:plain") <= 100
    r.set("s:explicit", "v", ex=5)
    assert 3 <= r.ttl("s:explicit") <= 5
    r.execute_command("RSELECT", "default")
    r.set("s:plain", "v")
    assert r.ttl("s:plain") == -1


def test_maxentries_evicts_and_counts(r: redis.Redis) -> None:
    assert r.execute_command("RCREATE", "tiny", "Ten at most", "MAXENTRIES", "10") == "OK"
    r.execute_command("RSELECT", "tiny")
    for i in range(25):
        assert r.set(f"t:{i}", f"value-{i}") is True
    info = rinfo(r, "tiny")
    assert info["maxEntries"] == 10
    assert 1 <= info["entries"] <= 10, info
    assert info["stats"]["sets"] == 25
    assert info["stats"]["evicted"] >= 15, info
    assert info["entries"] + info["stats"]["evicted"] == 25, info


def test_rpurge_empties_region_and_keeps_it(shared_kuber: KuberServer, r: redis.Redis) -> None:
    r.execute_command("RSELECT", "purged")
    r.mset({f"p:{i}": i for i in range(5)})
    r.execute_command("RSELECT", "unpurged")
    r.set("p:0", "stays")
    assert r.execute_command("RPURGE", "purged") == "OK"
    assert "purged" in regions(r)
    assert r.get("p:0") == "stays"
    r.execute_command("RSELECT", "purged")
    assert r.dbsize() == 0
    assert r.keys("*") == []
    assert rinfo(r, "purged")["entries"] == 0
    r.set("p:new", "1")
    assert r.dbsize() == 1


def test_rdrop_removes_region_and_data(r: redis.Redis) -> None:
    r.execute_command("RCREATE", "dropme", "temporary")
    r.execute_command("RSELECT", "dropme")
    r.mset({"d:1": "1", "d:2": "2"})
    r.execute_command("RSELECT", "default")
    r.set("d:1", "default-one")
    assert r.execute_command("RDROP", "dropme") == "OK"
    assert "dropme" not in regions(r)
    assert r.get("d:1") == "default-one"
    assert r.execute_command("RSELECT", "dropme") == "OK"  # created afresh
    assert r.dbsize() == 0
    assert r.get("d:2") is None
    assert rinfo(r, "dropme")["description"] != "temporary"


def test_rdrop_default_is_regioncaptive(shared_kuber: KuberServer, r: redis.Redis) -> None:
    r.set("captive:k", "v")
    with shared_kuber.raw() as c:
        reply = c.call("RDROP", "default")
        assert isinstance(reply, Error) and reply.startswith("REGIONCAPTIVE"), reply
    assert "default" in regions(r)
    assert r.get("captive:k") == "v"
