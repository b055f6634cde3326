"""Parsing payloads, inline or in worker processes: parsers are pure, so they spread freely."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from types import TracebackType

from core.models import BoardParse, RawPayload, SourceRef
from pipeline.ingest import parse_safely

# A payload to parse, and optionally the digests of its items stored unchanged (not mapped).
Job = tuple[SourceRef, RawPayload] | tuple[SourceRef, RawPayload, frozenset[str]]


def parse_one(job: Job) -> BoardParse:
    """Parse one payload; a parser that raises becomes a ParseError, never a crash."""
    source, raw, *skip = job
    return parse_safely(source, raw, skip[0] if skip else frozenset())


PARENT_CHECK_SECONDS = 0.5


def _exit_with_parent(parent: int) -> None:
    """Worker start-up: leave when the parent is gone (killed, say), instead of lingering."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


class ParsePool:
    """Parse payloads in `workers` processes (spawned: safe beside threads), or inline for 1."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._executor: Executor | None = None

    def __enter__(self) -> ParsePool:
        if self.workers > 1:
            context = multiprocessing.get_context("spawn")
            self._executor = ProcessPoolExecutor(
                self.workers,
                mp_context=context,
                initializer=_exit_with_parent,
                initargs=(os.getpid(),),
            )
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._executor is not None:
            self._executor.shutdown(cancel_futures=True)

    def parse(self, jobs: Iterable[Job]) -> Iterator[BoardParse]:
        """The parse of each job, in order."""
        if self._executor is None:
            return (parse_one(job) for job in jobs)
        return self._executor.map(parse_one, jobs)
