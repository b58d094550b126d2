"""The check of an outbound URL: its form, then every address its host stands for.

``check_url`` runs when a relying party registers a URL; ``client.request`` runs the same
``resolve_target`` again just before it connects and connects to the addresses it checked
(never to a second lookup of the name), so DNS rebinding between the two does not work.

The resolver is the system's (``getaddrinfo``); tests replace it with ``use_resolver``.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

from idp.outbound.addresses import HOST_NAME, Address, AllowList, literal_address, refusal

Resolver = Callable[[str, int], list[Address]]
DEFAULT_PORTS = {"http": 80, "https": 443}
LOOPBACK = ipaddress.IPv4Address("127.0.0.1")


class OutboundRefused(Exception):
    """This URL may not be called. ``reason`` says why, for operators (logs, audit: it may
    name what a host resolves to); ``public`` is what a third party is told, which never
    reveals what our resolver knows about a name (no internal DNS oracle)."""

    def __init__(self, reason: str, public: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.public = public or reason


class ResolutionFailed(OSError):
    """The host name has no address now (perhaps only for now: a caller may retry)."""


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (``addresses``, in order) and what to ask for."""

    scheme: str
    host: str  # as written (lower case, no brackets): Host header and TLS server name
    port: int
    path: str  # path and query
    addresses: tuple[Address, ...]


def system_resolver(host: str, port: int) -> list[Address]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise ResolutionFailed(f"{host} does not resolve") from error
    found: list[Address] = []
    for *_, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    return found


_resolver: list[Resolver] = [system_resolver]


@contextmanager
def use_resolver(resolver: Resolver) -> Iterator[None]:
    """Answer host-name lookups with ``resolver`` meanwhile (tests: a name that rebinds)."""
    _resolver.append(resolver)
    try:
        yield
    finally:
        _resolver.remove(resolver)


def check_url(url: object, allow: AllowList) -> Target:
    """The URL's target if idp may call it; ``OutboundRefused`` otherwise (a name that does
    not resolve is refused too: nothing would answer there)."""
    try:
        return resolve_target(url, allow)
    except ResolutionFailed as error:
        raise OutboundRefused(str(error), _only_public(url)) from None


def resolve_target(url: object, allow: AllowList) -> Target:
    """Parse, resolve and check. ``ResolutionFailed`` when the name has no address."""
    scheme, host, port, path = _parse(url)
    literal = literal_address(host)
    if literal is None and not HOST_NAME.fullmatch(host):
        raise OutboundRefused(f"{host!r} is not a host name")
    named = literal is None and allow.admits_name(host)
    if literal is not None:
        addresses = [literal]
    elif not named and (host == "localhost" or host.endswith(".localhost")):
        addresses = [LOOPBACK]  # RFC 6761 §6.3: loopback whatever a resolver answers
    else:
        addresses = _resolver[-1](host, port)
    if not addresses:
        raise ResolutionFailed(f"{host} does not resolve")
    for address in addresses:
        if address.is_unspecified or address.is_multicast:
            raise OutboundRefused(refusal(address) or f"{address} is not a unicast address")
        if named or allow.admits_address(address):
            continue
        reason = refusal(address)
        if reason and literal is not None:
            raise OutboundRefused(reason)
        if reason:
            raise OutboundRefused(f"{host} resolves to {reason}", _only_public(host))
    if scheme != "https" and not (named or all(allow.admits_address(a) for a in addresses)):
        raise OutboundRefused("only https is allowed outside IDP_OUTBOUND_ALLOW")
    return Target(scheme, host, port, path, tuple(addresses))


def _only_public(host: object) -> str:
    """The same words whether the name does not resolve or resolves to a refused address."""
    if isinstance(host, str) and "/" in host:
        host = urlsplit(host).hostname or host
    return f"{host} must resolve to public addresses only"


def _parse(url: object) -> tuple[str, str, int, str]:
    if not isinstance(url, str):
        raise OutboundRefused("not a URL")
    if any(ord(c) <= 0x20 or ord(c) >= 0x7F for c in url):
        # Spaces, control characters (header injection) and non-ASCII (IDN names go in
        # their xn-- form) have no place in a URL idp calls.
        raise OutboundRefused("the URL contains characters that are not allowed")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise OutboundRefused("not a valid URL") from None
    if parts.scheme not in DEFAULT_PORTS:
        raise OutboundRefused("not an http(s) URL")
    if parts.username is not None or parts.password is not None:
        raise OutboundRefused("credentials in a URL are not allowed")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise OutboundRefused("the URL has no host")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, host, port or DEFAULT_PORTS[parts.scheme], path
