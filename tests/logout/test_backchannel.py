"""Back-channel logout (OIDC Back-Channel Logout 1.0) as the relying parties receive it: real
HTTP receivers on free ports get logout tokens, which they validate against the JWKS; failed
deliveries are retried with backoff, and given up (audited) after the last attempt."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from urllib.parse import urlencode

import requests
from joserfc import jwt
from joserfc.jwk import KeySet
from sqlalchemy import select

from idp.clients.registry import ClientRegistry
from idp.db import db
from idp.logout import queue
from idp.logout.queue import LogoutQueue
from idp.models import AuditEvent
from idp.runtime import runtime
from tests.actors import Browser, RelyingParty, sign_in_tokens
from tests.conftest import (
    LiveServer,
)

LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"


def sign_out(site: LiveServer, browser: Browser, id_token: str) -> float:
    """RP-initiated logout with a hint for this browser's session; returns how long the
    member's request took."""
    meta = site.discovery()
    started = time.monotonic()
    page = browser.go(f"{meta['end_session_endpoint']}?{urlencode({'id_token_hint': id_token})}")
    elapsed = time.monotonic() - started
    assert isinstance(page, requests.Response) and "déconnecté" in page.text, page
    return elapsed


def validate_logout_token(token: str, site: LiveServer, client_id: str) -> tuple[dict, dict]:
    """What a relying party checks (Back-Channel Logout 1.0 §2.6)."""
    jwks = requests.get(site.discovery()["jwks_uri"], timeout=5).json()
    decoded = jwt.decode(token, KeySet.import_key_set(jwks), algorithms=["RS256", "ES256"])
    header, claims = dict(decoded.header), dict(decoded.claims)
    assert header["typ"] == "logout+jwt"
    assert claims["iss"] == site.url
    assert claims["aud"] == client_id
    assert claims["events"] == {LOGOUT_EVENT: {}}
    assert "nonce" not in claims
    assert claims["exp"] - claims["iat"] == 120
    assert abs(claims["iat"] - time.time()) < 30
    assert claims["jti"]
    return header, claims


def deliver(site: LiveServer, after: float = 0) -> int:
    """Run the queue as a worker would, ``after`` seconds from now."""
    with site.app.app_context():
        return LogoutQueue.of(runtime()).deliver_due(now=time.time() + after)


def queued(site: LiveServer) -> list[queue.Job]:
    with site.app.app_context():
        return queue.pending()


def failures(site: LiveServer) -> list[AuditEvent]:
    with site.app.app_context():
        found = list(
            db.session.scalars(select(AuditEvent).filter_by(event="logout.backchannel_failed"))
        )
        db.session.remove()
        return found


def test_both_portals_receive_a_valid_logout_token(provider, receivers):
    health, provident = receivers
    health.delay = 2.0  # a slow relying party must not hold up the member
    with provider(workers=1) as site:
        browser = Browser(site.url)
        health_tokens = sign_in_tokens(browser, RelyingParty(site.url, "health-portal"))
        provident_tokens = sign_in_tokens(browser, RelyingParty(site.url, "provident-portal"))

        elapsed = sign_out(site, browser, health_tokens["id_token"])
        assert elapsed < 1.5

        tokens = []
        for receiver, client_id, id_token in (
            (health, "health-portal", health_tokens["id_token"]),
            (provident, "provident-portal", provident_tokens["id_token"]),
        ):
            [delivery] = receiver.wait_for(1)
            assert delivery.content_type == "application/x-www-form-urlencoded"
            _, claims = validate_logout_token(delivery.token, site, client_id)
            _, id_claims = validate_id_token(id_token, site)
            assert claims["sid"] == id_claims["sid"]
            assert claims["sub"] == id_claims["sub"]
            tokens.append(claims)
        assert tokens[0]["jti"] != tokens[1]["jti"]
        assert tokens[0]["sid"] == tokens[1]["sid"]  # one SSO session, two portals
        assert wait_until(lambda: not queued(site))
        assert not failures(site)


def validate_id_token(token: str, site: LiveServer) -> tuple[dict, dict]:
    from tests.actors import jwt_claims

    return jwt_claims(token, site.url)


