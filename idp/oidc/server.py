"""Authlib wiring: the authorization server, its grants and extensions."""

from __future__ import annotations

import base64
import time
from datetime import datetime, timedelta
from typing import Any, cast
from urllib.parse import unquote

from authlib.common.urls import add_params_to_uri
from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.integrations.flask_oauth2.requests import FlaskOAuth2Request
from authlib.oauth2.rfc6749 import (
    InvalidClientError,
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
    OAuth2Error,
    OAuth2Request,
    grants,
    list_to_scope,
    scope_to_list,
)
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc9207 import IssuerParameter
from authlib.oidc.core import OpenIDCode
from authlib.oidc.core.util import create_half_hash
from flask import Flask, current_app, redirect
from flask import request as flask_request
from werkzeug.wrappers import Response as HttpResponse

from idp import audit
from idp.clients import access
from idp.clients.registry import ClientRegistry, RegisteredClient
from idp.db import db, utcnow
from idp.interaction.assurance import acr_for
from idp.models import Member, RefreshToken
from idp.oidc.claims import SUPPORTED_SCOPES
from idp.runtime import runtime
from idp.tokens.codes import AuthorizationCode, AuthorizationCodes
from idp.tokens.issued import (
    AuthContext,
    Tokens,
    find_refresh_token,
    mark_used,
    new_family_id,
    sign,
)

EXTENSION = "idp.oauth2"
CLIENT_AUTH_METHODS = ("client_secret_basic", "client_secret_post", "none")


class IssuerRequest(FlaskOAuth2Request):
    """The Flask request with its URI rebuilt on the issuer, so a TLS-terminating proxy in
    front of idp does not make Authlib see an insecure transport."""

    def __init__(self, request) -> None:
        self._idp_uri = runtime().settings.server.issuer + request.full_path
        super().__init__(request)
        self.uri = self._idp_uri


class StoredRequest(OAuth2Request):
    """An authorization request resumed from its interaction record."""

    def __init__(self, params: dict[str, str], auth: AuthContext | None = None) -> None:
        super().__init__("GET", runtime().settings.server.issuer + "/authorize")
        self.payload = BasicOAuth2Payload(params)
        self._params = params
        self.idp_auth = auth

    @property
    def args(self) -> dict[str, str]:
        return self._params

    @property
    def form(self) -> dict[str, str]:
        return {}


class Server(AuthorizationServer):
    def create_oauth2_request(self, request):
        if isinstance(request, OAuth2Request):
            return request
        return IssuerRequest(flask_request)

    def query_client(self, client_id):
        return ClientRegistry.of(runtime()).find(client_id)

    def save_token(self, token, request):
        db.session.commit()

    def send_signal(self, name, *args, **kwargs):
        """Authlib signals are not used: audit events are recorded where things happen."""


class Issuer(IssuerParameter):
    def get_issuer(self) -> str:
        return runtime().settings.server.issuer


