"""`KuberRestClient` without a server: credentials, no I/O in the constructor, transport errors.
The live REST tests are in test_rest_live.py."""

from __future__ import annotations

import pytest

from kuber import KuberConfigError, KuberConnectionError, KuberError, KuberRestClient

from conftest import free_port


@pytest.mark.parametrize("creds", [{}, {"username": "admin"}, {"password": "x"}, {"username": "", "password": "x"}])
def test_missing_credentials_raise_value_error(creds):
    with pytest.raises(ValueError) as info:
        KuberRestClient("127.0.0.1", 8080, **creds)
    assert isinstance(info.value, KuberConfigError)


def test_constructor_does_no_io_and_unreachable_is_connection_error():
    port = free_port()
    with KuberRestClient("127.0.0.1", port, username="admin", password="secret") as client:
        assert repr(client) == f'KuberRestClient("http://127.0.0.1:{port}/api/v1")'
        with pytest.raises(KuberConnectionError) as info:
            client.region_info("a/b")
        assert isinstance(info.value, KuberError)
