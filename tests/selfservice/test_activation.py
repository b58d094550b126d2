"""Activation as a member lives it: four fields, the e-mail, the link, a password, sign-in."""

from __future__ import annotations

import io
import re

import pytest
import requests
from sqlalchemy import func, select

from idp.accounts.directory import import_members
from idp.db import db
from idp.models import AccountLink, AuditEvent, Member, QueuedMail
from idp.notifications import mail_worker
from idp.runtime import runtime
from tests.actors import Browser, RelyingParty, wait_for_mail
from tests.selfservice.conftest import Mailbox
from tests.selfservice.pages import choose_password, open_page, request_activation, submit
from tests.smtp import start_smtp

MEMBERS = """member_number,last_name,first_name,birth_date,email,phone,contracts
200000001,D'Arc,Élodie-Anne,1975-09-30,elodie.darc@example.org,+33612000001,health
200000002,Sans-Adresse,Paul,1960-02-02,,+33612000002,provident
"""
EMAIL = "elodie.darc@example.org"
NEW_PASSWORD = "Tournesol-Bleu-2024"


@pytest.fixture(autouse=True)
def members(site):
    with site.app.app_context():
        import_members(io.StringIO(MEMBERS))


def count(site, model, **where) -> int:
    with site.app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).filter_by(**where))


def test_member_activates_from_the_email_and_signs_in_to_a_portal(site, mailbox):
    browser = Browser(site.url)
    answer = request_activation(browser, site.url, last_name="darc", first_name="elodie anne")
    assert answer.status_code == 200
    assert "Consultez votre messagerie" in answer.text
    assert "courriers indésirables" in answer.text and "24 heures" in answer.text

    message = mailbox.last_to(EMAIL)
    assert "Activez" in message["Subject"]
    link = mailbox.link_in_last(EMAIL, "/activation/confirm")
    assert link.startswith(site.url)

    # Any browser or device: a fresh one follows the link.
    done = choose_password(Browser(site.url), link, NEW_PASSWORD)
    assert done.status_code == 200 and "Votre espace est activé" in done.text
    assert "activé" in mailbox.last_to(EMAIL)["Subject"]  # the confirmation e-mail

    portal = RelyingParty(site.url, "health-portal")
    callback = Browser(site.url).sign_in(portal.authorize_url(), "200000001", NEW_PASSWORD)
    assert portal.fetch_token(callback)["id_token"]
    with site.app.app_context():
        events = set(db.session.scalars(select(AuditEvent.event)))
    assert {"activation.requested", "activation.completed", "email.sent"} <= events


@pytest.mark.parametrize(
    "overrides",
    [
        {"last_name": "Darcy"},
        {"first_name": "Elodie"},
        {"birth_date": "1975-09-29"},
        {"member_number": "299999999"},
    ],
)
def test_wrong_details_get_the_same_answer_and_no_email(site, mailbox, overrides):
    browser = Browser(site.url)
    good = request_activation(Browser(site.url), site.url)
    wrong = request_activation(browser, site.url, **overrides)
    assert wrong.status_code == good.status_code == 200
    assert _main(wrong.text) == _main(good.text)
    assert len(mailbox.messages_to(EMAIL)) == 1  # only the good request sent one


def _main(page: str) -> str:
    """The page without its per-request CSRF token and echoed values."""
    start, end = page.index("<main"), page.index("</main>")
    main = re.sub(r'<dl class="entered">.*?</dl>', "", page[start:end], flags=re.S)
    return main.split("<form")[0]


def test_already_active_member_is_told_so(site, mailbox):
    answer = request_activation(
        Browser(site.url), site.url, member_number="100000001", last_name="Martin",
        first_name="Camille", birth_date="12/04/1980",
    )  # fmt: skip
    assert "déjà activé" in answer.text and "/password/forgot" in answer.text
    assert mailbox.messages_to("camille.martin@example.org") == []


def test_member_without_email_gets_the_advisers_contact(site, mailbox):
    answer = request_activation(
        Browser(site.url), site.url, member_number="200000002", last_name="sans adresse",
        first_name="PAUL", birth_date="1960-02-02",
    )  # fmt: skip
    assert "Aucune adresse e-mail" in answer.text
    assert "04&nbsp;72&nbsp;27&nbsp;72&nbsp;72" in answer.text


