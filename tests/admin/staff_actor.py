"""A member of staff using the console through Flask's test client: created with
``idp staff create`` (the CLI), set up through the link it prints, signed in with a password and
codes computed by pyotp at the provider's (movable) clock, as an authenticator app would."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC
from urllib.parse import parse_qs, urlsplit

import pyotp
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from idp.clock import ShiftedClock
from idp.runtime import runtime

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SECRET = re.compile(r'id="totp-secret"[^>]*>([A-Z2-7 ]+)<')
STAFF_PASSWORD = "Quatre chevaux dans un pré"


def create_staff(app: Flask, email: str, role: str) -> str:
    """``idp staff create``; returns the setup URL it printed."""
    result = app.test_cli_runner().invoke(args=["staff", "create", email, "--role", role])
    assert result.exit_code == 0, result.output
    urls = [w for w in result.output.split() if "/admin/setup?token=" in w]
    assert len(urls) == 1, result.output
    return urls[0]


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def csrf_of(page: TestResponse) -> str:
    match = CSRF.search(page.get_data(as_text=True))
    assert match, page.get_data(as_text=True)
    return match.group(1)


@dataclass
class Staff:
    app: Flask
    client: FlaskClient
    email: str
    password: str = STAFF_PASSWORD
    secret: str = ""
    csrf: str = ""
    pages: list[TestResponse] = field(default_factory=list)

    @property
    def clock(self) -> ShiftedClock:
        clock = runtime(self.app).clock
        assert isinstance(clock, ShiftedClock)
        return clock

    def code(self, steps_later: int = 0) -> str:
        """The code the authenticator app shows now (or ``steps_later`` steps from now)."""
        now = self.clock.now().replace(tzinfo=UTC).timestamp()
        return pyotp.TOTP(self.secret).at(now + 30 * steps_later)

    def get(self, path: str, **kwargs) -> TestResponse:
        page = self.client.get(path, **kwargs)
        if b"csrf_token" in page.data:
            self.csrf = csrf_of(page)
        return page

    def post(self, path: str, data: dict | None = None, *, csrf: bool = True) -> TestResponse:
        if csrf and not self.csrf:
            self.get("/admin/login")
        form = {**(data or {}), **({"csrf_token": self.csrf} if csrf else {})}
        page = self.client.post(path, data=form)
        if b"csrf_token" in page.data:
            self.csrf = csrf_of(page)
        return page

    # -- setup -------------------------------------------------------------------------------
    def set_up(self, setup_url: str) -> TestResponse:
        """Follow the setup link: choose the password, enrol the app, confirm with a code."""
        page = self.get(path_of(setup_url))
        assert page.status_code == 200, page.get_data(as_text=True)
        token = parse_qs(urlsplit(setup_url).query)["token"][0]
        enrol = self.post("/admin/setup", {"token": token, "password": self.password,
                                           "password_confirmation": self.password})  # fmt: skip
        assert enrol.status_code == 200, enrol.get_data(as_text=True)
        match = SECRET.search(enrol.get_data(as_text=True))
        assert match, enrol.get_data(as_text=True)
        self.secret = match.group(1).replace(" ", "")
        return self.post("/admin/setup/code", {"token": token, "code": self.code()})

    # -- sign-in -----------------------------------------------------------------------------
    def submit_password(
        self, password: str | None = None, email: str | None = None
    ) -> TestResponse:
        self.get("/admin/login")
        return self.post("/admin/login", {"email": email or self.email,
                                          "password": password or self.password})  # fmt: skip

    def submit_code(self, code: str) -> TestResponse:
        return self.post("/admin/login/code", {"code": code})

    def sign_in(self) -> TestResponse:
        """Both steps, a time step after any code used before (a code is single use)."""
        self.clock.advance(seconds=30)
        first = self.submit_password()
        assert first.status_code == 302, first.get_data(as_text=True)
        done = self.submit_code(self.code())
        assert done.status_code == 302, done.get_data(as_text=True)
        return done

    def sign_out(self) -> TestResponse:
        self.get("/admin/")
        return self.post("/admin/logout")


def ready_staff(app: Flask, email: str, role: str) -> Staff:
    """A staff member with a finished setup, signed in (the setup signs in)."""
    if not isinstance(runtime(app).clock, ShiftedClock):
        runtime(app).clock = ShiftedClock()
    staff = Staff(app, app.test_client(), email)
    done = staff.set_up(create_staff(app, email, role))
    assert done.status_code == 302, done.get_data(as_text=True)
    return staff
