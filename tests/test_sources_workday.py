"""Workday connector against a local HTTP server serving recorded CXS responses."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from core.errors import BoardGoneError, LayoutChangedError, SourceError, TransientSourceError
from core.models import SourceRef
from sources.boards import workday
from sources.options import FetchOptions
from sources.session import build_session
from tests.helpers import fetch_board

REC = Path(__file__).parent / "data" / "recordings" / "workday"
API = "/wday/cxs/larkspur/Larkspur_Careers"
KW = "clinical trial manager"
CTM = "/job/Remote-United-States/Clinical-Trial-Manager_R-0123456"
CRA = "/job/Maidenhead/Senior-Clinical-Research-Associate_R-0123460"
CPM = "/job/Durham-NC/Clinical-Project-Manager-II_R-0123471"
DIRECTOR = "/job/Warsaw-Poland/Director--Clinical-Operations_R-0123480"
CTA = "/job/Maidenhead/Clinical-Trial-Assistant_R-0123490"
DETAILS = {
    CTM: "detail_ctm_remote.json",
    CRA: "detail_cra_two_locations.json",
    CPM: "detail_cpm_durham.json",
    DIRECTOR: "detail_director_warsaw.json",
    CTA: "detail_cta_maidenhead.json",
}
JSON = "application/json"


def body(name: str) -> bytes:
    return (REC / name).read_bytes()


def with_total(name: str, total: int) -> bytes:
    doc = json.loads(body(name))
    doc["total"] = total
    return json.dumps(doc).encode()


def source(**params: Any) -> SourceRef:
    return SourceRef(
        "workday-larkspur",
        "workday",
        "larkspur",
        "Larkspur Clinical",
        url="https://larkspur.wd5.myworkdayjobs.com",
        params={"site": "Larkspur_Careers", **params},
    )


def options(server: HTTPServer, **kw: Any) -> FetchOptions:
    return FetchOptions(timeout=5, base_urls={"workday": server.url_for("/")}, **kw)


def session(retries: int = 2):
    return build_session(user_agent="ClinOpsJobAlerts-test/1", retries=retries, backoff=0.01)


def serve_search(server: HTTPServer, pages: dict[tuple[str, int], bytes]) -> None:
    """List pages by (searchText, offset); an empty page otherwise; HTTP 400 for limit > 20."""

    def handler(request: Request) -> Response:
        query = request.get_json()
        if query["limit"] > 20:
            return Response(body("error_400_limit.json"), status=400, content_type=JSON)
        page = pages.get((query["searchText"], query["offset"]), body("jobs_empty.json"))
        return Response(page, content_type=JSON)

    server.expect_request(f"{API}/jobs", method="POST").respond_with_handler(handler)


def serve_details(server: HTTPServer) -> None:
    for path, name in DETAILS.items():
        server.expect_request(f"{API}{path}", method="GET").respond_with_data(
            body(name), content_type=JSON
        )


def searches(server: HTTPServer) -> list[dict[str, Any]]:
    return [json.loads(r.get_data()) for r, _ in server.log if r.method == "POST"]


def detail_paths(server: HTTPServer) -> list[str]:
    return [r.path.removeprefix(API) for r, _ in server.log if r.method == "GET"]


def two_pages(server: HTTPServer) -> None:
    serve_search(server, {(KW, 0): body("jobs_page1.json"), (KW, 20): body("jobs_page2.json")})
    serve_details(server)


def test_pages_until_the_first_total_then_fetches_relevant_details(httpserver: HTTPServer):
    two_pages(httpserver)
    payloads = fetch_board(workday, session(), source(search=[KW]), options(httpserver))
    assert [q["offset"] for q in searches(httpserver)] == [0, 20]  # 40 >= total 23: no call
    assert searches(httpserver)[0] == {
        "appliedFacets": {},
        "limit": 20,
        "offset": 0,
        "searchText": KW,
    }
    assert sorted(detail_paths(httpserver)) == sorted(DETAILS)  # only relevant titles
    assert len(payloads) == 2 + len(DETAILS)
    assert payloads[0].body == body("jobs_page1.json")
    assert payloads[-1].url.endswith(f"{API}{CTA}")
    assert httpserver.log[0][0].headers["Content-Type"] == JSON


def test_default_keywords_and_dedupe_by_external_path(httpserver: HTTPServer):
    serve_search(
        httpserver,
        {
            (KW, 0): body("jobs_page1.json"),
            (KW, 20): body("jobs_page2.json"),
            ("clinical operations", 0): body("jobs_page2.json"),
        },
    )
    serve_details(httpserver)
    fetch_board(workday, session(), source(), options(httpserver))
    assert (
        [q["searchText"] for q in searches(httpserver)]
        == [
            KW,
            KW,
            "clinical operations",
            "clinical operations",  # page 1 said total 0: unknown, so the empty page ends it
            *workday.DEFAULT_SEARCH[2:],
        ]
    )
    assert sorted(detail_paths(httpserver)) == sorted(DETAILS)  # each detail once


def test_stops_on_an_empty_page_when_the_total_overstates(httpserver: HTTPServer):
    serve_search(
        httpserver,
        {(KW, 0): with_total("jobs_page1.json", 100), (KW, 20): body("jobs_page2.json")},
    )
    serve_details(httpserver)
    fetch_board(workday, session(), source(search=KW), options(httpserver))
    assert [q["offset"] for q in searches(httpserver)] == [0, 20, 40]


def test_stops_when_the_tenant_ignores_offset_and_repeats_a_page(httpserver: HTTPServer):
    page = with_total("jobs_page1.json", 100)
    serve_search(httpserver, {(KW, offset): page for offset in range(0, 100, 20)})
    serve_details(httpserver)
    fetch_board(workday, session(), source(search=[KW]), options(httpserver))
    assert [q["offset"] for q in searches(httpserver)] == [0, 20]
    assert sorted(detail_paths(httpserver)) == sorted([CTM, CRA, CPM, DIRECTOR])


def test_max_pages_caps_the_list_pages(httpserver: HTTPServer):
    two_pages(httpserver)
    fetch_board(workday, session(), source(search=[KW]), options(httpserver, max_pages=1))
    assert [q["offset"] for q in searches(httpserver)] == [0]
    assert CTA not in detail_paths(httpserver)


def test_known_ids_are_not_fetched_again(httpserver: HTTPServer):
    two_pages(httpserver)
    known = frozenset({CTM, DIRECTOR})
    payloads = fetch_board(
        workday, session(), source(search=[KW]), options(httpserver, known_ids=known)
    )
    assert sorted(detail_paths(httpserver)) == sorted([CRA, CPM, CTA])
    assert len(payloads) == 5


def test_a_limit_above_20_is_refused_with_http_400(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
):
    two_pages(httpserver)
    monkeypatch.setattr(workday, "PAGE_LIMIT", 25)
    with pytest.raises(SourceError) as caught:
        fetch_board(workday, session(), source(search=[KW]), options(httpserver))
    assert caught.value.status == 400


def test_429_with_retry_after_then_success(httpserver: HTTPServer):
    httpserver.expect_oneshot_request(f"{API}/jobs", method="POST").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "1"}
    )
    two_pages(httpserver)
    started = time.monotonic()
    payloads = fetch_board(workday, session(), source(search=[KW]), options(httpserver))
    assert time.monotonic() - started >= 0.9
    assert payloads[0].body == body("jobs_page1.json")


def test_500_is_retried_then_given_up_keeping_earlier_payloads(httpserver: HTTPServer):
    httpserver.expect_request(f"{API}{CTM}").respond_with_data("boom", status=500)
    serve_search(httpserver, {(KW, 0): body("jobs_page1.json")})
    serve_details(httpserver)
    with pytest.raises(TransientSourceError) as caught:
        fetch_board(workday, session(retries=2), source(search=[KW]), options(httpserver))
    assert caught.value.status == 500
    assert detail_paths(httpserver) == [CTM] * 3  # the first try and two retries
    assert caught.value.payloads[0].body == body("jobs_page1.json")


def test_404_on_the_list_means_the_board_is_gone(httpserver: HTTPServer):
    httpserver.expect_request(f"{API}/jobs").respond_with_data("not found", status=404)
    with pytest.raises(BoardGoneError):
        fetch_board(workday, session(), source(search=[KW]), options(httpserver))


def test_404_on_one_detail_skips_that_posting_only(httpserver: HTTPServer):
    httpserver.expect_request(f"{API}{CTM}").respond_with_data("gone", status=404)
    two_pages(httpserver)
    payloads = fetch_board(workday, session(), source(search=[KW]), options(httpserver))
    assert len(payloads) == 2 + len(DETAILS) - 1


@pytest.mark.parametrize(
    ("data", "content_type", "match"),
    [
        (b'{"total": 23, "jobPostings": [{"title": "Clin', JSON, "not JSON"),  # truncated
        (b"<html><body>Service unavailable</body></html>", "text/html", "text/html"),
        (b'{"jobs": []}', JSON, "jobPostings"),
    ],
)
def test_unreadable_list_is_a_layout_change_keeping_the_payload(
    httpserver: HTTPServer, data: bytes, content_type: str, match: str
):
    httpserver.expect_request(f"{API}/jobs").respond_with_data(data, content_type=content_type)
    with pytest.raises(LayoutChangedError, match=match) as caught:
        fetch_board(workday, session(), source(search=[KW]), options(httpserver))
    assert [p.body for p in caught.value.payloads] == [data]


def test_a_redirected_detail_is_followed(httpserver: HTTPServer):
    serve_search(httpserver, {(KW, 0): body("jobs_page2.json")})
    httpserver.expect_request(f"{API}{CTA}").respond_with_data(
        "", status=301, headers={"Location": httpserver.url_for("/moved/cta")}
    )
    httpserver.expect_request("/moved/cta").respond_with_data(body(DETAILS[CTA]), content_type=JSON)
    payloads = fetch_board(workday, session(), source(search=[KW]), options(httpserver))
    assert payloads[-1].body == body(DETAILS[CTA])
    assert payloads[-1].url.endswith(f"{API}{CTA}")  # the id stays readable from the URL


def test_a_source_without_site_is_a_clear_error():
    bare = SourceRef("workday-x", "workday", "x", "X", url="https://x.wd1.myworkdayjobs.com")
    with pytest.raises(SourceError, match=r"params\.site"):
        fetch_board(workday, session(), bare, FetchOptions())