class PkceS256(CodeChallenge):
    """PKCE with S256 only; required for public clients and, by default, every client
    (README.md). ``plain`` is refused."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ("S256",)
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"

    def validate_code_challenge(self, grant, redirect_uri):
        data = grant.request.payload.data
        client = cast(RegisteredClient, grant.request.client)
        if not data.get("code_challenge") and client.require_pkce:
            raise InvalidRequestError("PKCE is required: send code_challenge with S256.")
        if data.get("code_challenge") and data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("code_challenge_method must be S256.")
        super().validate_code_challenge(grant, redirect_uri)


class IdToken(OpenIDCode):
    """ID tokens with the documented claims (README.md), signed with the loaded key object."""

    def exists_nonce(self, nonce, request):
        return False  # nonce replay is the relying party's check (OIDC Core §15.5.2)

    def __call__(self, grant):
        grant.register_hook("after_create_token_response", self.process_token)
        grant.register_hook(
            "after_validate_authorization_request_payload",
            self.validate_openid_authorization_request,
        )

    def encode_id_token(self, token, request):
        code: AuthorizationCode = request.authorization_code
        client: RegisteredClient = request.client
        member: Member = request.user
        rt = runtime()
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": rt.settings.server.issuer,
            "sub": member.subject,
            "aud": client.client_id,
            "azp": client.client_id,
            "iat": now,
            "exp": now + client.ttl("id_token_ttl", rt.settings.tokens.id_token_ttl),
            "auth_time": code.auth_time,
            "amr": code.amr,
            "acr": code.acr,
            "sid": code.sid,
        }
        if code.nonce:
            claims["nonce"] = code.nonce
        alg = rt.keys.current().signing_alg
        at_hash = create_half_hash(token["access_token"], alg)
        if at_hash is not None:
            claims["at_hash"] = at_hash.decode()
        return sign(claims, rt.keys)


def _token_response(
    tokens: Tokens, client: RegisteredClient, scope: str, member: Member, ctx: AuthContext,
    family_id: str | None, with_refresh: bool, rotated: RefreshToken | None = None,
) -> tuple[dict[str, Any], str | None, str]:  # fmt: skip
    """The token answer. ``rotated``: the refresh token being rotated, whose family keeps its
    scope (a narrower ``scope`` narrows the access token only, RFC 6749 §6) and its end."""
    if with_refresh:
        family_id = family_id or new_family_id()
    access, expires_in, jti = tokens.issue_access_token(
        client, scope, member.subject, ctx, family_id
    )
    token: dict[str, Any] = {
        "token_type": "Bearer",
        "access_token": access,
        "expires_in": expires_in,
        "scope": scope,
    }
    if with_refresh:
        token["refresh_token"], family_id = tokens.issue_refresh_token(
            client,
            rotated.scope if rotated is not None else scope,
            ctx,
            family_id,
            _family_end(tokens, client, rotated) if rotated is not None else None,
        )
    return token, family_id, jti


def _family_end(tokens: Tokens, client: RegisteredClient, row: RefreshToken) -> datetime:
    """The end of the family ``row`` belongs to (counted from the token's issue for tokens
    issued before families had one)."""
    if row.family_expires_at is not None:
        return row.family_expires_at
    return row.issued_at + timedelta(seconds=client.refresh_family_lifetime(tokens.settings))


def _active_member(member_id: int) -> Member | None:
    member = db.session.get(Member, member_id)
    return member if member is not None and member.active else None


class CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS

    def __init__(self, request, server) -> None:
        """Authlib builds a grant per request: its stores are resolved once, here."""
        super().__init__(request, server)
        rt = runtime()
        self.codes = AuthorizationCodes.of(rt)
        self.tokens = Tokens.of(rt)

    def save_authorization_code(self, code, request):
        auth: AuthContext = request.idp_auth
        data = request.payload.data
        self.codes.save(
            code,
            AuthorizationCode(
                client_id=request.client.client_id,
                redirect_uri=data.get("redirect_uri") or "",
                scope=request.scope,
                member_id=auth.member_id,
                auth_time=auth.auth_time,
                amr=auth.amr,
                acr=auth.acr or acr_for(auth.amr),
                sid=auth.sid or "",
                nonce=data.get("nonce"),
                code_challenge=data.get("code_challenge"),
                code_challenge_method=data.get("code_challenge_method"),
            ),
        )

    def query_authorization_code(self, code, client):
        record = self.codes.take(code) if isinstance(code, str) and len(code) < 256 else None
        if record is None:
            issued = self.codes.replayed(code) if isinstance(code, str) else None
            if issued:
                _revoke_code_grant(self.tokens, issued, client)
            return None
        if record.client_id != client.client_id:
            return None
        return record

    def delete_authorization_code(self, authorization_code):
        """Already gone: ``AuthorizationCodes.take`` removed it atomically."""

    def authenticate_user(self, authorization_code):
        return _active_member(authorization_code.member_id)

    def generate_token(self, user=None, scope=None, grant_type=None, expires_in=None,
                       include_refresh_token=True):  # fmt: skip
        code: AuthorizationCode = self.request.authorization_code
        ctx = AuthContext(user.id, code.sid or None, code.auth_time, code.amr, code.acr)
        token, family_id, jti = _token_response(
            self.tokens, self.request.client, scope, user, ctx, None, include_refresh_token
        )
        if not self.codes.record_issued(code.code_hash, family_id, jti):
            raise InvalidGrantError("The authorization code was used twice.")
        audit.record("token.issued", member_id=user.id, client_id=self.request.client.client_id,
                     grant_type="authorization_code", sid=code.sid or None,
                     family=family_id)  # fmt: skip
        db.session.commit()  # issued tokens are durable before they leave, locks held briefly
        return token


def _revoke_code_grant(tokens: Tokens, issued: dict[str, Any], client: RegisteredClient) -> None:
    """RFC 6749 §4.1.2: a code used twice revokes the tokens issued from it."""
    family_id = issued.get("family_id")
    if family_id:
        tokens.revoke_family(family_id, reason="code_replayed")
    if issued.get("jti"):
        ttl = client.ttl("access_token_ttl", tokens.settings.access_token_ttl)
        tokens.revoke_access_token(issued["jti"], int(time.time()) + ttl)
    audit.record("token.code_replayed", client_id=client.client_id, family=family_id)
    db.session.commit()  # the request is refused, the revocation must stand


class RefreshedToken:
    """A refresh-token row as Authlib's refresh grant expects it."""

    def __init__(self, row) -> None:
        self.row = row

    def check_client(self, client) -> bool:
        return self.row.client_id == client.client_id

    def get_scope(self) -> str:
        return self.row.scope


class RefreshGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True

    def __init__(self, request, server) -> None:
        super().__init__(request, server)
        self.tokens = Tokens.of(runtime())

    def authenticate_refresh_token(self, refresh_token):
        """The presented token if it may be rotated now. Every refusal is audited; presenting
        a token that was already used (whoever lost a parallel race, or a replay later on)
        is a reuse: the family is revoked (RFC 9700 §4.14.2). A token presented by another
        client is refused without being burnt."""
        row = find_refresh_token(refresh_token)
        client = self.request.client
        if row is None:
            _refresh_rejected(client, None, "unknown")
            return None
        if row.client_id != client.client_id:
            _refresh_rejected(client, row, "wrong_client")
            return None
        if row.used_at is not None:
            _refresh_reused(self.tokens, client, row)
            return None
        if row.revoked_at is not None:
            _refresh_rejected(client, row, "revoked_family")
            return None
        if row.expires_at <= utcnow():
            _refresh_rejected(client, row, "expired")
            return None
        if not mark_used(row):
            _refresh_reused(self.tokens, client, row)
            return None
        return RefreshedToken(row)

    def authenticate_user(self, refresh_token):
        """The member, still active and still allowed to use this client (a contract that
        ended ends the client's refreshes)."""
        row = refresh_token.row
        member = _active_member(row.member_id)
        client = self.request.client
        if member is None:
            _refresh_rejected(client, row, "inactive_member")
            raise InvalidGrantError("The account is no longer active.")
        if not access.allowed(client, member):
            _refresh_rejected(client, row, "access_rule")
            raise InvalidGrantError("The member may no longer use this client.")
        return member

    def generate_token(self, user=None, scope=None, grant_type=None, expires_in=None,
                       include_refresh_token=True):  # fmt: skip
        row = self.request.refresh_token.row
        ctx = AuthContext(user.id, row.sid, row.auth_time, list(row.amr or []), row.acr)
        token, _, _ = _token_response(
            self.tokens, self.request.client, scope, user, ctx, row.family_id, True, rotated=row
        )
        audit.record("token.refreshed", member_id=user.id, client_id=row.client_id,
                     sid=row.sid, family=row.family_id)  # fmt: skip
        # The rotation is durable before the new tokens leave, and the presented token's row
        # lock is released at once for the parallel requests that lose the race.
        db.session.commit()
        return token

    def revoke_old_credential(self, refresh_token):
        """Marked used when it was presented (``authenticate_refresh_token``)."""


