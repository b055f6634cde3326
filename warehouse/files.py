"""Where an open warehouse connection's database lives."""

from __future__ import annotations

from pathlib import Path

import duckdb


def database_path(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The file of the connection's current database; None for an in-memory one."""
    row = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()
    return Path(row[0]) if row and row[0] else None
