"""Single sign-on and single logout across the two demo portals, in a real browser (headless
Chromium): the member signs in once at the health portal, walks into the provident portal
without typing anything, signs out there, and the provider's back-channel logout (delivered by
its background thread) signs the health portal out too.

The provider and both portals are the ``demo`` fixture of ``tests/examples/`` (the provider
served in-process with ``serve_app``, so its one-time codes are read from the development
outbox and its back-channel delivery thread runs in this process)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from playwright.sync_api import Page, Request, Response, expect

from idp.web.catalog import FR
from tests.actors import DEMO_NUMBER, DEMO_PASSWORD, query, read_code
from tests.examples.test_demo_portals import Demo, demo  # noqa: F401 (the fixture)

MEMBER_NAME = "Camille Martin"
EMAIL_CHOICE = FR["otp.by_email"].format(destination="c•••••@example.org")
WAIT_MS = 10_000  # one navigation; they take well under a second
BACKCHANNEL_WAIT = 10.0  # the provider's delivery thread is woken by the sign-out itself


@dataclass
class Navigations:
    """What the tab's main frame asked for (every redirect hop included) and what came back."""

    provider: str
    requests: list[str] = field(default_factory=list)
    responses: list[tuple[str, int]] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        def requested(request: Request) -> None:
            if request.is_navigation_request() and request.frame == page.main_frame:
                self.requests.append(request.url)

        def answered(response: Response) -> None:
            request = response.request
            if request.is_navigation_request() and request.frame == page.main_frame:
                self.responses.append((response.url, response.status))

        page.on("request", requested)
        page.on("response", answered)

    def clear(self) -> None:
        self.requests.clear()
        self.responses.clear()

    def at_provider(self, path: str = "") -> list[str]:
        return [url for url in self.requests if url.startswith(f"{self.provider}{path}")]

    def provider_pages(self) -> list[tuple[str, int]]:
        """Provider answers the member saw (anything but a redirect)."""
        return [
            (url, status)
            for url, status in self.responses
            if url.startswith(self.provider) and status not in (302, 303)
        ]


def heading(page: Page):
    return page.get_by_role("heading", level=1)


def sign_in_button(page: Page):
    return page.get_by_role("button", name="Se connecter", exact=True)


def expect_signed_in(page: Page) -> None:
    expect(heading(page)).to_have_text(f"Bonjour {MEMBER_NAME}")
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    expect(page.locator("main")).to_contain_text(DEMO_NUMBER)


def expect_signed_out(page: Page) -> None:
    expect(heading(page)).to_have_text("Bienvenue")
    expect(sign_in_button(page)).to_be_visible()
    expect(page.locator("main")).not_to_contain_text(MEMBER_NAME)


def expect_password_page(page: Page, provider: str) -> None:
    page.wait_for_url(f"{provider}/login/**")
    expect(heading(page)).to_have_text(FR["login.title"])
    expect(page.get_by_label(FR["login.password"], exact=True)).to_be_visible()


def test_member_signs_in_once_and_out_everywhere(page: Page, demo: Demo) -> None:  # noqa: F811
    provider, health, provident = demo.provider.url, demo.health.url, demo.provident.url
    page.set_default_timeout(WAIT_MS)
    visited = Navigations(provider)
    visited.watch(page)

    # 1. The health portal: "Se connecter", then the provider's password and code pages.
    page.goto(f"{health}/")
    expect_signed_out(page)
    sign_in_button(page).click()
    expect_password_page(page, provider)
    page.get_by_label(FR["login.identifier"]).fill(DEMO_NUMBER)
    page.get_by_label(FR["login.password"], exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=FR["login.submit"], exact=True).click()
    expect(heading(page)).to_have_text(FR["otp.title"])
    by_email = page.get_by_label(EMAIL_CHOICE)
    if by_email.count():
        by_email.check()
        page.get_by_role("button", name=FR["otp.send"]).click()
    code = page.get_by_label(FR["otp.code"])
    code.fill(read_code(provider))
    code.press("Enter")
    page.wait_for_url(f"{health}/")
    expect_signed_in(page)
    [health_user] = demo.health.sessions.signed_in()

    # 2. To the provident portal, "Se connecter": through the provider without a page.
    visited.clear()
    page.get_by_role("link", name="Aller à l'espace prévoyance").click()
    page.wait_for_url(f"{provident}/")
    expect_signed_in(page)
    assert visited.at_provider("/authorize"), visited.requests  # it did go through the provider
    assert visited.at_provider("/login") == [], visited.requests
    assert visited.provider_pages() == [], visited.responses
    [provident_user] = demo.provident.sessions.signed_in()
    assert provident_user["sid"] == health_user["sid"]  # one SSO session at the provider

    # 3. "Se déconnecter" at the provident portal: the provider's logout, no confirmation
    # (the ID token names this browser's session), and back to the portal's home.
    visited.clear()
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(f"{provident}/?state=*")
    expect_signed_out(page)
    expect(page.get_by_role("status")).to_have_text("Vous êtes déconnecté(e).")
    [logout] = visited.at_provider("/logout")
    assert urlsplit(logout).path == "/logout" and query(logout)["client_id"] == "provident-portal"
    assert visited.provider_pages() == [], visited.responses
    assert demo.provident.sessions.signed_in() == []

    # 4. The health portal hears of it through the back channel: reloading shows it signed out.
    page.goto(f"{health}/")
    deadline = time.monotonic() + BACKCHANNEL_WAIT
    while sign_in_button(page).count() == 0 and time.monotonic() < deadline:
        time.sleep(0.2)
        page.reload()
    expect_signed_out(page)
    expect(page.get_by_role("status")).to_have_count(0)  # not the one that asked
    assert demo.health.sessions.signed_in() == []

    # 5. The provider's session is over: signing in again asks for the password.
    sign_in_button(page).click()
    expect_password_page(page, provider)
    expect(page.get_by_label(FR["login.identifier"])).to_have_value("")

    # 6. No CSP violation nor script error on any page (the provider's and the portals').
    assert page.csp_errors == []  # type: ignore[attr-defined]
