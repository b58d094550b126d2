"""``idp clients sync``: make the database match clients.yaml (file-managed clients only)."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from redis import Redis

from idp import audit
from idp.clients.admin import is_member_subject
from idp.clients.registry import all_clients, clients_changed, secret_digest
from idp.clients.schema import ClientSpec, load_clients_file
from idp.config import Settings
from idp.db import db
from idp.errors import ConfigError
from idp.models import OAuthClient

log = logging.getLogger(__name__)


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    disabled: list[str] = field(default_factory=list)


def dev_secret(client_id: str) -> str:
    """The secret a confidential client gets in development when its variable is unset."""
    return f"dev-secret-{client_id}-change-me-0123456789"


def sync_clients(path: Path, *, settings: Settings, redis: Redis) -> SyncReport:
    """Upsert every client of the file; disable file-managed clients no longer listed.

    Clients registered through the admin API are never touched. All or nothing. The file is
    read by the rules of ``settings``; every instance is told of the change through ``redis``.
    """
    specs = load_clients_file(path, settings)
    existing = {c.client_id: c for c in all_clients()}
    report = SyncReport()
    for spec in specs:
        row = existing.get(spec.client_id)
        if row is not None and row.managed_by != "file":
            raise ConfigError(
                f"{path}: client {spec.client_id!r} is managed through the admin API; "
                "remove it there or rename it in the file."
            )
        if row is None and is_member_subject(spec.client_id):
            raise ConfigError(
                f"{path}: client {spec.client_id!r} has the subject identifier of a member: "
                "choose another client_id (RFC 9700 §4.15)."
            )
        values = _row_values(spec)
        if row is None:
            db.session.add(OAuthClient(client_id=spec.client_id, managed_by="file", **values))
            report.created.append(spec.client_id)
        elif any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            report.updated.append(spec.client_id)
    listed = {s.client_id for s in specs}
    for client_id, row in existing.items():
        if row.managed_by == "file" and client_id not in listed and not row.disabled:
            row.disabled = True
            report.disabled.append(client_id)
    audit.record(
        "clients.synced",
        created=report.created,
        updated=report.updated,
        disabled=report.disabled,
    )
    db.session.commit()
    clients_changed(redis)
    return report


def _row_values(spec: ClientSpec) -> dict[str, object]:
    return {
        "name": spec.name,
        "client_type": spec.type,
        "secret_hash": _secret_hash(spec),
        "settings": spec.settings_json(),
        "disabled": False,
    }


def _secret_hash(spec: ClientSpec) -> str | None:
    if spec.type == "public":
        return None
    if spec.secret_hash:
        return spec.secret_hash
    secret = os.environ.get(spec.secret_env, "")
    if not secret:
        secret = dev_secret(spec.client_id)  # the schema refuses this in production
        log.warning(
            "%s is not set: client %s uses its development secret (see README).",
            spec.secret_env,
            spec.client_id,
        )
    return secret_digest(secret)
