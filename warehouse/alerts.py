"""Operator alerts: the runs and source outcomes they are judged on, and their episodes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import duckdb

from core.alerts import AlertEpisode, RunRecord, SourceRecord

RUNS_PER_FLOW = 2


def recent_runs(con: duckdb.DuckDBPyConnection) -> list[RunRecord]:
    """The latest two runs of every flow, newest first, with why a digest batch stopped."""
    rows = con.execute(
        """
        SELECT run_id, flow, started_at, status, json_extract_string(summary, '$.stopped'),
               json_extract_string(summary, '$.error')
        FROM (SELECT *, row_number() OVER (PARTITION BY flow ORDER BY started_at DESC) AS n
              FROM runs)
        WHERE n <= ?
        ORDER BY flow, started_at DESC
        """,
        [RUNS_PER_FLOW],
    ).fetchall()
    return [RunRecord(*row) for row in rows]


def source_history(con: duckdb.DuckDBPyConnection, depth: int) -> list[SourceRecord]:
    """The latest `depth` outcomes of each source that ran in the latest ingest, newest first."""
    rows = con.execute(
        """
        WITH latest AS (
            SELECT DISTINCT source FROM source_runs
            WHERE run_id = (SELECT run_id FROM source_runs ORDER BY started_at DESC LIMIT 1)
        )
        SELECT source, started_at, status, error
        FROM (SELECT *, row_number() OVER (PARTITION BY source ORDER BY started_at DESC) AS n
              FROM source_runs WHERE source IN (SELECT source FROM latest))
        WHERE n <= ?
        ORDER BY source, started_at DESC
        """,
        [depth],
    ).fetchall()
    return [SourceRecord(*row) for row in rows]


_EPISODE = (
    "alert_key, summary, detail, opened_at, resolved_at, open_notified_at, resolve_notified_at"
)


def _episodes(con: duckdb.DuckDBPyConnection, where: str) -> list[AlertEpisode]:
    rows = con.execute(
        f"SELECT {_EPISODE} FROM operator_alerts WHERE {where} ORDER BY opened_at, alert_key"  # noqa: S608  (constant clauses)
    ).fetchall()
    return [AlertEpisode(*row) for row in rows]


def open_alerts(con: duckdb.DuckDBPyConnection) -> list[AlertEpisode]:
    """Episodes not resolved yet."""
    return _episodes(con, "resolved_at IS NULL")


def unnotified(con: duckdb.DuckDBPyConnection) -> list[AlertEpisode]:
    """Openings the operator was not told of yet (still open), and resolutions of told ones."""
    return _episodes(
        con,
        "(resolved_at IS NULL AND open_notified_at IS NULL)"
        " OR (resolved_at IS NOT NULL AND open_notified_at IS NOT NULL"
        " AND resolve_notified_at IS NULL)",
    )


def open_episodes(
    con: duckdb.DuckDBPyConnection, opened: Sequence[tuple[str, str, str]], now: datetime
) -> None:
    """Record new episodes: (key, summary, detail) each."""
    for key, summary, detail in opened:
        con.execute(
            "INSERT INTO operator_alerts (alert_key, opened_at, summary, detail)"
            " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [key, now, summary, detail],
        )


def resolve_episodes(con: duckdb.DuckDBPyConnection, keys: Sequence[str], now: datetime) -> None:
    """Mark the open episodes of these keys resolved."""
    for key in keys:
        con.execute(
            "UPDATE operator_alerts SET resolved_at = ?"
            " WHERE alert_key = ? AND resolved_at IS NULL",
            [now, key],
        )


def mark_notified(
    con: duckdb.DuckDBPyConnection, episodes: Sequence[AlertEpisode], now: datetime
) -> None:
    """Record that the operator was told of these openings and resolutions."""
    for episode in episodes:
        column = "resolve_notified_at" if episode.resolved_at else "open_notified_at"
        con.execute(
            f"UPDATE operator_alerts SET {column} = ? WHERE alert_key = ? AND opened_at = ?",  # noqa: S608
            [now, episode.key, episode.opened_at],
        )
