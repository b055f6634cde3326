"""Lever postings API (global and EU hosts): paged with skip/limit, no total.

A board on the wrong host answers 404: the configured region is tried first, the other one next.
"""

from __future__ import annotations

from urllib.parse import quote

import requests

from core.models import RawPayload, SourceRef
from sources.options import FetchOptions
from sources.paging import Offset, Page, Pages, paginate
from sources.session import decode_json, fetch, other_region_on_404, require_shape

KIND = "lever"
# Every run lists the whole board: a posting it no longer lists has closed.
LISTS_WHOLE_BOARD = True
HOSTS = {"global": "https://api.lever.co/v0/postings", "eu": "https://api.eu.lever.co/v0/postings"}
PAGE_SIZE = 100


def page_url(site: str, region: str, skip: int, options: FetchOptions) -> str:
    """The URL of one page of a Lever board."""
    base = options.base(f"lever-{region}", HOSTS[region])
    return f"{base}/{quote(site, safe='')}?mode=json&skip={skip}&limit={PAGE_SIZE}"


def pages(session: requests.Session, source: SourceRef, options: FetchOptions) -> Pages:
    """Every page of one Lever board until a short page, from its region's host or, when the
    first page answers 404 there, the other one; capped when max_pages came first."""
    start = source.region if source.region in HOSTS else "global"

    def first(region: str) -> tuple[str, RawPayload]:
        return region, fetch(session, source, page_url(source.board, region, 0, options), options)

    region, first_page = other_region_on_404(start, tuple(HOSTS), first)

    def get(skip: int) -> RawPayload:
        if skip == 0:
            return first_page
        return fetch(session, source, page_url(source.board, region, skip, options), options)

    listing = yield from paginate(get, _read, Offset(PAGE_SIZE), options.max_pages)
    return listing.capped


def _read(raw: RawPayload, _skip: int) -> Page:
    """A page of postings (a JSON array); a short one is the last."""
    doc = decode_json(raw)
    require_shape(isinstance(doc, list), "a JSON array of postings", raw)
    return Page(doc, more=len(doc) >= PAGE_SIZE)
