"""Load: a 10,000-command pipeline in one write, 50 clients incrementing one key, SCAN under concurrent writes,
a million-element LRANGE streamed to a slow reader."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from kuber_system import KuberFactory, KuberServer, RespConn, encode_command


@pytest.fixture
def r(shared_kuber: KuberServer) -> Iterator[redis.Redis]:
    client = shared_kuber.client()
    assert client.flushdb() is True
    yield client
    client.close()


def test_pipeline_of_10000_commands_in_one_write(shared_kuber: KuberServer, r: redis.Redis) -> None:
    n = 10_000
    commands, expected = [], []
    for i in range(n // 2):
        commands.append(encode_command("SET", f"pipe:{i}", f"value-{i}"))
        expected.append(b"+OK\r\n")
    for i in range(n // 4):
        commands.append(encode_command("GET", f"pipe:{i}"))
        v = f"value-{i}".encode()
        expected.append(b"$%d\r\n%s\r\n" % (len(v), v))
    for i in range(n // 4):
        commands.append(encode_command("INCR", "pipe:counter"))
        expected.append(b":%d\r\n" % (i + 1))
    payload = b"".join(commands)
    want = b"".join(expected)

    with shared_kuber.raw(timeout=60) as c:
        received = bytearray()
        failure: list[BaseException] = []

        def reader() -> None:  # read while writing, so neither side's buffers fill up and stall
            try:
                while len(received) < len(want):
                    chunk = c.sock.recv(1 << 16)
                    if not chunk:
                        break
                    received.extend(chunk)
            except BaseException as e:  # noqa: BLE001
                failure.append(e)

        t = threading.Thread(target=reader)
        t.start()
        c.sock.sendall(payload)  # one write of all 10,000 commands
        t.join(60)
        assert not t.is_alive(), f"only {len(received)} of {len(want)} reply bytes after 60s"
        assert not failure, failure
        assert bytes(received) == want
        assert c.call("PING") == "PONG"
    assert r.dbsize() == n // 2 + 1
    assert r.get("pipe:4999") == "value-4999"


def test_50_clients_incr_one_key(shared_kuber: KuberServer, r: redis.Redis) -> None:
    clients, per_client, batch = 50, 2_000, 200
    barrier = threading.Barrier(clients)
    results: list[list[int]] = [[] for _ in range(clients)]
    errors: list[BaseException] = []
    batch_bytes = encode_command("INCR", "scale:counter") * batch

    def worker(idx: int) -> None:
        try:
            with shared_kuber.raw(timeout=60) as c:
                barrier.wait(30)
                for _ in range(per_client // batch):
                    c.send(batch_bytes)
                    for _ in range(batch):
                        value = c.read()
                        assert isinstance(value, int), value
                        results[idx].append(value)
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads), "workers still running after 120s"
    assert not errors, errors[:3]
    assert r.get("scale:counter") == str(clients * per_client)
    everything = sorted(v for rs in results for v in rs)
    # every INCR saw a distinct value: no increment was lost or applied twice
    assert everything == list(range(1, clients * per_client + 1))
    for rs in results:
        assert rs == sorted(rs), "one client's increments went backwards"


def test_scan_returns_every_stable_key_while_others_churn(shared_kuber: KuberServer, r: redis.Redis) -> None:
    stable = {f"stable:{i}" for i in range(10_000)}
    keys = sorted(stable)
    for start in range(0, len(keys), 1000):
        assert r.mset({k: "s" for k in keys[start : start + 1000]}) is True
    stop = threading.Event()
    churned = [0]
    errors: list[BaseException] = []

    def churn() -> None:
        try:
            with RespConn(shared_kuber.host, shared_kuber.port, 30) as c:
                c.auth("admin", str(shared_kuber.admin_password))
                round_ = 0
                while not stop.is_set():
                    # grow by 5,000 keys and shrink again, so the keyspace resizes under the scan
                    names = [f"churn:{round_}:{i}" for i in range(5_000)]
                    for start in range(0, len(names), 500):
                        part = names[start : start + 500]
                        c.send_command("MSET", *[x for k in part for x in (k, "c")])
                        assert c.read() == "OK"
                    for start in range(0, len(names), 500):
                        assert c.call("DEL", *names[start : start + 500]) == 500
                    churned[0] += len(names)
                    round_ += 1
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    t = threading.Thread(target=churn)
    t.start()
    try:
        scans = 0
        while scans < 5 or churned[0] < 20_000:  # several full scans and several churn rounds overlap
            seen: set[str] = set()
            cursor, calls = 0, 0
            while True:
                cursor, batch = r.scan(cursor, count=100)
                seen.update(batch)
                calls += 1
                if cursor == 0:
                    break
                assert calls < 100_000, "SCAN does not terminate"
            missing = stable - seen
            assert not missing, f"SCAN missed {len(missing)} stable keys, e.g. {sorted(missing)[:5]}"
            scans += 1
            assert scans < 500, f"the churn thread made little progress: {churned[0]} keys"
    finally:
        stop.set()
        t.join(60)
    assert not errors, errors
    assert r.keys("churn:*") == []  # every round deletes what it wrote
    assert r.dbsize() == 10_000


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def test_lrange_of_a_million_elements_streams_without_a_second_copy(kuber_factory: KuberFactory) -> None:
    """The encoded reply (≈ 208 MB here) is never held whole: the server writes it as it encodes,
    so a client that reads slowly costs the server the reply's element handles (about 72 bytes per
    element: the reply frame, and the shared header a `Bytes` gets on its first clone) and a bounded
    buffer, not a copy of the list. Encoding the whole reply first grew the server by ≈ 490 MB."""
    # Memory backend: this measures the reply path alone (a persistence flush of the 200 MB list
    # running at the same time would add its own, unrelated memory).
    server = kuber_factory.start(env={"KUBER_PERSISTENCE__BACKEND": "memory"})
    r = server.client(decode_responses=False)
    element = b"e" * 200
    for _ in range(100):
        r.rpush("big", *([element] * 10_000))
    assert r.llen("big") == 1_000_000
    before = rss_bytes(server.proc.pid)

    reader = server.raw(timeout=60)
    reader.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    reader.send_command("LRANGE", "big", "0", "-1")
    first = reader.sock.recv(1 << 16)
    assert first.startswith(b"*1000000\r\n$200\r\n")
    time.sleep(2)  # the server has now filled the socket buffers and waits for the reader
    during = rss_bytes(server.proc.pid)
    grown = during - before
    encoded = 1_000_000 * (len(element) + len(b"$200\r\n\r\n"))
    assert grown < encoded / 2, f"server grew by {grown / 1e6:.0f} MB while a {encoded / 1e6:.0f} MB reply was pending"
    # Other clients are served meanwhile, and the whole reply arrives intact.
    assert r.lindex("big", -1) == element
    received = len(first)
    expected = len(b"*1000000\r\n") + encoded
    while received < expected:
        chunk = reader.sock.recv(1 << 20)
        assert chunk, "connection closed early"
        received += len(chunk)
    assert received == expected
    assert r.ping() is True
