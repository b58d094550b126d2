"""What the self-service pages share: the new-password form context and error rendering."""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from redis import Redis

from idp.accounts.policy import password_rules_attributes, rules
from idp.runtime import runtime
from idp.throttling.limits import Limit, hit
from idp.throttling.lockout import lock_duration


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


def throttle(*limits: tuple[Limit, str], redis: Redis) -> None:
    """Count this request against each (limit, subject) in ``redis``; raises
    ``RateLimited``."""
    for limit, subject in limits:
        hit(limit, subject, redis=redis)


def client_ip() -> str:
    return request.remote_addr or "unknown"
