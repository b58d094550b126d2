"""SmtpTransport against a real SMTP server (aiosmtpd), and IDP_SMTP_URL parsing."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from idp.errors import ConfigError
from idp.notifications import DeliveryFailed, SmtpTransport, current_notifier, parse_smtp_url
from tests.notifications.conftest import SMTP_PASSWORD, SMTP_USER, SmtpServer

FROM = "Mutuelle Santé <no-reply@mutuelle.example>"
LINK = "http://127.0.0.1:8000/account/activate/tok-123"


@pytest.mark.parametrize(
    ("url", "host", "port", "implicit_tls", "starttls"),
    [
        ("smtp://mail.example", "mail.example", 25, False, False),
        ("smtp://mail.example:2525", "mail.example", 2525, False, False),
        ("smtp://mail.example?starttls=true", "mail.example", 587, False, True),
        ("smtp://mail.example:25?starttls=false", "mail.example", 25, False, False),
        ("smtps://mail.example", "mail.example", 465, True, False),
        ("smtps://mail.example:8465/", "mail.example", 8465, True, False),
        ("smtp://[::1]:1025", "::1", 1025, False, False),
    ],
)
def test_url_host_port_and_tls(url, host, port, implicit_tls, starttls):
    endpoint = parse_smtp_url(url)
    assert (endpoint.host, endpoint.port) == (host, port)
    assert (endpoint.implicit_tls, endpoint.starttls) == (implicit_tls, starttls)
    assert (endpoint.username, endpoint.password) == ("", "")


def test_url_credentials_are_percent_decoded_and_never_shown():
    user, password = quote("alerts@mutuelle.example", safe=""), quote(SMTP_PASSWORD, safe="")
    url = f"smtp://{user}:{password}@mail.example?starttls=true"
    endpoint = parse_smtp_url(url)
    assert endpoint.username == "alerts@mutuelle.example"
    assert endpoint.password == SMTP_PASSWORD
    assert SMTP_PASSWORD not in repr(endpoint)
    assert SMTP_PASSWORD not in str(endpoint)
    assert "alerts@mutuelle.example" in str(endpoint)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://mail.example", "smtp:// or smtps://"),
        ("smtp://", "host"),
        ("smtp://mail.example:notaport", "port"),
        ("smtp://mail.example/inbox", "no path"),
        ("smtp://mail.example?tls=1", "unknown option"),
        ("smtp://mail.example?starttls=maybe", "true or false"),
        ("smtps://mail.example?starttls=true", "already TLS"),
        ("smtp://user:p%C3%A9ss@mail.example", "ASCII"),
        ("smtp://:secret@mail.example", "needs a user name"),
    ],
)
def test_bad_url_is_a_config_error_without_the_password(url, reason):
    with pytest.raises(ConfigError) as caught:
        parse_smtp_url(url)
    assert reason in str(caught.value)
    assert "secret" not in str(caught.value)


def test_mail_from_must_hold_an_address():
    with pytest.raises(ConfigError, match="IDP_MAIL_FROM"):
        SmtpTransport("smtp://mail.example", "Nobody", timeout=1)


def test_sends_multipart_utf8_message(app, smtp_server: SmtpServer):
    transport = SmtpTransport(smtp_server.url, FROM, timeout=5)
    message = current_notifier().messages.render_email(
        "activation", "fr", first_name="Hélène", link=LINK, valid_hours=24
    )

    transport.send(message, "helene.lefevre@example.org", purpose="activation")

    [received] = smtp_server.received
    assert received.mail_from == "no-reply@mutuelle.example"
    assert received.rcpt_tos == ["helene.lefevre@example.org"]
    got = received.message
    assert got["From"] == FROM
    assert got["To"] == "helene.lefevre@example.org"
    assert got["Subject"] == "Activez votre espace adhérent"
    assert got["Date"]
    assert got["Message-ID"].endswith("@mutuelle.example>")
    assert got.get_content_type() == "multipart/alternative"
    text = got.get_body(("plain",))
    html = got.get_body(("html",))
    assert text is not None and html is not None
    assert text.get_content_charset() == html.get_content_charset() == "utf-8"
    plain, rich = text.get_content(), html.get_content()
    for part in (plain, rich):
        assert "Bonjour Hélène," in part
        assert LINK in part
        assert "04 72 27 72 72" in part
        assert "1 jour" in part
        assert "ignorer cet e-mail" in part
    assert not plain.startswith("Subject:")
    assert f'href="{LINK}"' in rich
    assert "<img" not in rich


def test_english_variant(app, smtp_server: SmtpServer):
    transport = SmtpTransport(smtp_server.url, FROM, timeout=5)
    message = current_notifier().messages.render_email(
        "password_reset", "en", first_name="Zoë", link=LINK, valid_hours=24
    )

    transport.send(message, "zoe@example.org")

    got = smtp_server.received[0].message
    assert got["Subject"] == "Resetting your password"
    plain = got.get_body(("plain",)).get_content()
    rich = got.get_body(("html",)).get_content()
    assert "Hello Zoë," in plain and "Hello Zoë," in rich
    assert LINK in plain and LINK in rich
    assert "Reset my password" in rich
    assert "Monday to Thursday" in plain
    assert 'lang="en"' in rich


def test_resending_the_same_message_keeps_single_headers(app, smtp_server: SmtpServer):
    transport = SmtpTransport(smtp_server.url, FROM, timeout=5)
    message = current_notifier().messages.render_email(
        "account_activated", "fr", first_name="Léa", sign_in_url=LINK
    )
    transport.send(message, "lea@example.org")
    transport.send(message, "lea@example.org")
    first, second = (r.message for r in smtp_server.received)
    assert len(second.get_all("To")) == 1
    assert first["Message-ID"] != second["Message-ID"]


def test_login_with_percent_encoded_credentials(app, auth_smtp_server: SmtpServer):
    url = f"smtp://{SMTP_USER}:{quote(SMTP_PASSWORD, safe='')}@127.0.0.1:{auth_smtp_server.port}"
    transport = SmtpTransport(url, FROM, timeout=5)
    message = current_notifier().messages.render_email(
        "account_activated", "fr", first_name="Léa", sign_in_url=LINK
    )

    transport.send(message, "lea@example.org")

    assert [r.rcpt_tos for r in auth_smtp_server.received] == [["lea@example.org"]]


def test_wrong_credentials_fail_without_revealing_the_password(app, auth_smtp_server):
    url = f"smtp://{SMTP_USER}:Wrong-Password-42@127.0.0.1:{auth_smtp_server.port}"
    transport = SmtpTransport(url, FROM, timeout=5)
    message = current_notifier().messages.render_email(
        "account_activated", "fr", first_name="Léa", sign_in_url=LINK
    )

    with pytest.raises(DeliveryFailed) as caught:
        transport.send(message, "lea@example.org")

    assert "SMTPAuthenticationError 535" in caught.value.detail
    assert "Wrong-Password-42" not in caught.value.detail
    assert auth_smtp_server.received == []


def test_missing_login_is_refused_by_a_server_requiring_it(app, auth_smtp_server):
    transport = SmtpTransport(auth_smtp_server.url, FROM, timeout=5)
    message = current_notifier().messages.render_email(
        "account_activated", "fr", first_name="Léa", sign_in_url=LINK
    )
    with pytest.raises(DeliveryFailed, match="530"):
        transport.send(message, "lea@example.org")


def test_server_down_is_delivery_failed(app, closed_port: int):
    transport = SmtpTransport(f"smtp://127.0.0.1:{closed_port}", FROM, timeout=2)
    message = current_notifier().messages.render_email(
        "account_activated", "fr", first_name="Léa", sign_in_url=LINK
    )

    with pytest.raises(DeliveryFailed) as caught:
        transport.send(message, "lea@example.org")

    assert f"127.0.0.1:{closed_port}" in caught.value.detail
    assert "ConnectionRefusedError" in caught.value.detail
    assert caught.value.message == "error.delivery_failed"


def test_hung_server_times_out(app, silent_server: int):
    transport = SmtpTransport(f"smtp://127.0.0.1:{silent_server}", FROM, timeout=0.5)
    message = current_notifier().messages.render_email(
        "account_activated", "fr", first_name="Léa", sign_in_url=LINK
    )

    with pytest.raises(DeliveryFailed, match="timed out"):
        transport.send(message, "lea@example.org")
