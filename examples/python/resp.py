"""First steps with the Python RESP client. Server from KUBER_HOST / KUBER_PORT, user KUBER_USER /
KUBER_PASSWORD (defaults 127.0.0.1:6380, admin/secret)."""

import os

from kuber import KuberError, KuberRedisClient

host = os.environ.get("KUBER_HOST", "127.0.0.1")
port = int(os.environ.get("KUBER_PORT", "6380"))

with KuberRedisClient(host, port, username=os.environ.get("KUBER_USER", "admin"),
                      password=os.environ.get("KUBER_PASSWORD", "secret")) as client:
    client.set("greeting", "hello")
    print("greeting =", client.get("greeting"))

    # A region of its own, without changing the region of other calls.
    if "sessions" not in client.list_regions():
        client.create_region("sessions", ttl=3600)
    client.set("user:42", "alice", region="sessions")
    print("sessions ttl of user:42 =", client.ttl("user:42", region="sessions"))

    client.json_set("order:1", {"id": 1, "total": 42.5, "status": "paid"})
    for key, doc in client.json_search("status=paid"):
        print("paid:", key, doc)

    pipe = client.pipeline()
    for i in range(100):
        pipe.set(f"counter:{i}", i)
    print("pipelined", len(pipe.execute()), "SETs")

    try:
        client.hget("greeting", "field")
    except KuberError as e:
        print("as expected:", type(e).__name__, e)
