"""Phone numbers and e-mail addresses as they may be shown or logged: enough for a member to
recognise their own ("06 •• •• •• 78", "c•••••@example.org"), too little to contact them.

Used by the audit log of the notifier and by the sign-in pages ("code sent to …").
Whatever the input, the result never contains it whole.
"""

from __future__ import annotations

import re

BULLET = "•"
_EMAIL_BULLETS = BULLET * 5  # always five: the length of the local part is not shown
_SEPARATORS = re.compile(r"[\s.\-/()]")

# ITU-T E.164 country codes are prefix-free: 1 and 7 are one digit, these are two digits,
# every other code is three digits.
_TWO_DIGIT_CODES = frozenset(
    zone + second
    for zone, seconds in {
        "2": "07",
        "3": "0123469",
        "4": "013456789",
        "5": "12345678",
        "6": "0123456",
        "8": "1246",
        "9": "0123458",
    }.items()
    for second in seconds
)


def mask_phone(e164: str) -> str:
    """A phone number for display, French style for French numbers.

    ``+33612345678`` → ``06 •• •• •• 78``; ``+447911123456`` → ``+44 •••• ••• 456``;
    a French national ``0612345678`` (or ``0033…``) is read as ``+33…``. Anything that is not
    a phone number comes out as bullets only.
    """
    number = _SEPARATORS.sub("", e164 or "")
    if number.startswith("00"):
        number = "+" + number[2:]
    elif re.fullmatch(r"0[1-9]\d{8}", number):
        number = "+33" + number[1:]
    if not re.fullmatch(r"\+[1-9]\d{5,14}", number):
        return BULLET * 8
    digits = number[1:]
    code = _country_code(digits)
    national = digits[len(code) :]
    if code == "33" and len(national) == 9:
        return f"0{national[0]} {BULLET * 2} {BULLET * 2} {BULLET * 2} {national[-2:]}"
    shown = 3 if len(national) >= 7 else 2 if len(national) >= 4 else 0
    hidden = _group(BULLET * (len(national) - shown))
    return f"+{code} {hidden} {national[len(national) - shown :]}".rstrip()


def mask_email(address: str) -> str:
    """An e-mail address for display: ``claire.dupont@example.org`` → ``c•••••@example.org``.

    The first character of the local part is kept when it has at least two; the domain is
    kept whole. Something without ``@`` comes out as bullets only.
    """
    local, at, domain = (address or "").strip().rpartition("@")
    if not at or not local or not domain:
        return _EMAIL_BULLETS
    first = local[0] if len(local) >= 2 else ""
    return f"{first}{_EMAIL_BULLETS}@{domain}"


def _country_code(digits: str) -> str:
    if digits[0] in "17":
        return digits[0]
    if digits[:2] in _TWO_DIGIT_CODES:
        return digits[:2]
    return digits[:3]


def _group(national: str) -> str:
    """Groups of three from the right, a lone leading one joining the next group:
    7 → 4 3, 6 → 3 3, 5 → 2 3, 4 → 4."""
    groups: list[str] = []
    rest = national
    while len(rest) > 4:
        groups.insert(0, rest[-3:])
        rest = rest[:-3]
    if rest:
        groups.insert(0, rest)
    return " ".join(groups)
