"""What the self-service pages share: the new-password form context and error rendering."""

from __future__ import annotations

from typing import Any

from flask import render_template, request

from idp.accounts.policy import password_rules_attributes, rules
from idp.runtime import runtime
from idp.throttling.limits import Limit, hit
from idp.throttling.lockout import lock_duration


def password_form_context(**extra: Any) -> dict[str, Any]:
    policy = runtime().settings.password_policy.effective()
    return {
        "rules": rules(policy),
        "rule_attributes": password_rules_attributes(policy),
        "lock_duration": lock_duration(),  # the warning before the last try of the current one
        **extra,
    }


def render_password_form(template: str, status: int = 200, **extra: Any):
    return render_template(template, **password_form_context(**extra)), status


def throttle(*limits: tuple[Limit, str]) -> None:
    """Count this request against each (limit, subject); raises ``RateLimited``."""
    for limit, subject in limits:
        hit(limit, subject)


def client_ip() -> str:
    return request.remote_addr or "unknown"
