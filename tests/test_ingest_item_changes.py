"""Per-posting change detection: a posting whose own item did not change is neither parsed
nor rewritten, even when its payload's bytes changed; lifecycle, history and reparse stay right.

Constructed boards on a real DuckDB file; parser calls are counted in-process."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import parsers.boards.ashby as ashby_parser
import parsers.boards.greenhouse as greenhouse_parser
from core.models import RawPayload, SourceRef
from parsers.boards.common import digest_of, map_listing
from pipeline.ingest import FetchResult, store_and_parse
from pipeline.reparse import reparse_all
from warehouse.postings import known_items
from warehouse.runs import SourceOutcome

T0 = datetime(2026, 11, 2, 9, tzinfo=UTC)
T1, T2, T3 = (T0 + timedelta(days=n) for n in (1, 2, 3))
BOARD = SourceRef(name="ashby-acme", kind="ashby", board="acme", company="Acme Bio")
URL = "https://api.ashbyhq.com/posting-api/job-board/acme?includeCompensation=true"
GH = SourceRef(name="greenhouse-acme", kind="greenhouse", board="acme", company="Acme Bio")
GH_LIST = "https://boards-api.greenhouse.io/v1/boards/acme/jobs?content=true"
GH_DETAIL = "https://boards-api.greenhouse.io/v1/boards/acme/jobs/7?pay_transparency=true"


def job(n: int, title: str = "Clinical Trial Manager") -> dict[str, Any]:
    return {
        "id": f"job-{n}",
        "title": title,
        "location": "Boston, MA",
        "jobUrl": f"https://jobs.ashbyhq.com/acme/job-{n}",
        "isListed": True,
        "descriptionPlain": f"Run trials {n}. Salary $120,000 - $150,000 per year.",
    }


def payload(jobs: list[dict[str, Any]], stamp: str, at: datetime) -> RawPayload:
    body = json.dumps({"apiVersion": "1", "generatedAt": stamp, "jobs": jobs}, indent=1)
    return RawPayload(BOARD.name, "ashby", URL, at, 200, "application/json", body.encode())


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Ids of the items the Ashby and Greenhouse field parsers were called on."""
    seen: list[str] = []
    for module in (ashby_parser, greenhouse_parser):
        monkeypatch.setattr(module, "_posting", counting(module._posting, seen))
    return seen


def counting(real: Callable[..., Any], seen: list[str]) -> Callable[..., Any]:
    def wrapper(item: dict[str, Any], *args: Any) -> Any:
        seen.append(str(item["id"]))
        return real(item, *args)

    return wrapper


def run(db: Any, raws: list[RawPayload], at: datetime, source: SourceRef = BOARD) -> SourceOutcome:
    return store_and_parse(db, FetchResult(source=source, payloads=raws), now=at)


def rows(db: Any) -> dict[str, tuple[Any, ...]]:
    found = db.execute(
        "SELECT source_id, title, last_seen, closed_at, item_hash FROM postings ORDER BY 1"
    ).fetchall()
    return {r[0]: r[1:] for r in found}


def history(db: Any) -> list[tuple[Any, ...]]:
    return db.execute(
        "SELECT source_id, field, old_value, new_value FROM posting_history"
    ).fetchall()


def test_only_the_changed_posting_is_parsed_and_the_others_are_seen(db, calls) -> None:
    jobs = [job(n) for n in range(4)]
    run(db, [payload(jobs, "a", T0)], T0)
    assert sorted(calls) == ["job-0", "job-1", "job-2", "job-3"]
    calls.clear()
    jobs[2] = job(2, "Senior Clinical Trial Manager")
    outcome = run(db, [payload(jobs, "b", T1)], T1)
    assert calls == ["job-2"]
    assert (outcome.postings, outcome.new_postings, outcome.parse_errors) == (4, 0, 0)
    assert history(db) == [
        ("job-2", "title", "Clinical Trial Manager", "Senior Clinical Trial Manager")
    ]
    stored = rows(db)
    assert {key: row[1] for key, row in stored.items()} == dict.fromkeys(stored, T1)
    assert stored["job-2"][0] == "Senior Clinical Trial Manager"


