"""Outages of Redis and PostgreSQL as members and clients live them: 503 with ``Retry-After``
(a page in their language, ``temporarily_unavailable`` on the protocol endpoints), JWKS and
discovery answering from the keys already loaded, one log line when a dependency goes away and
one when it is back, and recovery without restarting the provider.

The provider reaches the real servers through TCP proxies (``tests/tcp_proxy.py``) that the
tests cut; the machine's servers are never stopped.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, replace
from urllib.parse import urlencode, urlsplit

import pytest
import requests
from sqlalchemy.engine import make_url

from idp.admin.audit_log import AuditRetention
from idp.kv import key
from idp.logout.worker import EXTENSION as BACKCHANNEL_WORKERS
from idp.runtime import runtime
from idp.tokens.keys import VERSION_KEY
from tests.actors import REPORTING_SECRET, Browser, RelyingParty, code_from, sign_in_tokens
from tests.conftest import (
    CLIENT_SECRETS,
    LiveServer,
    build_app,
    free_port,
    make_settings,
    serve_app,
)
from tests.tcp_proxy import TcpProxy

# Every request during an outage must end well before a client or a load balancer gives up.
MAX_SECONDS = 10.0
SERVICE = ("reporting-service", REPORTING_SECRET)


@dataclass
class Outage:
    server: LiveServer
    redis: TcpProxy
    browser: Browser
    portal: RelyingParty
    # None when the suite runs on SQLite (a file cannot be cut): the database cases then skip.
    postgres: TcpProxy | None = None
    slowest: float = 0.0

    @property
    def database(self) -> TcpProxy:
        if self.postgres is None:
            pytest.skip("cutting the database needs PostgreSQL: set IDP_TEST_DATABASE_URL")
        return self.postgres

    def proxies(self) -> dict[str, TcpProxy]:
        """The dependencies this run can cut, by the name the log lines give them."""
        found = {"redis": self.redis}
        if self.postgres is not None:
            found["database"] = self.postgres
        return found

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        """A request to the provider, timed: the slowest one is kept for the assertions."""
        started = time.monotonic()
        response = requests.request(method, self.server.url + path, timeout=30, **kwargs)
        self.slowest = max(self.slowest, time.monotonic() - started)
        return response

    def token(self, **data: str) -> requests.Response:
        auth = SERVICE if data.get("grant_type") == "client_credentials" else None
        if auth is None:
            auth = (self.portal.client_id, self.portal.secret)
        return self.request("POST", "/token", data=data, auth=auth)

    def refresh(self, refresh_token: str) -> requests.Response:
        return self.token(grant_type="refresh_token", refresh_token=refresh_token)

    def userinfo(self, access_token: str) -> requests.Response:
        return self.request("GET", "/userinfo", headers={"Authorization": f"Bearer {access_token}"})

    def introspect(self, token: str) -> requests.Response:
        auth = (self.portal.client_id, self.portal.secret)  # a client introspects its own tokens
        return self.request("POST", "/introspect", data={"token": token}, auth=auth)

    def revoke(self, token: str) -> requests.Response:
        auth = (self.portal.client_id, self.portal.secret)
        return self.request("POST", "/revoke", data={"token": token}, auth=auth)

    def authorize(self, **extra: str) -> requests.Response:
        """The member's browser opening the portal's sign-in (its SSO session included)."""
        return self.browser_get(self.portal.authorize_url(**extra).removeprefix(self.server.url))

    def browser_get(self, path: str) -> requests.Response:
        """The member's browser (its cookies included) opening ``path``, timed."""
        started = time.monotonic()
        response = self.browser.http.get(self.server.url + path, allow_redirects=False, timeout=30)
        self.slowest = max(self.slowest, time.monotonic() - started)
        return response


@pytest.fixture(scope="module")
def redis_target() -> Iterator[tuple[str, int, int]]:
    """(host, port, db) of the Redis behind the proxy: the suite's server, or a private
    ``redis-server`` when the suite runs on the in-process emulation."""
    if os.environ.get("IDP_TEST_REDIS_URL"):
        url = urlsplit(os.environ["IDP_TEST_REDIS_URL"])
        yield url.hostname or "127.0.0.1", url.port or 6379, int(url.path.strip("/") or 0)
        return
    binary = shutil.which("redis-server")
    assert binary, "the outage tests need redis-server on PATH (apt-get install redis-server)"
    port = free_port()
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL)
    try:
        _wait_for_port(port)
        yield "127.0.0.1", port, 0
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_for_port(port: int) -> None:
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            assert time.monotonic() < deadline, f"redis-server did not listen on {port}"
            time.sleep(0.05)


