"""Pub/sub through redis-py and raw sockets: delivery, patterns, RESP2 subscribed mode, and a slow
subscriber being disconnected at its output limit without hurting anyone else."""

from __future__ import annotations

import time

from kuber_system import KuberFactory, KuberServer


def wait_message(pubsub, timeout: float = 5.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = pubsub.get_message(ignore_subscribe_messages=True, timeout=0.1)
        if message is not None:
            return message
    raise AssertionError("no message arrived")


def wait_confirmations(pubsub, count: int, timeout: float = 5.0) -> None:
    """redis-py sends SUBSCRIBE without waiting for the server: read the confirmations first, so
    that a PUBLISH from another connection cannot overtake the subscription."""
    deadline = time.monotonic() + timeout
    seen = 0
    while seen < count and time.monotonic() < deadline:
        message = pubsub.get_message(timeout=0.1)
        if message is not None and message["type"] in ("subscribe", "psubscribe"):
            seen += 1
    assert seen == count, f"{seen} of {count} subscription confirmations arrived"


def test_channels_and_patterns_with_redis_py(kuber: KuberServer) -> None:
    subscriber, publisher = kuber.client(), kuber.client()
    pubsub = subscriber.pubsub()
    pubsub.subscribe("news")
    pubsub.psubscribe("user:*")
    wait_confirmations(pubsub, 2)
    assert publisher.publish("news", "hello") == 1
    assert wait_message(pubsub) == {"type": "message", "pattern": None, "channel": "news", "data": "hello"}
    assert publisher.publish("user:42", "login") == 1
    assert wait_message(pubsub) == {"type": "pmessage", "pattern": "user:*", "channel": "user:42", "data": "login"}
    assert publisher.pubsub_channels() == ["news"]
    assert publisher.pubsub_numsub("news", "none") == [("news", 1), ("none", 0)]
    assert publisher.pubsub_numpat() == 1
    pubsub.unsubscribe("news")
    pubsub.punsubscribe("user:*")
    pubsub.close()
    deadline = time.monotonic() + 5
    while publisher.pubsub_numpat() != 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert publisher.publish("news", "again") == 0


def test_resp2_subscribed_connection_accepts_only_subscription_commands(kuber: KuberServer) -> None:
    with kuber.raw() as c:
        c.send_command("SUBSCRIBE", "a")
        assert c.read() == [b"subscribe", b"a", 1]
        assert c.call_raw("GET", "k") == (
            b"-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET "
            b"are allowed in this context\r\n"
        )
        assert c.call("PING") == [b"pong", b""]
        with kuber.raw() as publisher:
            assert publisher.call("PUBLISH", "a", "m") == 1
        assert c.read() == [b"message", b"a", b"m"]
        assert c.call("UNSUBSCRIBE") == [b"unsubscribe", b"a", 0]
        assert c.call("PING") == "PONG"


def test_slow_subscriber_is_disconnected_at_its_output_limit(kuber_factory: KuberFactory) -> None:
    server = kuber_factory.start(env={"KUBER_SERVER__PUBSUB_OUTPUT_LIMIT_BYTES": "1000000"})
    slow = server.raw()
    slow.send_command("SUBSCRIBE", "firehose")
    assert slow.read() == [b"subscribe", b"firehose", 1]
    bystander = server.client()
    bystander.set("k", "v")
    publisher = server.client()
    payload = "x" * 4096
    # The subscriber never reads: kernel buffers fill, then the server's queue, then the limit hits.
    delivered_to = None
    for _ in range(20_000):  # at most ~80 MB, bounded
        delivered_to = publisher.publish("firehose", payload)
        if delivered_to == 0:
            break
    assert delivered_to == 0, "the slow subscriber was never disconnected"
    assert bystander.get("k") == "v"
    assert publisher.pubsub_numsub("firehose") == [("firehose", 0)]
    slow.close()
