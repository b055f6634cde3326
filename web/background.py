"""Work the pages hand to background threads, so a burst of sign-ups stays fast:

- `GroupCommit` runs write jobs on one thread, every job waiting at that moment in one
  transaction (each in its own savepoint): one commit, and one fsync, shared by many sign-ups.
- `NoticeSender` builds and sends sign-up emails after the answer has gone, a batch per
  connection. Their links hold tokens that are stored only hashed, so the queue lives in memory:
  a process stopped before sending loses those emails (the page tells people to try again).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Any, Generic, TypeVar

import sqlalchemy as sa

from opstore.db import OpsStore

T = TypeVar("T")
N = TypeVar("N")
MAX_BATCH = 500
logger = logging.getLogger(__name__)


class GroupCommit:
    """One writer thread for the store; `submit` a job, wait on its future."""

    def __init__(self, store: OpsStore, max_batch: int = MAX_BATCH) -> None:
        self.store = store
        self.max_batch = max_batch
        self.jobs: queue.Queue[tuple[Callable[[sa.Connection], Any], Future[Any]] | None] = (
            queue.Queue()
        )
        self.thread = threading.Thread(target=self._run, name="group-commit", daemon=True)
        self.thread.start()

    def submit(self, job: Callable[[sa.Connection], T]) -> Future[T]:
        """Run `job` in the next transaction; its result (or error) once that commits."""
        future: Future[T] = Future()
        self.jobs.put((job, future))
        return future

    def close(self, timeout: float = 10.0) -> None:
        """Finish what is queued, then stop the thread."""
        self.jobs.put(None)
        self.thread.join(timeout)

    def _run(self) -> None:
        while True:
            first = self.jobs.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    item = self.jobs.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self.jobs.put(None)
                    break
                batch.append(item)
            self._commit(batch)

    def _commit(self, batch: list[tuple[Callable[[sa.Connection], Any], Future[Any]]]) -> None:
        """Every job of the batch in one transaction, each in a savepoint of its own."""
        outcomes: list[tuple[Future[Any], Any, BaseException | None]] = []
        try:
            with self.store.transaction() as con:
                for job, future in batch:
                    outcomes.append((future, *self._one(con, job)))
        except Exception as error:  # the commit itself failed: every job failed
            logger.exception("sign-up batch of %d not stored", len(batch))
            for _, future in batch:
                future.set_exception(error)
            return
        for future, result, error in outcomes:
            if error is None:
                future.set_result(result)
            else:
                future.set_exception(error)

    @staticmethod
    def _one(
        con: sa.Connection, job: Callable[[sa.Connection], Any]
    ) -> tuple[Any, Exception | None]:
        try:
            with con.begin_nested():
                return job(con), None
        except Exception as error:
            return None, error


class NoticeSender(Generic[N]):
    """A thread that turns queued notices into messages and sends them in batches."""

    def __init__(self, send: Callable[[Sequence[N]], None], max_batch: int = 50) -> None:
        self.send = send
        self.max_batch = max_batch
        self.notices: queue.Queue[N | None] = queue.Queue()
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
        """Wait until every queued notice has been handed to the transport (tests)."""
        done = threading.Event()
        self.notices.put(done)  # type: ignore[arg-type]
        done.wait(timeout)

    def _run(self) -> None:
        while True:
            batch: list[N] = []
            item = self.notices.get()
            while True:
                if item is None:
                    self._send(batch)
                    return
                if isinstance(item, threading.Event):
                    self._send(batch)
                    batch = []
                    item.set()
                else:
                    batch.append(item)
                if len(batch) >= self.max_batch:
                    break
                try:
                    item = self.notices.get_nowait()
                except queue.Empty:
                    break
            self._send(batch)

    def _send(self, batch: list[N]) -> None:
        if not batch:
            return
        try:
            self.send(batch)
        except Exception:
            logger.exception("%d sign-up emails not sent", len(batch))
