"""Client libraries we did not write, against a fresh Kuber: Jedis (Java), ioredis (Node) and
go-redis (Go), each authenticating with username and password.

Each is a small program under `tests/clients/` that runs every feature family (auth, strings,
hashes, lists with BLPOP, sets, sorted sets, SCAN and key commands, a 1,000-command pipeline,
WATCH/MULTI/EXEC, pub/sub) over RESP2 and RESP3, checks exact replies, prints
`ok <feature> (RESPn)` lines and `N passed, 0 failed`, and exits non-zero at the first mismatch.
`tests/clients/setup.sh` downloads their dependencies once; a missing `mvn`, `node` or `go` fails
the test, it never skips.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from kuber_system import KuberServer

CLIENTS = Path(__file__).resolve().parent.parent / "clients"
SETUP = "tests/clients/setup.sh"

FEATURES = ["auth", "strings", "hashes", "lists", "sets", "sorted sets", "keys", "pipeline", "transactions", "pubsub"]
EXPECTED_OK = {f"ok {feature} (RESP{protocol})" for feature in FEATURES for protocol in (2, 3)}

# Maven 3.8 prints colour resets even with -B; they only get in the way of reading the output.
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass(frozen=True)
class Program:
    """How to run one client's program; `timeout` covers a first run that downloads and compiles."""

    name: str
    directory: str
    command: tuple[str, ...]
    tools: tuple[str, ...]
    timeout: float
    needs: str | None = None  # a path that setup.sh creates, relative to `directory`


PROGRAMS = [
    Program(
        "jedis",
        "java",
        ("mvn", "-q", "-B", "-f", "pom.xml", "compile", "exec:java"),
        ("mvn", "java"),
        timeout=600,
    ),
    Program(
        "ioredis",
        "node",
        ("node", "main.mjs"),
        ("node",),
        timeout=120,
        needs="node_modules/ioredis/package.json",
    ),
    Program("go-redis", "go", ("go", "run", "."), ("go",), timeout=300),
]


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.name for p in PROGRAMS])
def test_client(program: Program, kuber: KuberServer) -> None:
    missing = [tool for tool in program.tools if shutil.which(tool) is None]
    if missing:
        pytest.fail(
            f"{program.name}: {', '.join(missing)} not found on PATH; the client tests need Maven with "
            f"JDK 17, Node 20 with npm, and Go 1.26",
            pytrace=False,
        )
    cwd = CLIENTS / program.directory
    if program.needs is not None and not (cwd / program.needs).exists():
        pytest.fail(f"{program.name}: {cwd / program.needs} is missing; run {SETUP} first", pytrace=False)

    env = {k: v for k, v in os.environ.items() if not k.startswith("KUBER_")}
    env.update(
        KUBER_HOST=kuber.host,
        KUBER_PORT=str(kuber.port),
        KUBER_USER="admin",
        KUBER_PASSWORD=str(kuber.admin_password),
    )
    try:
        proc = subprocess.run(
            program.command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=program.timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as e:
        pytest.fail(
            f"{program.name}: `{' '.join(program.command)}` still running after {program.timeout:.0f}s\n"
            f"stdout:\n{_text(e.stdout)}\nstderr:\n{_text(e.stderr)}\nserver stderr:\n{kuber.stderr()[-3000:]}",
            pytrace=False,
        )
    stdout, stderr = _text(proc.stdout), _text(proc.stderr)
    report = (
        f"{program.name}: `{' '.join(program.command)}` in {cwd} exited {proc.returncode}\n"
        f"stdout:\n{stdout}\nstderr:\n{stderr[-5000:]}\nserver stderr:\n{kuber.stderr()[-3000:]}"
    )
    if proc.returncode != 0:
        pytest.fail(report, pytrace=False)
    lines = [line.strip() for line in stdout.splitlines() if line.strip()]
    ok_lines = {line for line in lines if line.startswith("ok ")}
    if ok_lines != EXPECTED_OK:
        pytest.fail(
            f"missing: {sorted(EXPECTED_OK - ok_lines)}; unexpected: {sorted(ok_lines - EXPECTED_OK)}\n{report}",
            pytrace=False,
        )
    if not lines or lines[-1] != f"{len(EXPECTED_OK)} passed, 0 failed":
        pytest.fail(f"last line {lines[-1:]!r}, want '{len(EXPECTED_OK)} passed, 0 failed'\n{report}", pytrace=False)


def _text(data: bytes | str | None) -> str:
    if data is None:
        return ""
    if isinstance(data, bytes):
        data = data.decode(errors="replace")
    return ANSI.sub("", data)
