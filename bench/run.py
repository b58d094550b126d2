"""Load test of the real stack: ``make bench`` (``.venv/bin/python bench/run.py``).

Prepares a dedicated PostgreSQL database and Redis database, starts ``idp serve`` (gunicorn) as
a subprocess and loads it from other processes: wrk (C, event loop, Lua scripts in
bench/wrk.lua) for the single-request scenarios, and Python worker processes (http.client) for
the full sign-in, which is a browser conversation of ten requests with the one-time code read
from the development outbox. Prints a table and appends it to bench/RESULTS.md. See
bench/README.md.

Knobs (environment): BENCH_DURATION (s, default 12), BENCH_WARMUP (s, default 3),
BENCH_CONNECTIONS (default 16), BENCH_WRK_THREADS (default 2), BENCH_SIGNIN_PROCS (default 2),
BENCH_PORT (default: a free port), BENCH_KEEP_LOG=1 (keep the server log).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import html
import http.client
import json
import math
import multiprocessing
import os
import platform
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
VENV_BIN = Path(sys.executable).parent
IDP = str(VENV_BIN / "idp")
RESULTS = BENCH / "RESULTS.md"
CLIENTS_FILE = BENCH / "clients.yaml"
WRK_SCRIPT = BENCH / "wrk.lua"

DB_NAME = "idp_bench"
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DATABASE_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{DB_NAME}"
# The load generator reads the code e-mails from the development outbox of the bench database;
# its connections are named so that the CPU meter leaves them out of the server's PostgreSQL.
OUTBOX_URL = f"postgresql://postgres@127.0.0.1:5432/{DB_NAME}"
GENERATOR_APP = "idp-bench-generator"
REDIS_URL = "redis://127.0.0.1:6379/14"

DURATION = float(os.environ.get("BENCH_DURATION", "12"))
WARMUP = float(os.environ.get("BENCH_WARMUP", "3"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
WRK_THREADS = int(os.environ.get("BENCH_WRK_THREADS", "2"))
SIGNIN_PROCS = int(os.environ.get("BENCH_SIGNIN_PROCS", "2"))

PORTAL_ID = "bench-portal"
PORTAL_SECRET = "bench-portal-secret-0123456789abcdefghijklmnop"
PORTAL_CALLBACK = "http://127.0.0.1:5001/auth/callback"
SERVICE_ID = "bench-service"
SERVICE_SECRET = "bench-service-secret-0123456789abcdefghijklmno"
SERVICE_SCOPE = "idp:reporting"
# The bench's members: 9-digit numbers starting with 9, one e-mail address each, no phone (the
# code goes by e-mail), all with the same password.
MEMBER_PREFIX = "9"
MEMBER_PASSWORD = "Correct-Horse-42"
# Sizing of the member pools: no more than this many sign-ins/s per core can happen (each
# costs ~20 ms of a core in argon2id alone), so the pools cannot run out before the end.
SIGNINS_PER_CORE_CEILING = 50

ACTIVATE_MEMBERS = """
import sys

from sqlalchemy import update

from idp import create_app
from idp.db import db, utcnow
from idp.models import Member
from idp.runtime import runtime

prefix, password = sys.argv[1], sys.argv[2]
app = create_app()
with app.app_context():
    runtime().keys.ensure()
    # The members share one password: one argon2id hash serves them all.
    password_hash = runtime().passwords.hash(password)
    now = utcnow()
    done = db.session.execute(
        update(Member)
        .where(Member.member_number.startswith(prefix))
        .values(password_hash=password_hash, password_changed_at=now, activated_at=now)
    )
    db.session.commit()
print(f"{done.rowcount} members active (one shared password hash); signing keys exist.")
"""

SIGNIN_SCENARIO = "full sign-in (authorize → password → code by e-mail → token)"

CLK_TCK = os.sysconf("SC_CLK_TCK")
OURS: set[str] = set()  # the IDP_* variables bench/run.py sets (others are the caller's overrides)


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- a small browser and relying party (http.client: cheap on the generator's CPU) -----------


class FlowError(Exception):
    """A sign-in did not go as a member's browser expects."""


def basic(client_id: str, secret: str) -> str:
    pair = f"{urllib.parse.quote(client_id)}:{urllib.parse.quote(secret)}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


class Browser:
    """One keep-alive connection, a cookie jar per sign-in, redirects followed by hand."""

    def __init__(self, issuer: str) -> None:
        parts = urllib.parse.urlsplit(issuer)
        self.issuer = issuer
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, url: str, body: str | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        parts = urllib.parse.urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        h = dict(headers or {})
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            h["Content-Type"] = "application/x-www-form-urlencoded"
        while True:
            reused = self.conn.sock is not None
            try:
                self.conn.request(method, target, body=body, headers=h)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                if not reused:
                    raise
                # An idle keep-alive connection the server had closed (gunicorn's keepalive
                # timeout): nothing was processed, send again on a new connection.
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, value = cookie.split(";", 1)[0].partition("=")
            if value and "max-age=0" not in cookie.lower():
                self.cookies[name.strip()] = value
            else:
                self.cookies.pop(name.strip(), None)
        return response.status, response.headers, data


