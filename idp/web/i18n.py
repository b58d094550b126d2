"""Language of pages: French by default, English on request (``ui_locales``, ``?lang=``,
the language cookie, then the browser's ``Accept-Language``).

The "English" / "Français" link leads to a page that answers GET: the page itself, its query
kept (a link's ``token``); after a form was posted, the GET page of the same step, which a view
names with :func:`keep_on_switch`, with the state to show again (the error, what the member
typed, never a password) kept in the signed session cookie, not in the URL."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import Flask, current_app, g, request, session
from werkzeug.exceptions import HTTPException

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


# The session key of a page's state kept for the language link, and how long it is kept.
KEPT = "lang_kept"
KEPT_SECONDS = 900


def keep_on_switch(back: str, **state: Any) -> None:
    """The language link of this page leads to ``back`` (a GET URL of this idp showing the
    same step), which finds ``state`` (JSON values, nothing secret) with :func:`kept`."""
    g.lang_back = back
    if state:
        path = urlsplit(back).path
        session[KEPT] = {"path": path, "state": state, "at": int(time.time())}


def forget_kept() -> None:
    """The step went through: what was kept for its language link is dropped."""
    session.pop(KEPT, None)


def kept() -> dict[str, Any]:
    """The state :func:`keep_on_switch` kept for this page, when the member has just switched
    language (``?lang=``) and it was kept for this path within the last minutes; else ``{}``."""
    if request.args.get("lang") not in SUPPORTED:
        return {}
    data = session.get(KEPT)
    if not isinstance(data, dict) or data.get("path") != request.path:
        return {}
    at = data.get("at")
    if not isinstance(at, int) or not 0 <= time.time() - at <= KEPT_SECONDS:
        return {}
    state = data.get("state")
    return dict(state) if isinstance(state, dict) else {}


def kept_message(value: object) -> str | None:
    """A kept error: a key of the catalogs, or None."""
    return value if isinstance(value, str) and value in CATALOGS[DEFAULT] else None


def _answers_get(path: str) -> bool:
    try:
        current_app.url_map.bind("localhost").match(path, method="GET")
    except HTTPException:
        return False
    return True


def _get_page() -> str:
    """This page as a GET URL: itself for a GET; after a POST, the nearest path above it that
    answers GET (``/login/<id>`` for ``/login/<id>/code``), else the home page."""
    if request.method in ("GET", "HEAD"):
        query = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
        return request.path + ("?" + urlencode(query) if query else "")
    path = request.path.rstrip("/")
    while path:
        if _answers_get(path):
            return path
        path = path.rsplit("/", 1)[0]
    return "/"


def switch_url() -> str:
    """The target of the language link: the same page in the other language."""
    other = translate("lang.switch_code")
    back = g.get("lang_back") or _get_page()
    return f"{back}{'&' if '?' in back else '?'}lang={other}"


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
    app.jinja_env.globals["lang_switch_url"] = switch_url

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
