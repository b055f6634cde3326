"""A total deadline per request: a timer that cuts the connection when time is up.

The socket timeout only bounds each read, so a server dripping one byte a second never trips it.
A `Deadline` watches the connections used by its thread's requests (the pools below register
them) and shuts their sockets when it expires; the blocked read then ends and the caller sees
`expired`.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from types import TracebackType
from typing import Any

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_LOCAL = threading.local()


def _cut(connection: HTTPConnection) -> None:
    sock = getattr(connection, "sock", None)
    if sock is not None:
        with contextlib.suppress(OSError):  # already closed
            sock.shutdown(socket.SHUT_RDWR)


class Deadline:
    """`with Deadline(seconds):` every request this thread makes inside is cut at the deadline."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._lock = threading.Lock()
        self._connections: list[HTTPConnection] = []
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> Deadline:
        _LOCAL.deadline = self
        self._timer.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._timer.cancel()
        _LOCAL.deadline = None

    def watch(self, connection: HTTPConnection) -> None:
        """Cut this connection at the deadline (at once when it has passed)."""
        with self._lock:
            self._connections.append(connection)
            if self.expired:
                _cut(connection)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for connection in self._connections:
                _cut(connection)


def _current() -> Deadline | None:
    return getattr(_LOCAL, "deadline", None)


class _Watched:
    """Mixin: a connection that puts itself under its thread's deadline."""

    def request(self, *args: Any, **kwargs: Any) -> None:
        deadline = _current()
        if deadline is not None:
            deadline.watch(self)  # type: ignore[arg-type]
        super().request(*args, **kwargs)  # type: ignore[misc]

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        deadline = _current()
        if deadline is not None and deadline.expired:
            _cut(self)  # type: ignore[arg-type]


class WatchedHTTPConnection(_Watched, HTTPConnection):
    """HTTP connection under the thread's deadline."""


class WatchedHTTPSConnection(_Watched, HTTPSConnection):
    """HTTPS connection under the thread's deadline."""


class WatchedHTTPPool(HTTPConnectionPool):
    """A pool of deadline-watched HTTP connections."""

    ConnectionCls = WatchedHTTPConnection


class WatchedHTTPSPool(HTTPSConnectionPool):
    """A pool of deadline-watched HTTPS connections."""

    ConnectionCls = WatchedHTTPSConnection


POOL_CLASSES = {"http": WatchedHTTPPool, "https": WatchedHTTPSPool}
