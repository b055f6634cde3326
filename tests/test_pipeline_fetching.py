"""The one drain: a connector's pages become a fetch result (payloads, error, capped)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from pytest_httpserver import HTTPServer

from core.errors import LayoutChangedError, SourceError, TransientSourceError
from core.models import SourceRef
from pipeline.fetching import drain, fetch_source
from sources.boards import lever
from sources.options import FetchOptions
from sources.paging import Pages
from sources.session import build_session, fetch
from tests.conftest import SAMPLE

SOURCE = SourceRef(name="lever-big", kind="lever", board="big", company="Big")
LEVER_BODY = (SAMPLE / "lever" / "trialpath.json").read_bytes()
SECRET = "s3cr3t-key-0000"


def session():
    return build_session(user_agent="ClinOpsJobAlerts-test/1", retries=0)


def three_pages(server: HTTPServer, options: FetchOptions, third: str = "/3") -> Pages:
    """A connector that yields two pages, then fetches a third."""
    for path in ("/1", "/2", third):
        yield fetch(session(), SOURCE, server.url_for(path), options)
    return False


def test_an_error_after_two_pages_keeps_both_pages(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/1").respond_with_data(b"one")
    httpserver.expect_request("/2").respond_with_data(b"two")
    httpserver.expect_request("/3").respond_with_data("down", status=503)
    fetched = drain(SOURCE, three_pages(httpserver, FetchOptions(timeout=5)))
    assert isinstance(fetched.error, TransientSourceError) and fetched.error.status == 503
    assert [p.body for p in fetched.payloads] == [b"one", b"two"]
    assert [p.body for p in fetched.error.payloads] == [b"one", b"two"]
    assert not fetched.capped


def test_a_connector_bug_after_two_pages_is_a_layout_change_keeping_them(
    httpserver: HTTPServer,
) -> None:
    httpserver.expect_request("/1").respond_with_data(b"one")
    httpserver.expect_request("/2").respond_with_data(b"two")

    def buggy() -> Pages:
        yield from three_pages(httpserver, FetchOptions(timeout=5), third="/1")
        raise KeyError("jobs")

    fetched = drain(SOURCE, buggy())
    assert isinstance(fetched.error, LayoutChangedError)
    assert "connector failed: KeyError" in str(fetched.error)
    assert [p.body for p in fetched.payloads] == [b"one", b"two", b"one"]


def test_a_body_fetched_but_never_yielded_is_kept(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/1").respond_with_data(b"one")

    def drops_it() -> Pages:
        fetch(session(), SOURCE, httpserver.url_for("/1"), FetchOptions(timeout=5))
        raise SourceError("gave up before yielding")
        yield  # a generator

    fetched = drain(SOURCE, drops_it())
    assert [p.body for p in fetched.payloads] == [b"one"]


def test_the_error_is_redacted(httpserver: HTTPServer) -> None:
    options = FetchOptions(timeout=5, credentials={"key": SECRET})

    def leaks() -> Pages:
        yield fetch(session(), SOURCE, httpserver.url_for("/1"), options)
        raise SourceError(f"refused key {SECRET}", url=f"http://x/?k={SECRET}")

    httpserver.expect_request("/1").respond_with_data(b"one")
    fetched = drain(SOURCE, leaks())
    assert fetched.error is not None
    assert SECRET not in str(fetched.error) and SECRET not in fetched.error.url


def full_page(skip: int) -> bytes:
    """A Lever page of 100 postings, each with its own id."""
    return json.dumps([{"id": f"p-{skip + i}"} for i in range(100)]).encode()


def serve_lever(server: HTTPServer, pages: int) -> FetchOptions:
    """`pages` full Lever pages of 100 postings, then a short one."""
    for skip in range(0, pages * 100 + 1, 100):
        body = LEVER_BODY if skip == pages * 100 else full_page(skip)
        server.expect_request(
            "/big", query_string=f"mode=json&skip={skip}&limit=100"
        ).respond_with_data(body, content_type="application/json")
    base = server.url_for("").rstrip("/")
    return FetchOptions(timeout=5, base_urls={"lever-global": base, "lever-eu": base})


def test_capped_when_max_pages_cuts_a_whole_board_listing(httpserver: HTTPServer) -> None:
    options = serve_lever(httpserver, pages=2)
    two = replace(options, max_pages=2)
    capped = drain(SOURCE, lever.pages(session(), SOURCE, two))
    assert capped.error is None and capped.capped and len(capped.payloads) == 2
    whole = drain(SOURCE, lever.pages(session(), SOURCE, options))
    assert whole.error is None and not whole.capped and len(whole.payloads) == 3


def test_fetch_source_raises_the_error_with_the_pages_before_it(httpserver: HTTPServer) -> None:
    full = full_page(0)
    first = "mode=json&skip=0&limit=100"
    httpserver.expect_request("/big", query_string=first).respond_with_data(full)
    httpserver.expect_request("/big").respond_with_data("down", status=500)
    base = httpserver.url_for("").rstrip("/")
    options = FetchOptions(timeout=5, base_urls={"lever-global": base})
    with pytest.raises(TransientSourceError) as caught:
        fetch_source(session(), SOURCE, options)
    assert caught.value.status == 500
    assert [p.body for p in caught.value.payloads] == [full]
