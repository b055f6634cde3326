"""Himalayas connector against a local server: pages, stop rules, known ids, errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from core.errors import BoardGoneError, LayoutChangedError, TransientSourceError
from core.models import SourceRef
from sources.boards import himalayas
from sources.options import FetchOptions
from sources.session import build_session
from tests.helpers import fetch_board

DATA = Path(__file__).parent / "data" / "recordings" / "himalayas"
P1, P2, P3 = ((DATA / f"search-p{n}.json").read_bytes() for n in (1, 2, 3))
SOURCE = SourceRef(
    "himalayas-clinops",
    "himalayas",
    "himalayas",
    "Himalayas",
    params={"search": ["clinical operations"]},
)


def options(server: HTTPServer, **kw) -> FetchOptions:
    return FetchOptions(timeout=5, base_urls={"himalayas": server.url_for("/search")}, **kw)


def session():
    return build_session(user_agent="ClinOpsJobAlerts-test/1", retries=2, backoff=0.01)


def serve(server: HTTPServer, page: int, body: bytes, term: str = "clinical operations") -> None:
    query = {"q": term, "page": str(page), "sort": "recent"}
    server.expect_request("/search", query_string=query).respond_with_data(
        body, content_type="application/json"
    )


def test_a_short_page_is_not_the_last_page_an_empty_one_is(httpserver: HTTPServer) -> None:
    for page, body in enumerate((P1, P2, P3), start=1):
        serve(httpserver, page, body)
    payloads = fetch_board(himalayas, session(), SOURCE, options(httpserver))
    assert [p.body for p in payloads] == [P1, P2, P3]
    assert len(httpserver.log) == 3


def test_each_keyword_is_searched(httpserver: HTTPServer) -> None:
    source = SourceRef("h", "himalayas", "himalayas", "Himalayas", params={"search": ["a", "b"]})
    for term in ("a", "b"):
        serve(httpserver, 1, P3, term)
    payloads = fetch_board(himalayas, session(), source, options(httpserver))
    assert len(payloads) == 2


def test_default_keywords_when_none_are_configured() -> None:
    bare = SourceRef("h", "himalayas", "himalayas", "Himalayas")
    assert himalayas.search_terms(bare) == list(himalayas.DEFAULT_SEARCH)
    assert "sort=recent" in himalayas.page_url("clinical trial", 2, FetchOptions())


def test_paging_stops_at_a_page_of_known_postings(httpserver: HTTPServer) -> None:
    serve(httpserver, 1, P2)
    known = frozenset(
        {"https://himalayas.app/companies/delta-therapeutics/jobs/director-clinical-operations-4"}
    )
    payloads = fetch_board(himalayas, session(), SOURCE, options(httpserver, known_ids=known))
    assert len(payloads) == 1 and len(httpserver.log) == 1


def test_paging_is_bounded_by_max_pages(httpserver: HTTPServer) -> None:
    for page in (1, 2):
        serve(httpserver, page, P1)
    payloads = fetch_board(himalayas, session(), SOURCE, options(httpserver, max_pages=2))
    assert len(payloads) == 2


def test_404_is_board_gone(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/search").respond_with_data("not found", status=404)
    with pytest.raises(BoardGoneError):
        fetch_board(himalayas, session(), SOURCE, options(httpserver))


def test_malformed_json_keeps_the_payloads(httpserver: HTTPServer) -> None:
    serve(httpserver, 1, P1)
    serve(httpserver, 2, b'{"jobs": [')
    with pytest.raises(LayoutChangedError) as caught:
        fetch_board(himalayas, session(), SOURCE, options(httpserver))
    assert [p.body for p in caught.value.payloads] == [P1, b'{"jobs": [']


def test_html_error_page_with_200_is_a_layout_change(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/search").respond_with_data(
        "<html><body>Just a moment...</body></html>", content_type="text/html"
    )
    with pytest.raises(LayoutChangedError, match="not JSON"):
        fetch_board(himalayas, session(), SOURCE, options(httpserver))


def test_a_body_without_jobs_is_a_layout_change(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/search").respond_with_json({"results": []})
    with pytest.raises(LayoutChangedError, match="jobs"):
        fetch_board(himalayas, session(), SOURCE, options(httpserver))


def test_a_500_on_page_two_keeps_page_one(httpserver: HTTPServer) -> None:
    serve(httpserver, 1, P1)
    httpserver.expect_request("/search").respond_with_data("upstream error", status=500)
    with pytest.raises(TransientSourceError) as caught:
        fetch_board(himalayas, session(), SOURCE, options(httpserver))
    assert caught.value.status == 500
    assert [p.body for p in caught.value.payloads] == [P1]
