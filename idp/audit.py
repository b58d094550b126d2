"""The audit log: every security-relevant event, never a secret (docs/security.md)."""

from __future__ import annotations

import getpass
import logging
from typing import Any

from flask import has_request_context, request
from sqlalchemy.orm import Session

from idp.db import db
from idp.models import AuditEvent

log = logging.getLogger("idp.audit")

PENDING = "idp.audit.pending"  # Session.info: the events of the current unit of work
# Detail keys that must never be written, whatever a caller passes.
FORBIDDEN = frozenset({"password", "code", "token", "secret", "otp", "refresh_token"})


def record(
    event: str,
    *,
    member_id: int | None = None,
    client_id: str | None = None,
    actor: str | None = None,
    **detail: Any,
) -> None:
    """Append an audit event to the current unit of work (``idp/web/unit_of_work.py``): it is
    written with what the request or command did, or not at all. ``actor`` names who acted
    for an admin action (``staff:<email>``, ``client:<id>``)."""
    clean = {k: v for k, v in detail.items() if k not in FORBIDDEN}
    ip = request.remote_addr if has_request_context() else None
    values = {"event": event, "member_id": member_id, "client_id": client_id, "actor": actor,
              "ip": ip, "detail": clean}  # fmt: skip
    db.session.add(AuditEvent(**values))
    db.session.info.setdefault(PENDING, []).append(values)
    log.info("%s actor=%s member=%s client=%s %s", event, actor, member_id, client_id, clean)


def pending(session: Session) -> list[dict[str, Any]]:
    """The events recorded since the session last committed or rolled back."""
    return list(session.info.get(PENDING, ()))


def forget_pending(session: Session) -> None:
    session.info.pop(PENDING, None)


def cli_actor() -> str:
    """Who acts in the audit log when an operator runs ``idp``: their OS account."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"cli:{user}"
