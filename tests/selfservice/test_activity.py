"""The account page's recent activity (sign-ins and refused attempts, from the audit log) and
"Ce n'était pas moi" (new password, every other device signed out, notice e-mail)."""

from __future__ import annotations

import html
import importlib.util
import re
from datetime import datetime, timedelta

import pytest
import requests
from sqlalchemy import select

from idp.accounts.activity import MaxMindPlaces, NoPlaces, Place, recent_activity
from idp.config import load_settings
from idp.db import db
from idp.errors import ConfigError
from idp.models import AuditEvent, Member
from idp.runtime import runtime
from idp.selfservice import activity as activity_page_module
from tests.actors import (
    DEMO_NUMBER,
    DEMO_PASSWORD,
    Browser,
    RelyingParty,
    add_member,
    sign_in_tokens,
)
from tests.selfservice.pages import open_page, submit

EMAIL = "camille.martin@example.org"
NEW_PASSWORD = "Tournesol-Bleu-2024"
FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
EDGE_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Mobile Safari/537.36 EdgA/126.0"
)
OTHER_NUMBER, OTHER_PASSWORD = "300000001", "Autre-Tournesol-77"


def browser_as(site, user_agent: str) -> Browser:
    browser = Browser(site.url)
    browser.http.headers["User-Agent"] = user_agent
    return browser


def wrong_password(browser: Browser, rp: RelyingParty, identifier: str = DEMO_NUMBER) -> None:
    page = browser.go(rp.authorize_url())
    assert isinstance(page, requests.Response)
    refused = browser.post_password(page, identifier, "not-the-password")
    assert isinstance(refused, requests.Response) and refused.status_code == 401, refused


def entries(page: requests.Response) -> list[str]:
    """Each listed event as the member reads it (tags dropped), in page order."""
    items = re.findall(r'<li class="activity[^"]*">(.*?)</li>', page.text, re.S)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", i)).split()) for i in items]


def activity_page(browser: Browser, site, lang: str = "") -> requests.Response:
    page = open_page(browser, f"{site.url}/account/activity{lang}")
    assert page.status_code == 200, page.text
    return page


def test_lists_sign_ins_and_refused_attempts_newest_first(site):
    health = RelyingParty(site.url, "health-portal")
    provident = RelyingParty(site.url, "provident-portal")
    firefox, iphone = browser_as(site, FIREFOX_WINDOWS), browser_as(site, SAFARI_IPHONE)
    sign_in_tokens(firefox, health)
    wrong_password(iphone, provident)
    sign_in_tokens(iphone, provident)

    account = open_page(firefox, f"{site.url}/account")
    assert 'href="/account/activity"' in account.text and "Mon activité récente" in account.text
    listed = entries(activity_page(firefox, site))
    assert len(listed) == 3, listed
    newest, refused, oldest = listed
    assert newest.startswith("Connexion à Espace prévoyance")
    assert "Appareil : iPhone — Safari" in newest and "Adresse IP : 127.0.0.1" in newest
    assert refused.startswith("Tentative refusée : mot de passe incorrect")
    assert "iPhone — Safari" in refused and "Service : Espace prévoyance" in refused
    assert "127.0.0.1" not in refused  # a refused password's address is not shown
    assert oldest.startswith("Connexion à Espace santé") and "Windows — Firefox" in oldest
    for entry in listed:
        assert re.search(r"\d\d/\d\d/\d{4} à \d\d:\d\d", entry), entry

    english = entries(activity_page(firefox, site, "?lang=en"))
    assert english[0].startswith("Signed in to Espace prévoyance")
    assert english[1].startswith("Attempt refused: wrong password")
    assert "Device: Windows — Firefox" in english[2]


class Everywhere:
    """A place lookup that puts every address in Lyon."""

    def place(self, ip: str, lang: str) -> Place | None:
        return Place("Lyon", "France")


def test_places_replace_the_ip_address_when_a_geoip_database_is_configured(site, monkeypatch):
    monkeypatch.setattr(activity_page_module, "places_from", lambda path: Everywhere())
    health = RelyingParty(site.url, "health-portal")
    firefox = browser_as(site, FIREFOX_WINDOWS)
    wrong_password(firefox, health)
    sign_in_tokens(firefox, health)
    signed_in, refused = entries(activity_page(firefox, site))
    assert "Lieu approximatif : Lyon, France" in signed_in and "127.0.0.1" not in signed_in
    assert "Lieu approximatif : Lyon, France" in refused and "127.0.0.1" not in refused


