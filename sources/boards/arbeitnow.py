"""Arbeitnow job-board API: pages followed through `links.next`, bounded by max_pages."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import requests

from core.models import RawPayload, SourceRef
from sources.options import FetchOptions
from sources.paging import Linked, Page, Pages, paginate
from sources.session import decode_json, fetch, require_shape

KIND = "arbeitnow"
API = "https://www.arbeitnow.com/api/job-board-api"


def page_url(page: int, options: FetchOptions) -> str:
    """One page of the board."""
    return f"{options.base('arbeitnow', API)}?page={page}"


def next_page(doc: dict[str, object], page: int) -> int | None:
    """The page `links.next` points to (read from its query), or None on the last page."""
    links = doc.get("links")
    link = links.get("next") if isinstance(links, dict) else None
    if not isinstance(link, str) or not link:
        return None
    found = parse_qs(urlsplit(link).query).get("page", [])
    number = int(found[0]) if found and found[0].isdigit() else page + 1
    return number if number > page else None


def pages(session: requests.Session, source: SourceRef, options: FetchOptions) -> Pages:
    """Pages from 1 while `links.next` points on and the page has data, up to max_pages; the
    next URL is rebuilt on our base so overrides hold."""

    def get(page: int) -> RawPayload:
        return fetch(session, source, page_url(page, options), options)

    yield from paginate(get, _read, Linked(1), options.max_pages)
    return False


def _read(raw: RawPayload, page: int) -> Page:
    """A page's `data`, linking to the page `links.next` names."""
    doc = decode_json(raw)
    ok = isinstance(doc, dict) and isinstance(doc.get("data"), list)
    require_shape(ok, "an object with a 'data' list", raw)
    return Page(doc["data"], link=next_page(doc, page))
