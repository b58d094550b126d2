"""Devices named as a member names them, from the User-Agent of current browsers:
"iPhone — Safari", "Android — Chrome", "Windows — Firefox", in French and in English."""

from __future__ import annotations

import pytest
from flask import Flask

from idp.selfservice.sessions import describe_user_agent, device_label
from idp.web import i18n

# User-Agent strings sent by current browsers (2024–2025 releases).
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)
SAFARI_IPAD = (
    "Mozilla/5.0 (iPad; CPU OS 17_7 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.7 Mobile/15E148 Safari/604.1"
)
CHROME_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1"
)
CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36"
)
SAMSUNG_INTERNET = (
    "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36"
)
FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
EDGE_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0"
)
CHROME_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
SAFARI_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15"
)
FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
FIREFOX_ANDROID = "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0"
CHROME_CHROMEBOOK = (
    "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


@pytest.mark.parametrize(
    ("user_agent", "label"),
    [
        (SAFARI_IPHONE, "iPhone — Safari"),
        (SAFARI_IPAD, "iPad — Safari"),
        (CHROME_IPHONE, "iPhone — Chrome"),
        (CHROME_ANDROID, "Android — Chrome"),
        (SAMSUNG_INTERNET, "Android — Samsung Internet"),
        (FIREFOX_ANDROID, "Android — Firefox"),
        (FIREFOX_WINDOWS, "Windows — Firefox"),
        (EDGE_WINDOWS, "Windows — Edge"),
        (CHROME_MAC, "Mac — Chrome"),
        (SAFARI_MAC, "Mac — Safari"),
        (FIREFOX_LINUX, "Linux — Firefox"),
        (CHROME_CHROMEBOOK, "Chromebook — Chrome"),
    ],
)
def test_a_current_browser_is_named_as_a_member_names_it(
    app: Flask, user_agent: str, label: str
) -> None:
    for lang in ("fr", "en"):
        with app.test_request_context("/"):
            i18n.set_language(lang)
            assert device_label(user_agent) == label


def test_an_unknown_browser_on_a_known_device_says_browser_in_the_page_language(
    app: Flask,
) -> None:
    curl_like = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) SomeBrowser/1.0"
    assert describe_user_agent(curl_like) == (None, "Windows")
    with app.test_request_context("/"):
        i18n.set_language("fr")
        assert device_label(curl_like) == "Windows — navigateur"
    with app.test_request_context("/"):
        i18n.set_language("en")
        assert device_label(curl_like) == "Windows — browser"


def test_an_unrecognised_user_agent_is_an_unrecognised_device(app: Flask) -> None:
    with app.test_request_context("/"):
        i18n.set_language("fr")
        assert device_label("curl/8.5.0") == "Appareil non reconnu"
        assert device_label("") == "Appareil non reconnu"
    with app.test_request_context("/"):
        i18n.set_language("en")
        assert device_label("curl/8.5.0") == "Unrecognised device"
