"""Which URLs idp may call (idp/outbound/guard.py): every spelling of an address of our own
network is refused, names are judged by every address they resolve to, and the operator's
allow-list admits the group's own portals."""

from __future__ import annotations

import re
import socket

import pytest

from idp.config import ConfigError, load_settings
from idp.outbound.addresses import parse_allow_list
from idp.outbound.guard import OutboundRefused, check_url
from tests.outbound.listeners import PUBLIC, FakeDns, fake_dns

NOTHING_ALLOWED = parse_allow_list("")

# Loopback, private, link-local, unspecified, multicast and reserved addresses in the
# notations a resolver reads: inet_aton's short, hexadecimal, decimal and octal forms, IPv6
# and the IPv6 forms carrying an IPv4 address (mapped, compatible, 6to4, NAT64, Teredo).
REFUSED_HOSTS = [
    "127.0.0.1", "127.1", "0x7f000001", "2130706433", "0177.0.0.1", "0x7f.0.0.1",
    "127.255.255.254", "[::1]", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[::127.0.0.1]",
    "[2002:7f00:1::1]", "[64:ff9b::7f00:1]", "[2001:0:4136:e378:8000:63bf:80ff:fffe]",
    "0.0.0.0", "0", "[::]", "10.0.0.1", "10.1", "172.16.0.1", "192.168.1.1", "100.64.0.1",
    "169.254.169.254", "0xa9fea9fe", "[fe80::1]", "[fc00::1]", "[fd12:3456::1]", "[fec0::1]",
    "224.0.0.1", "[ff02::1]", "240.0.0.1", "255.255.255.255", "192.0.2.10", "198.18.0.1",
    "[2001:db8::1]", "[::ffff:10.0.0.1]", "[::ffff:169.254.169.254]",
]  # fmt: skip


@pytest.mark.parametrize("host", REFUSED_HOSTS)
def test_addresses_of_our_own_network_are_refused_in_every_notation(host: str) -> None:
    with pytest.raises(OutboundRefused):
        check_url(f"https://{host}/logout", NOTHING_ALLOWED)


@pytest.mark.parametrize("host", ["localhost", "portal.localhost", "LOCALHOST."])
def test_localhost_names_are_loopback(host: str) -> None:
    with pytest.raises(OutboundRefused, match="loopback"):
        check_url(f"https://{host}/logout", NOTHING_ALLOWED)


def test_a_name_resolving_to_loopback_is_refused() -> None:
    with (
        fake_dns(FakeDns({"rp.example.org": "127.0.0.1"})),
        pytest.raises(OutboundRefused, match=re.escape("rp.example.org resolves to 127.0.0.1")),
    ):
        check_url("https://rp.example.org/logout", NOTHING_ALLOWED)


def test_the_system_resolver_is_asked_for_real_names() -> None:
    """This machine's own name (/etc/hosts) is an address of our own network."""
    host = socket.gethostname().lower()
    with pytest.raises(OutboundRefused, match=re.escape(f"{host} resolves to")):
        check_url(f"https://{host}/logout", NOTHING_ALLOWED)


def test_one_private_answer_among_public_ones_is_refused() -> None:
    with (
        fake_dns(FakeDns({"rp.example.org": [str(PUBLIC), "10.0.0.7"]})),
        pytest.raises(OutboundRefused, match=re.escape("10.0.0.7 is a private address")),
    ):
        check_url("https://rp.example.org/logout", NOTHING_ALLOWED)


def test_a_public_name_is_accepted_with_its_addresses() -> None:
    with fake_dns(FakeDns({"rp.example.org": [str(PUBLIC), "2606:4700::1111"]})):
        target = check_url("https://RP.example.org:8443/logout?x=1", NOTHING_ALLOWED)
    assert (target.host, target.port, target.path) == ("rp.example.org", 8443, "/logout?x=1")
    assert [str(a) for a in target.addresses] == [str(PUBLIC), "2606:4700::1111"]


def test_a_name_that_does_not_resolve_is_refused() -> None:
    with fake_dns(FakeDns()), pytest.raises(OutboundRefused, match="does not resolve"):
        check_url("https://nowhere.example.org/logout", NOTHING_ALLOWED)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://rp.example.org/x", "not an http"),
        ("file:///etc/passwd", "not an http"),
        ("https://user:pass@rp.example.org/x", "credentials"),
        ("https:///x", "no host"),
        ("https://rp.example.org:99999/x", "not a valid URL"),
        ("https://rp_example org/x", "characters"),
        ("https://rp.example.org/x\r\nX-Injected: 1", "characters"),
        ("https://rp.exämple.org/x", "characters"),
        ("https://rp..example.org/x", "not a host name"),
        (42, "not a URL"),
    ],
)
def test_malformed_urls_are_refused(url: object, reason: str) -> None:
    with pytest.raises(OutboundRefused, match=reason):
        check_url(url, NOTHING_ALLOWED)


def test_plain_http_only_inside_the_allow_list() -> None:
    with (
        fake_dns(FakeDns({"rp.example.org": str(PUBLIC)})),
        pytest.raises(OutboundRefused, match="only https"),
    ):
        check_url("http://rp.example.org/logout", NOTHING_ALLOWED)
    check_url("http://127.0.0.1:5001/logout", parse_allow_list("127.0.0.1"))


def test_the_allow_list_admits_its_names_and_networks() -> None:
    allow = parse_allow_list("sante.groupe.internal, 10.20.0.0/16 fd00:20::/64")
    dns = FakeDns({"sante.groupe.internal": "10.99.0.5", "prevoyance.groupe.internal": "10.20.3.4",
                   "autre.groupe.internal": "10.30.0.1"})  # fmt: skip
    with fake_dns(dns):
        check_url("https://sante.groupe.internal/logout", allow)  # by name
        check_url("https://prevoyance.groupe.internal/logout", allow)  # by network
        check_url("https://10.20.0.9/logout", allow)
        check_url("https://[fd00:20::9]/logout", allow)
        with pytest.raises(OutboundRefused, match=re.escape("10.30.0.1 is a private")):
            check_url("https://autre.groupe.internal/logout", allow)
        with pytest.raises(OutboundRefused):
            check_url("https://localhost/logout", allow)


def test_the_allow_list_never_admits_unspecified_or_multicast() -> None:
    allow = parse_allow_list("0.0.0.0/0 ::/0 anything.internal")
    with fake_dns(FakeDns({"anything.internal": "0.0.0.0"})):
        for url in ("https://0.0.0.0/x", "https://[::]/x", "https://224.0.0.1/x",
                    "https://anything.internal/x"):  # fmt: skip
            with pytest.raises(OutboundRefused):
                check_url(url, allow)


@pytest.mark.parametrize("value", ["10.0.0.1/8", "300.1.2.3/32", "not a host!", "-bad-.example"])
def test_a_bad_allow_list_stops_the_start(value: str) -> None:
    with pytest.raises(ConfigError, match="IDP_OUTBOUND_ALLOW"):
        load_settings({"IDP_OUTBOUND_ALLOW": value})


def test_the_allow_list_is_read_from_the_environment() -> None:
    settings = load_settings({"IDP_OUTBOUND_ALLOW": "sante.groupe.internal, 10.20.0.0/16"})
    allow = settings.outbound.allow_list()
    assert allow.admits_name("Sante.Groupe.Internal.") and not allow.admits_name("groupe.internal")
    assert [str(n) for n in allow.networks] == ["10.20.0.0/16"]
