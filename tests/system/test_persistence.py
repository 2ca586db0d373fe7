"""Persistence against the real binary and real backends (SPEC §7, issue 5).

SQLite and RocksDB are embedded. PostgreSQL and the MongoDB-wire server (FerretDB) are started by
`scripts/services.sh` before the tests run, which export `KUBER_TEST_POSTGRES_URL` and
`KUBER_TEST_MONGODB_URI`; a test that cannot reach its server fails, it does not skip.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import sqlite3
import subprocess
import threading
import time
from urllib.parse import urlsplit, urlunsplit
from pathlib import Path

import pytest
import redis

from kuber_system import KuberFactory, KuberServer, hash_password

ROOT = Path(__file__).resolve().parents[2]
BACKENDS = ["sqlite", "rocksdb", "postgresql", "mongodb"]


def service_url(var: str) -> str:
    url = os.environ.get(var)
    assert url, f"{var} is not set: start the services with `eval \"$(scripts/services.sh start)\"`"
    return url


CREATED_DATABASES: list[tuple[str, str]] = []


@pytest.fixture(scope="module", autouse=True)
def drop_created_databases():
    """The test PostgreSQL server outlives this run: drop the databases the tests made."""
    yield
    for base_url, name in CREATED_DATABASES:
        subprocess.run(["psql", base_url, "-q", "-c", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], capture_output=True)


def postgres_database(base_url: str) -> str:
    """Creates a fresh database on the test PostgreSQL server; returns its URL."""
    name = "kuber_sys_" + secrets.token_hex(6)
    subprocess.run(["psql", base_url, "-q", "-c", f"CREATE DATABASE {name}"], check=True, capture_output=True)
    CREATED_DATABASES.append((base_url, name))
    return urlunsplit(urlsplit(base_url)._replace(path="/" + name))


def backend_env(backend: str, **extra: str) -> dict[str, str]:
    env = {"KUBER_PERSISTENCE__BACKEND": backend}
    if backend == "postgresql":
        env["KUBER_PERSISTENCE__POSTGRESQL__URL"] = postgres_database(service_url("KUBER_TEST_POSTGRES_URL"))
    elif backend == "mongodb":
        env["KUBER_PERSISTENCE__MONGODB__URI"] = service_url("KUBER_TEST_MONGODB_URI")
        env["KUBER_PERSISTENCE__MONGODB__DATABASE"] = "kuber_sys_" + secrets.token_hex(6)
    env.update(extra)
    return env


def info_persistence(client: redis.Redis) -> dict[str, object]:
    return client.info("persistence")


def restart(factory: KuberFactory, server: KuberServer, env: dict[str, str], crash: bool = False) -> KuberServer:
    if crash:
        server.crash()
    else:
        assert server.stop() == 0, server.stderr()[-2000:]
    return factory.start(data_dir=server.data_dir, admin_password=server.admin_password, env=env)


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_type_regions_and_ttls_survive_a_restart(kuber_factory: KuberFactory, backend: str) -> None:
    env = backend_env(backend)
    server = kuber_factory.start(env=env)
    c = server.client()
    c.set("s", "hello")
    c.set("bin", b"\x00\xff\r\n")
    c.hset("h", mapping={"a": "1", "b": "2"})
    c.rpush("l", "x", "y", "z")
    c.sadd("set", "m1", "m2")
    c.zadd("z", {"low": -1.5, "high": 10})
    c.execute_command("JSET", "doc", '{"name":"Ann","tags":["a","b"],"age":41}')
    c.set("ttl5", "soon", ex=5)
    c.set("gone", "x")
    c.delete("gone")
    for i in range(100):
        c.incr("counter")
    c.execute_command("RCREATE", "sessions", "web sessions", "TTL", "3600", "MAXENTRIES", "1000")
    c.execute_command("RSELECT", "sessions")
    c.set("user:1", "token")
    c.execute_command("RCREATE", "dropped")
    c.execute_command("RSELECT", "dropped")
    c.set("k", "v")
    c.execute_command("RSELECT", "default")
    c.execute_command("RDROP", "dropped")
    written_at = time.monotonic()

    server = restart(kuber_factory, server, env)
    c = server.client()
    assert c.get("s") == "hello"
    assert server.client(decode_responses=False).get("bin") == b"\x00\xff\r\n"
    assert c.hgetall("h") == {"a": "1", "b": "2"}
    assert c.lrange("l", 0, -1) == ["x", "y", "z"]
    assert c.smembers("set") == {"m1", "m2"}
    assert c.zrange("z", 0, -1, withscores=True) == [("low", -1.5), ("high", 10.0)]
    assert json.loads(c.execute_command("JGET", "doc")) == {"name": "Ann", "tags": ["a", "b"], "age": 41}
    assert c.type("doc") == "json"
    assert c.get("counter") == "100"
    assert c.exists("gone") == 0
    # The TTL continues from where it was: about 5 s minus the time the restart took.
    left = c.pttl("ttl5")
    elapsed_ms = (time.monotonic() - written_at) * 1000
    assert 0 < left <= 5000 - elapsed_ms + 50, (left, elapsed_ms)
    regions = c.execute_command("REGIONS")
    names = {r.decode() if isinstance(r, bytes) else r for r in regions}
    assert "sessions" in names and "dropped" not in names
    info = json.loads(c.execute_command("RINFO", "sessions"))
    assert (info["description"], info["defaultTtl"], info["maxEntries"], info["entries"]) == ("web sessions", 3600, 1000, 1)
    c.execute_command("RSELECT", "sessions")
    assert c.get("user:1") == "token"
    status = info_persistence(c)
    assert status["persistence_backend"] == backend and status["persistence"] == "ok"

    # The TTL really fires at its original time, not 5 s after the restart.
    c.execute_command("RSELECT", "default")
    time.sleep(max(0.0, left / 1000 + 0.2))
    assert c.get("ttl5") is None


def test_expired_entries_are_not_loaded_and_are_deleted(kuber_factory: KuberFactory) -> None:
    env = backend_env("sqlite", KUBER_PERSISTENCE__FLUSH_INTERVAL_MS="10")
    server = kuber_factory.start(env=env)
    c = server.client()
    c.set("short", "x", px=300)
    c.set("long", "y")
    c.execute_command("SAVE")
    server.crash()
    time.sleep(0.5)
    server = kuber_factory.start(data_dir=server.data_dir, admin_password=server.admin_password, env=env)
    c = server.client()
    assert c.get("short") is None and c.get("long") == "y"
    db = sqlite3.connect(server.data_dir / "kuber.db")
    keys = [bytes(row[0]) for row in db.execute("SELECT key FROM kuber_entries WHERE region='default'")]
    assert keys == [b"long"]


@pytest.mark.parametrize("backend", ["sqlite", "rocksdb"])
def test_swapdb_survives_a_crash(kuber_factory: KuberFactory, backend: str) -> None:
    env = backend_env(backend)
    server = kuber_factory.start(env=env)
    c = server.client()
    c.mset({"only-in-0": "a", "both": "from-0"})
    c.execute_command("SELECT", "1")
    c.mset({"only-in-1": "b", "both": "from-1"})
    c.rpush("list-in-1", "x", "y")
    c.execute_command("SAVE")
    assert c.execute_command("SWAPDB", "0", "1") in ("OK", True)
    c.execute_command("SAVE")
    server = restart(kuber_factory, server, env, crash=True)
    c = server.client()
    assert sorted(c.keys("*")) == ["both", "list-in-1", "only-in-1"]
    assert c.get("both") == "from-1" and c.lrange("list-in-1", 0, -1) == ["x", "y"]
    c.execute_command("SELECT", "1")
    assert sorted(c.keys("*")) == ["both", "only-in-0"]
    assert c.get("both") == "from-0"


def test_save_forces_a_flush(kuber_factory: KuberFactory) -> None:
    # A flush interval of a minute: without SAVE, a crash would lose the write.
    env = backend_env("sqlite", KUBER_PERSISTENCE__FLUSH_INTERVAL_MS="60000")
    server = kuber_factory.start(env=env)
    c = server.client()
    c.set("saved", "1")
    assert c.execute_command("SAVE") in ("OK", True, b"OK")
    assert info_persistence(c)["persistence_queue_depth"] == 0
    c.set("unsaved", "2")
    server = restart(kuber_factory, server, env, crash=True)
    c = server.client()
    assert c.get("saved") == "1"
    assert c.get("unsaved") is None, "proves the interval is honoured and SAVE did the work"


def test_repeated_writes_to_one_key_coalesce(kuber_factory: KuberFactory) -> None:
    env = backend_env("sqlite", KUBER_PERSISTENCE__FLUSH_INTERVAL_MS="60000")
    server = kuber_factory.start(env=env)
    c = server.client()
    c.execute_command("SAVE")
    before = info_persistence(c)["persistence_changes_written"]
    for _ in range(100):
        c.incr("hot")
    assert info_persistence(c)["persistence_queue_depth"] == 1
    c.execute_command("SAVE")
    assert info_persistence(c)["persistence_changes_written"] - before == 1
    server = restart(kuber_factory, server, env, crash=True)
    assert server.client().get("hot") == "100"


def test_a_full_queue_makes_writers_wait_and_loses_nothing(kuber_factory: KuberFactory) -> None:
    env = backend_env(
        "sqlite",
        KUBER_PERSISTENCE__MAX_QUEUE="50",
        KUBER_PERSISTENCE__BATCH_SIZE="20",
        KUBER_PERSISTENCE__FLUSH_INTERVAL_MS="60000",
    )
    server = kuber_factory.start(env=env)
    c = server.client()
    pipe = c.pipeline(transaction=False)
    for i in range(2000):
        pipe.set(f"k{i}", i)
    assert all(pipe.execute())
    # With a one-minute interval, only a full queue can have made the flusher write. Not durable
    # yet = waiting (at most max_queue, plus one command per client that passed the check) plus
    # what the flush in progress took (as much again).
    not_durable = info_persistence(c)["persistence_queue_depth"]
    assert not_durable <= 2 * (50 + 1)
    # Each full queue started a flush of at most about twice max_queue keys.
    assert info_persistence(c)["persistence_flushes"] >= 2000 // (2 * (50 + 1))
    server = restart(kuber_factory, server, env, crash=True)
    c = server.client()
    # Nothing was dropped: a crash loses at most what INFO said was not durable yet.
    assert c.dbsize() >= 2000 - not_durable
    assert c.get("k0") == "0"


def writer_load(
    server: KuberServer, clients: int, seconds: float, crash: bool = False, before_crash=None
) -> list[list[tuple[str, float]]]:
    """`clients` threads SET `c{i}:{n}` = n for `seconds`; returns per client the acknowledged keys
    with the wall time (ms) each reply arrived. With `crash`, the server is SIGKILLed while the
    clients are still writing (after calling `before_crash`), and their connection errors are
    expected; without it, any error fails the test."""
    acked: list[list[tuple[str, float]]] = [[] for _ in range(clients)]
    errors: list[str] = []
    stop = threading.Event()

    def run(i: int) -> None:
        c = server.client()
        n = 0
        try:
            while not stop.is_set():
                key = f"c{i}:{n}"
                c.set(key, n)
                acked[i].append((key, time.time() * 1000))
                n += 1
        except (redis.RedisError, OSError) as e:
            if not (crash and server.crashed):
                errors.append(f"client {i}: {e!r}")

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    time.sleep(seconds)
    if crash:
        if before_crash is not None:
            before_crash()
        server.crash()
    stop.set()
    for t in threads:
        t.join()
    assert not errors, errors
    return acked


def missing_keys(c: redis.Redis, keys: list[str]) -> list[str]:
    missing = []
    for start in range(0, len(keys), 1000):
        chunk = keys[start : start + 1000]
        missing += [k for k, v in zip(chunk, c.mget(chunk)) if v is None]
    return missing


@pytest.mark.parametrize("backend", ["sqlite", "rocksdb", "postgresql"])
def test_write_through_loses_nothing_acknowledged_on_kill_9(kuber_factory: KuberFactory, backend: str) -> None:
    env = backend_env(backend, KUBER_PERSISTENCE__MODE="write-through")
    server = kuber_factory.start(env=env)
    acked = writer_load(server, clients=20, seconds=10, crash=True)
    server = kuber_factory.start(data_dir=server.data_dir, admin_password=server.admin_password, env=env)
    keys = [key for per_client in acked for key, _ in per_client]
    assert len(keys) > 1000, f"only {len(keys)} writes in 10 s"
    missing = missing_keys(server.client(), keys)
    assert not missing, f"{len(missing)} of {len(keys)} acknowledged writes lost, e.g. {missing[:5]}"


def test_write_behind_loses_at_most_the_flush_window_on_kill_9(kuber_factory: KuberFactory) -> None:
    env = backend_env("sqlite", KUBER_PERSISTENCE__FLUSH_INTERVAL_MS="100")
    server = kuber_factory.start(env=env)
    seen: dict[str, int] = {}

    def read_last_flush() -> None:
        status = info_persistence(server.client())
        seen["started"] = int(status["persistence_last_flush_time_ms"]) - int(status["persistence_last_flush_duration_ms"])
        seen["at"] = int(time.time() * 1000)

    acked = writer_load(server, clients=20, seconds=10, crash=True, before_crash=read_last_flush)
    server = kuber_factory.start(data_dir=server.data_dir, admin_password=server.admin_password, env=env)
    c = server.client()
    lost_at = []
    total = 0
    for per_client in acked:
        values = c.mget([k for k, _ in per_client]) if per_client else []
        total += len(per_client)
        lost_at += [acked_at for (_, acked_at), v in zip(per_client, values) if v is None]
    assert total > 1000
    # Nothing acknowledged before the last flush we saw began is missing ...
    early = [t for t in lost_at if t < seen["started"]]
    assert not early, f"{len(early)} writes acknowledged before the last completed flush are missing"
    # ... and that flush was recent: the loss window is the flush interval plus one flush.
    assert seen["at"] - seen["started"] < 1500, seen
    print(f"write-behind kill -9: {len(lost_at)} of {total} writes lost, all within {seen['at'] - seen['started']} ms of the crash")


def test_outage_of_postgresql_costs_no_data(kuber_factory: KuberFactory, tmp_path: Path) -> None:
    state = tmp_path / "pg"
    start = subprocess.run([ROOT / "scripts/services/postgres.sh", "start", state], check=True, capture_output=True, text=True)
    url = start.stdout.strip().split("=", 1)[1]
    try:
        env = {
            "KUBER_PERSISTENCE__BACKEND": "postgresql",
            "KUBER_PERSISTENCE__POSTGRESQL__URL": postgres_database(url),
        }
        server = kuber_factory.start(env=env)
        results: list[list[tuple[str, float]]] = []
        loader = threading.Thread(target=lambda: results.append(writer_load(server, clients=5, seconds=30)))
        loader.start()
        time.sleep(3)
        subprocess.run([ROOT / "scripts/services/postgres.sh", "stop", state], check=True, capture_output=True)
        deadline = time.monotonic() + 15
        while (status := info_persistence(server.client()))["persistence"] != "degraded":
            assert time.monotonic() < deadline, f"the outage was not reported: {status}"
            time.sleep(0.2)
        assert status["persistence_queue_depth"] > 0
        rest = json.loads(server.client().execute_command("STATUS"))
        assert rest["persistence"]["status"] == "degraded"
        time.sleep(20)
        restarted = subprocess.run([ROOT / "scripts/services/postgres.sh", "start", state], check=True, capture_output=True, text=True)
        assert restarted.stdout.strip().split("=", 1)[1] == url, "PostgreSQL came back on another port"
        loader.join()
        assert results, "the writer threads failed"  # writer_load asserts no client saw an error
        deadline = time.monotonic() + 60
        while True:
            status = info_persistence(server.client())
            if status["persistence"] == "ok" and status["persistence_queue_depth"] == 0:
                break
            assert time.monotonic() < deadline, f"persistence did not recover: {status}"
            time.sleep(0.2)
        # Everything is in PostgreSQL now: a crash loses nothing.
        server = restart(kuber_factory, server, env, crash=True)
        c = server.client()
        keys = [k for per_client in results[0] for k, _ in per_client]
        missing = missing_keys(c, keys)
        assert not missing, f"{len(missing)} of {len(keys)} writes missing after the outage"
    finally:
        subprocess.run([ROOT / "scripts/services/postgres.sh", "stop", state], capture_output=True)


def test_write_through_answers_tryagain_while_the_backend_is_down(kuber_factory: KuberFactory, tmp_path: Path) -> None:
    state = tmp_path / "pg"
    start = subprocess.run([ROOT / "scripts/services/postgres.sh", "start", state], check=True, capture_output=True, text=True)
    url = start.stdout.strip().split("=", 1)[1]
    try:
        env = {
            "KUBER_PERSISTENCE__BACKEND": "postgresql",
            "KUBER_PERSISTENCE__MODE": "write-through",
            "KUBER_PERSISTENCE__POSTGRESQL__URL": postgres_database(url),
        }
        server = kuber_factory.start(env=env)
        c = server.client()
        assert c.set("before", "1")
        subprocess.run([ROOT / "scripts/services/postgres.sh", "stop", state], check=True, capture_output=True)
        # redis-py turns the `TRYAGAIN` error code into TryAgainError with the rest as its message.
        with pytest.raises(redis.exceptions.TryAgainError, match="^persistence unavailable$"):
            for _ in range(50):
                c.set("during", "2")
                time.sleep(0.1)
        assert c.get("before") == "1", "reads of memory keep working"
        subprocess.run([ROOT / "scripts/services/postgres.sh", "start", state], check=True, capture_output=True)
        deadline = time.monotonic() + 30
        while True:
            try:
                assert c.set("after", "3")
                break
            except redis.exceptions.TryAgainError:
                assert time.monotonic() < deadline, "write-through did not recover"
                time.sleep(0.2)
    finally:
        subprocess.run([ROOT / "scripts/services/postgres.sh", "stop", state], capture_output=True)


def test_bad_persistence_config_fails_fast_naming_the_setting(kuber_factory: KuberFactory, tmp_path: Path) -> None:
    users = json.dumps({"users": [{"username": "admin", "password": hash_password("x"), "roles": ["ADMIN"]}]})
    cases = [
        ({"KUBER_PERSISTENCE__BACKEND": "oracle"}, "kuber.persistence.backend"),
        (
            {"KUBER_PERSISTENCE__BACKEND": "postgresql", "KUBER_PERSISTENCE__POSTGRESQL__URL": "postgres://u:secretpw@127.0.0.1:9/x"},
            "kuber.persistence.postgresql.url",
        ),
        ({"KUBER_PERSISTENCE__BACKEND": "postgresql"}, "kuber.persistence.postgresql.url"),
        ({"KUBER_PERSISTENCE__SQLITE__PATH": "/proc/kuber/kuber.db"}, "kuber.persistence.sqlite.path"),
        ({"KUBER_PERSISTENCE__BACKEND": "rocksdb", "KUBER_PERSISTENCE__ROCKSDB__PATH": "/proc/kuber-rocks"}, "kuber.persistence.rocksdb.path"),
        (
            {"KUBER_PERSISTENCE__BACKEND": "mongodb", "KUBER_PERSISTENCE__MONGODB__URI": "mongodb://127.0.0.1:9/"},
            "kuber.persistence.mongodb.uri",
        ),
    ]
    for env, setting in cases:
        started = time.monotonic()
        code, out, err = kuber_factory.run_to_exit(users, env=env, timeout=40)
        assert code != 0, (env, out, err)
        assert setting in err + out, (setting, err)
        assert "secretpw" not in err + out
        assert time.monotonic() - started < 35, f"{setting}: took too long to fail"


def test_a_corrupt_record_is_reported_and_skipped(kuber_factory: KuberFactory) -> None:
    env = backend_env("sqlite")
    server = kuber_factory.start(env=env)
    c = server.client()
    c.set("good", "1")
    c.rpush("list", "a")
    c.execute_command("SAVE")
    assert server.stop() == 0
    db = sqlite3.connect(server.data_dir / "kuber.db")
    with db:
        db.execute("UPDATE kuber_entries SET payload = X'01FF' WHERE key = CAST('list' AS BLOB)")
    db.close()
    server = kuber_factory.start(data_dir=server.data_dir, admin_password=server.admin_password, env=env)
    c = server.client()
    assert c.get("good") == "1"
    assert c.exists("list") == 0
    assert "corrupt" in server.stderr() + server.stdout()
