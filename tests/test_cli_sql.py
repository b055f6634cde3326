"""`jobalerts sql`: several statements, argument conflicts, and what a read-only query refuses."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import invoke
from warehouse.db import connect_reader


def test_each_statement_prints_its_own_result(warehouse, tmp_path: Path) -> None:
    query = tmp_path / "two.sql"
    query.write_text("select 'first;one' as a;\nselect 2 as b, 3 as c;\n")
    result = invoke("sql", "--file", str(query))
    assert result.exit_code == 0, result.stderr
    assert "first;one" in result.stdout
    assert result.stdout.index("first;one") < result.stdout.index("b")


def test_csv_and_json_take_one_query(warehouse) -> None:
    for fmt in ("csv", "json"):
        result = invoke("sql", "select 1 as a; select 2 as b", "--format", fmt)
        assert result.exit_code == 1
        assert "takes one query" in result.stderr


def test_a_query_and_a_file_together_are_refused(warehouse, tmp_path: Path) -> None:
    query = tmp_path / "q.sql"
    query.write_text("select 1")
    result = invoke("sql", "select 2", "--file", str(query))
    assert result.exit_code == 1 and "not both" in result.stderr


def test_a_write_after_a_read_is_refused_and_changes_nothing(warehouse) -> None:
    result = invoke("sql", "select 1; drop table postings")
    assert result.exit_code == 1 and result.stderr.startswith("error: ")
    con = connect_reader(warehouse)
    try:
        assert con.execute("select count(*) from postings").fetchone() == (0,)
    finally:
        con.close()


def test_other_files_cannot_be_attached_or_read(warehouse, tmp_path: Path) -> None:
    other = tmp_path / "other.csv"
    other.write_text("secret\n42\n")
    for statement in (
        f"attach '{tmp_path / 'other.duckdb'}' as other",
        f"select * from read_csv('{other}')",
        "select * from read_text('/etc/hostname')",
    ):
        result = invoke("sql", statement)
        assert result.exit_code == 1, statement
        assert "42" not in result.stdout
    assert not (tmp_path / "other.duckdb").exists()
