"""Re-parse rebuilds postings from raw payloads, offline, and says what changed."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import parsers.boards.ashby as ashby_parser
from core.models import RawPayload, SourceRef, TitleInfo
from core.settings import Settings
from parsers.title import parse_title
from pipeline.ingest import (
    FetchResult,
    fetch_options,
    fetch_source,
    make_session,
    store_and_parse,
)
from pipeline.reparse import ReparseResult, reparse_all
from sources.registry import load_sources
from tests.conftest import SAMPLE

T0 = datetime(2026, 11, 2, 9, tzinfo=UTC)
T1 = T0 + timedelta(days=1)
ACME = SourceRef(name="ashby-acme", kind="ashby", board="acme", company="Acme Bio")
ACME_URL = "https://api.ashbyhq.com/posting-api/job-board/acme?includeCompensation=true"


def ingest_sample(db) -> None:
    settings = Settings(replay_dir=SAMPLE)
    with make_session(settings) as session:
        for source in load_sources(SAMPLE / "sources.yaml"):
            store_and_parse(db, fetch_source(session, source, fetch_options(settings)))


def test_reparse_restores_fields_and_reports_the_gain(db) -> None:
    ingest_sample(db)
    before = db.execute(
        "SELECT count(salary_usd_annual_min), max(last_seen), count(*) FROM postings"
    ).fetchone()
    lost = db.execute(
        "SELECT count(salary_usd_annual_min) FROM postings WHERE source = 'greenhouse-northwindbio'"
    ).fetchone()[0]
    db.execute(  # as an older parser would have left them
        "UPDATE postings SET salary_min = NULL, salary_max = NULL, salary_usd_annual_min = NULL,"
        " salary_usd_annual_max = NULL, level = NULL WHERE source = 'greenhouse-northwindbio'"
    )
    result = reparse_all(db, {})
    after = db.execute(
        "SELECT count(salary_usd_annual_min), max(last_seen), count(*) FROM postings"
    ).fetchone()
    assert after == before  # restored, and last_seen untouched by a re-parse
    assert lost > 0
    assert f"salary filled on {lost} more postings" in result.changes()
    assert any(line.startswith("level known on") for line in result.changes())
    assert result.payloads == 9 and result.parse_errors == 0  # 8 boards, 1 Greenhouse detail
    history = db.execute("SELECT DISTINCT cause FROM posting_history").fetchall()
    assert history == [("reparse",)]


def ashby_job(job_id: str, title: str | None) -> dict[str, Any]:
    job: dict[str, Any] = {
        "id": job_id,
        "location": "Boston, MA",
        "jobUrl": f"https://jobs.ashbyhq.com/acme/{job_id}",
        "descriptionPlain": "Lead global studies.",
    }
    return job if title is None else {**job, "title": title}


def acme_payload(at: datetime, *jobs: dict[str, Any]) -> RawPayload:
    body = json.dumps({"apiVersion": "1", "jobs": list(jobs)}).encode()
    return RawPayload(ACME.name, "ashby", ACME_URL, at, 200, "application/json", body)


def old_parse_title(title: str) -> TitleInfo:
    """An older title parser: no levels, and directors unreadable."""
    if "Director" in title:
        raise ValueError("old parser cannot read this title")
    return replace(parse_title(title), level=None)


def lenient_require_str(item: dict[str, Any], key: str) -> str:
    """An older, lenient field reader: a missing title was stored empty."""
    return str(item.get(key) or "")


def ingest_with_old_parser(db, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Two fetches of one board by an older parser; return the payload ids, oldest first.

    T0 lists A, B and a director E (the old parser fails on E); T1 lists A and F (no title).
    B is closed at T1 and E was never stored.
    """
    monkeypatch.setattr(ashby_parser, "parse_title", old_parse_title)
    monkeypatch.setattr(ashby_parser, "require_str", lenient_require_str)
    first = acme_payload(
        T0,
        ashby_job("A", "Senior Clinical Research Associate"),
        ashby_job("B", "Clinical Trial Manager"),
        ashby_job("E", "Director, Clinical Operations"),
    )
    second = acme_payload(T1, ashby_job("A", "Senior CRA"), ashby_job("F", None))
    store_and_parse(db, FetchResult(source=ACME, payloads=[first]), now=T0)
    store_and_parse(db, FetchResult(source=ACME, payloads=[second]), now=T1)
    monkeypatch.undo()
    return [r[0] for r in db.execute("SELECT id FROM raw_payloads ORDER BY fetched_at").fetchall()]


