"""Starts the real `kuber-server` (from `$KUBER_BIN`, or the workspace's debug build) on free ports
with a users file holding `admin`/`secret` (ADMIN) and `reader`/`readpw` (READER)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

RESERVED_PORTS = frozenset({6379, 6380, 6390})
REPO = Path(__file__).resolve().parents[2]


def kuber_bin() -> str:
    path = os.environ.get("KUBER_BIN")
    if not path:
        target = os.environ.get("CARGO_TARGET_DIR", str(REPO / "target"))
        path = os.path.join(target, "debug", "kuber-server")
    if not os.access(path, os.X_OK):
        pytest.fail(f"kuber-server not found at {path}: build it or set KUBER_BIN", pytrace=False)
    return path


def free_port() -> int:
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in RESERVED_PORTS:
            return port


def hash_password(password: str) -> str:
    out = subprocess.run([kuber_bin(), "hash-password"], input=password.encode(), capture_output=True, check=True)
    return out.stdout.decode().strip()


@dataclass
class Server:
    port: int
    http_port: int
    data_dir: Path
    proc: subprocess.Popen | None = None

    def start(self) -> None:
        args = [kuber_bin(), "--bind", "127.0.0.1", "--port", str(self.port), "--http-port", str(self.http_port),
                "--data-dir", str(self.data_dir), "--users", str(self.data_dir / "users.json")]
        env = {k: v for k, v in os.environ.items() if not k.startswith("KUBER_")}
        self.proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError(f"kuber-server did not start on {self.port}")
                time.sleep(0.02)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


@pytest.fixture(scope="session")
def server():
    with tempfile.TemporaryDirectory() as d:
        data = Path(d)
        users = {"users": [
            {"username": "admin", "password": hash_password("secret"), "roles": ["ADMIN"], "enabled": True},
            {"username": "reader", "password": hash_password("readpw"), "roles": ["READER"], "enabled": True},
        ]}
        (data / "users.json").write_text(json.dumps(users))
        srv = Server(free_port(), free_port(), data)
        srv.start()
        yield srv
        srv.stop()


@pytest.fixture
def client(server):
    from kuber import KuberRedisClient

    c = KuberRedisClient("127.0.0.1", server.port, username="admin", password="secret")
    c.flushdb()
    yield c
    for region in c.list_regions():
        if region != "default":
            c.delete_region(region)
    c.close()
