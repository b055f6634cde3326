"""Greenhouse pay fallback: the single-job call (`?pay_transparency=true`) for relevant jobs the
list gave no `pay_input_ranges`, against a local server serving recorded-shape responses."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from core.errors import TransientSourceError
from core.models import Posting, RawPayload, SourceRef
from parsers.boards.greenhouse import parse_payload
from pipeline.ingest import FetchResult, store_and_parse
from sources.boards import greenhouse
from sources.options import FetchOptions
from sources.session import build_session
from tests.conftest import SAMPLE
from tests.helpers import fetch_board

REC = Path(__file__).parent / "data" / "recordings" / "greenhouse"
BOARD = "halcyontrials"
LIST_PATH = f"/{BOARD}/jobs"
LIST_QUERY = "content=true&pay_transparency=true"
CTM, CRA, SWE, CTA, DIRECTOR = (f"880100{n}002" for n in range(1, 6))
DETAILS = {
    CTM: "detail_8801001002.json",
    CTA: "detail_8801004002.json",
    DIRECTOR: "detail_8801005002.json",
}
JSON = "application/json"


def body(name: str) -> bytes:
    return (REC / name).read_bytes()


def source(**params: Any) -> SourceRef:
    return SourceRef(f"greenhouse-{BOARD}", "greenhouse", BOARD, "Halcyon Trials", params=params)


def options(server: HTTPServer, eu: HTTPServer | None = None, **kw: Any) -> FetchOptions:
    here = server.url_for("").rstrip("/")
    there = eu.url_for("").rstrip("/") if eu else here
    return FetchOptions(timeout=5, base_urls={"greenhouse": here, "greenhouse-eu": there}, **kw)


def session(retries: int = 1):
    return build_session(user_agent="ClinOpsJobAlerts-test/1", retries=retries, backoff=0.01)


def serve_list(server: HTTPServer, listing: bytes | None = None) -> None:
    server.expect_request(LIST_PATH, query_string=LIST_QUERY).respond_with_data(
        listing or body("jobs_list.json"), content_type=JSON
    )


def serve_details(server: HTTPServer, status: dict[str, int] | None = None) -> None:
    for job_id, name in DETAILS.items():
        code = (status or {}).get(job_id, 200)
        server.expect_request(
            f"{LIST_PATH}/{job_id}", query_string="pay_transparency=true"
        ).respond_with_data(body(name) if code == 200 else b"error", status=code, content_type=JSON)


def detail_requests(server: HTTPServer) -> list[str]:
    """The job ids whose detail the server was asked for, in order."""
    return [r.path.rsplit("/", 1)[1] for r, _ in server.log if r.path != LIST_PATH]


def final_postings(payloads: list[RawPayload]) -> dict[str, Posting]:
    """Each posting as the warehouse keeps it: a later payload's mapping replaces an earlier."""
    found: dict[str, Posting] = {}
    for raw in payloads:
        found.update((p.source_id, p) for p in parse_payload(raw, source()).postings)
    return found


def listing_with(jobs: list[dict[str, Any]]) -> bytes:
    return json.dumps({"jobs": jobs, "meta": {"total": len(jobs)}}).encode()


def recorded_jobs() -> list[dict[str, Any]]:
    jobs: list[dict[str, Any]] = json.loads(body("jobs_list.json"))["jobs"]
    return jobs


# --- the connector ----------------------------------------------------------------------------


def test_relevant_jobs_without_list_pay_get_their_detail(httpserver: HTTPServer) -> None:
    serve_list(httpserver)
    serve_details(httpserver)
    payloads = fetch_board(greenhouse, session(), source(), options(httpserver))
    assert detail_requests(httpserver) == [CTM, CTA, DIRECTOR]  # not CRA (list pay), not SWE
    detail_log = [r for r, _ in httpserver.log if r.path != LIST_PATH]
    assert all(r.query_string == b"pay_transparency=true" for r in detail_log)
    assert [p.body for p in payloads] == [body("jobs_list.json"), *map(body, DETAILS.values())]
    assert payloads[1].url.endswith(f"{LIST_PATH}/{CTM}?pay_transparency=true")
    assert not payloads.capped  # the listing itself is whole


def test_detail_pay_reaches_the_posting_in_dollars_not_cents(httpserver: HTTPServer) -> None:
    serve_list(httpserver)
    serve_details(httpserver)
    postings = final_postings(fetch_board(greenhouse, session(), source(), options(httpserver)))
    ctm = postings[CTM]
    assert ctm.salary_basis == "board"  # structured pay beats the $120,000 - $135,000 in the text
    assert ctm.salary is not None
    assert (ctm.salary.min, ctm.salary.max) == (140_000.0, 180_000.0)
    assert (ctm.salary.currency, ctm.salary.period) == ("USD", "year")
    assert "global Phase 2 oncology study & manage the CRO" in ctm.description
    cta = postings[CTA].salary
    assert cta is not None and (cta.min, cta.max, cta.period) == (38.0, 46.0, "hour")
    assert postings[SWE].salary is None and len(postings) == 5


