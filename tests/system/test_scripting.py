"""Lua scripting through redis-py: `register_script` (EVALSHA with EVAL fallback), redis-py's `Lock`
(its release and extend are Lua scripts), and a busy script on a single-threaded server that other
clients see as BUSY until SCRIPT KILL."""

from __future__ import annotations

import threading
import time

import pytest
import redis

from kuber_system import KuberFactory, KuberServer


def test_register_script_runs_by_sha_and_reloads_after_flush(shared_kuber: KuberServer) -> None:
    client = shared_kuber.client()
    add = client.register_script(
        "local v = redis.call('INCRBY', KEYS[1], ARGV[1]) return {v, type(v), redis.sha1hex('')}"
    )
    assert add(keys=["script:counter"], args=[5]) == [5, "number", "da39a3ee5e6b4b0d3255bfef95601890afd80709"]
    assert client.script_exists(add.sha) == [True]
    client.script_flush()
    assert client.script_exists(add.sha) == [False]
    # Script.__call__ gets NOSCRIPT from EVALSHA, loads the script and retries.
    assert add(keys=["script:counter"], args=[2])[0] == 7
    assert client.script_exists(add.sha) == [True]
    with pytest.raises(redis.ResponseError, match=r"^value is not an integer or out of range script: f_[0-9a-f]{40}, on @user_script:1\.$"):
        add(keys=["script:counter"], args=["x"])
    with pytest.raises(redis.exceptions.NoScriptError):
        client.evalsha("0" * 40, 0)


def test_redis_py_lock_acquires_extends_and_releases(shared_kuber: KuberServer) -> None:
    first = shared_kuber.client()
    second = shared_kuber.client()
    lock = first.lock("script:lock", timeout=10)
    assert lock.acquire(blocking=False)
    other = second.lock("script:lock", timeout=10)
    assert not other.acquire(blocking=False)
    assert lock.owned()
    assert lock.extend(5)
    assert 10_000 < first.pttl("script:lock") <= 15_000
    assert lock.reacquire()
    lock.release()
    assert first.exists("script:lock") == 0
    # The release script refuses a token that does not hold the lock.
    assert other.acquire(blocking=False)
    lock.local.token = b"not-the-owner"
    with pytest.raises(redis.exceptions.LockNotOwnedError):
        lock.release()
    assert second.exists("script:lock") == 1
    other.release()
    assert second.exists("script:lock") == 0


def test_a_busy_script_is_killed_on_a_single_threaded_server(kuber_factory: KuberFactory) -> None:
    server = kuber_factory.start(env={"KUBER_SERVER__THREADS": "1"})
    admin = server.client()
    assert admin.config_set("busy-reply-threshold", 50)
    outcome: list[BaseException] = []

    def run_forever() -> None:
        try:
            server.client().eval("while true do end", 0)
        except BaseException as e:  # checked below
            outcome.append(e)

    runner = threading.Thread(target=run_forever)
    runner.start()
    deadline = time.monotonic() + 10
    while True:
        try:
            admin.get("anything")
        except redis.ResponseError as e:
            assert str(e).startswith("BUSY Redis is busy running a script")
            break
        assert time.monotonic() < deadline, "no BUSY reply while the script runs"
        time.sleep(0.02)
    assert admin.script_kill()
    runner.join(timeout=10)
    assert not runner.is_alive()
    assert len(outcome) == 1 and "Script killed by user with SCRIPT KILL" in str(outcome[0])
    assert admin.ping()


def test_function_libraries_load_and_fcall(shared_kuber: KuberServer) -> None:
    client = shared_kuber.client()
    code = (
        "#!lua name=counters\n"
        "redis.register_function('bump', function(keys, args) return redis.call('INCRBY', keys[1], args[1]) end)\n"
        "redis.register_function{function_name='peek', callback=function(keys) return redis.call('GET', keys[1]) end,"
        " flags={'no-writes'}}"
    )
    assert client.function_load(code) == "counters"
    assert client.fcall("bump", 1, "fn:counter", 3) == 3
    assert client.fcall_ro("peek", 1, "fn:counter") == "3"
    with pytest.raises(redis.ResponseError, match="Can not execute a script with write flag using"):
        client.fcall_ro("bump", 1, "fn:counter", 1)
    # RESP2: each library is a flat list of field names and values, as Redis sends it.
    library = client.function_list()[0]
    assert library[library.index("library_name") + 1] == "counters"
    client.function_delete("counters")
    with pytest.raises(redis.ResponseError, match="Function not found"):
        client.fcall("bump", 1, "fn:counter", 1)
