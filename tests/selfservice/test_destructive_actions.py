"""Destructive actions on the account pages are secondary, outlined in the error colour and
set apart from the everyday ones: "Se déconnecter partout" below the list, not a filled
button next to "Se déconnecter de cet appareil"; "Retirer" apart from "Renommer"."""

from __future__ import annotations

import re

from tests.selfservice.pages import open_page
from tests.selfservice.test_devices import add_device, signed_in


def button_class(page: str, action_part: str) -> tuple[str, str]:
    """The class of the form posting to ``action_part`` and of its submit button."""
    match = re.search(
        r'<form method="post" action="[^"]*'
        + re.escape(action_part)
        + r'"(?: class="([^"]*)")?[^>]*>'
        r'.*?<button type="submit" class="([^"]*)"',
        page,
        re.S,
    )
    assert match, page
    return match.group(1) or "", match.group(2)


def test_sign_out_everywhere_is_an_outlined_danger_button_apart(site) -> None:
    page = open_page(signed_in(site), f"{site.url}/account/sessions").text
    form, button = button_class(page, "/account/sessions/sign-out-everywhere")
    assert button == "danger-outline" and form == "danger-zone"
    assert 'class="primary"' not in page  # no filled button on the page
    # Each device's own sign-out stays the secondary button, before the separated zone.
    _, device = button_class(page, "/sign-out")
    assert device == "secondary"
    assert page.index('class="secondary"') < page.index('class="danger-zone"')


def test_removing_a_device_is_an_outlined_danger_button_apart_from_renaming(site) -> None:
    device_id = add_device(site.app, "iPhone de Camille")
    page = open_page(signed_in(site), f"{site.url}/account/devices").text
    _, rename = button_class(page, f"/account/devices/{device_id}/rename")
    form, remove = button_class(page, f"/account/devices/{device_id}/remove")
    assert rename == "secondary"
    assert remove == "danger-outline" and form == "remove"
