"""RP-initiated logout requests (OIDC RP-Initiated Logout 1.0 §2, §3): what a request to the
``end_session_endpoint`` may ask, checked before anything happens.

* ``id_token_hint``: an ID token we issued, verified against our published keys (expired
  ones accepted, §2); one we cannot verify counts as absent. Its ``aud`` names the client.
* ``client_id``: when both are given, it must be in the hint's ``aud``.
* ``post_logout_redirect_uri``: exactly one of the client's registered
  ``post_logout_redirect_uris``; it needs a client (hint or ``client_id``).

A request that breaks a rule is :class:`LogoutRejected`: the member sees a page, nobody is
signed out and nothing is redirected. A request waiting for the member's confirmation is kept
in Redis (``idp:logout-request:<id>``), bound to the browser, and checked again when taken.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass

from redis import Redis

from idp.clients.registry import ClientRegistry, RegisteredClient
from idp.errors import IdPError
from idp.kv import key
from idp.tokens.id_token_hint import Hint, decode_hint
from idp.tokens.keys import KeyStore

MAX_PARAM_LENGTH = 2048
MAX_HINT_LENGTH = 8192


class LogoutRejected(IdPError):
    """The logout request cannot be honoured; ``message`` says why, in the member's words."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(detail or message)
        self.message = message


@dataclass(frozen=True)
class LogoutRequest:
    client: RegisteredClient | None
    redirect_uri: str | None
    state: str | None
    hint: Hint | None

    def names_session(self, sub: str, sid: str) -> bool:
        """The hint is for this member's session (the browser's current one)."""
        return self.hint is not None and self.hint.sub == sub and self.hint.sid == sid


def validate_logout_request(
    params: dict[str, str], *, keys: KeyStore, issuer: str, clients: ClientRegistry
) -> LogoutRequest:
    for name, value in params.items():
        limit = MAX_HINT_LENGTH if name == "id_token_hint" else MAX_PARAM_LENGTH
        if len(value) > limit:
            raise LogoutRejected("logout.error.invalid_request", f"{name} is too long")
    hint = decode_hint(params.get("id_token_hint"), keys=keys, issuer=issuer)
    client = _client(clients, params.get("client_id"), hint)
    return LogoutRequest(
        client=client,
        redirect_uri=_redirect_uri(params.get("post_logout_redirect_uri"), client),
        state=params.get("state") or None,
        hint=hint,
    )


def _client(
    clients: ClientRegistry, client_id: str | None, hint: Hint | None
) -> RegisteredClient | None:
    if client_id:
        client = clients.find(client_id)
        if client is None:
            raise LogoutRejected("logout.error.unknown_client", "unknown client_id")
        if hint is not None and client_id not in hint.audiences:
            raise LogoutRejected("logout.error.client_mismatch", "client_id not in the hint's aud")
        return client
    if hint is None:
        return None
    if len(hint.audiences) == 1:
        return clients.find(hint.audiences[0])
    return clients.find(hint.azp) if hint.azp in hint.audiences else None


def _redirect_uri(uri: str | None, client: RegisteredClient | None) -> str | None:
    if not uri:
        return None
    if client is None:
        raise LogoutRejected("logout.error.no_client", "post_logout_redirect_uri without client")
    if uri not in registered_uris(client):
        raise LogoutRejected("logout.error.redirect_uri", "post_logout_redirect_uri not registered")
    return uri


def registered_uris(client: RegisteredClient) -> list[str]:
    return list(client.spec.post_logout_redirect_uris)


# -- waiting for the member's answer ---------------------------------------------------------


def _pending_key(request_id: str) -> str:
    return key("logout-request", request_id)


def save_pending(request: LogoutRequest, browser: str, lang: str, *, redis: Redis,
                 ttl: int) -> str:  # fmt: skip
    """Keep the checked request ``ttl`` seconds while the member answers; returns its id."""
    request_id = secrets.token_urlsafe(24)
    record = {
        "browser": browser,
        "lang": lang,
        "client_id": request.client.client_id if request.client else None,
        "redirect_uri": request.redirect_uri,
        "state": request.state,
    }
    redis.set(_pending_key(request_id), json.dumps(record), ex=ttl)
    return request_id


def take_pending(
    request_id: str | None, browser: str, *, redis: Redis, clients: ClientRegistry
) -> tuple[LogoutRequest | None, str | None]:
    """The request and page language saved under ``request_id`` by this browser, taken once;
    (None, None) when unknown, expired, another browser's, or no longer valid (client
    removed, URI unregistered since)."""
    if not request_id or len(request_id) > 64:
        return None, None
    raw = redis.get(_pending_key(request_id))
    if raw is None:
        return None, None
    record = json.loads(raw)
    # Another browser's id is left alone: guessing one must not spoil its owner's logout.
    if record.get("browser") != browser or not redis.delete(_pending_key(request_id)):
        return None, None
    client = clients.find(record.get("client_id"))
    uri = record.get("redirect_uri")
    if uri and (client is None or uri not in registered_uris(client)):
        return None, record.get("lang")
    return LogoutRequest(client, uri, record.get("state"), None), record.get("lang")
