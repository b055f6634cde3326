"""Arbeitnow connector against a local server: links.next paging, bounds, errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from core.errors import BoardGoneError, LayoutChangedError, TransientSourceError
from core.models import SourceRef
from sources.boards import arbeitnow
from sources.options import FetchOptions
from sources.session import build_session
from tests.helpers import fetch_board

DATA = Path(__file__).parent / "data" / "recordings" / "arbeitnow"
PAGE1, PAGE2 = (DATA / "page1.json").read_bytes(), (DATA / "page2.json").read_bytes()
SOURCE = SourceRef("arbeitnow-all", "arbeitnow", "arbeitnow", "Arbeitnow")
API = "/api/job-board-api"


def options(server: HTTPServer, **kw) -> FetchOptions:
    return FetchOptions(timeout=5, base_urls={"arbeitnow": server.url_for(API)}, **kw)


def session():
    return build_session(user_agent="ClinOpsJobAlerts-test/1", retries=2, backoff=0.01)


def serve(server: HTTPServer, page: int, body: bytes) -> None:
    server.expect_request(API, query_string=f"page={page}").respond_with_data(
        body, content_type="application/json"
    )


def test_pages_follow_links_next_on_our_base_until_it_is_null(httpserver: HTTPServer) -> None:
    serve(httpserver, 1, PAGE1)
    serve(httpserver, 2, PAGE2)
    payloads = fetch_board(arbeitnow, session(), SOURCE, options(httpserver))
    assert [p.body for p in payloads] == [PAGE1, PAGE2]
    assert all(p.url.startswith(httpserver.url_for(API)) for p in payloads)


def test_paging_is_bounded_by_max_pages(httpserver: HTTPServer) -> None:
    serve(httpserver, 1, PAGE1)
    payloads = fetch_board(arbeitnow, session(), SOURCE, options(httpserver, max_pages=1))
    assert len(payloads) == 1 and len(httpserver.log) == 1


def test_next_page_reads_the_link_and_never_goes_back() -> None:
    assert arbeitnow.next_page({"links": {"next": "https://x/api?page=7"}}, 6) == 7
    assert arbeitnow.next_page({"links": {"next": "https://x/api?page=2"}}, 5) is None
    assert arbeitnow.next_page({"links": {"next": "https://x/api"}}, 3) == 4
    assert arbeitnow.next_page({"links": {"next": None}}, 1) is None


def test_404_is_board_gone(httpserver: HTTPServer) -> None:
    httpserver.expect_request(API).respond_with_data("gone", status=404)
    with pytest.raises(BoardGoneError):
        fetch_board(arbeitnow, session(), SOURCE, options(httpserver))


def test_malformed_json_on_page_two_keeps_page_one(httpserver: HTTPServer) -> None:
    serve(httpserver, 1, PAGE1)
    serve(httpserver, 2, b'{"data": [')
    with pytest.raises(LayoutChangedError) as caught:
        fetch_board(arbeitnow, session(), SOURCE, options(httpserver))
    assert [p.body for p in caught.value.payloads] == [PAGE1, b'{"data": [']


def test_html_with_200_is_a_layout_change(httpserver: HTTPServer) -> None:
    httpserver.expect_request(API).respond_with_data("<html>oops</html>", content_type="text/html")
    with pytest.raises(LayoutChangedError):
        fetch_board(arbeitnow, session(), SOURCE, options(httpserver))


def test_a_500_on_page_two_keeps_page_one(httpserver: HTTPServer) -> None:
    serve(httpserver, 1, PAGE1)
    httpserver.expect_request(API).respond_with_data("upstream error", status=500)
    with pytest.raises(TransientSourceError) as caught:
        fetch_board(arbeitnow, session(), SOURCE, options(httpserver))
    assert caught.value.status == 500
    assert [p.body for p in caught.value.payloads] == [PAGE1]
