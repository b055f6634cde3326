"""Connectors against a real local HTTP server serving recorded responses."""

from __future__ import annotations

import gzip
import json
import time

import pytest
from pytest_httpserver import HTTPServer

from core.errors import BoardGoneError, LayoutChangedError, SourceError, TransientSourceError
from core.models import SourceRef
from sources.boards import ashby, greenhouse, lever
from sources.options import FetchOptions
from sources.session import build_session
from tests.conftest import SAMPLE
from tests.helpers import fetch_board

ASHBY_BODY = gzip.decompress((SAMPLE / "ashby" / "solace.json.gz").read_bytes())
GREENHOUSE_BODY = (SAMPLE / "greenhouse" / "northwindbio.json").read_bytes()
GREENHOUSE_DETAIL = (SAMPLE / "greenhouse" / "northwindbio-7712448002.json").read_bytes()
LEVER_BODY = (SAMPLE / "lever" / "trialpath.json").read_bytes()


def options(server: HTTPServer, **kw) -> FetchOptions:
    base = server.url_for("").rstrip("/")
    urls = {k: base for k in ("ashby", "greenhouse", "greenhouse-eu", "lever-global", "lever-eu")}
    return FetchOptions(timeout=5, base_urls=urls, **kw)


def session(retries: int = 2):
    return build_session(user_agent="ClinOpsJobAlerts-test/1", retries=retries, backoff=0.01)


def ref(kind: str, board: str, region: str = "global") -> SourceRef:
    return SourceRef(name=f"{kind}-{board}", kind=kind, board=board, company="Co", region=region)


def test_ashby_board_fetched_as_recorded(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/solace", query_string="includeCompensation=true").respond_with_data(
        ASHBY_BODY, content_type="application/json"
    )
    payloads = fetch_board(ashby, session(), ref("ashby", "solace"), options(httpserver))
    assert len(payloads) == 1 and payloads[0].body == ASHBY_BODY
    assert payloads[0].status == 200 and payloads[0].source == "ashby-solace"
    assert httpserver.log[0][0].headers["User-Agent"] == "ClinOpsJobAlerts-test/1"


def test_greenhouse_board_with_content_and_pay(httpserver: HTTPServer) -> None:
    httpserver.expect_request(
        "/northwindbio/jobs", query_string="content=true&pay_transparency=true"
    ).respond_with_data(GREENHOUSE_BODY, content_type="application/json")
    httpserver.expect_request(  # the one relevant job the list gives no pay ranges
        "/northwindbio/jobs/7712448002", query_string="pay_transparency=true"
    ).respond_with_data(GREENHOUSE_DETAIL, content_type="application/json")
    payloads = fetch_board(
        greenhouse, session(), ref("greenhouse", "northwindbio"), options(httpserver)
    )
    assert json.loads(payloads[0].body)["meta"]["total"] == len(json.loads(GREENHOUSE_BODY)["jobs"])
    assert [json.loads(p.body)["id"] for p in payloads[1:]] == [7712448002]


def test_lever_pages_until_a_short_page(httpserver: HTTPServer) -> None:
    full = [{"id": f"id-{i}", "text": "CRA"} for i in range(100)]
    httpserver.expect_request("/big", query_string="mode=json&skip=0&limit=100").respond_with_json(
        full
    )
    httpserver.expect_request(
        "/big", query_string="mode=json&skip=100&limit=100"
    ).respond_with_data(LEVER_BODY, content_type="application/json")
    payloads = fetch_board(lever, session(), ref("lever", "big"), options(httpserver))
    assert len(payloads) == 2
    assert len(httpserver.log) == 2


def test_429_with_retry_after_then_success(httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request("/solace").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "1"}
    )
    httpserver.expect_request("/solace").respond_with_data(
        ASHBY_BODY, content_type="application/json"
    )
    started = time.monotonic()
    payloads = fetch_board(ashby, session(), ref("ashby", "solace"), options(httpserver))
    assert payloads[0].status == 200
    assert len(httpserver.log) == 2
    assert time.monotonic() - started >= 0.9  # the server's Retry-After was honoured


