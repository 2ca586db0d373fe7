"""The REST API against the live binary: schemathesis over the server's own openapi.json (no 5xx, no
response that violates the schema), bad input at the HTTP level, and REST/RESP seeing one store."""

from __future__ import annotations

import base64
import http.client
import json
import subprocess
import sys

import pytest

from kuber_system import KuberServer


def request(server: KuberServer, method: str, path: str, body: bytes | str | None = None,
            auth: tuple[str, str] | None = ("admin", ""), headers: dict[str, str] | None = None,
            ) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection(server.host, server.http_port, timeout=30)
    all_headers = dict(headers or {})
    if auth is not None:
        user, password = auth
        password = password or str(server.admin_password)
        all_headers["Authorization"] = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    if isinstance(body, str):
        body = body.encode()
    if body is not None:
        all_headers.setdefault("Content-Type", "application/json")
    conn.request(method, path, body=body, headers=all_headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, data


def error_code(data: bytes) -> str:
    body = json.loads(data)
    assert body["error"]["message"], body
    return body["error"]["code"]


def test_schemathesis_finds_no_server_error_and_no_schema_violation(kuber: KuberServer) -> None:
    # /users is left out: the fuzzer would change the admin password it logs in with.
    proc = subprocess.run(
        [sys.executable, "-m", "schemathesis.cli", "run",
         f"http://{kuber.host}:{kuber.http_port}/api/v1/openapi.json",
         "--auth", f"admin:{kuber.admin_password}",
         "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,"
                     "response_headers_conformance,response_schema_conformance",
         "--exclude-path-regex", "/users",
         "--max-examples", "25", "--seed", "20261126", "--no-color"],
        capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
    assert kuber.alive()


@pytest.mark.parametrize("method,path,body,status,code", [
    ("GET", "/api/v1/regions", None, 401, "UNAUTHORIZED"),
    ("PUT", "/api/v1/cache/default/k", '{"value": ', 400, "BAD_REQUEST"),
    ("PUT", "/api/v1/cache/default/k", '{"value": {"nested": 1}}', 400, "BAD_REQUEST"),
    ("PUT", "/api/v1/cache/default/k", '{"value": "v", "ttl": "soon"}', 400, "BAD_REQUEST"),
    ("GET", "/api/v1/cache/default/%C3%28", None, 400, "BAD_REQUEST"),
    ("GET", "/api/v1/cache/nowhere/k", None, 404, "NOT_FOUND"),
    ("POST", "/api/v1/json/default/search", '{"query": "$.a"}', 400, "INVALID_QUERY"),
    ("GET", "/api/v1/does/not/exist", None, 404, "NOT_FOUND"),
])
def test_bad_requests_get_the_right_status_and_a_json_error(kuber: KuberServer, method: str, path: str,
                                                            body: str | None, status: int, code: str) -> None:
    auth = None if status == 401 else ("admin", "")
    got, headers, data = request(kuber, method, path, body, auth=auth)
    assert got == status, data
    assert error_code(data) == code
    if status == 401:
        assert headers["www-authenticate"] == 'Basic realm="kuber"'


def test_wrong_password_huge_body_and_traversal_keys(kuber: KuberServer) -> None:
    status, _, data = request(kuber, "GET", "/api/v1/regions", auth=("admin", "wrong-password"))
    assert status == 401 and error_code(data) == "UNAUTHORIZED"
    huge = json.dumps({"value": "x" * (33 << 20)})
    status, _, data = request(kuber, "PUT", "/api/v1/cache/default/big", huge)
    assert status == 413 and error_code(data) == "PAYLOAD_TOO_LARGE"
    status, _, data = request(kuber, "PUT", "/api/v1/cache/default/..%2F..%2Fetc%2Fpasswd", '{"value":"v"}')
    assert status == 200 and json.loads(data)["key"] == "../../etc/passwd"
    # A key is only a key: it names no file, and RESP sees the same entry.
    assert kuber.client().get("../../etc/passwd") == "v"
    assert kuber.alive()


def test_rest_and_resp_share_one_store(kuber: KuberServer) -> None:
    r = kuber.client()
    status, _, _ = request(kuber, "PUT", "/api/v1/cache/default/shared%20key", '{"value":"from rest","ttl":60}')
    assert status == 200
    assert r.get("shared key") == "from rest"
    assert 59 <= r.ttl("shared key") <= 60
    r.execute_command("JSET", "doc", '{"a":[1,2]}')
    status, headers, data = request(kuber, "GET", "/api/v1/json/default/doc?path=%24.a%5B1%5D")
    assert status == 200 and json.loads(data) == 2 and headers["content-type"] == "application/json"
    status, _, data = request(kuber, "GET", "/metrics", auth=None)
    assert status == 200 and b'kuber_commands_total{command="jset",result="ok"} 1' in data
