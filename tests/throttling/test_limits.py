"""Every rate limit answers with a page saying when to retry (429 + Retry-After), and counts
atomically in Redis."""

from __future__ import annotations

from dataclasses import replace

import pytest
import requests

from idp.accounts.directory import ensure_demo_member
from idp.runtime import runtime
from idp.throttling.limits import (
    ACTIVATION_PER_IP,
    RESET_PER_IDENTIFIER,
    RESET_PER_IP,
    Limit,
    RateLimited,
    hit,
)
from tests.actors import DEMO_NUMBER, Browser, RelyingParty
from tests.conftest import build_app, free_port, make_settings, serve_app
from tests.selfservice.pages import open_page, request_activation, submit


def use_up(app, limit: Limit, subject: str) -> None:
    """Spend the whole window of ``limit`` for ``subject``, as earlier requests would."""
    with app.app_context():
        for _ in range(limit.limit):
            hit(limit, subject, redis=runtime().redis)


def assert_limited(response) -> None:
    assert isinstance(response, requests.Response), response
    assert response.status_code == 429
    assert "Trop de tentatives" in response.text and "minute" in response.text
    assert int(response.headers["Retry-After"]) > 0


def test_hit_counts_up_to_the_limit_then_says_when_to_retry(app):
    limit = Limit("test", 3, 60)
    for _ in range(3):
        hit(limit, "someone", redis=runtime().redis)
    with pytest.raises(RateLimited) as raised:
        hit(limit, "someone", redis=runtime().redis)
    assert 0 < raised.value.retry_after <= 60
    hit(limit, "someone else", redis=runtime().redis)  # counted per subject


def test_activation_requests_per_ip(server):
    use_up(server.app, ACTIVATION_PER_IP, "127.0.0.1")
    assert_limited(request_activation(Browser(server.url), server.url))


@pytest.mark.parametrize(("limit", "subject"), [(RESET_PER_IP, "127.0.0.1"),
                                                (RESET_PER_IDENTIFIER, DEMO_NUMBER)])  # fmt: skip
def test_reset_requests_per_ip_and_per_identifier(server, limit, subject):
    use_up(server.app, limit, subject)
    browser = Browser(server.url)
    page = open_page(browser, f"{server.url}/password/forgot")
    assert_limited(submit(browser, page, "/password/forgot", identifier=DEMO_NUMBER))


def test_password_attempts_per_identifier(database_url):
    port = free_port()
    base = make_settings(database_url, issuer=f"http://127.0.0.1:{port}")
    app = build_app(replace(base, throttle=replace(base.throttle, password_per_identifier=2)))
    with app.app_context():
        ensure_demo_member(passwords=runtime().passwords)
    with serve_app(app, port) as site:
        answers = []
        for _ in range(3):
            browser = Browser(site.url)
            page = browser.go(RelyingParty(site.url, "health-portal").authorize_url())
            assert isinstance(page, requests.Response)
            answers.append(browser.post_password(page, "999999999", "whatever-password"))
    assert [a.status_code for a in answers[:2]] == [401, 401]
    assert_limited(answers[2])
