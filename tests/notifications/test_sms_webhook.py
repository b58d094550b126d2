"""SmsWebhookTransport against a real HTTP receiver, and its place in the notifier."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select, text

from idp.config import Settings, load_settings
from idp.db import db
from idp.errors import ConfigError
from idp.models import AuditEvent, OutboxMessage
from idp.notifications import (
    DeliveryFailed,
    OutboxTransport,
    Unconfigured,
    build_notifier,
    current_notifier,
)
from idp.notifications.sms_webhook import SmsWebhookTransport
from tests.notifications.conftest import production
from tests.sms import SmsGateway, sms_gateway

NUMBER = "+33612345678"
MASKED = "06 •• •• •• 78"
CODE = "123456"
TOKEN = "gw-token-Zq8xLw3vT0pS"


@pytest.fixture
def gateway() -> Iterator[SmsGateway]:
    with sms_gateway() as running:
        yield running


def with_sms(settings: Settings, **sms: Any) -> Settings:
    return replace(settings, sms=replace(settings.sms, **sms))


def all_audit_details() -> list[str]:
    """Every audit row as stored, committed or not yet."""
    with db.engine.connect() as conn:
        stored = [str(r.detail) for r in conn.execute(text("SELECT detail FROM audit_events"))]
    return stored + [str(e.detail) for e in db.session.scalars(select(AuditEvent))]


def assert_nothing_secret_in_audit() -> None:
    for detail in all_audit_details():
        assert "612345678" not in detail
        assert CODE not in detail
        assert TOKEN not in detail


def sms_events() -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.event.in_(("sms.sent", "sms.failed")))
    return list(db.session.scalars(query.order_by(AuditEvent.id)))


# --- the transport on its own ------------------------------------------------------------


def test_posts_json_with_the_bearer_token(app, gateway: SmsGateway):
    message = current_notifier().messages.render_sms("otp", code=CODE)
    SmsWebhookTransport(gateway.url, TOKEN, timeout=5).send_sms(NUMBER, message, purpose="otp")

    [got] = gateway.received
    assert got.path == "/v1/sms"
    assert got.headers["Authorization"] == f"Bearer {TOKEN}"
    assert got.headers["Content-Type"] == "application/json"
    assert got.json() == {"to": NUMBER, "message": message}
    lines = got.json()["message"].splitlines()
    assert "code de sécurité" in lines[0]
    assert lines[-1] == f"@127.0.0.1 #{CODE}"


@pytest.mark.parametrize("status", [200, 201, 202, 204])
def test_any_2xx_is_success_and_no_token_means_no_header(app, gateway: SmsGateway, status):
    gateway.status = status
    SmsWebhookTransport(gateway.url, "", timeout=5).send_sms(NUMBER, "Test é ✓")

    [got] = gateway.received
    assert "Authorization" not in got.headers
    assert got.json()["message"] == "Test é ✓"


def test_error_status_is_delivery_failed_naming_it(app, gateway: SmsGateway, caplog):
    gateway.status = 500
    transport = SmsWebhookTransport(gateway.url + f"?key={TOKEN}", TOKEN, timeout=5)

    with caplog.at_level(logging.DEBUG), pytest.raises(DeliveryFailed) as caught:
        transport.send_sms(NUMBER, f"code {CODE}", purpose="otp")

    assert caught.value.detail == f"SMS gateway 127.0.0.1:{gateway.port}: HTTP 500"
    assert caught.value.message == "error.delivery_failed"
    assert len(gateway.received) == 1
    lines = [r.getMessage() for r in caplog.records]
    assert f"sms gateway unreachable: {caught.value.detail}" in lines
    assert any("HTTP 500" in line and MASKED in line for line in lines)  # the debug detail
    for line in [*lines, caught.value.detail]:
        assert CODE not in line and TOKEN not in line and "612345678" not in line


def test_an_outage_is_one_line_when_it_starts_and_one_when_it_ends(app, gateway, caplog):
    transport = SmsWebhookTransport(gateway.url, TOKEN, timeout=5)
    gateway.status = 503
    with caplog.at_level(logging.INFO):
        for _ in range(5):
            with pytest.raises(DeliveryFailed):
                transport.send_sms(NUMBER, "x", purpose="otp")
        gateway.status = 200
        transport.send_sms(NUMBER, "x", purpose="otp")
        transport.send_sms(NUMBER, "x", purpose="otp")

    assert len(gateway.received) == 7
    problems = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert problems == [
        f"sms gateway unreachable: SMS gateway 127.0.0.1:{gateway.port}: HTTP 503",
        f"sms gateway reachable again: 127.0.0.1:{gateway.port}",
    ]


def test_redirect_is_not_followed(app, gateway: SmsGateway):
    gateway.status = 302
    gateway.location = "http://127.0.0.1:9/elsewhere"

    with pytest.raises(DeliveryFailed, match="HTTP 302"):
        SmsWebhookTransport(gateway.url, TOKEN, timeout=5).send_sms(NUMBER, "x")

    assert len(gateway.received) == 1


def test_hung_gateway_times_out(app, gateway: SmsGateway):
    gateway.hang = 10
    transport = SmsWebhookTransport(gateway.url, TOKEN, timeout=1)
    started = time.monotonic()

    with pytest.raises(DeliveryFailed, match="timed out"):
        transport.send_sms(NUMBER, "x")

    assert time.monotonic() - started < 5
    assert len(gateway.received) == 1


def test_connection_refused_is_delivery_failed(app, closed_port: int):
    transport = SmsWebhookTransport(f"http://127.0.0.1:{closed_port}/sms", TOKEN, timeout=2)
    with pytest.raises(DeliveryFailed) as caught:
        transport.send_sms(NUMBER, "x")
    assert f"127.0.0.1:{closed_port}" in caught.value.detail
    assert "ConnectionRefusedError" in caught.value.detail


@pytest.mark.parametrize(
    "url",
    [
        "",
        "gateway.example/sms",
        "ftp://gateway.example/sms",
        f"http://gateway.example:notaport/sms?key={TOKEN}",
        f"http://gateway.example/s ms?key={TOKEN}",
    ],
)
def test_invalid_url_is_delivery_failed_without_the_url(app, url):
    with pytest.raises(DeliveryFailed) as caught:
        SmsWebhookTransport(url, TOKEN, timeout=1).send_sms(NUMBER, "x")
    assert caught.value.detail.startswith("SMS gateway ")
    assert TOKEN not in caught.value.detail
    assert TOKEN not in repr(SmsWebhookTransport(url, TOKEN))


def test_timeout_must_be_positive():
    with pytest.raises(ConfigError, match="IDP_SMS_WEBHOOK_TIMEOUT"):
        SmsWebhookTransport("http://gateway.example/sms", TOKEN, timeout=0)


# --- through the notifier ----------------------------------------------------------------


def test_settings_and_transport_choice(settings):
    loaded = load_settings(
        {"IDP_SMS_WEBHOOK_URL": "https://sms.example/send", "IDP_SMS_WEBHOOK_TIMEOUT": "2"}
    )
    assert loaded.sms.timeout == 2
    assert load_settings({}).sms.timeout == 5

    configured = with_sms(settings, webhook_url="https://sms.example/send", webhook_token=TOKEN)
    for chosen in (build_notifier(configured), build_notifier(production(configured))):
        assert isinstance(chosen.sms, SmsWebhookTransport)
        assert (chosen.sms.url, chosen.sms.token, chosen.sms.timeout) == (
            "https://sms.example/send",
            TOKEN,
            5,
        )
    assert isinstance(build_notifier(settings).sms, OutboxTransport)
    assert isinstance(build_notifier(production(settings)).sms, Unconfigured)


def test_notifier_sends_french_by_default_and_audits_the_masked_number(
    make_app, settings, gateway: SmsGateway
):
    make_app(with_sms(settings, webhook_url=gateway.url, webhook_token=TOKEN))

    current_notifier().send_sms(NUMBER, "otp", member_id=5, code=CODE)

    [got] = gateway.received
    assert got.json()["to"] == NUMBER
    assert got.json()["message"] == current_notifier().messages.render_sms("otp", code=CODE)
    assert got.json()["message"].startswith(f"{CODE} est votre code de sécurité")
    [event] = sms_events()
    assert event.event == "sms.sent" and event.member_id == 5
    assert event.detail == {
        "purpose": "otp",
        "transport": "sms_webhook",
        "lang": "fr",
        "to": MASKED,
    }
    assert db.session.scalars(select(OutboxMessage)).all() == []
    assert_nothing_secret_in_audit()


def test_notifier_sends_english_when_asked(make_app, settings, gateway: SmsGateway):
    make_app(with_sms(settings, webhook_url=gateway.url, webhook_token=TOKEN))

    current_notifier().send_sms(NUMBER, "otp", lang="en", member_id=5, code=CODE)

    assert gateway.received[0].json()["message"].splitlines() == [
        f"{CODE} is your security code for Mon espace adhérent, valid 5 min. Never share it.",
        f"@127.0.0.1 #{CODE}",
    ]


def test_gateway_error_is_audited_with_the_masked_number_only(
    make_app, settings, gateway: SmsGateway
):
    gateway.status = 500
    make_app(with_sms(settings, webhook_url=gateway.url, webhook_token=TOKEN))

    with pytest.raises(DeliveryFailed) as caught:
        current_notifier().send_sms(NUMBER, "otp", member_id=5, code=CODE)

    assert caught.value.message == "error.delivery_failed"
    db.session.rollback()
    [event] = sms_events()
    assert event.event == "sms.failed" and event.member_id == 5
    assert event.detail == {
        "purpose": "otp",
        "transport": "sms_webhook",
        "reason": f"SMS gateway 127.0.0.1:{gateway.port}: HTTP 500",
        "to": MASKED,
    }
    assert len(gateway.received) == 1
    assert_nothing_secret_in_audit()


def test_notifier_times_out_with_the_configured_timeout(make_app, settings, gateway: SmsGateway):
    gateway.hang = 10
    make_app(with_sms(settings, webhook_url=gateway.url, timeout=1))

    with pytest.raises(DeliveryFailed, match="timed out"):
        current_notifier().send_sms(NUMBER, "otp", member_id=5, code=CODE)

    assert [e.event for e in sms_events()] == ["sms.failed"]
    assert_nothing_secret_in_audit()


def test_production_uses_the_gateway_when_set(make_app, settings, gateway: SmsGateway):
    app = make_app()
    app.extensions["idp.notifier"] = build_notifier(
        production(with_sms(settings, webhook_url=gateway.url, webhook_token=TOKEN))
    )

    current_notifier().send_sms(NUMBER, "otp", member_id=5, code=CODE)

    assert [r.json()["to"] for r in gateway.received] == [NUMBER]
    assert [e.event for e in sms_events()] == ["sms.sent"]


def test_production_without_the_gateway_refuses(make_app, settings):
    app = make_app()
    app.extensions["idp.notifier"] = build_notifier(production(settings))

    with pytest.raises(DeliveryFailed, match="IDP_SMS_WEBHOOK_URL"):
        current_notifier().send_sms(NUMBER, "otp", member_id=5, code=CODE)

    assert db.session.scalars(select(OutboxMessage)).all() == []
    [event] = sms_events()
    assert (event.event, event.detail["to"]) == ("sms.failed", MASKED)
    assert_nothing_secret_in_audit()
