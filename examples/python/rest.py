"""First steps with the Python REST client. Server from KUBER_HOST / KUBER_HTTP_PORT, user
KUBER_USER / KUBER_PASSWORD (defaults 127.0.0.1:8080, admin/secret)."""

import os

from kuber import KuberRestClient

rest = KuberRestClient(os.environ.get("KUBER_HOST", "127.0.0.1"), int(os.environ.get("KUBER_HTTP_PORT", "8080")),
                       username=os.environ.get("KUBER_USER", "admin"), password=os.environ.get("KUBER_PASSWORD", "secret"))
print("ping:", rest.ping())
rest.set("path/with/slashes", "value", ttl=60)
print("get:", rest.get("path/with/slashes"))
rest.json_set("doc:1", {"name": "Ada", "age": 36})
print("search:", rest.json_search("age>30", limit=10))
