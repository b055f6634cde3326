"""Remotive connector against a local server."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from core.errors import BoardGoneError, LayoutChangedError, TransientSourceError
from core.models import SourceRef
from sources.boards import remotive
from sources.options import FetchOptions
from sources.session import build_session
from tests.helpers import fetch_board

BODY = (
    Path(__file__).parent / "data" / "recordings" / "remotive" / "search-clinical.json"
).read_bytes()
SOURCE = SourceRef(
    "remotive-clinops",
    "remotive",
    "remotive",
    "Remotive",
    params={"search": ["clinical", "clinical trial"]},
)


def options(server: HTTPServer) -> FetchOptions:
    return FetchOptions(timeout=5, base_urls={"remotive": server.url_for("/api/remote-jobs")})


def session():
    return build_session(user_agent="ClinOpsJobAlerts-test/1", retries=2, backoff=0.01)


def test_one_request_per_keyword(httpserver: HTTPServer) -> None:
    for term in ("clinical", "clinical trial"):
        httpserver.expect_request(
            "/api/remote-jobs", query_string={"search": term}
        ).respond_with_data(BODY, content_type="application/json")
    payloads = fetch_board(remotive, session(), SOURCE, options(httpserver))
    assert [p.body for p in payloads] == [BODY, BODY]
    assert len(httpserver.log) == 2


def test_default_keyword() -> None:
    bare = SourceRef("r", "remotive", "remotive", "Remotive")
    assert remotive.search_terms(bare) == ["clinical"]


def test_404_is_board_gone(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/remote-jobs").respond_with_data("gone", status=404)
    with pytest.raises(BoardGoneError):
        fetch_board(remotive, session(), SOURCE, options(httpserver))


def test_malformed_json_is_a_layout_change(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/remote-jobs").respond_with_data(
        b'{"jobs": [', content_type="application/json"
    )
    with pytest.raises(LayoutChangedError) as caught:
        fetch_board(remotive, session(), SOURCE, options(httpserver))
    assert len(caught.value.payloads) == 1


def test_html_with_200_is_a_layout_change(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/remote-jobs").respond_with_data(
        "<!doctype html><p>maintenance</p>", content_type="text/html"
    )
    with pytest.raises(LayoutChangedError):
        fetch_board(remotive, session(), SOURCE, options(httpserver))


def test_envelope_without_jobs_is_a_layout_change(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/remote-jobs").respond_with_json({"00-warning": "x"})
    with pytest.raises(LayoutChangedError, match="jobs"):
        fetch_board(remotive, session(), SOURCE, options(httpserver))


def test_a_500_on_the_second_keyword_keeps_the_first(httpserver: HTTPServer) -> None:
    httpserver.expect_request(
        "/api/remote-jobs", query_string={"search": "clinical"}
    ).respond_with_data(BODY, content_type="application/json")
    httpserver.expect_request("/api/remote-jobs").respond_with_data("upstream error", status=500)
    with pytest.raises(TransientSourceError) as caught:
        fetch_board(remotive, session(), SOURCE, options(httpserver))
    assert caught.value.status == 500
    assert [p.body for p in caught.value.payloads] == [BODY]
