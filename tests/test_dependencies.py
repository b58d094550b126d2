"""Domain code takes its services as parameters (docs/architecture.md, "Explicit
dependencies"): the modules below never look up ``runtime()`` or ``current_notifier()``; the
edges (views, commands, workers' loops) build what they need once (``Lockout.of``,
``Tokens.of``, ``ClientRegistry.of``, ``OneTimeCodes.of``, ...) and pass it down. A module
converted is added here, so it stays converted."""

from __future__ import annotations

import ast
from pathlib import Path

IDP = Path(__file__).resolve().parents[1] / "idp"
# Whole packages, then single modules of packages still partly converted.
PACKAGES = ("accounts", "authenticators", "clients", "interaction", "throttling", "tokens")
MODULES = (
    "link_tokens.py", "sso.py",
    "admin/audit_log.py", "admin/console/session.py", "admin/registration.py",
    "admin/security_keys.py", "admin/staff.py", "admin/support.py",
    "login/parties.py", "login/passkey_policy.py", "login/password.py",
    "logout/backchannel.py", "logout/queue.py", "logout/sign_out.py",
    "notifications/mail_queue.py", "notifications/messages.py",
    "notifications/outbox_status.py", "notifications/queued_mail.py",
    "notifications/sms_webhook.py", "notifications/smtp.py",
    "oidc/logout_request.py",
    "web/session_records.py",
)  # fmt: skip
LOCATORS = frozenset({"runtime", "current_notifier"})


def lookups(source: str) -> list[str]:
    """Each use of a service locator in ``source``: imported, called or referred to."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            found += [f"import {a.name}" for a in node.names if a.name in LOCATORS]
        elif isinstance(node, ast.Name) and node.id in LOCATORS:
            found.append(node.id)
        elif isinstance(node, ast.Attribute) and node.attr in LOCATORS:
            found.append(node.attr)
    return found


def test_domain_modules_look_up_no_service():
    modules = [p for package in PACKAGES for p in sorted((IDP / package).glob("*.py"))]
    modules += [IDP / name for name in MODULES]
    assert len(modules) > len(MODULES) + 10 and all(p.exists() for p in modules)
    found = {str(p.relative_to(IDP)): lookups(p.read_text()) for p in modules}
    assert {name: uses for name, uses in found.items() if uses} == {}


def test_the_check_sees_a_lookup():
    assert lookups("from idp.runtime import runtime\nredis = runtime().redis\n") == [
        "import runtime",
        "runtime",
    ]
    assert lookups("import idp.notifications as n\nn.current_notifier().queue_email()\n") == [
        "current_notifier"
    ]
    assert lookups("def hit(limit, subject, *, redis): redis.eval('')\n") == []
