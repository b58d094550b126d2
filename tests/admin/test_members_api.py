"""Member support through the admin API as an advisers' service lives it (issue 7 §5): real
tokens from the token endpoint, real sign-ins through the pages, the e-mails the member gets."""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from datetime import date

import pytest
import requests
from sqlalchemy import select

from idp.db import db, utcnow
from idp.models import AccountLink, Member, PasskeyCredential
from idp.runtime import runtime
from tests.actors import DEMO_NUMBER, DEMO_PASSWORD, Browser, RelyingParty, sign_in_tokens
from tests.admin.service_caller import (
    ADMIN_SERVICE,
    REPORTING_SERVICE,
    SUPPORT_ACTOR,
    AdminApi,
    database,
    events_named,
    outbox,
    provider,
)
from tests.conftest import LiveServer

DEMO_EMAIL = "camille.martin@example.org"


@pytest.fixture
def site(database_url: str) -> Iterator[LiveServer]:
    with provider(database_url) as served:
        yield served


@pytest.fixture
def api(site: LiveServer) -> AdminApi:
    return AdminApi.as_service(site)


@pytest.fixture
def portal(site: LiveServer) -> RelyingParty:
    return RelyingParty(site.url, "health-portal")


def add_person(site: LiveServer, number: str, last: str, first: str, *, email: str | None,
               phone: str | None = None, active: bool = False) -> None:  # fmt: skip
    with database(site.app):
        db.session.add(
            Member(
                member_number=number, last_name=last, first_name=first,
                birth_date=date(1975, 9, 30), email=email, phone=phone, contracts="health",
                password_hash=runtime(site.app).passwords.hash(DEMO_PASSWORD) if active else None,
                activated_at=utcnow() if active else None,
            )
        )  # fmt: skip
        db.session.commit()


def demo(site: LiveServer) -> Member:
    with database(site.app):
        member = db.session.scalars(select(Member).filter_by(member_number=DEMO_NUMBER)).one()
        db.session.expunge(member)
    return member


def add_device(site: LiveServer, number: str, name: str) -> int:
    with database(site.app):
        member = db.session.scalars(select(Member).filter_by(member_number=number)).one()
        credential = PasskeyCredential(
            member_id=member.id, credential_id=name.encode(), public_key=b"cose", name=name
        )
        db.session.add(credential)
        db.session.commit()
        return credential.id


def wrong_password(site: LiveServer, portal: RelyingParty) -> requests.Response | str:
    browser = Browser(site.url)
    page = browser.go(portal.authorize_url())
    assert isinstance(page, requests.Response)
    return browser.post_password(page, DEMO_NUMBER, "not-the-password")


def code_step_page(site: LiveServer, portal: RelyingParty) -> str:
    """What the member reads at the one-time-code step after the password."""
    browser = Browser(site.url)
    page = browser.go(portal.authorize_url())
    assert isinstance(page, requests.Response)
    answer = browser.post_password(page, DEMO_NUMBER, DEMO_PASSWORD)
    assert isinstance(answer, requests.Response) and answer.status_code == 200, answer
    return html.unescape(answer.text)


def acted(site: LiveServer, event: str) -> dict:
    """The single audit event of an admin action, which names the calling service."""
    [found] = events_named(site.app, event)
    assert found.actor == SUPPORT_ACTOR
    assert found.member_id is not None
    return found.detail


# --- who may call ---------------------------------------------------------------------------


