"""Language of pages: French by default, English on request (``ui_locales``, ``?lang=``,
the language cookie, then the browser's ``Accept-Language``)."""

from __future__ import annotations

from flask import Flask, g, request

from idp.runtime import runtime
from idp.web.catalog import CATALOGS
from idp.web.cookies import cookie_name, read_cookie

DEFAULT = "fr"
SUPPORTED = tuple(CATALOGS)
COOKIE = "idp_lang"


def pick(ui_locales: str | None = None) -> str:
    """The page language for this request; ``ui_locales`` (OIDC Core §3.1.2.1) wins."""
    for tag in (ui_locales or "").split():
        lang = tag.split("-")[0].lower()
        if lang in SUPPORTED:
            return lang
    for candidate in (request.args.get("lang"), read_cookie(COOKIE)):
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


def plural_form(lang: str, count: int) -> str:
    """CLDR plural category: French counts 0 and 1 as singular, English only 1."""
    singular = count in (0, 1) if lang == "fr" else count == 1
    return "one" if singular else "other"


def translate(key: str, **values: object) -> str:
    """The text of ``key`` in the page language. With an integer ``count``, the
    ``key.one`` / ``key.other`` entry is taken when the catalog has one ("1 essai",
    "2 essais")."""
    return translate_in(current(), key, **values)


def translate_in(lang: str, key: str, **values: object) -> str:
    """:func:`translate` in ``lang`` (a message's language rather than the page's)."""
    lang = lang if lang in SUPPORTED else DEFAULT
    count = values.get("count")
    if isinstance(count, int) and not isinstance(count, bool):
        plural_key = f"{key}.{plural_form(lang, count)}"
        if plural_key in CATALOGS[lang] or plural_key in CATALOGS[DEFAULT]:
            key = plural_key
    text = CATALOGS[lang].get(key) or CATALOGS[DEFAULT].get(key) or key
    return text.format(**values) if values else text


# The units a length of time is told in, largest first (a year: 365 days).
DURATION_UNITS = (("years", 365 * 86400), ("days", 86400), ("hours", 3600), ("minutes", 60))


def duration(seconds: int, lang: str | None = None, *, largest: str = "years") -> str:
    """A length of time as a member reads it, in ``lang`` (the page's by default): in the
    largest unit it is a whole number of ("90 jours", "1 an", "36 heures"), else in minutes
    rounded up. ``largest`` caps the unit: a lock is told in hours, as the help page does
    ("24 heures", not "1 jour")."""
    lang = lang or current()
    names = [name for name, _ in DURATION_UNITS]
    for unit, size in DURATION_UNITS[names.index(largest) :]:
        if seconds >= size and seconds % size == 0:
            return translate_in(lang, f"duration.{unit}", count=seconds // size)
    return translate_in(lang, "duration.minutes", count=max(1, -(-seconds // 60)))


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
        if chosen in SUPPORTED and read_cookie(COOKIE) != chosen:
            response.set_cookie(
                cookie_name(COOKIE),
                chosen,
                max_age=365 * 24 * 3600,
                samesite="Lax",
                secure=runtime().settings.server.https,
                httponly=True,
            )
        return response
