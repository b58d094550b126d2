"""Face ID / fingerprint works only in some browsers: the offer says which, and the message a
browser that cannot gets says so plainly (the help page's advice: Chrome or Mozilla Firefox)."""

from __future__ import annotations

import html
import re

import requests

from tests.actors import Browser
from tests.login.test_passkeys import Site, mobile, site, to_offer

__all__ = ["site"]  # the fixture, used by name

UNSUPPORTED_FR = (
    "Face ID / empreinte ne fonctionne pas avec ce navigateur : utilisez Chrome, Safari ou "
    "Firefox à jour."
)


def test_the_offer_names_the_browsers_that_work(site: Site) -> None:
    offer = to_offer(site, Browser(site.url), mobile(site))
    advice = re.search(r'<p class="help" id="passkey-browsers">(.*?)</p>', offer.text, re.S)
    assert advice, offer.text
    assert html.unescape(advice.group(1)) == (
        "Face ID / empreinte fonctionne avec Chrome, Safari ou Firefox à jour. Pour votre "
        "espace, nous vous recommandons Chrome ou Mozilla Firefox."
    )
    # What the script shows when this browser cannot, in the page's language.
    box = re.search(r'data-msg-unsupported="([^"]*)"', offer.text)
    assert box and html.unescape(box.group(1)).startswith(UNSUPPORTED_FR)


def test_the_english_offer_names_them_too(site: Site) -> None:
    browser = Browser(site.url)
    offer = to_offer(site, browser, mobile(site))
    english = browser.go(f"{offer.url}?lang=en")
    assert isinstance(english, requests.Response) and english.status_code == 200
    text = html.unescape(english.text)
    assert "Turn on sign-in with Face ID / fingerprint" in text
    assert "Face ID / fingerprint works with an up-to-date Chrome, Safari or Firefox." in text
    assert "Face ID / fingerprint does not work with this browser: use an up-to-date" in text
