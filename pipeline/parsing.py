"""Parsing payloads, inline or in worker processes: parsers are pure, so they spread freely."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from multiprocessing import forkserver
from pathlib import Path
from types import TracebackType

from core.models import BoardParse, RawPayload, SourceRef
from pipeline.ingest import parse_safely

# A payload to parse, and optionally the digests of its items stored unchanged (not mapped).
Job = tuple[SourceRef, RawPayload] | tuple[SourceRef, RawPayload, frozenset[str]]


def parse_one(job: Job) -> BoardParse:
    """Parse one payload; a parser that raises becomes a ParseError, never a crash."""
    source, raw, *skip = job
    return parse_safely(source, raw, skip[0] if skip else frozenset())


OWNER_CHECK_SECONDS = 0.5
WARM_UP = "pipeline.parse_warmup"


def _exit_with_owner(owner: int) -> None:
    """Worker start-up: leave when the pool's owner is gone (killed, say), instead of
    lingering. Its parent is the fork server, which in turn waits for its workers to go."""

    def watch() -> None:
        while _alive(owner):
            time.sleep(OWNER_CHECK_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-owner", daemon=True).start()


def _alive(pid: int) -> bool:
    """True while the process runs (a zombie, dead but not yet reaped, is gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")


class ParsePool:
    """Parse payloads in `workers` processes, or inline for 1. Workers fork from a fork server
    (safe beside threads) that loaded the parsers and their data once (`WARM_UP`)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._executor: Executor | None = None

    def __enter__(self) -> ParsePool:
        if self.workers > 1:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload([WARM_UP])
            forkserver.ensure_running()  # it loads the parsers while this process goes on
            self._executor = ProcessPoolExecutor(
                self.workers,
                mp_context=context,
                initializer=_exit_with_owner,
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
