"""The one-time code step as members live it (README.md): codes sent through a real SMS
gateway (HTTP) and a real SMTP server, read from what they receive, full sign-ins to relying
parties, and what the browser or the client gets back in every case."""

from __future__ import annotations

import contextlib
import html
import json
import logging
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

import pytest
import redis
import requests
from sqlalchemy import select, update

from idp.accounts.directory import ensure_demo_member
from idp.authenticators import otp
from idp.clock import ShiftedClock
from idp.db import db
from idp.models import AuditEvent, Member
from idp.runtime import runtime
from idp.throttling.lockout import local_time
from tests.actors import (
    CODE_READERS,
    DEMO_NUMBER,
    DEMO_PASSWORD,
    HEALTH_PORTAL_CALLBACK,
    Browser,
    RelyingParty,
    add_member,
    code_form_action,
    form_action,
    form_fields,
    is_code_page,
    jwt_claims,
    query,
)
from tests.conftest import LiveServer, build_app, free_port, make_settings, serve_app
from tests.selfservice.conftest import smtp_code
from tests.sms import SmsGateway, sms_gateway
from tests.smtp import SmtpServer, start_smtp

GATEWAY_TOKEN = "gw-test-token-Hq27vXe9"
PHONE = "+33612345678"
MASKED_PHONE = "06 •• •• •• 78"
EMAIL = "camille.martin@example.org"
MASKED_EMAIL = "c•••••@example.org"
SUPPORT_PHONE = "04\u00a072\u00a027\u00a072\u00a072"  # non-breaking spaces
MOBILE_LOOPBACK = "http://127.0.0.1:5003/oauth2/callback"
ACR_MFA = "urn:idp:acr:mfa"

Page = requests.Response


@dataclass
class Site:
    """The provider over HTTP, its SMS gateway and its SMTP server."""

    served: LiveServer
    sms: SmsGateway
    smtp: SmtpServer

    @property
    def url(self) -> str:
        return self.served.url

    @property
    def app(self):
        return self.served.app

    def email_code(self) -> str:
        return smtp_code(self.smtp)

    def code_by(self, channel: str) -> str:
        return self.sms.code() if channel == "sms" else self.email_code()

    def emails_to(self, address: str) -> list:
        return [r.message for r in self.smtp.received if address in r.rcpt_tos]

    def second_factor(self, **changes: Any) -> None:
        rt = runtime(self.app)
        rt.settings = replace(
            rt.settings, second_factor=replace(rt.settings.second_factor, **changes)
        )

    def events(self, name: str) -> list[dict]:
        with self.app.app_context():
            rows = db.session.scalars(
                select(AuditEvent).filter_by(event=name).order_by(AuditEvent.id)
            )
            found = [dict(e.detail or {}) for e in rows]
            db.session.remove()
        return found

    def all_audit_text(self) -> str:
        with self.app.app_context():
            rows = db.session.scalars(select(AuditEvent))
            text = "\n".join(f"{e.event} {e.detail}" for e in rows)
            db.session.remove()
        return text

    def portal(self) -> RelyingParty:
        return RelyingParty(self.url, "health-portal")

    def mobile(self) -> RelyingParty:
        """The mobile app with a loopback redirect (RFC 8252 §7.3)."""
        rp = RelyingParty(self.url, "mobile-app")
        rp.redirect_uri = MOBILE_LOOPBACK
        rp.session.redirect_uri = MOBILE_LOOPBACK
        return rp


@pytest.fixture
def site(database_url) -> Iterator[Site]:
    with contextlib.ExitStack() as stack:
        smtp = start_smtp()
        stack.callback(smtp.controller.stop)
        gateway = stack.enter_context(sms_gateway())
        port = free_port()
        base = make_settings(database_url, issuer=f"http://127.0.0.1:{port}")
        app = build_app(
            replace(
                base,
                sms=replace(
                    base.sms, webhook_url=gateway.url, webhook_token=GATEWAY_TOKEN, timeout=1
                ),
                mail=replace(base.mail, smtp_url=smtp.url),
            )
        )
        runtime(app).clock = ShiftedClock()
        with app.app_context():
            ensure_demo_member(passwords=runtime().passwords)
        served = stack.enter_context(serve_app(app, port))
        CODE_READERS[served.url] = lambda: smtp_code(smtp)
        yield Site(served, gateway, smtp)


# -- helpers ------------------------------------------------------------------------------


def page_of(result: str | Page) -> Page:
    assert not isinstance(result, str), f"expected a page, was sent to {result}"
    return result


def callback_of(result: str | Page) -> str:
    assert isinstance(result, str), f"expected a redirect to the client, got {result.status_code}"
    return result


def text(page: Page) -> str:
    return html.unescape(page.text)


def alert(page: Page) -> str:
    match = re.search(r'role="alert"[^>]*>(.*?)</(?:div|p)>', page.text, re.S)
    assert match, page.text
    return html.unescape(match.group(1)).strip()


def waiting(page: Page) -> str:
    """The text of the status saying when a new code can be asked for."""
    match = re.search(r'<p class="notice[^"]*" role="status" id="resend-wait">(.*?)</p>',
                      page.text, re.S)  # fmt: skip
    assert match, page.text
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split())


def resend_disabled(page: Page) -> bool:
    match = re.search(r'<button[^>]*id="resend"[^>]*>', page.text)
    assert match, page.text
    return " disabled" in match.group(0)


def interaction_id(page: Page) -> str:
    match = re.search(r"/login/([^/?#]+)", page.url)
    assert match, page.url
    return match.group(1)


def is_choose_page(page: Page) -> bool:
    return 'name="channel" value=' in page.text and 'name="code"' not in page.text


def is_enter_page(page: Page) -> bool:
    return 'autocomplete="one-time-code"' in page.text


def is_password_page(page: Page) -> bool:
    return 'autocomplete="current-password"' in page.text


def to_code_step(browser: Browser, rp: RelyingParty, number: str = DEMO_NUMBER,
                 password: str = DEMO_PASSWORD, **extra: str) -> Page:  # fmt: skip
    """Start a sign-in and pass the password: the code step's first page."""
    page = page_of(browser.go(rp.authorize_url(**extra)))
    assert is_password_page(page), page.text
    result = page_of(browser.post_password(page, number, password))
    assert result.status_code == 200 and is_choose_page(result), result.text
    return result


