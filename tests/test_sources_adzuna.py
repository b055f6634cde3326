"""Adzuna connector against a local server: countries x keywords, paging, keys kept secret."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from core.errors import BoardGoneError, LayoutChangedError, SourceSkippedError
from core.models import SourceRef
from sources.boards import adzuna
from sources.options import FetchOptions
from sources.session import build_session
from tests.helpers import fetch_board

BODY = (Path(__file__).parent / "data" / "recordings" / "adzuna" / "us-p1.json").read_bytes()
SOURCE = SourceRef(
    "adzuna-clinops",
    "adzuna",
    "adzuna",
    "Adzuna",
    params={"countries": ["us", "gb"], "search": ["clinical trial manager"]},
)
KEYS = {"adzuna_app_id": "id-123", "adzuna_app_key": "key-456"}
API = "/v1/api/jobs"


def options(server: HTTPServer, credentials=KEYS, **kw) -> FetchOptions:
    urls = {"adzuna": server.url_for(API)}
    return FetchOptions(timeout=5, base_urls=urls, credentials=credentials, **kw)


def session():
    return build_session(user_agent="ClinOpsJobAlerts-test/1", retries=2, backoff=0.01)


def query(term: str = "clinical trial manager") -> dict[str, str]:
    return {
        "app_id": "id-123",
        "app_key": "key-456",
        "what": term,
        "results_per_page": "50",
        "content-type": "application/json",
    }


def test_each_country_is_searched_and_urls_are_redacted(httpserver: HTTPServer) -> None:
    for country in ("us", "gb"):
        httpserver.expect_request(
            f"{API}/{country}/search/1", query_string=query()
        ).respond_with_data(BODY, content_type="application/json")
    payloads = fetch_board(adzuna, session(), SOURCE, options(httpserver))
    assert len(payloads) == 2
    assert all("key-456" not in p.url and "id-123" not in p.url for p in payloads)
    assert "/us/search/1?" in payloads[0].url and "app_key=REDACTED" in payloads[0].url


def test_a_full_page_asks_for_the_next_one(httpserver: HTTPServer) -> None:
    full = json.dumps({"count": 60, "results": [{"id": str(i)} for i in range(50)]})
    httpserver.expect_request(f"{API}/us/search/1").respond_with_data(
        full, content_type="application/json"
    )
    httpserver.expect_request(f"{API}/us/search/2").respond_with_data(
        BODY, content_type="application/json"
    )
    source = SourceRef("a", "adzuna", "adzuna", "Adzuna", params={"countries": ["us"]})
    payloads = fetch_board(adzuna, session(), source, options(httpserver))
    assert len(payloads) == 2 * len(adzuna.DEFAULT_SEARCH)


@pytest.mark.parametrize("credentials", [{}, {"adzuna_app_id": "x"}, {"adzuna_app_key": "y"}])
def test_skipped_without_keys_before_any_request(
    httpserver: HTTPServer, credentials: dict[str, str]
) -> None:
    with pytest.raises(SourceSkippedError, match="ADZUNA"):
        fetch_board(adzuna, session(), SOURCE, options(httpserver, credentials=credentials))
    assert httpserver.log == []


def test_404_is_board_gone_and_the_error_hides_the_key(httpserver: HTTPServer) -> None:
    httpserver.expect_request(f"{API}/us/search/1").respond_with_data("gone", status=404)
    with pytest.raises(BoardGoneError) as caught:
        fetch_board(adzuna, session(), SOURCE, options(httpserver))
    assert "key-456" not in caught.value.url and "key-456" not in str(caught.value)
    assert caught.value.status == 404


def test_malformed_json_is_a_layout_change(httpserver: HTTPServer) -> None:
    httpserver.expect_request(f"{API}/us/search/1").respond_with_data(
        b'{"results": [', content_type="application/json"
    )
    with pytest.raises(LayoutChangedError) as caught:
        fetch_board(adzuna, session(), SOURCE, options(httpserver))
    assert len(caught.value.payloads) == 1


def test_html_with_200_is_a_layout_change(httpserver: HTTPServer) -> None:
    httpserver.expect_request(f"{API}/us/search/1").respond_with_data(
        "<html>Forbidden</html>", content_type="text/html"
    )
    with pytest.raises(LayoutChangedError):
        fetch_board(adzuna, session(), SOURCE, options(httpserver))
