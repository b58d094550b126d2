"""UserInfo endpoint (OIDC Core §5.3): GET or POST with a bearer access token."""

from __future__ import annotations

from flask import Response, jsonify, request

from idp.db import db
from idp.models import Member
from idp.oidc.blueprint import bp
from idp.oidc.claims import member_claims
from idp.runtime import runtime
from idp.tokens.issued import Tokens


def _bearer_error(error: str, status: int, description: str = "") -> Response:
    value = f'Bearer error="{error}"'
    if description:
        value += f', error_description="{description}"'
    body = {"error": error, **({"error_description": description} if description else {})}
    response = jsonify(body)
    response.status_code = status
    response.headers["WWW-Authenticate"] = value
    return response


def _presented_token() -> str | None:
    """RFC 6750 §2.1 header, or §2.2 form body on POST; never both."""
    header = request.headers.get("Authorization", "")
    form_token = request.form.get("access_token") if request.method == "POST" else None
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip() or form_token:
            return None
        return value.strip()
    return form_token


@bp.route("/userinfo", methods=["GET", "POST", "OPTIONS"])
def userinfo() -> Response:
    if request.method == "OPTIONS":
        return Response(status=204)
    token = _presented_token()
    if not token:
        response = _bearer_error("invalid_request", 401)
        response.headers["WWW-Authenticate"] = "Bearer"
        return response
    claims = Tokens.of(runtime()).verify_access_token(token)
    if claims is None:
        return _bearer_error("invalid_token", 401, "The access token is invalid or expired.")
    scope = str(claims.get("scope", ""))
    if "openid" not in scope.split():
        return _bearer_error("insufficient_scope", 403, "The openid scope is required.")
    member = db.session.query(Member).filter_by(subject=claims["sub"]).one_or_none()
    if member is None or not member.active:
        return _bearer_error("invalid_token", 401, "The access token is invalid or expired.")
    response = jsonify(member_claims(member, scope))
    response.headers["Cache-Control"] = "no-store"
    return response
