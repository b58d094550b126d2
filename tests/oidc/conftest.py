from __future__ import annotations

import pytest

from idp.accounts.directory import ensure_demo_member
from tests.actors import Browser, RelyingParty


@pytest.fixture
def server(live_server):
    """The provider over HTTP, with the demo member active."""
    with live_server.app.app_context():
        ensure_demo_member()
    return live_server


@pytest.fixture
def browser(server) -> Browser:
    return Browser(server.url)


@pytest.fixture
def portal(server) -> RelyingParty:
    return RelyingParty(server.url, "health-portal")
