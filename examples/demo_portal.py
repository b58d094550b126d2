"""A demo relying party of idp: the shared code of ``examples.health_portal`` and
``examples.provident_portal`` (README, "Integrating a portal").

What a portal of the group does with idp, in one small Flask app:

* Authlib's Flask client, configured from discovery, signs the member in with the authorization
  code flow, PKCE S256 and ``client_secret_basic``; Authlib checks the ID token's signature,
  ``iss``, ``aud``, ``exp`` and ``nonce``, this module the RFC 9207 ``iss`` of the response;
* the local session lives on the server (in memory: a demo, one process), keyed by a random
  cookie, and is indexed by the provider's ``sid`` and ``sub``;
* ``/logout`` ends the local session and sends the browser to the provider's
  ``end_session_endpoint`` (RP-initiated logout);
* the back-channel logout receiver validates the provider's logout token (OpenID Connect
  Back-Channel Logout 1.0 §2.6) and ends the local sessions it names.

Configuration from the environment: ``IDP_ISSUER`` (the provider), ``PORTAL_URL`` (this portal's
public URL), ``OTHER_PORTAL_URL``, the client secret in the variable ``clients.yaml`` names for
this client (development default: ``dev-secret-<client_id>-change-me-0123456789``, as the
provider's), ``PORTAL_BIND`` / ``PORTAL_PORT`` (where to listen).
"""

from __future__ import annotations

import hmac
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeGuard, cast
from urllib.parse import urlsplit

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, Request, Response, jsonify, redirect, render_template_string, request
from flask import session as flask_session
from flask.sessions import SessionInterface, SessionMixin
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry
from werkzeug.datastructures import CallbackDict

log = logging.getLogger(__name__)

DEFAULT_ISSUER = "http://127.0.0.1:8000"
SCOPE = "openid profile member"
BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
LOGOUT_TOKEN_ALGS = ("RS256", "ES256")
SESSION_TTL = 8 * 3600  # a local session lasts at most this long

CONTRACT_NAMES = {"health": "Santé", "provident": "Prévoyance"}
ACR_NAMES = {
    "urn:idp:acr:pwd": "mot de passe",
    "urn:idp:acr:mfa": "mot de passe et code de sécurité",
    "urn:idp:acr:phr": "Face ID ou empreinte digitale",
}


def dev_secret(client_id: str) -> str:
    """The provider's development secret of a confidential client without its variable."""
    return f"dev-secret-{client_id}-change-me-0123456789"


@dataclass(frozen=True)
class PortalConfig:
    name: str  # "Espace santé"
    client_id: str
    client_secret: str
    issuer: str  # no trailing slash
    url: str  # this portal's public URL, no trailing slash
    port: int  # where it listens
    other_portal_url: str
    other_portal_link: str  # "Aller à l'espace prévoyance"

    @property
    def redirect_uri(self) -> str:
        return f"{self.url}/auth/callback"

    @property
    def post_logout_redirect_uri(self) -> str:
        return f"{self.url}/"  # exactly as registered in clients.yaml


# --- Local sessions, on the server --------------------------------------------------------------


