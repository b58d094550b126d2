"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

from dataclasses import replace

import redis

from idp.runtime import runtime


def test_healthz_answers_while_the_process_lives(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_readyz_checks_database_and_redis(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["checks"] == {"database": "ok", "redis": "ok"}


def test_readyz_is_503_when_redis_is_unreachable(app, client):
    rt = runtime()
    original = rt.redis
    rt.redis = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    try:
        response = client.get("/readyz")
    finally:
        rt.redis.close()
        rt.redis = original
    assert response.status_code == 503
    assert response.json["checks"]["redis"] == "unreachable"
    assert response.json["checks"]["database"] == "ok"


def test_readyz_is_503_when_the_database_is_unreachable(settings):
    from idp import create_app
    from tests.conftest import dispose_app

    unreachable = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1"
    app = create_app(replace(settings, storage=replace(settings.storage, database_url=unreachable)))
    try:
        response = app.test_client().get("/readyz")
    finally:
        dispose_app(app)
    assert response.status_code == 503
    assert response.json["checks"] == {"database": "unreachable", "redis": "ok"}
