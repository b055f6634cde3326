"""Recruitee connector against a local HTTP server serving recorded responses."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from core.errors import BoardGoneError, LayoutChangedError, SourceError, TransientSourceError
from core.models import SourceRef
from sources.boards import recruitee
from sources.options import FetchOptions
from sources.session import build_session
from tests.helpers import fetch_board

REC = Path(__file__).parent / "data" / "recordings" / "recruitee"
OFFERS = "/api/offers/"
JSON = "application/json"
SOURCE = SourceRef("recruitee-nordlys", "recruitee", "nordlysresearch", "Nordlys Research")


def body(name: str) -> bytes:
    return (REC / name).read_bytes()


def options(server: HTTPServer, **kw: Any) -> FetchOptions:
    return FetchOptions(timeout=5, base_urls={"recruitee": server.url_for("/")}, **kw)


def session(retries: int = 2):
    return build_session(user_agent="ClinOpsJobAlerts-test/1", retries=retries, backoff=0.01)


def test_the_default_base_is_the_company_subdomain():
    assert recruitee.offers_url(SOURCE, FetchOptions()) == (
        "https://nordlysresearch.recruitee.com/api/offers/"
    )


def test_one_request_returns_every_offer(httpserver: HTTPServer):
    httpserver.expect_request(OFFERS).respond_with_data(body("offers.json"), content_type=JSON)
    payloads = fetch_board(recruitee, session(), SOURCE, options(httpserver))
    assert [p.body for p in payloads] == [body("offers.json")]
    assert payloads[0].content_type == JSON and len(httpserver.log) == 1


def test_an_empty_list_on_a_generic_subdomain_is_returned(httpserver: HTTPServer):
    httpserver.expect_request(OFFERS).respond_with_data(
        body("offers_empty.json"), content_type=JSON
    )
    payloads = fetch_board(recruitee, session(), SOURCE, options(httpserver))
    assert [p.body for p in payloads] == [body("offers_empty.json")]


def test_429_with_retry_after_then_success(httpserver: HTTPServer):
    httpserver.expect_oneshot_request(OFFERS).respond_with_data(
        "slow down", status=429, headers={"Retry-After": "1"}
    )
    httpserver.expect_request(OFFERS).respond_with_data(body("offers.json"), content_type=JSON)
    started = time.monotonic()
    payloads = fetch_board(recruitee, session(), SOURCE, options(httpserver))
    assert time.monotonic() - started >= 0.9 and payloads[0].status == 200


def test_500_is_retried_then_given_up(httpserver: HTTPServer):
    httpserver.expect_request(OFFERS).respond_with_data("boom", status=500)
    with pytest.raises(TransientSourceError):
        fetch_board(recruitee, session(retries=2), SOURCE, options(httpserver))
    assert len(httpserver.log) == 3


def test_404_means_the_company_moved(httpserver: HTTPServer):
    httpserver.expect_request(OFFERS).respond_with_data("not found", status=404)
    with pytest.raises(BoardGoneError):
        fetch_board(recruitee, session(), SOURCE, options(httpserver))


@pytest.mark.parametrize(
    ("data", "content_type", "match"),
    [
        (body("offers.json")[:400], JSON, "not JSON"),  # truncated
        (b"<html><h1>Page not found</h1></html>", "text/html", "text/html"),
        (b'{"offer": {}}', JSON, "offers"),
    ],
)
def test_unreadable_offers_are_a_layout_change(
    httpserver: HTTPServer, data: bytes, content_type: str, match: str
):
    httpserver.expect_request(OFFERS).respond_with_data(data, content_type=content_type)
    with pytest.raises(LayoutChangedError, match=match) as caught:
        fetch_board(recruitee, session(), SOURCE, options(httpserver))
    assert [p.body for p in caught.value.payloads] == [data]


def test_a_transfer_cut_short_is_a_source_error(httpserver: HTTPServer):
    data = body("offers.json")

    def handler(request: Request) -> Response:
        response = Response(data[:500], content_type=JSON)
        response.headers["Content-Length"] = str(len(data))
        return response

    httpserver.expect_request(OFFERS).respond_with_handler(handler)
    with pytest.raises(SourceError):
        fetch_board(recruitee, session(retries=0), SOURCE, options(httpserver))


def test_a_redirect_is_followed(httpserver: HTTPServer):
    httpserver.expect_request(OFFERS).respond_with_data(
        "", status=301, headers={"Location": httpserver.url_for("/api/offers")}
    )
    httpserver.expect_request("/api/offers").respond_with_data(
        body("offers.json"), content_type=JSON
    )
    payloads = fetch_board(recruitee, session(), SOURCE, options(httpserver))
    assert payloads[0].body == body("offers.json")