def test_a_non_relevant_title_gets_no_detail_call(httpserver: HTTPServer) -> None:
    serve_list(httpserver)
    serve_details(httpserver)
    fetch_board(greenhouse, session(), source(), options(httpserver))
    assert SWE not in detail_requests(httpserver)
    assert not [r for r, _ in httpserver.log if r.path.endswith(SWE)]


def test_a_list_carrying_pay_ranges_needs_no_detail_call(httpserver: HTTPServer) -> None:
    pay = recorded_jobs()[1]["pay_input_ranges"]
    listing = listing_with([{**job, "pay_input_ranges": pay} for job in recorded_jobs()])
    serve_list(httpserver, listing)
    payloads = fetch_board(greenhouse, session(), source(), options(httpserver))
    assert len(httpserver.log) == 1 and [p.body for p in payloads] == [listing]


def test_a_detail_500_keeps_the_list_and_records_the_error(httpserver: HTTPServer, db) -> None:
    serve_list(httpserver)
    serve_details(httpserver, status={CTA: 500})
    with pytest.raises(TransientSourceError) as caught:
        fetch_board(greenhouse, session(), source(), options(httpserver))
    error = caught.value
    assert error.status == 500 and error.url.endswith(f"/{CTA}?pay_transparency=true")
    assert [p.body for p in error.payloads] == [body("jobs_list.json"), body(DETAILS[CTM])]
    outcome = store_and_parse(db, FetchResult(source(), payloads=error.payloads, error=error))
    assert outcome.status == "failed" and "HTTP 500" in (outcome.error or "")
    assert outcome.http_status == 500
    stored = db.execute("SELECT count(*) FROM postings WHERE source = ?", [source().name])
    assert stored.fetchone() == (5,)  # every list posting, the CTA with its text pay


def test_the_warehouse_keeps_the_detail_pay(httpserver: HTTPServer, db) -> None:
    serve_list(httpserver)
    serve_details(httpserver)
    payloads = fetch_board(greenhouse, session(), source(), options(httpserver))
    outcome = store_and_parse(db, FetchResult(source(), payloads=payloads))
    assert outcome.status == "ok" and outcome.new_postings == 5
    row = db.execute(
        "SELECT salary_min, salary_max, salary_period, salary_basis FROM postings"
        " WHERE source = ? AND source_id = ?",
        [source().name, CTM],
    ).fetchone()
    assert row == (140_000.0, 180_000.0, "year", "board")


def test_an_unchanged_detail_still_wins_over_a_changed_list(httpserver: HTTPServer, db) -> None:
    """The list's bytes change (another job edited), the detail's do not: its pay stands."""
    serve_list(httpserver)
    serve_details(httpserver)
    payloads = fetch_board(greenhouse, session(), source(), options(httpserver))
    store_and_parse(db, FetchResult(source(), payloads=payloads))
    listing = json.loads(body("jobs_list.json"))
    listing["jobs"][2]["title"] = "Staff Software Engineer, Clinical Data Platform"
    httpserver.clear_all_handlers()
    serve_list(httpserver, json.dumps(listing).encode())
    serve_details(httpserver)
    payloads = fetch_board(greenhouse, session(), source(), options(httpserver))
    outcome = store_and_parse(db, FetchResult(source(), payloads=payloads))
    assert outcome.postings == 5  # a job in the list and in its detail counts once
    row = db.execute(
        "SELECT salary_min, salary_max, salary_basis FROM postings"
        " WHERE source = ? AND source_id = ?",
        [source().name, CTM],
    ).fetchone()
    assert row == (140_000.0, 180_000.0, "board")


def test_a_withdrawn_job_is_skipped(httpserver: HTTPServer) -> None:
    serve_list(httpserver)
    serve_details(httpserver, status={CTM: 404})
    payloads = fetch_board(greenhouse, session(), source(), options(httpserver))
    assert detail_requests(httpserver) == [CTM, CTA, DIRECTOR]
    assert [p.body for p in payloads[1:]] == [body(DETAILS[CTA]), body(DETAILS[DIRECTOR])]


def test_detail_calls_are_capped_by_params(httpserver: HTTPServer) -> None:
    serve_list(httpserver)
    serve_details(httpserver)
    payloads = fetch_board(greenhouse, session(), source(max_details=1), options(httpserver))
    assert detail_requests(httpserver) == [CTM] and len(payloads) == 2


def test_detail_calls_are_capped_by_default(httpserver: HTTPServer) -> None:
    many = [{**recorded_jobs()[0], "id": 9900000000 + i} for i in range(greenhouse.MAX_DETAILS + 5)]
    serve_list(httpserver, listing_with(many))

    def detail(request: Request) -> Response:
        return Response(body(DETAILS[CTM]), content_type=JSON)

    httpserver.expect_request(re.compile(f"{LIST_PATH}/\\d+")).respond_with_handler(detail)
    payloads = fetch_board(greenhouse, session(), source(), options(httpserver))
    assert len(detail_requests(httpserver)) == greenhouse.MAX_DETAILS
    assert len(payloads) == 1 + greenhouse.MAX_DETAILS


