"""USAJOBS connector against a local server: headers, NumberOfPages paging, skip without keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from core.errors import (
    BoardGoneError,
    LayoutChangedError,
    SourceSkippedError,
    TransientSourceError,
)
from core.models import SourceRef
from sources.boards import usajobs
from sources.options import FetchOptions
from sources.session import build_session
from tests.helpers import fetch_board

DATA = Path(__file__).parent / "data" / "recordings" / "usajobs"
PAGE1, PAGE2 = (DATA / "page1.json").read_bytes(), (DATA / "page2.json").read_bytes()
SOURCE = SourceRef(
    "usajobs-clinical", "usajobs", "usajobs", "USAJOBS", params={"search": ["clinical research"]}
)
KEYS = {"usajobs_api_key": "secret-key", "usajobs_email": "alerts@example.test"}
EMPTY = b'{"SearchResult": {"SearchResultCount": 0, "SearchResultItems": [], "UserArea": {}}}'


def options(server: HTTPServer, credentials=KEYS, **kw) -> FetchOptions:
    urls = {"usajobs": server.url_for("/api/search")}
    return FetchOptions(timeout=5, base_urls=urls, credentials=credentials, **kw)


def session():
    return build_session(user_agent="ClinOpsJobAlerts-test/1", retries=2, backoff=0.01)


def serve(server: HTTPServer, page: int, body: bytes) -> None:
    query = f"Keyword=clinical+research&ResultsPerPage=500&Page={page}"
    server.expect_request("/api/search", query_string=query).respond_with_data(
        body, content_type="application/json"
    )


def test_pages_up_to_number_of_pages_with_the_identifying_headers(httpserver: HTTPServer) -> None:
    serve(httpserver, 1, PAGE1)
    serve(httpserver, 2, PAGE2)
    shared = session()
    payloads = fetch_board(usajobs, shared, SOURCE, options(httpserver))
    assert [p.body for p in payloads] == [PAGE1, PAGE2]
    headers = httpserver.log[0][0].headers
    assert headers["Authorization-Key"] == "secret-key"
    assert headers["User-Agent"] == "alerts@example.test"
    assert headers["Host"] == httpserver.url_for("/").split("/")[2]
    assert "Authorization-Key" not in shared.headers  # the shared session is untouched


@pytest.mark.parametrize("credentials", [{}, {"usajobs_api_key": "k"}, {"usajobs_email": "e"}])
def test_skipped_without_key_and_email_before_any_request(
    httpserver: HTTPServer, credentials: dict[str, str]
) -> None:
    with pytest.raises(SourceSkippedError, match="JOBALERTS_USAJOBS_API_KEY"):
        fetch_board(usajobs, session(), SOURCE, options(httpserver, credentials=credentials))
    assert httpserver.log == []


def test_an_empty_first_page_stops(httpserver: HTTPServer) -> None:
    serve(httpserver, 1, EMPTY)
    assert len(fetch_board(usajobs, session(), SOURCE, options(httpserver))) == 1


def test_paging_is_bounded_by_max_pages(httpserver: HTTPServer) -> None:
    serve(httpserver, 1, PAGE1)
    payloads = fetch_board(usajobs, session(), SOURCE, options(httpserver, max_pages=1))
    assert len(payloads) == 1 and len(httpserver.log) == 1


def test_404_is_board_gone(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/search").respond_with_data("gone", status=404)
    with pytest.raises(BoardGoneError):
        fetch_board(usajobs, session(), SOURCE, options(httpserver))


def test_malformed_json_is_a_layout_change(httpserver: HTTPServer) -> None:
    serve(httpserver, 1, b'{"SearchResult": ')
    with pytest.raises(LayoutChangedError):
        fetch_board(usajobs, session(), SOURCE, options(httpserver))


def test_html_with_200_is_a_layout_change(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/search").respond_with_data("<html/>", content_type="text/html")
    with pytest.raises(LayoutChangedError):
        fetch_board(usajobs, session(), SOURCE, options(httpserver))


def test_a_body_without_search_result_is_a_layout_change(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/search").respond_with_json({"Results": []})
    with pytest.raises(LayoutChangedError, match="SearchResult"):
        fetch_board(usajobs, session(), SOURCE, options(httpserver))


def test_a_500_on_page_two_keeps_page_one(httpserver: HTTPServer) -> None:
    serve(httpserver, 1, PAGE1)
    httpserver.expect_request("/api/search").respond_with_data("upstream error", status=500)
    with pytest.raises(TransientSourceError) as caught:
        fetch_board(usajobs, session(), SOURCE, options(httpserver))
    assert caught.value.status == 500
    assert [p.body for p in caught.value.payloads] == [PAGE1]
