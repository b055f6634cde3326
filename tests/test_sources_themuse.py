"""The Muse connector against a local server: page_count paging, categories, api key."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from core.errors import BoardGoneError, LayoutChangedError, TransientSourceError
from core.models import SourceRef
from sources.boards import themuse
from sources.options import FetchOptions
from sources.session import build_session
from tests.helpers import fetch_board

DATA = Path(__file__).parent / "data" / "recordings" / "themuse"
PAGE0, PAGE1 = (DATA / "page0.json").read_bytes(), (DATA / "page1.json").read_bytes()
SOURCE = SourceRef("themuse-health", "themuse", "themuse", "The Muse")
API = "/api/public/jobs"


def options(server: HTTPServer, **kw) -> FetchOptions:
    return FetchOptions(timeout=5, base_urls={"themuse": server.url_for(API)}, **kw)


def session():
    return build_session(user_agent="ClinOpsJobAlerts-test/1", retries=2, backoff=0.01)


def serve(server: HTTPServer, page: int, body: bytes) -> None:
    query = f"page={page}&category=Healthcare+%26+Medicine"
    server.expect_request(API, query_string=query).respond_with_data(
        body, content_type="application/json"
    )


def test_pages_from_zero_until_page_count(httpserver: HTTPServer) -> None:
    serve(httpserver, 0, PAGE0)
    serve(httpserver, 1, PAGE1)
    payloads = fetch_board(themuse, session(), SOURCE, options(httpserver))
    assert [p.body for p in payloads] == [PAGE0, PAGE1]
    assert len(httpserver.log) == 2


def test_categories_repeat_and_the_optional_key_is_sent() -> None:
    source = SourceRef(
        "m",
        "themuse",
        "themuse",
        "The Muse",
        params={"categories": ["Healthcare & Medicine", "Science & Engineering"]},
    )
    url = themuse.page_url(source, 3, FetchOptions(credentials={"muse_api_key": "k1"}))
    assert url.endswith(
        "?page=3&category=Healthcare+%26+Medicine&category=Science+%26+Engineering&api_key=k1"
    )
    assert "api_key" not in themuse.page_url(source, 0, FetchOptions())


def test_an_empty_page_stops_paging(httpserver: HTTPServer) -> None:
    serve(httpserver, 0, b'{"page": 0, "page_count": 9, "results": []}')
    payloads = fetch_board(themuse, session(), SOURCE, options(httpserver))
    assert len(payloads) == 1


def test_404_is_board_gone(httpserver: HTTPServer) -> None:
    httpserver.expect_request(API).respond_with_data("gone", status=404)
    with pytest.raises(BoardGoneError):
        fetch_board(themuse, session(), SOURCE, options(httpserver))


def test_malformed_json_is_a_layout_change(httpserver: HTTPServer) -> None:
    serve(httpserver, 0, b'{"results": [')
    with pytest.raises(LayoutChangedError):
        fetch_board(themuse, session(), SOURCE, options(httpserver))


def test_html_with_200_is_a_layout_change(httpserver: HTTPServer) -> None:
    httpserver.expect_request(API).respond_with_data("<html>403</html>", content_type="text/html")
    with pytest.raises(LayoutChangedError):
        fetch_board(themuse, session(), SOURCE, options(httpserver))


def test_a_500_on_page_one_keeps_page_zero(httpserver: HTTPServer) -> None:
    serve(httpserver, 0, PAGE0)
    httpserver.expect_request(API).respond_with_data("upstream error", status=500)
    with pytest.raises(TransientSourceError) as caught:
        fetch_board(themuse, session(), SOURCE, options(httpserver))
    assert caught.value.status == 500
    assert [p.body for p in caught.value.payloads] == [PAGE0]
