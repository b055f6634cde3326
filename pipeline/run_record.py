"""A flow run's row in `runs`, always finished: ok / partial / failed as the run says,
`cancelled` when it is stopped (SIGTERM, Ctrl-C), `failed` when it raises. Runs that a killed
process left `running` are marked `aborted` when the next run starts."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from warehouse.db import writer
from warehouse.runs import abort_orphaned_runs, finish_run, start_run
from warehouse.snapshot import publish

log = logging.getLogger(__name__)


@dataclass
class RunRecord:
    """What the run sets before it ends: its status and summary."""

    status: str = "ok"
    summary: dict[str, Any] = field(default_factory=dict)


def ending_status(error: BaseException) -> str:
    """`failed` for an error; `cancelled` for a stop (KeyboardInterrupt, a termination
    signal, SystemExit: every BaseException that is not an Exception)."""
    return "failed" if isinstance(error, Exception) else "cancelled"


@contextmanager
def recorded_run(db_path: Path, run_id: str, flow: str) -> Iterator[RunRecord]:
    """Start the run's row (aborting orphans first); finish it however the block ends."""
    now = datetime.now(UTC)
    with writer(db_path) as con:
        for orphan in abort_orphaned_runs(con, now):
            log.warning("run %s was left running by a process that is gone: aborted", orphan)
        start_run(con, run_id, flow, now)
    record = RunRecord()
    try:
        yield record
    except BaseException as error:
        status = ending_status(error)
        note = {"error": f"{error.__class__.__name__}: {error}"[:500]}
        _finish(db_path, run_id, flow, status, {**record.summary, **note})
        raise
    _finish(db_path, run_id, flow, record.status, record.summary)


def _finish(db_path: Path, run_id: str, flow: str, status: str, summary: dict[str, Any]) -> None:
    """Record the run's end, then publish the read snapshot that shows it."""
    with writer(db_path) as con:
        finish_run(con, run_id, status, summary, datetime.now(UTC))
        publish(con, db_path, run_id, f"{flow}: run finished")
