"""Kuber's exception classes: one per error kind of the Rust client, all under `KuberError`.

The native module raises these by name, so the names here are part of the binding.
"""

from __future__ import annotations

from typing import Optional


class KuberError(Exception):
    """Base class of every error a Kuber client raises.

    `kind` names the error kind (``"Connection"``, ``"Auth"``, …); `code` is the server's error
    code when the server sent the error (``"WRONGTYPE"``, ``"NOPERM"``, or a REST code such as
    ``"NOT_FOUND"``), else ``None``.
    """

    kind = "Server"

    def __init__(self, message: str, code: Optional[str] = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class KuberConnectionError(KuberError, ConnectionError):
    """The server could not be reached, or the connection broke (also after ``close()``)."""

    kind = "Connection"


class KuberAuthError(KuberError):
    """Wrong credentials (``WRONGPASS``), or HTTP 401."""

    kind = "Auth"


class KuberPermissionError(KuberError):
    """The user's role does not allow the command (``NOPERM``), or HTTP 403."""

    kind = "Permission"


class KuberWrongTypeError(KuberError):
    """The key holds a value of another type (``WRONGTYPE``)."""

    kind = "WrongType"


class KuberNotFoundError(KuberError):
    """A key or region that must exist does not (``ERR no such key``, HTTP 404)."""

    kind = "NotFound"


class KuberServerError(KuberError):
    """Any other error reply of the server (``ERR …``, ``JSONERR …``, ``REGIONEXISTS …``)."""

    kind = "Server"


class KuberProtocolError(KuberError):
    """The server sent something the client cannot read."""

    kind = "Protocol"


class KuberTimeoutError(KuberError, TimeoutError):
    """A connect, command or pool deadline passed."""

    kind = "Timeout"


class KuberConfigError(KuberError, ValueError):
    """The client was configured wrongly, e.g. missing credentials; raised before any I/O.

    It is a ``ValueError``, so ``except ValueError`` catches missing credentials too.
    """

    kind = "Config"


__all__ = [
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
]
