"""Authorization endpoint (OIDC Core §3.1.2) and its resumption after the sign-in steps.

``/authorize`` validates the request with Authlib, then either answers at once (a usable SSO
session, or ``prompt=none``) or stores the request as an interaction and hands the browser to
the sign-in steps. ``/authorize/resume/<id>`` issues the code once the steps are done.
"""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

from authlib.oauth2.rfc6749 import (
    AccessDeniedError,
    InvalidRequestError,
    OAuth2Error,
    UnsupportedResponseTypeError,
)
from authlib.oidc.core.errors import (
    ConsentRequiredError,
    InteractionRequiredError,
    LoginRequiredError,
)
from flask import Response, render_template, request
from werkzeug.wrappers import Response as HttpResponse

from idp import audit, sso
from idp.clients.registry import ClientRegistry, RegisteredClient
from idp.db import db
from idp.errors import InteractionExpired
from idp.interaction import policy
from idp.interaction.policy import Planner
from idp.interaction.sign_in import SignIn
from idp.interaction.state import Interaction, Interactions, new_id
from idp.models import Member
from idp.oidc.blueprint import bp
from idp.oidc.claims import RESPONSE_MODES
from idp.oidc.server import StoredRequest, authorization_error, get_server
from idp.runtime import runtime
from idp.tokens.id_token_hint import Hint, decode_hint
from idp.tokens.issued import AuthContext
from idp.web import i18n
from idp.web.csrf import browser_id, check_csrf

MAX_PARAM_LENGTH = 2048
# The parameters an authorization request keeps while the member signs in; others are ignored.
KNOWN_PARAMS = frozenset({
    "response_type", "client_id", "redirect_uri", "scope", "state", "nonce", "code_challenge",
    "code_challenge_method", "prompt", "max_age", "login_hint", "ui_locales", "acr_values",
    "id_token_hint", "claims_locales", "display", "response_mode", "request", "request_uri",
})  # fmt: skip
CANCEL_REASONS = ("cancelled", "consent_refused", "access_denied")
# OIDC Core §3.1.2.6: what prompt=none answers when the session is not enough.
PROMPT_NONE_ERRORS: dict[str, type[OAuth2Error]] = {
    "login_required": LoginRequiredError,
    "interaction_required": InteractionRequiredError,
    "access_denied": AccessDeniedError,
    "consent_required": ConsentRequiredError,
}
# RFC 6749 §4.1.2.1: the characters Authlib accepts in an error description.
ERROR_SAFE = re.compile(r"[\x20-\x21\x23-\x5b\x5d-\x7e]*")


@bp.route("/authorize", methods=["GET", "POST"])
def authorize() -> HttpResponse:
    params = {k: v for k, v in request.values.items() if k in KNOWN_PARAMS}
    session = sso.SsoSessions.of(runtime()).current()
    member = _member(session)
    server = get_server()
    try:
        _precheck()
        grant = server.get_consent_grant(end_user=member)
        _validate_oidc_params(params, grant.redirect_uri)
    except OAuth2Error as error:
        return _error(error, params)
    client: RegisteredClient = grant.request.client
    hint = params.get("id_token_hint")
    rt = runtime()
    decoded = decode_hint(hint, keys=rt.keys, issuer=rt.settings.server.issuer)
    facts = policy.request_facts(
        params, client, member,
        session.amr if session is not None else [],
        session.auth_time if session is not None else None,
        hinted_subject(decoded, client), bool(hint),
    )  # fmt: skip
    plan = policy.plan(facts)
    if "none" in params.get("prompt", "").split():
        if plan.needed:
            needed = PROMPT_NONE_ERRORS.get(plan.prompt_none_error or "", LoginRequiredError)
            return _error(needed(redirect_uri=grant.redirect_uri), params)
        return _issue(StoredRequest(params), member, session, client)
    if not plan.needed:
        return _issue(StoredRequest(params), member, session, client)
    pending = Interaction(
        id=new_id(),
        client_id=client.client_id,
        params=params,
        browser=browser_id(),
        lang=i18n.pick(params.get("ui_locales")),
        created_at=int(time.time()),
        reasons=plan.reasons(),
        session_member_id=member.id if member is not None else None,
        session_auth_time=session.auth_time if session is not None else None,
        hint_subject=facts.hint_subject,
        has_hint=facts.has_hint,
    )
    if not plan.fresh and session is not None:
        # The member is known from the session: a step-up (the code), the access rule or the
        # consent remains.
        pending.member_id, pending.amr = session.member_id, list(session.amr)
        pending.auth_time = session.auth_time
    Interactions.of(rt).start(pending)
    return policy.to_next_step(pending)


