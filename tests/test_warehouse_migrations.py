"""Migrations: applied once, recorded, and an older warehouse upgrades in place."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb

from warehouse.db import apply_migrations, connect_reader, connect_writer, migration_files


def test_every_migration_is_applied_once_and_recorded(tmp_path: Path) -> None:
    con = connect_writer(tmp_path / "w.duckdb")
    versions = [v for v, _ in migration_files()]
    recorded = [
        r[0] for r in con.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()
    ]
    assert recorded == versions
    assert apply_migrations(con) == []
    con.close()
    again = connect_writer(tmp_path / "w.duckdb")
    assert again.execute("SELECT count(*) FROM schema_migrations").fetchone() == (len(versions),)
    again.close()


def test_a_warehouse_made_by_the_first_migration_upgrades_in_place(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    first_version, first_file = migration_files()[0]
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied_at TIMESTAMPTZ NOT NULL)"
    )
    con.execute(first_file.read_text())
    con.execute(
        "INSERT INTO schema_migrations VALUES (?, ?, ?)",
        [first_version, first_file.name, datetime.now(UTC)],
    )
    con.execute("INSERT INTO runs VALUES ('r1', 'ingest', now(), NULL, 'ok', NULL)")
    con.close()
    upgraded = connect_writer(path)
    assert upgraded.execute("SELECT count(*) FROM runs").fetchone() == (1,)
    views = {
        r[0]
        for r in upgraded.execute(
            "SELECT view_name FROM duckdb_views() WHERE NOT internal"
        ).fetchall()
    }
    assert {"current_postings", "postings_vs_benchmark", "market_by_week"} <= views
    upgraded.close()


def test_reader_is_read_only_and_cannot_touch_other_files(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    connect_writer(path).close()
    reader = connect_reader(path)
    for statement in (
        "CREATE TABLE x (a INT)",
        "DELETE FROM postings",
        f"COPY (SELECT 1) TO '{tmp_path / 'out.csv'}'",
        f"ATTACH '{tmp_path / 'other.duckdb'}' AS other",
    ):
        try:
            reader.execute(statement)
        except duckdb.Error:
            continue
        raise AssertionError(f"read-only connection accepted: {statement}")
    assert not (tmp_path / "out.csv").exists()
    reader.close()