class SessionStore:
    """The portal's local sessions, in memory (one process; a restart signs everyone out).

    Indexed by the provider's session id (``sid`` claim) and subject (``sub``) of the signed-in
    member, so that a back-channel logout can end them.
    """

    def __init__(self, ttl: float = SESSION_TTL, clock: Callable[[], float] = time.time) -> None:
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._sessions: dict[str, tuple[float, dict[str, Any]]] = {}  # local id → (expiry, data)
        self._by_sid: dict[str, set[str]] = {}  # provider sid → local ids
        self._by_sub: dict[str, set[str]] = {}  # member sub → local ids

    def load(self, local_id: str) -> dict[str, Any] | None:
        with self._lock:
            entry = self._sessions.get(local_id)
            if entry is None:
                return None
            if entry[0] <= self._clock():
                self._remove(local_id)
                return None
            return dict(entry[1])

    def save(self, local_id: str | None, data: dict[str, Any]) -> str | None:
        """Create a session (``local_id`` None) or update one; the session's id, or None when it
        was ended meanwhile (a back-channel logout): it is not brought back."""
        with self._lock:
            if local_id is None:
                self._purge()
                local_id = secrets.token_urlsafe(32)
                expiry = self._clock() + self._ttl
            elif local_id in self._sessions:
                expiry = self._sessions[local_id][0]
                self._unindex(local_id)
            else:
                return None
            self._sessions[local_id] = (expiry, dict(data))
            user = data.get("user") or {}
            if user.get("sid"):
                self._by_sid.setdefault(user["sid"], set()).add(local_id)
            if user.get("sub"):
                self._by_sub.setdefault(user["sub"], set()).add(local_id)
            return local_id

    def delete(self, local_id: str) -> None:
        with self._lock:
            self._remove(local_id)

    def end_provider_session(self, sid: str, sub: str | None = None) -> int:
        """End the local sessions of the provider's session ``sid`` (of ``sub`` only, when
        given); the number ended."""
        with self._lock:
            ids = set(self._by_sid.get(sid, ()))
            if sub:
                ids &= self._by_sub.get(sub, set())
            for local_id in ids:
                self._remove(local_id)
            return len(ids)

    def end_member_sessions(self, sub: str) -> int:
        """End every local session of the member ``sub``; the number ended."""
        with self._lock:
            ids = set(self._by_sub.get(sub, ()))
            for local_id in ids:
                self._remove(local_id)
            return len(ids)

    def signed_in(self) -> list[dict[str, Any]]:
        """The members signed in now (their ``user`` records): for the tests and the curious."""
        now = self._clock()
        with self._lock:
            return [
                dict(data["user"])
                for expiry, data in self._sessions.values()
                if expiry > now and data.get("user")
            ]

    def _remove(self, local_id: str) -> None:
        self._unindex(local_id)
        self._sessions.pop(local_id, None)

    def _unindex(self, local_id: str) -> None:
        entry = self._sessions.get(local_id)
        user = (entry[1].get("user") or {}) if entry else {}
        for index, key in ((self._by_sid, user.get("sid")), (self._by_sub, user.get("sub"))):
            if key and key in index:
                index[key].discard(local_id)
                if not index[key]:
                    del index[key]

    def _purge(self) -> None:
        now = self._clock()
        for local_id in [i for i, (expiry, _) in self._sessions.items() if expiry <= now]:
            self._remove(local_id)


class ServerSession(CallbackDict[str, Any], SessionMixin):
    """``flask.session`` of a portal: data on the server, only a random id in the cookie."""

    def __init__(self, initial: dict[str, Any] | None = None, local_id: str | None = None) -> None:
        def on_update(s: ServerSession) -> None:
            s.modified = True

        super().__init__(initial, on_update)
        self.local_id = local_id
        self.modified = False
        self.renew = False  # give it a new id when saved (sign-in, sign-out: no fixation)


class ServerSideSessions(SessionInterface):
    def __init__(self, store: SessionStore) -> None:
        self.store = store

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        local_id = request.cookies.get(self.get_cookie_name(app))
        data = self.store.load(local_id) if local_id else None
        if local_id is None or data is None:
            return ServerSession()
        return ServerSession(data, local_id)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        assert isinstance(session, ServerSession)
        name = self.get_cookie_name(app)
        if session.local_id and (session.renew or not session):
            self.store.delete(session.local_id)
        if not session:
            if name in request.cookies:
                response.delete_cookie(name, path=self.get_cookie_path(app))
            return
        if not (session.modified or session.renew):
            return
        local_id = self.store.save(None if session.renew else session.local_id, dict(session))
        if local_id is None:  # ended by a back-channel logout during this request
            response.delete_cookie(name, path=self.get_cookie_path(app))
            return
        response.set_cookie(
            name,
            local_id,
            path=self.get_cookie_path(app),
            httponly=True,
            secure=self.get_cookie_secure(app),
            samesite="Lax",
        )
        response.vary.add("Cookie")


