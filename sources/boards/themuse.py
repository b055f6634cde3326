"""The Muse public jobs API: pages from 0 until `page_count`, filtered by category."""

from __future__ import annotations

from urllib.parse import urlencode

import requests

from core.models import RawPayload, SourceRef
from sources.options import FetchOptions
from sources.paging import Numbered, Page, Pages, paginate
from sources.params import param_list
from sources.session import fetch, json_object

KIND = "themuse"
API = "https://www.themuse.com/api/public/jobs"
DEFAULT_CATEGORIES = ("Healthcare & Medicine",)


def categories(source: SourceRef) -> list[str]:
    """The configured categories (a string or a list), else the defaults."""
    return param_list(source, "categories", DEFAULT_CATEGORIES)


def page_url(source: SourceRef, page: int, options: FetchOptions) -> str:
    """One page; categories repeat as `category`, the optional key goes last."""
    query: list[tuple[str, str]] = [("page", str(page))]
    query += [("category", c) for c in categories(source)]
    key = options.credential("muse_api_key")
    if key:
        query.append(("api_key", key))
    return f"{options.base('themuse', API)}?{urlencode(query)}"


def pages(session: requests.Session, source: SourceRef, options: FetchOptions) -> Pages:
    """Pages 0, 1, ... while below `page_count` and not empty, bounded by max_pages."""

    def get(page: int) -> RawPayload:
        return fetch(session, source, page_url(source, page, options), options)

    yield from paginate(get, _read, Numbered(0), options.max_pages)
    return False


def _read(raw: RawPayload, _page: int) -> Page:
    """A page's results; without a whole-number `page_count` it is the last."""
    doc = json_object(raw, "results")
    count = doc.get("page_count")
    known = isinstance(count, int)
    return Page(doc["results"], more=known, total=count if known else None)
