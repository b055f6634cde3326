"""SmartRecruiters connector against a local HTTP server serving recorded responses."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from core.errors import BoardGoneError, LayoutChangedError, TransientSourceError
from core.models import SourceRef
from sources.boards import smartrecruiters
from sources.options import FetchOptions
from sources.session import build_session
from tests.helpers import fetch_board

REC = Path(__file__).parent / "data" / "recordings" / "smartrecruiters"
LIST = "/v1/companies/BrightWaveCRO/postings"
CRA, CTM, CTA = "744000091234501", "744000091234502", "744000091234504"
DETAILS = {CRA: "posting_cra.json", CTM: "posting_ctm.json", CTA: "posting_cta.json"}
JSON = "application/json"
SOURCE = SourceRef("smartrecruiters-brightwave", "smartrecruiters", "BrightWaveCRO", "BrightWave")


def body(name: str) -> bytes:
    return (REC / name).read_bytes()


def options(server: HTTPServer, **kw: Any) -> FetchOptions:
    return FetchOptions(timeout=5, base_urls={"smartrecruiters": server.url_for("/")}, **kw)


def session(retries: int = 2):
    return build_session(user_agent="ClinOpsJobAlerts-test/1", retries=retries, backoff=0.01)


def serve_page(server: HTTPServer, offset: int, name: str) -> None:
    server.expect_request(LIST, query_string=f"limit=100&offset={offset}").respond_with_data(
        body(name), content_type=JSON
    )


def serve_board(server: HTTPServer) -> None:
    serve_page(server, 0, "postings_page1.json")
    serve_page(server, 3, "postings_page2.json")
    for posting_id, name in DETAILS.items():
        server.expect_request(f"{LIST}/{posting_id}").respond_with_data(
            body(name), content_type=JSON
        )


def requested(server: HTTPServer) -> list[str]:
    return [r.full_path.removeprefix(LIST).rstrip("?") for r, _ in server.log]


def test_pages_by_the_echoed_limit_until_total_found(httpserver: HTTPServer):
    serve_board(httpserver)
    payloads = fetch_board(smartrecruiters, session(), SOURCE, options(httpserver))
    assert requested(httpserver) == [
        "?limit=100&offset=0",
        "?limit=100&offset=3",  # the server echoed limit 3: the next page starts at 3
        f"/{CRA}",
        f"/{CTM}",
        f"/{CTA}",  # relevant titles only; offset 6 >= totalFound 5 ends the list
    ]
    assert [p.body for p in payloads[:2]] == [
        body("postings_page1.json"),
        body("postings_page2.json"),
    ]
    assert payloads[2].body == body("posting_cra.json")


def test_an_empty_board_is_one_payload(httpserver: HTTPServer):
    serve_page(httpserver, 0, "postings_empty.json")
    payloads = fetch_board(smartrecruiters, session(), SOURCE, options(httpserver))
    assert len(payloads) == 1 and len(httpserver.log) == 1


def test_max_pages_and_known_ids_limit_the_requests(httpserver: HTTPServer):
    serve_board(httpserver)
    opts = options(httpserver, max_pages=1, known_ids=frozenset({CRA}))
    payloads = fetch_board(smartrecruiters, session(), SOURCE, opts)
    assert requested(httpserver) == ["?limit=100&offset=0", f"/{CTM}"]
    assert len(payloads) == 2


def test_429_with_retry_after_then_success(httpserver: HTTPServer):
    httpserver.expect_oneshot_request(LIST).respond_with_data(
        "slow down", status=429, headers={"Retry-After": "1"}
    )
    serve_board(httpserver)
    started = time.monotonic()
    payloads = fetch_board(smartrecruiters, session(), SOURCE, options(httpserver))
    assert time.monotonic() - started >= 0.9
    assert len(payloads) == 5


def test_500_is_retried_then_given_up_keeping_earlier_payloads(httpserver: HTTPServer):
    serve_page(httpserver, 0, "postings_page1.json")
    httpserver.expect_request(LIST, query_string="limit=100&offset=3").respond_with_data(
        "boom", status=500
    )
    with pytest.raises(TransientSourceError) as caught:
        fetch_board(smartrecruiters, session(retries=2), SOURCE, options(httpserver))
    assert len(httpserver.log) == 1 + 3
    assert [p.body for p in caught.value.payloads] == [body("postings_page1.json")]


def test_404_means_the_company_moved(httpserver: HTTPServer):
    httpserver.expect_request(LIST).respond_with_data("not found", status=404)
    with pytest.raises(BoardGoneError):
        fetch_board(smartrecruiters, session(), SOURCE, options(httpserver))


@pytest.mark.parametrize(
    ("data", "content_type", "match"),
    [
        (body("postings_page1.json")[:300], JSON, "not JSON"),  # truncated
        (b"<!DOCTYPE html><title>Error</title>", "text/html; charset=utf-8", "text/html"),
        (b'{"offset": 0, "limit": 100, "totalFound": 0}', JSON, "content"),
    ],
)
def test_unreadable_list_is_a_layout_change(
    httpserver: HTTPServer, data: bytes, content_type: str, match: str
):
    httpserver.expect_request(LIST).respond_with_data(data, content_type=content_type)
    with pytest.raises(LayoutChangedError, match=match) as caught:
        fetch_board(smartrecruiters, session(), SOURCE, options(httpserver))
    assert [p.body for p in caught.value.payloads] == [data]


def test_a_redirect_is_followed(httpserver: HTTPServer):
    httpserver.expect_request(LIST).respond_with_data(
        "", status=302, headers={"Location": httpserver.url_for("/v1/companies/brightwave/all")}
    )
    httpserver.expect_request("/v1/companies/brightwave/all").respond_with_data(
        body("postings_empty.json"), content_type=JSON
    )
    payloads = fetch_board(smartrecruiters, session(), SOURCE, options(httpserver))
    assert payloads[0].body == body("postings_empty.json")


def test_says_when_max_pages_cut_the_list_short(httpserver: HTTPServer):
    serve_board(httpserver)
    capped = fetch_board(smartrecruiters, session(), SOURCE, options(httpserver, max_pages=1))
    assert capped.capped
    whole = fetch_board(smartrecruiters, session(), SOURCE, options(httpserver, max_pages=2))
    assert not whole.capped  # offset 6 >= totalFound 5: the list ended within the cap