def wait_until(condition: Callable[[], bool], timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_retried_with_backoff_until_the_portal_answers(provider, receivers):
    health, _ = receivers
    health.answers = [(500, b"", {}), (503, b"", {})]
    with provider(workers=0) as site:
        browser = Browser(site.url)
        tokens = sign_in_tokens(browser, RelyingParty(site.url, "health-portal"))
        sign_out(site, browser, tokens["id_token"])

        assert deliver(site) == 1  # first attempt: 500
        [job] = queued(site)
        assert job.client_id == "health-portal" and job.attempt == 1
        assert deliver(site) == 0  # not due again yet: the retry waits
        assert deliver(site, after=15) == 1  # second attempt: 503
        assert deliver(site, after=15) == 0  # the next wait is longer
        assert deliver(site, after=60) == 1  # third attempt: 200

        deliveries = health.wait_for(3)
        assert len(deliveries) == 3
        claims = [validate_logout_token(d.token, site, "health-portal")[1] for d in deliveries]
        assert len({c["jti"] for c in claims}) == 3  # signed afresh at each attempt
        assert not queued(site)
        assert not failures(site)


def test_given_up_and_audited_after_the_last_attempt(provider, receivers):
    health, _ = receivers
    health.answers = [(500, b"oops", {})] * 10
    with provider(workers=0) as site:
        browser = Browser(site.url)
        tokens = sign_in_tokens(browser, RelyingParty(site.url, "health-portal"))
        sign_out(site, browser, tokens["id_token"])

        for attempt in range(1, 6):
            assert deliver(site, after=10_000 * attempt) == 1
        assert len(health.wait_for(5)) == 5
        assert not queued(site)
        assert deliver(site, after=100_000) == 0

        [event] = failures(site)
        assert event.client_id == "health-portal"
        assert event.detail["status"] == 500 and event.detail["attempts"] == 5
        assert "HTTP 500" in event.detail["error"]
        assert "eyJ" not in json.dumps(event.detail)  # never the token


def test_a_refused_token_is_not_sent_again(provider, receivers):
    health, _ = receivers
    refusal = json.dumps({"error": "invalid_request", "error_description": "bad aud"}).encode()
    health.answers = [(400, refusal, {"Content-Type": "application/json"})]
    with provider(workers=0) as site:
        browser = Browser(site.url)
        tokens = sign_in_tokens(browser, RelyingParty(site.url, "health-portal"))
        sign_out(site, browser, tokens["id_token"])

        assert deliver(site) == 1
        assert not queued(site)
        [event] = failures(site)
        assert event.detail["status"] == 400 and event.detail["attempts"] == 1
        assert event.detail["error"] == "HTTP 400 invalid_request"


def test_redirects_are_not_followed(provider, receivers):
    health, provident = receivers
    health.answers = [(307, b"", {"Location": provident.url})]
    with provider(workers=0) as site:
        browser = Browser(site.url)
        tokens = sign_in_tokens(browser, RelyingParty(site.url, "health-portal"))
        sign_out(site, browser, tokens["id_token"])

        assert deliver(site) == 1
        assert len(health.wait_for(1)) == 1
        assert provident.received == []  # the token went nowhere else
        [job] = queued(site)
        assert job.attempt == 1  # to be tried again later


def test_each_job_is_claimed_by_one_worker(provider, receivers):
    """Several workers (threads here, instances in production) share the queue: every
    logout token is delivered once."""
    health, _ = receivers
    with provider(workers=0) as site:
        with site.app.app_context():
            clients = ClientRegistry.of(runtime())
            for n in range(12):
                assert queue.enqueue("health-portal", "member-sub", f"sid-{n}", None,
                                     clients=clients)  # fmt: skip
            db.session.commit()  # enqueue joins the caller's transaction
        tried: list[int] = []

        def work() -> None:
            tried.append(deliver(site))

        threads = [threading.Thread(target=work) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sum(tried) == 12
        deliveries = health.wait_for(12)
        sids = sorted(
            validate_logout_token(d.token, site, "health-portal")[1]["sid"] for d in deliveries
        )
        assert sids == sorted(f"sid-{n}" for n in range(12))
        assert not queued(site)


def test_a_logout_owed_survives_redis_losing_its_data(provider, receivers):
    """The job is a PostgreSQL row written with the sign-out: a portal that was down when
    the member signed out is told once it is back, even after Redis was flushed."""
    health, _ = receivers
    health.answers = [(503, b"", {})]  # the portal is down at the first attempt
    with provider(workers=0) as site:
        browser = Browser(site.url)
        tokens = sign_in_tokens(browser, RelyingParty(site.url, "health-portal"))
        sign_out(site, browser, tokens["id_token"])
        assert deliver(site) == 1 and len(health.wait_for(1)) == 1  # refused by the portal
        [job] = queued(site)
        assert job.attempt == 1

        with site.app.app_context():
            listed = site.app.test_cli_runner().invoke(args=["outbox", "--logouts"])
        assert "1 back-channel logout(s) waiting:" in listed.output
        assert "to health-portal  attempts 1" in listed.output
        site.app.extensions["idp"].redis.flushdb()  # Redis restarted empty (this test's db)
        assert queued(site) == [job]
        assert deliver(site, after=3600) == 1
        deliveries = health.wait_for(2)
        _, claims = validate_logout_token(deliveries[-1].token, site, "health-portal")
        assert claims["sid"] == validate_id_token(tokens["id_token"], site)[1]["sid"]
        assert queued(site) == [] and not failures(site)


def test_a_sign_out_that_fails_owes_nothing(provider, receivers):
    """The jobs join the sign-out's transaction: rolled back with it, none is left."""
    from idp.logout.sign_out import SignOut
    from idp.models import Member
    from idp.runtime import runtime

    with provider(workers=0) as site:
        sign_in_tokens(Browser(site.url), RelyingParty(site.url, "health-portal"))
        with site.app.app_context():
            member = db.session.scalars(select(Member)).first()
            original = db.session.commit

            def fail() -> None:
                raise RuntimeError("the database went away mid-commit")

            db.session.commit = fail  # type: ignore[method-assign]
            try:
                SignOut.of(runtime()).sign_out_everywhere(member)
            except RuntimeError:
                db.session.rollback()
            finally:
                db.session.commit = original  # type: ignore[method-assign]
        assert queued(site) == []
