"""The refusal page of a client's access rule without a message of its own names the contract
the service requires ("réservé aux adhérents ayant un contrat santé"), in French and English;
a contract code without a name in the catalog keeps the generic sentence."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import requests

from idp.accounts.directory import ensure_demo_member
from idp.clients import access
from idp.runtime import runtime
from tests.actors import Browser, RelyingParty
from tests.conftest import (
    TEST_CLIENTS_FILE,
    LiveServer,
    build_app,
    free_port,
    make_settings,
    serve_app,
)
from tests.login.test_access_and_consent import (
    PROVIDENT_ONLY,
    PROVIDENT_PASSWORD,
    mobile,
    provident_member,
    sign_in,
)

APP_MESSAGE = (
    "      message: >-\n"
    "        L'appli mobile « mon espace santé » est réservée aux adhérents assurés en santé.\n"
)


@pytest.fixture
def unworded(database_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    """The provider with the mobile app's access rule stripped of its own message."""
    text = TEST_CLIENTS_FILE.read_text(encoding="utf-8")
    assert APP_MESSAGE in text
    clients = tmp_path / "clients.yaml"
    clients.write_text(text.replace(APP_MESSAGE, ""), encoding="utf-8")
    port = free_port()
    settings = make_settings(database_url, issuer=f"http://127.0.0.1:{port}")
    app = build_app(replace(settings, clients_file=str(clients)))
    with serve_app(app, port) as served:
        with app.app_context():
            ensure_demo_member(passwords=runtime().passwords)
        yield served


def refusal(page: requests.Response) -> str:
    match = re.search(r'<p class="lead" role="alert">(.*?)</p>', page.text, re.S)
    assert match, page.text
    return html.unescape(match.group(1))


def test_the_refusal_names_the_contract_the_service_requires(unworded: LiveServer) -> None:
    provident_member(unworded)
    page = sign_in(Browser(unworded.url), mobile(unworded), PROVIDENT_ONLY, PROVIDENT_PASSWORD)
    assert isinstance(page, requests.Response) and page.status_code == 403
    assert refusal(page) == "Ce service est réservé aux adhérents ayant un contrat santé."
    assert "certains contrats" not in html.unescape(page.text)


def test_the_english_refusal_names_the_contract_too(unworded: LiveServer) -> None:
    provident_member(unworded)
    app = RelyingParty(unworded.url, "mobile-app", scope="openid profile member offline_access")
    page = sign_in(Browser(unworded.url), app, PROVIDENT_ONLY, PROVIDENT_PASSWORD,
                   ui_locales="en")  # fmt: skip
    assert isinstance(page, requests.Response) and page.status_code == 403
    assert refusal(page) == "This service is for members with a health contract."


def test_a_contract_without_a_name_in_the_catalog_keeps_the_generic_sentence(
    unworded: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(access, "NAMED_CONTRACTS", ())  # "health" as a code with no name
    provident_member(unworded)
    page = sign_in(Browser(unworded.url), mobile(unworded), PROVIDENT_ONLY, PROVIDENT_PASSWORD)
    assert isinstance(page, requests.Response) and page.status_code == 403
    assert refusal(page) == "Ce service est réservé à certains contrats que vous ne détenez pas."
