"""Politeness shared by every session of the process: one request at a time per host, with a
minimum delay between requests to the same host."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit


class HostGate:
    """A lock and the time of the last request, per host."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._last: dict[str, float] = {}

    def _lock_for(self, host: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(host, threading.Lock())

    @contextmanager
    def turn(self, url: str, min_delay: float) -> Iterator[None]:
        """Wait for this host's turn, keeping `min_delay` seconds since its last request."""
        host = urlsplit(url).netloc.lower()
        with self._lock_for(host):
            wait = self._last.get(host, 0.0) + min_delay - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            try:
                yield
            finally:
                self._last[host] = time.monotonic()


GATE = HostGate()
