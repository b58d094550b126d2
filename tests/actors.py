"""Test actors that behave like the real parties: a member's browser and relying parties
built on Authlib's OAuth 2.0 client."""

from __future__ import annotations

import html
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urljoin, urlsplit

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from tests.conftest import CLIENT_SECRETS

DEMO_NUMBER = "100000001"
DEMO_PASSWORD = "Correct-Horse-42"
HEALTH_PORTAL_CALLBACK = "http://127.0.0.1:5001/auth/callback"
MOBILE_CALLBACK = "fr.mutuelle.monespacesante:/oauth2/callback"

CLIENTS = {
    "health-portal": (CLIENT_SECRETS["IDP_TEST_SECRET_HEALTH_PORTAL"], HEALTH_PORTAL_CALLBACK),
    "provident-portal": (
        CLIENT_SECRETS["IDP_TEST_SECRET_PROVIDENT_PORTAL"],
        "http://127.0.0.1:5002/auth/callback",
    ),
    "mobile-app": (None, MOBILE_CALLBACK),
    "partner-app": (CLIENT_SECRETS["IDP_TEST_SECRET_PARTNER"], "http://127.0.0.1:5004/callback"),
    "legacy-portal": (
        "legacy-portal-test-secret-0123456789abcdef",
        "https://legacy.example.org/callback",
    ),
}


def form_fields(page: str) -> dict[str, str]:
    return {
        m.group(1): html.unescape(m.group(2))
        for m in re.finditer(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page)
    }


def form_action(page: str, contains: str) -> str:
    for m in re.finditer(r'<form[^>]*action="([^"]+)"', page):
        if contains in m.group(1):
            return html.unescape(m.group(1))
    raise AssertionError(f"no form posting to *{contains}* in page")


class Browser:
    """A member's browser: follows redirects inside the provider, stops at the client."""

    def __init__(self, issuer: str) -> None:
        self.issuer = issuer
        self.http = requests.Session()
        self.last: requests.Response | None = None

    def go(
        self, url: str, method: str = "GET", data: dict | None = None
    ) -> str | requests.Response:
        """Follow redirects; return the first URL outside the provider, or the final page."""
        response = self.http.request(method, url, data=data, allow_redirects=False, timeout=10)
        while response.is_redirect:
            target = urljoin(response.url, response.headers["Location"])
            if not target.startswith(self.issuer):
                self.last = response
                return target
            response = self.http.get(target, allow_redirects=False, timeout=10)
        self.last = response
        return response

    def post_password(self, page: requests.Response, identifier: str, password: str):
        """Submit the password form; return where that leads (next step's page or client)."""
        fields = form_fields(page.text)
        action = urljoin(page.url, form_action(page.text, "/password"))
        return self.go(
            action,
            "POST",
            {"csrf_token": fields["csrf_token"], "username": identifier, "password": password},
        )

    def submit_password(
        self, page: requests.Response, identifier: str, password: str, channel: str = "email"
    ):
        """The password, then the one-time code step when it comes (code read from where the
        provider sent it: see ``CODE_READERS``)."""
        result = self.post_password(page, identifier, password)
        if isinstance(result, requests.Response) and is_code_page(result.text):
            return self.pass_code_step(result, channel)
        return result

    def request_code(self, page: requests.Response, channel: str = "email"):
        """On the code step's first page: ask for a code by ``channel``."""
        fields = form_fields(page.text)
        action = urljoin(page.url, form_action(page.text, "/code/send"))
        return self.go(action, "POST", {"csrf_token": fields["csrf_token"], "channel": channel})

    def enter_code(self, page: requests.Response, code: str):
        fields = form_fields(page.text)
        action = urljoin(page.url, code_form_action(page.text))
        return self.go(action, "POST", {"csrf_token": fields["csrf_token"], "code": code})

    def pass_code_step(self, page: requests.Response, channel: str = "email"):
        if "/code/send" in page.text and 'name="code"' not in page.text:
            offered = re.findall(r'name="channel" value="(\w+)"', page.text)
            assert offered, "the code step offers no channel"
            page = self.request_code(page, channel if channel in offered else offered[0])
            assert isinstance(page, requests.Response) and 'name="code"' in page.text, page
        return self.enter_code(page, read_code(self.issuer))

    def sign_in(self, authorize_url: str, identifier: str = DEMO_NUMBER,
                password: str = DEMO_PASSWORD) -> str:  # fmt: skip
        page = self.go(authorize_url)
        assert isinstance(page, requests.Response), f"expected the sign-in page, went to {page}"
        assert page.status_code == 200, page.text
        result = self.submit_password(page, identifier, password)
        assert isinstance(result, str), f"expected a redirect to the client, got {result}"
        return result


