"""Language of pages: French by default, English on request (``ui_locales``, ``?lang=``,
the language cookie, then the browser's ``Accept-Language``)."""

from __future__ import annotations

from flask import Flask, g, request

from idp.runtime import runtime
from idp.web.catalog import CATALOGS

DEFAULT = "fr"
SUPPORTED = tuple(CATALOGS)
COOKIE = "idp_lang"


def pick(ui_locales: str | None = None) -> str:
    """The page language for this request; ``ui_locales`` (OIDC Core §3.1.2.1) wins."""
    for tag in (ui_locales or "").split():
        lang = tag.split("-")[0].lower()
        if lang in SUPPORTED:
            return lang
    for candidate in (request.args.get("lang"), request.cookies.get(COOKIE)):
        if candidate in SUPPORTED:
            return candidate
    best = request.accept_languages.best_match(SUPPORTED)
    return best or DEFAULT


def set_language(lang: str) -> None:
    g.lang = lang if lang in SUPPORTED else DEFAULT


def current() -> str:
    if "lang" not in g:
        g.lang = pick()
    return str(g.lang)


def translate(key: str, **values: object) -> str:
    text = CATALOGS[current()].get(key) or CATALOGS[DEFAULT].get(key) or key
    return text.format(**values) if values else text


def init_app(app: Flask) -> None:
    app.jinja_env.globals["t"] = translate

    @app.context_processor
    def page_context() -> dict[str, object]:
        brand = runtime().settings.brand
        lang = current()
        return {
            "lang": lang,
            "brand": brand,
            "support_hours": brand.support_hours if lang == "fr" else brand.support_hours_en,
        }

    @app.after_request
    def remember_language(response):
        chosen = request.args.get("lang")
        if chosen in SUPPORTED and request.cookies.get(COOKIE) != chosen:
            response.set_cookie(
                COOKIE,
                chosen,
                max_age=365 * 24 * 3600,
                samesite="Lax",
                secure=runtime().settings.server.https,
                httponly=True,
            )
        return response
