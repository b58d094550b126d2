"""Messages by purpose, rendered from ``templates/email/<purpose>.{txt,html}`` and
``templates/sms/<purpose>.txt``; French by default, English on request.

Both languages live in the same template behind ``{% if lang == "en" %}``. The text template
of an e-mail starts with a ``Subject: …`` line, which becomes the subject and is removed from
the body. Every template sees ``lang``, ``brand``, ``support_hours`` (in the message's
language), ``brand_color`` (checked), ``issuer`` and ``issuer_host`` besides what the caller passes.

Templates are rendered with the app's Jinja environment directly rather than through
``flask.render_template``: the page context processors pick the *page* language from the
request, which is neither available outside a request nor the language of the message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import current_app

from idp.config import BrandSettings

LANGUAGES = ("fr", "en")
DEFAULT_LANG = "fr"
_SUBJECT = re.compile(r"\ASubject:[ \t]*(?P<subject>[^\r\n]+)\r?\n")
_BLANK_LINES = re.compile(r"\n{3,}")
_TRAILING_SPACE = re.compile(r"[ \t]+\n")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{3,8}$")
DEFAULT_COLOUR = "#0b5cab"


@dataclass(frozen=True)
class Messages:
    """Renders messages by purpose with what every one shows of the provider: the ``brand``
    and the ``issuer`` (``IDP_ISSUER``). The notifier holds one, built from its settings, so
    a message rendered when it is queued and one rendered when it is sent look the same."""

    brand: BrandSettings
    issuer: str

    def issuer_url(self, path: str, **query: str) -> str:
        """An absolute link for a message, built from the issuer (never from the request's
        Host header, which a client controls)."""
        url = self.issuer.rstrip("/") + "/" + path.lstrip("/")
        return f"{url}?{urlencode(query)}" if query else url

    def render_email(self, purpose: str, lang: str = DEFAULT_LANG, **context: Any) -> EmailMessage:
        """A multipart/alternative UTF-8 e-mail (text, then HTML) for ``purpose``, without the
        envelope headers (``From``, ``To``, ``Date``, ``Message-ID``: the transport sets
        them)."""
        values = self._context(lang, context)
        text = _render(f"email/{purpose}.txt", values).strip()
        match = _SUBJECT.match(text)
        if not match:
            raise ValueError(f"templates/email/{purpose}.txt must start with a 'Subject: …' line")
        body = _tidy(text[match.end() :])
        html = _render(f"email/{purpose}.html", values).strip() + "\n"
        message = EmailMessage()
        message["Subject"] = match["subject"].strip()
        message.set_content(body, subtype="plain", charset="utf-8")
        message.add_alternative(html, subtype="html", charset="utf-8")
        return message

    def render_sms(self, purpose: str, lang: str = DEFAULT_LANG, **context: Any) -> str:
        """The text of an SMS for ``purpose`` from ``templates/sms/<purpose>.txt``."""
        return _tidy(_render(f"sms/{purpose}.txt", self._context(lang, context))).strip()

    def _context(self, lang: str, context: dict[str, Any]) -> dict[str, Any]:
        lang = lang if lang in LANGUAGES else DEFAULT_LANG
        brand = self.brand
        return {
            "brand": brand,
            "support_hours": brand.support_hours if lang == "fr" else brand.support_hours_en,
            "brand_color": brand.color if _COLOUR.match(brand.color) else DEFAULT_COLOUR,
            "issuer": self.issuer,
            "issuer_host": urlsplit(self.issuer).hostname or "",
            **context,
            "lang": lang,
        }


def email_parts(message: EmailMessage) -> tuple[str, str]:
    """The text and HTML bodies of a rendered e-mail."""
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    return (
        text.get_content() if isinstance(text, EmailMessage) else "",
        html.get_content() if isinstance(html, EmailMessage) else "",
    )


def _render(name: str, values: dict[str, Any]) -> str:
    return current_app.jinja_env.get_template(name).render(values)


def _tidy(text: str) -> str:
    """Plain text from a template with language switches: no trailing spaces, at most one
    blank line in a row, one final newline."""
    text = _TRAILING_SPACE.sub("\n", text.replace("\r\n", "\n"))
    return _BLANK_LINES.sub("\n\n", text).strip() + "\n"