# Where each provider under test sends its one-time codes: issuer → reader of the last code.
CODE_READERS: dict[str, Callable[[], str]] = {}
CODE = re.compile(r"\b(\d{6})\b")


def read_code(issuer: str) -> str:
    assert issuer in CODE_READERS, f"no code reader registered for {issuer}"
    return CODE_READERS[issuer]()


def wait_for_mail(app, timeout: float = 5.0) -> None:
    """Wait until the durable outbox has sent every e-mail due now. The commit that queued a
    mail wakes the sending threads, so this is quick; the threads are started here for tests
    that queue mail outside a request (a process starts them at its first request)."""
    from idp.db import db
    from idp.notifications import mail_worker, outbox_status
    from idp.runtime import runtime

    app.extensions[mail_worker.EXTENSION].start()
    deadline = time.monotonic() + timeout
    while True:
        with app.app_context():
            left = outbox_status.due_count(runtime().clock.now())
            db.session.remove()
        if not left:
            return
        assert time.monotonic() < deadline, f"{left} e-mail(s) still waiting in the outbox"
        time.sleep(0.02)


def outbox_code_reader(app) -> Callable[[], str]:
    """The newest code kept in the development outbox (e-mail or SMS)."""

    def read() -> str:
        from sqlalchemy import select

        from idp.db import db
        from idp.models import OutboxMessage

        with app.app_context():
            text = db.session.scalars(
                select(OutboxMessage.text)
                .filter_by(purpose="otp")
                .order_by(OutboxMessage.id.desc())
                .limit(1)
            ).first()
            db.session.remove()
        assert text, "no one-time code in the outbox"
        match = CODE.search(text)
        assert match, text
        return match.group(1)

    return read


def is_code_page(page: str) -> bool:
    return "/code/send" in page or 'autocomplete="one-time-code"' in page


def code_form_action(page: str) -> str:
    for m in re.finditer(r'<form[^>]*action="([^"]+/code)"', page):
        return html.unescape(m.group(1))
    raise AssertionError("no code form in page")


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


@dataclass
class RelyingParty:
    """A relying party using Authlib's client, discovering every endpoint."""

    issuer: str
    client_id: str
    scope: str = "openid profile email phone member"
    pkce: bool = True
    metadata: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.secret, self.redirect_uri = CLIENTS[self.client_id]
        self.metadata = requests.get(
            f"{self.issuer}/.well-known/openid-configuration", timeout=5
        ).json()
        self.session = OAuth2Session(
            self.client_id,
            self.secret,
            scope=self.scope,
            redirect_uri=self.redirect_uri,
            token_endpoint_auth_method="client_secret_basic" if self.secret else "none",
            code_challenge_method="S256" if self.pkce else None,
        )
        self.verifier = ""
        self.state = ""
        self.nonce = ""

    def authorize_url(self, **extra: str) -> str:
        self.verifier = generate_token(64)
        self.nonce = secrets.token_urlsafe(12)
        kwargs = dict(nonce=self.nonce, **extra)
        if self.pkce:
            kwargs["code_verifier"] = self.verifier
        url, self.state = self.session.create_authorization_url(
            self.metadata["authorization_endpoint"], **kwargs
        )
        return url

    def fetch_token(self, callback_url: str, **extra) -> dict:
        params = query(callback_url)
        assert params.get("iss") == self.issuer, params
        kwargs = dict(extra)
        if self.pkce and "code_verifier" not in kwargs:
            kwargs["code_verifier"] = self.verifier
        return dict(
            self.session.fetch_token(
                self.metadata["token_endpoint"],
                authorization_response=callback_url,
                state=self.state,
                **kwargs,
            )
        )

    def token_request(self, **data) -> requests.Response:
        """A raw token request authenticated as this client."""
        auth = (self.client_id, self.secret) if self.secret else None
        if not self.secret:
            data.setdefault("client_id", self.client_id)
        return requests.post(self.metadata["token_endpoint"], data=data, auth=auth, timeout=10)

    def userinfo(self, access_token: str) -> requests.Response:
        return requests.get(
            self.metadata["userinfo_endpoint"],
            headers={"Authorization": f"Bearer {access_token}"},
            timeout=10,
        )

    def introspect(self, token: str) -> dict:
        r = requests.post(
            self.metadata["introspection_endpoint"],
            data={"token": token},
            auth=(self.client_id, self.secret),
            timeout=10,
        )
        assert r.status_code == 200, r.text
        return r.json()

    def revoke(self, token: str, hint: str | None = None) -> requests.Response:
        data = {"token": token}
        if hint:
            data["token_type_hint"] = hint
        auth = (self.client_id, self.secret) if self.secret else None
        if not self.secret:
            data["client_id"] = self.client_id
        return requests.post(self.metadata["revocation_endpoint"], data=data, auth=auth, timeout=10)


