"""Counts in the page texts: "1 essai", "2 essais", "1 seconde", in French and English
(``idp/web/i18n.py``); the pages themselves are tested where they are shown."""

from __future__ import annotations

import re

import pytest

from idp.web.catalog import CATALOGS
from idp.web.i18n import duration, translate_in


@pytest.mark.parametrize(
    ("lang", "key", "count", "expected"),
    [
        ("fr", "otp.resend_wait", 1, "Vous pourrez demander un nouveau code dans 1 seconde."),
        ("fr", "otp.resend_wait", 2, "Vous pourrez demander un nouveau code dans 2 secondes."),
        ("en", "otp.resend_wait", 1, "You can ask for a new code in 1 second."),
        ("en", "otp.resend_wait", 2, "You can ask for a new code in 2 seconds."),
        ("fr", "otp.resend_too_soon", 1, "Patientez 1 seconde avant de demander un nouveau code."),
        ("fr", "otp.resend_too_soon", 2, "Patientez 2 secondes avant de demander un nouveau code."),
        ("en", "otp.resend_too_soon", 1, "Please wait 1 second before asking for a new code."),
        ("fr", "otp.wrong", 1, "Code incorrect. Il vous reste 1 essai avec ce code."),
        ("fr", "otp.wrong", 2, "Code incorrect. Il vous reste 2 essais avec ce code."),
        ("fr", "reset.valid_for", 1, "Le lien est valable 1 heure et ne fonctionne qu'une fois ; "
                                     "une nouvelle demande remplace le lien précédent."),
        ("fr", "password.rule.not_reused", 1, "Différent de votre dernier mot de passe"),
        ("fr", "password.rule.not_reused", 5, "Différent de vos 5 derniers mots de passe"),
        ("en", "password.fail.too_short", 1, "Your password is too short: at least 1 character."),
        ("fr", "passkey.offer_later_help", 1, "Nous vous le proposerons à nouveau dans 1 jour."),
    ],
)  # fmt: skip
def test_a_count_is_said_in_the_singular_or_the_plural(lang, key, count, expected):
    assert translate_in(lang, key, count=count) == expected


@pytest.mark.parametrize(
    ("seconds", "fr", "en"),
    [
        (86400, "24 heures", "24 hours"),
        (3600, "1 heure", "1 hour"),
        (7200, "2 heures", "2 hours"),
        (1800, "30 minutes", "30 minutes"),
        (60, "1 minute", "1 minute"),
        (90, "2 minutes", "2 minutes"),  # rounded up: a lock never ends before it says
    ],
)
def test_a_lock_duration_is_said_in_hours_or_minutes(seconds, fr, en):
    said = (duration(seconds, "fr", largest="hours"), duration(seconds, "en", largest="hours"))
    assert said == (fr, en)


def test_every_counted_text_has_both_forms_in_both_languages():
    for lang, catalog in CATALOGS.items():
        texts = "\n".join(catalog.values())
        assert "(s)" not in texts, lang
        # A number of seconds, days or hours goes through ``count`` (or ``duration``).
        assert not re.search(r"\{(seconds|days)\}", texts), lang
        plural = {k.rsplit(".", 1)[0] for k in catalog if k.endswith((".one", ".other"))}
        for key in plural:
            assert f"{key}.one" in catalog and f"{key}.other" in catalog, (lang, key)
            assert key not in catalog, (lang, key)  # no third, unpluralised form
    assert {k for k in CATALOGS["fr"] if k.endswith(".one")} == {
        k for k in CATALOGS["en"] if k.endswith(".one")
    }
