"""Fixtures that start the real `kuber-server` binary (from `$KUBER_BIN`) on free ports.

- `kuber_factory.start(users=..., ...)` starts a server per call; every server is stopped at teardown
  with SIGTERM and must exit 0 within 10 s.
- `kuber` is one server for one test; `shared_kuber` is one server for a whole test module.
- `redis_cli(server, *args)` runs redis-cli against a server and returns its stdout.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kuber_system import KuberFactory, KuberServer, run_redis_cli


@pytest.fixture
def kuber_factory(tmp_path: Path) -> Iterator[KuberFactory]:
    factory = KuberFactory(tmp_path)
    yield factory
    factory.stop_all()


@pytest.fixture
def kuber(kuber_factory: KuberFactory) -> KuberServer:
    """A fresh server for one test, admin password from `KUBER_ADMIN_PASSWORD`."""
    return kuber_factory.start()


@pytest.fixture(scope="module")
def shared_kuber(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KuberServer]:
    """One server for a whole module; tests keep to their own keys or regions."""
    factory = KuberFactory(tmp_path_factory.mktemp("shared"))
    server = factory.start()
    yield server
    factory.stop_all()


def _redis_cli(
    server: KuberServer,
    *args: str,
    user: str | None = "admin",
    password: str | None = None,
    input: bytes | None = None,
) -> str:
    """Run redis-cli with `--user/--pass` (admin by default; user=None for no auth); return stdout."""
    if user is not None and password is None:
        password = server.admin_password
    proc = run_redis_cli(server.host, server.port, *args, user=user, password=password, input=input)
    assert proc.returncode == 0, f"redis-cli {' '.join(args)} exited {proc.returncode}: {proc.stderr.decode()}"
    return proc.stdout.decode()


@pytest.fixture
def redis_cli() -> Callable[..., str]:
    return _redis_cli
