"""A member's actions on the self-service pages, through real HTTP."""

from __future__ import annotations

from urllib.parse import urljoin

import requests

from tests.actors import Browser, form_action, form_fields


def open_page(browser: Browser, url: str) -> requests.Response:
    page = browser.go(url)
    assert isinstance(page, requests.Response), f"expected a page, was sent to {page}"
    return page


def submit(browser: Browser, page: requests.Response, action: str, **data: str):
    """Post the page's form whose action contains ``action``, with the page's hidden fields
    (CSRF token, link token, values to send again) and ``data``."""
    fields = form_fields(page.text)
    target = urljoin(page.url, form_action(page.text, action))
    return browser.go(target, "POST", {**fields, **data})


def request_activation(browser: Browser, site_url: str, **overrides: str) -> requests.Response:
    fields = {
        "member_number": "200000001",
        "last_name": "D'Arc",
        "first_name": "Élodie-Anne",
        "birth_date": "1975-09-30",
        **overrides,
    }
    page = open_page(browser, f"{site_url}/activation")
    answer = submit(browser, page, "/activation", **fields)
    assert isinstance(answer, requests.Response)
    return answer


def choose_password(browser: Browser, link: str, password: str) -> requests.Response:
    page = open_page(browser, link)
    assert page.status_code == 200, page.text
    answer = submit(browser, page, "/", password=password, password_confirmation=password)
    assert isinstance(answer, requests.Response)
    return answer
