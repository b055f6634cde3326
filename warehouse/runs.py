"""Runs of the flows and the outcome of each source in them."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from core.runs import RunStatus


@dataclass(frozen=True)
class SourceOutcome:
    """What happened to one source in one run."""

    source: str
    status: str
    started_at: datetime
    finished_at: datetime
    error: str | None = None
    url: str | None = None
    http_status: int | None = None
    payloads: int = 0
    postings: int = 0
    relevant: int = 0
    new_postings: int = 0
    parse_errors: int = 0
    unchanged_payloads: int = 0


def start_run(con: duckdb.DuckDBPyConnection, run_id: str, flow: str, now: datetime) -> None:
    """Record that a run began, and which process on which host runs it."""
    pid = os.getpid()
    con.execute(
        "INSERT INTO runs (run_id, flow, started_at, finished_at, status, summary, pid, host,"
        " process_start) VALUES (?, ?, ?, NULL, ?, NULL, ?, ?, ?) ON CONFLICT DO NOTHING",
        [run_id, flow, now, RunStatus.RUNNING, pid, socket.gethostname(), process_start(pid)],
    )


def process_start(pid: int) -> int | None:
    """When a process started (clock ticks after boot, from /proc), None when unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[-1].split()
    return int(fields[19]) if len(fields) > 19 else None  # field 22 of stat(5)


def _alive(pid: int, started: int | None) -> bool:
    """True while the process that ran the run lives (not another one that got its pid)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # someone else's process: alive
    return started is None or process_start(pid) in (None, started)


def abort_orphaned_runs(con: duckdb.DuckDBPyConnection, now: datetime) -> list[str]:
    """Mark `aborted` the runs left `running` by a process of this host that is gone (or by
    a program too old to say which); return their ids. Runs of live processes stay."""
    rows = con.execute(
        "SELECT run_id, pid, host, process_start FROM runs WHERE status = ?", [RunStatus.RUNNING]
    ).fetchall()
    here = socket.gethostname()
    orphans = [
        run_id
        for run_id, pid, host, started in rows
        if pid is None or (host == here and not _alive(int(pid), started))
    ]
    if orphans:
        note = json.dumps({"note": "its process ended without finishing the run"})
        con.execute(
            "UPDATE runs SET status = ?, finished_at = ?,"
            " summary = coalesce(summary, ?) WHERE run_id IN (SELECT unnest(?::VARCHAR[]))",
            [RunStatus.ABORTED, now, note, orphans],
        )
    return orphans


def finish_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    status: str,
    summary: Mapping[str, Any],
    now: datetime,
) -> None:
    """Record how a run ended (a RunStatus), with its summary as JSON."""
    con.execute(
        "UPDATE runs SET finished_at = ?, status = ?, summary = ? WHERE run_id = ?",
        [now, status, json.dumps(summary, default=str), run_id],
    )


def end_unfinished_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    flow: str,
    status: RunStatus,
    error: str,
    now: datetime,
) -> bool:
    """Record that a run ended without recording its end (an exception, a crash): adds the run
    if it never got as far as starting; changes nothing that already ended. True if it did."""
    con.execute(
        "INSERT INTO runs (run_id, flow, started_at, finished_at, status, summary)"
        " VALUES (?, ?, ?, NULL, ?, NULL) ON CONFLICT DO NOTHING",
        [run_id, flow, now, RunStatus.RUNNING],
    )
    changed = con.execute(
        "UPDATE runs SET finished_at = ?, status = ?, summary = json_object('error', ?)"
        " WHERE run_id = ? AND status = ? RETURNING run_id",
        [now, status, error, run_id, RunStatus.RUNNING],
    ).fetchall()
    return bool(changed)


def record_source_outcome(con: duckdb.DuckDBPyConnection, run_id: str, o: SourceOutcome) -> None:
    """Record one source's outcome in a run (replacing an earlier record of the same run)."""
    con.execute(
        "INSERT OR REPLACE INTO source_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            run_id,
            o.source,
            o.started_at,
            o.finished_at,
            o.status,
            o.error,
            o.url,
            o.http_status,
            o.payloads,
            o.postings,
            o.relevant,
            o.new_postings,
            o.parse_errors,
            o.unchanged_payloads,
        ],
    )


def last_source_runs(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[Any, ...]]:
    """Each source's latest outcome: finished_at, status, postings, new postings, error."""
    rows = con.execute(
        "SELECT source, finished_at, status, postings, new_postings, error FROM source_health"
    ).fetchall()
    return {r[0]: r[1:] for r in rows}