def send(browser: Browser, page: Page, channel: str) -> Page:
    """Ask for a code by ``channel``: the page to type it."""
    result = page_of(browser.request_code(page, channel))
    assert result.status_code == 200 and is_enter_page(result), result.text
    return result


def post_code(browser: Browser, page: Page, code: str) -> str | Page:
    return browser.enter_code(page, code)


def sign_in(site: Site, browser: Browser, rp: RelyingParty, channel: str = "email",
            password: str = DEMO_PASSWORD, **extra: str) -> tuple[str, bool]:  # fmt: skip
    """A whole sign-in; returns the callback URL and whether the code was asked."""
    result = browser.go(rp.authorize_url(**extra))
    if not isinstance(result, str) and is_password_page(result):
        result = browser.post_password(result, DEMO_NUMBER, password)
    asked = False
    if not isinstance(result, str) and is_code_page(result.text):
        asked = True
        page = send(browser, result, channel) if is_choose_page(result) else result
        result = post_code(browser, page, site.code_by(channel))
    return callback_of(result), asked


def id_token_claims(site: Site, rp: RelyingParty, callback: str) -> dict:
    tokens = rp.fetch_token(callback)
    return jwt_claims(tokens["id_token"], site.url)[1]


def resend(browser: Browser, page: Page, channel: str) -> str | Page:
    """Post the resend form of the page where the code is typed."""
    return browser.request_code(page, channel)


def new_code_after(site: Site, browser: Browser, page: Page, old: str, channel: str = "sms"):
    """Resend until the new code differs from ``old`` (a 1-in-a-million coincidence would
    otherwise make the old code "work"); cooldown must be 0."""
    for _ in range(3):
        page = page_of(resend(browser, page, channel))
        assert is_enter_page(page), page.text
        if site.code_by(channel) != old:
            return page, site.code_by(channel)
    raise AssertionError("the provider keeps sending the same code")


def member_row(site: Site, number: str = DEMO_NUMBER) -> Member:
    with site.app.app_context():
        member = db.session.scalars(select(Member).filter_by(member_number=number)).one()
        db.session.expunge(member)
        db.session.remove()
    return member


def set_member(site: Site, number: str = DEMO_NUMBER, **values: Any) -> None:
    with site.app.app_context():
        db.session.execute(update(Member).where(Member.member_number == number).values(**values))
        db.session.commit()
        db.session.remove()


def otp_keys(site: Site, interaction: str) -> list[str]:
    r = runtime(site.app).redis
    names = [
        f"idp:otp:{interaction}",
        f"idp:otp-meta:{interaction}",
        f"idp:otp-attempts:{interaction}",
    ]
    return [n for n in names if r.exists(n)]


def log_lines(caplog: pytest.LogCaptureFixture, text: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if text in r.getMessage()]


def wait_until_gone(r, name: str) -> None:
    deadline = time.monotonic() + 3
    while r.exists(name) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not r.exists(name)


# -- 1, 2: full sign-ins --------------------------------------------------------------------


def test_sign_in_with_a_code_by_sms(site: Site):
    browser, portal = Browser(site.url), site.portal()
    choose = to_code_step(browser, portal)

    # The member chooses among masked destinations; the full ones never reach the page.
    shown = text(choose)
    assert f"Par SMS au {MASKED_PHONE}" in shown and f"Par e-mail à {MASKED_EMAIL}" in shown
    for secret in (PHONE, "0612345678", "06 12 34 56 78", EMAIL, "camille.martin"):
        assert secret not in shown
    enter = send(browser, choose, "sms")
    assert f"Code envoyé par SMS au {MASKED_PHONE}." in text(enter)
    assert PHONE not in text(enter)

    [sms] = site.sms.messages()
    assert sms.path == "/v1/sms"
    assert sms.authorization == f"Bearer {GATEWAY_TOKEN}"
    assert sms.to == PHONE
    code = site.sms.code()
    lines = sms.message.splitlines()
    assert len(sms.message) <= 160  # one SMS
    assert lines[0].startswith(f"{code} est votre code de sécurité")
    assert "valable 5 min" in lines[0] and "Ne le communiquez à personne" in lines[0]
    assert lines[-1] == f"@127.0.0.1 #{code}"
    assert site.smtp.received == []  # nothing by e-mail

    callback = callback_of(post_code(browser, enter, code))
    assert callback.startswith(HEALTH_PORTAL_CALLBACK)
    assert query(callback)["state"] == portal.state and query(callback)["iss"] == site.url
    claims = id_token_claims(site, portal, callback)
    assert claims["amr"] == ["mfa", "otp", "pwd", "sms"]
    assert claims["acr"] == ACR_MFA
    # The audit log names the channel and the masked number, never the code or the number.
    [sent] = site.events("otp.sent")
    assert sent == {"channel": "sms", "to": MASKED_PHONE}
    audit_text = site.all_audit_text()
    assert code not in audit_text and "612345678" not in audit_text
    assert GATEWAY_TOKEN not in audit_text


def test_sign_in_with_a_code_by_email(site: Site):
    browser, portal = Browser(site.url), site.portal()
    enter = send(browser, to_code_step(browser, portal), "email")
    assert f"Code envoyé par e-mail à {MASKED_EMAIL}." in text(enter)

    [mail] = site.emails_to(EMAIL)
    code = site.email_code()
    assert code in str(mail["Subject"])
    assert site.sms.messages() == []

    callback = callback_of(post_code(browser, enter, code))
    claims = id_token_claims(site, portal, callback)
    assert claims["amr"] == ["email", "mfa", "otp", "pwd"]
    assert claims["acr"] == ACR_MFA
    assert site.events("otp.sent") == [{"channel": "email", "to": MASKED_EMAIL}]


# -- 3: resend --------------------------------------------------------------------------------


def test_resend_during_the_cooldown_waits_and_sends_nothing(site: Site):
    browser = Browser(site.url)
    enter = send(browser, to_code_step(browser, site.portal()), "sms")
    assert "Un nouveau code remplace le précédent, qui ne fonctionnera plus." in text(enter)
    assert re.fullmatch(
        r"Vous pourrez demander un nouveau code dans (29|30) secondes\. Actualiser la page",
        waiting(enter),
    )
    assert resend_disabled(enter)

    too_soon = page_of(resend(browser, enter, "sms"))  # a browser that ignores "disabled"

    # Asked too soon is not a mistake: a status with the seconds left, no error, no field
    # marked wrong, and the code already sent still works.
    assert too_soon.status_code == 429
    assert re.fullmatch(
        r"Le code déjà envoyé reste valable\. Vous pourrez demander un nouveau code dans "
        r"(29|30) secondes\. Actualiser la page",
        waiting(too_soon),
    )
    assert 'role="alert"' not in too_soon.text and "aria-invalid" not in too_soon.text
    assert resend_disabled(too_soon)
    assert len(site.sms.messages()) == 1
    assert is_enter_page(too_soon)
    callback_of(post_code(browser, too_soon, site.sms.code()))


