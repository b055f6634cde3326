"""Lever postings API (global and EU hosts): paged with skip/limit, no total.

A board on the wrong host answers 404: the configured region is tried first, the other one next.
"""

from __future__ import annotations

from urllib.parse import quote

import requests

from core.models import SourceRef
from sources.options import FetchOptions
from sources.session import (
    Payloads,
    collect_payloads,
    decode_json,
    fetch,
    other_region_on_404,
    require_shape,
)

# Every run lists the whole board: a posting it no longer lists has closed.
LISTS_WHOLE_BOARD = True
HOSTS = {"global": "https://api.lever.co/v0/postings", "eu": "https://api.eu.lever.co/v0/postings"}
PAGE_SIZE = 100


def page_url(site: str, region: str, skip: int, options: FetchOptions) -> str:
    """The URL of one page of a Lever board."""
    base = options.base(f"lever-{region}", HOSTS[region])
    return f"{base}/{quote(site, safe='')}?mode=json&skip={skip}&limit={PAGE_SIZE}"


def fetch_board(session: requests.Session, source: SourceRef, options: FetchOptions) -> Payloads:
    """Fetch every page of one Lever board, from its region's host or the other one; pages
    fetched before a failure travel with the error."""
    region = source.region if source.region in HOSTS else "global"

    def attempt(name: str) -> Payloads:
        return collect_payloads(lambda payloads: _pages(session, source, options, name, payloads))

    return other_region_on_404(region, tuple(HOSTS), attempt)


def _pages(
    session: requests.Session,
    source: SourceRef,
    options: FetchOptions,
    region: str,
    payloads: Payloads,
) -> None:
    """Every page on one host until a short page; `capped` when max_pages came first."""
    for page in range(options.max_pages):
        raw = fetch(
            session,
            source,
            page_url(source.board, region, page * PAGE_SIZE, options),
            options,
        )
        payloads.append(raw)
        doc = decode_json(raw, payloads)
        require_shape(isinstance(doc, list), "a JSON array of postings", raw, payloads)
        if len(doc) < PAGE_SIZE:
            return
    payloads.capped = True
