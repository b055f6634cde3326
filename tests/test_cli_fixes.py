"""The CLI fixes of issue 15: each surprise a new user met, and what the command does now."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

from core.settings import get_settings
from tests.helpers import invoke, ops_of, ops_rows
from warehouse.db import writer
from warehouse.runs import finish_run, start_run

REPO = Path(__file__).resolve().parents[1]
GH = "https://boards-api.greenhouse.io/v1/boards/{}/jobs?content=true&pay_transparency=true"


def test_digest_refuses_an_unknown_cadence_before_prefect_starts(tmp_path) -> None:
    env = {"JOBALERTS_DB_PATH": str(tmp_path / "w.duckdb"), "PATH": "/usr/bin:/bin",
           "PREFECT_HOME": str(tmp_path / "ph")}  # fmt: skip
    result = subprocess.run([sys.executable, "-m", "cli.main", "digest", "--cadence", "hourly"],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
                            check=False)  # fmt: skip
    assert result.returncode == 1
    assert result.stderr == "error: unknown cadence 'hourly': choose daily or weekly\n"
    assert not (tmp_path / "ph").exists()  # Prefect never started


def test_unsubscribe_refuses_unknown_cadences_and_names_unknown_addresses(warehouse) -> None:
    assert invoke("subscribe", "a@example.org").exit_code == 0
    unknown_cadence = invoke("unsubscribe", "a@example.org", "--cadence", "fortnightly")
    assert unknown_cadence.exit_code == 1 and "unknown cadence 'fortnightly'" in (
        unknown_cadence.stderr
    )
    stranger = invoke("unsubscribe", "nobody@example.org")
    assert stranger.exit_code == 1
    assert stranger.stderr == "error: no active subscription for nobody@example.org\n"
    assert invoke("unsubscribe", "a@example.org", "--cadence", "weekly").exit_code == 1
    done = invoke("unsubscribe", "a@example.org", "--cadence", "daily")
    assert done.exit_code == 0 and "unsubscribed 1" in done.stdout


def test_min_salary_accepts_120k(warehouse) -> None:
    result = invoke("subscribe", "k@example.org", "--min-salary", "120k")
    assert result.exit_code == 0, result.stderr
    assert ops_rows(ops_of(warehouse), "SELECT min_salary_usd FROM subscriptions") == [(120000.0,)]
    bad = invoke("subscribe", "k@example.org", "--min-salary", "lots")
    assert bad.exit_code == 1 and len(bad.stderr.splitlines()) == 1 and "120k" in bad.stderr


def test_subscribing_again_says_updated_and_what_changed(warehouse) -> None:
    assert invoke("subscribe", "u@example.org", "--level", "senior").exit_code == 0
    again = invoke("subscribe", "u@example.org", "--level", "director", "--salary-required")
    assert again.exit_code == 0
    assert again.stdout.startswith("updated u@example.org (daily)")
    assert "levels [senior] -> [director]" in again.stdout
    assert "include_no_salary True -> False" in again.stdout
    same = invoke("subscribe", "u@example.org", "--level", "director", "--salary-required")
    assert "nothing changed" in same.stdout


def test_salary_required_is_named_for_what_it_does_and_the_old_name_still_works(
    warehouse,
) -> None:
    assert invoke("subscribe", "s@example.org", "--salary-required").exit_code == 0
    assert invoke("subscribe", "o@example.org", "--no-no-salary").exit_code == 0
    assert "--no-salary" not in invoke("subscribe", "--help").stdout
    rows = ops_rows(
        ops_of(warehouse), "SELECT email, include_no_salary FROM subscriptions ORDER BY 1"
    )
    assert rows == [("o@example.org", False), ("s@example.org", False)]


def test_export_takes_the_format_from_the_extension_and_refuses_a_mismatch(
    warehouse, tmp_path
) -> None:
    csv_file = tmp_path / "x.csv"
    assert invoke("export", str(csv_file), "--view", "current_postings").exit_code == 0
    assert csv_file.read_text().startswith("source,")
    parquet = tmp_path / "x.parquet"
    assert invoke("export", str(parquet), "--query", "select 1 as a").exit_code == 0
    assert parquet.read_bytes()[:4] == b"PAR1"
    mismatch = invoke("export", str(tmp_path / "y.csv"), "--format", "parquet", "--view", "runs")
    assert mismatch.exit_code == 1 and "does not match" in mismatch.stderr
    unknown = invoke("export", str(tmp_path / "y.dat"), "--view", "runs")
    assert unknown.exit_code == 1 and "give --format" in unknown.stderr


def test_stats_formats_numbers_and_shows_each_flows_last_runs(warehouse) -> None:
    from datetime import UTC, datetime, timedelta

    start = datetime(2026, 11, 1, tzinfo=UTC)
    with writer(warehouse) as con:
        start_run(con, "ingest-1", "ingest", start)
        finish_run(con, "ingest-1", "ok", {}, start)
        for n in range(6):
            at = start + timedelta(hours=n + 1)
            start_run(con, f"digest-{n}", "digest-daily", at)
            finish_run(con, f"digest-{n}", "ok", {}, at)
    result = invoke("stats")
    assert result.exit_code == 0, result.stderr
    assert "ingest" in result.stdout.split("Last runs")[1]  # not pushed out by digests
    from cli.output import shown

    assert shown(70876.25) == "70,876" and shown(12.5) == "12.5" and shown(123456) == "123,456"


def test_subscriptions_never_cut_an_address(warehouse) -> None:
    address = "a.very.long.address.of.a.clinical.operations.director@example-research.org"
    assert invoke("subscribe", address, "--keyword", "clinical trial manager").exit_code == 0
    result = invoke("subscriptions")
    assert result.exit_code == 0
    assert "…" not in result.stdout
    flat = "".join(line.strip("│ ") for line in result.stdout.splitlines())
    assert address.replace(".", "") in flat.replace(".", "").replace("│", "").replace(" ", "")


def duplicated_board(sample: Path) -> Path:
    """A Greenhouse board that lists one posting twice (as a Director listed twice was)."""
    doc = json.loads((sample / "greenhouse" / "northwindbio.json").read_text())
    doc["jobs"] = doc["jobs"][:3] + doc["jobs"][:1]
    (sample / "dup.json").write_text(json.dumps(doc))
    responses = yaml.safe_load((sample / "responses.yaml").read_text())
    responses.append({"url": GH.format("dupco"), "file": "dup.json", "status": 200,
                      "content_type": "application/json"})  # fmt: skip
    (sample / "responses.yaml").write_text(yaml.safe_dump(responses))
    path = sample / "dup-sources.yaml"
    board = {"name": "gh-dup", "kind": "greenhouse", "board": "dupco", "company": "Dup"}
    path.write_text(yaml.safe_dump({"version": 1, "sources": [board]}))
    return path


def test_sources_file_applies_to_check_and_check_counts_what_ingest_stores(
    warehouse, sample_copy
) -> None:
    sources = duplicated_board(sample_copy)
    result = invoke("sources", "--file", str(sources), "check", "gh-dup", "--replay",
                    str(sample_copy))  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "1 payloads, 3 postings" in result.stdout


def test_sources_lists_the_warehouses_own_boards_and_names_the_file(warehouse) -> None:
    from datetime import UTC, datetime

    from warehouse.runs import SourceOutcome, record_source_outcome

    now = datetime.now(UTC)
    with writer(warehouse) as con:
        outcome = SourceOutcome("ashby-sample-only", "ok", now, now, postings=4, new_postings=4)
        record_source_outcome(con, "r1", outcome)
    result = invoke("sources")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"boards of {get_settings().sources_file}")
    assert "ashby-sample-only" in result.stdout and "not in file" in result.stdout


def test_the_readme_first_query_is_the_one_make_run_prints() -> None:
    from cli.summary import TRY_QUERY

    readme = (REPO / "README.md").read_text()
    first = readme.split("```bash\n.venv/bin/jobalerts sql ", 1)[1].split("\n", 1)[0]
    assert first == f'"{TRY_QUERY}"'
    assert "from current_postings" in TRY_QUERY  # open, relevant postings only