def test_the_resend_form_works_once_the_cooldown_is_over(site: Site):
    """Without a script the page is right when shown: the form it showed during the cooldown
    sends a new code once the seconds have passed, and the page shown again enables it."""
    site.second_factor(resend_cooldown=2)
    browser = Browser(site.url)
    enter = send(browser, to_code_step(browser, site.portal()), "sms")
    first = site.sms.code()
    assert resend_disabled(enter) and re.search(r"dans [12] secondes?\.", waiting(enter))
    time.sleep(2.1)

    again = page_of(browser.go(enter.url))
    assert not resend_disabled(again) and 'id="resend-wait"' not in again.text
    sent = page_of(resend(browser, enter, "sms"))

    assert sent.status_code == 200 and is_enter_page(sent)
    assert len(site.sms.messages()) == 2 and resend_disabled(sent)
    if site.sms.code() != first:  # only the latest code works
        assert page_of(post_code(browser, sent, first)).status_code == 401
    callback_of(post_code(browser, sent, site.sms.code()))


@pytest.mark.parametrize(("first", "then"), [("sms", "email"), ("email", "sms")])
def test_the_other_channel_during_the_cooldown_sends_at_once(site: Site, first: str, then: str):
    browser, portal = Browser(site.url), site.portal()
    enter = send(browser, to_code_step(browser, portal), first)
    old = site.code_by(first)
    assert resend_disabled(enter)

    choose = page_of(browser.go(f"{enter.url}?choose=1"))
    # The channel that can send now is the one offered first.
    assert re.search(rf'value="{then}"\s+checked', choose.text), choose.text
    other = send(browser, choose, then)

    destination = f"par SMS au {MASKED_PHONE}" if then == "sms" else f"par e-mail à {MASKED_EMAIL}"
    assert f"Code envoyé {destination}." in text(other)
    assert len(site.sms.messages()) + len(site.emails_to(EMAIL)) == 2
    new = site.code_by(then)
    # Its own cooldown starts; the first channel's keeps running from its own code.
    assert resend_disabled(other)
    again = page_of(browser.request_code(choose, first))
    assert again.status_code == 429 and is_choose_page(again)
    assert re.fullmatch(r"Vous pourrez demander un nouveau code dans (2\d|30) secondes\.",
                        waiting(again))  # fmt: skip
    assert 'role="alert"' not in again.text
    assert len(site.sms.messages()) + len(site.emails_to(EMAIL)) == 2
    # The code already received can still be typed.
    back = re.search(r'href="([^"]+)" id="back-to-code">Saisir le code déjà reçu<', again.text)
    assert back, again.text
    other = page_of(browser.go(f"{site.url}{html.unescape(back.group(1))}"))
    assert is_enter_page(other) and f"Code envoyé {destination}." in text(other)

    # Only the latest code works.
    if old != new:
        wrong = page_of(post_code(browser, other, old))
        assert wrong.status_code == 401 and "Code incorrect" in alert(wrong)
    callback = callback_of(post_code(browser, other, new))
    assert then in id_token_claims(site, portal, callback)["amr"]


def test_a_resend_invalidates_the_previous_code(site: Site):
    site.second_factor(resend_cooldown=0)
    browser, portal = Browser(site.url), site.portal()
    enter = send(browser, to_code_step(browser, portal), "sms")
    first = site.sms.code()

    enter, second = new_code_after(site, browser, enter, first)
    assert "Un nouveau code remplace le précédent, qui ne fonctionnera plus." in text(enter)
    assert site.sms.last().message.splitlines()[-1] == f"@127.0.0.1 #{second}"

    old = page_of(post_code(browser, enter, first))
    assert old.status_code == 401
    assert alert(old) == "Code incorrect. Il vous reste 2 essais avec ce code."

    callback = callback_of(post_code(browser, old, second))
    assert id_token_claims(site, portal, callback)["amr"] == ["mfa", "otp", "pwd", "sms"]


# -- 4: a code works once, in its own sign-in ---------------------------------------------


def test_a_used_code_is_refused_in_a_new_sign_in(site: Site):
    site.second_factor(resend_cooldown=0)
    browser, portal = Browser(site.url), site.portal()
    enter = send(browser, to_code_step(browser, portal), "sms")
    used = site.sms.code()
    callback_of(post_code(browser, enter, used))

    # A new sign-in in the same browser: the used code is no code at all…
    choose = to_code_step(browser, portal, prompt="login")
    unusable = page_of(browser.go(
        choose.url.split("?")[0] + "/code", "POST",
        {"csrf_token": form_fields(choose.text)["csrf_token"], "code": used},
    ))  # fmt: skip
    assert unusable.status_code == 400
    assert "Ce code n'est plus valable" in alert(unusable) and is_choose_page(unusable)
    # …and once a new code is sent, the old one is a wrong code.
    enter = send(browser, unusable, "sms")
    if site.sms.code() == used:
        enter, _ = new_code_after(site, browser, enter, used)
    wrong = page_of(post_code(browser, enter, used))
    assert wrong.status_code == 401 and "Code incorrect" in alert(wrong)
    callback_of(post_code(browser, wrong, site.sms.code()))


