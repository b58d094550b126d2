"""The error pages a member's browser can reach from a relying party's request say what
happened in a sentence, never the protocol's wire code ("invalid_client", "invalid_request"):
the code stays in the audit log and in the JSON and redirect answers clients read."""

from __future__ import annotations

import html
import re
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from idp.db import db
from idp.models import AuditEvent

CALLBACK = "http://127.0.0.1:5001/auth/callback"
WIRE_CODE = re.compile(
    r"\b(invalid_[a-z_]+|unauthorized_client|unsupported_[a-z_]+|access_denied|server_error|"
    r"temporarily_unavailable|login_required|consent_required|interaction_required)\b"
)


def visible_text(page: str) -> str:
    """What the member reads: the page without its tags, scripts and attributes."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


AUTHORIZE_PAGES = [
    pytest.param({"client_id": "nobody", "redirect_uri": CALLBACK}, id="unknown client"),
    pytest.param({"redirect_uri": CALLBACK}, id="no client"),
    pytest.param({"client_id": "health-portal"}, id="no redirect_uri"),
    pytest.param(
        {"client_id": "health-portal", "redirect_uri": "https://attacker.example.org/cb"},
        id="foreign redirect_uri",
    ),
    pytest.param(
        {"client_id": "health-portal", "redirect_uri": CALLBACK + "?x=1"},
        id="redirect_uri with a query",
    ),
    pytest.param({}, id="nothing"),
]


@pytest.mark.parametrize("params", AUTHORIZE_PAGES)
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_an_authorization_error_page_says_no_wire_code(
    app: Flask, client: FlaskClient, params: dict[str, str], lang: str
) -> None:
    query = {"response_type": "code", "scope": "openid", "state": "s", **params}
    response = client.get(f"/authorize?{urlencode(query)}",
                          headers={"Accept-Language": lang})  # fmt: skip
    assert response.status_code == 400
    assert response.mimetype == "text/html" and "Location" not in response.headers
    text = visible_text(response.get_data(as_text=True))
    sentence = (
        "a fait une demande que nous ne pouvons pas traiter"
        if lang == "fr"
        else "made a request we cannot process"
    )
    assert sentence in text
    assert not WIRE_CODE.search(text), WIRE_CODE.search(text)
    # The code is still recorded for the operators.
    [event] = db.session.scalars(select(AuditEvent).filter_by(event="authorization.rejected"))
    assert WIRE_CODE.fullmatch(event.detail["error"])


@pytest.mark.parametrize(
    "path",
    [
        "/logout?client_id=nobody&post_logout_redirect_uri=http://127.0.0.1:5001/",
        "/logout?client_id=health-portal&post_logout_redirect_uri=https://attacker.example.org/",
        "/logout?client_id=health-portal&client_id=x",
        "/login/unknown-interaction",
        "/authorize/resume/unknown-interaction",
    ],
)
def test_other_error_pages_a_browser_reaches_say_no_wire_code(
    client: FlaskClient, path: str
) -> None:
    response = client.get(path, headers={"Accept-Language": "fr"})
    assert 400 <= response.status_code < 500
    assert response.mimetype == "text/html"
    text = visible_text(response.get_data(as_text=True))
    assert not WIRE_CODE.search(text), WIRE_CODE.search(text)
