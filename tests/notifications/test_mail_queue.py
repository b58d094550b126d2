"""The durable outbox: mails queued in the caller's transaction, sent by the workers with
retries and backoff, given up after the configured attempts, retried by the operator."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from sqlalchemy import select, text

from idp.clock import ShiftedClock
from idp.db import db
from idp.models import AuditEvent, OutboxMessage, QueuedMail
from idp.notifications import current_notifier, mail_queue
from idp.runtime import runtime
from tests.notifications.conftest import production, start_smtp, with_mail

LINK = "http://127.0.0.1:8000/password/reset?token=tok-secret-123"
CONTEXT = {"first_name": "Éloïse", "link": LINK, "valid_hours": 24}
TO = "eloise@example.org"


def queue(to: str = TO, member_id: int | None = 7) -> None:
    current_notifier().queue_email(to, "password_reset", "fr", member_id=member_id, **CONTEXT)


def delivery() -> mail_queue.MailQueue:
    """The mail queue as a worker builds it for a round."""
    return mail_queue.MailQueue.of(runtime(), current_notifier())


def committed_mails() -> list[tuple[str, str]]:
    """What another connection sees: only committed rows."""
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT purpose, status FROM mail_outbox ORDER BY id"))
        return [(r.purpose, r.status) for r in rows]


def mails() -> list[QueuedMail]:
    db.session.expire_all()
    return list(db.session.scalars(select(QueuedMail).order_by(QueuedMail.id)))


def events(name: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).filter_by(event=name)))


def later(app, **delta: float):
    """The clock moved on by ``delta`` (retries become due)."""
    clock = runtime(app).clock
    assert isinstance(clock, ShiftedClock)
    clock.advance(**delta)
    return clock.now()


def shifted(app):
    runtime(app).clock = ShiftedClock()
    return app


def test_queued_mail_joins_the_callers_transaction(make_app):
    make_app()
    queue()
    assert committed_mails() == []  # nothing until the caller commits
    db.session.rollback()
    assert committed_mails() == [] and mails() == []  # a rolled-back request leaves no mail
    queue()
    db.session.commit()
    assert committed_mails() == [("password_reset", "pending")]


def test_worker_sends_through_smtp_audits_and_erases_the_body(make_app, settings, smtp_server):
    make_app(with_mail(settings, smtp_url=smtp_server.url))
    queue()
    db.session.commit()

    assert delivery().deliver_due() == 1

    [received] = smtp_server.received
    assert received.rcpt_tos == [TO]
    assert received.message["Subject"] == "Réinitialisation de votre mot de passe"
    assert LINK in received.message.get_body(("plain",)).get_content()
    assert "Réinitialiser mon mot de passe" in received.message.get_body(("html",)).get_content()
    [mail] = mails()
    assert (mail.status, mail.attempts, mail.text, mail.html) == ("sent", 1, "", "")
    assert mail.sent_at is not None
    [event] = events("email.sent")
    assert event.member_id == 7
    assert event.detail == {"purpose": "password_reset", "transport": "smtp", "lang": "fr"}
    assert delivery().deliver_due() == 0  # sent once


def test_without_smtp_the_worker_delivers_into_the_development_outbox(make_app):
    make_app()
    queue()
    db.session.commit()
    assert db.session.scalars(select(OutboxMessage)).all() == []
    assert delivery().deliver_due() == 1
    [kept] = db.session.scalars(select(OutboxMessage)).all()
    assert kept.recipient == TO and kept.purpose == "password_reset" and LINK in kept.text


def test_smtp_down_waits_with_backoff_then_everything_leaves(
    make_app, settings, closed_port, caplog
):
    app = shifted(make_app(with_mail(settings, smtp_url=f"smtp://127.0.0.1:{closed_port}")))
    for n in range(3):
        queue(f"member{n}@example.org", member_id=n)
    db.session.commit()

    with caplog.at_level(logging.DEBUG, logger="idp.notifications"):
        assert delivery().deliver_due() == 1  # the first failure ends the round
        first = mails()[0]
        assert (first.status, first.attempts) == ("pending", 1)
        assert f"127.0.0.1:{closed_port}" in (first.last_error or "")
        assert first.next_attempt_at - runtime(app).clock.now() > timedelta(seconds=25)
        for minutes in (1, 2, 4, 8):  # later rounds: each mail fails on its own schedule
            delivery().deliver_due(now=later(app, minutes=minutes))
        assert {m.status for m in mails()} == {"pending"}
        assert sum(m.attempts for m in mails()) == 5  # one attempt per round
        assert events("email.failed") == []  # not given up yet

        back = start_smtp(port=closed_port)  # the mail server is back
        try:
            delivery().deliver_due(now=later(app, hours=2))
            assert sorted(r.rcpt_tos[0] for r in back.received) == [
                "member0@example.org", "member1@example.org", "member2@example.org",
            ]  # fmt: skip
        finally:
            back.controller.stop()
    assert {m.status for m in mails()} == {"sent"}
    # One log line when sending starts failing, one when it works again: not one per attempt.
    loud = [
        r for r in caplog.records
        if r.levelno >= logging.WARNING and r.name.startswith("idp.notifications")
    ]  # fmt: skip
    assert [r.getMessage().split(" (")[0].split(":")[0] for r in loud] == [
        "E-mails cannot be sent",
        "E-mails are sent again",
    ]
    assert all(LINK not in r.getMessage() for r in caplog.records)


def test_retry_delays_double_up_to_the_cap(make_app, settings):
    make_app(with_mail(settings, outbox_retry_delay=30, outbox_retry_max_delay=200))
    assert [delivery().retry_delay(n).total_seconds() for n in range(1, 6)] == [
        30, 60, 120, 200, 200,
    ]  # fmt: skip


def test_given_up_after_the_attempts_then_retried_by_the_operator(
    make_app, settings, closed_port, caplog
):
    broken = with_mail(settings, smtp_url=f"smtp://127.0.0.1:{closed_port}", outbox_max_attempts=3)
    app = shifted(make_app(broken))
    queue()
    db.session.commit()
    with caplog.at_level(logging.ERROR, logger="idp.notifications"):
        for _ in range(5):
            delivery().deliver_due(now=later(app, hours=1))
    [mail] = mails()
    assert (mail.status, mail.attempts) == ("failed", 3)
    assert LINK in mail.text  # kept for a retry
    [event] = events("email.failed")
    assert event.member_id == 7 and event.detail["attempts"] == 3
    assert f"127.0.0.1:{closed_port}" in event.detail["reason"]
    assert LINK not in str(event.detail)
    assert sum("given up after 3 attempts" in r.getMessage() for r in caplog.records) == 1

    runner = app.test_cli_runner()
    listed = runner.invoke(args=["outbox", "--failed"])
    assert listed.exit_code == 0, listed.output
    assert f"#{mail.id}  failed  password_reset  to e•••••@example.org  attempts 3" in listed.output
    assert "ConnectionRefusedError" in listed.output and LINK not in listed.output
    assert TO not in listed.output
    assert "0 e-mail(s) waiting to be sent." in runner.invoke(args=["outbox", "--pending"]).output

    assert runner.invoke(args=["outbox", "retry"]).exit_code == 1  # which ones?
    back = start_smtp(port=closed_port)
    try:
        retried = runner.invoke(args=["outbox", "retry", str(mail.id)])
        assert retried.exit_code == 0 and "1 e-mail(s) queued again." in retried.output
        assert delivery().deliver_due() == 1
        [received] = back.received
        assert LINK in received.message.get_body(("plain",)).get_content()
    finally:
        back.controller.stop()
    assert mails()[0].status == "sent"
    [requeued] = events("email.requeued")
    assert requeued.actor.startswith("cli:") and requeued.member_id == 7


def test_too_old_is_given_up_at_its_next_failure(make_app, settings, closed_port):
    app = shifted(make_app(with_mail(settings, smtp_url=f"smtp://127.0.0.1:{closed_port}")))
    queue()
    db.session.commit()
    delivery().deliver_due(now=later(app, hours=25))
    [mail] = mails()
    assert (mail.status, mail.attempts) == ("failed", 1)


def test_pending_listing_for_operators_works_in_production(make_app, settings, closed_port):
    app = make_app(with_mail(settings, smtp_url=f"smtp://127.0.0.1:{closed_port}"))
    queue()
    queue("bob@example.org", member_id=8)
    db.session.commit()
    delivery().deliver_due()
    runtime(app).settings = production(runtime(app).settings)
    listed = app.test_cli_runner().invoke(args=["outbox", "--pending"])
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert lines[0] == "2 e-mail(s) waiting to be sent:"
    assert "password_reset  to e•••••@example.org  attempts 1  next " in lines[1]
    assert "last error: SMTP 127.0.0.1:" in lines[1]
    assert "to b•••••@example.org  attempts 0  next " in lines[2]
    assert LINK not in listed.output
    first = app.test_cli_runner().invoke(args=["outbox", "--pending", "--limit", "1"])
    assert first.output.splitlines()[0] == "2 e-mail(s) waiting to be sent, the first 1:"
    assert len(first.output.splitlines()) == 2


def test_no_address_is_audited_not_queued(make_app):
    make_app()
    queue("  ")
    db.session.commit()
    assert mails() == []
    [event] = events("email.failed")
    assert event.detail["reason"] == "no recipient address on file"


def test_several_workers_send_each_mail_once(make_app, settings, smtp_server):
    app = make_app(with_mail(settings, smtp_url=smtp_server.url))
    for n in range(20):
        queue(f"member{n}@example.org", member_id=n)
    db.session.commit()

    def work() -> None:
        with app.app_context():
            delivery().deliver_due()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    received = sorted(r.rcpt_tos[0] for r in smtp_server.received)
    assert received == sorted(f"member{n}@example.org" for n in range(20))  # each once
    assert {m.status for m in mails()} == {"sent"}
    assert len(events("email.sent")) == 20


def test_a_mail_whose_worker_died_comes_back_after_its_lease(make_app, settings, smtp_server):
    app = shifted(make_app(with_mail(settings, smtp_url=smtp_server.url)))
    queue()
    db.session.commit()
    claimed = delivery().claim_next(runtime(app).clock.now())  # then the worker dies
    assert claimed is not None
    assert delivery().claim_next(runtime(app).clock.now()) is None  # leased: nobody takes it
    assert delivery().deliver_due() == 0
    assert delivery().deliver_due(now=later(app, minutes=5)) == 1
    assert len(smtp_server.received) == 1 and mails()[0].status == "sent"


def test_a_mail_the_transport_refuses_outright_is_given_up_not_stuck(
    make_app, settings, smtp_server
):
    app = shifted(make_app(with_mail(settings, smtp_url=smtp_server.url, outbox_max_attempts=2)))
    queue("eloise@example.org\nBcc: someone@example.net")  # no header may hold a line break
    db.session.commit()
    assert delivery().deliver_due() == 1
    assert delivery().deliver_due(now=later(app, minutes=5)) == 1
    [mail] = mails()
    assert (mail.status, mail.attempts, mail.last_error) == ("failed", 2, "ValueError")
    assert smtp_server.received == []
