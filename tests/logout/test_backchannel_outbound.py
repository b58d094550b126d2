"""Back-channel logout goes through the outbound guard for every client, operator-declared
ones included: a URI that is not on the allow-list and names an address of our own network —
stored before registration checked it, or declared in clients.yaml — is never connected to."""

from __future__ import annotations

import time

import pytest

from idp.config import OutboundSettings
from tests.actors import Browser, RelyingParty, sign_in_tokens
from tests.logout.test_backchannel import deliver, failures, queued, sign_out
from tests.outbound.listeners import tcp_listener


class Uri:
    """What the provider fixture puts in the mobile app's ``backchannel_logout_uri``."""

    def __init__(self, url: str) -> None:
        self.url = url


@pytest.mark.parametrize(
    "base", ["http://127.0.0.1", "https://0x7f000001", "https://127.1", "https://localhost",
             "https://[::ffff:127.0.0.1]", "https://2130706433"],
)  # fmt: skip
def test_an_address_off_the_allow_list_is_never_connected_to(provider, base):
    with tcp_listener() as listener:
        mobile = Uri(f"{base}:{listener.port}/auth/backchannel-logout")
        # An allow-list that does not hold 127.0.0.1 (the test default does).
        with provider(workers=0, mobile=mobile,
                      outbound=OutboundSettings(allow="192.0.2.0/24")) as site:  # fmt: skip
            browser = Browser(site.url)
            tokens = sign_in_tokens(browser, RelyingParty(site.url, "mobile-app"))
            sign_out(site, browser, tokens["id_token"])
            deliver(site)
            time.sleep(0.2)
            assert listener.connections == 0
            assert [job.client_id for job in queued(site)] == []
            [event] = [e for e in failures(site) if e.client_id == "mobile-app"]
            assert event.detail["attempts"] == 1
            assert event.detail["error"].startswith("refused: ")
            assert "loopback" in event.detail["error"]