Member = tuple[str, str]  # (member number, e-mail address)


def bench_member(index: int) -> Member:
    return f"{MEMBER_PREFIX}{index:08d}", f"bench.member.{index:05d}@example.org"


class Mailbox:
    """The members' mail as the development outbox keeps it (no IDP_SMTP_URL): one connection
    to the bench database, used by one virtual user at a time. A member's newest ``otp`` row is
    the code just sent, because no two virtual users share a member."""

    def __init__(self) -> None:
        self.conn: psycopg.Connection | None = None
        self.seen: dict[str, int] = {}  # e-mail → id of the last code e-mail read

    def code(self, email: str) -> str:
        if self.conn is None or self.conn.closed:
            self.conn = psycopg.connect(OUTBOX_URL, autocommit=True, application_name=GENERATOR_APP)
        row = self.conn.execute(
            "SELECT id, subject, text FROM outbox_messages"
            " WHERE purpose = 'otp' AND recipient = %s ORDER BY id DESC LIMIT 1",
            (email,),
        ).fetchone()
        if row is None or row[0] <= self.seen.get(email, 0):
            raise FlowError(f"no new code e-mail for {email} in outbox_messages")
        self.seen[email] = row[0]
        found = re.search(r"\b(\d{6})\b", row[1] or "") or re.search(r"\b(\d{6})\b", row[2] or "")
        if found is None:
            raise FlowError(f"no 6-digit code in the e-mail {row[0]} to {email}")
        return found.group(1)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


@dataclass
class SignIn:
    tokens: dict[str, Any]
    steps: list[tuple[str, float]] = field(default_factory=list)  # (step, seconds)


READ_CODE_STEP = "read the code (outbox)"  # not a request to idp: the member reads the e-mail


def sign_in(browser: Browser, metadata: dict[str, Any], member: Member, mailbox: Mailbox) -> SignIn:
    """A member's sign-in from a fresh browser: /authorize with PKCE, the password page, the
    password with its CSRF token, the code step (e-mail chosen, the code read from the outbox
    and typed), back to the client with a code, then the client's token request. Each step is
    timed."""
    number, email = member
    browser.cookies = {}
    steps: list[tuple[str, float]] = []
    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    state, nonce = secrets.token_urlsafe(12), secrets.token_urlsafe(12)
    query = urllib.parse.urlencode(
        {
            "response_type": "code",
            "client_id": PORTAL_ID,
            "redirect_uri": PORTAL_CALLBACK,
            "scope": "openid profile email phone member",
            "state": state,
            "nonce": nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    url = f"{metadata['authorization_endpoint']}?{query}"
    method, body = "GET", None
    callback = None
    done: set[str] = set()  # the forms filled in: password, channel, code
    for _ in range(16):
        started = time.perf_counter()
        status, headers, data = browser.request(method, url, body)
        elapsed = time.perf_counter() - started
        name = _step_name(method, url)
        if status in (301, 302, 303, 307, 308):
            target = urllib.parse.urljoin(url, headers["Location"])
            if method == "GET" and "/login/" in url:
                name += " (redirect)"
            steps.append((name, elapsed))
            if not target.startswith(browser.issuer):
                callback = target
                break
            url, method, body = target, "GET", None
            continue
        if status != 200:
            steps.append((name, elapsed))
            raise FlowError(f"{method} {name}: HTTP {status}: {data[:200]!r}")
        page = data.decode("utf-8", "replace")
        fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page))
        csrf = html.unescape(fields.get("csrf_token", ""))
        if (action := _form_action(page, "/code")) and "code" not in done:
            steps.append((f"{name} (code form)", elapsed))
            started = time.perf_counter()
            code = mailbox.code(email)
            steps.append((READ_CODE_STEP, time.perf_counter() - started))
            form, body = "code", urllib.parse.urlencode({"csrf_token": csrf, "code": code})
        elif (action := _form_action(page, "/code/send")) and "channel" not in done:
            steps.append((f"{name} (channel form)", elapsed))
            form = "channel"
            body = urllib.parse.urlencode({"csrf_token": csrf, "channel": "email"})
        elif (action := _form_action(page, "/password")) and "password" not in done:
            steps.append((f"{name} (password form)", elapsed))
            form = "password"
            body = urllib.parse.urlencode(
                {"csrf_token": csrf, "username": number, "password": MEMBER_PASSWORD}
            )
        else:
            steps.append((name, elapsed))
            alert = re.search(r'role="alert"[^>]*>(.*?)</', page, re.S)
            said = f": {html.unescape(alert.group(1)).strip()}" if alert else ""
            raise FlowError(f"{method} {name}: unexpected page (no form left to fill){said}")
        url, method = urllib.parse.urljoin(url, action), "POST"
        done.add(form)
    if callback is None or not callback.startswith(PORTAL_CALLBACK):
        raise FlowError(f"sign-in did not return to the client (ended at {callback or url})")
    params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(callback).query))
    if params.get("state") != state or "code" not in params:
        raise FlowError(f"bad authorization response: {params}")
    started = time.perf_counter()
    status, _, data = browser.request(
        "POST",
        metadata["token_endpoint"],
        urllib.parse.urlencode(
            {
                "grant_type": "authorization_code",
                "code": params["code"],
                "redirect_uri": PORTAL_CALLBACK,
                "code_verifier": verifier,
            }
        ),
        {"Authorization": basic(PORTAL_ID, PORTAL_SECRET)},
    )
    steps.append(("POST /token (code)", time.perf_counter() - started))
    if status != 200:
        raise FlowError(f"POST /token (code): HTTP {status}: {data[:200]!r}")
    tokens = json.loads(data)
    if "refresh_token" not in tokens or "access_token" not in tokens:
        raise FlowError(f"token response without access and refresh tokens: {sorted(tokens)}")
    return SignIn(tokens, steps)


