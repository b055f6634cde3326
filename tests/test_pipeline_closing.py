"""Closing postings through the ingest step: real local boards, a real DuckDB file.

Each run fetches like the flow does (the source's known ids passed in, a failure's payloads
kept), then `store_and_parse` stores, upserts and closes.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
from pytest_httpserver import HTTPServer

from core.errors import SourceError
from core.models import SourceRef
from pipeline.ingest import FetchResult, fetch_source, store_and_parse
from sources.options import FetchOptions
from sources.session import build_session
from tests.conftest import SAMPLE
from warehouse.postings import known_ids
from warehouse.runs import SourceOutcome

REC = Path(__file__).parent / "data" / "recordings"
JSON = "application/json"
T0 = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)

LEVER = SourceRef("lever-trialpath", "lever", "trialpath", "TrialPath CRO")
LEVER_BOARD: list[dict[str, Any]] = json.loads((SAMPLE / "lever" / "trialpath.json").read_bytes())

SR = SourceRef("smartrecruiters-brightwave", "smartrecruiters", "BrightWaveCRO", "BrightWave")
SR_LIST = "/v1/companies/BrightWaveCRO/postings"
SR_CRA, SR_CTM, SR_CTA = "744000091234501", "744000091234502", "744000091234504"
SR_DETAILS = {SR_CRA: "posting_cra.json", SR_CTM: "posting_ctm.json", SR_CTA: "posting_cta.json"}

HIMALAYAS = SourceRef(
    "himalayas-clinops", "himalayas", "himalayas", "Himalayas", params={"search": ["clinops"]}
)
H_P1, H_P2, H_EMPTY = ((REC / "himalayas" / f"search-p{n}.json").read_bytes() for n in (1, 2, 3))
H_DIRECTOR = (
    "https://himalayas.app/companies/delta-therapeutics/jobs/director-clinical-operations-4"
)


def options(server: HTTPServer, **kw: Any) -> FetchOptions:
    base = server.url_for("").rstrip("/")
    keys = ("lever-global", "lever-eu", "smartrecruiters", "himalayas")
    return FetchOptions(timeout=5, base_urls={k: base for k in keys}, **kw)


def ingest(
    db: duckdb.DuckDBPyConnection, source: SourceRef, opts: FetchOptions, now: datetime
) -> SourceOutcome:
    """One run of one source, as the ingest flow does it."""
    session = build_session(user_agent="ClinOpsJobAlerts-test/1", retries=1, backoff=0.01)
    opts = replace(opts, known_ids=known_ids(db, source.name))
    try:
        fetched = fetch_source(session, source, opts)
    except SourceError as error:
        fetched = FetchResult(source=source, payloads=error.payloads, error=error)
    return store_and_parse(db, fetched, now=now)


def closed(db: duckdb.DuckDBPyConnection, source: SourceRef) -> dict[str, datetime]:
    rows = db.execute(
        "SELECT source_id, closed_at FROM postings WHERE source = ? AND closed_at IS NOT NULL",
        [source.name],
    ).fetchall()
    return {r[0]: r[1] for r in rows}


def open_ids(db: duckdb.DuckDBPyConnection, source: SourceRef) -> set[str]:
    rows = db.execute(
        "SELECT source_id FROM postings WHERE source = ? AND closed_at IS NULL", [source.name]
    ).fetchall()
    return {r[0] for r in rows}


def serve_lever(server: HTTPServer, postings: list[dict[str, Any]]) -> None:
    server.clear_all_handlers()
    server.expect_request(
        "/trialpath", query_string="mode=json&skip=0&limit=100"
    ).respond_with_data(json.dumps(postings), content_type=JSON)


def serve_sr(server: HTTPServer, second_page_status: int = 200) -> None:
    """The SmartRecruiters board: two list pages (the server echoes limit 3), then details."""
    server.clear_all_handlers()
    for offset, name in ((0, "postings_page1.json"), (3, "postings_page2.json")):
        body = (REC / "smartrecruiters" / name).read_bytes()
        status = 200 if offset == 0 else second_page_status
        server.expect_request(SR_LIST, query_string=f"limit=100&offset={offset}").respond_with_data(
            body if status == 200 else b"upstream error", status=status, content_type=JSON
        )
    for posting_id, name in SR_DETAILS.items():
        server.expect_request(f"{SR_LIST}/{posting_id}").respond_with_data(
            (REC / "smartrecruiters" / name).read_bytes(), content_type=JSON
        )


def serve_himalayas(server: HTTPServer, pages: dict[str, list[bytes | int]]) -> None:
    """Per search term, its pages from 1: a body, or an HTTP status to fail with."""
    server.clear_all_handlers()
    for term, answers in pages.items():
        for page, answer in enumerate(answers, start=1):
            query = {"q": term, "page": str(page), "sort": "recent"}
            handler = server.expect_request("/", query_string=query)
            if isinstance(answer, int):
                handler.respond_with_data(b"upstream error", status=answer)
            else:
                handler.respond_with_data(answer, content_type=JSON)


def test_a_whole_board_closes_what_it_no_longer_lists(db, httpserver: HTTPServer) -> None:
    serve_lever(httpserver, LEVER_BOARD)
    first = ingest(db, LEVER, options(httpserver), T0)
    assert first.status == "ok" and first.parse_errors == 0 and first.postings == 12
    withdrawn = LEVER_BOARD[3]["id"]
    serve_lever(httpserver, [p for p in LEVER_BOARD if p["id"] != withdrawn])
    later = T0 + timedelta(days=1)
    second = ingest(db, LEVER, options(httpserver), later)
    assert second.status == "ok" and second.error is None
    assert closed(db, LEVER) == {withdrawn: later}
    assert len(open_ids(db, LEVER)) == 11


def test_a_listing_that_comes_back_after_another_lists_its_postings(
    db, httpserver: HTTPServer
) -> None:
    """Bytes A, then B (one more posting), then A again: the last run lists A's postings."""
    withdrawn = LEVER_BOARD[3]["id"]
    board_a = [p for p in LEVER_BOARD if p["id"] != withdrawn]
    for day, board in enumerate((board_a, LEVER_BOARD, board_a)):
        serve_lever(httpserver, board)
        outcome = ingest(db, LEVER, options(httpserver), T0 + timedelta(days=day))
        assert outcome.status == "ok" and outcome.postings == len(board), day
    assert closed(db, LEVER) == {withdrawn: T0 + timedelta(days=2)}
    assert len(open_ids(db, LEVER)) == 11
    again = ingest(db, LEVER, options(httpserver), T0 + timedelta(days=3))
    assert again.unchanged_payloads == 1 and len(open_ids(db, LEVER)) == 11


