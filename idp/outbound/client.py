"""HTTP requests to a checked target: the connection goes to an address ``guard`` checked
(pinned: the name is not looked up again), the address actually connected to is checked once
more, TLS still verifies the certificate against the host name, redirects are never followed
(a 3xx is an answer like another), no proxy from the environment is used, every socket
operation has the caller's timeout and at most ``max_body`` bytes of the answer are read.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass

from idp.outbound.addresses import Address, AllowList
from idp.outbound.guard import OutboundRefused, Target, resolve_target


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]
    body: bytes


def request(
    method: str,
    url: str,
    *,
    allow: AllowList,
    timeout: float,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    max_body: int = 65536,
    tls: ssl.SSLContext | None = None,
) -> Answer:
    """One request, no redirect followed. Raises ``OutboundRefused`` (the URL may not be
    called: nothing was sent), ``ResolutionFailed``, ``OSError`` or
    ``http.client.HTTPException`` (the network failed)."""
    target = resolve_target(url, allow)
    connection = _connection(target, timeout, tls)
    try:
        connection.request(method, target.path, body=body, headers=dict(headers or {}))
        response = connection.getresponse()
        answer = response.read(max_body)
        return Answer(response.status, dict(response.getheaders()), answer)
    finally:
        connection.close()


def _connection(target: Target, timeout: float, tls: ssl.SSLContext | None) -> _Pinned:
    if target.scheme == "https":
        return _PinnedHTTPS(target, timeout, tls or ssl.create_default_context())
    return _PinnedHTTP(target, timeout)


def _connect(target: Target, timeout: float) -> socket.socket:
    """A socket to the first checked address that answers, verified by its peer address."""
    failure: OSError = ConnectionRefusedError("no address answered")
    for address in target.addresses:
        try:
            sock = socket.create_connection((str(address), target.port), timeout)
        except OSError as error:
            failure = error
            continue
        if _peer(sock) != address:
            sock.close()
            raise OutboundRefused(f"connected to another address than {address}")
        return sock
    raise failure


def _peer(sock: socket.socket) -> Address:
    return ipaddress.ip_address(str(sock.getpeername()[0]).split("%", 1)[0])


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self.target, self.limit = target, timeout

    def connect(self) -> None:
        self.sock = _connect(self.target, self.limit)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float, context: ssl.SSLContext) -> None:
        super().__init__(target.host, target.port, timeout=timeout, context=context)
        self.target, self.limit, self.tls = target, timeout, context

    def connect(self) -> None:
        sock = _connect(self.target, self.limit)
        try:
            self.sock = self.tls.wrap_socket(sock, server_hostname=self.target.host)
        except BaseException:
            sock.close()
            raise


_Pinned = _PinnedHTTP | _PinnedHTTPS
