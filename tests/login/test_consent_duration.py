"""The consent page says how long offline access lasts (ASVS 5.0 10.7.2): the client's
refresh-token family lifetime (``refresh_token_max_lifetime``, else the provider's 90 days),
in French or English with the right plural; the connected applications page says the same."""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

from idp.accounts.directory import ensure_demo_member
from idp.runtime import runtime
from idp.web import i18n
from tests.actors import (
    DEMO_NUMBER,
    DEMO_PASSWORD,
    Browser,
    RelyingParty,
    form_action,
    form_fields,
)
from tests.conftest import (
    TEST_CLIENTS_FILE,
    LiveServer,
    build_app,
    free_port,
    make_settings,
    serve_app,
)

OFFLINE_FR = "un accès à ces informations même quand vous n'utilisez pas le service, pendant {}"
OFFLINE_EN = "access to this information even when you are not using the service, for {} at most"


def consent_page(browser: Browser, server: LiveServer) -> str:
    rp = RelyingParty(server.url, "partner-app", scope="openid profile offline_access")
    page = browser.go(rp.authorize_url())
    assert isinstance(page, requests.Response) and 'name="password"' in page.text
    page = browser.submit_password(page, DEMO_NUMBER, DEMO_PASSWORD)
    assert isinstance(page, requests.Response) and "/consent" in page.text, page
    return html.unescape(page.text)


def test_the_consent_page_states_the_providers_offline_lifetime(server: LiveServer) -> None:
    browser = Browser(server.url)
    page = consent_page(browser, server)
    assert OFFLINE_FR.format("90 jours au plus (vous pouvez le retirer avant)") in page
    assert "jusqu'à ce que vous le retiriez" not in page and "{duration}" not in page

    english = Browser(server.url)
    english.http.headers["Accept-Language"] = "en"
    assert OFFLINE_EN.format("90 days") in consent_page(english, server)


@pytest.fixture
def one_day_client(database_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    """The provider with the partner's refresh tokens living one day at most."""
    clients = TEST_CLIENTS_FILE.read_text(encoding="utf-8").replace(
        "    consent: explicit\n    client_uri: https://partner.example.org/\n",
        "    consent: explicit\n    client_uri: https://partner.example.org/\n"
        "    refresh_token_max_lifetime: 86400\n",
    )
    assert "refresh_token_max_lifetime: 86400" in clients
    (tmp_path / "clients.yaml").write_text(clients, encoding="utf-8")
    port = free_port()
    settings = make_settings(
        database_url, issuer=f"http://127.0.0.1:{port}", clients_file=str(tmp_path / "clients.yaml")
    )
    app = build_app(settings)
    with app.app_context():
        ensure_demo_member(passwords=runtime().passwords)
    with serve_app(app, port) as served:
        yield served


def test_the_consent_page_states_the_clients_own_lifetime_in_the_singular(
    one_day_client: LiveServer,
) -> None:
    browser = Browser(one_day_client.url)
    page = consent_page(browser, one_day_client)
    assert OFFLINE_FR.format("1 jour au plus") in page

    english = Browser(one_day_client.url)
    english.http.headers["Accept-Language"] = "en"
    assert OFFLINE_EN.format("1 day") in consent_page(english, one_day_client)

    # Allowed: the connected applications page lists the same words.
    action = urljoin(one_day_client.url, form_action(page, "/consent"))
    callback = browser.go(action, "POST", {"csrf_token": form_fields(page)["csrf_token"]})
    assert isinstance(callback, str) and "code=" in callback
    listing = browser.go(f"{one_day_client.url}/account/applications")
    assert isinstance(listing, requests.Response)
    assert OFFLINE_FR.format("1 jour au plus") in html.unescape(listing.text)


@pytest.mark.parametrize(
    ("seconds", "lang", "words"),
    [
        (365 * 86400, "fr", "1 an"),
        (2 * 365 * 86400, "fr", "2 ans"),
        (90 * 86400, "en", "90 days"),
        (36 * 3600, "fr", "36 heures"),
        (3600, "en", "1 hour"),
        (300, "fr", "5 minutes"),
        (90, "en", "2 minutes"),  # rounded up: never shorter than it is
        (60, "fr", "1 minute"),
    ],
)
def test_lifetimes_are_told_in_the_largest_whole_unit(server, seconds, lang, words) -> None:
    with server.app.test_request_context(f"/?lang={lang}"):
        assert i18n.duration(seconds) == words