def test_a_code_from_another_sign_in_is_refused(site: Site):
    site.second_factor(resend_cooldown=0)
    portal = site.portal()
    alice, bob = Browser(site.url), Browser(site.url)
    alice_page = send(alice, to_code_step(alice, portal), "sms")
    alice_code = site.sms.code()
    bob_page = send(bob, to_code_step(bob, portal), "sms")
    if site.sms.code() == alice_code:
        bob_page, _ = new_code_after(site, bob, bob_page, alice_code)
    bob_code = site.sms.code()

    # Each sign-in refuses the other's code.
    wrong = page_of(post_code(alice, alice_page, bob_code))
    assert wrong.status_code == 401 and "Code incorrect" in alert(wrong)
    wrong = page_of(post_code(bob, bob_page, alice_code))
    assert wrong.status_code == 401 and "Code incorrect" in alert(wrong)
    # Bob cannot post into Alice's sign-in at all (it is bound to her browser).
    foreign = page_of(bob.go(
        f"{site.url}{code_form_action(alice_page.text)}", "POST",
        {"csrf_token": form_fields(bob_page.text)["csrf_token"], "code": alice_code},
    ))  # fmt: skip
    assert foreign.status_code == 400 and not is_enter_page(foreign)
    # Their own codes still work, once each.
    callback_of(post_code(alice, alice_page, alice_code))
    callback_of(post_code(bob, bob_page, bob_code))


# -- 5: expiry ------------------------------------------------------------------------------


def test_an_expired_code_is_unusable_and_a_new_one_can_be_sent(site: Site):
    browser = Browser(site.url)
    enter = send(browser, to_code_step(browser, site.portal()), "sms")
    code = site.sms.code()
    interaction = interaction_id(enter)
    r = runtime(site.app).redis
    assert 0 < r.ttl(f"idp:otp:{interaction}") <= 300
    # Redis is the clock of the code: its keys expire.
    for name in (f"idp:otp:{interaction}", f"idp:otp-meta:{interaction}"):
        r.pexpire(name, 1)
    wait_until_gone(r, f"idp:otp:{interaction}")

    expired = page_of(post_code(browser, enter, code))

    assert expired.status_code == 400
    assert alert(expired) == (
        "Ce code n'est plus valable (expiré, déjà utilisé ou trop d'essais). "
        "Demandez un nouveau code."
    )
    assert is_choose_page(expired) and not is_enter_page(expired)
    assert site.events("login.failure_counted") == []  # an expired code is not a guess
    enter = send(browser, expired, "sms")  # no cooldown once the code has expired
    assert len(site.sms.messages()) == 2
    callback_of(post_code(browser, enter, site.sms.code()))


# -- 6: the lock counts wrong passwords and wrong codes together ----------------------------


def wrong_password(site: Site) -> Page:
    browser = Browser(site.url)
    page = page_of(browser.go(site.portal().authorize_url()))
    answer = page_of(browser.post_password(page, DEMO_NUMBER, "Not-The-Password-1"))
    assert answer.status_code == 401
    return answer


def assert_locked_page(site: Site, page: Page) -> None:
    assert page.status_code == 403
    until = member_row(site).locked_until
    assert until is not None
    with site.app.app_context():
        local = local_time(until, runtime().settings.brand.timezone)
    expected = f"bloqué jusqu'au {local:%d/%m/%Y} à {local:%H:%M}"
    assert expected in text(page)
    assert "/password/forgot" in page.text and SUPPORT_PHONE in text(page)


def test_wrong_passwords_and_wrong_codes_lock_the_account_together(site: Site):
    site.second_factor(resend_cooldown=0)
    for _ in range(3):
        wrong_password(site)
    browser, portal = Browser(site.url), site.portal()
    enter = send(browser, to_code_step(browser, portal), "sms")
    first = site.sms.code()

    wrong = page_of(post_code(browser, enter, "000000" if first != "000000" else "111111"))
    assert wrong.status_code == 401
    # A resend does not reset the count: the next wrong code is the fifth failure.
    enter, second = new_code_after(site, browser, wrong, first)
    locked = page_of(post_code(browser, enter, first))

    assert_locked_page(site, locked)
    [started] = site.events("lock.started")
    assert started["failures"] == 5
    steps = [e["step"] for e in site.events("login.failure_counted")]
    assert steps == ["password", "password", "password", "otp", "otp"]
    # While locked, neither the right code nor the right password gets in.
    assert_locked_page(site, page_of(post_code(browser, enter, second)))
    again = Browser(site.url)
    page = page_of(again.go(portal.authorize_url()))
    assert_locked_page(site, page_of(again.post_password(page, DEMO_NUMBER, DEMO_PASSWORD)))
    assert len(site.emails_to(EMAIL)) == 1  # the lock notice, by real e-mail
    # 24 hours later the lock lifts by itself; the code step is asked again.
    runtime(site.app).clock.advance(hours=24, seconds=1)
    callback, asked = sign_in(site, Browser(site.url), portal)
    assert asked and "code" in query(callback)


def test_the_last_wrong_try_of_a_code_counts_toward_the_lock(site: Site):
    for _ in range(2):
        wrong_password(site)
    browser = Browser(site.url)
    enter = send(browser, to_code_step(browser, site.portal()), "sms")
    good = site.sms.code()
    guesses = [g for g in ("000000", "111111", "222222", "333333") if g != good][:3]

    answers = [page_of(post_code(browser, enter, g)) for g in guesses]

    assert [a.status_code for a in answers] == [401, 401, 403]
    assert alert(answers[0]) == "Code incorrect. Il vous reste 2 essais avec ce code."
    # The account, not the code, has one try left: the page says what the next one costs.
    assert alert(answers[1]).startswith(
        "Code incorrect. Attention : encore un échec et votre compte sera bloqué pendant 24 heures."
    )
    assert forgot_link_in_alert(answers[1])
    assert not forgot_link_in_alert(answers[0])
    assert_locked_page(site, answers[2])
    assert len(site.events("lock.started")) == 1


def forgot_link_in_alert(page: Page) -> bool:
    """The alert offers "Mot de passe oublié ?", a link to the reset page."""
    match = re.search(r'role="alert"[^>]*>(.*?)</div>', page.text, re.S)
    assert match, page.text
    return '<a href="/password/forgot">Mot de passe oublié ?</a>' in match.group(1)


def test_the_last_try_warning_of_a_code_says_the_configured_lock_duration(site: Site):
    rt = runtime(site.app)
    rt.settings = replace(rt.settings, lockout=replace(rt.settings.lockout, max_failures=2,
                                                        duration=3600))  # fmt: skip
    browser = Browser(site.url)
    enter = send(browser, to_code_step(browser, site.portal()), "sms")
    good = site.sms.code()
    guesses = [g for g in ("000000", "111111", "222222") if g != good][:2]

    warned = page_of(post_code(browser, enter, guesses[0]))

    assert warned.status_code == 401
    assert alert(warned).startswith(
        "Code incorrect. Attention : encore un échec et votre compte sera bloqué pendant 1 heure."
    )
    assert forgot_link_in_alert(warned)
    locked = page_of(post_code(browser, warned, guesses[1]))
    assert_locked_page(site, locked)
    assert "nous bloquons l'accès pendant 1 heure." in text(locked)


