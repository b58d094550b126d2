"""The mail server down: activation and forgotten password answer exactly as usual, for
members and strangers alike (no enumeration oracle), and every e-mail asked for waits in the
durable outbox until the server is back, then arrives, and its link works."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator
from dataclasses import replace
from statistics import median

import pytest
import requests
from sqlalchemy import func, select

from idp.accounts.directory import ensure_demo_member, import_members
from idp.db import db
from idp.models import QueuedMail
from idp.notifications import mail_worker
from idp.runtime import runtime
from tests.actors import DEMO_NUMBER, Browser, add_member, wait_for_mail
from tests.conftest import LiveServer, build_app, free_port, make_settings, serve_app
from tests.selfservice.conftest import Mailbox
from tests.selfservice.pages import choose_password, open_page, submit
from tests.smtp import start_smtp

NEW_PASSWORD = "Tournesol-Bleu-2024"
MEMBERS = """member_number,last_name,first_name,birth_date,email,phone,contracts
200000001,D'Arc,Élodie-Anne,1975-09-30,elodie.darc@example.org,+33612000001,health
"""
ACTIVATION = {"last_name": "D'Arc", "first_name": "Élodie-Anne", "birth_date": "1975-09-30"}
CSRF = re.compile(r'name="csrf_token" value="[^"]*"')
ROUNDS = 5
SAME_ENVELOPE = 0.25  # seconds between the medians of a member's and a stranger's answers


def main_text(page: requests.Response) -> str:
    """The page's content, its CSRF token aside (each form has its own)."""
    main = page.text[page.text.index("<main") : page.text.index("</main>")]
    return CSRF.sub('name="csrf_token"', main)


def ask_reset(site, identifier: str) -> requests.Response:
    return ask_reset_timed(site, identifier)[0]


def ask_reset_timed(site, identifier: str) -> tuple[requests.Response, float]:
    """The answer to the form, and how long its POST took."""
    browser = Browser(site.url)
    page = open_page(browser, f"{site.url}/password/forgot")
    start = time.monotonic()
    answer = submit(browser, page, "/password/forgot", identifier=identifier)
    assert isinstance(answer, requests.Response)
    return answer, time.monotonic() - start


def ask_activation_timed(site, **fields: str) -> tuple[requests.Response, float]:
    browser = Browser(site.url)
    page = open_page(browser, f"{site.url}/activation")
    start = time.monotonic()
    answer = submit(browser, page, "/activation", **fields)
    assert isinstance(answer, requests.Response)
    return answer, time.monotonic() - start


def pending_mails(site) -> int:
    with site.app.app_context():
        query = select(func.count()).select_from(QueuedMail).filter_by(status="pending")
        found = int(db.session.scalar(query) or 0)
        db.session.remove()
    return found


def test_answers_are_identical_for_members_and_strangers_while_smtp_is_down(site, smtp):
    with site.app.app_context():
        import_members(io.StringIO(MEMBERS))
    smtp.controller.stop()

    stranger_fields = {**ACTIVATION, "member_number": "200000099"}  # no such member
    member_fields = {**ACTIVATION, "member_number": "200000001"}
    times: dict[str, list[float]] = {}
    answers: dict[str, requests.Response] = {}
    for _ in range(ROUNDS):  # strangers first, then members: no warm-up advantage for either
        for name, ask in (
            ("reset, stranger", lambda: ask_reset_timed(site, "999999999")),
            ("reset, member", lambda: ask_reset_timed(site, DEMO_NUMBER)),
            ("activation, stranger", lambda: ask_activation_timed(site, **stranger_fields)),
            ("activation, member", lambda: ask_activation_timed(site, **member_fields)),
        ):
            answers[name], seconds = ask()
            times.setdefault(name, []).append(seconds)

    assert answers["reset, member"].status_code == answers["reset, stranger"].status_code == 200
    assert main_text(answers["reset, member"]) == main_text(answers["reset, stranger"])
    assert "Consultez votre messagerie" in answers["reset, member"].text
    member_act, stranger_act = answers["activation, member"], answers["activation, stranger"]
    assert member_act.status_code == stranger_act.status_code == 200
    # The page repeats what was typed (to ask again): the typed number aside, the same page.
    assert main_text(member_act).replace("200000001", "N") == main_text(stranger_act).replace(
        "200000099", "N"
    )
    assert "Consultez votre messagerie" in member_act.text
    print("POST answer times with SMTP down (s):",
          {k: [round(v, 3) for v in seconds] for k, seconds in times.items()})  # fmt: skip
    assert all(s >= 0.8 for seconds in times.values() for s in seconds)  # the floor holds
    # The same envelope for a member and a stranger: medians of several tries, so that one
    # request slowed by a busy machine does not decide.
    for form in ("reset", "activation"):
        member, stranger = (median(times[f"{form}, {who}"]) for who in ("member", "stranger"))
        assert abs(member - stranger) < SAME_ENVELOPE, (form, member, stranger)

    wait_for_mail(site.app)  # each was tried once and failed
    # The member's resets and activations (each replacing the previous link), none for strangers.
    assert pending_mails(site) == 2 * ROUNDS