def test_another_members_events_never_appear(site):
    add_member(site.app, OTHER_NUMBER, OTHER_PASSWORD, email="alex.durand@example.org")
    health = RelyingParty(site.url, "health-portal")
    demo, other = browser_as(site, FIREFOX_WINDOWS), browser_as(site, EDGE_ANDROID)
    sign_in_tokens(demo, health)
    wrong_password(other, health, OTHER_NUMBER)
    result = other.go(health.authorize_url())
    assert isinstance(result, requests.Response)
    assert isinstance(other.submit_password(result, OTHER_NUMBER, OTHER_PASSWORD), str)

    mine = entries(activity_page(demo, site))
    assert len(mine) == 1 and "Windows — Firefox" in mine[0], mine
    theirs = entries(activity_page(other, site))
    assert len(theirs) == 2 and all("Android — Edge" in e for e in theirs), theirs
    assert not any("Firefox" in e for e in theirs)


def test_signed_out_visitor_gets_the_signed_out_page(site):
    for path in ("/account/activity", "/account/activity/not-me"):
        response = requests.get(f"{site.url}{path}", timeout=10)
        assert response.status_code == 401 and "pas connecté" in html.unescape(response.text)
    posted = Browser(site.url).go(f"{site.url}/account/activity/not-me", "POST", {})
    assert isinstance(posted, requests.Response) and posted.status_code in (400, 401)


def _events(site, name: str) -> list[AuditEvent]:
    with site.app.app_context():
        found = list(db.session.scalars(select(AuditEvent).filter_by(event=name)))
        db.session.remove()
    return found


def test_not_me_changes_the_password_and_signs_out_everywhere_else(site, mailbox):
    health = RelyingParty(site.url, "health-portal")
    mobile = RelyingParty(site.url, "mobile-app", scope="openid profile email offline_access")
    firefox, iphone = browser_as(site, FIREFOX_WINDOWS), browser_as(site, SAFARI_IPHONE)
    here = sign_in_tokens(firefox, health)
    there = sign_in_tokens(iphone, health)
    app = sign_in_tokens(iphone, mobile)

    listed = activity_page(firefox, site)
    assert 'href="/account/activity/not-me"' in listed.text
    explained = open_page(firefox, f"{site.url}/account/activity/not-me")
    text = html.unescape(explained.text)
    assert "déconnecter tous vos autres appareils" in text and "e-mail de confirmation" in text
    assert 'autocomplete="current-password"' in text and 'autocomplete="new-password"' in text

    done = submit(
        firefox, explained, "/account/activity/not-me", current_password=DEMO_PASSWORD,
        password=NEW_PASSWORD, password_confirmation=NEW_PASSWORD,
    )  # fmt: skip
    assert isinstance(done, requests.Response) and done.status_code == 200, done
    assert "Mot de passe modifié" in done.text
    assert "Votre autre appareil a été déconnecté." in html.unescape(done.text)

    # The other devices are signed out and their refresh tokens refused; this one stays.
    assert not isinstance(iphone.go(health.authorize_url()), str)
    assert isinstance(firefox.go(health.authorize_url()), str)
    for rp, tokens in ((health, there), (mobile, app)):
        refused = rp.token_request(
            grant_type="refresh_token", refresh_token=tokens["refresh_token"]
        )
        assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    kept = health.token_request(grant_type="refresh_token", refresh_token=here["refresh_token"])
    assert kept.status_code == 200

    assert "mot de passe" in mailbox.last_to(EMAIL)["Subject"].lower()
    with site.app.app_context():
        member = db.session.scalars(select(Member).filter_by(member_number=DEMO_NUMBER)).one()
        assert runtime().passwords.verify(member.password_hash, NEW_PASSWORD)
        member_id = member.id
        db.session.remove()
    [not_me] = _events(site, "account.not_me")
    assert not_me.member_id == member_id
    [logout] = [e for e in _events(site, "logout") if e.detail.get("reason") == "not_me"]
    assert logout.detail["scope"] == "others"


def test_not_me_with_a_wrong_current_password_changes_nothing(site, mailbox):
    health = RelyingParty(site.url, "health-portal")
    firefox, iphone = browser_as(site, FIREFOX_WINDOWS), browser_as(site, SAFARI_IPHONE)
    sign_in_tokens(firefox, health)
    sign_in_tokens(iphone, health)
    form = open_page(firefox, f"{site.url}/account/activity/not-me")
    refused = submit(
        firefox, form, "/account/activity/not-me", current_password="wrong-password",
        password=NEW_PASSWORD, password_confirmation=NEW_PASSWORD,
    )  # fmt: skip
    assert refused.status_code == 400 and "actuel est incorrect" in refused.text
    no_csrf = firefox.go(
        f"{site.url}/account/activity/not-me", "POST",
        {"current_password": DEMO_PASSWORD, "password": NEW_PASSWORD,
         "password_confirmation": NEW_PASSWORD},
    )  # fmt: skip
    assert isinstance(no_csrf, requests.Response) and no_csrf.status_code == 400
    assert isinstance(iphone.go(health.authorize_url()), str)  # still signed in
    assert _events(site, "account.not_me") == []
    subjects = [str(r.message["Subject"]) for r in mailbox.smtp.received]
    assert not any("modifié" in s for s in subjects), subjects


