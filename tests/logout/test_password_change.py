"""A password change on the account page (docs/sessions.md): the member's other sessions end
with their refresh tokens and back-channel logout, this one stays; unticking the box keeps
them. The current password is checked under the lockout like a sign-in (docs/security.md)."""

from __future__ import annotations

import html
import threading

import requests
from sqlalchemy import func, select

from idp.config import LockoutSettings
from idp.db import db
from idp.models import AuditEvent
from tests.actors import DEMO_NUMBER, DEMO_PASSWORD, Browser, RelyingParty, sign_in_tokens
from tests.conftest import LiveServer
from tests.logout.test_backchannel import validate_logout_token
from tests.logout.test_reauthentication import SidPortal
from tests.selfservice.pages import open_page, submit

NEW_PASSWORD = "Tournesol-Bleu-2024"


def change_password(site: LiveServer, browser: Browser, current: str, **extra: str):
    form = open_page(browser, f"{site.url}/account/password")
    return submit(browser, form, "/account/password", current_password=current,
                  password=NEW_PASSWORD, password_confirmation=NEW_PASSWORD, **extra)  # fmt: skip


FORGOT = '<a href="/password/forgot">Mot de passe oublié ?</a>'


def current_error(page: str) -> str:
    """The alert above the current password."""
    start = page.index(">", page.index('id="current-error"')) + 1
    return page[start : page.index("</div>", start)]


def signed_in(browser: Browser, portal: RelyingParty) -> bool:
    result = browser.go(portal.authorize_url(prompt="none"))
    return isinstance(result, str) and "code=" in result


def test_a_change_ends_the_other_sessions_and_keeps_this_one(provider, receivers):
    health, _ = receivers
    with provider(workers=1) as site:
        portal = SidPortal(RelyingParty(site.url, "health-portal"), health)
        laptop, phone = Browser(site.url), Browser(site.url)
        laptop_sid = portal.signed_in(sign_in_tokens(laptop, portal.rp), site)
        phone_sid = portal.signed_in(sign_in_tokens(phone, portal.rp), site)

        form = open_page(phone, f"{site.url}/account/password")
        assert 'name="sign_out_others"' in form.text and " checked" in form.text  # on by default
        done = change_password(site, phone, DEMO_PASSWORD)
        assert done.status_code == 200
        assert "Vos autres appareils et applications ont été déconnectés." in done.text

        assert portal.receive_logouts(site, 1) == {laptop_sid}
        assert not signed_in(laptop, portal.rp) and not portal.refresh_works(laptop_sid)
        assert signed_in(phone, portal.rp) and portal.refresh_works(phone_sid)
        with site.app.app_context():
            [event] = db.session.scalars(select(AuditEvent).filter_by(event="logout")).all()
        assert event.detail["reason"] == "password_changed" and event.detail["sessions"] == 1


def test_unticking_the_box_keeps_the_other_sessions(provider, receivers):
    health, _ = receivers
    with provider(workers=1) as site:
        portal = SidPortal(RelyingParty(site.url, "health-portal"), health)
        laptop, phone = Browser(site.url), Browser(site.url)
        laptop_sid = portal.signed_in(sign_in_tokens(laptop, portal.rp), site)
        sign_in_tokens(phone, portal.rp)

        done = change_password(site, phone, DEMO_PASSWORD, sign_out_others="")
        assert done.status_code == 200 and "ont été déconnectés" not in done.text
        assert signed_in(laptop, portal.rp) and portal.refresh_works(laptop_sid)
        assert health.received == []