def _step_name(method: str, url: str) -> str:
    path = urllib.parse.urlsplit(url).path
    path = re.sub(r"/(login|resume)/[^/]+", r"/\1/<id>", path)
    return f"{method} {path}"


def _form_action(page: str, suffix: str) -> str | None:
    """The action of the page's form whose path ends with ``suffix``."""
    for action in re.findall(r'<form[^>]*action="([^"]+)"', page):
        action = html.unescape(action)
        if urllib.parse.urlsplit(action).path.endswith(suffix):
            return action
    return None


def _signin_worker(
    issuer: str, metadata: dict, pools: list[list[Member]], uses_per_member: int,
    start_at: float, measure_from: float, stop_at: float, out: Any,
) -> None:  # fmt: skip
    """A load-generator process: one virtual user per pool, signing in again and again with
    the members of its own pool in turn, each at most ``uses_per_member`` times (the code
    step's sending limits)."""
    results: list[tuple[float, float, str | None, list[tuple[str, float]]]] = []
    lock = threading.Lock()

    def user(pool: list[Member]) -> None:
        browser, mailbox = Browser(issuer), Mailbox()
        time.sleep(max(0.0, start_at - time.time()))
        done = 0
        while time.time() < stop_at:
            if done >= uses_per_member * len(pool):
                used_up = (f"{len(pool)} members × {uses_per_member} codes used up before the "
                           "end: raise SIGNINS_PER_CORE_CEILING in bench/run.py")  # fmt: skip
                with lock:
                    results.append((max(time.time(), measure_from), 0.0, used_up, []))
                break
            started = time.perf_counter()
            error, steps = None, []
            try:
                steps = sign_in(browser, metadata, pool[done % len(pool)], mailbox).steps
            except (FlowError, OSError, http.client.HTTPException, ValueError,
                    psycopg.Error) as exc:  # fmt: skip
                error = f"{type(exc).__name__}: {exc}"
                browser.conn.close()
                if isinstance(exc, psycopg.Error):
                    mailbox.close()
            done += 1
            ended = time.time()
            if measure_from <= ended <= stop_at:
                with lock:
                    results.append((ended, time.perf_counter() - started, error, steps))
        mailbox.close()

    workers = [threading.Thread(target=user, args=(pool,)) for pool in pools]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    out.put(results)


# --- measurement helpers ---------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, round(p / 100 * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def _proc_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


class CpuMeter:
    """CPU used over an interval, in cores: by the server (gunicorn master + each worker), by
    the PostgreSQL backends of the bench database, by this script's children (the load
    generator) and by the whole machine."""

    def __init__(self, server_pid: int, pg_pids: Callable[[], list[int]]) -> None:
        self.server_pid = server_pid
        self.pg_pids = pg_pids

    def _pg(self) -> dict[int, int]:
        return {p: _proc_ticks(p) for p in self.pg_pids()}

    def _server(self) -> dict[int, int]:
        return {p: _proc_ticks(p) for p in [self.server_pid, *_children(self.server_pid)]}

    @staticmethod
    def _machine() -> int:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        return sum(values[:8]) - values[3] - values[4]  # minus idle and iowait

    @staticmethod
    def _generator() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    def start(self) -> None:
        self.t0 = time.monotonic()
        self.s0, self.m0, self.g0 = self._server(), self._machine(), self._generator()
        self.p0 = self._pg()

    def stop(self) -> dict[str, Any]:
        wall = time.monotonic() - self.t0
        s1 = self._server()
        used = {p: (t - self.s0.get(p, 0)) / CLK_TCK / wall for p, t in s1.items()}
        pg = sum(t - self.p0.get(p, 0) for p, t in self._pg().items()) / CLK_TCK / wall
        return {
            "pg_cores": pg,
            "idp_cores": sum(used.values()),
            "per_worker": [round(v, 2) for p, v in used.items() if p != self.server_pid],
            "machine_cores": (self._machine() - self.m0) / CLK_TCK / wall,
            "gen_cores": (self._generator() - self.g0) / wall,
        }