REDERIVED = [
    ("A", "Senior CRA", "senior", T0, T1, None, 0),  # from the newer payload
    ("B", "Clinical Trial Manager", "manager", T0, T0, T1, 0),  # only in the older: closed
    ("E", "Director, Clinical Operations", "director", T0, T0, T0, 0),  # found, not listed now
    ("F", "", None, T1, T1, None, 0),  # unreadable now: kept as it was
]


def lifecycle(db) -> list[tuple[Any, ...]]:
    return db.execute(
        "SELECT source_id, title, level, first_seen, last_seen, closed_at, reposts"
        " FROM postings ORDER BY source_id"
    ).fetchall()


def test_every_posting_is_rederived_from_the_newest_payload_holding_it(db, monkeypatch) -> None:
    older, newer = ingest_with_old_parser(db, monkeypatch)
    assert db.execute("SELECT source_id, level FROM postings ORDER BY 1").fetchall() == [
        ("A", None),
        ("B", None),
        ("F", None),
    ]
    history = db.execute("SELECT * FROM posting_history").fetchall()

    result = reparse_all(db, {ACME.name: ACME}, now=T1 + timedelta(hours=1))

    assert lifecycle(db) == REDERIVED
    raw_ids = db.execute("SELECT source_id, raw_id FROM postings ORDER BY 1").fetchall()
    assert raw_ids == [("A", newer), ("B", older), ("E", older), ("F", newer)]
    assert db.execute("SELECT * FROM posting_history").fetchall()[: len(history)] == history
    assert result.payloads == 2 and result.postings == 3 and result.new_postings == 1
    assert "level known on 3 more postings" in result.changes()
    assert "postings: 3 -> 4" in result.changes()


def test_worker_processes_rederive_the_same_postings(db, monkeypatch) -> None:
    ingest_with_old_parser(db, monkeypatch)
    result = reparse_all(db, {ACME.name: ACME}, now=T1 + timedelta(hours=1), workers=2)
    assert lifecycle(db) == REDERIVED
    assert result.payloads == 2 and result.parse_errors == 1


def test_parse_errors_are_rebuilt_for_the_current_parsers(db, monkeypatch) -> None:
    older, newer = ingest_with_old_parser(db, monkeypatch)
    stale = db.execute("SELECT raw_id, item_id FROM parse_errors").fetchall()
    assert stale == [(older, "E")]  # the old parser's failure

    result = reparse_all(db, {ACME.name: ACME}, now=T1 + timedelta(hours=1))

    errors = db.execute("SELECT raw_id, source, item_id, message FROM parse_errors").fetchall()
    assert errors == [(newer, ACME.name, "F", "ValueError: missing or empty 'title'")]
    assert result.parse_errors == 1
    assert "parse errors: 1 -> 1" not in result.changes()
    again = reparse_all(db, {ACME.name: ACME}, now=T1 + timedelta(hours=2))
    assert db.execute("SELECT count(*) FROM parse_errors").fetchone() == (1,)
    assert again.changes() == [] and again.changed_fields == 0 and again.new_postings == 0


def test_reparse_uses_each_configured_board(db) -> None:
    source = SourceRef(name="workable-acme", kind="workable", board="acme", company="Acme Bio")
    detail = {"shortcode": "ABC123", "title": "Clinical Trial Manager", "location": {}}
    raw = RawPayload(
        source.name,
        "workable",
        "https://apply.workable.com/api/v2/accounts/acme/jobs/ABC123",
        T0,
        200,
        "application/json",
        json.dumps(detail).encode(),
    )
    store_and_parse(db, FetchResult(source=source, payloads=[raw]), now=T0)
    url = "https://apply.workable.com/acme/j/ABC123/"
    assert db.execute("SELECT url FROM postings").fetchall() == [(url,)]
    reparse_all(db, {source.name: source})
    assert db.execute("SELECT url, company FROM postings").fetchall() == [(url, "Acme Bio")]


def test_changes_keep_every_number() -> None:
    result = ReparseResult(
        payloads=4,
        parse_errors=0,
        before={"postings": 10, "relevant": 5, "salary": 3, "level": 20, "city": 7, "errors": 2},
        after={"postings": 13, "relevant": 6, "salary": 415, "level": 11, "city": 8, "errors": 0},
    )
    assert result.changes() == [
        "postings: 10 -> 13",
        "relevant: 5 -> 6",
        "salary filled on 412 more postings",
        "level known on 9 fewer postings",
        "city known on 1 more posting",
        "parse errors: 2 -> 0",
    ]
