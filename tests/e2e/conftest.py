"""End-to-end fixtures: the provider as a real ``idp serve`` (gunicorn) process, and a relying
party written in Node with panva's ``openid-client`` (``rp.mjs``).

Nothing here skips: a missing ``node`` or ``npm ci --prefix tests/e2e`` fails the test with the
command to run, and a missing Chromium (``tests/e2e/browser.py``) fails every browser test
with the line saying what to install.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
import requests
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from sqlalchemy import func, select

from idp.accounts.directory import ensure_demo_member
from idp.db import db
from idp.models import AuditEvent, Member
from idp.runtime import runtime
from tests.actors import CODE_READERS, DEMO_NUMBER, outbox_code_reader
from tests.conftest import (
    CLIENT_SECRETS,
    TEST_CLIENTS_FILE,
    build_app,
    dispose_app,
    free_port,
    make_settings,
)
from tests.e2e.browser import MISSING, BrowserMissing, Chromium, configured_browser
from tests.e2e.shots import VIEWPORTS
from tests.private_redis import private_redis

E2E = Path(__file__).resolve().parent
PROJECT = E2E.parent.parent
RP_SCRIPT = E2E / "rp.mjs"
READY_TIMEOUT = 20.0
STOP_TIMEOUT = 25.0  # gunicorn's graceful_timeout is 20 s
NODE_TIMEOUT = 60.0
# Signs the server's cookies and CSRF tokens; the signing keys are encrypted with the suite's
# key material instead (IDP_KEYS_ENCRYPTION_KEY below) so that both processes can read them.
E2E_SECRET_KEY = "e2e-openid-client-secret-key-0123456789abcdef"


# --- the Node relying party --------------------------------------------------------------------


@dataclass(frozen=True)
class NodeRP:
    node: str

    def run(self, command: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Run ``node rp.mjs COMMAND`` with ``payload`` as JSON on stdin; its JSON answer."""
        proc = subprocess.run(
            [self.node, str(RP_SCRIPT), command],
            input=json.dumps(payload),
            capture_output=True,
            text=True,
            timeout=NODE_TIMEOUT,
            cwd=E2E,
            check=False,
        )
        lines = proc.stdout.strip().splitlines()
        try:
            result = json.loads(lines[-1])
        except (IndexError, json.JSONDecodeError):
            pytest.fail(
                f"node rp.mjs {command} exited {proc.returncode} without a JSON answer\n"
                f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
            )
        if proc.returncode != 0 or not result.get("ok"):
            pytest.fail(
                f"node rp.mjs {command} failed (exit {proc.returncode}): "
                f"{json.dumps(result, indent=2)}\nstderr:\n{proc.stderr}"
            )
        return result


def node_rp() -> NodeRP:
    """The Node relying party; fails (never skips) when Node or openid-client is missing.

    Called from the test body rather than used as a fixture so that a missing prerequisite is
    reported as a test failure, not as a setup error."""
    node = shutil.which("node")
    if node is None:
        pytest.fail(
            "node is not on PATH: the openid-client end-to-end test needs Node.js >= 20 "
            "and `npm ci --prefix tests/e2e`."
        )
    manifest = E2E / "node_modules" / "openid-client" / "package.json"
    if not manifest.is_file():
        pytest.fail(
            f"openid-client is not installed under {E2E / 'node_modules'}: run "
            "`npm ci --prefix tests/e2e` (`make test` does it)."
        )
    version = json.loads(manifest.read_text())["version"]
    if not version.startswith("6."):
        pytest.fail(
            f"tests/e2e needs openid-client 6.x, found {version}: run `npm ci --prefix tests/e2e`."
        )
    return NodeRP(node)


# --- the provider as a separate process -------------------------------------------------------


@dataclass(frozen=True)
class ServerProcess:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def _idp_command() -> str:
    script = Path(sys.executable).with_name("idp")
    found = str(script) if script.is_file() else shutil.which("idp")
    if found is None:
        pytest.fail("the `idp` console script is not installed: run `make venv`.")
    return found


def _server_env(url: str, database_url: str, keys_material: str) -> dict[str, str]:
    # The developer's own IDP_* settings must not leak into the server under test.
    env = {k: v for k, v in os.environ.items() if not k.startswith("IDP_")}
    redis_url = os.environ.get("IDP_TEST_REDIS_URL", "")
    env.update(CLIENT_SECRETS)
    env.update(
        IDP_ENV="development",
        IDP_ISSUER=url,
        IDP_DATABASE_URL=database_url,
        # Empty: in-process Redis, which `idp serve` pairs with a single gunicorn worker.
        IDP_REDIS_URL=redis_url,
        IDP_WORKERS="2" if redis_url else "1",
        IDP_CLIENTS_FILE=str(TEST_CLIENTS_FILE),
        IDP_SECRET_KEY=E2E_SECRET_KEY,
        IDP_KEYS_ENCRYPTION_KEY=keys_material,
        PYTHONUNBUFFERED="1",
    )
    return env


