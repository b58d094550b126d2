"""Control characters in a registration (RFC 7591) or its update (RFC 7592 §2.2) are refused
with the RFC's error naming the field, and nothing is stored: a NUL would be a 500 on
PostgreSQL, a BEL or ESC a third party's name rewriting a terminal or a consent page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from idp.db import db
from idp.models import OAuthClient
from tests.admin.service_caller import database
from tests.admin.test_registration import (
    INITIAL_TOKEN,
    METADATA,
    client_count,
    manage,
    register,
    registered,
    serve_provider,
)
from tests.conftest import LiveServer

CONTROLS = {"NUL": "\x00", "BEL": "\x07", "ESC": "\x1b[2J", "C1": "\x9b"}
# (metadata with the control character, the error, what the description names)
PLACES = [
    (lambda c: {"client_name": f"Pharma{c}"}, "invalid_client_metadata", "client_name"),
    (lambda c: {"client_uri": f"https://pharmacie.example.org/{c}"},
     "invalid_client_metadata", "client_uri"),
    (lambda c: {"redirect_uris": [f"https://pharmacie.example.org/cb{c}"]},
     "invalid_redirect_uri", "redirect_uris[0]"),
    (lambda c: {"backchannel_logout_uri": f"https://pharmacie.example.org/bc{c}"},
     "invalid_client_metadata", "backchannel_logout_uri"),
    (lambda c: {"contacts": ["dpo@pharmacie.example.org", f"it{c}@pharmacie.example.org"]},
     "invalid_client_metadata", "contacts[1]"),
]  # fmt: skip


@pytest.fixture(scope="module")
def idp_server(database_url: str) -> Iterator[LiveServer]:
    yield from serve_provider(database_url, INITIAL_TOKEN)


def _refused(answer, error: str, naming: str) -> None:
    assert answer.status_code == 400, answer.text
    body = answer.json()
    assert body["error"] == error, body
    assert repr(naming) in body["error_description"], body
    assert "control characters" in body["error_description"], body


@pytest.mark.parametrize("control", CONTROLS.values(), ids=CONTROLS.keys())
@pytest.mark.parametrize(("change", "error", "naming"), PLACES, ids=[p[2] for p in PLACES])
def test_a_registration_with_a_control_character_is_refused_and_stores_nothing(
    idp_server: LiveServer, control: str, change, error: str, naming: str
) -> None:
    before = client_count(idp_server)
    _refused(register(idp_server, {**METADATA, **change(control)}), error, naming)
    assert client_count(idp_server) == before


@pytest.mark.parametrize("control", CONTROLS.values(), ids=CONTROLS.keys())
@pytest.mark.parametrize(("change", "error", "naming"), PLACES, ids=[p[2] for p in PLACES])
def test_an_update_with_a_control_character_is_refused_and_changes_nothing(
    idp_server: LiveServer, control: str, change, error: str, naming: str
) -> None:
    body = registered(idp_server)
    uri, token = body["registration_client_uri"], body["registration_access_token"]
    update = {**METADATA, "client_id": body["client_id"], **change(control)}
    _refused(manage("PUT", uri, token, update), error, naming)
    read = manage("GET", uri, token)
    assert read.status_code == 200, read.text
    assert read.json()["client_name"] == METADATA["client_name"]
    assert read.json()["redirect_uris"] == METADATA["redirect_uris"]
    assert "backchannel_logout_uri" not in read.json()


def test_names_in_any_script_are_ordinary_text(idp_server: LiveServer) -> None:
    for name in ("Pharmacie Hélène & Fils", "Аптека Север", "药房 健康", "صيدلية"):
        answer = register(idp_server, {**METADATA, "client_name": name})
        assert answer.status_code == 201, answer.text
        assert answer.json()["client_name"] == name


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=st.text(min_size=1, max_size=40), uri_tail=st.text(max_size=20))
def test_no_registration_is_ever_a_server_error(
    idp_server: LiveServer, name: str, uri_tail: str
) -> None:
    """Whatever the text, a registration is created (201) or refused (400), never a 5xx, and
    what is stored holds no control character."""
    metadata = {**METADATA, "client_name": name,
                "redirect_uris": [f"https://pharmacie.example.org/{uri_tail}"]}  # fmt: skip
    answer = register(idp_server, metadata)
    assert answer.status_code in (201, 400), answer.text
    if answer.status_code == 201:
        with database(idp_server.app):
            row = db.session.get(OAuthClient, answer.json()["client_id"])
            assert row is not None
            assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in row.name)
