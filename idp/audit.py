"""The audit log: every security-relevant event, never a secret (docs/security.md)."""

from __future__ import annotations

import getpass
import logging
from typing import Any

from flask import has_request_context, request

from idp.db import db
from idp.models import AuditEvent

log = logging.getLogger("idp.audit")

# Detail keys that must never be written, whatever a caller passes.
FORBIDDEN = frozenset({"password", "code", "token", "secret", "otp", "refresh_token"})


def record(
    event: str,
    *,
    member_id: int | None = None,
    client_id: str | None = None,
    actor: str | None = None,
    commit: bool = True,
    **detail: Any,
) -> None:
    """Append an audit event. ``actor`` names who acted for an admin action
    (``staff:<email>``, ``client:<id>``). ``commit=False`` joins the caller's transaction."""
    clean = {k: v for k, v in detail.items() if k not in FORBIDDEN}
    ip = request.remote_addr if has_request_context() else None
    db.session.add(
        AuditEvent(
            event=event, member_id=member_id, client_id=client_id, actor=actor, ip=ip, detail=clean
        )
    )
    if commit:
        db.session.commit()
    log.info("%s actor=%s member=%s client=%s %s", event, actor, member_id, client_id, clean)


def cli_actor() -> str:
    """Who acts in the audit log when an operator runs ``idp``: their OS account."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"cli:{user}"