def test_support_and_admin_tokens_are_let_in_others_are_not(site, portal):
    path = f"/members/{DEMO_NUMBER}"
    assert AdminApi.as_service(site).get(path).status_code == 200
    assert AdminApi.as_service(site, ADMIN_SERVICE).get(path).status_code == 200

    anonymous = AdminApi(f"{site.url}/admin/api", None).get(path)
    assert anonymous.status_code == 401 and anonymous.json()["error"] == "invalid_token"
    assert "Bearer" in anonymous.headers["WWW-Authenticate"]

    reporting = AdminApi.as_service(site, REPORTING_SERVICE).get(path)
    assert reporting.status_code == 403 and reporting.json()["error"] == "insufficient_scope"

    member_token = sign_in_tokens(Browser(site.url), portal)["access_token"]
    as_member = AdminApi(f"{site.url}/admin/api", member_token).post(f"{path}/unlock")
    assert as_member.status_code == 403 and as_member.json()["error"] == "forbidden"
    assert events_named(site.app, "account.unlocked") == []


def test_every_operation_is_in_the_openapi_document(site):
    paths = requests.get(f"{site.url}/admin/api/openapi.json", timeout=10).json()["paths"]
    member = "/members/{member_number}"
    assert set(paths["/members"]) == {"get"}
    assert set(paths[member]) == {"get"}
    for action in ("unlock", "resend-activation", "end-sessions"):
        assert set(paths[f"{member}/{action}"]) == {"post"}
    assert set(paths[f"{member}/contact"]) == {"patch"}
    assert set(paths[f"{member}/devices/{{device_id}}"]) == {"delete"}
    assert paths[member]["get"]["security"] == [{"oauth2": ["idp:support"]}]
    assert set(paths["/audit"]) == set(paths["/audit/export"]) == {"get"}


# --- finding and looking --------------------------------------------------------------------


def test_find_by_number_email_and_name_accents_and_case_ignored(site, api):
    add_person(site, "200000001", "D'Arc", "Élodie-Anne", email="elodie.darc@example.org")
    add_person(site, "200000002", "Darcy", "Éric", email="eric.darcy@example.org")
    add_person(site, "200000003", "Lefèvre", "Œdipe", email="elodie.darc@example.org")

    def numbers(q: str, **extra) -> list[str]:
        answer = api.get("/members", q=q, **extra)
        assert answer.status_code == 200, answer.text
        return [m["member_number"] for m in answer.json()["members"]]

    assert numbers("200000001") == ["200000001"]
    assert numbers("20000000") == []  # a number is exact
    assert numbers("Elodie.DARC@Example.org") == ["200000001", "200000003"]  # shared address
    assert numbers("darc") == ["200000001", "200000002"]  # D'Arc, Darcy
    assert numbers("D'ARC") == ["200000001", "200000002"]
    assert numbers("elodie") == ["200000001"]
    assert numbers("élodie anne") == ["200000001"]
    assert numbers("darc elo") == ["200000001"]
    assert numbers("Élo D'A") == ["200000001"]
    assert numbers("lefevre oedipe") == []  # Œ is a letter of its own, as for activation
    assert numbers("lefevre œdipe") == ["200000003"]
    assert numbers("LEFÈVRE") == ["200000003"]
    assert numbers("dar", limit=1) == ["200000001"]
    assert numbers("martin") == [DEMO_NUMBER]
    assert numbers("zorglub") == []

    [short] = api.get("/members", q="200000002").json()["members"]
    assert short == {
        "member_number": "200000002", "last_name": "Darcy", "first_name": "Éric",
        "birth_date": "1975-09-30", "email": "eric.darcy@example.org",
        "activated": False, "locked": False,
    }  # fmt: skip
    for bad in ({}, {"q": "  "}, {"q": "darc", "limit": "0"}, {"q": "darc", "limit": "x"}):
        answer = api.get("/members", **bad)
        assert answer.status_code == 400 and answer.json()["error"] == "invalid_request"


