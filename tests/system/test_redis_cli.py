"""redis-cli, a client we did not write, against Kuber with `--user/--pass`."""

from __future__ import annotations

from collections.abc import Callable

from kuber_system import KuberServer, run_redis_cli

Cli = Callable[..., str]


def test_set_get(shared_kuber: KuberServer, redis_cli: Cli) -> None:
    assert redis_cli(shared_kuber, "SET", "cli:k", "hello world") == "OK\n"
    assert redis_cli(shared_kuber, "GET", "cli:k") == "hello world\n"
    assert redis_cli(shared_kuber, "APPEND", "cli:k", "!") == "12\n"
    assert redis_cli(shared_kuber, "EXISTS", "cli:k", "cli:missing") == "1\n"
    assert redis_cli(shared_kuber, "GET", "cli:missing") == "\n"
    assert shared_kuber.client().get("cli:k") == "hello world!"


def test_info(shared_kuber: KuberServer, redis_cli: Cli) -> None:
    out = redis_cli(shared_kuber, "INFO")
    for header in ["# Server", "# Clients", "# Memory", "# Stats", "# Keyspace"]:
        assert header.lower() in out.lower(), f"{header} missing from:\n{out}"
    assert "connected_clients:" in out


def test_scan(shared_kuber: KuberServer, redis_cli: Cli) -> None:
    keys = {f"cli:scan:{i}" for i in range(250)}
    r = shared_kuber.client()
    r.mset({k: "v" for k in keys})
    r.set("cli:other", "v")
    out = redis_cli(shared_kuber, "--scan", "--pattern", "cli:scan:*")
    assert sorted(out.split()) == sorted(keys)
    out = redis_cli(shared_kuber, "--scan")
    assert set(out.split()) >= keys | {"cli:other"}


def test_select_db_index_maps_to_region(shared_kuber: KuberServer, redis_cli: Cli) -> None:
    assert redis_cli(shared_kuber, "-n", "5", "SET", "cli:db5", "five") == "OK\n"
    assert redis_cli(shared_kuber, "GET", "cli:db5") == "\n"
    r = shared_kuber.client()
    assert r.execute_command("RSELECT", "db5") == "OK"
    assert r.get("cli:db5") == "five"


def test_without_auth_is_refused(shared_kuber: KuberServer, redis_cli: Cli) -> None:
    assert redis_cli(shared_kuber, "SET", "cli:noauth", "x", user=None) == "NOAUTH Authentication required.\n\n"
    proc = run_redis_cli(
        shared_kuber.host, shared_kuber.port, "SET", "cli:noauth", "x", user="admin", password="wrong-password"
    )
    assert "AUTH failed: WRONGPASS invalid username-password pair or user is disabled." in proc.stderr.decode()
    assert proc.stdout.decode() == "NOAUTH Authentication required.\n\n"
    assert shared_kuber.client().exists("cli:noauth") == 0


def test_command_count(shared_kuber: KuberServer, redis_cli: Cli) -> None:
    out = redis_cli(shared_kuber, "COMMAND", "COUNT")
    assert out.strip().isdigit(), out
    assert int(out) > 0


def test_pipe_mass_insert(shared_kuber: KuberServer, redis_cli: Cli) -> None:
    lines = b"".join(b"SET cli:pipe:%d %d\r\n" % (i, i) for i in range(2000))
    out = redis_cli(shared_kuber, "--pipe", input=lines)
    assert "errors: 0, replies: 2000" in out, out
    r = shared_kuber.client()
    assert r.get("cli:pipe:1999") == "1999"
    assert len(r.keys("cli:pipe:*")) == 2000


def test_resp3(shared_kuber: KuberServer, redis_cli: Cli) -> None:
    assert redis_cli(shared_kuber, "-3", "SET", "cli:r3", "v3") == "OK\n"
    assert redis_cli(shared_kuber, "-3", "GET", "cli:r3") == "v3\n"
    out = redis_cli(shared_kuber, "-3", "HELLO", "3")
    assert "\nproto 3\n" in out, out  # a RESP3 map, printed as "key value" lines