def test_one_try_left_with_the_code_is_said_in_the_singular(site: Site):
    browser = Browser(site.url)
    enter = send(browser, to_code_step(browser, site.portal()), "sms")
    good = site.sms.code()
    guesses = [g for g in ("000000", "111111", "222222") if g != good][:2]

    first = page_of(post_code(browser, enter, guesses[0]))
    second = page_of(post_code(browser, first, guesses[1]))

    assert alert(first) == "Code incorrect. Il vous reste 2 essais avec ce code."
    # The account has 3 tries left, the code 1: the page promises the code's one.
    assert alert(second) == "Code incorrect. Il vous reste 1 essai avec ce code."


def test_one_second_and_one_minute_are_said_in_the_singular(site: Site):
    """A cooldown of 1 s: the page typed just after the code was sent says "1 seconde", and
    a resend at once is held back "dans 1 seconde". The seconds are whole seconds of
    the real clock: when one ticks between two requests (the wait is then 0), try again."""
    site.second_factor(resend_cooldown=1, code_ttl=60)
    browser = Browser(site.url)
    enter = send(browser, to_code_step(browser, site.portal()), "sms")
    assert "Il est valable 1 minute." in text(enter)
    for _ in range(4):  # at most 5 codes: the limit per destination
        one_second = "Vous pourrez demander un nouveau code dans 1 seconde." in text(enter)
        answer = page_of(resend(browser, enter, "sms"))
        if one_second and answer.status_code == 429:
            assert "Vous pourrez demander un nouveau code dans 1 seconde." in waiting(answer)
            return
        assert answer.status_code == 200 and is_enter_page(answer)  # the second had ticked
        enter = answer
    raise AssertionError("every resend came a second too late")


def test_a_code_exhausted_by_wrong_tries_must_be_sent_again(site: Site):
    site.second_factor(resend_cooldown=0)
    browser = Browser(site.url)
    enter = send(browser, to_code_step(browser, site.portal()), "sms")
    good = site.sms.code()
    page = enter
    for guess in [g for g in ("000000", "111111", "222222", "333333") if g != good][:3]:
        page = page_of(post_code(browser, page, guess))
    assert page.status_code == 401 and "Demandez un nouveau code" in alert(page)
    assert is_choose_page(page)
    assert len(site.events("login.failure_counted")) == 3
    # The right code, too late.
    gone = page_of(browser.go(
        f"{site.url}{code_form_action(enter.text)}", "POST",
        {"csrf_token": form_fields(page.text)["csrf_token"], "code": good},
    ))  # fmt: skip
    assert gone.status_code == 400 and "plus valable" in alert(gone)
    enter = send(browser, gone, "sms")
    callback_of(post_code(browser, enter, site.sms.code()))


# -- 7: the SMS gateway fails ---------------------------------------------------------------


@pytest.mark.parametrize("failure", ["http_500", "timeout"])
def test_gateway_failure_offers_email_and_consumes_nothing(site: Site, failure: str):
    if failure == "http_500":
        site.sms.status = 500
    else:
        site.sms.hang = 5  # longer than the provider's 1 s timeout
    browser, portal = Browser(site.url), site.portal()
    choose = to_code_step(browser, portal)
    interaction = interaction_id(choose)

    started = time.monotonic()
    failed = page_of(browser.request_code(choose, "sms"))

    assert time.monotonic() - started < 4
    assert failed.status_code == 503
    assert alert(failed) == (
        "Le code n'a pas pu être envoyé par SMS. Réessayez ou choisissez de le recevoir par e-mail."
    )
    assert is_choose_page(failed) and f"Par e-mail à {MASKED_EMAIL}" in text(failed)
    assert len(site.sms.messages()) == 1  # the gateway was asked once
    assert otp_keys(site, interaction) == []  # no code stored
    [event] = site.events("sms.failed")
    assert event["to"] == MASKED_PHONE and event["purpose"] == "otp"
    reason = "HTTP 500" if failure == "http_500" else "timed out"
    assert reason in event["reason"]
    audit_text = site.all_audit_text()
    assert "612345678" not in audit_text and GATEWAY_TOKEN not in audit_text
    assert site.events("otp.sent") == [] and site.events("login.failure_counted") == []

    # The e-mail works at once (no cooldown: nothing was sent) and the sign-in completes.
    enter = send(browser, failed, "email")
    callback = callback_of(post_code(browser, enter, site.email_code()))
    assert id_token_claims(site, portal, callback)["amr"] == ["email", "mfa", "otp", "pwd"]


def test_a_gateway_outage_is_logged_once_however_many_members_ask(site: Site, caplog):
    members = [DEMO_NUMBER]
    for n in range(3):
        add_member(site.app, f"10000005{n}", DEMO_PASSWORD, email=f"m{n}@example.org",
                   phone=f"+3361200005{n}")  # fmt: skip
        members.append(f"10000005{n}")
    portal = site.portal()
    browsers = [Browser(site.url) for _ in members]
    choices = [(b, to_code_step(b, portal, n)) for b, n in zip(browsers, members, strict=True)]
    caplog.set_level(logging.INFO)
    site.sms.status = 500

    for browser, choose in choices:
        failed = page_of(browser.request_code(choose, "sms"))
        assert failed.status_code == 503 and "par e-mail" in alert(failed)

    assert len(site.events("sms.failed")) == len(members)  # each member's try is audited
    assert len(log_lines(caplog, "sms gateway unreachable: ")) == 1
    assert log_lines(caplog, "sms gateway reachable again") == []
    # The gateway answers again: the next codes leave, and the log says so once.
    site.sms.status = 200
    for browser, choose in choices[:2]:
        enter = send(browser, choose, "sms")
        callback_of(post_code(browser, enter, site.sms.code()))
    [back] = log_lines(caplog, "sms gateway reachable again")
    assert back.levelno == logging.WARNING
    assert len(log_lines(caplog, "sms gateway unreachable: ")) == 1
    assert all("+336" not in r.getMessage() for r in caplog.records)  # no number in the log


# -- 8: no contact details --------------------------------------------------------------------