def test_mails_asked_for_while_smtp_is_down_all_arrive_once_it_is_back(site, smtp):
    addresses = [f"member{n}@example.org" for n in range(5)]
    for n, address in enumerate(addresses):
        add_member(site.app, f"30000000{n}", "Ancien-Mot-2023!", email=address)
    smtp.controller.stop()

    for n in range(5):
        answer = ask_reset(site, f"30000000{n}")
        assert answer.status_code == 200 and "Consultez votre messagerie" in answer.text
    wait_for_mail(site.app)
    assert pending_mails(site) == 5

    # The operator sees them: masked recipients, attempts, next attempt, last error.
    with site.app.app_context():
        listed = site.app.test_cli_runner().invoke(args=["outbox", "--pending"])
    assert listed.exit_code == 0, listed.output
    assert listed.output.startswith("5 e-mail(s) waiting to be sent:")
    assert listed.output.count("password_reset  to m•••••@example.org  attempts ") == 5
    assert f"last error: SMTP 127.0.0.1:{smtp.port}" in listed.output
    assert "token=" not in listed.output and "member0@" not in listed.output

    back = start_smtp(port=smtp.port)  # the mail server is back
    try:
        runtime(site.app).clock.advance(minutes=10)  # every retry is due
        mail_worker.nudge(site.app)
        wait_for_mail(site.app)
        received = sorted(r.rcpt_tos[0] for r in back.received)
        print(f"asked for 5 reset e-mails while SMTP was down, received {len(received)}")
        assert received == addresses  # nothing lost, nothing twice
        mailbox = Mailbox(back, site.app)
        link = mailbox.link_in_last("member3@example.org", "/password/reset")
        done = choose_password(Browser(site.url), link, NEW_PASSWORD)
        assert done.status_code == 200 and "Mot de passe modifié" in done.text
        assert "modifié" in mailbox.last_to("member3@example.org")["Subject"]  # the notice
    finally:
        back.controller.stop()
    assert pending_mails(site) == 0


@pytest.fixture
def slow_polling_site(database_url, smtp) -> Iterator[LiveServer]:
    """SMTP up, and workers that would look at the outbox only once a minute by themselves."""
    port = free_port()
    base = make_settings(database_url, issuer=f"http://127.0.0.1:{port}")
    mail = replace(base.mail, smtp_url=smtp.url, outbox_poll_interval=60)
    app = build_app(replace(base, mail=mail))
    with app.app_context():
        ensure_demo_member(passwords=runtime().passwords)
    with serve_app(app, port) as served:
        yield served


def test_the_commit_that_queues_a_mail_wakes_the_workers(slow_polling_site, smtp):
    browser = Browser(slow_polling_site.url)
    page = open_page(browser, f"{slow_polling_site.url}/password/forgot")  # threads start here
    answer = submit(browser, page, "/password/forgot", identifier=DEMO_NUMBER)
    answered = time.monotonic()
    assert answer.status_code == 200
    while not smtp.received and time.monotonic() - answered < 10:
        time.sleep(0.01)
    waited = time.monotonic() - answered
    print(f"reset e-mail in the mailbox {waited:.3f} s after the answer (poll interval 60 s)")
    assert len(smtp.received) == 1 and waited < 10  # not the minute of the poll interval
