"""Over HTTPS every cookie carries its browser-enforced prefix (docs/security.md, "Cookies"):
``__Host-`` for the site-wide ones, ``__Secure-`` for the console's ``/admin`` one."""

from __future__ import annotations

import re
from urllib.parse import urlencode, urljoin, urlsplit

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from idp.accounts.directory import ensure_demo_member
from idp.runtime import runtime
from tests.actors import DEMO_NUMBER, DEMO_PASSWORD, outbox_code_reader, s256
from tests.admin.staff_actor import ready_staff
from tests.conftest import build_app, make_settings

ISSUER = "https://idp.example.org"
CALLBACK = "http://127.0.0.1:5001/auth/callback"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ACTION = re.compile(r'<form[^>]*action="([^"]+)"')


def authorize_path(**extra: str) -> str:
    params = {
        "response_type": "code", "client_id": "health-portal", "redirect_uri": CALLBACK,
        "scope": "openid", "state": "s" * 16, "nonce": "n" * 16,
        "code_challenge": s256("v" * 64), "code_challenge_method": "S256", **extra,
    }  # fmt: skip
    return "/authorize?" + urlencode(params)


class Walk:
    """A browser over HTTPS on the test client, keeping every Set-Cookie it was sent."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.cookies: list[str] = []

    def go(self, path: str, data: dict | None = None) -> TestResponse | str:
        method = "POST" if data is not None else "GET"
        headers = {"Origin": ISSUER} if data is not None else {}
        response = self.client.open(
            path, method=method, data=data, base_url=ISSUER, headers=headers
        )
        while True:
            self.cookies += response.headers.getlist("Set-Cookie")
            if response.status_code not in (302, 303):
                return response
            target = urljoin(ISSUER + path, response.headers["Location"])
            if not target.startswith(ISSUER):
                return target
            parts = urlsplit(target)
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            response = self.client.get(path, base_url=ISSUER)

    def post_form(self, page: TestResponse, contains: str, **fields: str) -> TestResponse | str:
        html = page.get_data(as_text=True)
        [action] = [a for a in ACTION.findall(html) if a.endswith(contains)]
        return self.go(action, {"csrf_token": CSRF.findall(html)[0], **fields})


def test_every_cookie_is_prefixed_over_https(database_url):
    app = build_app(make_settings(database_url, issuer=ISSUER))
    with app.app_context():
        ensure_demo_member(passwords=runtime().passwords)
    walk = Walk(app.test_client())

    page = walk.go(authorize_path())
    assert isinstance(page, TestResponse) and page.status_code == 200
    code_step = walk.post_form(page, "/password", username=DEMO_NUMBER, password=DEMO_PASSWORD)
    assert isinstance(code_step, TestResponse)
    enter = walk.post_form(code_step, "/code/send", channel="email")
    assert isinstance(enter, TestResponse)
    callback = walk.post_form(enter, "/code", code=outbox_code_reader(app)())
    assert isinstance(callback, str) and callback.startswith(CALLBACK), callback

    names = {header.split("=", 1)[0] for header in walk.cookies}
    assert {"__Host-idp_ui", "__Host-idp_session", "__Host-idp_known"} <= names, names
    assert all(name.startswith("__Host-") for name in names), names
    for header in walk.cookies:
        assert "Secure" in header and "Path=/" in header and "Domain" not in header, header
    # The prefixed cookies are the ones read back: single sign-on, silently.
    again = walk.go(authorize_path(prompt="none"))
    assert isinstance(again, str) and "code=" in again, again
    # The language cookie too.
    walk.go("/password/forgot?lang=en")
    assert any(h.startswith("__Host-idp_lang=en") for h in walk.cookies)


def test_plain_http_keeps_plain_names(database_url):
    """Browsers refuse prefixed cookies without HTTPS: development on 127.0.0.1 works."""
    app = build_app(make_settings(database_url))
    response = app.test_client().get(authorize_path())
    names = {h.split("=", 1)[0] for h in response.headers.getlist("Set-Cookie")}
    assert names == {"idp_ui"}, names


class HttpsClient(FlaskClient):
    """The test client as a browser on the HTTPS issuer, keeping every Set-Cookie."""

    set_cookies: list[str]

    def open(self, *args, **kwargs):
        kwargs.setdefault("base_url", ISSUER)
        response = super().open(*args, **kwargs)
        self.set_cookies = [*getattr(self, "set_cookies", []),
                            *response.headers.getlist("Set-Cookie")]  # fmt: skip
        return response


def test_the_consoles_cookie_is_secure_prefixed_over_https(database_url):
    """The console's cookie is scoped to ``/admin``, so it cannot be ``__Host-``: it is
    ``__Secure-idp_admin``, sent only over HTTPS, and a plain ``idp_admin`` planted by a
    plain-HTTP page or a sibling subdomain signs nobody in."""
    app = build_app(make_settings(database_url, issuer=ISSUER))
    app.test_client_class = HttpsClient
    staff = ready_staff(app, "alice.admin@mutuelle.example", "admin")
    staff.sign_out()
    staff.sign_in()
    assert isinstance(staff.client, HttpsClient)
    console = [h for h in staff.client.set_cookies if "idp_admin=" in h]
    assert console, staff.client.set_cookies
    for header in console:
        assert header.startswith("__Secure-idp_admin="), header
        assert "Secure" in header and "HttpOnly" in header, header
        assert "Path=/admin" in header and "Domain" not in header, header
    page = staff.get("/admin/members")
    assert page.status_code == 200 and "Rechercher" in page.get_data(as_text=True)

    sid = staff.client.get_cookie("__Secure-idp_admin", domain="idp.example.org", path="/admin")
    assert sid is not None
    planted = app.test_client()
    planted.set_cookie("idp_admin", sid.value, domain="idp.example.org", path="/admin")
    refused = planted.get("/admin/members")
    assert refused.status_code == 302 and "/admin/login" in refused.headers["Location"]