def s256(verifier: str) -> str:
    return create_s256_code_challenge(verifier)


# --- Helpers of the protocol suite (tests/oidc/test_*.py) -------------------------------------

LEGACY_SECRET = CLIENTS["legacy-portal"][0]
REPORTING_SECRET = CLIENT_SECRETS["IDP_TEST_SECRET_REPORTING"]


def raw_authorize_url(rp: RelyingParty, **params: str | None) -> str:
    """An authorization request written by hand: the RP's defaults (code flow, its redirect
    URI, a state, S256 PKCE) overridden by ``params``; a ``None`` value drops the parameter."""
    from urllib.parse import urlencode

    rp.verifier = generate_token(64)
    rp.state = secrets.token_urlsafe(12)
    rp.nonce = secrets.token_urlsafe(12)
    base: dict[str, str | None] = {
        "response_type": "code",
        "client_id": rp.client_id,
        "redirect_uri": rp.redirect_uri,
        "scope": rp.scope,
        "state": rp.state,
        "nonce": rp.nonce,
        "code_challenge": s256(rp.verifier),
        "code_challenge_method": "S256",
    }
    base.update(params)
    if base.get("state") is not None:
        rp.state = str(base["state"])
    query_string = urlencode({k: v for k, v in base.items() if v is not None})
    return f"{rp.metadata['authorization_endpoint']}?{query_string}"


def sign_in_tokens(browser: Browser, rp: RelyingParty, **extra: str) -> dict:
    """Sign in (or reuse the browser's session) and exchange the code: the RP's tokens."""
    result = browser.go(rp.authorize_url(**extra))
    if not isinstance(result, str):
        result = browser.submit_password(result, DEMO_NUMBER, DEMO_PASSWORD)
    assert isinstance(result, str), f"expected a redirect to the client, got {result}"
    return rp.fetch_token(result)


def code_from(callback: str) -> str:
    params = query(callback)
    assert "code" in params, params
    return params["code"]


def jwt_claims(token: str, issuer: str) -> tuple[dict, dict]:
    """(header, claims) of a JWT signed by one of the provider's published keys."""
    from joserfc import jwt
    from joserfc.jwk import KeySet

    jwks = requests.get(f"{issuer}/jwks.json", timeout=5).json()
    decoded = jwt.decode(token, KeySet.import_key_set(jwks), algorithms=["RS256", "ES256"])
    return dict(decoded.header), dict(decoded.claims)


def post_token(rp: RelyingParty, data: dict, auth: tuple[str, str] | None = None,
               **kwargs) -> requests.Response:  # fmt: skip
    return requests.post(rp.metadata["token_endpoint"], data=data, auth=auth, timeout=10, **kwargs)


def introspect_as(rp: RelyingParty, token: str, **extra: str) -> requests.Response:
    auth = (rp.client_id, rp.secret) if rp.secret else None
    data = {"token": token, **extra}
    if not rp.secret:
        data["client_id"] = rp.client_id
    return requests.post(rp.metadata["introspection_endpoint"], data=data, auth=auth, timeout=10)


def add_member(app, member_number: str, password: str | None, email: str | None = None,
               contracts: str = "health", phone: str | None = "+33611223344") -> str:  # fmt: skip
    """A member in the directory (active when it has a password); returns its ``sub``."""
    from datetime import date

    from idp.db import db, utcnow
    from idp.models import Member
    from idp.runtime import runtime

    with app.app_context():
        member = Member(
            member_number=member_number,
            last_name="Durand",
            first_name="Alex",
            birth_date=date(1990, 1, 2),
            email=email,
            phone=phone,
            contracts=contracts,
            password_hash=runtime(app).passwords.hash(password) if password else None,
            activated_at=utcnow() if password else None,
        )
        db.session.add(member)
        db.session.commit()
        return member.subject


def redis_of(app):
    return app.extensions["idp"].redis