def test_500_is_retried_a_bounded_number_of_times_then_given_up(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/solace").respond_with_data("boom", status=500)
    with pytest.raises(TransientSourceError) as caught:
        fetch_board(ashby, session(retries=2), ref("ashby", "solace"), options(httpserver))
    assert caught.value.status == 500
    assert len(httpserver.log) == 3  # the first try and two retries


def test_404_means_the_board_moved_or_closed(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/gone/jobs").respond_with_data("not found", status=404)
    with pytest.raises(BoardGoneError, match="moved or closed"):
        fetch_board(greenhouse, session(), ref("greenhouse", "gone"), options(httpserver))
    assert len(httpserver.log) == 2  # the global host, then the EU host


def test_malformed_json_is_a_layout_change_that_keeps_the_payload(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/solace").respond_with_data(
        '{"jobs": [', content_type="application/json"
    )
    with pytest.raises(LayoutChangedError) as caught:
        fetch_board(ashby, session(), ref("ashby", "solace"), options(httpserver))
    assert [p.body for p in caught.value.payloads] == [b'{"jobs": [']


def test_unexpected_shape_is_a_layout_change(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/solace").respond_with_json({"postings": []})
    with pytest.raises(LayoutChangedError, match="jobs"):
        fetch_board(ashby, session(), ref("ashby", "solace"), options(httpserver))


def test_oversized_body_is_refused(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/solace").respond_with_data(
        ASHBY_BODY, content_type="application/json"
    )
    with pytest.raises(SourceError, match="larger than"):
        fetch_board(ashby, session(), ref("ashby", "solace"), options(httpserver, max_bytes=1000))


def test_connection_refused_is_transient() -> None:
    dead = FetchOptions(timeout=2, base_urls={"ashby": "http://127.0.0.1:9"})
    with pytest.raises(TransientSourceError, match="network error"):
        fetch_board(ashby, session(retries=0), ref("ashby", "solace"), dead)


def test_request_headers_apply_to_one_request_only(httpserver: HTTPServer) -> None:
    from sources.session import fetch

    httpserver.expect_request("/a").respond_with_data("{}", content_type="application/json")
    shared = session()
    source = ref("ashby", "a")
    keyed = {"Authorization-Key": "secret", "Accept": "text/html"}
    fetch(
        shared,
        source,
        httpserver.url_for("/a"),
        FetchOptions(timeout=5, max_bytes=1000),
        headers=keyed,
    )
    fetch(shared, source, httpserver.url_for("/a"), FetchOptions(timeout=5, max_bytes=1000))
    first, second = (entry[0].headers for entry in httpserver.log)
    assert first["Authorization-Key"] == "secret" and first["Accept"] == "text/html"
    assert "Authorization-Key" not in second and second["Accept"] == "application/json"
    assert shared.headers["Accept"] == "application/json"


def test_a_board_missing_on_its_region_host_is_tried_on_the_other(httpserver: HTTPServer) -> None:
    from pytest_httpserver import HTTPServer as Server

    with Server(host="127.0.0.1") as eu:
        eu.expect_request("/eurocro").respond_with_data(LEVER_BODY, content_type="application/json")
        httpserver.expect_request("/eurocro").respond_with_data("no", status=404)
        here, there = httpserver.url_for("").rstrip("/"), eu.url_for("").rstrip("/")
        both = FetchOptions(timeout=5, base_urls={"lever-global": here, "lever-eu": there})
        payloads = fetch_board(lever, session(), ref("lever", "eurocro"), both)
        assert len(payloads) == 1 and payloads[0].url.startswith(eu.url_for(""))
        assert len(httpserver.log) == 1 and len(eu.log) == 1


def lever_page(count: int) -> bytes:
    """A Lever page of `count` postings: the recorded ones again, each with its own id."""
    recorded = json.loads(LEVER_BODY)
    postings = [
        {**recorded[i % len(recorded)], "id": f"00000000-0000-4000-8000-{i:012d}"}
        for i in range(count)
    ]
    return json.dumps(postings).encode()


def serve_lever_page(server: HTTPServer, skip: int, body: bytes, status: int = 200) -> None:
    server.expect_request(
        "/big", query_string=f"mode=json&skip={skip}&limit=100"
    ).respond_with_data(body, status=status, content_type="application/json")


def test_lever_500_on_page_two_keeps_page_one(httpserver: HTTPServer) -> None:
    full = lever_page(100)
    serve_lever_page(httpserver, 0, full)
    serve_lever_page(httpserver, 100, b"upstream error", status=500)
    with pytest.raises(TransientSourceError) as caught:
        fetch_board(lever, session(), ref("lever", "big"), options(httpserver))
    assert caught.value.status == 500
    assert [p.body for p in caught.value.payloads] == [full]


def test_lever_says_when_max_pages_cut_the_board_short(httpserver: HTTPServer) -> None:
    serve_lever_page(httpserver, 0, lever_page(100))
    serve_lever_page(httpserver, 100, LEVER_BODY)
    capped = fetch_board(lever, session(), ref("lever", "big"), options(httpserver, max_pages=1))
    assert len(capped) == 1 and capped.capped
    whole = fetch_board(lever, session(), ref("lever", "big"), options(httpserver))
    assert len(whole) == 2 and not whole.capped
