"""Runs left `running` by a process that is gone are aborted; live ones are left alone, and a
reused pid is told from the run's own process by its start time."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import UTC, datetime

from warehouse.runs import abort_orphaned_runs, process_start, start_run

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def running(db, run_id: str, pid: int | None, started: int | None, host: str) -> None:
    db.execute(
        "INSERT INTO runs (run_id, flow, started_at, status, pid, host, process_start)"
        " VALUES (?, 'ingest', ?, 'running', ?, ?, ?)",
        [run_id, NOW, pid, host, started],
    )


def test_only_runs_of_gone_processes_are_aborted(db) -> None:
    here = socket.gethostname()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    me, my_start = os.getpid(), process_start(os.getpid())
    assert my_start is not None
    start_run(db, "mine", "ingest", NOW)
    running(db, "dead", int(dead.stdout), None, here)
    running(db, "reused-pid", me, my_start - 1, here)
    running(db, "old-program", None, None, here)
    running(db, "other-host", 1, None, "another-machine")
    assert sorted(abort_orphaned_runs(db, NOW)) == ["dead", "old-program", "reused-pid"]
    statuses = dict(db.execute("SELECT run_id, status FROM runs").fetchall())
    assert statuses == {"mine": "running", "dead": "aborted", "reused-pid": "aborted",
                        "old-program": "aborted", "other-host": "running"}  # fmt: skip
    assert abort_orphaned_runs(db, NOW) == []  # idempotent