@pytest.mark.parametrize("phone", [None, "+33472000000"], ids=["nothing", "landline-only"])
def test_no_contact_details_gives_the_advisers_and_no_sign_in(site: Site, phone: str | None):
    add_member(site.app, "100000077", "Other-Secret-Pass-9", email=None, phone=phone)
    browser, portal = Browser(site.url), site.portal()
    page = page_of(browser.go(portal.authorize_url()))

    stuck = page_of(browser.post_password(page, "100000077", "Other-Secret-Pass-9"))

    assert stuck.status_code == 200
    assert "Nous ne pouvons pas vous envoyer de code" in text(stuck)
    assert SUPPORT_PHONE in text(stuck)
    assert not is_code_page(stuck.text)
    interaction = interaction_id(stuck)
    csrf = form_fields(stuck.text)["csrf_token"]
    for channel in ("sms", "email"):
        answer = browser.go(
            f"{site.url}/login/{interaction}/code/send", "POST",
            {"csrf_token": csrf, "channel": channel},
        )  # fmt: skip
        assert "Nous ne pouvons pas vous envoyer de code" in text(page_of(answer))
    guessed = browser.go(f"{site.url}/login/{interaction}/code", "POST",
                         {"csrf_token": csrf, "code": "123456"})  # fmt: skip
    assert "Nous ne pouvons pas vous envoyer de code" in text(page_of(guessed))
    resumed = browser.go(f"{site.url}/authorize/resume/{interaction}")
    assert "Nous ne pouvons pas vous envoyer de code" in text(page_of(resumed))
    assert site.sms.messages() == [] and site.smtp.received == []
    assert site.events("authorization.granted") == []
    # "Back to the service" tells the client the member did not sign in.
    back = callback_of(browser.go(f"{site.url}/authorize/cancel/{interaction}", "POST",
                                  {"csrf_token": csrf}))  # fmt: skip
    assert query(back)["error"] == "access_denied" and query(back)["iss"] == site.url
    assert "code" not in query(back)


# -- 9: new_device ----------------------------------------------------------------------------


def test_new_device_asks_the_code_once_per_browser(site: Site):
    mobile = site.mobile()
    browser = Browser(site.url)
    callback, asked = sign_in(site, browser, mobile)
    assert asked and callback.startswith(MOBILE_LOOPBACK)
    assert id_token_claims(site, mobile, callback)["amr"] == ["email", "mfa", "otp", "pwd"]
    sent = len(site.smtp.received)

    # A fresh sign-in in the same browser: the password only.
    callback, asked = sign_in(site, browser, mobile, prompt="login")
    assert not asked
    claims = id_token_claims(site, mobile, callback)
    assert claims["amr"] == ["pwd"] and claims["acr"] == "urn:idp:acr:pwd"
    skipped = [e for e in site.events("login.step_skipped") if e["step"] == "otp"]
    assert skipped[-1] == {"step": "otp", "reason": "remembered_device"}
    granted = site.events("authorization.granted")[-1]
    assert granted["steps"] == {"password": "prompt_login"}
    assert granted["skipped"]["otp"] == "remembered_device"
    assert len(site.smtp.received) == sent
    # Another browser is a new device.
    other = Browser(site.url)
    page = page_of(other.go(mobile.authorize_url()))
    assert is_choose_page(page_of(other.post_password(page, DEMO_NUMBER, DEMO_PASSWORD)))


def test_new_device_forgets_the_browser_after_a_password_change(site: Site):
    mobile = site.mobile()
    browser = Browser(site.url)
    assert sign_in(site, browser, mobile)[1]
    assert not sign_in(site, browser, mobile, prompt="login")[1]

    new_password = "Another-Horse-77"
    with site.app.app_context():
        new_hash = runtime(site.app).passwords.hash(new_password)
    set_member(site, password_hash=new_hash)

    callback, asked = sign_in(site, browser, mobile, password=new_password, prompt="login")
    assert asked
    assert id_token_claims(site, mobile, callback)["amr"] == ["email", "mfa", "otp", "pwd"]
    # Remembered again, with the new password.
    assert not sign_in(site, browser, mobile, password=new_password, prompt="login")[1]


def test_new_device_asks_the_code_when_the_app_demands_mfa(site: Site):
    mobile = site.mobile()
    browser = Browser(site.url)
    assert sign_in(site, browser, mobile)[1]

    # A fresh sign-in demanding the multi-factor level: the code despite the remembered device.
    page = page_of(browser.go(mobile.authorize_url(prompt="login", acr_values=ACR_MFA)))
    code_step = page_of(browser.post_password(page, DEMO_NUMBER, DEMO_PASSWORD))
    assert is_choose_page(code_step)
    enter = send(browser, code_step, "sms")
    callback = callback_of(post_code(browser, enter, site.sms.code()))
    claims = id_token_claims(site, mobile, callback)
    assert claims["amr"] == ["mfa", "otp", "pwd", "sms"] and claims["acr"] == ACR_MFA

    # Signed in again without the code (remembered device), then the app demands the level:
    # the session is stepped up with the code alone.
    assert not sign_in(site, browser, mobile, prompt="login")[1]
    code_step = page_of(browser.go(mobile.authorize_url(acr_values=ACR_MFA)))
    assert is_choose_page(code_step) and not is_password_page(code_step)
    enter = send(browser, code_step, "email")
    callback = callback_of(post_code(browser, enter, site.email_code()))
    claims = id_token_claims(site, mobile, callback)
    assert claims["amr"] == ["email", "mfa", "otp", "pwd"] and claims["acr"] == ACR_MFA


# -- 10: step-up from a session without the code ------------------------------------------


def test_step_up_asks_only_the_code(site: Site):
    mobile, portal = site.mobile(), site.portal()
    browser = Browser(site.url)
    assert sign_in(site, browser, mobile)[1]
    callback, asked = sign_in(site, browser, mobile, prompt="login")
    assert not asked  # the session now holds the password only
    assert id_token_claims(site, mobile, callback)["amr"] == ["pwd"]

    # prompt=none cannot do the code step: interaction_required, with iss and state.
    silent = callback_of(browser.go(portal.authorize_url(prompt="none")))
    params = query(silent)
    assert silent.startswith(HEALTH_PORTAL_CALLBACK)
    assert params["error"] == "interaction_required"
    assert params["iss"] == site.url and params["state"] == portal.state
    assert "code" not in params

    # Interactively: the code step alone, no password.
    code_step = page_of(browser.go(portal.authorize_url()))
    assert is_choose_page(code_step) and not is_password_page(code_step)
    enter = send(browser, code_step, "sms")
    callback = callback_of(post_code(browser, enter, site.sms.code()))
    claims = id_token_claims(site, portal, callback)
    assert claims["amr"] == ["mfa", "otp", "pwd", "sms"] and claims["acr"] == ACR_MFA
    # The session now has the code: prompt=none succeeds.
    assert "code" in query(callback_of(browser.go(portal.authorize_url(prompt="none"))))


