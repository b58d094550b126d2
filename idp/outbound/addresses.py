"""Which addresses an outbound request may reach, and the operator's allow-list.

Only global unicast addresses are reachable: loopback, private, shared (CGNAT), link-local,
multicast, unspecified, reserved, documentation and other special-purpose ranges are refused,
in IPv4 and IPv6 alike, and an IPv6 address carrying an IPv4 one (mapped ``::ffff:0:0/96``,
compatible ``::/96``, 6to4 ``2002::/16``, Teredo ``2001::/32``, NAT64 ``64:ff9b::/96``) is
judged by the IPv4 address too. Host names that ``inet_aton`` reads as an IPv4 address
(``127.1``, ``0x7f000001``, ``2130706433``, ``0177.0.0.1``) are that address.
"""

from __future__ import annotations

import functools
import ipaddress
import re
import socket
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

Address = IPv4Address | IPv6Address
Network = IPv4Network | IPv6Network

# A DNS host name: LDH labels (underscores tolerated, as some internal zones use them).
HOST_NAME = re.compile(r"(?=.{1,253}\Z)(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?\.)*"
                       r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?")  # fmt: skip
NAT64 = (IPv6Network("64:ff9b::/96"), IPv6Network("64:ff9b:1::/48"))
IPV4_COMPATIBLE = IPv6Network("::/96")


def literal_address(host: str) -> Address | None:
    """The address a host written as an IP literal stands for, in any notation a resolver
    accepts (``inet_aton`` forms included); ``None`` for a host name."""
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if not re.fullmatch(r"[0-9a-fA-FxX.]+", host) or not re.match(r"[0-9]", host):
        return None  # a name (inet_aton would read "1.2.3.4 junk" too: such hosts never get here)
    try:
        return IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def embedded_ipv4(address: IPv6Address) -> list[IPv4Address]:
    """The IPv4 addresses an IPv6 address carries and that a gateway may deliver to."""
    found: list[IPv4Address] = []
    if address.ipv4_mapped is not None:
        found.append(address.ipv4_mapped)
    if address in IPV4_COMPATIBLE and int(address) > 1:
        found.append(IPv4Address(int(address) & 0xFFFFFFFF))
    if address.sixtofour is not None:
        found.append(address.sixtofour)
    if address.teredo is not None:
        found.extend(address.teredo)
    if any(address in net for net in NAT64):
        found.append(IPv4Address(int(address) & 0xFFFFFFFF))
    return found


def refusal(address: Address) -> str | None:
    """Why this address may not be reached without the allow-list; ``None``: it may."""
    for carried in embedded_ipv4(address) if isinstance(address, IPv6Address) else []:
        reason = _refusal_of(carried)
        if reason:
            return f"{reason} (carried by {address})"
    return _refusal_of(address)


def _refusal_of(address: Address) -> str | None:
    checks = (
        ("is_unspecified", "an unspecified address"),
        ("is_loopback", "a loopback address"),
        ("is_link_local", "a link-local address"),
        ("is_multicast", "a multicast address"),
        ("is_private", "a private address"),
        ("is_reserved", "a reserved address"),
    )
    for attribute, reason in checks:
        if getattr(address, attribute):
            return f"{address} is {reason}"
    if isinstance(address, IPv6Address) and address.is_site_local:
        return f"{address} is a private address"
    if not address.is_global:
        return f"{address} is not a global address"
    return None


@dataclass(frozen=True)
class AllowList:
    """``IDP_OUTBOUND_ALLOW``: host names, and networks in CIDR notation (a bare address is
    its own network), that may be private — the group's own portals."""

    names: frozenset[str] = frozenset()
    networks: tuple[Network, ...] = ()

    def admits_name(self, host: str) -> bool:
        return host.lower().rstrip(".") in self.names

    def admits_address(self, address: Address) -> bool:
        return any(address in network for network in self.networks)


@functools.cache
def parse_allow_list(text: str) -> AllowList:
    """Comma- or space-separated entries; a ``ValueError`` names a bad one."""
    names: set[str] = set()
    networks: list[Network] = []
    for entry in text.replace(",", " ").split():
        try:
            networks.append(
                ipaddress.ip_network(entry.replace("[", "").replace("]", ""), strict=True)
            )
            continue
        except ValueError as error:
            if "/" in entry or literal_address(entry) is not None:
                raise ValueError(f"{entry!r} is not a network in CIDR notation ({error})") from None
        name = entry.lower().rstrip(".")
        if not HOST_NAME.fullmatch(name):
            raise ValueError(f"{entry!r} is neither a host name nor a network")
        names.add(name)
    return AllowList(frozenset(names), tuple(networks))
