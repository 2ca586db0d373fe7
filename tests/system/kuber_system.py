"""What the system tests share: starting `kuber-server` (from `$KUBER_BIN`), users files, a raw RESP
connection with a RESP2/RESP3 parser, free ports and redis-cli. The fixtures are in `conftest.py`.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

# Ports a developer's own Redis or Kuber may be using; the tests never take them.
RESERVED_PORTS = frozenset({6379, 6380, 6390})

NOAUTH = "NOAUTH Authentication required."
WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled."


def free_port() -> int:
    """A TCP port that was free a moment ago: bind port 0, read it, close. Never a reserved port."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in RESERVED_PORTS:
            return port


def encode_command(*args: object) -> bytes:
    """Encode one command as a RESP array of bulk strings."""
    out = [b"*%d\r\n" % len(args)]
    for arg in args:
        if isinstance(arg, bytes):
            data = arg
        elif isinstance(arg, str):
            data = arg.encode()
        elif isinstance(arg, (int, float)):
            data = str(arg).encode()
        else:
            raise TypeError(f"cannot encode {arg!r}")
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


class Status(str):
    """A RESP simple string (`+OK`)."""


class Error(str):
    """A RESP error (`-ERR ...`, `!` in RESP3), without the leading `-`."""


class Push(list):
    """A RESP3 push (`>`)."""


@dataclass
class Verbatim:
    """A RESP3 verbatim string (`=`)."""

    format: str
    data: bytes


class Incomplete(Exception):
    """The buffer ends before the reply does."""


def _line(buf: bytes, pos: int) -> tuple[bytes, int]:
    end = buf.find(b"\r\n", pos)
    if end < 0:
        raise Incomplete
    return buf[pos:end], end + 2


def parse_reply(buf: bytes, pos: int = 0) -> tuple[object, int]:
    """Parse one RESP2/RESP3 reply at `pos`; return (value, position after it). Raise `Incomplete`."""
    if pos >= len(buf):
        raise Incomplete
    kind = buf[pos : pos + 1]
    line, pos = _line(buf, pos + 1)
    if kind == b"+":
        return Status(line.decode(errors="backslashreplace")), pos
    if kind == b"-":
        return Error(line.decode(errors="backslashreplace")), pos
    if kind == b":":
        return int(line), pos
    if kind == b"(":
        return int(line), pos
    if kind == b",":
        return float(line), pos
    if kind == b"#":
        return line == b"t", pos
    if kind == b"_":
        return None, pos
    if kind in (b"$", b"!", b"="):
        n = int(line)
        if n < 0:
            return None, pos
        if len(buf) < pos + n + 2:
            raise Incomplete
        data = buf[pos : pos + n]
        if buf[pos + n : pos + n + 2] != b"\r\n":
            raise AssertionError(f"bulk not terminated by CRLF: {buf[pos : pos + n + 2]!r}")
        pos += n + 2
        if kind == b"!":
            return Error(data.decode(errors="backslashreplace")), pos
        if kind == b"=":
            return Verbatim(data[:3].decode(), data[4:]), pos
        return data, pos
    if kind in (b"*", b"~", b">"):
        n = int(line)
        if n < 0:
            return None, pos
        items = []
        for _ in range(n):
            item, pos = parse_reply(buf, pos)
            items.append(item)
        if kind == b"~":
            return set(items), pos
        if kind == b">":
            return Push(items), pos
        return items, pos
    if kind in (b"%", b"|"):
        n = int(line)
        result = {}
        for _ in range(n):
            k, pos = parse_reply(buf, pos)
            v, pos = parse_reply(buf, pos)
            result[k] = v
        return result, pos
    raise AssertionError(f"unknown RESP type byte {kind!r} in {buf[pos - 1 : pos + 40]!r}")