def not_me(browser: Browser, page: Page) -> str | Page:
    """Press "Ce n'est pas vous ?" on a page of the code step."""
    form = re.search(r'<form[^>]*action="([^"]+/code/not-me)"[^>]*>(.*?)</form>', page.text, re.S)
    assert form, page.text
    assert "Ce n'est pas vous ? Se connecter avec un autre compte" in html.unescape(form.group(2))
    return browser.go(f"{site_of(page)}{html.unescape(form.group(1))}", "POST",
                      {"csrf_token": form_fields(page.text)["csrf_token"]})  # fmt: skip


def site_of(page: Page) -> str:
    parts = urlsplit(page.url)
    return f"{parts.scheme}://{parts.netloc}"


def interaction_record(site: Site, interaction: str) -> dict:
    raw = runtime(site.app).redis.get(f"idp:interaction:{interaction}")
    assert raw is not None
    return json.loads(raw)


@pytest.mark.parametrize("where", ["choose", "enter"])
def test_not_me_starts_the_sign_in_again_without_the_member(site: Site, where: str):
    other_sub = add_member(site.app, "100000077", DEMO_PASSWORD, email="alex@example.org",
                           phone="+33677665544")  # fmt: skip
    browser, portal = Browser(site.url), site.portal()
    page = to_code_step(browser, portal, login_hint=DEMO_NUMBER)
    if where == "enter":
        page = send(browser, page, "sms")
    abandoned = site.sms.messages()[-1].message if where == "enter" else ""
    interaction = interaction_id(page)

    start = page_of(not_me(browser, page))

    # The first page of the same sign-in, with nothing of the member left: not their number
    # (the request's login_hint), not their code, not what they proved.
    assert start.status_code == 200 and is_password_page(start)
    assert interaction_id(start) == interaction
    assert DEMO_NUMBER not in start.text
    assert otp_keys(site, interaction) == []
    record = interaction_record(site, interaction)
    assert record["member_id"] is None and record["amr"] == [] and record["done"] == []
    assert "login_hint" not in record["params"]
    assert len(site.events("otp.not_me")) == 1

    # Someone else signs in, on their own contact details; the first member's code is void.
    choose = page_of(browser.post_password(start, "100000077", DEMO_PASSWORD))
    assert is_choose_page(choose) and "06 •• •• •• 44" in text(choose)
    assert MASKED_PHONE not in text(choose)
    enter = send(browser, choose, "sms")
    assert site.sms.messages()[-1].to == "+33677665544"
    if abandoned and site.sms.code() not in abandoned:
        old = re.search(r"\d{6}", abandoned)
        assert old
        assert page_of(post_code(browser, enter, old.group(0))).status_code == 401
    callback = callback_of(post_code(browser, enter, site.sms.code()))
    assert id_token_claims(site, portal, callback)["sub"] == other_sub


def test_not_me_on_a_step_up_asks_who_signs_in(site: Site):
    """The code asked on top of a session: "not me" leaves that session's member aside and
    shows the password page; the session is signed out only when someone else signs in."""
    mobile, portal = site.mobile(), site.portal()
    browser = Browser(site.url)
    sign_in(site, browser, mobile)
    sign_in(site, browser, mobile, prompt="login")  # a session with the password only
    code_step = page_of(browser.go(portal.authorize_url()))
    assert is_choose_page(code_step) and not is_password_page(code_step)

    start = page_of(not_me(browser, code_step))

    assert is_password_page(start)
    record = interaction_record(site, interaction_id(start))
    assert record["member_id"] is None and record["session_member_id"] is None


def test_not_me_needs_the_csrf_token(site: Site):
    browser = Browser(site.url)
    choose = to_code_step(browser, site.portal())
    interaction = interaction_id(choose)
    for data in ({}, {"csrf_token": "forged"}):
        refused = page_of(browser.go(f"{site.url}/login/{interaction}/code/not-me", "POST", data))
        assert refused.status_code == 400
    assert interaction_record(site, interaction)["member_id"] is not None
    enter = send(browser, page_of(browser.go(choose.url)), "sms")
    callback_of(post_code(browser, enter, site.sms.code()))


# -- 11: rate limits --------------------------------------------------------------------------


def test_codes_per_destination_are_limited(site: Site):
    site.second_factor(resend_cooldown=0)
    portal = site.portal()
    first, second = Browser(site.url), Browser(site.url)
    page = send(first, to_code_step(first, portal), "sms")
    for _ in range(2):
        page = page_of(resend(first, page, "sms"))
    other = send(second, to_code_step(second, portal), "sms")
    other = page_of(resend(second, other, "sms"))
    assert len(site.sms.messages()) == 5

    limited = page_of(resend(second, other, "sms"))  # the sixth to this number in 15 minutes

    assert limited.status_code == 429
    assert 0 < int(limited.headers["Retry-After"]) <= 900
    assert "Trop de tentatives. Réessayez dans 15 minutes." in text(limited)
    assert len(site.sms.messages()) == 5
    # Another destination is another counter: the e-mail still comes.
    choose = page_of(second.go(f"{site.url}/login/{interaction_id(other)}?choose=1"))
    enter = send(second, choose, "email")
    callback_of(post_code(second, enter, site.email_code()))


def test_codes_per_account_are_limited(site: Site):
    site.second_factor(resend_cooldown=0)
    browser = Browser(site.url)
    page = to_code_step(browser, site.portal())
    for n in range(10):  # ten numbers: no destination reaches its own limit
        set_member(site, phone=f"+336000000{n:02d}")
        page = page_of(browser.request_code(page, "sms"))
        assert is_enter_page(page), page.text
    assert len(site.sms.messages()) == 10

    set_member(site, phone="+33600000099")
    limited = page_of(browser.request_code(page, "sms"))

    assert limited.status_code == 429
    assert 900 < int(limited.headers["Retry-After"]) <= 3600
    assert "Trop de tentatives" in text(limited)
    assert len(site.sms.messages()) == 10


