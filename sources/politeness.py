"""Politeness shared by every session of the process: one request at a time per host, with a
minimum delay between requests to the same host; and, per run, the hosts found down or
rate-limiting, so their other boards are skipped at once."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit


def host_of(url: str) -> str:
    """The host (and port) a URL talks to, lower-cased."""
    return urlsplit(url).netloc.lower()


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
        host = host_of(url)
        with self._lock_for(host):
            wait = self._last.get(host, 0.0) + min_delay - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            try:
                yield
            finally:
                self._last[host] = time.monotonic()


GATE = HostGate()


@dataclass(frozen=True)
class HostTrouble:
    """Why a host is not asked again this run: `rate_limited` or `down`, and what happened."""

    kind: str
    reason: str


class HostHealth:
    """Hosts found down or rate-limiting during one run: their other boards skip them at once.

    One per run (see `for_run`), shared by the run's sessions, so it never outlives the run's
    view of the network.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._trouble: dict[str, HostTrouble] = {}

    def trouble(self, url: str) -> HostTrouble | None:
        """What went wrong with this URL's host earlier in the run, if anything."""
        with self._lock:
            return self._trouble.get(host_of(url))

    def mark(self, url: str, kind: str, reason: str) -> None:
        """Remember the first trouble of this URL's host."""
        with self._lock:
            self._trouble.setdefault(host_of(url), HostTrouble(kind, reason))


_RUNS: OrderedDict[str, HostHealth] = OrderedDict()
_RUNS_LOCK = threading.Lock()
KEPT_RUNS = 16


def for_run(run_id: str) -> HostHealth:
    """The host health of a run (the few latest runs are kept)."""
    with _RUNS_LOCK:
        health = _RUNS.setdefault(run_id, HostHealth())
        _RUNS.move_to_end(run_id)
        while len(_RUNS) > KEPT_RUNS:
            _RUNS.popitem(last=False)
        return health
