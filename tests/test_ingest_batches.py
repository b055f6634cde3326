"""Fetches stored together, in rounds: the same warehouse and outcomes as storing each source
alone, a refused payload recorded alone, each source once per batch.

Constructed Ashby and Greenhouse boards on real DuckDB files."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from core.models import RawPayload, SourceRef
from pipeline.ingest import FetchResult, store_and_parse, store_and_parse_many, store_or_fail_many
from warehouse import postings as postings_store
from warehouse.db import connect_writer
from warehouse.runs import SourceOutcome

T0 = datetime(2026, 11, 2, 9, tzinfo=UTC)
T1, T2 = T0 + timedelta(days=1), T0 + timedelta(days=2)
ASHBY = [
    SourceRef(name=f"ashby-{n}", kind="ashby", board=f"b{n}", company="Acme Bio") for n in (0, 1)
]
GH = SourceRef(name="greenhouse-acme", kind="greenhouse", board="acme", company="Acme Bio")
GH_LIST = "https://boards-api.greenhouse.io/v1/boards/acme/jobs?content=true"
GH_DETAIL = "https://boards-api.greenhouse.io/v1/boards/acme/jobs/7?pay_transparency=true"


def ashby_job(n: int, title: str = "Clinical Trial Manager", where: str = "Boston, MA") -> Any:
    return {
        "id": f"job-{n}",
        "title": title,
        "location": where,
        "jobUrl": f"https://jobs.ashbyhq.com/acme/job-{n}",
        "isListed": True,
        "descriptionPlain": f"Run trials {n}. Salary $120,000 - $150,000 per year.",
    }


def ashby(source: SourceRef, jobs: list[Any], at: datetime, stamp: str = "") -> RawPayload:
    body = json.dumps({"apiVersion": "1", "generatedAt": stamp or str(at), "jobs": jobs})
    url = f"https://api.ashbyhq.com/posting-api/job-board/{source.board}"
    return RawPayload(source.name, "ashby", url, at, 200, "application/json", body.encode())


def gh_job(content: str, pay: bool) -> Any:
    found: dict[str, Any] = {
        "id": 7,
        "title": "Clinical Project Manager",
        "location": {"name": "Raleigh, NC"},
        "absolute_url": "https://boards.greenhouse.io/acme/jobs/7",
        "content": content,
    }
    if pay:
        found["pay_input_ranges"] = [
            {"min_cents": 15000000, "max_cents": 18000000, "currency_type": "USD", "title": "Base"}
        ]
    return found


def greenhouse(content: str, at: datetime) -> FetchResult:
    """A list page, then the detail page of its one job (applied after the list)."""
    pages = [(GH_LIST, {"jobs": [gh_job(content, pay=False)]}), (GH_DETAIL, gh_job("", True))]
    raws = [
        RawPayload(
            GH.name, "greenhouse", url, at, 200, "application/json", json.dumps(doc).encode()
        )
        for url, doc in pages
    ]
    return FetchResult(source=GH, payloads=raws)


def runs() -> list[tuple[datetime, list[FetchResult]]]:
    """Three runs: first sight (board 1 lists board 0's job with a country only: one job
    across sources); a title change, a new job, a changed list with its unchanged detail;
    then a dropped job, unchanged bytes and a capped listing."""
    board0 = [ashby_job(1), ashby_job(2, "Clinical Operations Manager")]
    board1 = [ashby_job(3, where="United States")]
    first = [ashby(ASHBY[0], board0, T0), ashby(ASHBY[1], board1, T0)]
    changed = [ashby_job(1, "Senior Clinical Trial Manager"), board0[1]]
    second = [ashby(ASHBY[0], changed, T1), ashby(ASHBY[1], [*board1, ashby_job(4)], T1)]
    third_board1 = ashby(ASHBY[1], [*board1, ashby_job(4)], T2, stamp=str(T1))
    return [
        (T0, [*[FetchResult(ASHBY[n], [first[n]]) for n in (0, 1)], greenhouse("Run.", T0)]),
        (T1, [*[FetchResult(ASHBY[n], [second[n]]) for n in (0, 1)], greenhouse("New.", T1)]),
        (
            T2,
            [
                FetchResult(ASHBY[0], [ashby(ASHBY[0], changed[:1], T2)]),
                FetchResult(ASHBY[1], [third_board1], capped=True),
                greenhouse("New.", T2),
            ],
        ),
    ]


def warehouse_state(db: Any) -> dict[str, list[tuple[Any, ...]]]:
    queries = {
        "postings": "SELECT source, source_id, title, salary_max, salary_basis, raw_id,"
        " first_seen, last_seen, closed_at, reposts, item_hash, fingerprint FROM postings",
        "history": "SELECT source, source_id, changed_at, field, old_value, new_value"
        " FROM posting_history",
        "errors": "SELECT raw_id, source, item_id, message FROM parse_errors",
        "raw": "SELECT id, source, url, parsed_at FROM raw_payloads",
    }
    return {name: sorted(db.execute(sql).fetchall(), key=repr) for name, sql in queries.items()}


def comparable(outcome: SourceOutcome) -> SourceOutcome:
    return replace(outcome, finished_at=T0)


def test_storing_sources_together_equals_storing_each_alone(tmp_path: Path) -> None:
    alone, together = connect_writer(tmp_path / "a.duckdb"), connect_writer(tmp_path / "b.duckdb")
    jobs = "SELECT count(DISTINCT fingerprint) FROM postings WHERE source_id IN ('job-1', 'job-3')"
    merged = []
    for at, fetches in runs():
        one_by_one = [store_and_parse(alone, fetched, now=at) for fetched in fetches]
        batched = store_and_parse_many(together, fetches, now=at)
        assert list(map(comparable, batched)) == list(map(comparable, one_by_one))
        assert warehouse_state(together) == warehouse_state(alone)
        merged.append(together.execute(jobs).fetchone())
    assert merged == [(1,), (2,), (2,)]  # one job across boards until job-1's title changed
    state = warehouse_state(together)
    changes = {(row[1], row[3]) for row in state["history"]}
    assert ("job-1", "title") in changes and ("7", "salary_max") in changes  # detail's pay
    assert [(row[1], row[8] is not None) for row in sorted(state["postings"])][:4] == [
        ("job-1", False),
        ("job-2", True),
        ("job-3", False),
        ("job-4", False),
    ]
    alone.close()
    together.close()


def test_a_payload_the_warehouse_refuses_is_recorded_alone(
    db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_row = postings_store.posting_row

    def refused_for_board_1(posting: Any, *args: Any) -> tuple[Any, ...]:
        row = real_row(posting, *args)
        at = postings_store.COLUMNS.index("posted_at")
        return (*row[:at], "not a time", *row[at + 1 :]) if posting.source == "ashby-1" else row

    monkeypatch.setattr(postings_store, "posting_row", refused_for_board_1)
    fetches = [FetchResult(s, [ashby(s, [ashby_job(n)], T0)]) for n, s in enumerate(ASHBY)]
    outcomes = store_and_parse_many(db, fetches, now=T0)
    assert [(o.source, o.postings, o.parse_errors) for o in outcomes] == [
        ("ashby-0", 1, 0),
        ("ashby-1", 0, 1),
    ]
    assert db.execute("SELECT source FROM postings").fetchall() == [("ashby-0",)]
    [(source, message)] = db.execute("SELECT source, message FROM parse_errors").fetchall()
    assert source == "ashby-1" and message.startswith("could not store its postings: ")
    unparsed = "SELECT source FROM raw_payloads WHERE parsed_at IS NULL"
    assert db.execute(unparsed).fetchall() == [("ashby-1",)]  # a later run tries it again


def test_a_source_is_stored_once_per_batch(db: Any) -> None:
    fetched = FetchResult(ASHBY[0], [ashby(ASHBY[0], [ashby_job(1)], T0)])
    with pytest.raises(ValueError, match="each source once"):
        store_and_parse_many(db, [fetched, fetched], now=T0)


def test_when_storing_a_batch_breaks_each_source_is_stored_on_its_own(
    db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_close = postings_store.close_missing

    def breaks_for_board_1(con: Any, source: str, *args: Any) -> int:
        if source == "ashby-1":
            raise RuntimeError("disk on fire")
        return int(real_close(con, source, *args))

    monkeypatch.setattr(postings_store, "close_missing", breaks_for_board_1)
    fetches = [FetchResult(s, [ashby(s, [ashby_job(n)], T0)]) for n, s in enumerate(ASHBY)]
    outcomes = store_or_fail_many(db, fetches)
    assert [(o.source, o.status, o.postings) for o in outcomes] == [
        ("ashby-0", "ok", 1),
        ("ashby-1", "failed", 0),
    ]
    assert outcomes[1].error == "could not store: disk on fire"
    stored = "SELECT source, count(*) FROM postings GROUP BY 1 ORDER BY 1"
    assert db.execute(stored).fetchall() == [("ashby-0", 1), ("ashby-1", 1)]  # kept, once


def test_a_payload_whose_raw_row_is_refused_fails_alone(db: Any) -> None:
    refused = replace(ashby(ASHBY[0], [ashby_job(0)], T0), status=2**40)  # not an INTEGER
    fetches = [
        FetchResult(ASHBY[0], [refused]),
        FetchResult(ASHBY[1], [ashby(ASHBY[1], [ashby_job(1)], T0)]),
    ]
    outcomes = store_or_fail_many(db, fetches)
    assert [(o.source, o.status, o.postings) for o in outcomes] == [
        ("ashby-0", "failed", 0),
        ("ashby-1", "ok", 1),
    ]
    assert "could not store" in (outcomes[0].error or "")
    raws = "SELECT source, parsed_at IS NOT NULL FROM raw_payloads"
    assert db.execute(raws).fetchall() == [("ashby-1", True)]
    assert db.execute("SELECT source FROM postings").fetchall() == [("ashby-1",)]
