"""Read snapshots: what a snapshot holds, the atomic swap, publishing on first need, the
throttle, and the one transaction helper."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from core.errors import WarehouseBusyError
from core.settings import Settings
from pipeline.ingest import fetch_options, fetch_source, make_session, store_and_parse
from sources.registry import load_sources
from tests.conftest import SAMPLE
from tests.helpers import hold_writer
from warehouse import snapshot
from warehouse.db import connect_writer, transaction, writer
from warehouse.snapshot import (
    connect_snapshot,
    ensure_snapshot,
    publish,
    publish_if_due,
    read_info,
    snapshot_path,
    snapshot_reader,
)

REPO = Path(__file__).resolve().parents[1]
COUNT_IN_A_NEW_PROCESS = (
    "import sys; from pathlib import Path; from warehouse.snapshot import connect_snapshot;"
    "con = connect_snapshot(Path(sys.argv[1]));"
    "print(con.execute('select count(*) from postings').fetchone()[0])"
)


@pytest.fixture
def wh(tmp_path: Path) -> Iterator[tuple[duckdb.DuckDBPyConnection, Path]]:
    """A warehouse holding the first three sample boards, and its path."""
    path = tmp_path / "w.duckdb"
    con = connect_writer(path)
    settings = Settings(replay_dir=SAMPLE)
    with make_session(settings) as session:
        for source in load_sources(SAMPLE / "sources.yaml")[:3]:
            store_and_parse(con, fetch_source(session, source, fetch_options(settings)))
    yield con, path
    con.close()


def count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row else -1


def views_and_tables(con: duckdb.DuckDBPyConnection) -> tuple[set[str], set[str]]:
    sql = "select view_name from duckdb_views() where not internal"
    views = {r[0] for r in con.execute(sql).fetchall()}
    sql = "select table_name from duckdb_tables() where not temporary"
    tables = {r[0] for r in con.execute(sql).fetchall()}
    return views, tables


def test_a_snapshot_holds_the_tables_and_views_without_raw_payloads(wh) -> None:
    con, path = wh
    info = publish(con, path, "run-1", "ingest: run finished")
    warehouse_views, warehouse_tables = views_and_tables(con)
    with closing_snapshot(path) as snap:
        views, tables = views_and_tables(snap)
        assert views == warehouse_views and len(views) >= 9
        assert tables == (warehouse_tables - {"raw_payloads"}) | {"snapshot_info"}
        for name in ("postings", "current_postings", "postings_vs_benchmark", "source_health"):
            assert count(snap, f"select count(*) from {name}") == count(
                con, f"select count(*) from {name}"
            )
        assert count(snap, "select count(*) from postings") > 0
        stamped = read_info(snap)
    assert (stamped.run_id, stamped.step) == ("run-1", "ingest: run finished")
    assert stamped.published_at == info.published_at
    assert stamped.schema_version == snapshot.latest_schema_version()
    assert not list(path.parent.glob(".*.tmp*"))  # no temporary file left behind


def closing_snapshot(path: Path):
    from contextlib import closing

    return closing(connect_snapshot(snapshot_path(path)))


def test_a_reader_of_the_old_snapshot_keeps_it_and_new_readers_get_the_new_one(wh) -> None:
    con, path = wh
    publish(con, path, "run-1", "first")
    old = connect_snapshot(snapshot_path(path))
    before = count(old, "select count(*) from postings")
    con.execute("delete from postings where source = (select min(source) from postings)")
    publish(con, path, "run-2", "second")  # the reader holds the old file: no lock, no wait
    assert count(old, "select count(*) from postings") == before
    assert read_info(old).run_id == "run-1"
    fresh = subprocess.run(
        [sys.executable, "-c", COUNT_IN_A_NEW_PROCESS, str(snapshot_path(path))],
        cwd=REPO, capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    assert int(fresh.stdout) < before
    old.close()


def test_a_reader_of_the_snapshot_never_blocks_the_writer(wh) -> None:
    con, path = wh
    publish(con, path, "run-1", "first")
    con.close()
    reader = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from pathlib import Path; from warehouse.snapshot import "
         "connect_snapshot; con = connect_snapshot(Path(sys.argv[1])); print('reading', "
         "flush=True); time.sleep(60)", str(snapshot_path(path))],
        cwd=REPO, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert reader.stdout is not None and reader.stdout.readline().strip() == "reading"
        with writer(path, wait_seconds=0) as again:  # at once, while the reader holds on
            again.execute("delete from postings")
            publish(again, path, "run-2", "second")
    finally:
        reader.kill()
        reader.wait(timeout=30)
    with closing_snapshot(path) as snap:
        assert count(snap, "select count(*) from postings") == 0


def test_documented_queries_run_on_the_snapshot(wh) -> None:
    con, path = wh
    publish(con, path, "run-1", "first")
    docs = (REPO / "docs" / "warehouse.md").read_text() + (REPO / "README.md").read_text()
    queries = re.findall(r"```sql\n(.*?)```", docs, flags=re.S)
    assert len(queries) >= 8
    with closing_snapshot(path) as snap:
        for sql in queries:
            snap.execute(sql).fetchall()


def test_the_first_read_publishes_a_snapshot_when_none_exists(wh) -> None:
    con, path = wh
    con.close()
    assert not snapshot_path(path).exists()
    with snapshot_reader(path) as snap:
        assert count(snap, "select count(*) from postings") > 0
        assert "first read" in read_info(snap).step


def test_without_a_snapshot_a_busy_writer_gives_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    connect_writer(path).close()
    holder = hold_writer(path, 30)
    try:
        with pytest.raises(WarehouseBusyError, match="no read snapshot yet"):
            ensure_snapshot(path, wait_seconds=0.3)
    finally:
        holder.kill()
        holder.wait(timeout=30)


def test_a_snapshot_from_an_older_schema_is_replaced_on_first_need(wh, monkeypatch) -> None:
    con, path = wh
    publish(con, path, "old", "before an upgrade")
    con.close()
    newer = snapshot.latest_schema_version() + 1
    monkeypatch.setattr(snapshot, "latest_schema_version", lambda: newer)
    with connect_writer(path) as upgraded:  # the upgrade: a migration the snapshot lacks
        upgraded.execute("INSERT INTO schema_migrations VALUES (?, 'x.sql', now())", [newer])
    with snapshot_reader(path) as snap:
        assert read_info(snap).schema_version == newer
    # a flow holding the writer: the older snapshot is read as it is, nobody waits long
    monkeypatch.setattr(snapshot, "latest_schema_version", lambda: newer + 1)
    holder = hold_writer(path, 30)
    try:
        with snapshot_reader(path, wait_seconds=0.3) as snap:
            assert read_info(snap).schema_version == newer
    finally:
        holder.kill()
        holder.wait(timeout=30)


def test_intermediate_publishes_stay_under_a_tenth_of_the_time(wh, monkeypatch) -> None:
    con, path = wh
    first = publish_if_due(con, path, "run", "stored a")
    assert first is not None
    assert publish_if_due(con, path, "run", "stored b") is None  # right after: not due
    monkeypatch.setattr(snapshot, "DUTY_FACTOR", 0.0)
    assert publish_if_due(con, path, "run", "stored c") is not None


def test_transaction_commits_or_rolls_back_even_on_keyboard_interrupt(db) -> None:
    db.execute("create table t (x int)")
    with transaction(db):
        db.execute("insert into t values (1)")
    for error in (ValueError("bad"), KeyboardInterrupt()):
        with pytest.raises(type(error)), transaction(db):
            db.execute("insert into t values (2)")
            raise error
    assert db.execute("select list(x) from t").fetchone() == ([1],)
    with transaction(db):  # no transaction left open by the failures
        db.execute("insert into t values (3)")
    assert count(db, "select count(*) from t") == 2


def test_publishing_is_stamped_with_the_time(wh) -> None:
    con, path = wh
    before = datetime.now(UTC)
    info = publish(con, path, "r", "s")
    assert before <= info.published_at <= datetime.now(UTC)
    assert info.seconds > 0
    assert "s ago" in info.describe() and "after s (run r)" in info.describe()


def test_a_publisher_that_died_leaves_nothing_behind_after_the_next(wh) -> None:
    con, path = wh
    leftover = path.parent / f".{snapshot_path(path).name}.99999.tmp"
    leftover.write_bytes(b"half a copy")
    publish(con, path, "r", "s")
    assert not leftover.exists()


def test_an_intermediate_publish_that_fails_lets_the_run_go_on(wh, caplog) -> None:
    con, path = wh
    blocker = snapshot_path(path)
    blocker.mkdir()
    (blocker / "x").write_text("a folder where the snapshot goes: os.replace fails")
    assert publish_if_due(con, path, "r", "stored a") is None
    assert "could not publish the read snapshot" in caplog.text
    with pytest.raises(OSError):
        publish(con, path, "r", "run finished")  # the end of a run says so
    assert not list(path.parent.glob(".*.tmp*"))


def test_stats_and_sql_say_how_old_the_snapshot_is(settings_env) -> None:
    from typer.testing import CliRunner

    from cli.main import app
    from core.settings import get_settings

    path = get_settings().db_path
    with writer(path) as con:
        publish(con, path, "run-7", "ingest: run finished")
    runner = CliRunner()
    stats = runner.invoke(app, ["stats"])
    assert stats.exit_code == 0, stats.stderr
    first = stats.stdout.splitlines()[0]
    assert re.fullmatch(
        r"read snapshot published \d+ s ago \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\),"
        r" after ingest: run finished \(run run-7\)",
        first,
    ), first
    sql = runner.invoke(app, ["sql", "select 1 as a", "--format", "csv"])
    assert sql.stdout.splitlines() == ["a", "1"]  # the age stays off stdout
    assert "read snapshot published" in sql.stderr and "(run run-7)" in sql.stderr


def test_a_publish_beside_an_open_transaction_never_copies_it(wh) -> None:
    con, path = wh
    committed = count(con, "select count(*) from postings")
    con.execute("delete from parse_errors")  # committed, still in the WAL
    other = con.cursor()
    other.execute("BEGIN TRANSACTION")
    other.execute("delete from postings")
    try:
        published = publish(con, path, "r", "during")  # or refused: the WAL is not empty
    except (duckdb.Error, RuntimeError):
        published = None
    finally:
        other.execute("ROLLBACK")
    if published is not None:
        with closing_snapshot(path) as snap:
            assert count(snap, "select count(*) from postings") == committed


def test_readers_may_add_duckdb_settings_but_never_file_access(wh) -> None:
    con, path = wh
    publish(con, path, "r", "s")
    with snapshot_reader(path, config={"memory_limit": "256MB"}) as snap:
        assert snap.execute("select current_setting('memory_limit')").fetchone() == ("244.1 MiB",)
        with pytest.raises(duckdb.Error):
            snap.execute(f"copy (select 1) to '{path.parent / 'x.csv'}'")


def test_reparse_publishes_what_it_rebuilt(wh, settings_env) -> None:
    from typer.testing import CliRunner

    from cli.main import app

    con, path = wh
    con.close()
    result = CliRunner().invoke(app, ["reparse", "--db", str(path)])
    assert result.exit_code == 0, result.stderr
    with closing_snapshot(path) as snap:
        assert (read_info(snap).run_id, read_info(snap).step) == ("cli", "reparse")
        assert count(snap, "select count(*) from postings") > 0