@pytest.fixture
def outage(database_url: str, redis_target: tuple[str, int, int]) -> Iterator[Outage]:
    """The provider served over HTTP, reaching PostgreSQL and Redis through proxies, with the
    demo member signed in at the portal once (so the portal and its keys are in the process's
    caches, as in a provider that has been serving for a while)."""
    from idp.accounts.directory import ensure_demo_member
    from idp.runtime import runtime

    db_url = make_url(database_url)
    redis_host, redis_port, redis_db = redis_target
    with ExitStack() as stack:
        database = None
        if db_url.get_backend_name() == "postgresql":
            database = stack.enter_context(
                TcpProxy((db_url.host or "127.0.0.1", db_url.port or 5432))
            )
            db_url = db_url.set(host="127.0.0.1", port=database.port)
        redis_proxy = stack.enter_context(TcpProxy((redis_host, redis_port)))
        port = free_port()
        settings = make_settings(db_url.render_as_string(False), issuer=f"http://127.0.0.1:{port}")
        redis_url = f"redis://127.0.0.1:{redis_proxy.port}/{redis_db}"
        settings = replace(settings, storage=replace(settings.storage, redis_url=redis_url))
        app = build_app(settings)
        with app.app_context():
            ensure_demo_member(passwords=runtime().passwords)
        with serve_app(app, port) as served:
            outage = Outage(
                served,
                redis_proxy,
                Browser(served.url),
                RelyingParty(served.url, "health-portal"),
                postgres=database,
            )
            try:
                yield outage
            finally:
                for proxy in outage.proxies().values():
                    proxy.restore()


def _lines(caplog: pytest.LogCaptureFixture, text: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if text in r.getMessage()]


def _unavailable(response: requests.Response) -> dict:
    assert response.status_code == 503, response.text
    assert int(response.headers["Retry-After"]) > 0
    assert "no-store" in response.headers["Cache-Control"]
    body = response.json()
    assert body["error"] == "temporarily_unavailable", body
    return body


def _unavailable_page(response: requests.Response, title: str) -> None:
    assert response.status_code == 503, response.text
    assert int(response.headers["Retry-After"]) > 0
    assert response.headers["Content-Type"].startswith("text/html")
    assert title in response.text
    # The advisers' phone, as on every error page (non-breaking spaces: one line).
    assert "04&nbsp;72&nbsp;27&nbsp;72&nbsp;72" in response.text
    assert "Traceback" not in response.text


def _no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    noisy = [r.getMessage() for r in caplog.records if r.exc_info and r.levelno >= logging.ERROR]
    assert noisy == [], noisy


