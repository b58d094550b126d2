"""Clients changed outside clients.yaml: the admin API, ``idp clients …`` and dynamic
registration all change clients here, and nowhere else.

Every change is validated by the rules of clients.yaml (``schema.parse_client_data``), written
in one transaction together with its audit event (or not at all), then announced to every
instance through ``registry.clients_changed`` so none keeps serving the old client.

Secrets are generated here (256 bits from ``secrets``), returned once and stored as SHA-256
digests. Clients from clients.yaml are read-only: the file is their source of truth and the
next ``idp clients sync`` would undo any change made elsewhere.

Deleting a client deletes its refresh tokens and consents with it. Access tokens it already
holds are JWTs that resource servers verify offline: they stay valid until they expire (5
minutes by default), as a revocation list in our Redis would not reach those servers anyway.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta
from typing import Any

from redis import Redis
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from idp import audit
from idp.clients.registry import all_clients, clients_changed, secret_digest
from idp.clients.schema import (
    CLIENT_ID,
    FIELDS,
    SECRET_FIELDS,
    ClientFieldError,
    ClientSpec,
    parse_client_data,
)
from idp.clock import Clock
from idp.config import Settings
from idp.db import db
from idp.errors import IdPError
from idp.models import Consent, Member, OAuthClient, RefreshToken
from idp.runtime import Runtime

# Fields an update may change; ``client_id`` and ``type`` are the client's identity.
EDITABLE = FIELDS - {"client_id", "type", *SECRET_FIELDS}
IDENTITY = ("client_id", "type")


class ClientChangeRejected(IdPError):
    """The change breaks the clients.yaml rules; nothing was written. ``problems`` are
    sentences naming the field, ``fields`` the field names in the same order."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.fields = [name for name, _ in problems]
        self.problems = [f"field {name!r}: {reason}" for name, reason in problems]
        super().__init__("; ".join(self.problems))


def is_member_subject(client_id: str) -> bool:
    """A client's tokens name it in ``sub`` (client_credentials): a client id equal to a
    member's ``sub`` would let a resource server take one for the other (RFC 9700 §4.15)."""
    found = db.session.scalar(select(Member.id).where(Member.subject == client_id).limit(1))
    return found is not None


class ClientNotFound(IdPError):
    """No client has this client_id."""


class ClientReadOnly(IdPError):
    """The client comes from clients.yaml: change it there, then ``idp clients sync``."""


class ClientExists(IdPError):
    """A client (from the file or not) already has this client_id."""


def new_secret() -> str:
    """A client secret: 256 random bits, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


def list_clients() -> list[OAuthClient]:
    return all_clients()


def get_client(client_id: str) -> OAuthClient:
    row = db.session.get(OAuthClient, client_id) if _well_formed(client_id) else None
    if row is None:
        raise ClientNotFound(f"No client {client_id!r}.")
    return row


def editable_client(client_id: str) -> OAuthClient:
    """The client, if it may be changed here (not from clients.yaml)."""
    row = get_client(client_id)
    if row.managed_by == "file":
        raise ClientReadOnly(
            f"Client {client_id!r} comes from clients.yaml: change it in the file, then run "
            "`idp clients sync`."
        )
    return row


def client_view(row: OAuthClient, *, clock: Clock) -> dict[str, Any]:
    """Everything about a client that is safe to show: never a secret, a digest or the
    registration token. ``clock`` tells whether the previous secret's grace still runs."""
    settings = {k: v for k, v in (row.settings or {}).items() if k in FIELDS}
    return {
        "client_id": row.client_id,
        "name": row.name,
        "type": row.client_type,
        **settings,
        "managed_by": row.managed_by,
        "disabled": row.disabled,
        "created_at": _iso(row.created_at),
        "updated_at": _iso(row.updated_at),
        "secret_rotation_grace_until": _iso(_grace_end(row, clock)),
    }