@dataclass
class RespConn:
    """A plain TCP connection speaking RESP, for tests that must see exact bytes."""

    host: str
    port: int
    timeout: float = 10.0
    sock: socket.socket = field(init=False)
    buf: bytes = field(init=False, default=b"")

    def __post_init__(self) -> None:
        self.sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def send_command(self, *args: object) -> None:
        self.send(encode_command(*args))

    def _fill(self) -> None:
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            raise ConnectionError(f"server closed the connection; unparsed bytes: {self.buf[:200]!r}")
        self.buf += chunk

    def read_raw(self) -> bytes:
        """The exact bytes of the next reply."""
        while True:
            try:
                _, end = parse_reply(self.buf)
            except Incomplete:
                self._fill()
                continue
            raw, self.buf = self.buf[:end], self.buf[end:]
            return raw

    def read(self) -> object:
        """The next reply, parsed."""
        return parse_reply(self.read_raw())[0]

    def call(self, *args: object) -> object:
        self.send_command(*args)
        return self.read()

    def call_raw(self, *args: object) -> bytes:
        self.send_command(*args)
        return self.read_raw()

    def auth(self, username: str, password: str) -> None:
        reply = self.call("AUTH", username, password)
        assert reply == "OK", f"AUTH {username} failed: {reply!r}"

    def read_until_close(self, timeout: float = 10.0) -> tuple[bytes, str]:
        """Read everything until the server closes; return (bytes, 'eof' | 'reset').

        A server that closes with unread input in its buffer makes the kernel send RST; the reply
        written before the close is still delivered first, so both ends count as a close.
        Fails if the server keeps the connection open past `timeout`.
        """
        data, self.buf = self.buf, b""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"server did not close the connection within {timeout}s; got {data!r}")
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(1 << 16)
            except ConnectionResetError:
                return data, "reset"
            except TimeoutError:
                continue
            if not chunk:
                return data, "eof"
            data += chunk

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> RespConn:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def run_redis_cli(
    host: str,
    port: int,
    *args: str,
    user: str | None,
    password: str | None,
    input: bytes | None = None,
    timeout: float = 60.0,
) -> subprocess.CompletedProcess[bytes]:
    """Run `redis-cli -h H -p P [--user U --pass P --no-auth-warning] ARGS...`, capturing output."""
    cmd = ["redis-cli", "-h", host, "-p", str(port)]
    if user is not None:
        cmd += ["--user", user]
    if password is not None:
        cmd += ["--pass", password, "--no-auth-warning"]
    cmd += list(args)
    return subprocess.run(cmd, input=input, capture_output=True, timeout=timeout, check=False)


START_TIMEOUT = 15.0
STOP_TIMEOUT = 10.0

_hash_cache: dict[str, str] = {}


def kuber_bin() -> str:
    """The server binary under test; a missing or wrong `$KUBER_BIN` fails the test, never skips it."""
    path = os.environ.get("KUBER_BIN")
    if not path:
        pytest.fail(
            "KUBER_BIN is not set. Build the server and point KUBER_BIN at it, e.g.\n"
            "  cargo build -p kuber-server && "
            "KUBER_BIN=$HOME/.cache/kuber-target/debug/kuber-server python -m pytest tests/system -q",
            pytrace=False,
        )
    if not os.path.isfile(path) or not os.access(path, os.X_OK):
        pytest.fail(f"KUBER_BIN={path!r} is not an executable file", pytrace=False)
    return path


def hash_password(password: str) -> str:
    """`echo -n PASSWORD | kuber-server hash-password`; cached per password for the session."""
    if password not in _hash_cache:
        proc = subprocess.run(
            [kuber_bin(), "hash-password"],
            input=password.encode(),
            capture_output=True,
            timeout=30,
            check=False,
        )
        assert proc.returncode == 0, f"hash-password exited {proc.returncode}: {proc.stderr.decode()}"
        phc = proc.stdout.decode().strip()
        assert phc.startswith("$argon2id$"), f"hash-password printed {phc!r}"
        _hash_cache[password] = phc
    return _hash_cache[password]


