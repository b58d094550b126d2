"""Pending authorization requests (node-oidc-provider's *interactions*), kept in Redis.

``/authorize`` validates a request, stores it here under a random id, and sends the browser
to the sign-in steps; when they are done the request resumes from this record. Each tab has
its own interaction, bound to the browser that started it.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from idp.errors import InteractionExpired
from idp.kv import key
from idp.runtime import runtime


@dataclass
class Interaction:
    id: str
    client_id: str
    params: dict[str, str]
    browser: str
    lang: str
    created_at: int
    steps: list[str] = field(default_factory=list)
    done: list[str] = field(default_factory=list)
    member_id: int | None = None
    amr: list[str] = field(default_factory=list)
    auth_time: int | None = None
    sid: str | None = None  # the SSO session this sign-in opened, once opened
    passkey_id: int | None = None  # the passkey credential this sign-in used, if any

    @property
    def next_step(self) -> str | None:
        return next((s for s in self.steps if s not in self.done), None)

    def complete(self, step: str) -> None:
        if step not in self.done:
            self.done.append(step)


def _key(interaction_id: str) -> str:
    return key("interaction", interaction_id)


def start(client_id: str, params: dict[str, str], browser: str, lang: str, steps: list[str]):
    interaction = Interaction(
        id=secrets.token_urlsafe(24),
        client_id=client_id,
        params=params,
        browser=browser,
        lang=lang,
        created_at=int(time.time()),
        steps=steps,
    )
    save(interaction)
    return interaction


def save(interaction: Interaction) -> None:
    rt = runtime()
    ttl = rt.settings.session.interaction_ttl - (int(time.time()) - interaction.created_at)
    if ttl <= 0:
        raise InteractionExpired()
    rt.redis.set(_key(interaction.id), json.dumps(asdict(interaction)), ex=ttl)


def load(interaction_id: str, browser: str) -> Interaction:
    """The interaction, or :class:`InteractionExpired` if unknown, expired or foreign."""
    if not interaction_id or len(interaction_id) > 64:
        raise InteractionExpired()
    raw = runtime().redis.get(_key(interaction_id))
    if raw is None:
        raise InteractionExpired()
    data: dict[str, Any] = json.loads(raw)
    interaction = Interaction(**data)
    if not secrets.compare_digest(interaction.browser, browser):
        raise InteractionExpired()
    return interaction


def finish(interaction_id: str) -> bool:
    """Delete it; False if another request already finished it (double submit)."""
    return bool(runtime().redis.delete(_key(interaction_id)))