class ClientChanges:
    """The changes of clients made here: validated by the rules of clients.yaml under
    ``settings``, a rotated secret's grace counted on ``clock``, each change announced to
    every instance through ``redis``. Built at the edge (:meth:`of`) and passed down."""

    def __init__(self, settings: Settings, redis: Redis, clock: Clock) -> None:
        self.settings = settings
        self.redis = redis
        self.clock = clock

    @classmethod
    def of(cls, rt: Runtime) -> ClientChanges:
        return cls(rt.settings, rt.redis, rt.clock)

    def create_client(
        self,
        data: dict[str, Any],
        actor: str,
        *,
        managed_by: str = "api",
        registration_token: str | None = None,
    ) -> tuple[OAuthClient, str | None]:
        """Validate ``data`` like a clients.yaml entry and store the client; returns the row and
        its generated secret (None for a public client), which is never shown again.

        ``client_id`` is generated when absent. ``registration_token`` (dynamic registration,
        RFC 7592) is stored as its digest."""
        data = dict(data)
        if data.get("client_id") is None:
            data["client_id"] = secrets.token_hex(12)
        spec = self._validate(data)
        if db.session.get(OAuthClient, spec.client_id) is not None:
            raise ClientExists(f"A client {spec.client_id!r} already exists.")
        if is_member_subject(spec.client_id):
            raise ClientChangeRejected([("client_id", "is a member's subject identifier")])
        secret = new_secret() if spec.type == "confidential" else None
        row = OAuthClient(
            client_id=spec.client_id,
            name=spec.name,
            client_type=spec.type,
            secret_hash=_digest_or_none(secret),
            settings=spec.settings_json(),
            managed_by=managed_by,
            disabled=False,
            registration_token_hash=_digest_or_none(registration_token),
        )
        db.session.add(row)
        audit.record("client.created", client_id=row.client_id, actor=actor,
                     managed_by=managed_by, type=spec.type)  # fmt: skip
        self._commit(spec.client_id)
        return row, secret

    def update_client(self, client_id: str, changes: dict[str, Any], actor: str) -> OAuthClient:
        """Apply ``changes`` (a ``null`` value puts the field back to its default); the merged
        client is validated as a whole. Audited with the names of the fields that changed."""
        row = editable_client(client_id)
        current = _current_data(row)
        problems: list[tuple[str, str]] = []
        for name, value in changes.items():
            if name in IDENTITY and value != current[name]:
                problems.append((name, "cannot be changed; create a new client instead"))
            elif name in SECRET_FIELDS:
                problems.append((name, "the provider generates the secret; rotate it instead"))
            elif name not in EDITABLE and name not in IDENTITY:
                problems.append((name, "unknown field"))
        if problems:
            raise ClientChangeRejected(problems)
        merged = {k: v for k, v in {**current, **changes}.items() if v is not None}
        spec = self._validate(merged)
        before = {"name": row.name, **(row.settings or {})}
        after = {"name": spec.name, **spec.settings_json()}
        changed = sorted(k for k in after if before.get(k) != after[k])
        if not changed:
            return row
        row.name, row.settings = spec.name, spec.settings_json()
        audit.record("client.updated", client_id=row.client_id, actor=actor,
                     fields=changed)  # fmt: skip
        self._commit()
        return row

    def rotate_secret(self, client_id: str, actor: str) -> str:
        """A new secret, returned once. The previous one keeps working for
        ``IDP_CLIENT_SECRET_GRACE`` seconds so the service can roll out the new one; rotating
        again within that time ends the grace of the secret before."""
        row = editable_client(client_id)
        if row.client_type != "confidential":
            raise ClientChangeRejected([("type", "a public client has no secret")])
        secret = new_secret()
        grace = timedelta(seconds=self.settings.admin.client_secret_grace)
        row.previous_secret_hash = row.secret_hash
        row.previous_secret_expires_at = self.clock.now() + grace
        row.secret_hash = secret_digest(secret)
        audit.record("client.secret_rotated", client_id=row.client_id, actor=actor,
                     grace_until=_iso(row.previous_secret_expires_at))  # fmt: skip
        self._commit()
        return secret

    def set_disabled(self, client_id: str, disabled: bool, actor: str) -> OAuthClient:
        """Disable (or enable again) a client: while disabled it cannot sign anyone in, obtain
        or refresh tokens, or call the admin API. Nothing is recorded when nothing changes."""
        row = editable_client(client_id)
        if row.disabled == disabled:
            return row
        row.disabled = disabled
        event = "client.disabled" if disabled else "client.enabled"
        audit.record(event, client_id=row.client_id, actor=actor)
        self._commit()
        return row

    def delete_client(self, client_id: str, actor: str) -> None:
        """Delete the client with its refresh tokens and consents (explicitly: SQLite does not
        enforce the foreign keys' ``ON DELETE CASCADE``)."""
        row = editable_client(client_id)
        result = db.session.execute(delete(RefreshToken).where(RefreshToken.client_id == client_id))
        refresh_tokens = result.rowcount  # type: ignore[attr-defined]
        db.session.execute(delete(Consent).where(Consent.client_id == client_id))
        db.session.delete(row)
        audit.record("client.deleted", client_id=client_id, actor=actor,
                     refresh_tokens_deleted=refresh_tokens)  # fmt: skip
        self._commit()

    def _validate(self, data: dict[str, Any]) -> ClientSpec:
        try:
            spec = parse_client_data(data, self.settings)
        except ClientFieldError as error:
            raise ClientChangeRejected([(error.field_name, error.reason)]) from None
        suggested = spec.access.suggest_client if spec.access else ""
        if suggested and suggested != spec.client_id and not _exists(suggested):
            raise ClientChangeRejected([("access.suggest_client", f"no client {suggested!r}")])
        return spec

    def _commit(self, created: str | None = None) -> None:
        """Commit the change and its audit event together, then tell every instance."""
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            if created is None:
                raise
            # Another request created the same client_id between our check and our insert.
            raise ClientExists(f"A client {created!r} already exists.") from None
        except BaseException:
            db.session.rollback()
            raise
        clients_changed(self.redis)


