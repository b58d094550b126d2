"""A third party's ``backchannel_logout_uri`` cannot point idp at our own network: refused at
registration and update in every spelling, and checked again when idp calls it (a name that
later resolves to loopback is never connected to)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from idp.clients.registry import ClientRegistry
from idp.db import db
from idp.logout import queue
from idp.logout.queue import LogoutQueue
from idp.models import AuditEvent
from idp.runtime import runtime
from tests.admin.service_caller import database
from tests.admin.test_registration import (
    INITIAL_TOKEN,
    METADATA,
    client_count,
    manage,
    register,
    serve_provider,
)
from tests.conftest import LiveServer
from tests.outbound.listeners import PUBLIC, FakeDns, fake_dns, tcp_listener

# Every spelling of loopback, private, link-local and unspecified addresses the review found
# accepted, and names standing for them: ``localhost`` and its subdomains, this machine's
# name (/etc/hosts), and a DNS name answering 127.0.0.1.
REFUSED = [
    "127.1", "0x7f000001", "2130706433", "0177.0.0.1", "[::ffff:127.0.0.1]", "0.0.0.0", "[::]",
    "10.0.0.1", "169.254.169.254", "[fc00::1]", "[::1]", "[64:ff9b::a9fe:a9fe]",
    "localhost", "portal.localhost", socket.gethostname().lower(), "rebind.example.org",
]  # fmt: skip
DNS = {"rp.example.org": str(PUBLIC), "rebind.example.org": "127.0.0.1",
       "sante.groupe.internal": "10.20.0.5"}  # fmt: skip


@pytest.fixture
def dns() -> Iterator[FakeDns]:
    with fake_dns(FakeDns(DNS)) as answers:
        yield answers


@pytest.fixture
def idp_server(database_url: str, dns: FakeDns) -> Iterator[LiveServer]:
    yield from serve_provider(database_url, INITIAL_TOKEN)


def with_backchannel(uri: str) -> dict:
    return {**METADATA, "backchannel_logout_uri": uri}


def assert_refused(response, uri: str) -> None:
    assert response.status_code == 400, (uri, response.text)
    body = response.json()
    assert body["error"] == "invalid_client_metadata", (uri, body)
    assert "'backchannel_logout_uri'" in body["error_description"], (uri, body)
    assert "idp may not call this URL" in body["error_description"], (uri, body)


def test_every_notation_of_our_network_is_refused_at_registration(
    idp_server: LiveServer,
) -> None:
    before = client_count(idp_server)
    for host in REFUSED:
        uri = f"https://{host}:8443/auth/backchannel-logout"
        assert_refused(register(idp_server, with_backchannel(uri)), uri)
    assert client_count(idp_server) == before


def test_every_notation_of_our_network_is_refused_on_update(idp_server: LiveServer) -> None:
    response = register(idp_server, with_backchannel("https://rp.example.org/bc"))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["backchannel_logout_uri"] == "https://rp.example.org/bc"
    uri, token = body["registration_client_uri"], body["registration_access_token"]
    for host in REFUSED:
        bad = f"https://{host}/bc"
        update = {**with_backchannel(bad), "client_id": body["client_id"]}
        assert_refused(manage("PUT", uri, token, update), bad)
    assert manage("GET", uri, token).json()["backchannel_logout_uri"] == (
        "https://rp.example.org/bc"
    )


def test_the_error_says_why_without_telling_what_a_name_resolves_to(
    idp_server: LiveServer,
) -> None:
    """A literal address is named; for a name, the answer is the same whether it does not
    resolve or resolves to one of our addresses: registration is no oracle of our DNS."""
    literal = register(idp_server, with_backchannel("https://169.254.169.254/bc")).json()
    assert "169.254.169.254 is a link-local address" in literal["error_description"]
    answers = [
        register(idp_server, with_backchannel(f"https://{host}/bc")).json()["error_description"]
        for host in ("rebind.example.org", "nowhere.example.org")
    ]
    assert answers == [
        f"field 'backchannel_logout_uri': idp may not call this URL: {host} must resolve to "
        "public addresses only"
        for host in ("rebind.example.org", "nowhere.example.org")
    ]
    assert "127.0.0.1" not in answers[0]


def test_a_name_that_does_not_resolve_is_refused(idp_server: LiveServer) -> None:
    assert_refused(
        register(idp_server, with_backchannel("https://nowhere.example.org/bc")),
        "https://nowhere.example.org/bc",
    )


def test_the_allow_list_admits_the_configured_host(database_url: str, dns: FakeDns) -> None:
    for server in serve_provider(database_url, INITIAL_TOKEN, "sante.groupe.internal"):
        allowed = register(server, with_backchannel("https://sante.groupe.internal/bc"))
        assert allowed.status_code == 201, allowed.text
        assert allowed.json()["backchannel_logout_uri"] == "https://sante.groupe.internal/bc"
        assert_refused(register(server, with_backchannel("https://10.20.0.5/bc")), "10.20.0.5")


def failures(server: LiveServer) -> list[AuditEvent]:
    with database(server.app):
        query = select(AuditEvent).filter_by(event="logout.backchannel_failed")
        return list(db.session.scalars(query))


def test_a_name_rebound_to_loopback_is_never_connected_to_at_logout(
    idp_server: LiveServer, dns: FakeDns
) -> None:
    """DNS rebinding: public when registered, 127.0.0.1 when idp delivers the logout token.
    The delivery checks the address it connects to: nothing reaches the listener, and the
    token is given up at once, audited with the reason."""
    with tcp_listener() as listener:
        uri = f"https://rp.example.org:{listener.port}/auth/backchannel-logout"
        response = register(idp_server, with_backchannel(uri))
        assert response.status_code == 201, response.text
        client_id = response.json()["client_id"]
        dns.set("rp.example.org", "127.0.0.1")
        with idp_server.app.app_context():
            rt = runtime()
            assert queue.enqueue(client_id, "member-sub", "session-sid", None,
                                 clients=ClientRegistry.of(rt))  # fmt: skip
            assert LogoutQueue.of(rt).deliver_due() == 1
            assert queue.pending() == []
        time.sleep(0.2)
        assert listener.connections == 0
    [event] = failures(idp_server)
    assert event.client_id == client_id and event.detail["attempts"] == 1
    assert event.detail["error"] == (
        "refused: rp.example.org resolves to 127.0.0.1 is a loopback address"
    )
