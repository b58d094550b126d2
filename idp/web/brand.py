"""The brand in pages: ``/brand.css``, the brand colour from configuration as a stylesheet
(CSP forbids inline styles); the icons drawn in that colour (``/favicon.ico``,
``/apple-touch-icon.png``, idp/web/icons.py); the advisers' phone number as a link that
calls them and never wraps mid-number (``support_phone`` in every page)."""

from __future__ import annotations

import re

from flask import Blueprint, Response
from markupsafe import Markup, escape

from idp.runtime import runtime
from idp.web import i18n, icons

bp = Blueprint("brand", __name__)
COLOUR = re.compile(r"^#[0-9a-fA-F]{3,8}$")
ICON_CACHE = "public, max-age=604800"  # a week: browsers ask for the icon on every page


@bp.get("/brand.css")
def brand_css() -> Response:
    colour = runtime().settings.brand.color
    body = f":root {{ --brand: {colour}; }}\n" if COLOUR.match(colour) else ""
    return Response(body, mimetype="text/css", headers={"Cache-Control": "public, max-age=3600"})


@bp.get("/favicon.ico")
def favicon() -> Response:
    image = icons.ico(icons.rgb(runtime().settings.brand.color))
    return Response(image, mimetype="image/x-icon", headers={"Cache-Control": ICON_CACHE})


@bp.get("/apple-touch-icon.png")
def apple_touch_icon() -> Response:
    image = icons.png(180, icons.rgb(runtime().settings.brand.color), rounded=False)
    return Response(image, mimetype="image/png", headers={"Cache-Control": ICON_CACHE})


def tel_uri(number: str) -> str:
    """``tel:+33472277272`` for "04 72 27 72 72": digits only, a French national number
    written in international form (RFC 3966)."""
    digits = re.sub(r"[^\d+]", "", number)
    if re.fullmatch(r"0\d{9}", digits):
        digits = "+33" + digits[1:]
    return f"tel:{digits}"


def phone_link(number: str) -> Markup:
    """The number as a link that calls it, its spaces non-breaking (one line on a phone)."""
    shown = Markup("&nbsp;").join(escape(part) for part in number.split())
    return Markup('<a class="tel" href="{}">{}</a>').format(tel_uri(number), shown)


def translate_html(key: str, **values: object) -> Markup:
    """:func:`idp.web.i18n.translate` for a text with markup among its values (the phone
    link): the catalog's text and the other values are escaped, the markup is kept."""
    marks = {name: f"\ue000{index}\ue001" for index, name in enumerate(values)
             if isinstance(values[name], Markup)}  # fmt: skip
    text = str(escape(i18n.translate(key, **{**values, **marks})))
    for name, mark in marks.items():
        text = text.replace(mark, str(values[name]))
    return Markup(text)  # noqa: S704 - every part escaped above


@bp.app_context_processor
def support_phone() -> dict[str, object]:
    return {"support_phone": phone_link(runtime().settings.brand.support_phone)}


bp.add_app_template_global(translate_html, "t_html")
