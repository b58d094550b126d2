"""Masked phone numbers and e-mail addresses, for the audit log and the sign-in pages."""

from __future__ import annotations

import pytest

from idp.notifications.masking import mask_email, mask_phone


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("+33612345678", "06 •• •• •• 78"),
        ("+33798765432", "07 •• •• •• 32"),
        ("+33472277272", "04 •• •• •• 72"),
        ("+33 6 12 34 56 78", "06 •• •• •• 78"),
        ("0033612345678", "06 •• •• •• 78"),
        ("06 12 34 56 78", "06 •• •• •• 78"),
        ("07.98.76.54.32", "07 •• •• •• 32"),
    ],
)
def test_french_numbers_in_french_display_form(number, masked):
    assert mask_phone(number) == masked


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("+447911123456", "+44 •••• ••• 456"),  # United Kingdom, two-digit code
        ("+4915112345678", "+49 •• ••• ••• 678"),  # Germany, 11-digit national number
        ("+14155550123", "+1 •••• ••• 123"),  # NANP, one-digit code
        ("+32470123456", "+32 ••• ••• 456"),  # Belgium
        ("+41791234567", "+41 ••• ••• 567"),  # Switzerland
        ("+352621123456", "+352 ••• ••• 456"),  # Luxembourg, three-digit code
        ("+262692123456", "+262 ••• ••• 456"),  # La Réunion: its own country code
        ("+79161234567", "+7 •••• ••• 567"),
        ("+33612345", "+33 •••• 45"),  # +33 with too few digits: not shown as French
    ],
)
def test_other_numbers_keep_the_country_code_and_three_digits(number, masked):
    assert mask_phone(number) == masked


@pytest.mark.parametrize("junk", ["", "   ", "abc", "+", "12345", "+0612345678", "+33abc"])
def test_anything_else_is_bullets_only(junk):
    assert set(mask_phone(junk)) == {"•"}


@pytest.mark.parametrize(
    "number", ["+33612345678", "+447911123456", "+14155550123", "0612345678", "+352621123456"]
)
def test_a_masked_number_never_shows_the_middle_digits(number):
    digits = "".join(c for c in number if c.isdigit())
    masked_digits = "".join(c for c in mask_phone(number) if c.isdigit())
    assert len(masked_digits) <= 6
    assert digits[-6:-3] not in masked_digits[-3:]


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("claire.dupont@example.org", "c•••••@example.org"),
        ("  Claire@Example.ORG ", "C•••••@Example.ORG"),
        ("jo@mutuelle.fr", "j•••••@mutuelle.fr"),  # short local part: still five bullets
        ("x@example.org", "•••••@example.org"),  # one character: not even the first
        ("élodie@exemple.fr", "é•••••@exemple.fr"),
        ('"odd@local"@example.org', '"•••••@example.org'),
    ],
)
def test_email_keeps_first_letter_and_domain(address, masked):
    assert mask_email(address) == masked


@pytest.mark.parametrize("junk", ["", "no-at-sign", "@example.org", "claire@"])
def test_email_without_local_part_or_domain_is_bullets_only(junk):
    assert mask_email(junk) == "•••••"


def test_masked_email_does_not_reveal_the_length():
    assert len(mask_email("a1@example.org")) == len(mask_email("anne-sophie.martin@example.org"))
