"""Workday candidate-experience (CXS) API: keyword searches paged by offset, then details.

`source.url` is the origin (``https://{tenant}.wd{N}.myworkdayjobs.com`` or
``https://wd{N}.myworkdaysite.com``), `source.board` the tenant, `params.site` the site and
`params.search` the keywords. Every list page and every detail response is a RawPayload.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import requests

from core.errors import BoardGoneError, SourceError
from core.models import RawPayload, SourceRef
from parsers.title import parse_title
from sources.options import FetchOptions
from sources.session import collect_payloads, decode_json, fetch, require_shape

DEFAULT_SEARCH: tuple[str, ...] = (
    "clinical trial manager",
    "clinical operations",
    "clinical project manager",
    "clinical research associate",
    "clinical trial assistant",
    "director clinical operations",
)
PAGE_LIMIT = 20  # Workday answers HTTP 400 to a larger limit


def fetch_board(
    session: requests.Session, source: SourceRef, options: FetchOptions
) -> list[RawPayload]:
    """Search each keyword, then fetch details of new relevant postings."""
    return collect_payloads(lambda payloads: _fetch_all(session, source, options, payloads))


def api_base(source: SourceRef, options: FetchOptions) -> str:
    """``{origin}/wday/cxs/{tenant}/{site}``; the origin may be overridden for tests."""
    site = str(source.params.get("site") or "").strip()
    origin = options.base("workday", source.url)
    if not origin or not site:
        raise SourceError(f"workday source {source.name!r} needs `url` and `params.site`")
    return f"{origin}/wday/cxs/{quote(source.board, safe='')}/{quote(site, safe='')}"


def keywords(source: SourceRef) -> list[str]:
    """`params.search` (a list or one string), else the default clinical-operations terms."""
    value = source.params.get("search")
    if isinstance(value, str):
        value = [value]
    found = [str(v).strip() for v in value or () if str(v).strip()]
    return found or list(DEFAULT_SEARCH)


def _fetch_all(
    session: requests.Session,
    source: SourceRef,
    options: FetchOptions,
    payloads: list[RawPayload],
) -> None:
    api = api_base(source, options)
    titles: dict[str, str] = {}
    for keyword in keywords(source):
        for path, title in _search(session, source, options, api, keyword, payloads):
            titles.setdefault(path, title)
    for path, title in titles.items():
        if path in options.known_ids or not parse_title(title).relevant:
            continue
        try:
            payloads.append(_get(session, source, options, f"{api}{path}"))
        except BoardGoneError:
            continue  # withdrawn between the list and the detail request


def _search(
    session: requests.Session,
    source: SourceRef,
    options: FetchOptions,
    api: str,
    keyword: str,
    payloads: list[RawPayload],
) -> list[tuple[str, str]]:
    """(externalPath, title) of every posting one keyword finds, page by page."""
    found: list[tuple[str, str]] = []
    total: int | None = None
    previous: list[tuple[str, str]] | None = None
    for page in range(options.max_pages):
        offset = page * PAGE_LIMIT
        if total is not None and offset >= total:
            break
        raw = fetch(
            session,
            source,
            f"{api}/jobs",
            options,
            method="POST",
            json_body=search_body(keyword, offset),
        )
        payloads.append(raw)
        page_total, items = _page(raw, payloads)
        total = page_total if page == 0 else total
        if not items or items == previous:
            break
        found.extend(items)
        previous = items
    return found


def search_body(keyword: str, offset: int) -> dict[str, Any]:
    """The JSON body of one search request."""
    return {"appliedFacets": {}, "limit": PAGE_LIMIT, "offset": offset, "searchText": keyword}


def _page(raw: RawPayload, payloads: list[RawPayload]) -> tuple[int | None, list[tuple[str, str]]]:
    """The page's positive `total` (else None) and its (externalPath, title) pairs."""
    doc = decode_json(raw, payloads)
    ok = isinstance(doc, dict) and isinstance(doc.get("jobPostings"), list)
    require_shape(ok, "an object with a 'jobPostings' list", raw, payloads)
    total = doc.get("total")
    usable = isinstance(total, int) and not isinstance(total, bool) and total > 0
    items = [
        (item["externalPath"], str(item.get("title") or ""))
        for item in doc["jobPostings"]
        if isinstance(item, dict)
        and isinstance(item.get("externalPath"), str)
        and item["externalPath"].startswith("/")
    ]
    return (total if usable else None), items


def _get(
    session: requests.Session, source: SourceRef, options: FetchOptions, url: str
) -> RawPayload:
    return fetch(session, source, url, options)