def test_redis_outage_is_503_with_one_log_line_then_recovers(outage, caplog):
    tokens = sign_in_tokens(outage.browser, outage.portal)
    assert outage.token(grant_type="client_credentials").status_code == 200
    jwks = outage.request("GET", "/jwks.json").content
    # A code the portal has not exchanged yet when Redis goes away.
    callback = outage.browser.go(outage.portal.authorize_url())
    assert isinstance(callback, str)
    exchange = {"grant_type": "authorization_code", "code": code_from(callback),
                "redirect_uri": outage.portal.redirect_uri,
                "code_verifier": outage.portal.verifier}  # fmt: skip
    logout = "/logout?" + urlencode({"id_token_hint": tokens["id_token"]})
    caplog.set_level(logging.INFO)

    outage.redis.cut()
    rt = outage.server.app.extensions["idp"]
    for _ in range(5):
        rt.keys._checked_at = 0.0  # as if the few-second recheck of the key version was due
        served = outage.request("GET", "/jwks.json")
        assert served.status_code == 200 and served.content == jwks
        discovery = outage.request("GET", "/.well-known/openid-configuration")
        assert discovery.status_code == 200
        assert discovery.json()["token_endpoint"] == outage.server.url + "/token"
        _unavailable(outage.token(**exchange))
        _unavailable_page(outage.browser_get(logout), "Service momentanément indisponible")
        _unavailable_page(outage.authorize(), "Service momentanément indisponible")
        _unavailable_page(outage.authorize(ui_locales="en"), "Service temporarily unavailable")
        _unavailable(outage.refresh(tokens["refresh_token"]))
        _unavailable(outage.token(grant_type="client_credentials"))
        _unavailable(outage.userinfo(tokens["access_token"]))
        _unavailable(outage.introspect(tokens["access_token"]))
        _unavailable(outage.revoke(tokens["refresh_token"]))
    ready = outage.request("GET", "/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"] == {"database": "ok", "redis": "unreachable"}
    assert len(_lines(caplog, "redis unreachable: ")) == 1
    _no_traceback(caplog)
    assert outage.slowest < MAX_SECONDS, outage.slowest
    print(f"slowest request while Redis was cut: {outage.slowest:.3f} s")

    outage.redis.restore()
    assert outage.userinfo(tokens["access_token"]).status_code == 200
    # The code and the refresh token presented during the outage were not used up.
    exchanged = outage.token(**exchange)
    assert exchanged.status_code == 200, exchanged.text
    refreshed = outage.refresh(tokens["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    assert outage.token(grant_type="client_credentials").status_code == 200
    assert outage.introspect(refreshed.json()["access_token"]).json()["active"] is True
    page = outage.authorize()
    assert page.status_code == 302, page.text
    assert outage.request("GET", "/readyz").status_code == 200
    assert len(_lines(caplog, "redis reachable again")) == 1
    assert len(_lines(caplog, "redis unreachable: ")) == 1


def test_database_outage_keeps_keys_and_cached_clients_then_recovers(outage, caplog):
    tokens = sign_in_tokens(outage.browser, outage.portal)
    service = outage.token(grant_type="client_credentials")
    assert service.status_code == 200  # the service client is now in the process's cache
    jwks = outage.request("GET", "/jwks.json").content
    caplog.set_level(logging.INFO)

    outage.database.cut()
    rt = outage.server.app.extensions["idp"]
    rt.redis.incr(VERSION_KEY)  # another instance rotated the keys: a reload falls due
    for _ in range(5):
        rt.keys._checked_at = 0.0  # as if the few-second recheck interval had passed
        served = outage.request("GET", "/jwks.json")
        assert served.status_code == 200 and served.content == jwks
        discovery = outage.request("GET", "/.well-known/openid-configuration")
        assert discovery.status_code == 200
        assert discovery.json()["jwks_uri"] == outage.server.url + "/jwks.json"
        issued = outage.token(grant_type="client_credentials")
        assert issued.status_code == 200, issued.text
        assert issued.json()["access_token"].count(".") == 2
        _unavailable_page(outage.authorize(), "Service momentanément indisponible")
        _unavailable(outage.userinfo(tokens["access_token"]))
        _unavailable(outage.refresh(tokens["refresh_token"]))
    ready = outage.request("GET", "/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"] == {"database": "unreachable", "redis": "ok"}
    assert len(_lines(caplog, "database unreachable: ")) == 1
    _no_traceback(caplog)
    assert outage.slowest < MAX_SECONDS, outage.slowest
    print(f"slowest request while PostgreSQL was cut: {outage.slowest:.3f} s")

    outage.database.restore()
    assert outage.userinfo(tokens["access_token"]).status_code == 200
    refreshed = outage.refresh(tokens["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    assert outage.authorize().status_code == 302
    assert outage.request("GET", "/readyz").status_code == 200
    assert len(_lines(caplog, "database reachable again")) == 1


def test_an_unknown_client_fails_closed_while_the_database_is_down(outage, caplog):
    caplog.set_level(logging.INFO)
    outage.database.cut()
    # The service client never asked for a token in this process: nothing to trust it on.
    _unavailable(outage.token(grant_type="client_credentials"))
    _no_traceback(caplog)


@pytest.mark.parametrize("dependency", ["redis", "database"])
def test_a_silent_dependency_costs_seconds_not_minutes(outage, caplog, dependency):
    """A host that accepts connections and never answers: only the timeouts end the wait."""
    tokens = sign_in_tokens(outage.browser, outage.portal)
    caplog.set_level(logging.INFO)
    proxy = outage.database if dependency == "database" else outage.redis
    proxy.cut(silent=True)
    for _ in range(3):
        _unavailable(outage.userinfo(tokens["access_token"]))
    _unavailable_page(outage.authorize(), "Service momentanément indisponible")
    assert outage.slowest < MAX_SECONDS, outage.slowest
    assert len(_lines(caplog, f"{dependency} unreachable: ")) == 1
    proxy.restore()
    assert outage.userinfo(tokens["access_token"]).status_code == 200
    print(f"slowest request while {dependency} was silent: {outage.slowest:.2f} s")


def test_connections_broken_by_a_restart_are_replaced_unnoticed(outage, caplog):
    """Redis or PostgreSQL restarted between two requests: the pooled connections are dead,
    and the next request gets fresh ones (Redis retry on a broken connection, SQLAlchemy's
    ``pool_pre_ping``) instead of an error."""
    tokens = sign_in_tokens(outage.browser, outage.portal)
    caplog.set_level(logging.INFO)
    for proxy in outage.proxies().values():
        proxy.cut()
        proxy.restore()
        assert outage.userinfo(tokens["access_token"]).status_code == 200
        assert outage.authorize().status_code == 302
    assert _lines(caplog, "unreachable") == []


def test_admin_api_answers_503_in_json(outage, caplog):
    admin = ("admin-service", CLIENT_SECRETS["IDP_TEST_SECRET_ADMIN"])
    issued = outage.request("POST", "/token", data={"grant_type": "client_credentials"}, auth=admin)
    headers = {"Authorization": f"Bearer {issued.json()['access_token']}"}
    assert outage.request("GET", "/admin/api/clients", headers=headers).status_code == 200
    caplog.set_level(logging.INFO)
    for proxy in outage.proxies().values():
        proxy.cut()
        answer = outage.request("GET", "/admin/api/clients", headers=headers)
        assert answer.status_code == 503, answer.text
        assert int(answer.headers["Retry-After"]) > 0
        assert answer.json()["error"] == "temporarily_unavailable" and answer.json()["message"]
        proxy.restore()
        assert outage.request("GET", "/admin/api/clients", headers=headers).status_code == 200
    _no_traceback(caplog)
    assert [len(_lines(caplog, f"{d} unreachable: ")) for d in outage.proxies()] == [1] * len(
        outage.proxies()
    )


def test_background_delivery_logs_an_outage_once_not_per_loop(outage, caplog):
    """The back-channel queue is a PostgreSQL table: with the database gone, each loop of
    the delivery threads meets the outage, and the log says so once."""
    workers = outage.server.app.extensions[BACKCHANNEL_WORKERS]
    assert workers.threads, "the first request starts the delivery threads"
    database = outage.database
    caplog.set_level(logging.INFO)
    database.cut()
    for _ in range(10):  # ten loops of the delivery thread, each finding the database gone
        workers.wake.set()
        time.sleep(0.1)
    unreachable = _lines(caplog, "database unreachable: ")
    back = _lines(caplog, "database reachable again")
    # One line per state change for the process, whichever thread met it (a pooled
    # connection may still answer once while the proxy closes the others), never one a loop.
    assert len(unreachable) == len(back) + 1 and len(unreachable) < 10
    _no_traceback(caplog)
    database.restore()
    workers.wake.set()
    deadline = time.monotonic() + 5
    while (
        len(_lines(caplog, "database reachable again")) == len(back) and time.monotonic() < deadline
    ):
        workers.wake.set()
        time.sleep(0.05)
    assert len(_lines(caplog, "database reachable again")) == len(back) + 1


def test_audit_purge_logs_an_outage_once(outage, caplog):
    app = outage.server.app
    caplog.set_level(logging.INFO)
    outage.database.cut()
    for _ in range(10):
        with app.app_context():
            app.extensions["idp"].redis.delete(key("audit-purge"))  # as if an hour had passed
        assert AuditRetention.of(runtime(app)).purge_if_due(app) is False
    unreachable = _lines(caplog, "database unreachable: ")
    back = _lines(caplog, "database reachable again")
    # One line per state change, never one a try. The delivery threads started by the first
    # request share the pool: one of their connections may still answer once while the proxy
    # closes the others, which is a real (if brief) "reachable again".
    assert len(unreachable) == len(back) + 1 and len(unreachable) <= 2
    _no_traceback(caplog)
    outage.database.restore()
    with app.app_context():
        app.extensions["idp"].redis.delete(key("audit-purge"))
    assert AuditRetention.of(runtime(app)).purge_if_due(app) is True
    assert len(_lines(caplog, "database reachable again")) == len(back) + 1
