"""The account page's sessions (``/account/sessions``): where the member is signed in —
started at, last active, browser and system from the User-Agent recorded at sign-in, IP
address, services used — with "this device" marked; signing out one device, or everywhere.

A session is named in the page by a digest of its id, never by the id itself (the id is the
``idp_session`` cookie's value). Viewing is free; ending another device's session, or all of
them, needs the password confirmed when this session's is not recent (``reauth.py``, ASVS 5.0
7.5.2); signing this browser out never does.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import make_response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as HttpResponse

from idp.accounts.devices import format_moment
from idp.clients.registry import ClientRegistry
from idp.logout.sign_out import SignOut
from idp.models import Member
from idp.runtime import runtime
from idp.selfservice import reauth
from idp.selfservice.account import signed_in_member
from idp.selfservice.blueprint import bp
from idp.sso import SsoSession, SsoSessions
from idp.web import i18n
from idp.web.csrf import check_csrf

DONE = ("signed_out", "already")
# How a member names their browser and device ("iPhone — Safari", "Android — Chrome"). First
# match wins: Edge, Opera and Samsung Internet also say "Chrome", Chrome also says "Safari";
# on an iPhone every browser says "Safari", so Chrome, Firefox and Edge are told by their
# own marks (CriOS, FxiOS, EdgiOS) first.
BROWSERS = (
    ("Edge", re.compile(r"\bEdg(e|A|iOS)?/")),
    ("Opera", re.compile(r"\b(OPR|Opera|OPT)/")),
    ("Samsung Internet", re.compile(r"\bSamsungBrowser/")),
    ("Firefox", re.compile(r"\b(Firefox|FxiOS)/")),
    ("Chrome", re.compile(r"\b(Chrome|CriOS)/")),
    ("Safari", re.compile(r"\bVersion/[\d.]+.*\bSafari/|\bMobile/\w+ Safari/")),
)
# The device rather than its system: "iPhone", "iPad" (a member does not say "iOS"), "Mac".
SYSTEMS = (
    ("iPhone", re.compile(r"\b(iPhone|iPod)\b")),
    ("iPad", re.compile(r"\biPad\b")),
    ("Android", re.compile(r"\bAndroid\b")),
    ("Windows", re.compile(r"\bWindows\b")),
    ("Chromebook", re.compile(r"\bCrOS\b")),
    ("Mac", re.compile(r"\bMac OS X\b|\bMacintosh\b")),
    ("Linux", re.compile(r"\bLinux\b")),
)


@dataclass(frozen=True)
class SessionView:
    handle: str
    current: bool
    started_at: datetime
    last_active: datetime
    device: str  # "Windows — Firefox"
    ip: str
    services: list[str]


def handle_of(session: SsoSession) -> str:
    return hashlib.sha256(session.sid.encode()).hexdigest()[:32]


def describe_user_agent(user_agent: str) -> tuple[str | None, str | None]:
    """(browser, system) as a member would name them; None for what is not recognised."""
    browser = next((name for name, pattern in BROWSERS if pattern.search(user_agent)), None)
    system = next((name for name, pattern in SYSTEMS if pattern.search(user_agent)), None)
    return browser, system


def device_label(user_agent: str) -> str:
    browser, system = describe_user_agent(user_agent)
    if browser and system:
        return i18n.translate("sessions.device", browser=browser, system=system)
    if system:
        return i18n.translate("sessions.device_system", system=system)
    return browser or i18n.translate("sessions.unknown_device")


def session_views(member: Member, current_sid: str | None) -> list[SessionView]:
    """The member's sessions, this browser's first, then the most recently used."""
    views = []
    rt = runtime()
    clients = ClientRegistry.of(rt)
    for session in SsoSessions.of(rt).list_sessions(member.id):
        services = [c.name for c in map(clients.find, session.clients) if c is not None]
        views.append(
            SessionView(
                handle=handle_of(session),
                current=session.sid == current_sid,
                started_at=_moment(session.created_at),
                last_active=_moment(session.last_seen),
                device=device_label(session.user_agent),
                ip=session.ip,
                services=services,
            )
        )
    return sorted(views, key=lambda v: not v.current)  # stable: recency order kept


@bp.get("/account/sessions")
def sessions():
    member = signed_in_member()
    if member is None:
        return render_template("selfservice/signed_out.html"), 401
    done = request.args.get("done")
    lang = i18n.current()
    timezone = runtime().settings.brand.timezone
    return render_template(
        "selfservice/sessions.html",
        sessions=session_views(member, SsoSessions.of(runtime()).cookie.read()),
        when=lambda moment: format_moment(moment, lang, timezone=timezone),
        done=done if done in DONE else None,
    )


@bp.post("/account/sessions/<handle>/sign-out")
def sign_out_device(handle: str) -> HttpResponse | tuple[str, int]:
    check_csrf()
    member = signed_in_member()
    if member is None:
        return render_template("selfservice/signed_out.html"), 401
    sign_out = SignOut.of(runtime())
    current_sid = sign_out.sessions.cookie.read()
    live = sign_out.sessions.list_sessions(member.id)
    chosen = next((s for s in live if handle_of(s) == handle), None)
    if chosen is None:
        return redirect(url_for("selfservice.sessions", done="already"), 303)
    if chosen.sid != current_sid:  # signing this browser out is always free
        asked = reauth.confirmation_needed()
        if asked is not None:
            return asked
    sign_out.sign_out_session(chosen)
    if chosen.sid != current_sid:
        return redirect(url_for("selfservice.sessions", done="signed_out"), 303)
    response = make_response(render_template("logout/signed_out.html"))
    sign_out.sessions.clear_cookie(response)
    return response


@bp.post("/account/sessions/sign-out-everywhere")
def sign_out_everywhere_submit() -> HttpResponse | tuple[str, int]:
    check_csrf()
    member = signed_in_member()
    if member is None:
        return render_template("selfservice/signed_out.html"), 401
    asked = reauth.confirmation_needed()
    if asked is not None:
        return asked
    sign_out = SignOut.of(runtime())
    sign_out.sign_out_everywhere(member)
    response = make_response(render_template("logout/signed_out.html", everywhere=True))
    sign_out.sessions.clear_cookie(response)
    return response


def _moment(epoch: int) -> datetime:
    """Stored times are naive UTC (``format_moment`` shows them in the member's zone)."""
    return datetime.fromtimestamp(epoch, UTC).replace(tzinfo=None)
