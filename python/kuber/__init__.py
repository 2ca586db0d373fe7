"""Kuber client for Python: `KuberRedisClient` (RESP) and `KuberRestClient` (REST API).

Both wrap the Rust `kuber-client` core (module `kuber._kuber`); they release the GIL while they
wait for the server, so one client can be shared by many threads.

    >>> from kuber import KuberRedisClient
    >>> client = KuberRedisClient("127.0.0.1", 6380, username="admin", password="secret")
"""

from kuber._errors import (
    KuberAuthError,
    KuberConfigError,
    KuberConnectionError,
    KuberError,
    KuberNotFoundError,
    KuberPermissionError,
    KuberProtocolError,
    KuberServerError,
    KuberTimeoutError,
    KuberWrongTypeError,
)
from kuber._kuber import KuberRedisClient, KuberRestClient, Pipeline, __version__

__all__ = [
    "KuberRedisClient",
    "KuberRestClient",
    "Pipeline",
    "KuberError",
    "KuberConnectionError",
    "KuberAuthError",
    "KuberPermissionError",
    "KuberWrongTypeError",
    "KuberNotFoundError",
    "KuberServerError",
    "KuberProtocolError",
    "KuberTimeoutError",
    "KuberConfigError",
    "__version__",
]
