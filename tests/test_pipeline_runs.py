"""Runs as a library: the summaries are dataclasses, the status rules and exit codes are one
definition each, and a run's row is finished however its block ends (real DuckDB files)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.benchmarks import load_benchmarks
from core.models import SourceRef
from core.runs import RunStatus, SourceStatus
from pipeline.run_record import (
    ending_status,
    prepare_run,
    record_unfinished_run,
    recorded_run,
)
from pipeline.run_summary import (
    EXIT_OK,
    EXIT_PARTIAL,
    IngestSummary,
    MainRunSummary,
    digest_status,
    exit_code,
)
from pipeline.sending import DigestOutcome
from warehouse.db import reader
from warehouse.runs import SourceOutcome

T0 = datetime(2026, 12, 1, 8, tzinfo=UTC)


def outcome(source: str, status: str, postings: int = 0, new: int = 0) -> SourceOutcome:
    error = None if status == "ok" else f"{source} {status}"
    return SourceOutcome(source, status, T0, T0, error, postings=postings, new_postings=new)


def run_row(db: Path, run_id: str) -> tuple[str, dict]:
    with reader(db) as con:
        row = con.execute("SELECT status, summary FROM runs WHERE run_id = ?", [run_id]).fetchone()
    assert row is not None
    return row[0], json.loads(row[1] or "{}")


def test_an_ingest_summary_names_its_sources_by_status_and_stores_the_same_json() -> None:
    summary = IngestSummary.of(
        [
            outcome("c-limited", "rate_limited"),
            outcome("a-ok", "ok", postings=5, new=2),
            outcome("d-skipped", "skipped"),
            outcome("b-failed", "failed", postings=1),
        ]
    )
    assert [o.source for o in summary.sources] == ["a-ok", "b-failed", "c-limited", "d-skipped"]
    assert (summary.failed, summary.skipped, summary.rate_limited) == (
        ["b-failed"],
        ["d-skipped"],
        ["c-limited"],
    )
    assert (summary.postings, summary.new_postings, summary.status) == (6, 2, "partial")
    stored = summary.as_dict()
    assert set(stored) == {
        "sources",
        "failed",
        "skipped",
        "rate_limited",
        "postings",
        "new_postings",
    }
    assert stored["sources"][0]["source"] == "a-ok" and stored["sources"][0]["new_postings"] == 2
    assert json.loads(json.dumps(stored, default=str))["failed"] == ["b-failed"]
    calm = IngestSummary.of(
        [outcome("a", "ok"), outcome("b", "skipped"), outcome("c", "rate_limited")]
    )
    assert calm.status is RunStatus.OK  # skipped and rate-limited sources wait their turn


@pytest.mark.parametrize(
    ("stopped", "failed", "status"),
    [(None, [], "ok"), (None, ["a@b.org: 550"], "partial"), ("554 denied", [], "failed")],
)
def test_a_digest_run_status_follows_its_outcome(
    stopped: str | None, failed: list[str], status: str
) -> None:
    outcome = DigestOutcome("daily", "outbox", failed=failed, stopped=stopped)
    assert digest_status(outcome) == status


def test_exit_codes_say_whether_everything_went_through() -> None:
    fine = IngestSummary.of([outcome("a", "ok")])
    broken = IngestSummary.of([outcome("a", "failed")])
    sent, bounced = DigestOutcome("daily", "x"), DigestOutcome("weekly", "x", failed=["a: 550"])
    assert exit_code(MainRunSummary(fine, (sent, sent)).statuses) == EXIT_OK == 0
    assert exit_code(MainRunSummary(broken, (sent,)).statuses) == EXIT_PARTIAL == 2
    assert exit_code(MainRunSummary(fine, (sent, bounced)).statuses) == EXIT_PARTIAL
    assert exit_code([RunStatus.FAILED]) == EXIT_PARTIAL


def test_the_status_values_are_the_ones_stored() -> None:
    assert [s.value for s in RunStatus] == [
        "running", "ok", "partial", "failed", "cancelled", "aborted", "error", "crashed"
    ]  # fmt: skip
    assert [s.value for s in SourceStatus] == ["ok", "skipped", "rate_limited", "failed"]
    assert ending_status(ValueError("x")) is RunStatus.FAILED
    assert ending_status(KeyboardInterrupt()) is RunStatus.CANCELLED


@pytest.fixture(scope="module")
def warehouse_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated warehouse for the run tests of this module (each uses its own run ids)."""
    db = tmp_path_factory.mktemp("runs") / "w.duckdb"
    prepare_run(db, load_benchmarks())
    return db


