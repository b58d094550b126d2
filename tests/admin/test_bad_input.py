"""Bad input to the admin API is a 400 naming what is wrong, never a 500, on PostgreSQL as on
SQLite (docs/security.md, "Admin and form input"): ids past PostgreSQL's integers, NUL and
other control characters, in the query, the body and the path."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from idp.db import db
from idp.models import Member, OAuthClient
from tests.actors import DEMO_NUMBER
from tests.admin.service_caller import ADMIN_SERVICE, AdminApi, database, provider
from tests.clients.test_sync import subject_like_a_client_id
from tests.conftest import LiveServer


@pytest.fixture
def site(database_url: str) -> Iterator[LiveServer]:
    with provider(database_url) as served:
        yield served


@pytest.fixture
def api(site: LiveServer) -> AdminApi:
    return AdminApi.as_service(site, ADMIN_SERVICE)


def _refused(answer, naming: str) -> None:
    assert answer.status_code == 400, answer.text
    body = answer.json()
    assert body["error"] in ("invalid_request", "invalid_client_metadata"), body
    assert naming in body["message"] + " ".join(body.get("problems", [])), body


@pytest.mark.parametrize("before_id", [str(2**31), "9" * 19, "9" * 40, "0", "-1", "1e3"])
def test_an_audit_cursor_out_of_range_is_a_400(api: AdminApi, before_id: str) -> None:
    _refused(api.get("/audit", before_id=before_id), "before_id")


def test_the_largest_cursor_is_answered(api: AdminApi) -> None:
    answer = api.get("/audit", before_id=str(2**31 - 1))
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("value", ["1000\x00", "a\x07b", "x\x1b[2J"])
def test_control_characters_in_the_query_are_refused(api: AdminApi, value: str) -> None:
    _refused(api.get("/members", q=value), "q")
    _refused(api.get("/audit", client_id=value), "client_id")


def test_control_characters_in_the_body_are_refused_naming_the_field(
    site: LiveServer, api: AdminApi
) -> None:
    new = {"name": "Portail\x00", "type": "confidential",
           "redirect_uris": ["https://portal.example.org/cb"]}  # fmt: skip
    _refused(api.call("POST", "/clients", json=new), "name")
    listed = {**new, "name": "Portail", "redirect_uris": ["https://portal.example.org/cb\x00"]}
    _refused(api.call("POST", "/clients", json=listed), "redirect_uris[0]")
    with database(site.app):
        assert db.session.scalars(select(OAuthClient).filter_by(name="Portail")).all() == []


def test_an_email_with_a_control_character_is_refused_and_changes_nothing(
    site: LiveServer, api: AdminApi
) -> None:
    for email in ("camille@example.org\x00", "camille\x07@example.org"):
        answer = api.patch(f"/members/{DEMO_NUMBER}/contact", {"email": email})
        assert answer.status_code == 400, answer.text
    with database(site.app):
        member = db.session.scalars(select(Member).filter_by(member_number=DEMO_NUMBER)).one()
        assert member.email == "camille.martin@example.org"


def test_an_id_past_postgresql_integers_matches_nothing(api: AdminApi) -> None:
    answer = api.delete(f"/members/{DEMO_NUMBER}/devices/{2**31}")
    assert answer.status_code == 404, answer.text
    assert api.delete(f"/members/{DEMO_NUMBER}/devices/{10**30}").status_code == 404


def test_a_client_id_may_not_be_a_members_subject(site: LiveServer, api: AdminApi) -> None:
    """RFC 9700 §4.15: a client's own tokens name it in ``sub``."""
    with database(site.app):
        subject = subject_like_a_client_id()
    new = {"client_id": subject, "name": "Portail", "type": "confidential",
           "redirect_uris": ["https://portal.example.org/cb"]}  # fmt: skip
    answer = api.call("POST", "/clients", json=new)
    _refused(answer, "client_id")
    assert "is a member's subject identifier" in str(answer.json()), answer.json()
    with database(site.app):
        assert db.session.get(OAuthClient, subject) is None


def test_answers_with_personal_data_are_never_cached(api: AdminApi) -> None:
    for path, params in (("/members", {"q": DEMO_NUMBER}), (f"/members/{DEMO_NUMBER}", {}),
                         ("/audit", {}), ("/clients", {})):  # fmt: skip
        answer = api.get(path, **params)
        assert answer.status_code == 200, answer.text
        assert answer.headers["Cache-Control"] == "no-store", path


@pytest.mark.parametrize("value", [299, 400 * 86400 + 1, -1, 2**63, "31536000", True, 1.5])
def test_a_refresh_familys_lifetime_out_of_bounds_is_refused_naming_it(
    site: LiveServer, api: AdminApi, value: object
) -> None:
    """A client's families end 5 minutes to 400 days after the sign-in: an unbounded value
    would be a family that never ends, or an overflow at ``/token``."""
    new = {"client_id": "bounded-portal", "name": "Portail", "type": "confidential",
           "redirect_uris": ["https://portal.example.org/cb"],
           "refresh_token_max_lifetime": value}  # fmt: skip
    _refused(api.call("POST", "/clients", json=new), "refresh_token_max_lifetime")
    with database(site.app):
        assert db.session.get(OAuthClient, "bounded-portal") is None
    year = {**new, "refresh_token_max_lifetime": 365 * 86400}
    created = api.call("POST", "/clients", json=year)
    assert created.status_code == 201, created.text
    changed = api.call(
        "PATCH", "/clients/bounded-portal", json={"refresh_token_max_lifetime": value}
    )
    _refused(changed, "refresh_token_max_lifetime")
    with database(site.app):
        row = db.session.get(OAuthClient, "bounded-portal")
        assert row is not None and row.settings["refresh_token_max_lifetime"] == 365 * 86400
