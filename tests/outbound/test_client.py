"""Outbound requests as the other end sees them (idp/outbound/client.py): they reach only the
address that was checked, never follow a redirect, give up at their timeout, verify TLS
against the host name and ignore proxy variables."""

from __future__ import annotations

import datetime
import re
import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from idp.outbound import client
from idp.outbound.addresses import parse_allow_list
from idp.outbound.guard import OutboundRefused, check_url
from tests.outbound.listeners import PUBLIC, FakeDns, fake_dns, http_server, tcp_listener

LOOPBACK_ALLOWED = parse_allow_list("127.0.0.1/32")
NOTHING_ALLOWED = parse_allow_list("")


def test_the_connection_goes_to_the_checked_address_under_the_name() -> None:
    dns = FakeDns({"sante.groupe.internal": "127.0.0.1"})
    with http_server() as server, fake_dns(dns):
        answer = client.request(
            "POST", f"http://sante.groupe.internal:{server.port}/bc?x=1",
            allow=parse_allow_list("sante.groupe.internal"), timeout=5, body=b"logout_token=t",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )  # fmt: skip
    assert (answer.status, answer.body) == (200, b"ok")
    [seen] = server.seen
    assert (seen.method, seen.path, seen.body) == ("POST", "/bc?x=1", b"logout_token=t")
    assert seen.host == f"sante.groupe.internal:{server.port}"
    # One lookup, ours: the HTTP library never resolved the name again (it could not have:
    # only the fake DNS knows it).
    assert dns.lookups == ["sante.groupe.internal"]


def test_a_name_rebound_to_loopback_after_its_check_is_never_connected_to() -> None:
    """DNS rebinding: the name was public when the relying party registered it; when idp
    calls it, it answers 127.0.0.1. The call checks again and nothing reaches the port."""
    dns = FakeDns({"rp.example.org": str(PUBLIC)})
    with tcp_listener() as listener, fake_dns(dns):
        url = f"https://rp.example.org:{listener.port}/bc"
        check_url(url, NOTHING_ALLOWED)  # registration: accepted
        dns.set("rp.example.org", "127.0.0.1")
        with pytest.raises(OutboundRefused, match=re.escape("resolves to 127.0.0.1 is a loopback")):
            client.request("POST", url, allow=NOTHING_ALLOWED, timeout=2, body=b"x")
        time.sleep(0.2)
        assert listener.connections == 0


@pytest.mark.parametrize("host", ["127.0.0.1", "127.1", "0x7f000001", "2130706433", "localhost"])
def test_a_refused_url_makes_no_connection(host: str) -> None:
    with tcp_listener() as listener:
        with pytest.raises(OutboundRefused):
            client.request(
                "POST", f"https://{host}:{listener.port}/bc", allow=NOTHING_ALLOWED, timeout=2
            )
        time.sleep(0.2)
        assert listener.connections == 0


def test_redirects_are_not_followed() -> None:
    with http_server() as elsewhere:
        location = f"http://127.0.0.1:{elsewhere.port}/stolen"
        with http_server(status=302, headers={"Location": location}) as server:
            answer = client.request(
                "POST", f"http://127.0.0.1:{server.port}/bc", allow=LOOPBACK_ALLOWED,
                timeout=5, body=b"logout_token=t",
            )  # fmt: skip
        assert answer.status == 302 and answer.headers["Location"] == location
        assert len(server.seen) == 1 and elsewhere.seen == []


def test_a_silent_server_is_given_up_at_the_timeout() -> None:
    with tcp_listener() as listener:
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            client.request(
                "POST", f"http://127.0.0.1:{listener.port}/bc", allow=LOOPBACK_ALLOWED,
                timeout=0.5, body=b"x",
            )  # fmt: skip
        assert time.monotonic() - started < 2
        assert listener.connections == 1


def test_proxy_variables_are_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    """A proxy would connect wherever the name leads: requests go straight to the address."""
    with tcp_listener() as proxy, http_server() as server:
        for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy"):
            monkeypatch.setenv(name, f"http://127.0.0.1:{proxy.port}")
        monkeypatch.delenv("no_proxy", raising=False)
        monkeypatch.delenv("NO_PROXY", raising=False)
        answer = client.request(
            "GET", f"http://127.0.0.1:{server.port}/", allow=LOOPBACK_ALLOWED, timeout=5
        )
        assert answer.status == 200 and len(server.seen) == 1 and proxy.connections == 0


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[int, ssl.SSLContext]]:
    """An https server on 127.0.0.1 whose certificate names ``rp.example.org`` only, and a
    client context trusting its CA."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "rp.example.org")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("rp.example.org")]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with http_server() as server:
        served = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        served.load_cert_chain(cert_file, key_file)
        raw = server.httpd.socket
        server.httpd.socket = served.wrap_socket(raw, server_side=True)
        trusted = ssl.create_default_context(cafile=str(cert_file))
        yield server.port, trusted


def test_tls_verifies_the_host_name_not_the_address(tls_server) -> None:
    port, trusted = tls_server
    dns = FakeDns({"rp.example.org": "127.0.0.1", "other.example.org": "127.0.0.1"})
    with fake_dns(dns):
        answer = client.request(
            "GET", f"https://rp.example.org:{port}/", allow=LOOPBACK_ALLOWED, timeout=5,
            tls=trusted,
        )  # fmt: skip
        assert answer.status == 200
        with pytest.raises(ssl.SSLCertVerificationError):
            client.request(
                "GET", f"https://other.example.org:{port}/", allow=LOOPBACK_ALLOWED, timeout=5,
                tls=trusted,
            )  # fmt: skip
        with pytest.raises(ssl.SSLCertVerificationError):  # unknown CA by default
            client.request("GET", f"https://rp.example.org:{port}/", allow=LOOPBACK_ALLOWED,
                           timeout=5)  # fmt: skip
