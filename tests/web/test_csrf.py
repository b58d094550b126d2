"""One CSRF mechanism for every form, members' and staff's: a POST sent by another site's page
is refused even with a valid token, and nothing changes (docs/failure-modes.md, "Forms")."""

from __future__ import annotations

import re

import pytest
import requests
from flask import Flask

from idp.accounts.directory import ensure_demo_member
from idp.runtime import runtime
from tests.actors import Browser, RelyingParty
from tests.admin.staff_actor import ready_staff
from tests.conftest import LiveServer

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
EVIL = {"Origin": "https://evil.example"}
CROSS_SITE = {"Sec-Fetch-Site": "cross-site"}

# Every state-changing form of the member pages (path parameters need not exist: the origin
# is checked before anything else).
MEMBER_FORMS = [
    "/authorize/cancel/x",
    "/logout/confirm",
    "/login/x/code/send",
    "/login/x/code/not-me",
    "/login/x/code",
    "/login/x/consent",
    "/login/x/passkey/options",
    "/login/x/passkey",
    "/login/x/passkey/register/options",
    "/login/x/passkey/register",
    "/login/x/passkey/skip",
    "/login/x/password",
    "/password/forgot",
    "/password/reset",
    "/account/password",
    "/activation",
    "/activation/confirm",
    "/account/applications/health-portal/withdraw",
    "/account/devices/1/rename",
    "/account/devices/1/remove",
    "/account/sessions/x/sign-out",
    "/account/sessions/sign-out-everywhere",
    "/account/confirm",
    "/account/activity/not-me",
]
STAFF_FORMS = [
    "/admin/account/keys/options",
    "/admin/account/keys",
    "/admin/account/keys/1/remove",
    "/admin/clients/new",
    "/admin/clients/health-portal/edit",
    "/admin/clients/health-portal/rotate",
    "/admin/clients/health-portal/disable",
    "/admin/clients/health-portal/delete",
    "/admin/members/100000001/unlock",
    "/admin/members/100000001/contact",
    "/admin/members/100000001/activation",
    "/admin/members/100000001/sessions/end",
    "/admin/members/100000001/devices/1/remove",
    "/admin/setup",
    "/admin/setup/code",
    "/admin/login",
    "/admin/login/code",
    "/admin/login/key/options",
    "/admin/login/key",
    "/admin/logout",
]


def test_the_lists_cover_every_form_of_the_app(app: Flask):
    """A new form route must be added here (and so be tested cross-origin)."""
    protocol = {"/authorize", "/logout", "/token", "/revoke", "/introspect", "/userinfo",
                "/register"}  # fmt: skip
    routes = {
        re.sub(r"<[^>]+>", "x", rule.rule)
        for rule in app.url_map.iter_rules()
        if "POST" in (rule.methods or ()) and not rule.rule.startswith("/admin/api")
    } - protocol

    def shape(path: str) -> str:
        return re.sub(r"/(\d+|health-portal|100000001)(?=/|$)", "/x", path)

    assert routes == {shape(p) for p in MEMBER_FORMS + STAFF_FORMS}


@pytest.fixture
def signed_in(server: LiveServer) -> tuple[Browser, str]:
    """A member signed in at the provider, and a valid CSRF token of their browser."""
    browser = Browser(server.url)
    browser.sign_in(RelyingParty(server.url, "health-portal").authorize_url())
    account = browser.go(f"{server.url}/account/sessions")
    assert isinstance(account, requests.Response) and account.status_code == 200
    token = CSRF.search(account.text)
    assert token
    return browser, token.group(1)


@pytest.mark.parametrize("headers", [EVIL, CROSS_SITE], ids=["origin", "fetch-metadata"])
def test_member_forms_refuse_another_site(server: LiveServer, signed_in, headers):
    browser, token = signed_in
    for path in MEMBER_FORMS:
        answer = browser.http.post(f"{server.url}{path}", data={"csrf_token": token},
                                   headers=headers, allow_redirects=False, timeout=10)  # fmt: skip
        assert answer.status_code == 400, (path, answer.status_code)
        assert "Votre formulaire a expiré" in answer.text, path
    # Nothing changed: still signed in, on every device.
    still = browser.go(f"{server.url}/account/sessions")
    assert isinstance(still, requests.Response) and still.status_code == 200


def test_the_same_form_from_our_own_pages_works(server: LiveServer, signed_in):
    browser, token = signed_in
    answer = browser.http.post(
        f"{server.url}/account/sessions/sign-out-everywhere",
        data={"csrf_token": token},
        headers={"Origin": server.url, "Sec-Fetch-Site": "same-origin"},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code in (200, 303), answer.text
    signed_out = browser.go(f"{server.url}/account/sessions")
    assert isinstance(signed_out, requests.Response) and signed_out.status_code == 401


@pytest.mark.parametrize("headers", [EVIL, CROSS_SITE], ids=["origin", "fetch-metadata"])
def test_console_forms_refuse_another_site(app: Flask, headers):
    ensure_demo_member(passwords=runtime().passwords)
    staff = ready_staff(app, "admin@mutuelle.example", "admin")
    staff.get("/admin/")
    for path in STAFF_FORMS:
        answer = staff.client.post(path, data={"csrf_token": staff.csrf}, headers=headers)
        assert answer.status_code == 400, (path, answer.status_code)
    # Still signed in: the console's home page answers.
    assert staff.get("/admin/").status_code == 200
