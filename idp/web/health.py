"""``/healthz`` (the process answers) and ``/readyz`` (database and Redis reachable).

``/readyz`` names what is down (``{"checks": {"database": "ok", "redis": "unreachable"}}``) so a
load balancer takes the instance out and an operator sees why; the reason itself goes to the
log once per outage (``idp/outages.py``)."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text

from idp.db import db
from idp.outages import DATABASE, REDIS
from idp.runtime import runtime

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    checks = {DATABASE: _check_database(), REDIS: _check_redis()}
    ready = all(v == "ok" for v in checks.values())
    response = jsonify(status="ready" if ready else "not ready", checks=checks)
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if ready else 503


def _check_database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as error:  # any driver error means "not ready"
        db.session.rollback()
        _report(DATABASE, error)
        return "unreachable"
    return "ok"


def _check_redis() -> str:
    try:
        runtime().redis.ping()
    except Exception as error:
        _report(REDIS, error)
        return "unreachable"
    return "ok"


def _report(dependency: str, error: Exception) -> None:
    runtime().outages.down(dependency, error)
