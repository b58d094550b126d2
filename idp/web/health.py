"""``/healthz`` (the process answers) and ``/readyz`` (database and Redis reachable)."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text

from idp.db import db
from idp.runtime import runtime

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    checks = {"database": "ok", "redis": "ok"}
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any driver error means "not ready"; the reason goes to the log
        db.session.rollback()
        checks["database"] = "unreachable"
    try:
        runtime().redis.ping()
    except Exception:
        checks["redis"] = "unreachable"
    ready = all(v == "ok" for v in checks.values())
    return jsonify(status="ready" if ready else "not ready", checks=checks), 200 if ready else 503