def test_a_board_reordered_and_restamped_parses_nothing(db, calls) -> None:
    jobs = [job(n) for n in range(3)]
    run(db, [payload(jobs, "a", T0)], T0)
    calls.clear()
    outcome = run(db, [payload(list(reversed(jobs)), "b", T1)], T1)
    assert calls == []
    assert outcome.postings == 3 and history(db) == []
    assert all(row[1] == T1 for row in rows(db).values())


def test_a_removed_posting_closes_and_a_returning_one_reopens(db, calls) -> None:
    jobs = [job(n) for n in range(3)]
    run(db, [payload(jobs, "a", T0)], T0)
    run(db, [payload(jobs[:2], "b", T1)], T1)
    assert rows(db)["job-2"][2] == T1 and rows(db)["job-0"][2] is None
    calls.clear()
    run(db, [payload(jobs, "c", T2)], T2)
    assert calls == []  # its item is unchanged: only seen again, reopened as a repost
    reopened = db.execute("SELECT closed_at, reposts FROM postings WHERE source_id = 'job-2'")
    assert reopened.fetchone() == (None, 1)


def test_the_same_bytes_again_still_list_every_posting(db, calls) -> None:
    """Unchanged postings point at the newer payload, so its unchanged re-fetch lists them."""
    jobs = [job(n) for n in range(3)]
    run(db, [payload(jobs, "a", T0)], T0)
    jobs[0] = job(0, "Clinical Operations Manager")
    run(db, [payload(jobs, "b", T1)], T1)
    calls.clear()
    outcome = run(db, [payload(jobs, "b", T2)], T2)
    assert calls == [] and outcome.unchanged_payloads == 1 and outcome.postings == 3
    assert all(row[2] is None and row[1] == T2 for row in rows(db).values())


def test_reparse_parses_everything_and_refreshes_the_hashes(db, calls) -> None:
    jobs = [job(n) for n in range(3)]
    run(db, [payload(jobs, "a", T0)], T0)
    db.execute("UPDATE postings SET item_hash = NULL")
    calls.clear()
    reparse_all(db, {BOARD.name: BOARD}, now=T1)
    assert sorted(calls) == ["job-0", "job-1", "job-2"]
    assert all(row[3] for row in rows(db).values())
    calls.clear()
    run(db, [payload(jobs, "b", T2)], T2)
    assert calls == []


def gh_job(pay: bool) -> dict[str, Any]:
    found: dict[str, Any] = {
        "id": 7,
        "title": "Clinical Trial Manager",
        "location": {"name": "Boston, MA"},
        "absolute_url": "https://boards.greenhouse.io/acme/jobs/7",
        "content": "Run trials.",
    }
    if pay:
        found["pay_input_ranges"] = [
            {"min_cents": 15000000, "max_cents": 18000000, "currency_type": "USD", "title": "Base"}
        ]
    return found


def gh(url: str, doc: dict[str, Any], at: datetime) -> RawPayload:
    return RawPayload(
        GH.name, "greenhouse", url, at, 200, "application/json", json.dumps(doc).encode()
    )


def test_a_detail_after_its_changed_list_is_applied_again(db, calls) -> None:
    """The list's item changed, so the list rewrote the posting: its unchanged detail page
    is applied again (its board pay wins), then nothing is parsed while nothing changes."""
    detail = gh(GH_DETAIL, gh_job(pay=True), T0)
    run(db, [gh(GH_LIST, {"jobs": [gh_job(pay=False)]}, T0), detail], T0, GH)
    pay = "SELECT salary_max, salary_basis FROM postings WHERE source_id = '7'"
    assert db.execute(pay).fetchone() == (180000.0, "board")
    changed = {**gh_job(pay=False), "content": "Run trials. Now in oncology."}
    calls.clear()
    run(db, [gh(GH_LIST, {"jobs": [changed]}, T1), gh(GH_DETAIL, gh_job(pay=True), T1)], T1, GH)
    assert calls == ["7", "7"]
    assert db.execute(pay).fetchone() == (180000.0, "board")
    calls.clear()
    before = len(history(db))
    again = [gh(GH_LIST, {"jobs": [changed], "meta": 1}, T2), gh(GH_DETAIL, gh_job(True), T2)]
    run(db, again, T2, GH)
    assert calls == []
    assert db.execute(pay).fetchone() == (180000.0, "board")
    assert len(history(db)) == before