# -- 12: CSRF -----------------------------------------------------------------------------------


def test_code_forms_without_the_csrf_token_are_refused(site: Site):
    browser = Browser(site.url)
    enter = send(browser, to_code_step(browser, site.portal()), "sms")
    code = site.sms.code()
    interaction = interaction_id(enter)

    for data in ({"code": code}, {"code": code, "csrf_token": "forged"}):
        refused = page_of(browser.go(f"{site.url}/login/{interaction}/code", "POST", data))
        assert refused.status_code == 400
        assert "Votre formulaire a expiré" in text(refused)
    resent = page_of(browser.go(f"{site.url}/login/{interaction}/code/send", "POST",
                                {"channel": "sms"}))  # fmt: skip
    assert resent.status_code == 400

    assert len(site.sms.messages()) == 1
    assert "idp:otp-attempts:" + interaction not in otp_keys(site, interaction)
    assert site.events("login.failure_counted") == []
    callback_of(post_code(browser, enter, code))


# -- 13: fail closed ----------------------------------------------------------------------------


class _VerifyFails:
    """The app's Redis client, except that checking a code cannot reach Redis."""

    def __init__(self, real: redis.Redis) -> None:
        self.real = real

    def eval(self, script: str, *args: Any) -> Any:
        if script == otp.VERIFY_SCRIPT:
            raise redis.exceptions.ConnectionError("Redis is unreachable")
        return self.real.eval(script, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


@pytest.mark.parametrize("outage", ["whole", "code_check"])
def test_redis_down_at_the_code_check_fails_closed(site: Site, outage: str):
    browser = Browser(site.url)
    enter = send(browser, to_code_step(browser, site.portal()), "sms")
    code = site.sms.code()
    interaction = interaction_id(enter)
    rt = runtime(site.app)
    real = rt.redis
    broken = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=1, socket_timeout=1)
    rt.redis = broken if outage == "whole" else _VerifyFails(real)  # type: ignore[assignment]
    try:
        answer = browser.enter_code(enter, code)
    finally:
        rt.redis = real
        broken.close()

    failed = page_of(answer)  # a page of the provider, not a redirect to the client
    assert 400 <= failed.status_code < 600
    assert "code=" not in failed.headers.get("Location", "")
    assert site.events("authorization.granted") == []
    # Redis is back: the sign-in is still waiting for its code, not done.
    waiting = page_of(browser.go(f"{site.url}/authorize/resume/{interaction}"))
    assert is_enter_page(waiting)
    assert site.events("authorization.granted") == []
    # Nothing was consumed by the failed check: the code still completes the sign-in.
    callback_of(post_code(browser, waiting, code))


# -- 9: after a reset by e-mail, the mailbox is not the second factor ------------------------


def reset_by_email(site: Site, password: str = "Tournesol-Bleu-2024") -> None:
    from tests.selfservice.conftest import Mailbox
    from tests.selfservice.pages import choose_password, open_page, submit

    browser = Browser(site.url)
    page = open_page(browser, f"{site.url}/password/forgot")
    submit(browser, page, "/password/forgot", identifier=DEMO_NUMBER)
    link = Mailbox(site.smtp, site.app).link_in_last(EMAIL, "/password/reset")
    done = choose_password(browser, link, password)
    assert done.status_code == 200, done.text


def test_after_a_reset_by_email_the_code_goes_by_sms_until_a_strong_sign_in(site: Site):
    """The mailbox takeover: forgotten password by e-mail, then the code by e-mail, would be
    two "factors" from one mailbox. The code step offers SMS only, says why, and the sign-in
    that follows is multi-factor; afterwards e-mail is offered again."""
    reset_by_email(site)
    browser, portal = Browser(site.url), site.portal()
    choose = to_code_step(browser, portal, password="Tournesol-Bleu-2024")
    assert 'value="email"' not in choose.text and 'value="sms"' in choose.text
    assert "le code de sécurité vous est envoyé par SMS" in text(choose)
    assert "Un SMS peut être détourné si votre ligne est piratée" in text(choose)  # ASVS 6.6.1
    forced = page_of(browser.go(
        f"{site.url}{form_action(choose.text, '/code/send')}", "POST",
        {"csrf_token": form_fields(choose.text)["csrf_token"], "channel": "email"},
    ))  # fmt: skip
    assert forced.status_code == 400 and site.events("otp.sent") == []  # no code e-mailed
    enter = send(browser, choose, "sms")
    claims = id_token_claims(site, portal, callback_of(post_code(browser, enter, site.sms.code())))
    assert claims["amr"] == ["mfa", "otp", "pwd", "sms"] and claims["acr"] == ACR_MFA
    # The SMS sign-in proved a factor that is not the mailbox: e-mail is offered again.
    again = to_code_step(Browser(site.url), portal, password="Tournesol-Bleu-2024")
    assert 'value="email"' in again.text and "réinitialisé" not in text(again)


def test_without_a_mobile_number_the_mailbox_sign_in_claims_no_mfa(site: Site):
    with site.app.app_context():
        db.session.execute(update(Member).values(phone=None))
        db.session.commit()
    reset_by_email(site)

    # A portal that demands two factors refuses, and says whom to call.
    browser, portal = Browser(site.url), site.portal()
    choose = to_code_step(browser, portal, password="Tournesol-Bleu-2024")
    assert "certains services exigeront une vérification renforcée" in text(choose)
    assert 'id="sms-risk"' not in choose.text  # no SMS offered, no warning about it
    refused = page_of(post_code(browser, send(browser, choose, "email"), site.email_code()))
    assert refused.status_code == 403
    assert "Une vérification renforcée est nécessaire" in text(refused)
    assert SUPPORT_PHONE in text(refused)
    assert site.events("otp.not_second_factor")[0]["channel"] == "email"

    # The app (second factor for new devices only) accepts it, without claiming MFA.
    mobile = site.mobile()
    app_browser = Browser(site.url)
    choose = to_code_step(app_browser, mobile, password="Tournesol-Bleu-2024")
    callback = callback_of(post_code(app_browser, send(app_browser, choose, "email"),
                                     site.email_code()))  # fmt: skip
    claims = id_token_claims(site, mobile, callback)
    assert claims["amr"] == ["email", "otp", "pwd"]
    assert claims["acr"] != ACR_MFA
