"""Workday candidate-experience (CXS) API: keyword searches paged by offset, then details.

`source.url` is the origin (``https://{tenant}.wd{N}.myworkdayjobs.com`` or
``https://wd{N}.myworkdaysite.com``), `source.board` the tenant, `params.site` the site and
`params.search` the keywords. Every list page and every detail response is a RawPayload.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import requests

from core.errors import SourceError
from core.models import RawPayload, SourceRef
from sources.details import details, new_and_relevant
from sources.options import FetchOptions
from sources.paging import Listed, Offset, Page, Pages, paginate
from sources.params import param_list
from sources.session import fetch, json_object

KIND = "workday"
DEFAULT_SEARCH: tuple[str, ...] = (
    "clinical trial manager",
    "clinical operations",
    "clinical project manager",
    "clinical research associate",
    "clinical trial assistant",
    "director clinical operations",
)
PAGE_LIMIT = 20  # Workday answers HTTP 400 to a larger limit


def api_base(source: SourceRef, options: FetchOptions) -> str:
    """``{origin}/wday/cxs/{tenant}/{site}``; the origin may be overridden for tests."""
    site = str(source.params.get("site") or "").strip()
    origin = options.base("workday", source.url)
    if not origin or not site:
        raise SourceError(f"workday source {source.name!r} needs `url` and `params.site`")
    return f"{origin}/wday/cxs/{quote(source.board, safe='')}/{quote(site, safe='')}"


def keywords(source: SourceRef) -> list[str]:
    """`params.search` (a list or one string), else the default clinical-operations terms."""
    return param_list(source, "search", DEFAULT_SEARCH)


def pages(session: requests.Session, source: SourceRef, options: FetchOptions) -> Pages:
    """Search each keyword, then fetch the details of new relevant postings."""
    api = api_base(source, options)
    found: list[tuple[str, str]] = []
    for keyword in keywords(source):
        listing = yield from _search(session, source, options, api, keyword)
        found += listing.found
    wanted = new_and_relevant(found, options.known_ids)
    yield from details(session, source, options, (f"{api}{path}" for path in wanted))
    return False


def _search(
    session: requests.Session, source: SourceRef, options: FetchOptions, api: str, keyword: str
) -> Listed:
    """(externalPath, title) of every posting one keyword finds, page by page, by offset up
    to the total a page gave (later pages may say 0: unknown)."""

    def get(offset: int) -> RawPayload:
        body = search_body(keyword, offset)
        return fetch(session, source, f"{api}/jobs", options, method="POST", json_body=body)

    return paginate(get, _read, Offset(PAGE_LIMIT), options.max_pages)


def search_body(keyword: str, offset: int) -> dict[str, Any]:
    """The JSON body of one search request."""
    return {"appliedFacets": {}, "limit": PAGE_LIMIT, "offset": offset, "searchText": keyword}


def _read(raw: RawPayload, _offset: int) -> Page:
    """The page's (externalPath, title) pairs and its positive `total` (else unknown)."""
    doc = json_object(raw, "jobPostings")
    total = doc.get("total")
    usable = isinstance(total, int) and not isinstance(total, bool) and total > 0
    items = [
        (item["externalPath"], str(item.get("title") or ""))
        for item in doc["jobPostings"]
        if isinstance(item, dict)
        and isinstance(item.get("externalPath"), str)
        and item["externalPath"].startswith("/")
    ]
    return Page(items, found=items, total=total if usable else None)