def hinted_subject(decoded: Hint | None, client: RegisteredClient) -> str | None:
    """``sub`` of an ID token we issued to this client (expired ones accepted, §3.1.2.1)."""
    return decoded.sub if decoded is not None and client.client_id in decoded.audiences else None


@bp.get("/authorize/resume/<interaction_id>")
def resume(interaction_id: str) -> HttpResponse:
    rt = runtime()
    planner = Planner.of(rt)
    pending = planner.interactions.load(interaction_id, browser_id())
    if planner.next_step(pending) is not None:
        return policy.to_next_step(pending)
    if not planner.interactions.finish(pending.id):
        raise InteractionExpired()
    client = planner.clients.find(pending.client_id)
    sign_in = SignIn.of(rt)
    session = sign_in.current_session(pending)
    if client is None or session is None:
        raise InteractionExpired()
    member = _member(session)
    if member is None:
        raise InteractionExpired()
    response = _issue(StoredRequest(pending.params), member, session, client, pending)
    sign_in.set_session_cookie(response, session)
    return response


@bp.post("/authorize/cancel/<interaction_id>")
def cancel(interaction_id: str) -> HttpResponse:
    """The member went back to the service without signing in, refused consent, or may not
    use it (access rule): ``access_denied``."""
    check_csrf()
    interactions = Interactions.of(runtime())
    pending = interactions.load(interaction_id, browser_id())
    interactions.finish(pending.id)
    reason = request.form.get("reason", "")
    audit.record("authorization.cancelled", member_id=pending.member_id,
                 client_id=pending.client_id,
                 reason=reason if reason in CANCEL_REASONS else "cancelled")  # fmt: skip
    req = StoredRequest(pending.params)
    server = get_server()
    try:
        grant = server.get_authorization_grant(req)
        redirect_uri = grant.validate_authorization_request()
    except OAuth2Error as error:
        return _error(error, pending.params)
    return authorization_error(AccessDeniedError(redirect_uri=redirect_uri), req.payload.state)


def _member(session: sso.SsoSession | None) -> Member | None:
    if session is None:
        return None
    member = db.session.get(Member, session.member_id)
    return member if member is not None and member.active else None


def _well_formed_uri(uri: str) -> bool:
    if not ERROR_SAFE.fullmatch(uri):
        return False
    try:
        urlsplit(uri).port  # noqa: B018  (raises on a bad port or host)
    except ValueError:
        return False
    return True


def _verified_redirect_uri() -> str | None:
    """The redirect URI errors may be sent to: the client's registered one, exactly
    (RFC 6749 §4.1.2.1), as Authlib decides; None when it cannot be trusted."""
    values = request.values
    if len(values.getlist("client_id")) > 1 or len(values.getlist("redirect_uri")) > 1:
        return None
    client = ClientRegistry.of(runtime()).find(values.get("client_id"))
    if client is None:
        return None
    uri = values.get("redirect_uri")
    return uri if uri and _well_formed_uri(uri) and client.check_redirect_uri(uri) else None


