"""A small threaded TCP proxy for fault tests: the provider talks to PostgreSQL or Redis through
it, and the test cuts the line without touching the machine's shared servers.

``cut()`` closes every connection and answers new ones by closing them at once (a server that
went away: clients fail fast); ``cut(silent=True)`` keeps accepting but never answers nor
forwards (a host gone quiet: only timeouts save the client). ``restore()`` forwards again.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from types import TracebackType

BUFFER = 65536


class TcpProxy:
    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._mode = "forward"  # forward | refuse | silent
        self._closed = False
        self._thread = threading.Thread(target=self._accept, name="tcp-proxy", daemon=True)
        self._thread.start()

    # -- control -------------------------------------------------------------------------------
    def cut(self, silent: bool = False) -> None:
        """Drop every connection; new ones are closed at once, or held unanswered."""
        with self._lock:
            self._mode = "silent" if silent else "refuse"
            doomed, self._sockets = self._sockets, set()
        for sock in doomed:
            _close(sock)

    def restore(self) -> None:
        with self._lock:
            self._mode = "forward"
            held, self._sockets = self._sockets, set()
        for sock in held:  # connections held by a silent cut are dead for their clients
            _close(sock)

    def close(self) -> None:
        self._closed = True
        self.cut()
        _close(self._listener)
        self._thread.join(timeout=5)

    def __enter__(self) -> TcpProxy:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- forwarding ----------------------------------------------------------------------------
    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                mode = self._mode
                if mode == "silent":
                    self._sockets.add(client)
            if mode == "refuse":
                _close(client)
            elif mode == "forward":
                self._connect(client)

    def _connect(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(self.target, timeout=5)
        except OSError:
            _close(client)
            return
        upstream.settimeout(None)
        with self._lock:
            if self._mode != "forward":  # cut while connecting
                _close(client)
                _close(upstream)
                return
            self._sockets.update((client, upstream))
        for src, dst in ((client, upstream), (upstream, client)):
            threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        while True:
            try:
                data = src.recv(BUFFER)
                if not data:
                    break
                dst.sendall(data)
            except OSError:
                break
        with self._lock:
            self._sockets.discard(src)
            self._sockets.discard(dst)
        _close(src)
        _close(dst)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already disconnected
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
