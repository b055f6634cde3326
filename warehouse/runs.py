"""Runs of the flows and the outcome of each source in them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb


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
    """Record that a run began."""
    con.execute(
        "INSERT INTO runs VALUES (?, ?, ?, NULL, 'running', NULL) ON CONFLICT DO NOTHING",
        [run_id, flow, now],
    )


def finish_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    status: str,
    summary: dict[str, Any],
    now: datetime,
) -> None:
    """Record how a run ended, with its summary as JSON."""
    con.execute(
        "UPDATE runs SET finished_at = ?, status = ?, summary = ? WHERE run_id = ?",
        [now, status, json.dumps(summary, default=str), run_id],
    )


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
