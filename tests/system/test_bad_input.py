"""Malformed and hostile input: exact protocol errors, connection closes, and no harm to other clients."""

from __future__ import annotations

import random
import secrets
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from kuber_system import NOAUTH, Error, Incomplete, KuberServer, RespConn, parse_reply


class Witness:
    """An authenticated client connected before the bad input arrives; it must not notice anything."""

    def __init__(self, server: KuberServer) -> None:
        self.server = server
        self.conn = server.raw()
        self.value = "witness-" + secrets.token_hex(8)
        self.key = "witness:" + secrets.token_hex(4)
        assert self.conn.call("SET", self.key, self.value) == "OK"

    def assert_unharmed(self) -> None:
        assert self.server.alive(), f"kuber-server died; stderr:\n{self.server.stderr()[-3000:]}"
        assert self.conn.call_raw("PING") == b"+PONG\r\n"
        assert self.conn.call("GET", self.key) == self.value.encode()
        with self.server.raw() as fresh:  # and the server still accepts new clients
            assert fresh.call("GET", self.key) == self.value.encode()


@pytest.fixture
def witness(shared_kuber: KuberServer) -> Iterator[Witness]:
    w = Witness(shared_kuber)
    yield w
    w.conn.close()


def send_and_read_until_close(conn: RespConn, payload: bytes, timeout: float = 10.0) -> bytes:
    """Send `payload` from a thread (the server may close before taking it all) and read until close."""

    def send() -> None:
        try:
            conn.sock.sendall(payload)
        except OSError:  # EPIPE / ECONNRESET: the server closed after its error reply
            pass

    sender = threading.Thread(target=send)
    sender.start()
    data, _ = conn.read_until_close(timeout)
    sender.join(timeout)
    return data


def test_negative_multibulk_length_is_an_empty_request_as_in_redis(shared_kuber: KuberServer, witness: Witness) -> None:
    # Redis 7 treats `*N` with N <= 0 as an empty request and carries on (its own test suite's
    # "Negative multibulk length" case relies on it); Kuber does the same rather than closing.
    with shared_kuber.raw() as conn:
        conn.send(b"*-5\r\n*-1\r\n*0\r\n")
        assert conn.call_raw("PING") == b"+PONG\r\n"
    witness.assert_unharmed()


def protocol_error(reason: str) -> bytes:
    return f"-ERR Protocol error: {reason}\r\n".encode()


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"*1\r\n$99999999999\r\n", "invalid bulk length"),
        (b"*2\r\n$3\r\nGET\r\n$1073741824\r\n", "invalid bulk length"),
        (b"*1\r\n$abc\r\n", "invalid bulk length"),
        (b"*99999999999\r\n", "invalid multibulk length"),
        (b"*1\r\n" * 100_000, "expected '$', got '*'"),
        (b"*2\r\n$3\r\nGET\r\n:1\r\n", "expected '$', got ':'"),
    ],
    ids=[
        "bulk-99999999999",
        "bulk-1GiB",
        "bulk-not-a-number",
        "multibulk-huge",
        "nested-100k",
        "integer-as-argument",
    ],
)
def test_authenticated_protocol_errors(
    shared_kuber: KuberServer, witness: Witness, payload: bytes, reason: str
) -> None:
    with shared_kuber.raw() as bad:
        assert send_and_read_until_close(bad, payload) == protocol_error(reason)
    witness.assert_unharmed()


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"*11\r\n", "unauthenticated multibulk length"),
        (b"*2\r\n$4\r\nAUTH\r\n$16385\r\n", "unauthenticated bulk length"),
    ],
    ids=["multibulk-11", "bulk-16385"],
)
def test_unauthenticated_limits(shared_kuber: KuberServer, witness: Witness, payload: bytes, reason: str) -> None:
    with shared_kuber.raw(None) as bad:
        assert send_and_read_until_close(bad, payload) == protocol_error(reason)
    witness.assert_unharmed()


