"""RemoteOK connector against a local server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from core.errors import BoardGoneError, LayoutChangedError
from core.models import SourceRef
from sources.boards import remoteok
from sources.options import FetchOptions
from sources.session import build_session
from tests.helpers import fetch_board

BODY = (Path(__file__).parent / "data" / "recordings" / "remoteok" / "api.json").read_bytes()
SOURCE = SourceRef("remoteok-all", "remoteok", "remoteok", "Remote OK")


def options(server: HTTPServer) -> FetchOptions:
    return FetchOptions(timeout=5, base_urls={"remoteok": server.url_for("/api")})


def session():
    return build_session(user_agent="ClinOpsJobAlerts-test/1", retries=2, backoff=0.01)


def test_the_feed_is_fetched_once_with_its_legal_notice(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api").respond_with_data(BODY, content_type="application/json")
    payloads = fetch_board(remoteok, session(), SOURCE, options(httpserver))
    assert len(payloads) == 1 and len(httpserver.log) == 1
    assert "legal" in json.loads(payloads[0].body)[0]
    assert httpserver.log[0][0].headers["User-Agent"] == "ClinOpsJobAlerts-test/1"


def test_404_is_board_gone(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api").respond_with_data("gone", status=404)
    with pytest.raises(BoardGoneError):
        fetch_board(remoteok, session(), SOURCE, options(httpserver))


def test_malformed_json_is_a_layout_change(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api").respond_with_data(b"[{", content_type="application/json")
    with pytest.raises(LayoutChangedError) as caught:
        fetch_board(remoteok, session(), SOURCE, options(httpserver))
    assert caught.value.payloads[0].body == b"[{"


def test_html_with_200_is_a_layout_change(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api").respond_with_data(
        "<html>blocked</html>", content_type="text/html"
    )
    with pytest.raises(LayoutChangedError):
        fetch_board(remoteok, session(), SOURCE, options(httpserver))


def test_an_object_instead_of_an_array_is_a_layout_change(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api").respond_with_json({"jobs": []})
    with pytest.raises(LayoutChangedError, match="array"):
        fetch_board(remoteok, session(), SOURCE, options(httpserver))