def local_session() -> ServerSession:
    return cast(ServerSession, flask_session)


# --- Back-channel logout -----------------------------------------------------------------------


class InvalidLogoutToken(Exception):
    """The logout token fails a check of Back-Channel Logout 1.0 §2.6 (the reason, for logs)."""


class LogoutTokenVerifier:
    """Validates logout tokens (OpenID Connect Back-Channel Logout 1.0 §2.6) against the
    provider's JWKS, and remembers their ``jti`` to refuse replays."""

    def __init__(
        self,
        client_id: str,
        issuer: Callable[[], str],
        jwks: Callable[[bool], dict[str, Any]],
        max_age: int = 300,
        leeway: int = 60,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client_id = client_id
        self._issuer = issuer
        self._jwks = jwks  # jwks(force_refresh) → the provider's key set
        self._max_age = max_age
        self._leeway = leeway
        self._clock = clock
        self._lock = threading.Lock()
        self._seen: dict[str, float] = {}  # jti → when it can be forgotten
        self._refreshed_at = 0.0
        self._key_set: tuple[dict[str, Any], KeySet] | None = None

    def verify(self, token: str) -> dict[str, Any]:
        """The token's claims, once every check passed; raises :class:`InvalidLogoutToken`."""
        if not token:
            raise InvalidLogoutToken("no logout_token")
        header, claims = self._decode(token)
        typ = header.get("typ")
        if typ is not None and str(typ).lower() not in ("logout+jwt", "application/logout+jwt"):
            raise InvalidLogoutToken(f"typ {typ!r}")
        if claims.get("iss") != self._issuer():
            raise InvalidLogoutToken("iss")
        aud = claims.get("aud")
        audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
        if self._client_id not in audiences:
            raise InvalidLogoutToken("aud")
        now = self._clock()
        iat = claims.get("iat")
        oldest, newest = now - self._max_age - self._leeway, now + self._leeway
        if not _is_number(iat) or not oldest <= iat <= newest:
            raise InvalidLogoutToken("iat missing or not recent")
        exp = claims.get("exp")
        if not _is_number(exp) or exp <= now - self._leeway:
            raise InvalidLogoutToken("exp missing or past")
        events = claims.get("events")
        if not isinstance(events, dict) or not isinstance(
            events.get(BACKCHANNEL_LOGOUT_EVENT), dict
        ):
            raise InvalidLogoutToken("events")
        sid, sub = claims.get("sid"), claims.get("sub")
        if not (isinstance(sid, str) and sid) and not (isinstance(sub, str) and sub):
            raise InvalidLogoutToken("neither sid nor sub")
        for name in ("sid", "sub"):
            if name in claims and not (isinstance(claims[name], str) and claims[name]):
                raise InvalidLogoutToken(name)
        if "nonce" in claims:
            raise InvalidLogoutToken("nonce present")
        jti = claims.get("jti")
        if not isinstance(jti, str) or not jti:
            raise InvalidLogoutToken("jti")
        with self._lock:
            self._seen = {j: t for j, t in self._seen.items() if t > now}
            if jti in self._seen:
                raise InvalidLogoutToken("jti replayed")
            # Past this time the token is refused as too old anyway.
            self._seen[jti] = iat + self._max_age + 2 * self._leeway
        return claims

    def _decode(self, token: str) -> tuple[dict[str, Any], dict[str, Any]]:
        registry = JWSRegistry(algorithms=list(LOGOUT_TOKEN_ALGS), strict_check_header=False)
        try:
            try:
                decoded = jwt.decode(token, self._keys(force=False), registry=registry)
            except InvalidKeyIdError:
                # A key published since the JWKS was fetched; refetch at most every 30 s.
                if self._clock() - self._refreshed_at < 30:
                    raise
                self._refreshed_at = self._clock()
                decoded = jwt.decode(token, self._keys(force=True), registry=registry)
        except (JoseError, ValueError, KeyError, TypeError) as error:
            raise InvalidLogoutToken(f"not a valid JWS of the provider: {error!r}") from None
        return dict(decoded.header), dict(decoded.claims)

    def _keys(self, force: bool) -> KeySet:
        """The provider's keys, imported once per fetched JWKS (importing RSA keys is slow)."""
        jwks = self._jwks(force)
        cached = self._key_set
        if cached is None or cached[0] is not jwks:
            cached = self._key_set = (jwks, KeySet.import_key_set(cast(Any, jwks)))
        return cached[1]


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


# --- Pages -------------------------------------------------------------------------------------

PAGE = """<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ config.name }} — démonstration</title>
<link rel="stylesheet" href="/style.css">
</head>
<body>
<header>
<p class="brand">{{ config.name }}</p>
<p class="note">Portail de démonstration de la connexion unique</p>
</header>
<main>
{% if error %}
<h1>La connexion n'a pas abouti</h1>
<p role="alert">{{ error }}</p>
<p><a href="/">Retour à l'accueil</a></p>
{% elif user %}
<h1>Bonjour {{ user.name or user.sub }}</h1>
<dl>
<dt>Numéro d'adhérent</dt><dd>{{ user.member_number or "—" }}</dd>
<dt>Contrats</dt><dd>{{ contracts or "aucun" }}</dd>
<dt>Méthodes d'authentification (<code>amr</code>)</dt><dd>{{ amr or "—" }}</dd>
<dt>Niveau d'authentification (<code>acr</code>)</dt>
<dd>{{ user.acr or "—" }}{% if acr_name %} ({{ acr_name }}){% endif %}</dd>
</dl>
<p><a href="{{ config.other_portal_url }}/login">{{ config.other_portal_link }}</a>
— sans vous reconnecter : c'est la connexion unique.</p>
<form method="post" action="/logout">
<input type="hidden" name="csrf_token" value="{{ csrf_token }}">
<button type="submit">Se déconnecter</button>
</form>
{% else %}
{% if signed_out %}<p role="status">Vous êtes déconnecté(e).</p>{% endif %}
<h1>Bienvenue</h1>
<p>Connectez-vous avec votre compte adhérent : une seule connexion vous ouvre tous les
espaces de la mutuelle.</p>
<form method="get" action="/login">
<button type="submit">Se connecter</button>
</form>
{% endif %}
</main>
</body>
</html>
"""

STYLESHEET = """\
body { font-family: system-ui, sans-serif; margin: 0; color: #1d1d1f; }
header { background: #0b5cab; color: #fff; padding: 1rem 1.5rem; }
header p { margin: 0; }
.brand { font-size: 1.4rem; font-weight: bold; }
.note { opacity: .85; }
main { max-width: 40rem; padding: 1rem 1.5rem; }
dt { font-weight: bold; margin-top: .75rem; }
dd { margin: 0; }
button { font: inherit; padding: .6rem 1.2rem; border: 0; border-radius: .3rem;
  background: #0b5cab; color: #fff; cursor: pointer; }
button:focus-visible, a:focus-visible { outline: 3px solid #f5a623; outline-offset: 2px; }
[role=alert] { color: #b00020; }
"""


@dataclass
class PortalState:
    """What a portal app keeps (``app.extensions["demo_portal"]``)."""

    config: PortalConfig
    oauth: OAuth
    sessions: SessionStore
    logout_tokens: LogoutTokenVerifier


def create_portal(
    name: str,
    client_id: str,
    port: int,
    other_portal_url: str,
    *,
    other_portal_link: str,
    secret_env: str,
    issuer: str | None = None,
    portal_url: str | None = None,
    client_secret: str | None = None,
) -> Flask:
    """A demo portal: ``client_id`` of ``clients.yaml``, served at ``portal_url`` (default
    ``PORTAL_URL``, else ``http://127.0.0.1:<port>``), signing in at ``issuer`` (default
    ``IDP_ISSUER``) with the secret from ``client_secret`` or the variable ``secret_env``."""
    issuer = (issuer or os.environ.get("IDP_ISSUER") or DEFAULT_ISSUER).rstrip("/")
    url = (portal_url or os.environ.get("PORTAL_URL") or f"http://127.0.0.1:{port}").rstrip("/")
    config = PortalConfig(
        name=name,
        client_id=client_id,
        client_secret=client_secret or os.environ.get(secret_env) or dev_secret(client_id),
        issuer=issuer,
        url=url,
        port=int(os.environ.get("PORTAL_PORT") or port),
        other_portal_url=other_portal_url.rstrip("/"),
        other_portal_link=other_portal_link,
    )

    app = Flask(__name__)
    # Both portals and idp share the host 127.0.0.1 in development, and cookies ignore ports.
    app.config["SESSION_COOKIE_NAME"] = f"{client_id.replace('-', '_')}_session"
    app.config["SESSION_COOKIE_SECURE"] = url.startswith("https://")
    sessions = SessionStore()
    app.session_interface = ServerSideSessions(sessions)

    oauth = OAuth(app)
    oauth.register(
        "idp",
        client_id=config.client_id,
        client_secret=config.client_secret,
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={
            "scope": SCOPE,
            "code_challenge_method": "S256",
            "token_endpoint_auth_method": "client_secret_basic",
            "default_timeout": 10,  # every request to the provider
        },
    )
    provider: Any = oauth.create_client("idp")

    def metadata() -> dict[str, Any]:
        return cast(dict[str, Any], provider.load_server_metadata())

    verifier = LogoutTokenVerifier(
        client_id,
        issuer=lambda: cast(str, metadata()["issuer"]),
        jwks=lambda force: cast(dict[str, Any], provider.fetch_jwk_set(force=force)),
    )
    app.extensions["demo_portal"] = PortalState(config, oauth, sessions, verifier)
    provider_origin = "{0.scheme}://{0.netloc}".format(urlsplit(issuer))

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'none'; style-src 'self'; base-uri 'none'; frame-ancestors 'none'; "
            f"form-action 'self' {provider_origin}",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if response.mimetype == "text/html":
            response.headers["Cache-Control"] = "no-store"
        return response

    def page(status: int = 200, **context: Any) -> tuple[str, int]:
        user = context.get("user")
        if user:
            context.update(
                contracts=", ".join(CONTRACT_NAMES.get(c, c) for c in user.get("contracts", [])),
                amr=", ".join(user.get("amr", [])),
                acr_name=ACR_NAMES.get(user.get("acr", "")),
            )
        return render_template_string(PAGE, config=config, **context), status

    @app.get("/")
    def home() -> tuple[str, int]:
        signed_out = False
        if "state" in request.args:  # back from the provider's logout
            try:
                provider.validate_logout_response()
                signed_out = True
            except OAuthError:
                pass
        session = local_session()
        return page(user=session.get("user"), csrf_token=session.get("csrf"), signed_out=signed_out)

    @app.get("/style.css")
    def stylesheet() -> Response:
        return Response(STYLESHEET, mimetype="text/css")

    @app.get("/login")
    def login() -> Any:
        if local_session().get("user"):
            return redirect("/")
        try:
            return provider.authorize_redirect(config.redirect_uri)
        except (requests.RequestException, ValueError, KeyError, RuntimeError):
            log.exception("cannot reach the provider at %s", issuer)
            return page(503, error="Le service de connexion ne répond pas. Réessayez plus tard.")

    @app.get("/auth/callback")
    def callback() -> Any:
        try:
            # RFC 9207: the response (errors included) must come from our provider.
            iss = request.args.get("iss")
            meta = metadata()
            if iss != meta["issuer"] and (
                iss is not None or meta.get("authorization_response_iss_parameter_supported")
            ):
                raise OAuthError(error="invalid_request", description="wrong or missing iss")
            # Code for tokens (PKCE verifier, client_secret_basic), then the ID token checked:
            # signature against the JWKS, iss, aud, exp, nonce, at_hash.
            token = provider.authorize_access_token()
            claims = token.get("userinfo")
            if not claims:
                raise OAuthError(error="invalid_token", description="no ID token")
            profile = provider.userinfo(token=token)
            if profile.get("sub") != claims["sub"]:
                raise OAuthError(error="invalid_token", description="userinfo sub mismatch")
        except OAuthError as error:
            log.warning("sign-in failed: %s %s", error.error, error.description)
            message = (
                "Vous avez annulé la connexion."
                if error.error == "access_denied"
                else "La connexion a échoué ou a expiré. Recommencez."
            )
            return page(400, error=message)
        except (JoseError, requests.RequestException, ValueError, KeyError) as error:
            log.warning("sign-in failed: %r", error)
            return page(400, error="La connexion a échoué ou a expiré. Recommencez.")
        session = local_session()
        session.clear()
        session.renew = True  # a new local id at sign-in
        session["user"] = {
            "sub": claims["sub"],
            "sid": claims.get("sid"),
            "name": profile.get("name"),
            "member_number": profile.get("member_number"),
            "contracts": list(profile.get("contracts") or []),
            "amr": list(claims.get("amr") or []),
            "acr": claims.get("acr"),
            "auth_time": claims.get("auth_time"),
        }
        session["id_token"] = token["id_token"]
        session["csrf"] = secrets.token_urlsafe(24)
        return redirect("/")

    @app.post("/logout")
    def logout() -> Any:
        session = local_session()
        expected = session.get("csrf")
        if expected is None:  # not signed in here (any more)
            return redirect("/")
        if not hmac.compare_digest(request.form.get("csrf_token", ""), expected):
            return page(400, error="La demande de déconnexion n'est pas valide. Recommencez.")
        id_token = session.get("id_token")
        session.clear()
        session.renew = True
        try:
            has_endpoint = bool(metadata().get("end_session_endpoint"))
        except (requests.RequestException, ValueError):
            has_endpoint = False
        if not id_token or not has_endpoint:
            return redirect("/")  # signed out here only
        # RP-initiated logout: the provider ends its session, tells the other portals
        # (back-channel) and comes back to the registered post_logout_redirect_uri with `state`.
        return provider.logout_redirect(
            post_logout_redirect_uri=config.post_logout_redirect_uri,
            id_token_hint=id_token,
            client_id=config.client_id,
        )

    def backchannel_logout() -> Response:
        token = request.form.get("logout_token", "")
        try:
            claims = verifier.verify(token)
        except InvalidLogoutToken as error:
            log.warning("logout token refused: %s", error)
            response = jsonify(error="invalid_request")
            response.status_code = 400
        else:
            if claims.get("sid"):
                ended = sessions.end_provider_session(claims["sid"], claims.get("sub"))
            else:
                ended = sessions.end_member_sessions(claims["sub"])
            log.info("back-channel logout: %d local session(s) ended", ended)
            response = Response(status=200)
        response.headers["Cache-Control"] = "no-store"
        return response

    # clients.yaml registers /auth/backchannel-logout; /backchannel-logout is the same receiver.
    app.add_url_rule("/auth/backchannel-logout", view_func=backchannel_logout, methods=["POST"])
    app.add_url_rule("/backchannel-logout", view_func=backchannel_logout, methods=["POST"])

    return app


def run(app: Flask) -> None:
    """Serve a portal (``python -m examples.health_portal``): Werkzeug's threaded server, one
    process since the sessions are in memory. ``PORTAL_BIND``: listen address."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    state: PortalState = app.extensions["demo_portal"]
    config = state.config
    host = os.environ.get("PORTAL_BIND", "127.0.0.1")
    print(f"{config.name} ({config.client_id}): {config.url}/ — provider {config.issuer}")
    app.run(host=host, port=config.port, threaded=True, use_reloader=False)
