"""Lockout: password failures lock the account for 24 hours, durably, then it unlocks."""

from __future__ import annotations

import html
import re
import threading
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
import requests
from sqlalchemy import func, select

from idp.accounts.directory import ensure_demo_member
from idp.clock import ShiftedClock
from idp.db import db
from idp.models import AuditEvent, Member, OutboxMessage
from idp.notifications import current_notifier
from idp.runtime import runtime
from idp.throttling.lockout import AccountLocked, Lockout
from tests.actors import DEMO_NUMBER, DEMO_PASSWORD, Browser, RelyingParty, wait_for_mail
from tests.conftest import build_app, free_port, make_settings, serve_app


@pytest.fixture
def site(database_url):
    port = free_port()
    base = make_settings(database_url, issuer=f"http://127.0.0.1:{port}")
    app = build_app(base)
    runtime(app).clock = ShiftedClock()
    with app.app_context():
        ensure_demo_member(passwords=runtime().passwords)
    with serve_app(app, port) as served:
        yield served


def attempt(site, password: str) -> requests.Response | str:
    browser = Browser(site.url)
    page = browser.go(RelyingParty(site.url, "health-portal").authorize_url())
    assert isinstance(page, requests.Response)
    return browser.submit_password(page, DEMO_NUMBER, password)


def events(site, name: str) -> int:
    with site.app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEvent).filter_by(event=name))


def test_fifth_failure_locks_for_24_hours_then_the_lock_lifts(site):
    for _ in range(4):
        wrong = attempt(site, "not-the-password")
        assert isinstance(wrong, requests.Response) and wrong.status_code == 401
    locked = attempt(site, "not-the-password")
    assert isinstance(locked, requests.Response) and locked.status_code == 403
    assert "bloqué jusqu" in locked.text and "/password/forgot" in locked.text
    assert "04&nbsp;72&nbsp;27&nbsp;72&nbsp;72" in locked.text
    # The right password does not get in while the lock holds.
    still = attempt(site, DEMO_PASSWORD)
    assert isinstance(still, requests.Response) and still.status_code == 403
    wait_for_mail(site.app)  # the notice goes through the durable outbox
    with site.app.app_context():
        notice = db.session.scalars(select(OutboxMessage).filter_by(purpose="account_locked")).one()
        assert notice.recipient == "camille.martin@example.org"
    assert events(site, "lock.started") == 1

    runtime(site.app).clock.advance(hours=24, seconds=1)
    assert isinstance(attempt(site, DEMO_PASSWORD), str)  # redirected to the portal
    assert events(site, "lock.ended") == 1


def test_the_lock_survives_a_redis_flush(site):
    for _ in range(5):
        attempt(site, "not-the-password")
    runtime(site.app).redis.flushdb()
    still = attempt(site, DEMO_PASSWORD)
    assert isinstance(still, requests.Response) and still.status_code == 403