# --- the domain, without Flask ---------------------------------------------------------------


class FakeReader:
    """maxminddb's reader interface over a dict of records."""

    def __init__(self, records: dict[str, dict]) -> None:
        self.records = records

    def get(self, ip: str) -> dict | None:
        return self.records.get(ip)


LYON = {
    "city": {"names": {"fr": "Lyon", "en": "Lyon"}},
    "country": {"names": {"fr": "France", "en": "France"}},
}
LONDON = {
    "city": {"names": {"en": "London"}},
    "country": {"names": {"fr": "Royaume-Uni", "en": "United Kingdom"}},
}


def test_maxmind_places_in_the_members_language():
    places = MaxMindPlaces(FakeReader({"90.1.2.3": LYON, "81.2.69.160": LONDON}))
    assert places.place("90.1.2.3", "fr") == Place("Lyon", "France")
    assert places.place("81.2.69.160", "fr").label() == "London, Royaume-Uni"  # type: ignore[union-attr]
    assert places.place("81.2.69.160", "en").label() == "London, United Kingdom"  # type: ignore[union-attr]
    assert places.place("8.8.8.8", "fr") is None  # not in the database
    assert places.place("192.168.1.10", "fr") is None  # a private network has no place
    assert places.place("not an address", "fr") is None
    assert NoPlaces().place("90.1.2.3", "fr") is None


def test_recent_activity_keeps_the_retention_the_limit_and_skips_others(app):
    now = datetime(2026, 6, 1, 12, 0)
    places = MaxMindPlaces(FakeReader({"90.1.2.3": LYON}))
    with app.app_context():

        def event(name: str, days_ago: float, **extra) -> None:
            values = {"member_id": 7, "ip": "90.1.2.3", "detail": {}, **extra}
            db.session.add(AuditEvent(event=name, at=now - timedelta(days=days_ago), **values))

        event("authorization.granted", 500)  # older than the retention
        event("authorization.granted", 3, client_id="health-portal",
              detail={"user_agent": FIREFOX_WINDOWS})  # fmt: skip
        event("login.password_failed", 2)
        event("otp.failed", 1.5, detail={"reason": "no_live_code"})  # not a wrong code
        event("otp.failed", 1, detail={"reason": "wrong_code"})
        event("authorization.granted", 0.5, member_id=8)  # another member
        event("account.unlocked", 0.2, actor="staff:a@example.org")  # an adviser's action
        event("login.password_verified", 0.1)  # not a completed sign-in
        db.session.flush()
        found = recent_activity(7, session=db.session(), now=now, retention_days=400,
                                places=places, lang="fr")  # fmt: skip
        two = recent_activity(7, session=db.session(), now=now, retention_days=400,
                              places=NoPlaces(), lang="fr", limit=2)  # fmt: skip
        db.session.rollback()
    assert [(a.refused, a.at) for a in found] == [
        ("code", now - timedelta(days=1)),
        ("password", now - timedelta(days=2)),
        (None, now - timedelta(days=3)),
    ]
    code, password, signed_in = found
    assert code.ip == "90.1.2.3" and code.place == Place("Lyon", "France")
    assert password.ip is None and password.place == Place("Lyon", "France")
    assert signed_in.client_id == "health-portal" and signed_in.user_agent == FIREFOX_WINDOWS
    assert [a.refused for a in two] == ["code", "password"] and two[0].place is None


def test_a_geoip_database_that_cannot_be_read_stops_the_start(tmp_path):
    with pytest.raises(ConfigError, match="IDP_GEOIP_DATABASE"):
        load_settings({"IDP_GEOIP_DATABASE": str(tmp_path / "missing.mmdb")})
    present = tmp_path / "GeoLite2-City.mmdb"
    present.write_bytes(b"")
    if importlib.util.find_spec("maxminddb") is None:  # the optional package is not installed
        with pytest.raises(ConfigError, match="maxminddb"):
            load_settings({"IDP_GEOIP_DATABASE": str(present)})
    else:
        assert load_settings({"IDP_GEOIP_DATABASE": str(present)}).accounts.geoip_database
    assert load_settings({}).accounts.geoip_database == ""  # not configured by default