def _precheck() -> None:
    """Refuse what Authlib cannot answer cleanly: over-long values, redirect URIs that do not
    parse, and values that cannot appear in an error description."""
    values = request.values
    uri = values.get("redirect_uri")
    if uri and not _well_formed_uri(uri):
        raise InvalidRequestError("Invalid 'redirect_uri'.")
    if any(len(v) > MAX_PARAM_LENGTH for k, v in values.items(multi=True) if k in KNOWN_PARAMS):
        raise InvalidRequestError("A parameter is too long.", redirect_uri=_verified_redirect_uri())
    response_type = values.get("response_type")
    if response_type and not ERROR_SAFE.fullmatch(response_type):
        raise UnsupportedResponseTypeError("", redirect_uri=_verified_redirect_uri())


def _validate_oidc_params(params: dict[str, str], redirect_uri: str) -> None:
    """OIDC Core §3.1.2.1 parameters Authlib leaves to the provider."""
    prompts = params.get("prompt", "").split()
    if "none" in prompts and len(prompts) > 1:
        raise InvalidRequestError("prompt=none cannot be combined.", redirect_uri=redirect_uri)
    if any(p not in ("none", "login", "consent", "select_account") for p in prompts):
        raise InvalidRequestError("Unsupported prompt value.", redirect_uri=redirect_uri)
    max_age = params.get("max_age")
    if max_age is not None and not (max_age.isascii() and max_age.isdigit() and len(max_age) < 10):
        raise InvalidRequestError("max_age must be a number of seconds.", redirect_uri=redirect_uri)
    mode = params.get("response_mode")
    if mode is not None and mode not in RESPONSE_MODES:
        # Redirected with the query encoding: the one mode this provider answers in.
        error = InvalidRequestError("Unsupported response_mode.", redirect_uri=redirect_uri)
        error.error = "unsupported_response_mode"
        raise error
    for unsupported in ("request", "request_uri"):
        if unsupported in params:
            error = InvalidRequestError(
                f"{unsupported} is not supported.", redirect_uri=redirect_uri
            )
            error.error = f"{unsupported}_not_supported"
            raise error


def _issue(
    req: StoredRequest, member: Member | None, session: sso.SsoSession | None,
    client: RegisteredClient, pending: Interaction | None = None,
) -> HttpResponse:  # fmt: skip
    """Run Authlib's authorization response for an authenticated member."""
    assert member is not None and session is not None
    req.idp_auth = AuthContext(
        member_id=member.id,
        sid=session.public_sid,
        auth_time=session.auth_time,
        amr=session.amr,
        acr=session.acr,
    )
    server = get_server()
    try:
        grant = server.get_authorization_grant(req)
    except OAuth2Error as error:
        return _error(error, req.args)
    response = server.create_authorization_response(request=req, grant_user=member, grant=grant)
    if response.status_code == 302 and "code=" in (response.location or ""):
        sso.SsoSessions.of(runtime()).add_client(session, client.client_id)
        # Which steps this sign-in took and skipped, and why (none: single sign-on).
        steps = pending.reasons if pending is not None else {}
        skipped = pending.skipped if pending is not None else {}
        audit.record("authorization.granted", member_id=member.id, client_id=client.client_id,
                     steps={k: v for k, v in steps.items() if k not in skipped},
                     skipped=skipped,  # the device, for the account page's activity
                     user_agent=request.user_agent.string[:sso.USER_AGENT_LENGTH])  # fmt: skip
    return response


def _error(error: OAuth2Error, params: dict[str, str]) -> HttpResponse:
    """Errors go back to the client only when its redirect URI was verified; otherwise the
    member sees a page and nothing is redirected (RFC 6749 §4.1.2.1)."""
    if error.redirect_uri:
        state = params.get("state")
        return authorization_error(
            error, state if state and len(state) <= MAX_PARAM_LENGTH else None
        )
    client_id = params.get("client_id")
    audit.record(
        "authorization.rejected",
        client_id=client_id if ClientRegistry.of(runtime()).find(client_id) is not None else None,
        error=error.error,
    )
    body = render_template("errors/authorize.html", error=error.error)
    return Response(body, status=400, mimetype="text/html")
