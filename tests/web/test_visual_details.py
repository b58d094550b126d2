"""Details a member sees: the site's icon (``/favicon.ico``, ``/apple-touch-icon.png``) in
the brand colour, and the advisers' number as a link that calls them, on one line."""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Iterator
from dataclasses import replace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import Markup

from idp.config import Settings
from idp.web import i18n
from idp.web.brand import phone_link, tel_uri, translate_html
from tests.conftest import build_app, dispose_app, make_settings

NUMBER_LINK = '<a class="tel" href="tel:+33472277272">04&nbsp;72&nbsp;27&nbsp;72&nbsp;72</a>'


def png_image(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and the RGBA rows of a PNG (8-bit RGBA, filter 0, as idp writes it)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = {}, 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
        assert crc == zlib.crc32(kind + body), kind
        chunks[kind] = chunks.get(kind, b"") + body
        at += 12 + length
    width, height, depth, colour_type = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, colour_type) == (8, 6)
    raw = zlib.decompress(chunks[b"IDAT"])
    stride = 1 + 4 * width
    rows = [raw[y * stride : (y + 1) * stride] for y in range(height)]
    assert all(row[0] == 0 for row in rows)
    return width, height, [row[1:] for row in rows]


def pixel(rows: list[bytes], x: int, y: int) -> tuple[int, ...]:
    return tuple(rows[y][4 * x : 4 * x + 4])


def ico_images(data: bytes) -> dict[int, bytes]:
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind) == (0, 1) and count >= 1
    images = {}
    for index in range(count):
        entry = data[6 + 16 * index : 22 + 16 * index]
        width, height, _, _, planes, bits, size, offset = struct.unpack("<BBBBHHII", entry)
        assert width == height and planes == 1 and bits == 32
        images[width] = data[offset : offset + size]
    return images


@pytest.fixture
def red_brand(database_url: str) -> Iterator[Flask]:
    base = make_settings(database_url)
    settings: Settings = replace(base, brand=replace(base.brand, color="#aa0033"))
    app = build_app(settings)
    with app.app_context():
        yield app
    dispose_app(app)


def test_the_favicon_is_a_cacheable_icon_in_the_brand_colour(client: FlaskClient) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype in ("image/x-icon", "image/vnd.microsoft.icon")
    assert response.cache_control.public and (response.cache_control.max_age or 0) >= 86400
    images = ico_images(response.get_data())
    assert set(images) >= {16, 32, 48}
    for size, image in images.items():
        width, height, rows = png_image(image)
        assert (width, height) == (size, size)
        assert pixel(rows, size // 2, int(size * 0.36)) == (255, 255, 255, 255)  # the head
        assert pixel(rows, 2, size // 2) == (0x0B, 0x5C, 0xAB, 255)  # the brand blue
        assert pixel(rows, 0, 0)[3] < 128  # a rounded corner


def test_the_home_screen_icon_is_an_opaque_square(client: FlaskClient) -> None:
    response = client.get("/apple-touch-icon.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.cache_control.public and (response.cache_control.max_age or 0) >= 86400
    width, height, rows = png_image(response.get_data())
    assert (width, height) == (180, 180)
    assert pixel(rows, 0, 0) == (0x0B, 0x5C, 0xAB, 255)  # square: iOS rounds it itself
    assert pixel(rows, 90, 60) == (255, 255, 255, 255)


def test_the_icon_takes_the_configured_brand_colour(red_brand: Flask) -> None:
    client = red_brand.test_client()
    _, _, rows = png_image(client.get("/apple-touch-icon.png").get_data())
    assert pixel(rows, 0, 0) == (0xAA, 0x00, 0x33, 255)
    _, _, rows = png_image(ico_images(client.get("/favicon.ico").get_data())[32])
    assert pixel(rows, 2, 16) == (0xAA, 0x00, 0x33, 255)


@pytest.mark.parametrize("path", ["/", "/account/forgot", "/admin/login"])
def test_pages_link_their_icons(client: FlaskClient, path: str) -> None:
    page = client.get(path).get_data(as_text=True)
    assert re.search(r'<link rel="icon" href="/favicon.ico"', page), path
    assert '<link rel="apple-touch-icon" href="/apple-touch-icon.png">' in page


@pytest.mark.parametrize(
    ("lang", "sentence"),
    [
        ("fr", "Nos conseillers sont à votre écoute au " + NUMBER_LINK),
        ("en", "Our advisers are available on " + NUMBER_LINK),
    ],
)
def test_the_advisers_number_is_a_tel_link_that_does_not_wrap(
    client: FlaskClient, lang: str, sentence: str
) -> None:
    page = client.get(f"/?lang={lang}").get_data(as_text=True)
    footer = page[page.index('<footer class="support">') :]
    assert sentence in footer
    number = re.search(r'<a class="tel"[^>]*>([^<]*)</a>', footer)
    assert number and " " not in number.group(1)  # no breakable space inside the number


def test_a_phone_link_in_international_form(app: Flask) -> None:
    assert tel_uri("04 72 27 72 72") == "tel:+33472277272"
    assert tel_uri("+33 4 72 27 72 72") == "tel:+33472277272"
    assert tel_uri("3646") == "tel:3646"
    assert str(phone_link("04 72 27 72 72")) == NUMBER_LINK


def test_text_around_the_link_is_escaped(app: Flask) -> None:
    with app.test_request_context("/"):
        i18n.set_language("fr")
        html = translate_html("login.locked_help", phone=phone_link("01 23"),
                              hours="<b>9h</b>")  # fmt: skip
    assert isinstance(html, Markup)
    assert "&lt;b&gt;9h&lt;/b&gt;" in html and "<b>" not in html
    assert "l&#39;origine" in html  # the catalog's own text is escaped too
    assert '<a class="tel" href="tel:0123">01&nbsp;23</a>' in html