def test_the_current_password_is_a_secret_under_the_lockout(provider, receivers):
    """Guessing the current password from a signed-in session: counted in this browser's
    budget, warned before the last try, then locked — and exactly five guesses are checked
    however many arrive at once."""
    health, _ = receivers
    with provider(workers=1) as site:
        portal = SidPortal(RelyingParty(site.url, "health-portal"), health)
        thief = Browser(site.url)
        portal.signed_in(sign_in_tokens(thief, portal.rp), site)
        other = Browser(site.url)
        other_sid = portal.signed_in(sign_in_tokens(other, portal.rp), site)

        answers = [change_password(site, thief, "wrong-guess").text for _ in range(4)]
        assert all("actuel est incorrect" in a for a in answers)
        assert ["encore un échec" in a for a in answers] == [False, False, False, True]
        assert "bloqué pendant 24 heures." in answers[3] and FORGOT in current_error(answers[3])
        assert FORGOT not in current_error(answers[2])
        # The last try, fired eight times at once: one is checked and locks, the others are
        # refused unchecked (locked, or "an attempt is in progress").
        form = open_page(thief, f"{site.url}/account/password")
        statuses: list[int] = []
        barrier = threading.Barrier(8)

        def guess() -> None:
            barrier.wait()
            fields = {"csrf_token": form.text.split('name="csrf_token" value="')[1].split('"')[0],
                      "current_password": "wrong-guess", "password": NEW_PASSWORD,
                      "password_confirmation": NEW_PASSWORD}  # fmt: skip
            answer = thief.http.post(f"{site.url}/account/password", data=fields, timeout=30)
            statuses.append(answer.status_code)

        threads = [threading.Thread(target=guess) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert 403 in statuses and set(statuses) <= {403, 429}, statuses
        with site.app.app_context():
            counted = db.session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .filter_by(event="login.failure_counted")
            )
        assert counted == 5
        # The lock started from a browser that knows the member: every session ends, and the
        # right password no longer gets in from this browser.
        assert portal.receive_logouts(site, 2)
        assert not signed_in(other, portal.rp) and not portal.refresh_works(other_sid)
        page = thief.go(portal.rp.authorize_url())
        assert isinstance(page, requests.Response)
        refused = thief.submit_password(page, DEMO_NUMBER, DEMO_PASSWORD)
        assert isinstance(refused, requests.Response) and refused.status_code == 403
        for delivery in health.received:
            validate_logout_token(delivery.token, site, "health-portal")


def test_the_last_try_warning_says_the_configured_duration_and_offers_the_reset(
    provider, receivers
):
    with provider(workers=1, lockout=LockoutSettings(max_failures=2, duration=3600)) as site:
        browser = Browser(site.url)
        sign_in_tokens(browser, RelyingParty(site.url, "health-portal"))

        warned = change_password(site, browser, "wrong-guess")

        assert warned.status_code == 400
        warning = html.unescape(current_error(warned.text))
        assert warning.startswith(
            "Le mot de passe actuel est incorrect. Attention : encore un échec et votre "
            "compte sera bloqué pendant 1 heure."
        )
        assert FORGOT in warning
        locked = change_password(site, browser, "wrong-guess")
        assert locked.status_code == 403
        assert "nous bloquons l'accès pendant 1 heure." in html.unescape(locked.text)


def _refresh(rp: RelyingParty, refresh_token: str) -> requests.Response:
    return rp.token_request(grant_type="refresh_token", refresh_token=refresh_token)


def test_a_change_ends_the_mobile_apps_offline_access_too(provider, receivers):
    """A web sign-out spares ``offline_access`` (docs/sessions.md); a password change with
    the box ticked, as it is by default, does not: a stolen app token dies with the old
    password. Unticked, the app stays signed in."""
    for box, app_survives in ((None, False), ("", True)):
        with provider(workers=1) as site:
            app = RelyingParty(site.url, "mobile-app", scope="openid profile offline_access")
            phone, laptop = Browser(site.url), Browser(site.url)
            tokens = sign_in_tokens(phone, app)
            assert "refresh_token" in tokens
            sign_in_tokens(laptop, RelyingParty(site.url, "health-portal"))
            extra = {} if box is None else {"sign_out_others": box}  # None: as the form is
            done = change_password(site, laptop, DEMO_PASSWORD, **extra)
            assert done.status_code == 200, done.text
            answer = _refresh(app, tokens["refresh_token"])
            if app_survives:
                assert answer.status_code == 200, answer.text
            else:
                assert answer.status_code == 400, answer.text
                assert answer.json()["error"] == "invalid_grant"
