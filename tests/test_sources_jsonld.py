"""JSON-LD career-page connector against a local server: robots.txt first, HTML pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from core.errors import BoardGoneError, LayoutChangedError, SourceError
from core.models import SourceRef
from sources.boards import jsonld
from sources.options import FetchOptions
from sources.session import build_session
from tests.helpers import Payloads, fetch_board

DATA = Path(__file__).parent / "data" / "recordings" / "jsonld"
GRAPH, LISTED = (DATA / "graph.html").read_bytes(), (DATA / "list.html").read_bytes()
OPTIONS = FetchOptions(timeout=5)


def session():
    return build_session(user_agent="ClinOpsJobAlerts-test/1", retries=2, backoff=0.01)


def source(server: HTTPServer, *pages: str) -> SourceRef:
    urls = [server.url_for(p) for p in pages]
    return SourceRef(
        "jsonld-tern",
        "jsonld",
        "tern",
        "Tern Clinical",
        url=urls[0],
        params={"urls": urls} if len(urls) > 1 else {},
    )


def serve(server: HTTPServer, path: str, body: bytes, content_type: str = "text/html") -> None:
    server.expect_request(path).respond_with_data(body, content_type=content_type)


def test_pages_are_fetched_as_html_when_robots_allow(httpserver: HTTPServer) -> None:
    serve(httpserver, "/robots.txt", b"User-agent: *\nDisallow: /private/\n", "text/plain")
    serve(httpserver, "/jobs/ctm", GRAPH)
    serve(httpserver, "/jobs/all", LISTED)
    payloads = fetch_board(jsonld, session(), source(httpserver, "/jobs/ctm", "/jobs/all"), OPTIONS)
    assert [p.body for p in payloads] == [GRAPH, LISTED]
    page_request = httpserver.log[1][0]
    assert page_request.path == "/jobs/ctm" and "text/html" in page_request.headers["Accept"]


def test_a_disallowed_page_is_never_fetched(httpserver: HTTPServer) -> None:
    serve(httpserver, "/robots.txt", b"User-agent: *\nDisallow: /jobs/\n", "text/plain")
    serve(httpserver, "/jobs/ctm", GRAPH)
    with pytest.raises(SourceError, match=r"robots\.txt disallows"):
        fetch_board(jsonld, session(), source(httpserver, "/jobs/ctm"), OPTIONS)
    assert [r.path for r, _ in httpserver.log] == ["/robots.txt"]


def test_a_missing_robots_txt_allows(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("not found", status=404)
    serve(httpserver, "/jobs/ctm", GRAPH)
    payloads = fetch_board(jsonld, session(), source(httpserver, "/jobs/ctm"), OPTIONS)
    assert len(payloads) == 1
    assert [r.path for r, _ in httpserver.log] == ["/robots.txt", "/jobs/ctm"]


def test_404_page_is_board_gone(httpserver: HTTPServer) -> None:
    serve(httpserver, "/robots.txt", b"", "text/plain")
    httpserver.expect_request("/jobs/old").respond_with_data("gone", status=404)
    with pytest.raises(BoardGoneError):
        fetch_board(jsonld, session(), source(httpserver, "/jobs/old"), OPTIONS)


def test_json_instead_of_html_is_a_layout_change(httpserver: HTTPServer) -> None:
    serve(httpserver, "/robots.txt", b"", "text/plain")
    serve(httpserver, "/jobs/ctm", b'{"error": "use the app"}', "application/json")
    with pytest.raises(LayoutChangedError, match="HTML") as caught:
        fetch_board(jsonld, session(), source(httpserver, "/jobs/ctm"), OPTIONS)
    assert len(caught.value.payloads) == 1


def test_a_source_without_url_is_an_error() -> None:
    bare = SourceRef("jsonld-none", "jsonld", "none", "None")
    with pytest.raises(SourceError, match="needs a url"):
        fetch_board(jsonld, session(), bare, OPTIONS)


def test_a_failing_second_page_keeps_the_first(httpserver: HTTPServer) -> None:
    serve(httpserver, "/robots.txt", b"", "text/plain")
    serve(httpserver, "/jobs/ctm", GRAPH)
    httpserver.expect_request("/jobs/old").respond_with_data("gone", status=404)
    with pytest.raises(BoardGoneError) as caught:
        fetch_board(jsonld, session(), source(httpserver, "/jobs/ctm", "/jobs/old"), OPTIONS)
    assert [p.body for p in caught.value.payloads] == [GRAPH]


def test_a_disallowed_second_page_keeps_the_first(httpserver: HTTPServer) -> None:
    serve(httpserver, "/robots.txt", b"User-agent: *\nDisallow: /private/\n", "text/plain")
    serve(httpserver, "/jobs/ctm", GRAPH)
    with pytest.raises(SourceError, match="disallows") as caught:
        fetch_board(jsonld, session(), source(httpserver, "/jobs/ctm", "/private/x"), OPTIONS)
    assert [p.body for p in caught.value.payloads] == [GRAPH]


def test_pages_come_back_as_the_shared_payloads(httpserver: HTTPServer) -> None:
    serve(httpserver, "/robots.txt", b"", "text/plain")
    serve(httpserver, "/jobs/ctm", GRAPH)
    payloads = fetch_board(jsonld, session(), source(httpserver, "/jobs/ctm"), OPTIONS)
    assert isinstance(payloads, Payloads) and not payloads.capped