def registered_client(client_id: str, registration_token: str) -> OAuthClient | None:
    """The dynamically registered client this registration access token manages
    (RFC 7592 §2), or None: unknown client, another client's token, or no token at all."""
    row = db.session.get(OAuthClient, client_id) if _well_formed(client_id) else None
    stored = row.registration_token_hash if row is not None else None
    # Compare even when there is nothing to compare with, so timing tells nothing.
    matches = hmac.compare_digest(secret_digest(registration_token), stored or "-" * 64)
    return row if matches and stored and row and row.managed_by == "registration" else None


# -- helpers ---------------------------------------------------------------------------------


def _well_formed(client_id: object) -> bool:
    return isinstance(client_id, str) and CLIENT_ID.fullmatch(client_id) is not None


def _exists(client_id: str) -> bool:
    return _well_formed(client_id) and db.session.get(OAuthClient, client_id) is not None


def _current_data(row: OAuthClient) -> dict[str, Any]:
    """The client as input data, the shape ``parse_client_data`` takes."""
    settings = {k: v for k, v in (row.settings or {}).items() if k in EDITABLE}
    return {"client_id": row.client_id, "name": row.name, "type": row.client_type, **settings}


def _digest_or_none(secret: str | None) -> str | None:
    return secret_digest(secret) if secret else None


def _grace_end(row: OAuthClient, clock: Clock) -> datetime | None:
    until = row.previous_secret_expires_at
    if row.previous_secret_hash and until is not None and clock.now() < until:
        return until
    return None


def _iso(moment: datetime | None) -> str | None:
    """Stored times are naive UTC: ISO 8601 with the ``Z``."""
    return None if moment is None else moment.replace(microsecond=0).isoformat() + "Z"