def test_status_of_a_signed_in_member(site, api, portal):
    browser = Browser(site.url)
    browser.http.headers["User-Agent"] = "Mozilla/5.0 (iPhone) Safari/604.1"
    sign_in_tokens(browser, portal)
    device = add_device(site, DEMO_NUMBER, "iPhone de Camille")

    answer = api.get(f"/members/{DEMO_NUMBER}")
    assert answer.status_code == 200, answer.text
    status = answer.json()
    assert status["member_number"] == DEMO_NUMBER
    assert (status["last_name"], status["first_name"]) == ("Martin", "Camille")
    assert status["birth_date"] == "1980-04-12"
    assert status["contracts"] == ["health", "provident"]
    assert status["activated"] is True and status["activated_at"].endswith("Z")
    assert status["locked_until"] is None
    assert status["second_factor"] == [
        {"channel": "sms", "destination": "06 •• •• •• 78"},
        {"channel": "email", "destination": "c•••••@example.org"},
    ]
    [listed] = status["devices"]
    assert listed["id"] == device and listed["name"] == "iPhone de Camille"
    assert listed["added"].endswith("Z") and listed["last_used"] is None
    assert status["sessions"]["count"] == 1
    [session] = status["sessions"]["list"]
    assert session["user_agent"] == "Mozilla/5.0 (iPhone) Safari/604.1"
    assert session["clients"] == ["health-portal"] and session["started"].endswith("Z")
    events = [(e["event"], e["client_id"]) for e in status["recent_sign_ins"]]
    assert ("authorization.granted", "health-portal") in events
    assert ("login.password_verified", "health-portal") in events
    assert all(e["ip"] == "127.0.0.1" for e in status["recent_sign_ins"])
    acted(site, "account.viewed")

    unknown = api.get("/members/999999999")
    assert unknown.status_code == 404 and unknown.json()["error"] == "not_found"


# --- unlock ---------------------------------------------------------------------------------


def test_locked_after_five_failures_then_unlocked_and_the_member_signs_in(site, api, portal):
    for _ in range(5):
        wrong_password(site, portal)
    status = api.get(f"/members/{DEMO_NUMBER}").json()
    assert status["locked"] is True and status["locked_until"].endswith("Z")
    failures = [e for e in status["recent_sign_ins"] if e["event"] == "login.password_failed"]
    assert len(failures) == 5 and failures[0]["client_id"] == "health-portal"
    assert "lock.started" in [e["event"] for e in status["recent_sign_ins"]]

    answer = api.post(f"/members/{DEMO_NUMBER}/unlock")
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"member_number": DEMO_NUMBER, "was_locked": True}
    assert api.get(f"/members/{DEMO_NUMBER}").json()["locked_until"] is None
    assert acted(site, "account.unlocked")["was_locked"] is True

    callback = Browser(site.url).sign_in(portal.authorize_url())
    assert "code=" in callback
    # Counting starts again from zero: one more failure does not lock.
    again = wrong_password(site, portal)
    assert isinstance(again, requests.Response) and again.status_code == 401


def test_unlocking_an_unlocked_member_says_so(site, api):
    answer = api.post(f"/members/{DEMO_NUMBER}/unlock")
    assert answer.json()["was_locked"] is False
    assert acted(site, "account.unlocked")["was_locked"] is False
    assert api.post("/members/999999999/unlock").status_code == 404


# --- contact details ------------------------------------------------------------------------


def test_new_email_notifies_old_and_new_address_and_the_code_step_offers_it(site, api, portal):
    answer = api.patch(f"/members/{DEMO_NUMBER}/contact", {"email": "Camille.Neuve@Example.net"})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "member_number": DEMO_NUMBER, "changed": ["email"],
        "notified": ["c•••••@example.org", "c•••••@example.net"],
    }  # fmt: skip
    assert demo(site).email == "camille.neuve@example.net"

    old, new = outbox(site.app, "contact_changed")
    assert (old.recipient, new.recipient) == (DEMO_EMAIL, "camille.neuve@example.net")
    for notice in (old, new):
        assert notice.subject == "Vos coordonnées ont été modifiées"
        assert "c•••••@example.org → c•••••@example.net" in notice.text
        assert "appelez nos conseillers au 04 72 27 72 72" in notice.text
        assert "camille.neuve@" not in notice.text and "camille.martin@" not in notice.text
    assert "vous n'y recevrez plus nos messages" in old.text
    assert "vous n'y recevrez plus" not in new.text

    detail = acted(site, "account.contact_changed")
    assert detail["fields"] == ["email"]
    assert detail["email_before"] == "c•••••@example.org"
    assert detail["email_after"] == "c•••••@example.net"
    assert "camille" not in json.dumps(detail, ensure_ascii=False)  # masked values only

    page = code_step_page(site, portal)
    assert "c•••••@example.net" in page and "c•••••@example.org" not in page


