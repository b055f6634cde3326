"""RSS / Atom feed connector against a local server."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from core.errors import BoardGoneError, LayoutChangedError, SourceError
from core.models import SourceRef
from sources.boards import feed
from sources.options import FetchOptions
from sources.session import build_session
from tests.helpers import fetch_board

DATA = Path(__file__).parent / "data" / "recordings" / "feed"
RSS, ATOM = (DATA / "teamtailor.rss").read_bytes(), (DATA / "atom.xml").read_bytes()
OPTIONS = FetchOptions(timeout=5)


def session():
    return build_session(user_agent="ClinOpsJobAlerts-test/1", retries=2, backoff=0.01)


def source(server: HTTPServer, path: str = "/jobs.rss") -> SourceRef:
    return SourceRef("feed-vireo", "feed", "vireo", "Vireo", url=server.url_for(path))


@pytest.mark.parametrize("body", [RSS, ATOM])
def test_a_feed_is_fetched_once_asking_for_xml(httpserver: HTTPServer, body: bytes) -> None:
    httpserver.expect_request("/jobs.rss").respond_with_data(
        body, content_type="application/rss+xml"
    )
    payloads = fetch_board(feed, session(), source(httpserver), OPTIONS)
    assert [p.body for p in payloads] == [body]
    assert "application/rss+xml" in httpserver.log[0][0].headers["Accept"]


def test_404_is_board_gone(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/jobs.rss").respond_with_data("gone", status=404)
    with pytest.raises(BoardGoneError):
        fetch_board(feed, session(), source(httpserver), OPTIONS)


def test_an_html_page_with_200_is_a_layout_change(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/jobs.rss").respond_with_data(
        "<!DOCTYPE html><html><body>Careers</body></html>", content_type="text/html"
    )
    with pytest.raises(LayoutChangedError, match="RSS or Atom") as caught:
        fetch_board(feed, session(), source(httpserver), OPTIONS)
    assert len(caught.value.payloads) == 1


def test_json_is_a_layout_change(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/jobs.rss").respond_with_json({"jobs": []})
    with pytest.raises(LayoutChangedError):
        fetch_board(feed, session(), source(httpserver), OPTIONS)


def test_a_source_without_url_is_an_error() -> None:
    with pytest.raises(SourceError, match="needs a url"):
        fetch_board(feed, session(), SourceRef("f", "feed", "f", "F"), OPTIONS)