def test_an_unchanged_list_page_still_lists_its_postings(db, httpserver: HTTPServer) -> None:
    serve_sr(httpserver)
    ingest(db, SR, options(httpserver), T0)
    assert open_ids(db, SR) == {SR_CRA, SR_CTM, SR_CTA}
    again = ingest(db, SR, options(httpserver), T0 + timedelta(days=1))
    assert again.status == "ok" and again.unchanged_payloads == 2
    assert closed(db, SR) == {}


def test_a_search_closes_only_what_it_has_not_seen_for_14_days(db, httpserver: HTTPServer) -> None:
    serve_himalayas(httpserver, {"clinops": [H_P1, H_P2, H_EMPTY]})
    ingest(db, HIMALAYAS, options(httpserver), T0)
    found = open_ids(db, HIMALAYAS)
    assert len(found) == 4 and H_DIRECTOR in found
    serve_himalayas(httpserver, {"clinops": [H_P2, H_EMPTY]})  # three no longer returned
    next_day = ingest(db, HIMALAYAS, options(httpserver), T0 + timedelta(days=1))
    assert next_day.status == "ok" and next_day.parse_errors == 0
    assert closed(db, HIMALAYAS) == {}
    ingest(db, HIMALAYAS, options(httpserver), T0 + timedelta(days=13))
    assert closed(db, HIMALAYAS) == {}
    ingest(db, HIMALAYAS, options(httpserver), T0 + timedelta(days=15))
    assert closed(db, HIMALAYAS) == dict.fromkeys(found - {H_DIRECTOR}, T0)
    assert open_ids(db, HIMALAYAS) == {H_DIRECTOR}


def test_a_failed_whole_board_fetch_closes_nothing(db, httpserver: HTTPServer) -> None:
    serve_sr(httpserver)
    ingest(db, SR, options(httpserver), T0)
    serve_sr(httpserver, second_page_status=503)
    failed = ingest(db, SR, options(httpserver), T0 + timedelta(days=1))
    assert failed.status == "failed" and failed.http_status == 503
    assert failed.payloads == 1  # the first list page, fetched before the failure, is kept
    assert closed(db, SR) == {}


def test_a_failed_search_keeps_its_pages_and_closes_nothing(db, httpserver: HTTPServer) -> None:
    two_terms = replace(HIMALAYAS, params={"search": ["clinops", "cra"]})
    serve_himalayas(httpserver, {"clinops": [H_P1, H_P2, H_EMPTY], "cra": [H_EMPTY]})
    ingest(db, two_terms, options(httpserver), T0)
    serve_himalayas(httpserver, {"clinops": [H_P2, H_EMPTY], "cra": [500]})
    later = T0 + timedelta(days=15)
    failed = ingest(db, two_terms, options(httpserver), later)
    assert failed.status == "failed" and failed.http_status == 500
    assert failed.payloads == 1 and failed.postings == 1
    seen = db.execute(
        "SELECT last_seen FROM postings WHERE source = ? AND source_id = ?",
        [two_terms.name, H_DIRECTOR],
    ).fetchone()
    assert seen == (later,)  # the page fetched before the failure was stored and parsed
    assert closed(db, two_terms) == {}


def test_a_listing_cut_short_by_the_page_cap_closes_nothing(db, httpserver: HTTPServer) -> None:
    serve_sr(httpserver)
    ingest(db, SR, options(httpserver), T0)
    capped = ingest(db, SR, options(httpserver, max_pages=1), T0 + timedelta(days=1))
    assert [r.full_path for r, _ in httpserver.log[-1:]] == [f"{SR_LIST}?limit=100&offset=0"]
    assert capped.status == "ok" and capped.error and "capped" in capped.error
    assert closed(db, SR) == {}  # the CTA is listed on the page the cap left unfetched
    assert open_ids(db, SR) == {SR_CRA, SR_CTM, SR_CTA}