def test_a_recorded_run_is_finished_however_its_block_ends(warehouse_file: Path) -> None:
    db = warehouse_file
    with recorded_run(db, "r-ok", "ingest") as run:
        assert run_row(db, "r-ok")[0] == "running"
        run.end(RunStatus.PARTIAL, {"failed": ["gh-x"]})
    assert run_row(db, "r-ok") == ("partial", {"failed": ["gh-x"]})
    with pytest.raises(ValueError, match="bad"), recorded_run(db, "r-fail", "ingest") as run:
        run.end(RunStatus.OK, {"postings": 3})
        raise ValueError("bad")
    assert run_row(db, "r-fail") == ("failed", {"postings": 3, "error": "ValueError: bad"})
    with pytest.raises(KeyboardInterrupt), recorded_run(db, "r-stop", "digest-daily"):
        raise KeyboardInterrupt
    assert run_row(db, "r-stop")[0] == "cancelled"


def test_a_run_that_could_not_record_its_end_is_recorded_once(warehouse_file: Path) -> None:
    db = warehouse_file
    assert record_unfinished_run(db, "r-gone", "ingest", True, "x" * 900)
    status, summary = run_row(db, "r-gone")
    assert status == "crashed" and len(summary["error"]) == 500
    assert not record_unfinished_run(db, "r-gone", "ingest", False, "again")  # ended: kept
    with recorded_run(db, "r-done", "ingest"):
        pass
    assert not record_unfinished_run(db, "r-done", "ingest", False, "late hook")
    assert run_row(db, "r-done")[0] == "ok"
    assert record_unfinished_run(db, "r-never", "ingest", False, "raised before starting")
    assert run_row(db, "r-never")[0] == "error"


def test_preparing_a_run_stores_the_guide_and_reads_known_ids(warehouse_file: Path) -> None:
    db = warehouse_file
    source = SourceRef(name="gh-acme", kind="greenhouse", board="acme", company="Acme")
    known = prepare_run(db, load_benchmarks(), [source])
    assert known == {"gh-acme": frozenset()}
    with reader(db) as con:
        stored = con.execute("SELECT count(*) FROM benchmarks").fetchone()
    assert stored is not None and stored[0] > 0
    assert prepare_run(db, load_benchmarks()) == {}


def test_the_cli_prints_a_main_run_from_its_dataclasses(tmp_path: Path) -> None:
    from cli.summary import console, print_run_summary

    ingest = IngestSummary.of(
        [
            outcome("gh-ok", "ok", postings=7, new=3),
            outcome("gh-[bold]x[/bold]", "failed"),
            outcome("gh-slow", "rate_limited"),
        ]
    )
    daily = DigestOutcome("daily", "outbox", subscriptions=2, composed=2, sent=1, no_news=1)
    weekly = DigestOutcome("weekly", "smtp://relay:587", failed=["a@b.org: 550 [/x]"])
    with console.capture() as captured:
        print_run_summary(MainRunSummary(ingest, (daily, weekly)), tmp_path / "w.duckdb")
    text = captured.get()
    assert "1 source(s) failed: gh-[bold]x[/bold]" in text  # names are shown, never markup
    assert "FAILED: gh-[bold]x[/bold] failed" in text
    assert "1 source(s) rate-limited, deferred to the next run: gh-slow" in text
    assert "daily digests: 1 sent of 2 new (+0 retried) for 2 subscriptions via outbox" in text
    assert "1 no-news mails" in text and "failed a@b.org: 550 [/x]" in text
    assert "Digests:   outbox, smtp://relay:587" in text
