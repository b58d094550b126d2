"""End-session endpoint (OIDC RP-Initiated Logout 1.0): ``/logout`` (GET and POST) and the
member's answer to the "do you want to sign out?" page (``/logout/confirm``).

Nobody is signed out by a link alone: without an ``id_token_hint`` naming the browser's own
session, the member confirms with a form carrying the CSRF token. The browser then goes to
the checked ``post_logout_redirect_uri`` with ``state`` only (never the hint), or sees the
signed-out page.
"""

from __future__ import annotations

from authlib.common.urls import add_params_to_uri
from flask import make_response, redirect, render_template, request
from werkzeug.wrappers import Response as HttpResponse

from idp import audit
from idp.clients.registry import ClientRegistry
from idp.db import db
from idp.logout.sign_out import SignOut
from idp.models import Member
from idp.oidc.blueprint import bp
from idp.oidc.logout_request import (
    LogoutRejected,
    LogoutRequest,
    save_pending,
    take_pending,
    validate_logout_request,
)
from idp.runtime import runtime
from idp.sso import SsoSessions
from idp.web import i18n
from idp.web.csrf import browser_id, check_csrf

# ``logout_hint`` is accepted and ignored: the hint and the cookie say who signs out.
PARAMS = ("id_token_hint", "client_id", "post_logout_redirect_uri", "state", "ui_locales",
          "logout_hint")  # fmt: skip


@bp.route("/logout", methods=["GET", "POST"])
def end_session() -> HttpResponse:
    values = request.values
    params = {name: values[name] for name in PARAMS if values.get(name)}
    i18n.set_language(i18n.pick(params.get("ui_locales", "")[:100]))
    try:
        if any(len(values.getlist(name)) > 1 for name in PARAMS):
            raise LogoutRejected("logout.error.invalid_request", "a parameter is repeated")
        rt = runtime()
        logout = validate_logout_request(
            params, keys=rt.keys, issuer=rt.settings.server.issuer, clients=ClientRegistry.of(rt)
        )
    except LogoutRejected as rejected:
        return _rejected(rejected, params.get("client_id"))
    sign_out = SignOut.of(rt)
    session = sign_out.sessions.current()
    if session is None:
        return _signed_out(logout)
    member = db.session.get(Member, session.member_id)
    if member is not None and logout.names_session(member.subject, session.public_sid):
        sign_out.sign_out_session(session, client_id=_client_id(logout))
        return _signed_out(logout)
    request_id = save_pending(logout, browser_id(), i18n.current(), redis=rt.redis,
                              ttl=rt.settings.logout.confirm_ttl)  # fmt: skip
    page = render_template(
        "logout/confirm.html",
        request_id=request_id,
        client_name=logout.client.name if logout.client else None,
    )
    return make_response(page)


@bp.post("/logout/confirm")
def confirm_logout() -> HttpResponse:
    """The member answered "Oui, me déconnecter": the browser's session ends, whatever became
    of the request that led here (an expired one only loses its redirect)."""
    check_csrf()
    rt = runtime()
    logout, lang = take_pending(request.form.get("logout_request"), browser_id(),
                                redis=rt.redis, clients=ClientRegistry.of(rt))  # fmt: skip
    if lang:
        i18n.set_language(lang)
    sign_out = SignOut.of(rt)
    session = sign_out.sessions.current()
    if session is not None:
        sign_out.sign_out_session(session, client_id=_client_id(logout))
    return _signed_out(logout)


def _client_id(logout: LogoutRequest | None) -> str | None:
    return logout.client.client_id if logout and logout.client else None


def _signed_out(logout: LogoutRequest | None) -> HttpResponse:
    if logout is not None and logout.redirect_uri:
        params = [("state", logout.state)] if logout.state else []
        response = redirect(add_params_to_uri(logout.redirect_uri, params), code=303)
    else:
        response = make_response(render_template("logout/signed_out.html"))
    SsoSessions.of(runtime()).clear_cookie(response)
    return response


def _rejected(rejected: LogoutRejected, client_id: str | None) -> HttpResponse:
    audit.record(
        "logout.rejected",
        client_id=client_id if ClientRegistry.of(runtime()).find(client_id) is not None else None,
        reason=rejected.detail or rejected.message,
    )
    page = render_template("logout/error.html", message=rejected.message)
    return make_response(page, 400)
