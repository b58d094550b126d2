"""Domain code takes its services as parameters (docs/architecture.md, "Explicit
dependencies"): only the edges look up ``runtime()`` or ``current_notifier()``: route
handlers and their pages, request hooks, the command line, worker loops and the locators'
own modules. They build what they need once (``Lockout.of``, ``Tokens.of``,
``SsoSessions.of``, ``Planner.of``, ...) and pass it down. Every other module of ``idp``,
a new one included, is checked."""

from __future__ import annotations

import ast
from pathlib import Path

IDP = Path(__file__).resolve().parents[1] / "idp"
EDGES = frozenset({
    # the command line and the launcher
    "cli.py", "serve.py",
    # the locators themselves
    "runtime.py", "notifications/__init__.py", "notifications/notifier.py",
    # worker loops (their entry builds the services of one round)
    "logout/worker.py", "notifications/mail_worker.py",
    # route handlers and the pages they render
    "oidc/authorize.py", "oidc/discovery.py", "oidc/end_session.py", "oidc/introspection.py",
    "oidc/jwks.py", "oidc/revocation.py", "oidc/userinfo.py",
    "oidc/server.py",  # Authlib builds a grant per request: each resolves its services once
    "login/access_step.py", "login/code_step.py", "login/consent_step.py",
    "login/passkey_step.py", "login/password_step.py", "login/views.py",
    "selfservice/account.py", "selfservice/activation.py", "selfservice/activity.py",
    "selfservice/applications.py", "selfservice/devices.py", "selfservice/forms.py",
    "selfservice/link_pages.py",
    "selfservice/reauth.py", "selfservice/reset.py", "selfservice/sessions.py",
    "notifications/outbox_page.py",
    "admin/api.py", "admin/audit_api.py", "admin/clients_api.py", "admin/members_api.py",
    "admin/openapi.py", "admin/registration_api.py",
    "admin/console/account.py", "admin/console/audit.py", "admin/console/blueprint.py",
    "admin/console/clients.py", "admin/console/members.py", "admin/console/setup.py",
    "admin/console/sign_in.py",
    # request hooks and template helpers of the web toolkit
    "web/app_association.py", "web/brand.py", "web/cookies.py", "web/csrf.py",
    "web/health.py", "web/i18n.py", "web/security_headers.py", "web/unavailable.py",
})  # fmt: skip
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


def _modules() -> dict[str, Path]:
    return {str(p.relative_to(IDP)): p for p in sorted(IDP.rglob("*.py"))}


def test_only_the_edges_look_up_services():
    found = {name: lookups(path.read_text()) for name, path in _modules().items()}
    assert {name: uses for name, uses in found.items() if uses and name not in EDGES} == {}
    # The domain is most of the code: the check covers more modules than it spares.
    assert len(found) - len(EDGES) > len(EDGES)


def test_every_edge_named_exists():
    assert EDGES - _modules().keys() == set()


def test_the_check_sees_a_lookup():
    assert lookups("from idp.runtime import runtime\nredis = runtime().redis\n") == [
        "import runtime",
        "runtime",
    ]
    assert lookups("import idp.notifications as n\nn.current_notifier().queue_email()\n") == [
        "current_notifier"
    ]
    assert lookups("def hit(limit, subject, *, redis): redis.eval('')\n") == []
