"""The console's blueprint: who is signed in, what their role allows, and the pages every
route shares (403, errors, no-store).

Every page route is declared with :func:`staff_page`, which names the roles allowed: a route
without it is reachable only before sign-in (sign-in and setup pages). POSTs check the CSRF
token before anything else.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlencode

from flask import Blueprint, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from idp.accounts.devices import format_moment
from idp.admin.console.session import SIGNED_IN, ConsoleSessions
from idp.admin.staff import can_sign_in
from idp.db import db
from idp.errors import CsrfFailure
from idp.models import StaffMember
from idp.runtime import runtime
from idp.web import i18n
from idp.web.csrf import check_csrf

bp = Blueprint("admin_console", __name__, url_prefix="/admin")

ADMIN = ("admin",)
STAFF = ("admin", "support")

F = TypeVar("F", bound=Callable[..., Any])


def signed_in_staff() -> StaffMember | None:
    """The staff member of this request's console session, if it is signed in and the account
    may still sign in (disabling an account ends its sessions at their next request)."""
    if "staff" not in g:
        g.staff = None
        session = ConsoleSessions.of(runtime()).current()
        if session is not None and session.stage == SIGNED_IN:
            staff = db.session.get(StaffMember, session.staff_id)
            if staff is not None and can_sign_in(staff):
                g.staff = staff
    return cast(StaffMember | None, g.staff)


def current_staff() -> StaffMember:
    return cast(StaffMember, g.staff)


def actor() -> str:
    """The audit actor of this request's staff member."""
    return f"staff:{current_staff().email}"


def staff_page(roles: tuple[str, ...]) -> Callable[[F], F]:
    """The route needs a signed-in staff member whose role is in ``roles`` (else 403)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            staff = signed_in_staff()
            if staff is None:
                if request.method == "POST":
                    return redirect(url_for("admin_console.login_form"))
                return redirect(url_for("admin_console.login_form", next=request.full_path))
            if staff.role not in roles:
                return forbidden()
            if request.method == "POST":
                check_csrf()
            return view(*args, **kwargs)

        return cast(F, wrapper)

    return decorate


def forbidden() -> tuple[str, int]:
    return render_template("admin/forbidden.html"), 403


def safe_next(target: str | None) -> str:
    """A console path to return to after sign-in; anything else (another site, ``//host``)
    is dropped."""
    target = (target or "").strip()
    if not target.startswith("/admin/") or target.startswith("//") or "\\" in target:
        return ""
    if any(c in target for c in "\r\n\t") or target.startswith("/admin/log"):
        return ""
    return target.rstrip("?")


def this_page(**changes: str) -> str:
    """This page's URL with some query parameters changed (language link, pagination)."""
    args = {k: v for k, v in request.args.items() if k not in changes and k != "done"}
    args.update({k: v for k, v in changes.items() if v})
    return f"{request.path}?{urlencode(args)}" if args else request.path


@bp.context_processor
def console_context() -> dict[str, object]:
    lang = i18n.current()
    return {
        "staff": g.get("staff"),
        # Pages answering a POST cannot be asked again in another language.
        "lang_url": this_page(lang=i18n.translate("lang.switch_code"))
        if request.method == "GET"
        else None,
        "when": lambda moment: _format(moment, lang),
        "this_page": this_page,
    }


def _format(moment: datetime | str | None, lang: str) -> str:
    """A stored naive-UTC time, or an ISO 8601 one from a domain view, as staff read it."""
    if not moment:
        return ""
    if isinstance(moment, str):
        parsed = datetime.fromisoformat(moment)
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(UTC).replace(tzinfo=None)
        moment = parsed
    return format_moment(moment, lang, timezone=runtime().settings.brand.timezone)


@bp.before_request
def forget_previous_staff() -> None:
    # ``g`` lives as long as the app context, which may span requests (an app context pushed
    # around a test client): start each console request afresh.
    for name in ("staff", "lang"):
        g.pop(name, None)


@bp.after_request
def no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


@bp.errorhandler(CsrfFailure)
def csrf_failure(error: CsrfFailure) -> tuple[str, int]:
    return render_template("admin/error.html", message=error.message), 400


@bp.errorhandler(404)
def not_found(_: Exception) -> tuple[str, int]:
    return render_template("admin/error.html", message="admin.not_found"), 404
