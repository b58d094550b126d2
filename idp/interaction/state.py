"""Pending authorization requests (node-oidc-provider's *interactions*), kept in Redis.

``/authorize`` validates a request, stores it here under a random id, and sends the browser
to the sign-in steps; when they are done the request resumes from this record. Each tab has
its own interaction, bound to the browser that started it. The record holds what the steps
need to be planned again at every turn (``policy.py``): the request, what the browser's SSO
session was when it arrived, who has been authenticated so far and how, and which steps are
done, with the reason each ran or was skipped.

Nothing here looks services up: a view builds one :class:`Interactions` per request
(``Interactions.of(rt)``, ``rt`` the app's runtime) and loads and saves through it.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from redis import Redis

from idp.errors import InteractionExpired
from idp.kv import key
from idp.runtime import Runtime


@dataclass
class Interaction:
    id: str
    client_id: str
    params: dict[str, str]
    browser: str
    lang: str
    created_at: int
    done: list[str] = field(default_factory=list)
    # Why each step ran or was skipped (reason codes of ``steps.Verdict``), for the audit.
    reasons: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    # The member this sign-in is about so far, and what they proved (RFC 8176 ``amr``).
    member_id: int | None = None
    amr: list[str] = field(default_factory=list)
    auth_time: int | None = None
    # The browser's SSO session when the request arrived, and the request's id_token_hint.
    session_member_id: int | None = None
    session_auth_time: int | None = None
    hint_subject: str | None = None
    has_hint: bool = False
    sid: str | None = None  # the SSO session this sign-in opened, once opened
    passkey_id: int | None = None  # the passkey credential this sign-in used, if any

    def complete(self, step: str) -> None:
        if step not in self.done:
            self.done.append(step)


FIELDS = frozenset(f.name for f in fields(Interaction))


def _key(interaction_id: str) -> str:
    return key("interaction", interaction_id)


def _client_key(interaction_id: str) -> str:
    return key("interaction-client", interaction_id)


# How long after its sign-in expired the client of an interaction is still known (a day).
CLIENT_KEPT = 86400


def new_id() -> str:
    return secrets.token_urlsafe(24)


class Interactions:
    """The pending sign-ins in ``redis``, each kept ``ttl`` seconds from its start (the
    ``interaction_ttl`` of the session settings): saving one never makes it live longer."""

    def __init__(self, redis: Redis, ttl: int) -> None:
        self.redis = redis
        self.ttl = ttl

    @classmethod
    def of(cls, rt: Runtime) -> Interactions:
        return cls(rt.redis, rt.settings.session.interaction_ttl)

    def start(self, interaction: Interaction) -> Interaction:
        self.save(interaction)
        # The client outlives the record, for the "expired" page's way back to the service.
        self.redis.set(_client_key(interaction.id), interaction.client_id,
                       ex=self.ttl + CLIENT_KEPT)  # fmt: skip
        return interaction

    def client_of(self, interaction_id: str) -> str | None:
        """The client a sign-in started with ``interaction_id`` was for, for a day after it
        expired (whichever browser asks: a client's id is no secret); None if unknown."""
        if not interaction_id or len(interaction_id) > 64:
            return None
        raw = self.redis.get(_client_key(interaction_id))
        return raw.decode() if isinstance(raw, bytes) else raw

    def save(self, interaction: Interaction) -> None:
        ttl = self.ttl - (int(time.time()) - interaction.created_at)
        if ttl <= 0:
            raise InteractionExpired()
        self.redis.set(_key(interaction.id), json.dumps(asdict(interaction)), ex=ttl)

    def load(self, interaction_id: str, browser: str) -> Interaction:
        """The interaction, or :class:`InteractionExpired` if unknown, expired or foreign."""
        if not interaction_id or len(interaction_id) > 64:
            raise InteractionExpired()
        raw = self.redis.get(_key(interaction_id))
        if raw is None:
            raise InteractionExpired()
        data: dict[str, Any] = json.loads(raw)
        # A record written by an earlier release may carry fields this one dropped: the
        # steps are planned again from what remains.
        interaction = Interaction(**{k: v for k, v in data.items() if k in FIELDS})
        if not secrets.compare_digest(interaction.browser, browser):
            raise InteractionExpired()
        return interaction

    def finish(self, interaction_id: str) -> bool:
        """Delete it; False if another request already finished it (double submit)."""
        return bool(self.redis.delete(_key(interaction_id)))
