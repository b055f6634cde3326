"""The Muse public jobs API: pages from 0 until `page_count`, filtered by category."""

from __future__ import annotations

from urllib.parse import urlencode

import requests

from core.models import RawPayload, SourceRef
from sources.options import FetchOptions
from sources.session import Payloads, collect_payloads, decode_json, fetch, require_shape

API = "https://www.themuse.com/api/public/jobs"
DEFAULT_CATEGORIES = ("Healthcare & Medicine",)


def categories(source: SourceRef) -> list[str]:
    """The configured categories (a string or a list), else the defaults."""
    value = source.params.get("categories")
    found = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    return [str(c) for c in found if str(c).strip()] or list(DEFAULT_CATEGORIES)


def page_url(source: SourceRef, page: int, options: FetchOptions) -> str:
    """One page; categories repeat as `category`, the optional key goes last."""
    query: list[tuple[str, str]] = [("page", str(page))]
    query += [("category", c) for c in categories(source)]
    key = options.credential("muse_api_key")
    if key:
        query.append(("api_key", key))
    return f"{options.base('themuse', API)}?{urlencode(query)}"


def fetch_board(
    session: requests.Session, source: SourceRef, options: FetchOptions
) -> list[RawPayload]:
    """Pages 0, 1, ... while below `page_count` and not empty, bounded by max_pages; pages
    fetched before a failure travel with the error."""
    return collect_payloads(lambda payloads: _pages(session, source, options, payloads))


def _pages(
    session: requests.Session, source: SourceRef, options: FetchOptions, payloads: Payloads
) -> None:
    """Each page in turn, appended to `payloads`, until the last one."""
    for page in range(options.max_pages):
        raw = fetch(
            session,
            source,
            page_url(source, page, options),
            options,
        )
        payloads.append(raw)
        doc = decode_json(raw, payloads)
        ok = isinstance(doc, dict) and isinstance(doc.get("results"), list)
        require_shape(ok, "an object with a 'results' list", raw, payloads)
        count = doc.get("page_count")
        last = not isinstance(count, int) or page + 1 >= count
        if last or not doc["results"]:
            return