@dataclass
class Result:
    scenario: str
    unit: str
    rate: float
    p50_ms: float
    p99_ms: float
    errors: int
    total: int
    detail: str = ""
    cpu: dict[str, float] = field(default_factory=dict)
    log_span: tuple[int, int] = (0, 0)


# --- the bench -------------------------------------------------------------------------------


class Bench:
    def __init__(self) -> None:
        self.port = int(os.environ.get("BENCH_PORT") or _free_port())
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "IDP_ENV": "development",
            "IDP_DATABASE_URL": DATABASE_URL,
            "IDP_REDIS_URL": REDIS_URL,
            "IDP_SECRET_KEY": secrets.token_urlsafe(32),
            "IDP_ISSUER": self.issuer,
            "IDP_CLIENTS_FILE": str(CLIENTS_FILE),
            "IDP_BENCH_SECRET_PORTAL": PORTAL_SECRET,
            "IDP_BENCH_SECRET_SERVICE": SERVICE_SECRET,
            # Members signing in from one address many times a second: the anti-guessing
            # limits would (rightly) stop them, so the bench lifts them.
            "IDP_PASSWORD_ATTEMPTS_PER_IP": "100000000",
            "IDP_PASSWORD_ATTEMPTS_PER_IDENTIFIER": "100000000",
        }
        self.workdir = Path(tempfile.mkdtemp(prefix="idp-bench-"))
        self.log_path = self.workdir / "server.log"
        self.server: subprocess.Popen | None = None
        self.metadata: dict[str, Any] = {}
        self.results: list[Result] = []
        self.stack: dict[str, str] = {}
        # Members: distinct ones for the sign-ins that obtain tokens beforehand, then a pool
        # of its own for each virtual user of the sign-in scenario (see plan_members).
        self.refresh_users = CONNECTIONS + 4  # a few spare chains per run
        self.prep_members: list[Member] = []
        self.user_pools: list[list[Member]] = []
        self.uses_per_member = 0

    # -- preparation ----------------------------------------------------------------------
    def prepare(self) -> None:
        say(f"Preparing database {DB_NAME} and Redis DB 14")
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {DB_NAME}")
            self.stack["postgresql"] = str(conn.execute("SHOW server_version").fetchone()[0])
        r = redis.Redis.from_url(REDIS_URL)
        r.flushdb()
        self.stack["redis"] = str(r.info("server")["redis_version"])
        r.close()
        self._idp("db", "upgrade")
        self._idp("clients", "sync", str(CLIENTS_FILE))
        members = self.plan_members()
        csv_path = self.workdir / "members.csv"
        rows = ["member_number,last_name,first_name,birth_date,email,phone,contracts"]
        rows += [f"{n},Banc,Membre {n[-5:]},1980-04-12,{e},,health" for n, e in members]
        csv_path.write_text("\n".join(rows) + "\n")
        self._idp("members", "import", str(csv_path))
        self._run([sys.executable, "-c", ACTIVATE_MEMBERS, MEMBER_PREFIX, MEMBER_PASSWORD])

    def plan_members(self) -> list[Member]:
        """Every sign-in goes through the code step, whose sending limits allow a member only
        a few codes in a run: each virtual user gets a pool of its own members, large enough
        for the highest sign-in rate the machine could reach, and takes them in turn. No two
        sign-ins in flight share a member, so a member's newest code e-mail is the one sent
        to that sign-in."""
        self.uses_per_member = _code_uses_per_member()
        ceiling = SIGNINS_PER_CORE_CEILING * (os.cpu_count() or 1) * (WARMUP + DURATION + 3)
        per_user = max(2, math.ceil(ceiling / CONNECTIONS / self.uses_per_member))
        prep = CONNECTIONS + 2 * self.refresh_users
        members = [bench_member(i) for i in range(prep + CONNECTIONS * per_user)]
        self.prep_members = members[:prep]
        self.user_pools = [
            members[prep + u * per_user : prep + (u + 1) * per_user] for u in range(CONNECTIONS)
        ]
        say(f"  {len(members)} members: {prep} for the tokens, {CONNECTIONS} × {per_user} for "
            f"the sign-in scenario ({self.uses_per_member} codes per member at most)")  # fmt: skip
        return members

    def _idp(self, *args: str) -> None:
        self._run([IDP, *args])

    def _run(self, command: list[str]) -> None:
        done = subprocess.run(
            command, cwd=ROOT, env=self.env, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            sys.exit(f"{' '.join(command[:3])} failed:\n{done.stdout}{done.stderr}")
        say("  " + (done.stdout.strip().splitlines() or ["ok"])[-1])

    # -- server ---------------------------------------------------------------------------
    def start_server(self) -> None:
        say(f"Starting idp serve on 127.0.0.1:{self.port} (log: {self.log_path})")
        self.log = self.log_path.open("wb")
        self.server = subprocess.Popen(
            [IDP, "serve", "--bind", f"127.0.0.1:{self.port}"],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                sys.exit(f"idp serve exited with {self.server.returncode}:\n{self._log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.issuer}/readyz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            time.sleep(0.2)
        else:
            sys.exit(f"/readyz did not answer 200 within 60 s:\n{self._log_tail()}")
        options = _gunicorn_options()
        expected = int(options.get("workers") or 1)
        while len(_children(self.server.pid)) < expected and time.monotonic() < deadline:
            time.sleep(0.2)  # /readyz answered as soon as the first worker was up
        workers = _children(self.server.pid)
        self.stack["workers"] = str(len(workers))
        self.stack["threads"] = str(options.get("threads", "?"))
        with urllib.request.urlopen(f"{self.issuer}/.well-known/openid-configuration") as r:
            self.metadata = json.load(r)
        say(f"Ready: {len(workers)} gunicorn workers × {self.stack['threads']} threads")
        idle = CpuMeter(self.server.pid, self._pg_pids)
        idle.start()
        time.sleep(2)
        busy = idle.stop()["machine_cores"]
        self.stack["background"] = f"{busy:.2f}"
        self.stack["loadavg"] = " ".join(Path("/proc/loadavg").read_text().split()[:3])
        if busy > 0.2:
            say(f"Warning: the machine is already busy ({busy:.2f} cores) before the load starts")

    def stop_server(self) -> None:
        if self.server is None or self.server.poll() is not None:
            return
        say("Stopping the server (SIGTERM, graceful)")
        self.server.send_signal(signal.SIGTERM)
        try:
            self.server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.server.pid, signal.SIGKILL)
            self.server.wait()
        self.log.close()

    def _log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    # -- tokens obtained beforehand through real sign-ins ---------------------------------
    def sign_ins(self, members: list[Member]) -> list[dict[str, Any]]:
        """One full sign-in (code step included) per member, 8 at a time."""

        def one(member: Member) -> dict[str, Any]:
            browser, mailbox = Browser(self.issuer), Mailbox()
            try:
                return sign_in(browser, self.metadata, member, mailbox).tokens
            finally:
                browser.conn.close()
                mailbox.close()

        with ThreadPoolExecutor(max_workers=8) as pool:
            return list(pool.map(one, members))

    def _token_file(self, name: str, tokens: list[str]) -> Path:
        path = self.workdir / name
        path.write_text("\n".join(tokens) + "\n")
        return path

    # -- scenarios ------------------------------------------------------------------------
    def wrk(self, scenario: str, url: str, mode: str, *, body: str = "", auth: str = "",
            tokens: Callable[[], Path] | None = None) -> Result:  # fmt: skip
        """A warm-up run, then the measured run, each with its own tokens if any."""
        path = urllib.parse.urlsplit(url).path
        base = {"BENCH_MODE": mode, "BENCH_PATH": path, "BENCH_BODY": body,
                "BENCH_AUTH": auth, "BENCH_THREADS": str(WRK_THREADS)}  # fmt: skip
        runs = []
        for phase, seconds in (("warm-up", WARMUP), ("measure", DURATION)):
            env = {**os.environ, **base}
            if tokens is not None:
                env["BENCH_TOKENS"] = str(tokens())
            command = [
                "wrk", f"-t{WRK_THREADS}", f"-c{CONNECTIONS}", f"-d{seconds:g}s",
                "--timeout", "10s", "-s", str(WRK_SCRIPT), self.issuer,
            ]  # fmt: skip
            say(f"{scenario}: {phase} {seconds:g} s")
            meter = CpuMeter(self.server.pid, self._pg_pids)  # type: ignore[union-attr]
            log_from = self.log_path.stat().st_size
            meter.start()
            done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
            cpu = meter.stop()
            line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH_RESULT ")), "")
            if not line:
                sys.exit(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
            runs.append((json.loads(line.split(" ", 1)[1]), cpu, (log_from, self._log_size())))
        data, cpu, span = runs[-1]
        socket_errors = data["connect"] + data["read"] + data["write"] + data["timeout"]
        detail = []
        if data["statuses"]:
            detail.append("statuses " + ", ".join(f"{k}×{v}" for k, v in data["statuses"].items()))
        if socket_errors:
            detail.append(
                f"socket errors connect {data['connect']} read {data['read']} "
                f"write {data['write']} timeout {data['timeout']}"
            )
        if data["starved"]:
            detail.append(f"{data['starved']} requests without a refresh token left")
        return Result(
            scenario=scenario,
            unit="req",
            rate=data["requests"] / (data["duration_us"] / 1e6),
            p50_ms=data["p50_us"] / 1000,
            p99_ms=data["p99_us"] / 1000,
            errors=data["non2xx"] + socket_errors + data["starved"],
            total=data["requests"],
            detail="; ".join(detail),
            cpu=cpu,
            log_span=span,
        )

    def signin_scenario(self) -> Result:
        scenario = SIGNIN_SCENARIO
        per_proc = [CONNECTIONS // SIGNIN_PROCS + (i < CONNECTIONS % SIGNIN_PROCS)
                    for i in range(SIGNIN_PROCS)]  # fmt: skip
        bounds = [sum(per_proc[:i]) for i in range(SIGNIN_PROCS + 1)]
        say(f"{scenario}: warm-up {WARMUP:g} s + measure {DURATION:g} s "
            f"({SIGNIN_PROCS} processes, {CONNECTIONS} members at once)")  # fmt: skip
        ctx = multiprocessing.get_context("spawn")
        out = ctx.Queue()
        start_at = time.time() + 1.5  # time for the spawned processes to import
        measure_from = start_at + WARMUP
        stop_at = measure_from + DURATION
        procs = [
            ctx.Process(
                target=_signin_worker,
                args=(
                    self.issuer,
                    self.metadata,
                    self.user_pools[bounds[i] : bounds[i + 1]],
                    self.uses_per_member,
                    start_at,
                    measure_from,
                    stop_at,
                    out,
                ),
            )
            for i in range(SIGNIN_PROCS)
        ]
        # CPU is measured over warm-up and measure alike: the workers' own CPU time is only
        # known once they have exited.
        meter = CpuMeter(self.server.pid, self._pg_pids)  # type: ignore[union-attr]
        meter.start()
        for p in procs:
            p.start()
        time.sleep(max(0.0, measure_from - time.time()))
        log_from = self._log_size()
        results = [row for _ in procs for row in out.get(timeout=DURATION + WARMUP + 120)]
        for p in procs:
            p.join()
        cpu = meter.stop()
        ok = [r for r in results if r[2] is None]
        errors = [r[2] for r in results if r[2] is not None]
        latencies = [r[1] for r in ok]
        per_step: dict[str, list[float]] = {}
        for r in ok:
            for name, seconds in r[3]:
                per_step.setdefault(name, []).append(seconds)
        steps = ", ".join(
            f"{name} {percentile(v, 50) * 1000:.0f}/{percentile(v, 99) * 1000:.0f}"
            for name, v in per_step.items()
        )
        per_flow = sum(1 for name, _ in ok[0][3] if name != READ_CODE_STEP) if ok else 0
        detail = f"{per_flow} requests per sign-in; p50/p99 ms per step: {steps}"
        if errors:
            common = Counter(errors).most_common(3)
            detail += "; errors: " + "; ".join(f"{n}× {e[:160]}" for e, n in common)
        return Result(
            scenario=scenario,
            unit="sign-in",
            rate=len(ok) / DURATION,
            p50_ms=percentile(latencies, 50) * 1000,
            p99_ms=percentile(latencies, 99) * 1000,
            errors=len(errors),
            total=len(results),
            detail=detail,
            cpu=cpu,
            log_span=(log_from, self._log_size()),
        )

    def _pg_pids(self) -> list[int]:
        """PostgreSQL backends serving the bench database (the server's connection pools; not
        the load generator's reads of the outbox)."""
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND application_name <> %s",
                (DB_NAME, GENERATOR_APP),
            ).fetchall()
        return [int(r[0]) for r in rows]

    def _log_size(self) -> int:
        self.log.flush()
        return self.log_path.stat().st_size

    def run_scenarios(self) -> None:
        md = self.metadata
        say(f"Signing in {len(self.prep_members)} times (code step included) to obtain tokens")
        n, r = CONNECTIONS, self.refresh_users
        userinfo_tokens = [t["access_token"] for t in self.sign_ins(self.prep_members[:n])]
        refresh_sets = [
            [t["refresh_token"] for t in self.sign_ins(self.prep_members[start : start + r])]
            for start in (n, n + r)
        ]
        portal_auth = basic(PORTAL_ID, PORTAL_SECRET)

        self.results.append(self.wrk("JWKS (GET)", md["jwks_uri"], "get"))
        self.results.append(
            self.wrk(
                "client_credentials token",
                md["token_endpoint"],
                "post",
                body=f"grant_type=client_credentials&scope={urllib.parse.quote(SERVICE_SCOPE)}",
                auth=basic(SERVICE_ID, SERVICE_SECRET),
            )
        )
        self.results.append(
            self.wrk(
                "userinfo (GET, bearer)",
                md["userinfo_endpoint"],
                "bearer",
                tokens=lambda: self._token_file("access.txt", userinfo_tokens),
            )
        )
        self.results.append(
            self.wrk(
                "refresh_token token (rotating)",
                md["token_endpoint"],
                "refresh",
                auth=portal_auth,
                tokens=lambda: self._token_file("refresh.txt", refresh_sets.pop()),
            )
        )
        self.results.append(self.signin_scenario())

    # -- server-side view and report ------------------------------------------------------
    def server_findings(self) -> list[str]:
        """Status codes of the access log per scenario, and any traceback."""
        notes = []
        with self.log_path.open("rb") as f:
            for result in self.results:
                start, end = result.log_span
                f.seek(start)
                chunk = f.read(end - start).decode("utf-8", "replace")
                codes = Counter(re.findall(r'" (\d{3}) ', chunk))
                bad = {c: n for c, n in codes.items() if c.startswith(("4", "5"))}
                if bad:
                    notes.append(f"{result.scenario}: server access log shows {bad}")
        text = self.log_path.read_text(errors="replace")
        tracebacks = re.findall(r"Traceback \(most recent call last\):.*?(?=\n\S|\Z)", text, re.S)
        if tracebacks:
            notes.append(f"{len(tracebacks)} traceback(s) in the server log; first:")
            notes.append(tracebacks[0][:3000])
        for pattern in ("WORKER TIMEOUT", "Booting worker"):
            n = text.count(pattern)
            if pattern == "Booting worker":
                n -= int(self.stack.get("workers", "0"))
            if n > 0:
                notes.append(f"server log: {n}× {pattern!r}")
        return notes

    def table(self) -> str:
        header = (
            "| Scenario | Rate (/s) | p50 (ms) | p99 (ms) | Errors | idp CPU | PostgreSQL CPU "
            "| load-gen CPU | rest | machine busy |\n"
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        )
        rows = [header]
        for r in self.results:
            c = r.cpu
            rest = c["machine_cores"] - c["idp_cores"] - c["pg_cores"] - c["gen_cores"]
            rows.append(
                f"| {r.scenario} | {r.rate:,.0f} {r.unit}/s | {r.p50_ms:.1f} | {r.p99_ms:.1f} "
                f"| {r.errors} / {r.total:,} | {c['idp_cores']:.2f} | {c['pg_cores']:.2f} "
                f"| {c['gen_cores']:.2f} | {rest:.2f} "
                f"| {c['machine_cores']:.2f} / {os.cpu_count()} |"
            )
        return "\n".join(rows)

    def report(self, findings: list[str]) -> None:
        table = self.table()
        overrides = sorted(
            f"{k}={v}" for k, v in os.environ.items() if k.startswith("IDP_") and k not in OURS
        )
        details = []
        for r in self.results:
            split = r.cpu["per_worker"]
            note = (
                f"- {r.scenario}: CPU per gunicorn worker {' + '.join(f'{c:.2f}' for c in split)}"
            )
            idle_cores = (os.cpu_count() or 1) - r.cpu["machine_cores"]
            if len(split) > 1 and min(split) < max(split) / 3 and idle_cores > 0.2:
                note += " (connections unevenly spread over the workers, a core left idle)"
            details.append(note + (f"; {r.detail}" if r.detail else ""))
        print()
        print(table)
        print("\n".join(details))
        if findings:
            print("\nServer-side findings:")
            print("\n".join(findings))
        section = [
            f"## {datetime.now(UTC):%Y-%m-%d %H:%M} UTC — commit {_git_commit()}",
            "",
            f"- Machine: {_machine()}; busy {self.stack.get('background')} cores with the "
            f"server idle just before the run (other work on the machine), load average "
            f"{self.stack.get('loadavg')}.",
            f"- Stack: `idp serve`, gunicorn {self.stack.get('workers')} workers × "
            f"{self.stack.get('threads')} threads (gthread), access log on; "
            f"PostgreSQL {self.stack.get('postgresql')}, Redis {self.stack.get('redis')}, "
            f"Python {platform.python_version()}; IDP_ENV=development, "
            f"{self.metadata.get('id_token_signing_alg_values_supported', ['?'])[0]} signing "
            "keys, argon2id at the default settings"
            + (f"; overrides: {', '.join(overrides)}." if overrides else "."),
            f"- Load: {CONNECTIONS} connections per scenario, {WARMUP:g} s warm-up then "
            f"{DURATION:g} s measured. wrk {WRK_THREADS} threads for the single-request "
            f"scenarios; the sign-in: {SIGNIN_PROCS} Python processes, {CONNECTIONS} members "
            "signing in at once (fresh browser each time), with the one-time-code step (code "
            "by e-mail, read from the development outbox; the refresh chains' sign-ins too). "
            "The load generator runs on the same cores as the server, PostgreSQL and Redis "
            "(CPU columns, in cores).",
            "",
            table,
            "",
            *details,
        ]
        if findings:
            section += ["", "Server-side findings:", "", "```", *findings, "```"]
        if not RESULTS.exists():
            RESULTS.write_text(RESULTS_HEADER)
        with RESULTS.open("a") as f:
            f.write("\n" + "\n".join(section) + "\n")
        say(f"Appended to {RESULTS.relative_to(ROOT)}")


def _code_uses_per_member() -> int:
    """Sign-ins one member can make in a run: the fewest codes the code step's sending limits
    (idp/login/code_step.py, per destination and per account) let through in their window,
    which is longer than a run."""
    try:
        from idp.login.code_step import CODE_PER_ACCOUNT, CODE_PER_DESTINATION

        return min(CODE_PER_DESTINATION.limit, CODE_PER_ACCOUNT.limit)
    except Exception as error:  # idp changed shape: fall back on the limits known today
        say(f"Could not read the code sending limits from idp.login.code_step: {error}")
        return 5


RESULTS_HEADER = """# Benchmark results

Each section is one run of `make bench` (`.venv/bin/python bench/run.py`, see bench/README.md):
the real stack (`idp serve`: gunicorn + PostgreSQL + Redis) on a scratch database, loaded from
separate processes on the same machine. Rate is requests/s (sign-ins/s for the full sign-in);
latencies are per request (per whole sign-in); errors are non-2xx responses and socket errors
(failed sign-ins) over the measured window. CPU columns are cores used during that window;
"rest" is the machine's busy time not accounted for by idp, its PostgreSQL backends and the
load generator: Redis and the kernel (~0.2 core), plus any other work on the machine — when it
is much higher, the row was measured on a shared machine and understates idp.
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _gunicorn_options() -> dict[str, Any]:
    """The gunicorn options ``idp serve`` uses with these settings, read from idp.serve."""
    captured: dict[str, Any] = {}
    try:
        from idp import serve

        class Capture:
            def __init__(self, options: dict[str, Any]) -> None:
                captured.update(options)

            def run(self) -> None:
                pass

        original = serve._Gunicorn
        serve._Gunicorn = Capture  # type: ignore[assignment,misc]
        try:
            serve.run("127.0.0.1:0")
        finally:
            serve._Gunicorn = original  # type: ignore[misc]
    except Exception as error:  # idp.serve changed shape: report "?" rather than fail
        say(f"Could not read the gunicorn options from idp.serve: {error}")
    return captured


def _git_commit() -> str:
    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "--no-optional-locks", *args], cwd=ROOT, capture_output=True, text=True,
            check=False,
        )  # fmt: skip
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return commit + ("+dirty" if git("status", "--porcelain") else "")


def _machine() -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"model name\s*:\s*(.+)", cpuinfo)
    mem = re.search(r"MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text())
    ram = f"{int(mem.group(1)) / 1024 / 1024:.1f} GiB RAM" if mem else "RAM unknown"
    return (
        f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), "
        f"{model.group(1).strip() if model else 'unknown CPU'}, {ram}, "
        f"Linux {platform.release()}"
    )


def ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    say("wrk not found: installing the Debian package")
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    install = [*sudo, "apt-get", "install", "-y", "-q", "wrk"]
    if subprocess.run(install, check=False, capture_output=True).returncode != 0:
        subprocess.run([*sudo, "apt-get", "update", "-q"], check=False, capture_output=True)
        subprocess.run(install, check=False, capture_output=True)
    if not shutil.which("wrk"):
        sys.exit("wrk is required: apt-get install wrk")


def main() -> None:
    started = time.monotonic()
    ensure_wrk()
    bench = Bench()
    OURS.update(k for k in bench.env if k.startswith("IDP_") and bench.env[k] != os.environ.get(k))
    os.environ.update({k: v for k, v in bench.env.items() if k.startswith("IDP_")})
    try:
        bench.prepare()
        bench.start_server()
        bench.run_scenarios()
    finally:
        bench.stop_server()
    findings = bench.server_findings()
    bench.report(findings)
    if os.environ.get("BENCH_KEEP_LOG") or findings:
        say(f"Server log kept: {bench.log_path}")
    else:
        shutil.rmtree(bench.workdir, ignore_errors=True)
    say(f"Done in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
