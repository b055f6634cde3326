"""The jobalerts command: read-only SQL, subscriptions, clear errors and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from core.settings import get_settings
from digests.unsubscribe import make_token
from opstore.tokens import issue_token
from tests.helpers import invoke, ops_of, subscription_rows

JOBALERTS = Path(sys.executable).with_name("jobalerts")


def test_sql_prints_csv_and_json(warehouse) -> None:
    csv_out = invoke("sql", "select 1 as a, 'x' as b", "--format", "csv")
    assert csv_out.exit_code == 0 and csv_out.stdout.splitlines() == ["a,b", "1,x"]
    json_out = invoke("sql", "select 1 as a", "--format", "json")
    assert json.loads(json_out.stdout) == [{"a": 1}]


def test_sql_refuses_writes_and_other_files(warehouse, tmp_path) -> None:
    for statement in (
        "delete from postings",
        "create table t (a int)",
        f"copy (select 1) to '{tmp_path / 'x.csv'}'",
    ):
        result = invoke("sql", statement)
        assert result.exit_code == 1, statement
        assert result.stderr.startswith("error: ")
    assert not (tmp_path / "x.csv").exists()


def test_sql_reads_a_query_file(warehouse, tmp_path) -> None:
    query = tmp_path / "q.sql"
    query.write_text("select count(*) as n from postings")
    result = invoke("sql", "--file", str(query), "--format", "csv")
    assert result.stdout.splitlines() == ["n", "0"]


def test_sql_without_a_warehouse_says_so(settings_env) -> None:
    result = invoke("sql", "select 1")
    assert result.exit_code == 1 and "no warehouse" in result.stderr


def test_subscribe_validates_and_saves(warehouse) -> None:
    ok = invoke(
        "subscribe",
        "ctm@example.org",
        "--cadence",
        "weekly",
        "--level",
        "senior",
        "--workplace",
        "remote",
        "--min-salary",
        "120000",
    )
    assert ok.exit_code == 0, ok.stderr
    for bad, message in [
        (["subscribe", "not-an-email"], "invalid email"),
        (["subscribe", "a@b.org", "--level", "intern"], "unknown level intern"),
        (["subscribe", "a@b.org", "--min-salary", "-5"], "cannot be negative"),
        (["subscribe", "a@b.org", "--cadence", "hourly"], "unknown cadence"),
        (["subscribe", "a@b.org\r\nBcc: x@y.org"], "line breaks"),
    ]:
        result = invoke(*bad)
        assert result.exit_code == 1 and message in result.stderr, (bad, result.stderr)
    assert subscription_rows(warehouse, "email", "cadence", "levels", "min_salary_usd") == [
        ("ctm@example.org", "weekly", ["senior"], 120000.0)
    ]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--min-salary", "nan"], "error: min_salary must be a number, not 'nan'"),
        (["--min-salary", "inf"], "error: min_salary must be a number, not 'inf'"),
        (["--min-salary", "-inf"], "error: min_salary must be a number, not '-inf'"),
        (["--country", "ZZ"], "error: unknown country ZZ: use ISO 3166-1 alpha-2 codes"),
        (["--country", "gb", "--country", "XX"], "error: unknown country XX: use ISO 3166-1"),
    ],
)
def test_subscribe_refuses_non_numbers_and_unknown_countries(
    warehouse, options: list[str], message: str
) -> None:
    result = invoke("subscribe", "a@b.org", *options)
    assert result.exit_code == 1 and result.stderr.startswith(message), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert subscription_rows(warehouse, "id") == []


def test_subscribe_accepts_real_country_codes_in_any_case(warehouse) -> None:
    result = invoke("subscribe", "a@b.org", "--country", "gb", "--country", "XK")
    assert result.exit_code == 0, result.stderr
    assert subscription_rows(warehouse, "countries") == [(["GB", "XK"],)]


def test_unsubscribe_by_signed_token_and_tampering_refused(warehouse) -> None:
    from datetime import UTC, datetime

    invoke("subscribe", "ctm@example.org")
    secret = get_settings().unsubscribe_secret.get_secret_value()
    placeholder_signed = invoke("unsubscribe", "--token", make_token(secret, 1, "ctm@example.org"))
    assert placeholder_signed.exit_code == 1 and "invalid" in placeholder_signed.stderr
    token = issue_token(ops_of(warehouse), "unsubscribe", 1, datetime.now(UTC))
    assert token not in placeholder_signed.stderr + placeholder_signed.stdout
    tampered = invoke("unsubscribe", "--token", token[:-2] + ("AA" if token[-2:] != "AA" else "BB"))
    assert tampered.exit_code == 1 and "invalid" in tampered.stderr
    assert (
        invoke("unsubscribe", "--token", token).stdout.strip() == "unsubscribed 1 subscription(s)"
    )


def test_the_installed_command_answers_sql(warehouse) -> None:
    result = subprocess.run(
        [
            str(JOBALERTS),
            "sql",
            "select level, count(*) from postings group by 1",
            "--format",
            "csv",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "level,count_star()"


def test_stats_prints_every_section(warehouse) -> None:
    result = invoke("stats")
    assert result.exit_code == 0, result.stderr
    for title in ("Postings by source", "Open relevant postings by level", "Last runs"):
        assert title in result.stdout


def test_export_a_view_to_parquet_and_a_query_to_csv(warehouse, tmp_path) -> None:
    parquet = tmp_path / "skills.parquet"
    assert invoke("export", str(parquet), "--view", "skills_demand").exit_code == 0
    assert parquet.read_bytes()[:4] == b"PAR1"
    csv_file = tmp_path / "q.csv"
    result = invoke("export", str(csv_file), "--format", "csv", "--query", "select 2 as two")
    assert result.exit_code == 0 and csv_file.read_text().splitlines() == ["two", "2"]


def test_export_refuses_anything_but_one_select(warehouse, tmp_path) -> None:
    for query in (
        "delete from postings",
        "select 1; select 2",
        f"copy (select 1) to '{tmp_path / 'y.csv'}'",
    ):
        result = invoke("export", str(tmp_path / "x.csv"), "--format", "csv", "--query", query)
        assert result.exit_code == 1 and "exactly one SELECT" in result.stderr, query
    assert not (tmp_path / "y.csv").exists()
    unknown = invoke("export", str(tmp_path / "x.csv"), "--view", "nope; drop table postings")
    assert unknown.exit_code == 1 and "no view or table" in unknown.stderr
