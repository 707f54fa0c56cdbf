"""https endpoints: certificates are verified; a server with its own CA works with its CA file."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from models.errors import RemoteError
from models.remote import RemoteClient, Timeouts, parse_endpoint_url
from tests.fixtures.remote_engines import FakeServer, fake_engine, models_list

QUICK = Timeouts(connect_s=5, first_token_s=5, stall_s=5)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    assert openssl, "the openssl command makes the test certificate"
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=120)
    return cert, key


@pytest.fixture
def secure_engine(certificate: tuple[Path, Path]) -> Iterator[FakeServer]:
    with fake_engine() as server:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*certificate)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        server.scripts["/v1/models"] = models_list("secure-model")
        yield server


def test_an_unknown_certificate_is_refused_and_its_ca_file_accepted(secure_engine: FakeServer,
                                                                   certificate: tuple[Path, Path]) -> None:
    url = parse_endpoint_url(secure_engine.url.replace("http://", "https://"))
    with pytest.raises(RemoteError, match="certificate cannot be verified"):
        RemoteClient(url, timeouts=QUICK).list_models()
    models = RemoteClient(url, ca_file=certificate[0], timeouts=QUICK).list_models()
    assert [m.id for m in models] == ["secure-model"]


def test_https_to_a_plain_http_server_says_so() -> None:
    with fake_engine() as plain:
        url = parse_endpoint_url(plain.url.replace("http://", "https://"))
        with pytest.raises(RemoteError, match=r"secure connection to .* failed"):
            RemoteClient(url, timeouts=QUICK).list_models()
