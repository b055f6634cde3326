"""Migrations: applied once, recorded, and an older warehouse upgrades in place."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import sqlalchemy as sa

from core.models import SourceRef
from opstore.schema import deliveries, delivery_items, subscriptions
from opstore.subscriptions import active_subscriptions
from pipeline.reparse import reparse_all
from pipeline.stores import carry_over
from tests.helpers import ops_of
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


T0 = datetime(2026, 10, 5, 8, tzinfo=UTC)
T1 = T0 + timedelta(days=7)
ACME = SourceRef(name="ashby-acme", kind="ashby", board="acme", company="Acme Bio")
ACME_URL = "https://api.ashbyhq.com/posting-api/job-board/acme?includeCompensation=true"
LOCATIONS = [{"city": "Boston", "region": "MA", "country": "US", "hub": "Boston"}]


def ashby_body(*titles: tuple[str, str]) -> bytes:
    jobs = [
        {
            "id": job_id,
            "title": title,
            "location": "Boston, MA",
            "jobUrl": f"https://jobs.ashbyhq.com/acme/{job_id}",
            "descriptionPlain": "Oversee CROs; GCP and CTMS experience.",
        }
        for job_id, title in titles
    ]
    return json.dumps({"apiVersion": "1", "jobs": jobs}).encode()


def posting_at_001(
    source_id: str, title: str, level: str | None, raw_id: int, closed: datetime | None
) -> list[object]:
    """A postings row in migration 001's columns, as an older parser stored it."""
    return [
        ACME.name, source_id, f"https://jobs.ashbyhq.com/acme/{source_id}", title, "Acme Bio",
        "Boston, MA", LOCATIONS, "Boston", "MA", "US", "Boston", "hybrid", "text", None,
        120000.0, 150000.0, "USD", "year", 120000.0, 150000.0, 120000.0, 150000.0,
        "$120,000 - $150,000", "text", True, "clinical_trial_management", level, None, None,
        T0, "Oversee CROs; GCP and CTMS experience.", f"acme|{source_id}", raw_id, T0,
        T1 if closed is None else T0, closed,
    ]  # fmt: skip


def fill_first_migration(con: duckdb.DuckDBPyConnection) -> None:
    """Realistic rows in 001's own columns: two fetches of a board, a parse error, an open
    and a closed posting, a benchmark, a subscription with a sent digest, a run."""
    for at, body, digest in (
        (T0, ashby_body(("a1", "Clinical Trial Manager"), ("a2", "Sr. CTM")), "h0"),
        (T1, ashby_body(("a1", "Clinical Trial Manager")), "h1"),
    ):
        con.execute(
            "INSERT INTO raw_payloads (source, kind, url, fetched_at, status, content_type,"
            " content_hash, body) VALUES (?, 'ashby', ?, ?, 200, 'application/json', ?, ?)",
            [ACME.name, ACME_URL, at, digest, body],
        )
    con.execute(
        "INSERT INTO parse_errors VALUES (1, ?, 'a3', 'KeyError: title', ?)", [ACME.name, T0]
    )
    placeholders = ", ".join("?" * 36)
    for row in (
        posting_at_001("a1", "Clinical Trial Manager", None, 2, None),
        posting_at_001("a2", "Sr. CTM", "senior", 1, T1),
    ):
        con.execute(f"INSERT INTO postings VALUES ({placeholders})", row)
    con.execute(
        "INSERT INTO benchmarks (kind, key, label, currency, median, source, version) VALUES"
        " ('national', 'US', 'BLS median', 'USD', 110680, 'guide', '1'),"
        " ('level', 'manager', 'Manager median', 'USD', 130000, 'guide', '1')"
    )
    con.execute(
        "INSERT INTO subscriptions (email, cadence, keywords, levels, workplaces, locations,"
        " min_salary_usd, include_no_salary, created_at) VALUES (?, 'weekly', ?, ?, ?, ?, ?,"
        " FALSE, ?)",
        ["cta@example.org", ["clinical trial"], ["manager"], ["hybrid"], ["Boston"], 100000, T0],
    )
    con.execute(
        "INSERT INTO deliveries VALUES ('<w1@jobalerts>', 1, 'weekly', 'cta@example.org',"
        " 'Your weekly roles', 'sent', 'outbox', ?, NULL, 1, 1, ?, ?)",
        [b"Subject: Your weekly roles\r\n\r\nhi", T1, T1],
    )
    con.execute("INSERT INTO delivery_items VALUES ('<w1@jobalerts>', 1, ?, 'a1')", [ACME.name])
    con.execute("INSERT INTO runs VALUES ('r1', 'ingest', ?, ?, 'ok', NULL)", [T1, T1])
    con.execute(
        "INSERT INTO source_runs (run_id, source, started_at, finished_at, status, payloads,"
        " postings, relevant, new_postings) VALUES ('r1', ?, ?, ?, 'ok', 1, 1, 1, 0)",
        [ACME.name, T1, T1],
    )