def test_link_expires_after_24_hours(site, mailbox):
    request_activation(Browser(site.url), site.url)
    link = mailbox.link_in_last(EMAIL, "/activation/confirm")
    runtime(site.app).clock.advance(hours=24, seconds=1)
    page = open_page(Browser(site.url), link)
    assert page.status_code == 400 and "a expiré" in page.text
    assert "04&nbsp;72&nbsp;27&nbsp;72&nbsp;72" in page.text


def test_link_works_once(site, mailbox):
    request_activation(Browser(site.url), site.url)
    link = mailbox.link_in_last(EMAIL, "/activation/confirm")
    choose_password(Browser(site.url), link, NEW_PASSWORD)
    again = open_page(Browser(site.url), link)
    assert again.status_code == 400 and "déjà été utilisé" in again.text


def test_newer_link_replaces_the_older(site, mailbox):
    browser = Browser(site.url)
    first = request_activation(browser, site.url)
    old = mailbox.link_in_last(EMAIL, "/activation/confirm")
    resent = submit(browser, first, "/activation")  # the "send again" button
    assert isinstance(resent, requests.Response) and resent.status_code == 200
    new = mailbox.link_in_last(EMAIL, "/activation/confirm")
    assert new != old
    assert open_page(Browser(site.url), old).status_code == 400
    assert choose_password(Browser(site.url), new, NEW_PASSWORD).status_code == 200


def test_password_rules_are_shown_and_enforced(site, mailbox):
    request_activation(Browser(site.url), site.url)
    link = mailbox.link_in_last(EMAIL, "/activation/confirm")
    browser = Browser(site.url)
    form = open_page(browser, link)
    assert "Entre 12 et 30 caractères" in form.text  # rules before typing
    refused = submit(browser, form, "/", password="elodie", password_confirmation="elodie")
    assert refused.status_code == 400
    assert "trop court" in refused.text
    with site.app.app_context():
        member = db.session.scalars(select(Member).filter_by(member_number="200000001")).one()
        assert member.password_hash is None and member.activated_at is None
    # The link still works after a refused password.
    assert choose_password(browser, link, NEW_PASSWORD).status_code == 200


def test_form_without_csrf_token_is_refused_and_sends_nothing(site, mailbox):
    response = requests.post(
        f"{site.url}/activation",
        data={
            "member_number": "200000001",
            "last_name": "D'Arc",
            "first_name": "Élodie-Anne",
            "birth_date": "1975-09-30",
        },
        timeout=10,
    )
    assert response.status_code == 400 and "expiré" in response.text
    assert mailbox.messages_to(EMAIL) == []


def test_smtp_down_answers_as_usual_and_the_link_arrives_once_it_is_back(site, smtp):
    smtp.controller.stop()
    answer = request_activation(Browser(site.url), site.url)
    assert answer.status_code == 200 and "Consultez votre messagerie" in answer.text
    assert count(site, AccountLink) == 1  # stored with its queued e-mail
    wait_for_mail(site.app)  # the first attempt failed: the e-mail waits for its retry
    assert count(site, QueuedMail, status="pending", purpose="activation") == 1
    assert count(site, AuditEvent, event="email.failed") == 0  # not given up
    back = start_smtp(port=smtp.port)  # the mail server is back
    try:
        runtime(site.app).clock.advance(minutes=1)  # the retry is due
        mail_worker.nudge(site.app)
        link = Mailbox(back, site.app).link_in_last(EMAIL, "/activation/confirm")
        assert choose_password(Browser(site.url), link, NEW_PASSWORD).status_code == 200
    finally:
        back.controller.stop()


def test_requests_per_member_number_are_limited(site, mailbox):
    for _ in range(5):
        assert request_activation(Browser(site.url), site.url).status_code == 200
    limited = request_activation(Browser(site.url), site.url)
    assert limited.status_code == 429 and "Trop de tentatives" in limited.text
    assert limited.headers["Retry-After"]
