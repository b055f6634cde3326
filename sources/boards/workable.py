"""Workable public API: v3 job search paged by `nextPage` token, then v2 details."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import requests

from core.models import RawPayload, SourceRef
from sources.details import details, new_and_relevant, titles_by
from sources.options import FetchOptions
from sources.paging import Linked, Page, Pages, paginate
from sources.session import fetch, json_object

KIND = "workable"
# Every run lists the whole board: a posting it no longer lists has closed.
LISTS_WHOLE_BOARD = True
API = "https://apply.workable.com"


def account_url(source: SourceRef, options: FetchOptions, version: str) -> str:
    """``{api}/api/{version}/accounts/{account}``."""
    base = options.base("workable", API)
    return f"{base}/api/{version}/accounts/{quote(source.board, safe='')}"


def search_body(token: str | None) -> dict[str, Any]:
    """The JSON body of one search request; `token` asks for the next page."""
    body: dict[str, Any] = {
        "query": "",
        "location": [],
        "department": [],
        "worktype": [],
        "remote": [],
    }
    if token:
        body["token"] = token
    return body


def pages(session: requests.Session, source: SourceRef, options: FetchOptions) -> Pages:
    """Every search page of one account (following `nextPage`), then the detail of each new
    relevant job; capped when max_pages came before the last page.

    Workable rate-limits hard: the session retries a 429, honouring Retry-After.
    """
    search = f"{account_url(source, options, 'v3')}/jobs"

    def get(token: str) -> RawPayload:
        body = search_body(token)
        return fetch(session, source, search, options, method="POST", json_body=body)

    listing = yield from paginate(get, _read, Linked(""), options.max_pages)
    detail = f"{account_url(source, options, 'v2')}/jobs"
    wanted = new_and_relevant(listing.found, options.known_ids)
    yield from details(session, source, options, (f"{detail}/{quote(c, safe='')}" for c in wanted))
    return listing.capped


def _read(raw: RawPayload, _token: str) -> Page:
    """The page's results that carry a shortcode, and its `nextPage` token."""
    doc = json_object(raw, "results")
    results = [r for r in doc["results"] if isinstance(r, dict) and r.get("shortcode")]
    token = doc.get("nextPage")
    found = titles_by(results, "shortcode", "title")
    return Page(results, found=found, link=token if isinstance(token, str) and token else None)
