"""Authentication and roles (SPEC §3): NOAUTH, AUTH forms, WRONGPASS, roles, HELLO 3, slowdown, users file."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator

import pytest
import redis

from kuber_system import NOAUTH, WRONGPASS, Error, KuberFactory, KuberServer, User

APP = User("app", "app-secret-1", ["USER"])
READER = User("reader", "reader-secret-1", ["READER"])
GHOST = User("ghost", "ghost-secret-1", ["USER"], enabled=False)


def noperm(user: str, command: str) -> str:
    return f"NOPERM User {user} has no permissions to run the '{command}' command"


@pytest.fixture(scope="module")
def users_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KuberServer]:
    """Admin, app (USER), reader (READER) and a disabled user; only successful AUTHs are sent to it."""
    factory = KuberFactory(tmp_path_factory.mktemp("auth"))
    yield factory.start([APP, READER, GHOST])
    factory.stop_all()


def test_commands_before_auth_get_noauth(users_server: KuberServer) -> None:
    with users_server.raw(None) as c:
        for cmd in [
            ("GET", "auth:pre"),
            ("SET", "auth:pre", "written-before-auth"),
            ("SELECT", "0"),
            ("RSELECT", "pre_auth_region"),
            ("REGIONS",),
            ("CLIENT", "ID"),
            ("INFO",),
            ("DBSIZE",),
            ("FLUSHALL",),
        ]:
            assert c.call(*cmd) == NOAUTH, cmd
        assert c.call_raw("PING") == b"-NOAUTH Authentication required.\r\n"
        c.send(b"PING\r\n")  # inline form
        assert c.read_raw() == b"-NOAUTH Authentication required.\r\n"
        c.auth(APP.username, APP.password)
        assert c.call_raw("PING") == b"+PONG\r\n"
        assert c.call("GET", "auth:pre") is None
        assert "pre_auth_region" not in {r.decode() for r in c.call("REGIONS")}


def test_quit_before_auth_replies_ok_and_closes(users_server: KuberServer) -> None:
    with users_server.raw(None) as c:
        c.send_command("QUIT")
        data, _ = c.read_until_close(5)
        assert data == b"+OK\r\n"


def test_auth_username_password(users_server: KuberServer) -> None:
    with users_server.raw(None) as c:
        assert c.call_raw("AUTH", APP.username, APP.password) == b"+OK\r\n"
        assert c.call_raw("SET", "auth:app", "v1") == b"+OK\r\n"
        assert c.call_raw("GET", "auth:app") == b"$2\r\nv1\r\n"
    r = users_server.client(APP.username, APP.password)
    assert r.get("auth:app") == "v1"
    assert r.incr("auth:app:counter") == 1


def test_auth_password_only_form_uses_default_user(kuber_factory: KuberFactory) -> None:
    server = kuber_factory.start([User("default", "default-secret", ["USER"])])
    with server.raw(None) as c:
        assert c.call_raw("AUTH", "default-secret") == b"+OK\r\n"
        assert c.call_raw("SET", "k", "v") == b"+OK\r\n"
    # redis-py with only a password sends `AUTH password`
    assert server.client(None, password="default-secret").get("k") == "v"


def test_auth_password_only_form_without_default_user_is_wrongpass(kuber: KuberServer) -> None:
    with kuber.raw(None) as c:
        # the admin password is right, but the one-argument form means user `default`, which does not exist
        assert c.call("AUTH", kuber.admin_password) == WRONGPASS
        assert c.call("GET", "k") == NOAUTH


def test_wrong_credentials_get_wrongpass(kuber_factory: KuberFactory) -> None:
    server = kuber_factory.start([APP])
    with server.raw(None) as c:
        assert c.call_raw("AUTH", "app", "not-the-password") == (
            b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"
        )
        assert c.call("AUTH", "nobody", APP.password) == WRONGPASS
        assert c.call("HELLO", "3", "AUTH", "app", "still-wrong") == WRONGPASS
        assert c.call("GET", "k") == NOAUTH
        assert c.call("AUTH", APP.username, APP.password) == "OK"
        assert c.call("GET", "k") is None
    with pytest.raises(redis.AuthenticationError):
        server.client("app", "not-the-password").ping()


def test_disabled_user_gets_wrongpass(kuber_factory: KuberFactory) -> None:
    server = kuber_factory.start([GHOST])
    with server.raw(None) as c:
        assert c.call("AUTH", GHOST.username, GHOST.password) == WRONGPASS
        assert c.call("PING") == NOAUTH


def test_reader_reads_but_cannot_write(users_server: KuberServer) -> None:
    admin = users_server.client()
    admin.set("reader:k", "original")
    admin.execute_command("RCREATE", "reader_region", "for the reader")
    admin.execute_command("RSELECT", "reader_region")
    admin.set("reader:inregion", "r1")

    r = users_server.client(READER.username, READER.password)
    assert r.get("reader:k") == "original"
    assert r.mget("reader:k", "reader:missing") == ["original", None]
    assert r.exists("reader:k") == 1
    assert r.strlen("reader:k") == 8
    assert r.ttl("reader:k") == -1
    assert r.type("reader:k") == "string"
    assert "reader:k" in r.keys("reader:*")
    assert r.dbsize() >= 1
    assert r.execute_command("RSELECT", "reader_region") == "OK"
    assert r.get("reader:inregion") == "r1"

    with users_server.raw(READER.username, READER.password) as c:
        assert c.call_raw("SET", "reader:k", "changed") == (
            b"-NOPERM User reader has no permissions to run the 'set' command\r\n"
        )
        assert c.call("DEL", "reader:k") == noperm("reader", "del")
        assert c.call("INCR", "reader:n") == noperm("reader", "incr")
        assert c.call("EXPIRE", "reader:k", "10") == noperm("reader", "expire")
        assert c.call("FLUSHDB") == noperm("reader", "flushdb")
        assert c.call("RCREATE", "reader_made") == noperm("reader", "rcreate")
        # a reader may not create a region by selecting it
        assert isinstance(c.call("RSELECT", "reader_made_too"), Error)
        assert c.call("GET", "reader:k") == b"original"
    assert admin.get("reader:k") is None  # admin is in reader_region now
    admin.execute_command("RSELECT", "default")
    assert admin.get("reader:k") == "original"
    assert admin.ttl("reader:k") == -1
    assert admin.exists("reader:n") == 0
    regions = set(admin.execute_command("REGIONS"))
    assert "reader_made" not in regions
    assert "reader_made_too" not in regions


def test_user_cannot_flushall_or_drop_regions(users_server: KuberServer) -> None:
    admin = users_server.client()
    admin.set("user:keep", "1")
    with users_server.raw(APP.username, APP.password) as c:
        assert c.call("SET", "user:own", "x") == "OK"
        assert c.call("RCREATE", "app_region", "made by app") == "OK"
        assert c.call("RSELECT", "app_selected") == "OK"  # USER may create regions by selecting them
        assert c.call_raw("FLUSHALL") == b"-NOPERM User app has no permissions to run the 'flushall' command\r\n"
        assert c.call("RDROP", "app_region") == noperm("app", "rdrop")
    assert admin.get("user:keep") == "1"
    assert admin.get("user:own") == "x"
    assert {"app_region", "app_selected"} <= set(admin.execute_command("REGIONS"))


def test_admin_can_flushall(kuber: KuberServer) -> None:
    admin = kuber.client()
    admin.set("a", "1")
    admin.execute_command("RSELECT", "other")
    admin.set("b", "2")
    assert admin.execute_command("FLUSHALL") is True
    assert admin.dbsize() == 0
    admin.execute_command("RSELECT", "default")
    assert admin.get("a") is None


def test_hello3_auth_setname(users_server: KuberServer) -> None:
    with users_server.raw(None) as c:
        hello = c.call("HELLO", "3", "AUTH", APP.username, APP.password, "SETNAME", "conn-app")
        assert isinstance(hello, dict), hello
        fields = {k.decode() if isinstance(k, bytes) else str(k): v for k, v in hello.items()}
        assert fields["proto"] == 3
        assert isinstance(fields["id"], int)
        assert c.call_raw("CLIENT", "GETNAME") == b"$8\r\nconn-app\r\n"
        assert c.call_raw("GET", "hello:missing") == b"_\r\n"  # RESP3 null
        client_list = c.call("CLIENT", "LIST")
        client_list = client_list.data if hasattr(client_list, "data") else client_list
        assert re.search(rb"(^| )name=conn-app( |$)", client_list, re.M), client_list
        # back to RESP2 on the same connection
        assert isinstance(c.call("HELLO", "2"), list)
        assert c.call_raw("GET", "hello:missing") == b"$-1\r\n"
    r = users_server.client(APP.username, APP.password, protocol=3, client_name="py-resp3")
    assert r.set("hello:k", "v") is True
    assert r.get("hello:k") == "v"
    assert r.client_getname() == "py-resp3"


def test_repeated_failures_from_one_address_are_slowed(kuber_factory: KuberFactory) -> None:
    server = kuber_factory.start([APP])
    durations = []
    started = time.monotonic()
    for i in range(6):
        with server.raw(None, timeout=30) as c:  # a fresh connection each time: the limit is per address
            t0 = time.monotonic()
            assert c.call("AUTH", APP.username, f"wrong-{i}") == WRONGPASS
            durations.append(time.monotonic() - t0)
    total = time.monotonic() - started
    shown = ", ".join(f"{d:.3f}s" for d in durations)
    assert durations[5] >= durations[0] + 0.1, f"6th failure not slowed: {shown}"
    assert durations[5] > durations[3], f"delay does not grow: {shown}"
    assert total < 20, f"slowdown is unbounded: {shown}"
    with server.raw(None, timeout=30) as c:
        assert c.call("AUTH", APP.username, APP.password) == "OK"
        assert c.call("PING") == "PONG"


def test_clear_text_password_in_users_file_is_refused(kuber_factory: KuberFactory) -> None:
    users = {"users": [{"username": "admin", "password": "plain-text-pw", "roles": ["ADMIN"], "enabled": True}]}
    code, out, err = kuber_factory.run_to_exit(json.dumps(users))
    assert code != 0
    assert "hash-password" in out + err, f"stdout:\n{out}\nstderr:\n{err}"
    assert "plain-text-pw" not in out + err, "the clear-text password was echoed"


def test_admin_password_from_env_is_stored_hashed(kuber: KuberServer) -> None:
    text = kuber.users_file.read_text()
    users = json.loads(text)["users"]
    admin = next(u for u in users if u["username"] == "admin")
    assert admin["password"].startswith("$argon2id$")
    assert admin["roles"] == ["ADMIN"]
    assert str(kuber.admin_password) not in text
    assert str(kuber.admin_password) not in kuber.stdout() + kuber.stderr(), "password from env was logged"
    assert kuber.client().ping() is True


def _printed_password(server: KuberServer, output: str) -> str:
    """Find the generated admin password in the startup output by trying the tokens of 'password' lines."""
    output = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", output)  # log colours
    lines = [line for line in output.splitlines() if "password" in line.lower()]
    assert lines, f"no password line in the output:\n{output}"
    tails, heads = [], []
    for line in lines:  # the password most likely follows the word "password"
        at = line.lower().rfind("password") + len("password")
        tails.append(line[at:])
        heads.append(line[:at])
    candidates: list[str] = []
    for text in tails + heads:
        for token in re.split(r"[\s'\"`,;()\[\]{}<>]+", text):
            for candidate in (token, token.split("=", 1)[-1], token.split(":", 1)[-1]):
                candidate = candidate.strip(".:")
                if len(candidate) >= 8 and "password" not in candidate.lower() and candidate not in candidates:
                    candidates.append(candidate)
    for token in candidates[:6]:
        with server.raw(None, timeout=30) as c:
            if c.call("AUTH", "admin", token) == "OK":
                return token
    raise AssertionError(f"none of {candidates[:6]} is the admin password; lines: {lines}")


def test_generated_admin_password_is_printed_once(kuber_factory: KuberFactory) -> None:
    server = kuber_factory.start(admin_password=None)
    time.sleep(0.2)  # let the output reach the log files
    password = _printed_password(server, server.stdout() + server.stderr())
    text = server.users_file.read_text()
    admin = next(u for u in json.loads(text)["users"] if u["username"] == "admin")
    assert admin["password"].startswith("$argon2id$")
    assert password not in text
    assert server.stop() == 0

    again = kuber_factory.start(admin_password=None, data_dir=server.data_dir)
    time.sleep(0.2)
    assert password not in again.stdout() + again.stderr(), "the password was printed on a second start"
    assert again.users_file.read_text() == text
    assert again.client("admin", password).ping() is True