@pytest.mark.parametrize(
    ("body", "key"),
    [
        (b'{"jobs": [{"id": "1"}, {"id": "2"}], "x": 1} trailing', "jobs"),
        (b'{"jobs": {"id": "1"}}', "jobs"),
        (b'[{"id": "1"}', None),
        (b"\xff\xfe", "jobs"),
    ],
)
def test_a_listing_the_splitter_cannot_walk_is_decoded_and_refused_as_before(
    body: bytes, key: str | None
) -> None:
    raw = RawPayload("s", "ashby", "u", T0, 200, "", body)
    parsed = map_listing(raw, BOARD, key, lambda item: None)
    assert parsed.postings == [] and len(parsed.errors) == 1


def test_an_item_digest_is_that_of_its_own_text_whatever_surrounds_it() -> None:
    """Another order of items, other members and spacing around them: the same digests."""
    body = b'{"jobs":[{"id": "2"} ,\n {"id": "1", "t": "x"}], "a": 2}'
    skip = frozenset({digest_of('{"id": "1", "t": "x"}'), digest_of('{"id": "2"}')})
    mapped: list[object] = []
    raw = RawPayload("s", "ashby", "u", T0, 200, "", body)
    parsed = map_listing(raw, BOARD, "jobs", mapped.append, skip)
    assert mapped == [] and len(parsed.unchanged) == 2 and parsed.errors == []


FEED = SourceRef(name="feed-acme", kind="feed", board="acme", company="Acme Bio")
FEED_URL = "https://acme.example/jobs.rss"


def rss(titles: list[str], stamp: str, at: datetime) -> RawPayload:
    items = "".join(
        f"<item><guid>j{n}</guid><title>{title}</title>"
        f"<link>https://acme.example/jobs/{n}</link><description>Boston, MA</description></item>"
        for n, title in enumerate(titles)
    )
    body = f"<rss><channel><lastBuildDate>{stamp}</lastBuildDate>{items}</channel></rss>"
    return RawPayload(FEED.name, "feed", FEED_URL, at, 200, "application/rss+xml", body.encode())


def test_a_feed_entry_is_an_item_too(db, monkeypatch) -> None:
    """XML boards follow the same contract: an item is the entry of one posting."""
    import parsers.boards.feed as feed_parser

    seen: list[str] = []
    monkeypatch.setattr(feed_parser, "_posting", counting(feed_parser._posting, seen))
    titles = ["Clinical Trial Manager", "CRA II", "Clinical Operations Manager"]
    run(db, [rss(titles, "Mon", T0)], T0, FEED)
    assert seen == ["j0", "j1", "j2"]
    seen.clear()
    titles[1] = "Senior CRA"
    outcome = run(db, [rss(titles, "Tue", T1)], T1, FEED)
    assert seen == ["j1"] and outcome.postings == 3
    assert [h[0] for h in history(db)] == ["j1"]


def test_a_parse_job_for_the_pool_carries_the_digests_to_skip(db, calls) -> None:
    """What the bench and worker processes are handed: (source, raw, skip)."""
    from pipeline.parsing import parse_one

    jobs = [job(n) for n in range(3)]
    run(db, [payload(jobs, "a", T0)], T0)
    skip = frozenset(known_items(db, BOARD.name))
    calls.clear()
    parsed = parse_one((BOARD, payload(jobs, "b", T1), skip))
    assert calls == [] and parsed.postings == [] and sorted(parsed.unchanged) == sorted(skip)
    outcome = store_and_parse(
        db, FetchResult(source=BOARD, payloads=[payload(jobs, "b", T1)]), now=T1, parses=[parsed]
    )
    assert calls == [] and outcome.postings == 3
    assert all(row[1] == T1 for row in rows(db).values())