def test_parallel_failures_are_counted_exactly(site):
    """Ten requests failing at once on several threads: exactly one lock starts."""
    app = site.app
    with app.app_context():
        member_id = db.session.scalars(select(Member.id).filter_by(member_number=DEMO_NUMBER)).one()
    locks: list[int] = []
    barrier = threading.Barrier(10)

    def fail_once() -> None:
        with app.app_context():
            member = db.session.get(Member, member_id)
            barrier.wait()
            try:
                Lockout.of(runtime(), current_notifier).record_failure(member, "password")
            except AccountLocked:
                locks.append(1)

    settings = runtime(app).settings
    runtime(app).settings = replace(settings, lockout=replace(settings.lockout, max_failures=10))
    threads = [threading.Thread(target=fail_once) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(locks) == 1
    assert events(site, "lock.started") == 1
    assert events(site, "login.failure_counted") == 10


def test_adviser_unlocks_with_the_cli(site):
    for _ in range(5):
        attempt(site, "not-the-password")
    result = site.app.test_cli_runner().invoke(args=["accounts", "unlock", DEMO_NUMBER])
    assert result.exit_code == 0 and "unlocked" in result.output
    assert isinstance(attempt(site, DEMO_PASSWORD), str)
    with site.app.app_context():
        reasons = [e.detail.get("reason") for e in db.session.scalars(
            select(AuditEvent).filter_by(event="lock.ended"))]  # fmt: skip
    assert reasons == ["adviser"]
    missing = site.app.test_cli_runner().invoke(args=["accounts", "unlock", "999"])
    assert missing.exit_code == 1


def test_a_success_forgets_earlier_failures(site):
    for _ in range(4):
        attempt(site, "not-the-password")
    assert isinstance(attempt(site, DEMO_PASSWORD), str)
    for _ in range(4):
        attempt(site, "not-the-password")
    assert isinstance(attempt(site, DEMO_PASSWORD), str)  # still not locked


def test_refresh_never_touches_the_counters(site):
    portal = RelyingParty(site.url, "health-portal")
    tokens = portal.fetch_token(Browser(site.url).sign_in(portal.authorize_url()))
    for _ in range(4):
        attempt(site, "not-the-password")
    refresh_token = tokens["refresh_token"]
    for _ in range(3):
        refreshed = portal.token_request(grant_type="refresh_token", refresh_token=refresh_token)
        assert refreshed.status_code == 200
        refresh_token = refreshed.json()["refresh_token"]
    assert events(site, "login.failure_counted") == 4
    assert events(site, "lock.started") == 0


def test_unknown_account_goes_through_the_same_hash_work(site):
    """Checked by what the code does: one argon2 verification either way."""
    passwords = runtime(site.app).passwords
    calls: list[str | None] = []
    original = passwords.verify

    def counting(stored, password):
        calls.append(stored)
        return original(stored, password)

    passwords.verify = counting  # type: ignore[method-assign]
    try:
        unknown = Browser(site.url)
        page = unknown.go(RelyingParty(site.url, "health-portal").authorize_url())
        assert isinstance(page, requests.Response)
        unknown_answer = unknown.submit_password(page, "999999999", "whatever-password")
        wrong_answer = attempt(site, "not-the-password")
    finally:
        passwords.verify = original  # type: ignore[method-assign]
    assert len(calls) == 2
    assert calls[0] is None and calls[1] is not None  # dummy hash vs the member's hash
    assert isinstance(unknown_answer, requests.Response)
    assert isinstance(wrong_answer, requests.Response)
    assert unknown_answer.status_code == wrong_answer.status_code == 401


def test_password_attempts_per_ip_are_limited(database_url):
    port = free_port()
    base = make_settings(database_url, issuer=f"http://127.0.0.1:{port}")
    app = build_app(replace(base, throttle=replace(base.throttle, password_per_ip=3)))
    with app.app_context():
        ensure_demo_member(passwords=runtime().passwords)
    with serve_app(app, port) as site:
        answers = [attempt(site, "not-the-password") for _ in range(4)]
    assert [a.status_code for a in answers if isinstance(a, requests.Response)] == [
        401, 401, 401, 429,
    ]  # fmt: skip
    assert "Trop de tentatives" in answers[-1].text  # type: ignore[union-attr]


def wrong_from(browser: Browser, site, identifier: str = DEMO_NUMBER, **extra: str):
    """A wrong password typed in ``browser`` (which keeps its cookies)."""
    page = browser.go(RelyingParty(site.url, "health-portal").authorize_url(**extra))
    assert isinstance(page, requests.Response) and page.status_code == 200, page
    answer = browser.post_password(page, identifier, "not-the-password")
    assert isinstance(answer, requests.Response)
    return answer


def notices(site) -> list[str]:
    wait_for_mail(site.app)
    with site.app.app_context():
        rows = db.session.scalars(select(OutboxMessage).filter_by(purpose="account_locked"))
        return [row.text for row in rows]


def test_guessing_from_elsewhere_locks_unknown_browsers_not_the_members_own(site):
    """OWASP's device cookies: five wrong passwords from browsers that never signed the
    member in lock those browsers out; the member's phone keeps its session, its tokens and
    the right to sign in again."""
    portal = RelyingParty(site.url, "health-portal")
    phone = Browser(site.url)
    tokens = portal.fetch_token(phone.sign_in(portal.authorize_url()))

    answers = [wrong_from(Browser(site.url), site).status_code for _ in range(5)]
    assert answers == [401, 401, 401, 401, 403]
    stranger = attempt(site, DEMO_PASSWORD)  # the right password from an unknown browser
    assert isinstance(stranger, requests.Response) and stranger.status_code == 403
    assert "bloqué jusqu" in stranger.text
    # More requests from elsewhere: locked, then rate-limited (10 per identifier in 5 min).
    more = [wrong_from(Browser(site.url), site).status_code for _ in range(5)]
    assert set(more) == {403, 429} and more[-1] == 429

    # The member's own phone: the session stands, the portal's tokens too...
    again = phone.go(portal.authorize_url(prompt="none"))
    assert isinstance(again, str) and "code=" in again, again
    refreshed = portal.token_request(
        grant_type="refresh_token", refresh_token=tokens["refresh_token"]
    )
    assert refreshed.status_code == 200, refreshed.text
    # ...and signing in again there (prompt=login) works despite the lock and the rate limit.
    assert "code=" in phone.sign_in(portal.authorize_url(prompt="login"))
    assert events(site, "logout") == 0
    [notice] = notices(site)
    assert "ne sont pas concernés" in notice


def test_the_members_own_browser_has_its_own_budget_and_its_lock_ends_every_session(site):
    portal = RelyingParty(site.url, "health-portal")
    phone, laptop = Browser(site.url), Browser(site.url)
    phone.sign_in(portal.authorize_url())
    laptop_tokens = portal.fetch_token(laptop.sign_in(portal.authorize_url()))

    # Four failures from unknown browsers, then five on the phone: two budgets, one lock.
    assert [wrong_from(Browser(site.url), site).status_code for _ in range(4)] == [401] * 4
    answers = [wrong_from(phone, site, prompt="login").status_code for _ in range(5)]
    assert answers == [401, 401, 401, 401, 403]
    assert wrong_from(phone, site, prompt="login").status_code == 403
    refused = phone.go(portal.authorize_url(prompt="login"))
    assert isinstance(refused, requests.Response)
    still = phone.submit_password(refused, DEMO_NUMBER, DEMO_PASSWORD)
    assert isinstance(still, requests.Response) and still.status_code == 403

    # The phone may be in someone else's hands: every session and refresh token ends.
    gone = laptop.go(portal.authorize_url(prompt="none"))
    assert isinstance(gone, str) and "error=login_required" in gone
    lost = portal.token_request(
        grant_type="refresh_token", refresh_token=laptop_tokens["refresh_token"]
    )
    assert lost.status_code == 400 and lost.json()["error"] == "invalid_grant"
    with site.app.app_context():
        reasons = [
            e.detail["reason"]
            for e in db.session.scalars(select(AuditEvent).filter_by(event="logout"))
        ]
    assert set(reasons) == {"locked"}
    # The laptop and unknown browsers were not locked: the member signs in there.
    assert "code=" in laptop.sign_in(portal.authorize_url())
    assert isinstance(attempt(site, DEMO_PASSWORD), str)
    [notice] = notices(site)
    assert "bloqué jusqu" in notice and "ne sont pas concernés" not in notice

    # The adviser's unlock (as a reset does) lifts the phone's lock as well.
    result = site.app.test_cli_runner().invoke(args=["accounts", "unlock", DEMO_NUMBER])
    assert result.exit_code == 0 and "unlocked" in result.output
    assert "code=" in phone.sign_in(portal.authorize_url(prompt="login"))


def test_a_stolen_cookie_is_no_key(site):
    """The known-browser cookie grants a budget, never a way in, and a forged one is an
    unknown browser."""
    portal = RelyingParty(site.url, "health-portal")
    phone = Browser(site.url)
    phone.sign_in(portal.authorize_url())
    known = phone.http.cookies.get("idp_known")
    assert known
    thief = Browser(site.url)
    thief.http.cookies.set("idp_known", known)
    page = thief.go(portal.authorize_url())
    assert isinstance(page, requests.Response) and 'name="password"' in page.text
    forged = Browser(site.url)
    forged.http.cookies.set("idp_known", known[:-4] + "AAAA")
    assert [wrong_from(forged, site).status_code for _ in range(5)] == [401] * 4 + [403]
    assert wrong_from(Browser(site.url), site).status_code == 403  # it was an unknown browser


def test_an_unknown_identifier_is_locked_like_a_member(site):
    def locked_text(answer: requests.Response) -> str:
        """The page without its end time: the two locks start seconds apart, which may fall
        on either side of a minute (the times themselves are compared below)."""
        text = answer.text[answer.text.index("<h1>") : answer.text.index("</main>")]
        return re.sub(r"\d{2}/\d{2}/\d{4} à \d{2}:\d{2}", "<end>", text)

    def end_of(answer: requests.Response) -> datetime:
        found = re.search(r"(\d{2}/\d{2}/\d{4}) à (\d{2}:\d{2})", answer.text)
        assert found is not None, answer.text
        return datetime.strptime(" ".join(found.groups()), "%d/%m/%Y %H:%M")

    member = [wrong_from(Browser(site.url), site) for _ in range(6)]
    stranger = [wrong_from(Browser(site.url), site, "999999999") for _ in range(6)]
    assert [a.status_code for a in member] == [401, 401, 401, 401, 403, 403]
    assert [a.status_code for a in stranger] == [a.status_code for a in member]
    assert locked_text(stranger[4]) == locked_text(member[4])
    assert locked_text(stranger[5]) == locked_text(member[5])
    assert "<end>" in locked_text(stranger[5]) and "bloqué jusqu" in locked_text(stranger[5])
    assert timedelta(0) <= end_of(stranger[4]) - end_of(member[4]) <= timedelta(minutes=1)
    runtime(site.app).clock.advance(hours=24, seconds=1)
    assert wrong_from(Browser(site.url), site, "999999999").status_code == 401


def test_the_page_before_the_last_try_warns_and_offers_the_reset(site):
    answers = [attempt(site, "not-the-password") for _ in range(4)]
    assert all(isinstance(a, requests.Response) and a.status_code == 401 for a in answers)
    texts = [a.text for a in answers if isinstance(a, requests.Response)]
    assert not any("encore un échec" in t for t in texts[:3])
    assert "encore un échec et votre compte sera bloqué pendant 24 heures" in texts[3]
    warning = texts[3][texts[3].index('role="alert"') :]
    assert "/password/forgot" in warning[: warning.index("</div>")]


def test_an_unknown_identifier_gets_the_same_warning(site):
    def wrong(identifier: str) -> str:
        browser = Browser(site.url)
        page = browser.go(RelyingParty(site.url, "health-portal").authorize_url())
        assert isinstance(page, requests.Response)
        answer = browser.post_password(page, identifier, "not-the-password")
        assert isinstance(answer, requests.Response) and answer.status_code == 401
        return answer.text[answer.text.index('role="alert"') :].split("</div>")[0]

    member = [wrong(DEMO_NUMBER) for _ in range(4)]
    stranger = [wrong("999999999") for _ in range(4)]
    assert member == stranger


def test_the_warning_and_the_locked_page_say_the_configured_duration(site):
    """``IDP_LOCKOUT_DURATION`` of one hour: "1 heure", in the warning before the last try
    (with its "Mot de passe oublié ?"), on the locked page and in the notice; the same for an
    identifier that names no account."""
    settings = runtime(site.app).settings
    runtime(site.app).settings = replace(
        settings, lockout=replace(settings.lockout, max_failures=2, duration=3600)
    )
    for identifier in (DEMO_NUMBER, "999999999"):
        warned = wrong_from(Browser(site.url), site, identifier)
        assert warned.status_code == 401
        warning = html.unescape(warned.text[warned.text.index('role="alert"') :].split("</div>")[0])
        assert "encore un échec et votre compte sera bloqué pendant 1 heure." in warning
        assert '<a href="/password/forgot">Mot de passe oublié ?</a>' in warning
        locked = wrong_from(Browser(site.url), site, identifier)
        assert locked.status_code == 403
        assert "nous bloquons l'accès pendant 1 heure." in html.unescape(locked.text)
    wait_for_mail(site.app)
    with site.app.app_context():
        notice = db.session.scalars(select(OutboxMessage).filter_by(purpose="account_locked")).one()
        assert notice.subject == "Votre compte est bloqué pour 1 heure"


def test_a_mail_setting_the_notifier_cannot_use_stands_in_no_sign_in(database_url):
    """The lock notice's notifier is built only when a lock starts: an IDP_MAIL_FROM with no
    address fails that notice, not the password step of a member who is not locked (the code
    step after it only offers its channels here)."""
    port = free_port()
    base = make_settings(database_url, issuer=f"http://127.0.0.1:{port}")
    mail = replace(base.mail, smtp_url="smtp://127.0.0.1:2525", mail_from="Espace adhérent")
    app = build_app(replace(base, mail=mail))
    with app.app_context():
        ensure_demo_member(passwords=runtime().passwords)
    with serve_app(app, port) as site:
        browser = Browser(site.url)
        page = browser.go(RelyingParty(site.url, "partner-app").authorize_url())
        assert isinstance(page, requests.Response)
        wrong = browser.post_password(page, DEMO_NUMBER, "not-the-password")
        assert isinstance(wrong, requests.Response) and wrong.status_code == 401
        assert "identifiant ou mot de passe" in html.unescape(wrong.text).lower()
        right = browser.post_password(wrong, DEMO_NUMBER, DEMO_PASSWORD)
    assert isinstance(right, requests.Response) and right.status_code == 200
    assert "<h1>Code de sécurité</h1>" in right.text  # past the password, at the next step