@dataclass
class User:
    """A user to put in `users.json` before the server starts; the password is hashed on write."""

    username: str
    password: str
    roles: list[str]
    enabled: bool = True


def no_retry_client(**kwargs: object) -> redis.Redis:
    """A redis-py client on one connection that never retries, so every failure is visible."""
    kwargs.setdefault("protocol", 2)
    kwargs.setdefault("socket_timeout", 30)
    return redis.Redis(single_connection_client=True, retry=Retry(NoBackoff(), 0), **kwargs)


@dataclass
class KuberServer:
    """A running `kuber-server` process and how to reach it."""

    host: str
    port: int
    http_port: int
    admin_password: str | None
    data_dir: Path
    users_file: Path
    proc: subprocess.Popen[bytes]
    stdout_path: Path
    stderr_path: Path
    exit_code: int | None = field(default=None)
    crashed: bool = field(default=False)

    def client(self, username: str | None = "admin", password: str | None = None, **kwargs: object) -> redis.Redis:
        """A redis-py client, authenticated as `username` (admin by default; None for no AUTH)."""
        if username is not None and password is None:
            assert username == "admin", "give the password for users other than admin"
            password = self.admin_password
        kwargs.setdefault("decode_responses", True)
        return no_retry_client(host=self.host, port=self.port, username=username, password=password, **kwargs)

    def raw(self, username: str | None = "admin", password: str | None = None, timeout: float = 10.0) -> RespConn:
        """A raw RESP connection, authenticated like `client` (None: unauthenticated)."""
        conn = RespConn(self.host, self.port, timeout)
        if username is not None:
            conn.auth(username, password if password is not None else str(self.admin_password))
        return conn

    def stdout(self) -> str:
        return self.stdout_path.read_text(errors="replace")

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def crash(self) -> None:
        """SIGKILL (a crash: no shutdown, no final flush) and wait; teardown then skips it."""
        self.crashed = True  # first: clients see their connections drop as soon as the signal lands
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> int:
        """SIGTERM, wait up to 10 s (then SIGKILL); return the exit code (negative for a signal)."""
        if self.exit_code is not None:
            return self.exit_code
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self.exit_code = -signal.SIGKILL
                return self.exit_code
        self.exit_code = self.proc.returncode
        return self.exit_code


