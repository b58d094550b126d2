"""The Notifier: transport choice, audit of every outcome, nothing half-done on failure."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, text

from idp.db import db
from idp.models import AuditEvent, Member, OutboxMessage
from idp.notifications import (
    DeliveryFailed,
    OutboxTransport,
    SmtpTransport,
    Unconfigured,
    build_notifier,
    current_notifier,
)
from tests.notifications.conftest import SmtpServer, production, start_smtp, with_mail

LINK = "http://127.0.0.1:8000/account/reset/tok-secret-123"
CONTEXT = {"first_name": "Éloïse", "link": LINK, "valid_hours": 24}


MESSAGE_EVENTS = ("email.sent", "email.failed", "sms.sent", "sms.failed")


def audit_rows() -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.event.in_(MESSAGE_EVENTS))
    return list(db.session.scalars(query.order_by(AuditEvent.id)))


def committed_audit_events() -> list[tuple[str, int | None]]:
    """What another connection sees: only committed rows."""
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT event, member_id FROM audit_events ORDER BY id"))
        return [(r.event, r.member_id) for r in rows if r.event in MESSAGE_EVENTS]


def pending_member() -> Member:
    """Work of the caller not yet committed (e.g. a reset link about to be e-mailed)."""
    member = Member(
        member_number="200000001",
        last_name="Martin",
        first_name="Éloïse",
        birth_date=date(1980, 5, 17),
        email="eloise@example.org",
    )
    db.session.add(member)
    db.session.flush()
    return member


def test_build_notifier_picks_transports(settings):
    dev = build_notifier(settings)
    assert isinstance(dev.email, OutboxTransport) and isinstance(dev.sms, OutboxTransport)

    smtp = build_notifier(with_mail(settings, smtp_url="smtp://mail.example?starttls=true"))
    assert isinstance(smtp.email, SmtpTransport)
    assert smtp.email.endpoint.port == 587

    prod = build_notifier(production(settings))
    assert isinstance(prod.email, Unconfigured) and isinstance(prod.sms, Unconfigured)


def test_sends_through_smtp_and_audits(make_app, settings, smtp_server: SmtpServer):
    make_app(with_mail(settings, smtp_url=smtp_server.url))
    member = pending_member()

    current_notifier().send_email(
        "eloise@example.org", "password_reset", lang="fr", member_id=member.id, **CONTEXT
    )

    [received] = smtp_server.received
    assert received.message["Subject"] == "Réinitialisation de votre mot de passe"
    assert received.message["From"] == settings.mail.mail_from
    assert LINK in received.message.get_body(("plain",)).get_content()
    assert "Réinitialiser mon mot de passe" in received.message.get_body(("html",)).get_content()
    # The caller's pending work is committed with the audit event: the send is the commit point.
    assert committed_audit_events() == [("email.sent", member.id)]
    [event] = audit_rows()
    assert event.detail == {
        "purpose": "password_reset",
        "transport": "smtp",
        "lang": "fr",
    }
    db.session.rollback()
    assert db.session.get(Member, member.id) is not None
    assert db.session.scalars(select(OutboxMessage)).all() == []


def test_smtp_down_fails_cleanly_and_audits(make_app, settings, closed_port: int):
    make_app(with_mail(settings, smtp_url=f"smtp://127.0.0.1:{closed_port}", smtp_timeout=2))
    member = pending_member()
    member_id = member.id

    with pytest.raises(DeliveryFailed) as caught:
        current_notifier().send_email(
            "eloise@example.org", "password_reset", member_id=member_id, **CONTEXT
        )

    assert caught.value.message == "error.delivery_failed"
    # The failure is on record for good, even if the caller now rolls back…
    db.session.rollback()
    assert committed_audit_events() == [("email.failed", member_id)]
    [event] = audit_rows()
    assert event.detail["purpose"] == "password_reset"
    assert event.detail["transport"] == "smtp"
    assert f"127.0.0.1:{closed_port}" in event.detail["reason"]
    assert LINK not in str(event.detail) and "tok-secret" not in str(event.detail)
    # … and nothing is half-done: the caller's pending work was rolled back, no outbox copy.
    assert db.session.get(Member, member_id) is None
    assert db.session.scalars(select(OutboxMessage)).all() == []


def test_request_can_be_retried_once_the_server_is_back(make_app, settings, closed_port: int):
    make_app(with_mail(settings, smtp_url=f"smtp://127.0.0.1:{closed_port}", smtp_timeout=2))
    notifier = current_notifier()
    with pytest.raises(DeliveryFailed):
        notifier.send_email("eloise@example.org", "password_reset", member_id=7, **CONTEXT)

    server = start_smtp(port=closed_port)
    try:
        notifier.send_email("eloise@example.org", "password_reset", member_id=7, **CONTEXT)
    finally:
        server.controller.stop()

    assert len(server.received) == 1
    assert committed_audit_events() == [("email.failed", 7), ("email.sent", 7)]


def test_outbox_in_development(make_app):
    make_app()
    notifier = current_notifier()
    assert isinstance(notifier.email, OutboxTransport)

    notifier.send_email("eloise@example.org", "activation", lang="en", member_id=3, **CONTEXT)

    [row] = db.session.scalars(select(OutboxMessage)).all()
    assert (row.channel, row.recipient, row.purpose) == (
        "email",
        "eloise@example.org",
        "activation",
    )
    assert row.subject == "Activate your member account"
    assert LINK in row.text and LINK in row.html
    assert "Hello Éloïse," in row.text
    assert committed_audit_events() == [("email.sent", 3)]
    assert audit_rows()[0].detail["transport"] == "outbox"


def test_production_without_smtp_refuses(make_app, settings):
    app = make_app()
    app.extensions["idp.notifier"] = build_notifier(production(settings))

    with pytest.raises(DeliveryFailed, match="IDP_SMTP_URL"):
        current_notifier().send_email("eloise@example.org", "activation", member_id=3, **CONTEXT)

    assert db.session.scalars(select(OutboxMessage)).all() == []
    assert committed_audit_events() == [("email.failed", 3)]


def test_no_address_is_delivery_failed(make_app):
    make_app()
    with pytest.raises(DeliveryFailed, match="no recipient"):
        current_notifier().send_email("  ", "activation", member_id=4, **CONTEXT)
    assert committed_audit_events() == [("email.failed", 4)]
    assert db.session.scalars(select(OutboxMessage)).all() == []


def test_sms_goes_to_the_outbox_with_the_origin_bound_line(make_app):
    make_app()
    current_notifier().send_sms("+33612345678", "otp", member_id=5, code="482913")

    [row] = db.session.scalars(select(OutboxMessage)).all()
    assert (row.channel, row.recipient, row.purpose) == ("sms", "+33612345678", "otp")
    lines = row.text.splitlines()
    assert lines[-1] == "@127.0.0.1 #482913"
    assert "code de sécurité" in lines[0]
    assert committed_audit_events() == [("sms.sent", 5)]
    assert "482913" not in str(audit_rows()[0].detail)


def test_sms_english_and_refused_in_production(make_app, settings):
    app = make_app()
    assert current_notifier().messages.render_sms("otp", "en", code="123456").splitlines() == [
        "123456 is your security code for Mon espace adhérent, valid 5 min. Never share it.",
        "@127.0.0.1 #123456",
    ]
    app.extensions["idp.notifier"] = build_notifier(production(settings))
    with pytest.raises(DeliveryFailed):
        current_notifier().send_sms("+33612345678", "otp", member_id=5, code="123456")
    assert committed_audit_events() == [("sms.failed", 5)]


def test_every_purpose_renders_in_both_languages(make_app):
    make_app()
    notifier = current_notifier()
    contexts = {
        "activation": CONTEXT,
        "password_reset": CONTEXT,
        "password_changed": {"first_name": "Éloïse", "changed_at": "3 mars 2025 à 14 h 02"},
        "account_activated": {
            "first_name": "Éloïse",
            "sign_in_url": current_notifier().messages.issuer_url("/login"),
        },
    }
    for purpose, context in contexts.items():
        for lang in ("fr", "en"):
            notifier.send_email("eloise@example.org", purpose, lang=lang, **context)
    rows = db.session.scalars(select(OutboxMessage)).all()
    assert len(rows) == 8
    for row in rows:
        assert row.subject and not row.text.startswith("Subject:")
        assert "Éloïse" in row.text and "Éloïse" in row.html
        assert "04 72 27 72 72" in row.text and "04 72 27 72 72" in row.html
        assert "Mon espace adhérent" in row.text
        assert "\n\n\n" not in row.text
    changed = [r for r in rows if r.purpose == "password_changed"]
    assert "appelez nos conseillers au 04 72 27 72 72 immédiatement" in changed[0].text


def test_issuer_url_comes_from_the_issuer(make_app, settings, database_url):
    from tests.conftest import make_settings

    make_app(make_settings(database_url, issuer="https://connexion.mutuelle.example"))
    assert current_notifier().messages.issuer_url("/account/activate", token="a b") == (
        "https://connexion.mutuelle.example/account/activate?token=a+b"
    )
    assert (
        current_notifier().messages.render_sms("otp", code="1").splitlines()[-1]
        == "@connexion.mutuelle.example #1"
    )