def _wait_ready(server: ServerProcess) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    last = "no answer"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(
                f"`idp serve` exited with {server.process.returncode} before it was ready:\n"
                f"{server.log()}"
            )
        try:
            response = requests.get(f"{server.url}/readyz", timeout=2)
        except requests.RequestException as error:
            last = repr(error)
        else:
            if response.status_code == 200:
                return
            last = f"{response.status_code} {response.text}"
        time.sleep(0.2)
    pytest.fail(
        f"`idp serve` not ready within {READY_TIMEOUT:.0f} s (last /readyz: {last}):\n"
        f"{server.log()}"
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextmanager
def serve_process(
    url: str, port: int, database_url: str, keys_material: str, log_path: Path,
    **env: str,
) -> Iterator[ServerProcess]:  # fmt: skip
    """``idp serve`` for ``url`` on ``port`` (several processes may share one issuer behind
    a load balancer); ``env`` adds IDP_* settings."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [_idp_command(), "serve", "--bind", f"127.0.0.1:{port}"],
            cwd=PROJECT,
            env={**_server_env(url, database_url, keys_material), **env},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = ServerProcess(f"http://127.0.0.1:{port}", process, log_path)
    try:
        _wait_ready(server)
        yield server
    finally:
        _stop(process)
        # Shown by pytest only when the test failed.
        print(f"--- idp serve log ({server.url}) ---\n{server.log()}")


@pytest.fixture
def provider(database_url: str, tmp_path: Path) -> Iterator[ServerProcess]:
    """``idp serve`` on a free port, on the test database, with the test clients, signing keys
    and the demo member prepared in-process beforehand."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = make_settings(database_url, issuer=url)
    app = build_app(settings)  # empties the tables, generates keys if needed, syncs clients
    with app.app_context():
        ensure_demo_member(passwords=runtime().passwords)
    # The keys build_app generated are encrypted with this material: the server must use it.
    keys_material = settings.keys.encryption_key or settings.server.secret_key
    # The server keeps its one-time codes in the development outbox of the shared database.
    CODE_READERS[url] = outbox_code_reader(app)
    try:
        with serve_process(url, port, database_url, keys_material, tmp_path / "idp-serve.log") as s:
            yield s
    finally:
        CODE_READERS.pop(url, None)
        dispose_app(app)  # also closes what the code reader opened


# -- two instances behind a round-robin load balancer --------------------------------------


@dataclass
class Pair:
    """Two ``idp serve`` processes for one issuer, sharing PostgreSQL and Redis."""

    app: Flask  # in-process, for reading what the instances wrote
    issuer: str
    instances: list[str]
    database_url: str
    keys_material: str

    def count(self, event: str, **where: object) -> int:
        with self.app.app_context():
            found = db.session.scalar(
                select(func.count()).select_from(AuditEvent).filter_by(event=event, **where)
            )
            db.session.remove()
            return int(found or 0)

    def locked(self) -> bool:
        with self.app.app_context():
            member = db.session.scalars(select(Member).filter_by(member_number=DEMO_NUMBER)).one()
            db.session.remove()
            return member.locked_until is not None

    def idp(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run the ``idp`` console script as an operator would, on the instances' settings."""
        env = _server_env(self.issuer, self.database_url, self.keys_material)
        return subprocess.run(
            [_idp_command(), *args], cwd=PROJECT, env=env, capture_output=True, text=True,
            timeout=NODE_TIMEOUT, check=False,
        )  # fmt: skip


@pytest.fixture
def shared_redis(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Two processes need one real Redis: the suite's, or a private ``redis-server``."""
    if os.environ.get("IDP_TEST_REDIS_URL"):
        yield
        return
    with private_redis() as server:
        monkeypatch.setenv("IDP_TEST_REDIS_URL", server.url)
        yield


@pytest.fixture
def pair_env() -> dict[str, str]:
    """IDP_* settings of both instances; a test module overrides it."""
    return {}


@pytest.fixture
def pair(
    shared_redis: None, database_url: str, tmp_path: Path, pair_env: dict[str, str]
) -> Iterator[Pair]:
    ports = free_port(), free_port()
    issuer = f"http://127.0.0.1:{ports[0]}"
    settings = make_settings(database_url, issuer=issuer)
    app = build_app(settings)
    with app.app_context():
        ensure_demo_member(passwords=runtime().passwords)
    keys = settings.keys.encryption_key or settings.server.secret_key
    CODE_READERS[issuer] = outbox_code_reader(app)
    try:
        with (
            serve_process(
                issuer, ports[0], database_url, keys, tmp_path / "a.log", **pair_env
            ) as a,
            serve_process(
                issuer, ports[1], database_url, keys, tmp_path / "b.log", **pair_env
            ) as b,
        ):
            yield Pair(app, issuer, [a.url, b.url], database_url, keys)
    finally:
        CODE_READERS.pop(issuer, None)
        dispose_app(app)


def fire(requests_to_send: list[tuple[requests.Session, str, dict]]) -> list[requests.Response]:
    """POST them all at once (a barrier releases every thread together)."""
    barrier = threading.Barrier(len(requests_to_send))
    answers: list[requests.Response | None] = [None] * len(requests_to_send)

    def post(i: int, http: requests.Session, url: str, data: dict) -> None:
        barrier.wait()
        answers[i] = http.post(url, data=data, allow_redirects=False, timeout=60)

    threads = [threading.Thread(target=post, args=(i, *r)) for i, r in enumerate(requests_to_send)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(a is not None for a in answers)
    return [a for a in answers if a is not None]


def at_instance(pair: Pair, i: int, path_or_url: str) -> str:
    """The same page on instance ``i % 2``: requests alternate between the two."""
    path = path_or_url.replace(pair.issuer, "")
    return urljoin(pair.instances[i % 2], path)


# -- headless Chromium, driven by Playwright, for the page tests -------------------------------
# Which Chromium: tests/e2e/browser.py (Debian's, installed when missing, else Playwright's).
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCALES = {"fr": "fr-FR", "en": "en-GB"}


@pytest.fixture(scope="session")
def chromium_executable() -> Chromium:
    """The Chromium found or installed, once per session; without one every browser test
    fails with the line saying what to install (reported as a failure, not as an error:
    ``pytest_report_teststatus`` below)."""
    try:
        return configured_browser()
    except BrowserMissing as missing:
        line = str(missing)
    pytest.fail(line, pytrace=False)


@pytest.fixture(scope="session")
def chromium(chromium_executable: Chromium) -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium_executable.executable, args=CHROMIUM_FLAGS
        )
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    report = yield
    failed = call.excinfo
    if failed is not None and failed.errisinstance(pytest.fail.Exception):
        # The browser's absence, from a fixture: a failure of the test (below).
        report.browser_missing = str(failed.value) == MISSING  # type: ignore[attr-defined]
    return report


def pytest_report_teststatus(report: pytest.TestReport) -> tuple[str, str, str] | None:
    """A browser test without a browser failed: it is not an error of the suite."""
    if getattr(report, "browser_missing", False) and report.failed:
        return "failed", "F", "FAILED"
    return None


def _watched_page(context: BrowserContext, viewport: str, lang: str) -> Page:
    page = context.new_page()
    errors: list[str] = []
    page.csp_errors = errors  # type: ignore[attr-defined]
    page.idp_viewport = viewport  # type: ignore[attr-defined]
    page.idp_lang = lang  # type: ignore[attr-defined]
    page.on("console", lambda m: "Content Security Policy" in m.text and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(f"script error: {e}"))
    return page


@pytest.fixture
def page(chromium: Browser) -> Iterator[Page]:
    """A phone-sized French page that records CSP violations and script errors in
    ``page.csp_errors``."""
    context = chromium.new_context(viewport={"width": 375, "height": 740}, locale="fr-FR")
    yield _watched_page(context, "phone", "fr")
    context.close()


OpenPage = Callable[[str, str], Page]


@pytest.fixture
def open_page(chromium: Browser) -> Iterator[OpenPage]:
    """``open_page(viewport, lang)``: a new page in its own browser context, ``viewport``
    one of ``shots.VIEWPORTS`` ("phone" 375×812, "desktop" 1280×800), the browser asking for
    ``lang`` ("fr", "en") through Accept-Language; it records CSP violations and script
    errors in ``page.csp_errors``, and ``shots.shoot`` names its screenshots after both."""
    contexts: list[BrowserContext] = []

    def open_(viewport: str, lang: str) -> Page:
        context = chromium.new_context(
            viewport=VIEWPORTS[viewport], locale=LOCALES[lang], is_mobile=viewport == "phone",
            has_touch=viewport == "phone",
        )  # fmt: skip
        contexts.append(context)
        return _watched_page(context, viewport, lang)

    yield open_
    for context in contexts:
        context.close()


MEMBER_PAGES = [("phone", "fr"), ("phone", "en"), ("desktop", "fr"), ("desktop", "en")]


@pytest.fixture(params=MEMBER_PAGES, ids=[f"{v}-{lang}" for v, lang in MEMBER_PAGES])
def member_page(request: pytest.FixtureRequest, open_page: OpenPage) -> Page:
    """The same test on a phone and on a desktop, in French and in English."""
    viewport, lang = request.param
    return open_page(viewport, lang)
