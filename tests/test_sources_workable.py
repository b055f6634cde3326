"""Workable connector against a local HTTP server serving recorded responses."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from core.errors import BoardGoneError, LayoutChangedError, TransientSourceError
from core.models import SourceRef
from sources.boards import workable
from sources.options import FetchOptions
from sources.session import build_session
from tests.helpers import fetch_board

REC = Path(__file__).parent / "data" / "recordings" / "workable"
SEARCH = "/api/v3/accounts/halcyon-trials/jobs"
DETAIL = "/api/v2/accounts/halcyon-trials/jobs"
TOKEN = "eyJvZmZzZXQiOjMsInF1ZXJ5IjoiIn0="
CTM, CRA, CPM = "A1B2C3D4E5", "F6A7B8C9D0", "5E4D3C2B1A"
DETAILS = {CTM: "job_ctm.json", CRA: "job_cra.json", CPM: "job_cpm.json"}
JSON = "application/json"
SOURCE = SourceRef("workable-halcyon", "workable", "halcyon-trials", "Halcyon Trials")


def body(name: str) -> bytes:
    return (REC / name).read_bytes()


def options(server: HTTPServer, **kw: Any) -> FetchOptions:
    return FetchOptions(timeout=5, base_urls={"workable": server.url_for("/")}, **kw)


def session(retries: int = 2):
    return build_session(user_agent="ClinOpsJobAlerts-test/1", retries=retries, backoff=0.01)


def serve_search(server: HTTPServer, pages: dict[str | None, bytes]) -> None:
    """Search pages keyed by the request's `token` (None for the first page)."""

    def handler(request: Request) -> Response:
        page = pages.get(request.get_json().get("token"), body("jobs_empty.json"))
        return Response(page, content_type=JSON)

    server.expect_request(SEARCH, method="POST").respond_with_handler(handler)


def serve_board(server: HTTPServer) -> None:
    serve_search(server, {None: body("jobs_page1.json"), TOKEN: body("jobs_page2.json")})
    for shortcode, name in DETAILS.items():
        server.expect_request(f"{DETAIL}/{shortcode}").respond_with_data(
            body(name), content_type=JSON
        )


def searches(server: HTTPServer) -> list[dict[str, Any]]:
    return [json.loads(r.get_data()) for r, _ in server.log if r.method == "POST"]


def details(server: HTTPServer) -> list[str]:
    return [r.path.removeprefix(f"{DETAIL}/") for r, _ in server.log if r.method == "GET"]


def test_follows_next_page_then_fetches_relevant_details(httpserver: HTTPServer):
    serve_board(httpserver)
    payloads = fetch_board(workable, session(), SOURCE, options(httpserver))
    first = {"query": "", "location": [], "department": [], "worktype": [], "remote": []}
    assert searches(httpserver) == [first, {**first, "token": TOKEN}]
    assert details(httpserver) == [CTM, CRA, CPM]  # not the specialist, not the intern
    assert [p.body for p in payloads] == [
        body("jobs_page1.json"),
        body("jobs_page2.json"),
        *(body(name) for name in DETAILS.values()),
    ]


def test_known_ids_and_max_pages_limit_the_requests(httpserver: HTTPServer):
    serve_board(httpserver)
    opts = options(httpserver, max_pages=1, known_ids=frozenset({CTM}))
    payloads = fetch_board(workable, session(), SOURCE, opts)
    assert len(searches(httpserver)) == 1 and details(httpserver) == [CRA]
    assert len(payloads) == 2


def test_a_repeated_token_ends_the_search(httpserver: HTTPServer):
    serve_search(httpserver, {None: body("jobs_page1.json"), TOKEN: body("jobs_page1.json")})
    for shortcode, name in DETAILS.items():
        httpserver.expect_request(f"{DETAIL}/{shortcode}").respond_with_data(body(name))
    fetch_board(workable, session(), SOURCE, options(httpserver))
    assert len(searches(httpserver)) == 2


def test_429_with_retry_after_then_success(httpserver: HTTPServer):
    httpserver.expect_oneshot_request(SEARCH, method="POST").respond_with_data(
        body("rate_limited.json"), status=429, headers={"Retry-After": "1"}, content_type=JSON
    )
    serve_board(httpserver)
    started = time.monotonic()
    payloads = fetch_board(workable, session(), SOURCE, options(httpserver))
    assert time.monotonic() - started >= 0.9
    assert len(payloads) == 5 and len(searches(httpserver)) == 3


def test_a_sustained_429_is_transient_and_keeps_earlier_payloads(httpserver: HTTPServer):
    httpserver.expect_request(f"{DETAIL}/{CTM}").respond_with_data(
        body("rate_limited.json"), status=429, headers={"Retry-After": "0"}
    )
    serve_board(httpserver)
    with pytest.raises(TransientSourceError) as caught:
        fetch_board(workable, session(), SOURCE, options(httpserver))
    assert caught.value.status == 429 and details(httpserver) == [CTM] * 3
    assert len(caught.value.payloads) == 2


def test_500_is_retried_then_given_up(httpserver: HTTPServer):
    httpserver.expect_request(SEARCH).respond_with_data("boom", status=500)
    with pytest.raises(TransientSourceError):
        fetch_board(workable, session(retries=2), SOURCE, options(httpserver))
    assert len(httpserver.log) == 3


def test_404_means_the_account_moved(httpserver: HTTPServer):
    httpserver.expect_request(SEARCH).respond_with_data("not found", status=404)
    with pytest.raises(BoardGoneError):
        fetch_board(workable, session(), SOURCE, options(httpserver))


@pytest.mark.parametrize(
    ("data", "content_type", "match"),
    [
        (body("jobs_page1.json")[:250], JSON, "not JSON"),  # truncated
        (b"<html><body>Just a moment...</body></html>", "text/html", "text/html"),
        (b'{"total": 0, "jobs": []}', JSON, "results"),
    ],
)
def test_unreadable_search_is_a_layout_change(
    httpserver: HTTPServer, data: bytes, content_type: str, match: str
):
    httpserver.expect_request(SEARCH).respond_with_data(data, content_type=content_type)
    with pytest.raises(LayoutChangedError, match=match) as caught:
        fetch_board(workable, session(), SOURCE, options(httpserver))
    assert [p.body for p in caught.value.payloads] == [data]


def test_a_permanent_redirect_keeps_the_post(httpserver: HTTPServer):
    httpserver.expect_request(SEARCH, method="POST").respond_with_data(
        "", status=308, headers={"Location": httpserver.url_for("/api/v3/accounts/halcyon/jobs")}
    )
    httpserver.expect_request("/api/v3/accounts/halcyon/jobs", method="POST").respond_with_data(
        body("jobs_empty.json"), content_type=JSON
    )
    payloads = fetch_board(workable, session(), SOURCE, options(httpserver))
    assert payloads[0].body == body("jobs_empty.json")


def test_says_when_max_pages_cut_the_search_short(httpserver: HTTPServer):
    serve_board(httpserver)
    capped = fetch_board(workable, session(), SOURCE, options(httpserver, max_pages=1))
    assert capped.capped
    whole = fetch_board(workable, session(), SOURCE, options(httpserver, max_pages=2))
    assert not whole.capped  # page two has no nextPage: the search ended within the cap
