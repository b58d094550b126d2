"""The password policy: length, character classes, common passwords, personal data,
reuse of the member's last passwords.

Plain functions, no Flask: the forms show :func:`rules` before the member types, render
:func:`password_rules_attributes` on the input for ``static/password_hints.js``, and call
:func:`check_password` on submit, which reports every rule that failed at once.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import cache
from importlib.resources import files

from idp.authenticators.password import PasswordHashing
from idp.config import PasswordPolicySettings
from idp.errors import IdPError
from idp.models import Member

# A message of the catalog and its format values, e.g. ("password.rule.length", {"min": 12}).
Message = tuple[str, dict[str, int]]

COMMON_PASSWORDS = "data/common_passwords.txt"
MIN_COMMON_BASE = 4  # shorter bases left once digits and symbols are stripped are not checked
MIN_NAME_PART = 3  # letters in a name part for it to count as personal data
MIN_PERSONAL_TOKEN = 4  # characters of the member number or the e-mail local part
# Words an attacker tries first on this mutual's members, folded (no case, no accents, no
# separators), refused anywhere in a password (docs/security.md, ASVS 6.1.2 and 6.2.11): the
# mutual, its services and their vocabulary. The brand's own name is added at run time.
CONTEXT_WORDS = (
    "mutuelle", "mutualiste", "adherent", "espacesante", "monespacesante", "prevoyance",
    "complementaire", "motdepasse", "password",
)  # fmt: skip
MIN_CONTEXT_WORD = 5  # letters in a word of the brand's name for it to count

_NAME_SEPARATORS = re.compile(r"[\s\-'’‘]+")
# Leading and trailing digits and special characters: "Azerty123456!" has the base "azerty".
_DECORATION = re.compile(r"^[\W\d_]+|[\W\d_]+$")


class PasswordRejected(IdPError):
    """The new password breaks one or more rules.

    ``failures`` holds every failed rule, in the order of :func:`rules`, as (message key, format
    values), e.g. ``("password.fail.too_short", {"count": 12})``; ``keys`` gives the keys alone.
    """

    message = "password.rejected"

    def __init__(self, failures: list[Message]) -> None:
        super().__init__(", ".join(key for key, _ in failures))
        self.failures = failures

    @property
    def keys(self) -> list[str]:
        return [key for key, _ in self.failures]


def rules(policy: PasswordPolicySettings) -> list[Message]:
    """The rules to show before the member types, as catalog messages."""
    policy = policy.effective()
    shown: list[Message] = [
        ("password.rule.length", {"min": policy.min_length, "max": policy.max_length})
    ]
    if policy.min_classes:
        shown.append(("password.rule.classes", {"count": policy.min_classes}))
    shown += [("password.rule.not_common", {}), ("password.rule.not_personal", {})]
    if policy.history:
        shown.append(("password.rule.not_reused", {"count": policy.history}))
    return shown


def password_rules_attributes(policy: PasswordPolicySettings) -> dict[str, str]:
    """Attributes of the new-password input read by ``static/password_hints.js``."""
    policy = policy.effective()
    return {
        "data-password-rules": "",
        "data-min-length": str(policy.min_length),
        "data-max-length": str(policy.max_length),
        "data-min-classes": str(policy.min_classes),
    }


def check_password(
    password: str,
    *,
    member: Member,
    policy: PasswordPolicySettings,
    previous_hashes: list[str],
    hashing: PasswordHashing,
    brand_name: str = "",
) -> None:
    """Raise :class:`PasswordRejected` naming every rule ``password`` breaks.

    ``previous_hashes`` are the member's earlier password hashes, newest first (the history
    table). The last ``history`` passwords are the current one, then those: a hash present in
    both counts once. Hash checks run last, as each costs ~20 ms.
    """
    policy = policy.effective()
    failures: list[Message] = []
    length = len(unicodedata.normalize("NFC", password))  # characters, not bytes
    if length < policy.min_length:
        failures.append(("password.fail.too_short", {"count": policy.min_length}))
    elif length > policy.max_length:
        failures.append(("password.fail.too_long", {"max": policy.max_length}))
    if count_classes(password) < policy.min_classes:
        failures.append(("password.fail.classes", {"count": policy.min_classes}))
    if is_common(password):
        failures.append(("password.fail.common", {}))
    if is_personal(password, member):
        failures.append(("password.fail.personal", {}))
    if is_contextual(password, brand_name):
        failures.append(("password.fail.context", {}))
    if policy.history and _is_reused(password, member, previous_hashes, policy.history, hashing):
        failures.append(("password.fail.reused", {"count": policy.history}))
    if failures:
        raise PasswordRejected(failures)


CLASSES = ("upper", "lower", "digit", "special")


def present_classes(password: str) -> dict[str, bool]:
    """Which of :data:`CLASSES` appear: upper, lower, digit, special (neither letter nor
    digit)."""
    password = unicodedata.normalize("NFC", password)  # "e" + U+0301 is one letter, "é"
    return {
        "upper": any(c.isupper() for c in password),
        "lower": any(c.islower() for c in password),
        "digit": any(c.isdecimal() for c in password),
        "special": any(not c.isalpha() and not c.isdecimal() for c in password),
    }


def count_classes(password: str) -> int:
    """How many of upper, lower, digit and special (neither letter nor digit) appear."""
    return sum(present_classes(password).values())


def missing_classes(password: str) -> list[str]:
    """The classes of :data:`CLASSES` absent from ``password``, in that order."""
    return [name for name, present in present_classes(password).items() if not present]


def is_common(password: str) -> bool:
    """In the shipped list as typed (any case), or once its digits and symbols are stripped
    from both ends."""
    lowered = password.lower()
    candidates = {lowered, _fold(password)}
    for word in tuple(candidates):
        base = _DECORATION.sub("", word)
        if len(base) >= MIN_COMMON_BASE:
            candidates.add(base)
    return not candidates.isdisjoint(_common_passwords())


def is_contextual(password: str, brand_name: str = "") -> bool:
    """Contains one of :data:`CONTEXT_WORDS` or a word of the brand's name, ignoring case,
    accents and what separates the letters ("Mon-Espace-Santé")."""
    joined = re.sub(r"[\W_]+", "", _fold(password))
    brand = {w for w in re.split(r"[\W_]+", _fold(brand_name)) if len(w) >= MIN_CONTEXT_WORD}
    return any(word in joined for word in (*CONTEXT_WORDS, *brand))


def is_personal(password: str, member: Member) -> bool:
    """Contains the member's names, member number, birth date or e-mail local part, ignoring
    case and accents."""
    folded = _fold(password)
    return any(part in folded for part in _personal_parts(member))


def _personal_parts(member: Member) -> set[str]:
    parts = {
        part
        for name in (member.last_name, member.first_name)
        for part in _NAME_SEPARATORS.split(_fold(name or ""))
        if sum(c.isalpha() for c in part) >= MIN_NAME_PART
    }
    number = _fold((member.member_number or "").strip())
    if len(number) >= MIN_PERSONAL_TOKEN:
        parts.add(number)
    if member.birth_date:
        parts |= _date_forms(member.birth_date)
    local = _fold((member.email or "").partition("@")[0])
    if len(local) >= MIN_PERSONAL_TOKEN:
        parts.add(local)
    parts.discard("")
    return parts


def _date_forms(born: date) -> set[str]:
    d, m, y = f"{born.day:02d}", f"{born.month:02d}", f"{born.year:04d}"
    return {y, d + m + y, d + m + y[2:], y + m + d, f"{d}/{m}/{y}", f"{d}-{m}-{y}", f"{d}.{m}.{y}"}


def _is_reused(
    password: str, member: Member, previous: list[str], history: int, hashing: PasswordHashing
) -> bool:
    recent = list(dict.fromkeys(h for h in [member.password_hash, *previous] if h))[:history]
    return any(hashing.verify(h, password) for h in recent)


def _fold(text: str) -> str:
    """Lower case without accents: "Élodie" → "elodie"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@cache
def _common_passwords() -> frozenset[str]:
    text = files("idp").joinpath(COMMON_PASSWORDS).read_text(encoding="utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )
