"""`jobalerts sql` and `export --query` run under one guard: read-only, no other file, a
statement timeout and a memory limit that a query cannot lift."""

from __future__ import annotations

import time

import duckdb
import pytest

from core.settings import get_settings
from tests.helpers import invoke
from warehouse.guard import QueryLimits, QueryTimeoutError, deadline, lock_down
from warehouse.guard import without_final_semicolon as trimmed


@pytest.mark.parametrize(
    "statement",
    [
        "SET memory_limit = '100GB'",
        "SET threads = 64",
        "RESET memory_limit",
        "PRAGMA memory_limit = '100GB'",
        "SET enable_external_access = true",
        "SET lock_configuration = false",
        "select * from read_text('/etc/passwd')",
        "select * from glob('/root/*')",
        "ATTACH '/tmp/other.duckdb'",
    ],
)
def test_sql_refuses_lifting_the_limits_and_reading_other_files(warehouse, statement) -> None:
    result = invoke("sql", statement)
    assert result.exit_code == 1, result.stdout
    assert result.stderr.startswith("error: ")


def test_sql_runs_under_the_configured_memory_limit_and_threads(warehouse, monkeypatch) -> None:
    monkeypatch.setenv("JOBALERTS_SQL_MEMORY_LIMIT", "300MB")
    monkeypatch.setenv("JOBALERTS_SQL_THREADS", "1")
    get_settings.cache_clear()
    result = invoke("sql", "select current_setting('memory_limit'), current_setting('threads')",
                    "--format", "csv")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    limit, threads = result.stdout.splitlines()[1].split(",")
    assert limit.startswith("286") and threads == "1"  # 300 MB = 286.1 MiB


def test_an_endless_query_stops_at_the_timeout(warehouse, monkeypatch) -> None:
    monkeypatch.setenv("JOBALERTS_SQL_TIMEOUT_SECONDS", "1")
    get_settings.cache_clear()
    result = invoke("sql", "select count(*) from range(100000000000000)")
    assert result.exit_code == 1
    assert "stopped after 1 s" in result.stderr and "JOBALERTS_SQL_TIMEOUT_SECONDS" in result.stderr


def test_the_deadline_leaves_quick_queries_alone_and_names_the_timeout() -> None:
    con = duckdb.connect()
    with deadline(con, 5):
        assert con.execute("select 42").fetchone() == (42,)
    with pytest.raises(QueryTimeoutError), deadline(con, 0.3):
        con.execute("select count(*) from range(100000000000000)").fetchall()
    started = time.monotonic()
    time.sleep(0.4)  # a cancelled timer never interrupts a later query
    assert con.execute("select 1").fetchone() == (1,) and time.monotonic() - started < 5


def test_lock_down_checks_the_memory_limit_it_is_given() -> None:
    with pytest.raises(ValueError, match="memory limit"):
        lock_down(duckdb.connect(), QueryLimits(memory_limit="1GB'; SET threads=99; --"))


@pytest.mark.parametrize(
    "query",
    [
        "select * from read_text('/etc/passwd')",
        "select * from glob('/root/*')",
        "select * from read_csv('/etc/hosts')",
    ],
)
def test_export_query_runs_under_the_same_guard(warehouse, tmp_path, query) -> None:
    out = tmp_path / "x.csv"
    result = invoke("export", str(out), "--format", "csv", "--query", query)
    assert result.exit_code == 1 and result.stderr.startswith("error: "), result.stdout
    assert not out.exists() or "root:" not in out.read_text()


def test_export_query_ending_in_a_comment_or_semicolon_works(warehouse, tmp_path) -> None:
    for number, query in enumerate(
        ["select 2 as two -- the answer", "select 2 as two; -- done", "select 2 as two /* c */;"]
    ):
        out = tmp_path / f"q{number}.csv"
        result = invoke("export", str(out), "--format", "csv", "--query", query)
        assert result.exit_code == 0, result.stderr
        assert out.read_text().splitlines() == ["two", "2"]


def test_trimming_keeps_semicolons_inside_strings() -> None:
    assert trimmed("select ';' as a; -- x") == "select ';' as a"
    assert trimmed("select 1 -- c") == "select 1 -- c"


def test_sql_prints_at_most_the_row_cap_and_says_so(warehouse, monkeypatch) -> None:
    monkeypatch.setenv("JOBALERTS_SQL_MAX_ROWS", "5")
    get_settings.cache_clear()
    result = invoke("sql", "select * from range(20000000)", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == ["range", "0", "1", "2", "3", "4"]
    assert "first 5 rows" in result.stderr