def make_first_migration_warehouse(path: Path) -> None:
    """A warehouse file as the program of migration 001 left it, holding data."""
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
    fill_first_migration(con)
    con.close()


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def test_a_warehouse_made_by_the_first_migration_upgrades_in_place(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    make_first_migration_warehouse(path)
    upgraded = connect_writer(path)  # every migration after 001, however many there are
    versions = [v for v, _ in migration_files()]
    assert rows(upgraded, "SELECT version FROM schema_migrations ORDER BY 1") == [
        (v,) for v in versions
    ]
    assert upgraded.execute("SELECT count(*) FROM runs").fetchone() == (1,)
    assert rows(
        upgraded, "SELECT id, fetched_at, parsed_at, etag, body_encoding FROM raw_payloads"
    ) == [(1, T0, T0, None, "identity"), (2, T1, T1, None, "identity")]  # bodies as stored
    assert rows(upgraded, "SELECT raw_id, item_id FROM parse_errors") == [(1, "a3")]
    assert rows(
        upgraded,
        "SELECT source_id, title, level, salary_usd_annual_max, locations, first_seen,"
        " last_seen, closed_at, reposts, requisition_id FROM postings ORDER BY 1",
    ) == [
        ("a1", "Clinical Trial Manager", None, 150000.0, LOCATIONS, T0, T1, None, 0, None),
        ("a2", "Sr. CTM", "senior", 150000.0, LOCATIONS, T0, T0, T1, 0, None),
    ]
    assert rows(upgraded, "SELECT count(*) FROM posting_history") == [(0,)]
    assert rows(upgraded, "SELECT unchanged_payloads FROM source_runs") == [(0,)]
    assert_views_answer(upgraded)
    upgraded.close()
    # The operational rows moved to the operational store, ids and history kept.
    ops = ops_of(path)
    carry_over(path, ops)
    s, d, i = subscriptions.c, deliveries.c, delivery_items.c
    with ops.reader() as con:
        assert [tuple(r) for r in con.execute(sa.select(
            s.id, s.email, s.keywords, s.levels, s.locations, s.min_salary_usd, s.families,
            s.countries, s.companies, s.exclude_companies, s.min_salary_amount, s.no_news,
            s.updated_at, s.active))] == [
            (1, "cta@example.org", ["clinical trial"], ["manager"], ["Boston"], 100000.0, [], [],
             [], [], None, False, T0, True)
        ]  # fmt: skip
        assert [tuple(r) for r in con.execute(
            sa.select(d.status, d.attempts, d.sent_at, d.last_attempt_at, d.period, d.message)
        )] == [("sent", 1, T1, None, None, b"Subject: Your weekly roles\r\n\r\nhi")]  # fmt: skip
        assert [tuple(r) for r in con.execute(sa.select(i.subscription_id, i.source_id))] == [
            (1, "a1")
        ]
    assert [s.email for s in active_subscriptions(ops, "weekly")] == ["cta@example.org"]
    again = connect_writer(path)  # the old tables are gone from the warehouse
    assert rows(again, "SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE '%deliver%'"
                " OR table_name = 'subscriptions'") == [(0,)]  # fmt: skip
    again.close()


def assert_views_answer(con: duckdb.DuckDBPyConnection) -> None:
    """Every view runs on the upgraded data, and the main ones see the open posting."""
    views = {r[0] for r in rows(con, "SELECT view_name FROM duckdb_views() WHERE NOT internal")}
    assert {"current_postings", "postings_vs_benchmark", "market_by_week"} <= views
    for view in sorted(views):
        con.execute(f"SELECT count(*) FROM {view}").fetchone()
    [(open_id, days_open)] = rows(con, "SELECT source_id, days_open FROM current_postings")
    elapsed = (datetime.now(UTC) - T0).days
    assert open_id == "a1" and days_open in (elapsed, elapsed + 1)  # calendar days
    assert rows(con, "SELECT source_id FROM postings_vs_benchmark") == [("a1",)]
    assert rows(con, "SELECT sum(new_postings) FROM market_by_week") == [(2,)]
    assert rows(con, "SELECT listings FROM canonical_jobs ORDER BY 1") == [(1,), (1,)]
    assert ("GCP / ICH", 1) in rows(con, "SELECT skill, postings FROM skills_demand")
    assert rows(con, "SELECT source, status FROM source_health") == [(ACME.name, "ok")]


def test_an_upgraded_warehouse_reparses_its_old_payloads(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    make_first_migration_warehouse(path)
    con = connect_writer(path)
    result = reparse_all(con, {ACME.name: ACME}, now=T1 + timedelta(hours=1))
    assert rows(
        con,
        "SELECT source_id, level, raw_id, first_seen, last_seen, closed_at, reposts"
        " FROM postings ORDER BY 1",
    ) == [("a1", "manager", 2, T0, T1, None, 0), ("a2", "senior", 1, T0, T0, T1, 0)]
    assert rows(con, "SELECT count(*) FROM parse_errors") == [(0,)]  # the stale one is gone
    assert "level known on 1 more posting" in result.changes()
    assert "parse errors: 1 -> 0" in result.changes()
    con.close()


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
