"""Work the pages hand to background threads, so a burst of sign-ups stays fast:

- `GroupCommit` writes on one thread every item waiting at that moment, together, in one
  transaction: a few statements, one commit and one fsync shared by a burst of sign-ups.
- `NoticeSender` builds and sends sign-up emails after the answer has gone, a batch per
  connection. Their links hold tokens that are stored only hashed, so the queue lives in memory:
  a process stopped before sending loses those emails (the page tells people to try again).
"""

from __future__ import annotations

import logging
import queue
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Generic, TypeVar

import sqlalchemy as sa

from opstore.db import OpsStore

Item = TypeVar("Item")
Result = TypeVar("Result")
N = TypeVar("N")
MAX_BATCH = 500
logger = logging.getLogger(__name__)


class GroupCommit(Generic[Item, Result]):
    """One writer thread: items submitted meanwhile are written together by `write` (a few
    statements for the whole burst) in one transaction. Should the burst fail, each item is
    tried alone, so one bad item fails only itself."""

    def __init__(
        self,
        store: OpsStore,
        write: Callable[[sa.Connection, list[Item]], list[Result]],
        max_batch: int = MAX_BATCH,
    ) -> None:
        self.store = store
        self.write = write
        self.max_batch = max_batch
        self.items: queue.Queue[tuple[Item, Future[Result]] | None] = queue.Queue()
        self.thread = threading.Thread(target=self._run, name="group-commit", daemon=True)
        self.thread.start()

    def submit(self, item: Item) -> Future[Result]:
        """Write `item` in the next transaction; its result (or error) once that commits."""
        future: Future[Result] = Future()
        self.items.put((item, future))
        return future

    def close(self, timeout: float = 10.0) -> None:
        """Write what is queued, then stop the thread."""
        self.items.put(None)
        self.thread.join(timeout)

    def _run(self) -> None:
        while True:
            first = self.items.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    item = self.items.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self.items.put(None)
                    break
                batch.append(item)
            self._commit(batch)

    def _commit(self, batch: list[tuple[Item, Future[Result]]]) -> None:
        try:
            with self.store.transaction() as con:
                results = self.write(con, [item for item, _ in batch])
        except Exception:
            if len(batch) == 1:
                logger.exception("a sign-up could not be stored")
                batch[0][1].set_exception(sys.exc_info()[1] or RuntimeError("not stored"))
                return
            for one in batch:  # find the bad one: each alone
                self._commit([one])
            return
        for (_, future), result in zip(batch, results, strict=True):
            future.set_result(result)


class NoticeSender(Generic[N]):
    """A thread that turns queued notices into messages and sends them in batches.

    It waits for a burst of sign-ups to pass (`quiet` seconds without a new notice, at most
    `patience` seconds) before building the emails, so building them never competes with the
    answers for the processor.
    """

    def __init__(
        self,
        send: Callable[[Sequence[N]], None],
        max_batch: int = 200,
        quiet: float = 0.2,
        patience: float = 3.0,
    ) -> None:
        self.send = send
        self.max_batch = max_batch
        self.quiet = quiet
        self.patience = patience
        self.notices: queue.Queue[N | threading.Event | None] = queue.Queue()
        self.thread = threading.Thread(target=self._run, name="notice-sender", daemon=True)
        self.thread.start()

    def put(self, notice: N) -> None:
        """Send this notice soon."""
        self.notices.put(notice)

    def close(self, timeout: float = 10.0) -> None:
        """Send what is queued, then stop the thread."""
        self.notices.put(None)
        self.thread.join(timeout)

    def drain(self, timeout: float = 10.0) -> None:
        """Wait until every notice queued so far has been handed to the transport."""
        done = threading.Event()
        self.notices.put(done)
        done.wait(timeout)

    def _run(self) -> None:
        batch: list[N] = []
        while True:
            item = self._next(batch)
            if item is _QUIET or item is None or isinstance(item, threading.Event):
                self._send(batch)
                batch = []
                if isinstance(item, threading.Event):
                    item.set()
                if item is None:
                    return
                continue
            batch.append(item)  # type: ignore[arg-type]
            if len(batch) >= self.max_batch:
                self._send(batch)
                batch = []

    def _next(self, batch: list[N]) -> object:
        """The next item; `_QUIET` once a started batch saw no new item for `quiet` seconds
        (or has waited `patience` seconds in all)."""
        if not batch:
            self._started = time.monotonic()
            return self.notices.get()
        left = self.patience - (time.monotonic() - self._started)
        try:
            return self.notices.get(timeout=max(0.0, min(self.quiet, left)))
        except queue.Empty:
            return _QUIET

    def _send(self, batch: list[N]) -> None:
        if not batch:
            return
        try:
            self.send(batch)
        except Exception:
            logger.exception("%d sign-up emails not sent", len(batch))


_QUIET = object()