def _refresh_rejected(client: RegisteredClient, row: RefreshToken | None, reason: str) -> None:
    """Audit a refused refresh (committed now: the request ends in an error)."""
    audit.record("token.refresh_rejected", client_id=client.client_id, reason=reason,
                 **_family_detail(row))  # fmt: skip


def _refresh_reused(tokens: Tokens, client: RegisteredClient, row: RefreshToken) -> None:
    """A used token presented again: revoke the family and audit the reuse, committed now."""
    audit.record("token.refresh_reused", client_id=client.client_id,
                 **_family_detail(row))  # fmt: skip
    tokens.revoke_family(row.family_id, reason="refresh_reused")
    db.session.commit()


def _family_detail(row: RefreshToken | None) -> dict[str, Any]:
    if row is None:
        return {}
    return {"member_id": row.member_id, "sid": row.sid, "family": row.family_id}


class ServiceGrant(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ("client_secret_basic", "client_secret_post")
    granted_scope = ""

    def __init__(self, request, server) -> None:
        super().__init__(request, server)
        self.tokens = Tokens.of(runtime())

    def validate_requested_scope(self):
        """Only the client's own service scopes (never member scopes: the token's subject is
        the client); none requested means all of them (RFC 6749 §3.3)."""
        client: RegisteredClient = self.request.client
        allowed = [s for s in client.scopes if s not in SUPPORTED_SCOPES]
        requested = scope_to_list(self.request.payload.scope or "") or []
        if any(s not in allowed for s in requested):
            raise InvalidScopeError("The client may not ask for this scope.")
        self.granted_scope = list_to_scope(requested or allowed) or ""

    def generate_token(self, user=None, scope=None, grant_type=None, expires_in=None,
                       include_refresh_token=True):  # fmt: skip
        client: RegisteredClient = self.request.client
        scope = self.granted_scope
        access, ttl, _ = self.tokens.issue_access_token(client, scope, client.client_id, None)
        token = {"token_type": "Bearer", "access_token": access, "expires_in": ttl}
        if scope:
            token["scope"] = scope
        return token


def basic_credentials(headers) -> tuple[str | None, str | None]:
    """``client_secret_basic`` credentials (RFC 6749 §2.3.1), or (None, None) for any header
    that is not well-formed Basic: bad base64, bytes that are not UTF-8, no colon."""
    scheme, _, value = (headers.get("Authorization") or "").strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "basic" or not value:
        return None, None
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except ValueError:  # binascii.Error, UnicodeDecodeError, non-ASCII input
        return None, None
    client_id, colon, secret = decoded.partition(":")
    if not colon:
        return None, None
    return unquote(client_id), unquote(secret)


def authenticate_basic(query_client, request) -> RegisteredClient | None:
    """Authlib's ``client_secret_basic``, minus its crashes on malformed headers."""
    client_id, secret = basic_credentials(request.headers)
    if not client_id or not secret:
        return None
    client = query_client(client_id)
    if client is None:
        raise InvalidClientError(status_code=401, description="Unknown client.")
    return client if client.check_client_secret(secret) else None


def authorization_error(error: OAuth2Error, state: str | None) -> HttpResponse:
    """Send an authorization error back to a *verified* redirect URI, with ``iss``
    (RFC 9207) and the original ``state``."""
    params = [("error", error.error)]
    if error.description:
        params.append(("error_description", error.description))
    if state:
        params.append(("state", state))
    params.append(("iss", runtime().settings.server.issuer))
    return redirect(add_params_to_uri(error.redirect_uri, params), code=302)


def build_server(app: Flask) -> Server:
    """Authlib's server for ``app`` with this provider's grants; ``routes.py`` adds the
    endpoints and the blueprint."""
    server = Server()
    server.init_app(app)
    server.register_client_auth_method("client_secret_basic", authenticate_basic)
    server.register_grant(CodeGrant, [PkceS256(required=True), IdToken(require_nonce=False)])
    server.register_grant(RefreshGrant)
    server.register_grant(ServiceGrant)
    server.register_extension(Issuer())
    app.extensions[EXTENSION] = server
    return server


def get_server() -> Server:
    return cast(Server, current_app.extensions[EXTENSION])