class KuberFactory:
    """Starts servers in fresh directories and stops them all at teardown."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.servers: list[KuberServer] = []
        self._count = 0

    def _new_dir(self) -> Path:
        self._count += 1
        d = self.base / f"kuber{self._count}"
        d.mkdir(parents=True)
        return d

    def _env(self, admin_password: str | None, env: dict[str, str] | None) -> dict[str, str]:
        clean = {k: v for k, v in os.environ.items() if not k.startswith("KUBER_")}
        clean.setdefault("RUST_BACKTRACE", "1")
        if admin_password is not None:
            clean["KUBER_ADMIN_PASSWORD"] = admin_password
        clean.update(env or {})
        return clean

    def start(
        self,
        users: list[User] | None = None,
        *,
        admin_password: str | None | object = ...,
        users_json: str | None = None,
        data_dir: Path | None = None,
        env: dict[str, str] | None = None,
        extra_args: tuple[str, ...] = (),
    ) -> KuberServer:
        """Start a server and wait until its RESP port accepts connections.

        - `users`: written to `DATA/users.json` (hashed, plus `admin`) before start, passed as `--users`.
        - `users_json`: raw text for the users file instead (e.g. a clear-text password).
        - otherwise no users file exists and `KUBER_ADMIN_PASSWORD` makes the server write one;
          `admin_password=None` leaves that variable unset (the server then generates a password).
        - `data_dir`: reuse a directory (restart); a new one is made otherwise.
        """
        if admin_password is ...:
            admin_password = "adm-" + secrets.token_hex(8)
        assert admin_password is None or isinstance(admin_password, str)
        run_dir = self._new_dir()
        if data_dir is None:
            data_dir = run_dir / "data"
            data_dir.mkdir()
        users_file = data_dir / "users.json"
        host, port, http_port = "127.0.0.1", free_port(), free_port()
        while http_port == port:
            http_port = free_port()
        args = [kuber_bin(), "--bind", host, "--port", str(port), "--http-port", str(http_port)]
        args += ["--data-dir", str(data_dir)]
        if users is not None or users_json is not None:
            if users_json is None:
                assert admin_password is not None, "a users list needs the admin password"
                everyone = [User("admin", admin_password, ["ADMIN"]), *users]
                users_json = json.dumps(
                    {
                        "users": [
                            {
                                "username": u.username,
                                "password": hash_password(u.password),
                                "roles": u.roles,
                                "enabled": u.enabled,
                            }
                            for u in everyone
                        ]
                    },
                    indent=2,
                )
            users_file.write_text(users_json)
            args += ["--users", str(users_file)]
        args += list(extra_args)
        stdout_path, stderr_path = run_dir / "stdout.log", run_dir / "stderr.log"
        with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
            proc = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                env=self._env(admin_password, env),
                cwd=run_dir,
            )
        server = KuberServer(
            host, port, http_port, admin_password, data_dir, users_file, proc, stdout_path, stderr_path
        )
        self.servers.append(server)
        self._wait_ready(server, args)
        return server

    @staticmethod
    def _wait_ready(server: KuberServer, args: list[str]) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if server.proc.poll() is not None:
                server.exit_code = server.proc.returncode
                pytest.fail(
                    f"kuber-server exited with {server.proc.returncode} before accepting connections\n"
                    f"command: {' '.join(args)}\nstdout:\n{server.stdout()}\nstderr:\n{server.stderr()}",
                    pytrace=False,
                )
            try:
                with socket.create_connection((server.host, server.port), timeout=0.5):
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                server.stop()
                pytest.fail(
                    f"kuber-server did not accept connections on {server.host}:{server.port} within "
                    f"{START_TIMEOUT}s\ncommand: {' '.join(args)}\n"
                    f"stdout:\n{server.stdout()}\nstderr:\n{server.stderr()}",
                    pytrace=False,
                )
            time.sleep(0.05)

    def run_to_exit(
        self, users_json: str, *, env: dict[str, str] | None = None, timeout: float = START_TIMEOUT
    ) -> tuple[int, str, str]:
        """Start a server that is expected to refuse to start; return (exit code, stdout, stderr)."""
        run_dir = self._new_dir()
        data_dir = run_dir / "data"
        data_dir.mkdir()
        users_file = data_dir / "users.json"
        users_file.write_text(users_json)
        port, http_port = free_port(), free_port()
        args = [kuber_bin(), "--bind", "127.0.0.1", "--port", str(port), "--http-port", str(http_port)]
        args += ["--data-dir", str(data_dir), "--users", str(users_file)]
        try:
            proc = subprocess.run(
                args,
                capture_output=True,
                timeout=timeout,
                env=self._env(None, env),
                cwd=run_dir,
                check=False,
            )
        except subprocess.TimeoutExpired as e:
            pytest.fail(f"kuber-server kept running for {timeout}s; expected it to refuse to start: {e}")
        return proc.returncode, proc.stdout.decode(errors="replace"), proc.stderr.decode(errors="replace")

    def stop_all(self) -> None:
        """Stop every server; fail if one did not exit 0 on SIGTERM."""
        problems = []
        for s in self.servers:
            if s.crashed:
                continue
            already_dead = s.proc.poll() is not None
            code = s.stop()
            if code != 0:
                how = "had already exited" if already_dead else "exited after SIGTERM"
                problems.append(
                    f"kuber-server on port {s.port} {how} with {code}, expected 0\nstderr tail:\n{s.stderr()[-3000:]}"
                )
        if problems:
            pytest.fail("\n\n".join(problems), pytrace=False)
