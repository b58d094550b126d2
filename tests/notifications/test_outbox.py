"""The development outbox: ``/dev/outbox`` page and ``idp outbox`` command."""

from __future__ import annotations

from idp.notifications import current_notifier, latest
from idp.notifications.outbox_page import links_in
from idp.runtime import runtime
from tests.notifications.conftest import production

LINK = "http://127.0.0.1:8000/account/activate/tok-abc"


def send_some() -> None:
    notifier = current_notifier()
    notifier.send_email(
        "alice@example.org", "activation", first_name="Alice", link=LINK, valid_hours=24
    )
    notifier.send_email(
        "bob@example.org", "password_changed", lang="en", first_name="Bob", changed_at="today"
    )
    notifier.send_sms("+33612345678", "otp", code="654321")


def switch_to_production(app) -> None:
    rt = runtime(app)
    rt.settings = production(rt.settings)


def test_latest_is_newest_first_and_filters(make_app):
    make_app()
    send_some()
    assert [m.recipient for m in latest()] == [
        "+33612345678",
        "bob@example.org",
        "alice@example.org",
    ]
    assert [m.purpose for m in latest("ALICE@example.org ")] == ["activation"]
    assert len(latest(limit=1)) == 1


def test_page_lists_messages_with_clickable_links(make_app):
    app = make_app()
    send_some()

    response = app.test_client().get("/dev/outbox")

    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Activez votre espace adhérent" in body
    assert "Your password has been changed" in body
    assert "alice@example.org" in body and "+33612345678" in body
    assert f'<a href="{LINK}">{LINK}</a>' in body
    assert "@127.0.0.1 #654321" in body
    assert body.index("+33612345678") < body.index("bob@example.org") < body.index("alice@")
    assert "<script>" not in body and "style=" not in body
    assert "no-store" in response.headers["Cache-Control"]


def test_page_filters_by_recipient(make_app):
    app = make_app()
    send_some()
    body = app.test_client().get("/dev/outbox?to=bob@example.org").get_data(as_text=True)
    assert "bob@example.org" in body
    assert "alice@example.org" not in body
    assert "Your password has been changed" in body


def test_page_when_empty(make_app):
    app = make_app()
    response = app.test_client().get("/dev/outbox?lang=en")
    assert response.status_code == 200
    assert "The outbox is empty." in response.get_data(as_text=True)


def test_page_is_404_in_production(make_app):
    app = make_app()
    send_some()
    switch_to_production(app)
    response = app.test_client().get("/dev/outbox")
    assert response.status_code == 404
    assert "alice@example.org" not in response.get_data(as_text=True)


def test_command_prints_latest_messages(make_app):
    app = make_app()
    send_some()

    result = app.test_cli_runner().invoke(args=["outbox"])

    assert result.exit_code == 0, result.output
    out = result.output
    assert "email  to alice@example.org  [activation]" in out
    assert "Subject: Activez votre espace adhérent" in out
    assert LINK in out
    assert "sms  to +33612345678  [otp]" in out
    assert "@127.0.0.1 #654321" in out
    assert " UTC" in out


def test_command_filters_and_limits(make_app):
    app = make_app()
    send_some()
    runner = app.test_cli_runner()

    only_alice = runner.invoke(args=["outbox", "--to", "alice@example.org"])
    assert "alice@example.org" in only_alice.output
    assert "bob@example.org" not in only_alice.output

    newest = runner.invoke(args=["outbox", "--limit", "1"])
    assert "+33612345678" in newest.output and "alice@example.org" not in newest.output

    nobody = runner.invoke(args=["outbox", "--to", "nobody@example.org"])
    assert nobody.exit_code == 0 and "The outbox is empty." in nobody.output


def test_command_refused_in_production(make_app):
    app = make_app()
    switch_to_production(app)
    result = app.test_cli_runner().invoke(args=["outbox"])
    assert result.exit_code == 1
    assert "development only" in result.output


def test_links_in_text():
    text = f"Ouvrez ce lien : {LINK}.\nOu (http://x.example/a?b=1), encore {LINK}"
    assert links_in(text) == [LINK, "http://x.example/a?b=1"]
