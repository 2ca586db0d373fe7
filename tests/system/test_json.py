"""JSON documents, JSEARCH and JINDEX (SPEC §5) through redis-py against the real server binary."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest
import redis

from kuber_system import KuberFactory, KuberServer


@pytest.fixture
def r(shared_kuber: KuberServer) -> Iterator[redis.Redis]:
    client = shared_kuber.client()
    yield client
    client.close()


def region(r: redis.Redis, name: str) -> None:
    """Fresh region `name`, selected on this connection."""
    if name in r.execute_command("REGIONS"):
        r.execute_command("RDROP", name)
    assert r.execute_command("RCREATE", name) == "OK"
    assert r.execute_command("RSELECT", name) == "OK"


def pairs(reply: list) -> dict[str, dict]:
    """A flat `key json key json …` reply as a dict, checking that keys come in order."""
    keys = reply[0::2]
    assert keys == sorted(keys), keys
    return {k: json.loads(v) for k, v in zip(keys, reply[1::2])}


def people(r: redis.Redis, n: int, into: str) -> None:
    """Loads n documents into region `into` (a redis-py pipeline runs on a connection of its own,
    so it selects the region first)."""
    pipe = r.pipeline(transaction=False)
    pipe.execute_command("RSELECT", into)
    for i in range(n):
        doc = {
            "id": i,
            "name": f"Name {i}",
            "age": 18 + i % 60,
            "city": ["Oslo", "New York", "Lima", "Pune"][i % 4],
            "roles": ["admin", "dev"] if i % 5 == 0 else ["dev"],
            "address": {"zip": f"{i:05d}"},
        }
        pipe.execute_command("JSET", f"user:{i:05d}", json.dumps(doc))
    assert all(x == "OK" for x in pipe.execute())


def test_documents_round_trip_with_paths_and_ttl(r: redis.Redis) -> None:
    region(r, "jdocs")
    doc = {"name": "Ann", "tags": ["a", "b"], "nested": {"deep": {"x": 1}}, "uni": "Øre ✓"}
    assert r.execute_command("JSET", "d", json.dumps(doc)) == "OK"
    assert json.loads(r.execute_command("JGET", "d")) == doc
    assert json.loads(r.execute_command("JGET", "d", "$.nested.deep.x")) == 1
    assert json.loads(r.execute_command("JGET", "d", "$.uni")) == "Øre ✓"
    assert json.loads(r.execute_command("JGET", "d", "$..x")) == [1]
    assert r.execute_command("JGET", "d", "$.nope") is None
    assert r.type("d") == "json"
    assert r.execute_command("JSET", "d", '"Oslo"', "$.address.city", "EX", "100") == "OK"
    assert 99 <= r.ttl("d") <= 100
    merged = json.loads(r.execute_command("JUPDATE", "d", '{"tags":["z"],"nested":{"deep":{"y":2}}}'))
    assert merged["tags"] == ["z"] and merged["nested"]["deep"] == {"x": 1, "y": 2}
    assert "uni" not in json.loads(r.execute_command("JREMOVE", "d", "uni"))
    assert r.execute_command("JDEL", "d", "$.tags[0]") == 1
    assert r.execute_command("JDEL", "d") == 1
    assert r.exists("d") == 0


def test_bad_json_and_paths_answer_errors_and_store_nothing(r: redis.Redis) -> None:
    region(r, "jbad")
    with pytest.raises(redis.ResponseError, match="^JSONERR invalid JSON"):
        r.execute_command("JSET", "k", "{not json")
    with pytest.raises(redis.ResponseError, match="^JSONERR"):
        r.execute_command("JSET", "k", "[" * 10_000 + "]" * 10_000)
    with pytest.raises(redis.ResponseError, match="^JSONPATHERR"):
        r.execute_command("JGET", "k", "$[?(@.a")
    with pytest.raises(redis.ResponseError, match=r"^query: .* at \d+"):
        r.execute_command("JSEARCH", "$.age >")
    with pytest.raises(redis.ResponseError, match=r"^query: .* at \d+"):
        r.execute_command("JSEARCH", "$.name='unterminated")
    assert r.exists("k") == 0
    assert r.ping()


def test_document_over_the_configured_limit_is_refused(kuber_factory: KuberFactory) -> None:
    server = kuber_factory.start()
    r = server.client()
    big = '{"blob":"' + "x" * 100_000_000 + '"}'
    with pytest.raises(redis.ResponseError, match="^JSONERR document of 100000011 bytes is over the limit of 16777216"):
        r.execute_command("JSET", "big", big)
    assert r.exists("big") == 0
    del big
    small = server.client()
    assert small.execute_command("JSET", "small", json.dumps({"blob": "x" * 1000})) == "OK"
    lowered = kuber_factory.start(env={"KUBER_CACHE__MAX_JSON_DOCUMENT_BYTES": "1000"})
    with pytest.raises(redis.ResponseError, match="^JSONERR document of 2012 bytes is over the limit of 1000"):
        lowered.client().execute_command("JSET", "k", json.dumps({"blob": "x" * 2000}))


def test_search_language_over_redis_py(r: redis.Redis) -> None:
    region(r, "jsearch")
    people(r, 200, "jsearch")
    oslo = pairs(r.execute_command("JSEARCH", "$.city=Oslo"))
    assert list(oslo) == [f"user:{i:05d}" for i in range(0, 200, 4)]
    assert all(d["city"] == "Oslo" for d in oslo.values())
    ny = pairs(r.execute_command("JSEARCH", "$.city=New York,$.age>=70"))
    assert ny and all(d["city"] == "New York" and d["age"] >= 70 for d in ny.values())
    admins = pairs(r.execute_command("JSEARCH", "$.age>30,$.roles CONTAINS admin", "LIMIT", "5"))
    assert len(admins) == 5 and all(d["age"] > 30 and "admin" in d["roles"] for d in admins.values())
    liked = pairs(r.execute_command("JSEARCH", "$.name LIKE 'Name 1_'"))
    assert sorted(d["id"] for d in liked.values()) == list(range(10, 20))
    quoted = pairs(r.execute_command("JSEARCH", "$.city IN [Oslo|'New York'],$.address.zip ~= ^0001"))
    assert sorted(d["id"] for d in quoted.values()) == [i for i in range(10, 20) if i % 4 in (0, 1)]


def test_cursor_walk_returns_every_match_once_while_writers_run(r: redis.Redis, shared_kuber: KuberServer) -> None:
    region(r, "jwalk")
    people(r, 2000, "jwalk")
    stop = threading.Event()

    def writer() -> None:
        w = shared_kuber.client()
        w.execute_command("RSELECT", "jwalk")
        i = 0
        while not stop.is_set():
            # Documents that never match, added and removed while the walk runs.
            w.execute_command("JSET", f"zz:{i}", json.dumps({"city": "Elsewhere"}))
            w.delete(f"zz:{i - 1}")
            i += 1
        w.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        seen: list[str] = []
        cursor = "0"
        while True:
            cursor, page = r.execute_command("JSEARCH", "$.city=Pune", "CURSOR", cursor, "LIMIT", "37")
            seen += list(pairs(page))
            if cursor == "0":
                break
    finally:
        stop.set()
        thread.join()
    assert seen == [f"user:{i:05d}" for i in range(3, 2000, 4)]


def test_indexes_are_used_maintained_and_rebuilt_after_restart(kuber_factory: KuberFactory) -> None:
    server = kuber_factory.start()
    r = server.client()
    region(r, "jidx")
    people(r, 400, "jidx")
    scan = r.execute_command("JSEARCH", "$.city=Lima,$.age<40")
    assert r.execute_command("JINDEX", "CREATE", "jidx", "by_city", "$.city", "HASH") == "OK"
    assert r.execute_command("JINDEX", "CREATE", "jidx", "by_age", "$.age", "SORTED") == "OK"
    plan = r.execute_command("JSEARCH", "$.city=Lima,$.age<40", "EXPLAIN")
    assert any(line.startswith("index by_city (HASH on $.city)") for line in plan), plan
    assert r.execute_command("JSEARCH", "$.city=Lima,$.age<40") == scan
    plan = r.execute_command("JSEARCH", "$.age>=75", "EXPLAIN")
    assert plan[0].startswith("index by_age (SORTED on $.age)"), plan
    # Writes keep the index current.
    r.execute_command("JUPDATE", "user:00002", '{"city":"Oslo"}')
    r.delete("user:00006")
    lima = pairs(r.execute_command("JSEARCH", "$.city=Lima", "LIMIT", "1000"))
    assert "user:00002" not in lima and "user:00006" not in lima and "user:00010" in lima
    listing = r.execute_command("JINDEX", "LIST", "jidx")
    assert [row[1] for row in listing] == ["jidx", "jidx"]

    data_dir = server.data_dir
    assert server.stop() == 0
    again = kuber_factory.start(data_dir=data_dir, admin_password=None)
    # The users file kept the old admin password.
    r2 = again.client(password=server.admin_password)
    listing = r2.execute_command("JINDEX", "LIST")
    names = sorted(dict(zip(row[0::2], row[1::2]))["name"] for row in listing)
    assert names == ["by_age", "by_city"]
    r2.execute_command("RSELECT", "jidx")
    # The documents came back from persistence (SQLite by default) and were indexed as they loaded:
    # the same answer as before the restart, through the index, plus a document written now.
    plan = r2.execute_command("JSEARCH", "$.city=Lima", "EXPLAIN")
    assert plan[0].startswith("index by_city"), plan
    assert sorted(pairs(r2.execute_command("JSEARCH", "$.city=Lima", "LIMIT", "1000"))) == sorted(lima)
    r2.execute_command("JSET", "fresh", '{"city":"Lima","age":20}')
    assert sorted(pairs(r2.execute_command("JSEARCH", "$.city=Lima", "LIMIT", "1000"))) == sorted([*lima, "fresh"])


def test_ksearch_and_reader_role(kuber_factory: KuberFactory) -> None:
    from kuber_system import User

    server = kuber_factory.start(users=[User("ro", "ro-secret", ["READER"])])
    admin = server.client()
    admin.execute_command("JSET", "user:1", "{}")
    admin.set("user:2", "x", ex=50)
    assert admin.execute_command("KSEARCH", r"^user:\d$") == [["user:1", "json", -1], ["user:2", "string", 50]]
    ro = server.client("ro", "ro-secret")
    assert ro.execute_command("JGET", "user:1") == "{}"
    with pytest.raises(redis.exceptions.NoPermissionError):
        ro.execute_command("JSET", "user:3", "{}")
    with pytest.raises(redis.exceptions.NoPermissionError):
        ro.execute_command("JINDEX", "CREATE", "default", "i", "$.a", "HASH")
