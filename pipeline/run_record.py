"""A flow run's row in `runs`, always finished: ok / partial / failed as the run says,
`cancelled` when it is stopped (SIGTERM, Ctrl-C), `failed` when it raises. Runs that a killed
process left `running` are marked `aborted` when the next run starts; a run that could not
record its end itself is recorded `error` or `crashed` by the flows' failure hooks."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.benchmarks import Benchmarks
from core.models import SourceRef
from core.runs import RunStatus
from warehouse.benchmarks import store_benchmarks
from warehouse.db import writer
from warehouse.postings import known_ids
from warehouse.runs import abort_orphaned_runs, end_unfinished_run, finish_run, start_run
from warehouse.snapshot import publish

log = logging.getLogger(__name__)
ERROR_CHARS = 500


@dataclass
class RunEnding:
    """How the run in progress is recorded when its block ends: set by `end()`."""

    run_id: str
    flow: str
    status: RunStatus = RunStatus.OK
    summary: Mapping[str, Any] = field(default_factory=dict)

    def end(self, status: RunStatus, summary: Mapping[str, Any]) -> None:
        """Set the run's status and its JSON summary."""
        self.status = status
        self.summary = summary


def ending_status(error: BaseException) -> RunStatus:
    """`failed` for an error; `cancelled` for a stop (KeyboardInterrupt, a termination
    signal, SystemExit: every BaseException that is not an Exception)."""
    return RunStatus.FAILED if isinstance(error, Exception) else RunStatus.CANCELLED


def unfinished_status(crashed: bool) -> RunStatus:
    """What a failure hook records for a run that did not record its end."""
    return RunStatus.CRASHED if crashed else RunStatus.ERROR


@contextmanager
def recorded_run(db_path: Path, run_id: str, flow: str) -> Iterator[RunEnding]:
    """Start the run's row (aborting orphans first); finish it however the block ends."""
    start_recorded_run(db_path, run_id, flow)
    ending = RunEnding(run_id, flow)
    try:
        yield ending
    except BaseException as error:
        note = {"error": f"{error.__class__.__name__}: {error}"[:ERROR_CHARS]}
        finish_recorded_run(db_path, ending, ending_status(error), {**ending.summary, **note})
        raise
    finish_recorded_run(db_path, ending, ending.status, ending.summary)


def start_recorded_run(db_path: Path, run_id: str, flow: str) -> list[str]:
    """Mark `aborted` the runs whose process is gone, then record this run as running;
    return the ids of the runs aborted."""
    now = datetime.now(UTC)
    with writer(db_path) as con:
        orphans = abort_orphaned_runs(con, now)
        start_run(con, run_id, flow, now)
    for orphan in orphans:
        log.warning("run %s was left running by a process that is gone: aborted", orphan)
    return orphans


def finish_recorded_run(
    db_path: Path, run: RunEnding, status: RunStatus, summary: Mapping[str, Any]
) -> None:
    """Record the run's end, then publish the read snapshot that shows it."""
    with writer(db_path) as con:
        finish_run(con, run.run_id, status, summary, datetime.now(UTC))
        publish(con, db_path, run.run_id, f"{run.flow}: run finished")


def record_unfinished_run(
    db_path: Path, run_id: str, flow: str, crashed: bool, reason: str
) -> bool:
    """Record `error` (or `crashed`) for a run that ended without recording its end; True
    if that changed the run (a run that had ended stays as it was)."""
    status = unfinished_status(crashed)
    with writer(db_path) as con:
        return end_unfinished_run(
            con, run_id, flow, status, reason[:ERROR_CHARS], datetime.now(UTC)
        )


def prepare_run(
    db_path: Path, benchmarks: Benchmarks, sources: Sequence[SourceRef] = ()
) -> dict[str, frozenset[str]]:
    """Store the guide's figures (the views compare with them from the start) and return the
    posting ids already stored for each source, in one writer session."""
    with writer(db_path) as con:
        store_benchmarks(con, benchmarks)
        return {s.name: known_ids(con, s.name) for s in sources}