def test_unauthenticated_limits_are_inclusive(shared_kuber: KuberServer, witness: Witness) -> None:
    with shared_kuber.raw(None) as c:
        assert c.call("ECHO", "x" * 16384) == NOAUTH
        assert c.call("DEL", *["k"] * 9) == NOAUTH  # 10 elements
        c.auth("admin", str(shared_kuber.admin_password))
        # once authenticated, the large limits apply
        assert c.call("ECHO", "y" * 100_000) == b"y" * 100_000
        assert c.call("DEL", *[f"nope{i}" for i in range(100)]) == 0
    witness.assert_unharmed()


def test_too_long_inline_request_is_refused(shared_kuber: KuberServer, witness: Witness) -> None:
    with shared_kuber.raw() as bad:
        data = send_and_read_until_close(bad, b"A" * 200_000)
        reply, end = parse_reply(data)
        assert isinstance(reply, Error) and reply.startswith("ERR Protocol error: "), data[:200]
        assert end == len(data)
    witness.assert_unharmed()


GARBAGE = {
    "random": random.Random(1).randbytes(8192),
    "random-star": b"*" + random.Random(2).randbytes(8192),
    "random-dollar": b"$" + random.Random(3).randbytes(8192),
    "half-set-then-random": b"*3\r\n$3\r\nSET\r\n" + random.Random(4).randbytes(8192),
    "resp3-map-as-command": b"%1\r\n+a\r\n+b\r\n",
    "nul-bytes": b"\x00" * 10_000,
    "crlf-only": b"\r\n" * 5000,
    "high-bytes-lines": b"\xff\xfe\xfd\r\n" * 1000,
    "unbalanced-quotes": b'SET "abc\r\n',
    "truncated-bulk": b"*1\r\n$4\r\nPI",
}


@pytest.mark.parametrize("authenticated", [False, True], ids=["anon", "authed"])
@pytest.mark.parametrize("name", list(GARBAGE))
def test_binary_garbage_gets_errors_or_close(
    shared_kuber: KuberServer, witness: Witness, name: str, authenticated: bool
) -> None:
    with shared_kuber.raw("admin" if authenticated else None) as bad:
        bad.sock.sendall(GARBAGE[name])
        bad.sock.shutdown(socket.SHUT_WR)  # end of input: the server must answer what it can and close
        data, _ = bad.read_until_close(10)
    pos = 0
    while pos < len(data):
        try:
            reply, pos = parse_reply(data, pos)
        except Incomplete:
            pytest.fail(f"truncated reply at byte {pos}: {data[pos : pos + 100]!r}")
        assert isinstance(reply, Error), f"non-error reply {reply!r} to garbage"
    witness.assert_unharmed()


def test_half_frame_stallers_do_not_delay_others(shared_kuber: KuberServer, witness: Witness) -> None:
    stallers = []
    try:
        for i in range(10):
            s = shared_kuber.raw()
            s.send(b"*3\r\n$3\r\nSET\r\n$7\r\nstall:%d\r\n$5\r\nab" % i)  # 2 of 5 value bytes
            stallers.append(s)
        for _ in range(10):
            anon = shared_kuber.raw(None)
            anon.send(b"*2\r\n$4\r\nAUTH\r\n$5\r\nad")
            stallers.append(anon)
        time.sleep(0.2)
        t0 = time.monotonic()
        with shared_kuber.raw() as other:
            for i in range(200):
                assert other.call("SET", f"other:{i}", "v") == "OK"
                assert other.call("GET", f"other:{i}") == b"v"
            assert other.call("GET", "stall:0") is None
        elapsed = time.monotonic() - t0
        assert elapsed < 5, f"400 commands took {elapsed:.2f}s next to stalled clients"
        witness.assert_unharmed()
        # the stalled frames complete normally
        for s in stallers[:10]:
            s.send(b"cde\r\n")
            assert s.read_raw() == b"+OK\r\n"
        assert witness.conn.call("GET", "stall:9") == b"abcde"
    finally:
        for s in stallers:
            s.close()
    witness.assert_unharmed()