def test_new_jobs_come_before_stored_ones_under_the_cap(httpserver: HTTPServer) -> None:
    serve_list(httpserver)
    serve_details(httpserver)
    known = frozenset({CTM, CRA, SWE})
    opts = options(httpserver, known_ids=known)
    fetch_board(greenhouse, session(), source(max_details=2), opts)
    assert detail_requests(httpserver) == [CTA, DIRECTOR]


def test_stored_jobs_are_refreshed_newest_edit_first(httpserver: HTTPServer) -> None:
    serve_list(httpserver)
    serve_details(httpserver)
    opts = options(httpserver, known_ids=frozenset({CTM, CTA, DIRECTOR}))
    fetch_board(greenhouse, session(), source(), opts)
    assert detail_requests(httpserver) == [CTA, CTM, DIRECTOR]  # updated 23rd, 20th, 18th


def test_details_come_from_the_host_that_served_the_list(httpserver: HTTPServer) -> None:
    with HTTPServer(host="127.0.0.1") as eu:
        httpserver.expect_request(LIST_PATH).respond_with_data("not found", status=404)
        serve_list(eu)
        serve_details(eu)
        payloads = fetch_board(greenhouse, session(), source(), options(httpserver, eu))
        assert len(httpserver.log) == 1 and detail_requests(eu) == [CTM, CTA, DIRECTOR]
        assert all(p.url.startswith(eu.url_for("")) for p in payloads)


# --- the parser -------------------------------------------------------------------------------


def detail_payload(name: str) -> RawPayload:
    from datetime import UTC, datetime

    url = f"https://boards-api.greenhouse.io/v1/boards/{BOARD}/jobs/x?pay_transparency=true"
    return RawPayload(
        source=source().name,
        kind="greenhouse",
        url=url,
        fetched_at=datetime(2026, 11, 24, tzinfo=UTC),
        status=200,
        content_type=JSON,
        body=body(name),
    )


def test_a_detail_payload_is_one_posting_with_its_pay_ranges() -> None:
    parsed = parse_payload(detail_payload(DETAILS[CTM]), source())
    assert not parsed.errors and [p.source_id for p in parsed.postings] == [CTM]
    posting = parsed.postings[0]
    assert posting.salary is not None and posting.salary.text == "US Base Pay"
    assert posting.salary.usd_annual_min == 140_000.0
    assert posting.title == "Clinical Trial Manager" and posting.relevant


def test_a_detail_without_pay_ranges_keeps_the_text_pay() -> None:
    posting = parse_payload(detail_payload(DETAILS[DIRECTOR]), source()).postings[0]
    assert posting.salary_basis == "text"
    assert posting.salary is not None and posting.salary.min == 210_000.0


def test_a_payload_neither_list_nor_job_is_one_error() -> None:
    raw = detail_payload(DETAILS[CTM])
    bad_docs: list[object] = [{"postings": []}, [1, 2], {"title": "no id"}]
    for doc in bad_docs:
        bad = RawPayload(**{**raw.__dict__, "body": json.dumps(doc).encode()})
        parsed = parse_payload(bad, source())
        assert not parsed.postings and len(parsed.errors) == 1
        assert "'jobs' list" in parsed.errors[0].message


def test_the_sample_board_asks_only_for_its_director(httpserver: HTTPServer) -> None:
    """sample/greenhouse/northwindbio.json: only the Director has no list pay; its detail
    (no ranges either) leaves the pay stated in its description."""
    listing = (SAMPLE / "greenhouse" / "northwindbio.json").read_bytes()
    detail = body("northwindbio_detail_7712448002.json")
    httpserver.expect_request("/northwindbio/jobs", query_string=LIST_QUERY).respond_with_data(
        listing, content_type=JSON
    )
    httpserver.expect_request("/northwindbio/jobs/7712448002").respond_with_data(
        detail, content_type=JSON
    )
    northwind = SourceRef("greenhouse-northwindbio", "greenhouse", "northwindbio", "Northwind Bio")
    payloads = fetch_board(greenhouse, session(), northwind, options(httpserver))
    assert [p.body for p in payloads] == [listing, detail]
    director = parse_payload(payloads[1], northwind).postings[0]
    assert director.salary_basis == "text" and director.salary is not None


def test_a_job_listed_twice_is_asked_for_once(httpserver: HTTPServer) -> None:
    ctm = recorded_jobs()[0]
    serve_list(httpserver, listing_with([ctm, ctm]))
    serve_details(httpserver)
    fetch_board(greenhouse, session(), source(), options(httpserver))
    assert detail_requests(httpserver) == [CTM]
