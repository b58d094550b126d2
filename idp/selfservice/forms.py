"""What the self-service pages share: the new-password form context and error rendering."""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from redis import Redis

from idp.accounts.passwords import NewPasswords, previous_hashes
from idp.accounts.policy import (
    CLASSES,
    Message,
    PasswordRejected,
    check_password,
    missing_classes,
    password_rules_attributes,
    rules,
)
from idp.models import Member
from idp.runtime import runtime
from idp.throttling.limits import Limit, hit
from idp.throttling.lockout import lock_duration
from idp.web import i18n


def password_form_context(**extra: Any) -> dict[str, Any]:
    settings = runtime().settings
    policy = settings.password_policy.effective()
    return {
        "rules": rules(policy),
        "rule_attributes": password_rules_attributes(policy),
        "lock_duration": lock_duration(
            settings.lockout
        ),  # the warning before the last try of the current one
        **extra,
    }


def render_password_form(template: str, status: int = 200, **extra: Any):
    return render_template(template, **password_form_context(**extra)), status


MISMATCH: Message = ("password.fail.mismatch", {})
# The rule of :func:`idp.accounts.policy.rules` (its key's last part) each failure breaks.
FAILED_RULE = {
    "password.fail.too_short": "length",
    "password.fail.too_long": "length",
    "password.fail.classes": "classes",
    "password.fail.common": "not_common",
    "password.fail.personal": "not_personal",
    "password.fail.context": "not_personal",
    "password.fail.reused": "not_reused",
}


def policy_failures(password: str, member: Member, passwords: NewPasswords) -> list[Message]:
    """Every rule of ``passwords``' policy that ``password`` breaks for ``member`` (nothing
    is stored): a mismatched confirmation is reported with them, not instead of them."""
    try:
        check_password(password, member=member, policy=passwords.policy,
                       previous_hashes=previous_hashes(member), hashing=passwords.hashing,
                       brand_name=passwords.brand_name)  # fmt: skip
    except PasswordRejected as rejected:
        return rejected.failures
    return []


def refused_password(password: str, failures: list[Message]) -> dict[str, Any]:
    """The form's context after a refused new password: every failure, each rule marked met
    or unmet by the server, and which character classes are missing. ``password`` is only
    examined, never put in the page."""
    policy = runtime().settings.password_policy.effective()
    broken = {FAILED_RULE[key] for key, _ in failures if key in FAILED_RULE}
    marks = {key.rsplit(".", 1)[1]: key.rsplit(".", 1)[1] not in broken for key, _ in rules(policy)}
    absent = missing_classes(password)
    needed = policy.min_classes - (len(CLASSES) - len(absent))
    return {
        "failures": failures,
        "rule_marks": marks,
        "classes_missing": missing_classes_text(absent, needed) if "classes" in broken else "",
    }


def missing_classes_text(absent: list[str], needed: int) -> str:
    """What the classes rule lacks, as ``static/password_hints.js`` says it: "Il manque : une
    majuscule, un chiffre." (all of them), "… une majuscule ou un chiffre." (one of them),
    "Il manque 2 de ces types : …"."""
    names = [i18n.translate(f"password.class.{name}") for name in absent]
    if needed >= len(names):
        return i18n.translate("password.classes_missing", classes=", ".join(names))
    if needed == 1:
        either = f"{', '.join(names[:-1])} {i18n.translate('password.class.or')} {names[-1]}"
        return i18n.translate("password.classes_missing", classes=either)
    return i18n.translate("password.classes_missing_some", count=needed, classes=", ".join(names))


def throttle(*limits: tuple[Limit, str], redis: Redis) -> None:
    """Count this request against each (limit, subject) in ``redis``; raises
    ``RateLimited``."""
    for limit, subject in limits:
        hit(limit, subject, redis=redis)


def client_ip() -> str:
    return request.remote_addr or "unknown"