def test_new_mobile_number_notifies_the_address_on_file(site, api, portal):
    answer = api.patch(f"/members/{DEMO_NUMBER}/contact?lang=en", {"phone": "07 11 22 33 44"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["notified"] == ["c•••••@example.org"]
    assert demo(site).phone == "+33711223344"  # stored as the import stores it
    [notice] = outbox(site.app, "contact_changed")
    assert notice.recipient == DEMO_EMAIL
    assert notice.subject == "Your contact details have been changed"
    assert "Mobile number: 06 •• •• •• 78 → 07 •• •• •• 44" in notice.text
    assert "call our advisers on 04 72 27 72 72" in notice.text
    detail = acted(site, "account.contact_changed")
    assert (detail["phone_before"], detail["phone_after"]) == ("06 •• •• •• 78", "07 •• •• •• 44")
    assert "07 •• •• •• 44" in code_step_page(site, portal)


def test_removing_the_mobile_number(site, api, portal):
    answer = api.patch(f"/members/{DEMO_NUMBER}/contact", {"phone": None})
    assert answer.status_code == 200 and answer.json()["changed"] == ["phone"]
    assert demo(site).phone is None
    assert "06 •• •• •• 78 → (supprimé)" in outbox(site.app, "contact_changed")[0].text
    assert "06 •• •• •• 78" not in code_step_page(site, portal)


def test_a_new_address_ends_links_sent_to_the_old_one(site, api):
    add_person(site, "200000004", "Petit", "Léa", email="lea.petit@example.org")
    assert api.post("/members/200000004/resend-activation").status_code == 200
    api.patch("/members/200000004/contact", {"email": "lea.p@example.net"})
    with database(site.app):
        [link] = db.session.scalars(select(AccountLink)).all()
        assert link.revoked_at is not None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-address", "phone": "+33799999999"}, "email"),
        ({"email": "two@@example.org"}, "email"),
        ({"email": ""}, "email"),
        ({"email": None}, "email"),
        ({"email": "ok@example.net", "phone": "12345"}, "phone"),
        ({"phone": "06 12 34 56"}, "phone"),
        ({"phone": 612345678}, "phone"),
        ({}, "email"),
        ({"mobile": "0612345678"}, "mobile"),
    ],
)
def test_bad_contact_details_change_nothing(site, api, body, field):
    before = demo(site)
    answer = api.patch(f"/members/{DEMO_NUMBER}/contact", body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"] == "invalid_request"
    assert answer.json()["message"].startswith(field)
    after = demo(site)
    assert (after.email, after.phone) == (before.email, before.phone)
    assert outbox(site.app, "contact_changed") == []
    assert events_named(site.app, "account.contact_changed") == []


def test_contact_change_needs_a_json_object_and_a_known_member(site, api):
    not_json = api.call("PATCH", f"/members/{DEMO_NUMBER}/contact", data="email=x")
    assert not_json.status_code == 400
    unknown = api.patch("/members/999999999/contact", {"phone": "0611111111"})
    assert unknown.status_code == 404


# --- activation -----------------------------------------------------------------------------


def test_resend_activation_to_a_member_not_yet_activated(site, api):
    add_person(site, "200000005", "Moreau", "Inès", email="ines.moreau@example.org")
    answer = api.post("/members/200000005/resend-activation")
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"member_number": "200000005", "sent_to": "i•••••@example.org"}
    [mail] = outbox(site.app, "activation")
    assert mail.recipient == "ines.moreau@example.org"
    link = next(w for w in mail.text.split() if "/activation/confirm?token=" in w)
    page = requests.get(link, timeout=10)
    assert page.status_code == 200 and 'autocomplete="new-password"' in page.text
    assert acted(site, "account.activation_resent")["to"] == "i•••••@example.org"


def test_resend_activation_is_refused_when_it_cannot_apply(site, api):
    active = api.post(f"/members/{DEMO_NUMBER}/resend-activation")
    assert active.status_code == 409 and active.json()["error"] == "refused"
    assert "already activated" in active.json()["message"]
    add_person(site, "200000006", "Roux", "Jules", email=None)
    no_email = api.post("/members/200000006/resend-activation")
    assert no_email.status_code == 409 and "no e-mail address" in no_email.json()["message"]
    assert outbox(site.app, "activation") == []
    assert events_named(site.app, "account.activation_resent") == []


# --- sessions and devices -------------------------------------------------------------------


def test_end_sessions_signs_the_member_out_everywhere(site, api, portal):
    browser = Browser(site.url)
    tokens = sign_in_tokens(browser, portal)

    answer = api.post(f"/members/{DEMO_NUMBER}/end-sessions")
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "member_number": DEMO_NUMBER, "sessions": 1, "token_families": 1,
        "notified_clients": ["health-portal"],
    }  # fmt: skip
    page = browser.go(portal.authorize_url())  # the browser must sign in again
    assert isinstance(page, requests.Response)
    assert 'autocomplete="current-password"' in page.text
    refused = portal.token_request(
        grant_type="refresh_token", refresh_token=tokens["refresh_token"]
    )
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    assert acted(site, "account.sessions_ended")["sessions"] == 1
    assert api.get(f"/members/{DEMO_NUMBER}").json()["sessions"] == {"count": 0, "list": []}


def test_remove_a_device(site, api):
    kept = add_device(site, DEMO_NUMBER, "iPad")
    removed = add_device(site, DEMO_NUMBER, "iPhone de Camille")
    add_person(site, "200000007", "Blanc", "Noé", email="noe@example.org", active=True)
    foreign = add_device(site, "200000007", "Pixel de Noé")

    answer = api.delete(f"/members/{DEMO_NUMBER}/devices/{removed}")
    assert answer.status_code == 200, answer.text
    assert answer.json()["removed"] == {"id": removed, "name": "iPhone de Camille"}
    devices = api.get(f"/members/{DEMO_NUMBER}").json()["devices"]
    assert [d["id"] for d in devices] == [kept]
    [notice] = outbox(site.app, "passkey_removed")
    assert notice.recipient == DEMO_EMAIL and "iPhone de Camille" in notice.text
    assert acted(site, "account.device_removed")["device"] == removed

    for gone in (removed, foreign, 999999):
        answer = api.delete(f"/members/{DEMO_NUMBER}/devices/{gone}")
        assert answer.status_code == 404 and answer.json()["error"] == "not_found"
    assert api.delete(f"/members/999999999/devices/{kept}").status_code == 404
    assert len(api.get("/members/200000007").json()["devices"]) == 1


def test_notices_follow_the_language_of_the_members_last_sign_in(site, api, portal):
    # No language named by the caller: French until the member signs in in English.
    assert api.patch(f"/members/{DEMO_NUMBER}/contact", {"phone": "07 11 22 33 44"}).ok
    [first] = outbox(site.app, "contact_changed")
    assert first.subject == "Vos coordonnées ont été modifiées"
    browser = Browser(site.url)
    sign_in_tokens(browser, portal, ui_locales="en")
    assert demo(site).lang == "en"
    assert api.patch(f"/members/{DEMO_NUMBER}/contact", {"phone": "07 55 66 77 88"}).ok
    latest = outbox(site.app, "contact_changed")[-1]
    assert latest.subject == "Your contact details have been changed"
