"""The shared pager and its strategies against a real local HTTP server."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from core.errors import LayoutChangedError
from core.models import RawPayload, SourceRef
from sources.options import FetchOptions
from sources.paging import Linked, Listing, Numbered, Offset, Page, paginate
from sources.session import build_session, fetch, json_object

SOURCE = SourceRef(name="paged", kind="paged", board="paged", company="Paged")
OPTIONS = FetchOptions(timeout=5)
ITEMS = [f"job-{i}" for i in range(7)]


def session():
    return build_session(user_agent="ClinOpsJobAlerts-test/1", retries=0)


def serve(server: HTTPServer, answer: Any) -> None:
    """`/list` answers `answer(query)` (a dict, sent as JSON) for each request's query."""

    def handler(request: Request) -> Response:
        doc = answer({k: v for k, v in request.args.items()})
        return Response(json.dumps(doc), content_type="application/json")

    server.expect_request("/list").respond_with_handler(handler)


def asked(server: HTTPServer, key: str) -> list[str]:
    return [request.args[key] for request, _ in server.log]


def run(server: HTTPServer, param: str, read: Any, strategy: Any, max_pages: int = 10):
    """Drive the pager: (the raw pages it yielded, its Listing)."""

    def get(cursor: Any) -> RawPayload:
        return fetch(session(), SOURCE, f"{server.url_for('/list')}?{param}={cursor}", OPTIONS)

    pages = paginate(get, read, strategy, max_pages)
    seen: list[RawPayload] = []
    while True:
        try:
            seen.append(next(pages))
        except StopIteration as end:
            listing: Listing = end.value
            return seen, listing


def read_items(raw: RawPayload, _cursor: Any) -> Page:
    doc = json_object(raw, "items")
    items = doc["items"]
    return Page(
        items, found=items, link=doc.get("next"), step=doc.get("step"), total=doc.get("total")
    )


def test_page_numbers_stop_at_the_page_count(httpserver: HTTPServer) -> None:
    serve(httpserver, lambda q: {"items": ITEMS[(int(q["page"]) - 1) * 2 :][:2], "total": 3})
    pages, listing = run(httpserver, "page", read_items, Numbered(1))
    assert asked(httpserver, "page") == ["1", "2", "3"]  # page 4 would hold job-6: not asked
    assert len(pages) == 3 and listing.found == ITEMS[:6] and not listing.capped


def test_page_numbers_stop_on_a_page_that_says_it_is_the_last(httpserver: HTTPServer) -> None:
    serve(httpserver, lambda q: {"items": ITEMS[int(q["page"]) * 3 :][:3]})

    def short_is_last(raw: RawPayload, cursor: int) -> Page:
        items = json_object(raw, "items")["items"]
        return Page(items, found=items, more=len(items) == 3)

    _, listing = run(httpserver, "page", short_is_last, Numbered(0))
    assert asked(httpserver, "page") == ["0", "1", "2"]  # 3, 3, then 1: the short page ends
    assert listing.found == ITEMS and not listing.capped


def test_offsets_move_by_the_echoed_step_until_the_first_total(httpserver: HTTPServer) -> None:
    def answer(q: dict[str, str]) -> dict[str, Any]:
        offset = int(q["offset"])
        total = 7 if offset == 0 else 0  # later pages say 0: the first total stands
        return {"items": ITEMS[offset : offset + 3], "step": 3, "total": total or None}

    serve(httpserver, answer)
    _, listing = run(httpserver, "offset", read_items, Offset(size=50))
    assert asked(httpserver, "offset") == ["0", "3", "6"]
    assert listing.found == ITEMS and not listing.capped


def test_offsets_without_a_step_move_by_the_size(httpserver: HTTPServer) -> None:
    serve(httpserver, lambda q: {"items": ITEMS[int(q["offset"]) :][:2]})
    _, listing = run(httpserver, "offset", read_items, Offset(size=2))
    assert asked(httpserver, "offset") == ["0", "2", "4", "6", "8"]  # the empty page ends it
    assert listing.found == ITEMS


def test_links_are_followed_until_none(httpserver: HTTPServer) -> None:
    chain = {"start": ("a", ITEMS[:2]), "a": ("b", ITEMS[2:4]), "b": (None, ITEMS[4:])}
    serve(httpserver, lambda q: {"items": chain[q["token"]][1], "next": chain[q["token"]][0]})
    _, listing = run(httpserver, "token", read_items, Linked("start"))
    assert asked(httpserver, "token") == ["start", "a", "b"]
    assert listing.found == ITEMS and not listing.capped


def test_a_link_seen_before_ends_the_listing(httpserver: HTTPServer) -> None:
    chain = {"start": "a", "a": "b", "b": "a"}
    serve(httpserver, lambda q: {"items": [q["token"]], "next": chain[q["token"]]})
    _, listing = run(httpserver, "token", read_items, Linked("start"))
    assert asked(httpserver, "token") == ["start", "a", "b"]
    assert listing.found == ["start", "a", "b"]


def test_max_pages_caps_an_endless_listing(httpserver: HTTPServer) -> None:
    serve(httpserver, lambda q: {"items": [q["page"]]})
    pages, listing = run(httpserver, "page", read_items, Numbered(1), max_pages=2)
    assert asked(httpserver, "page") == ["1", "2"]
    assert len(pages) == 2 and listing.capped


def test_a_listing_that_ends_on_its_last_allowed_page_is_not_capped(httpserver: HTTPServer):
    serve(httpserver, lambda q: {"items": ["x", q["page"]], "total": 2})
    _, listing = run(httpserver, "page", read_items, Numbered(1), max_pages=2)
    assert asked(httpserver, "page") == ["1", "2"] and not listing.capped


def test_a_server_repeating_a_page_ends_the_listing_as_incomplete(httpserver: HTTPServer):
    serve(httpserver, lambda q: {"items": ITEMS[:3]})  # the offset is ignored
    _, listing = run(httpserver, "offset", read_items, Offset(size=3))
    assert asked(httpserver, "offset") == ["0", "3"]
    assert listing.found == ITEMS[:3] and listing.capped


def test_a_page_is_yielded_before_it_is_read(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/list").respond_with_data("<html>down</html>", status=200)

    def get(cursor: int) -> RawPayload:
        return fetch(session(), SOURCE, f"{httpserver.url_for('/list')}?page={cursor}", OPTIONS)

    pages = paginate(get, read_items, Numbered(1), 5)
    first = next(pages)
    assert first.body == b"<html>down</html>"
    with pytest.raises(LayoutChangedError, match="not JSON"):
        next(pages)


def test_only_what_the_reads_found_is_kept(httpserver: HTTPServer) -> None:
    serve(httpserver, lambda q: {"items": ITEMS[int(q["page"]) * 3 :][:3]})

    def ids_only(raw: RawPayload, _page: int) -> Page:
        items = json_object(raw, "items")["items"]
        return Page(items, found=[item[-1] for item in items])  # the decoded pages are not kept

    _, listing = run(httpserver, "page", ids_only, Numbered(0))
    assert listing.found == [str(i) for i in range(7)]
