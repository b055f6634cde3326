"""USAJOBS search API (free key): keyword searches paged by `UserArea.NumberOfPages`."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

import requests

from core.errors import SourceSkippedError
from core.models import RawPayload, SourceRef
from sources.options import FetchOptions
from sources.paging import Listed, Numbered, Page, Pages, paginate
from sources.params import param_list
from sources.session import decode_json, fetch, require_shape

KIND = "usajobs"
API = "https://data.usajobs.gov/api/search"
PER_PAGE = 500
DEFAULT_SEARCH = ("clinical research", "clinical trial", "clinical operations")
SKIPPED = "USAJOBS needs JOBALERTS_USAJOBS_API_KEY and JOBALERTS_USAJOBS_EMAIL; skipped"


def search_terms(source: SourceRef) -> list[str]:
    """The configured keywords (a string or a list), else the defaults."""
    return param_list(source, "search", DEFAULT_SEARCH)


def page_url(term: str, page: int, options: FetchOptions) -> str:
    """One page of results for a keyword."""
    query = urlencode({"Keyword": term, "ResultsPerPage": PER_PAGE, "Page": page})
    return f"{options.base('usajobs', API)}?{query}"


def key_headers(options: FetchOptions) -> dict[str, str]:
    """USAJOBS' identifying headers for each request; SourceSkippedError without a key."""
    key, email = options.credential("usajobs_api_key"), options.credential("usajobs_email")
    if not key or not email:
        raise SourceSkippedError(SKIPPED)
    host = urlsplit(options.base("usajobs", API)).netloc
    return {"Host": host, "User-Agent": email, "Authorization-Key": key}


def pages(session: requests.Session, source: SourceRef, options: FetchOptions) -> Pages:
    """Every keyword's pages up to NumberOfPages (and max_pages)."""
    headers = key_headers(options)
    for term in search_terms(source):
        yield from _search(session, source, options, (term, headers))
    return False


def _search(
    session: requests.Session,
    source: SourceRef,
    options: FetchOptions,
    query: tuple[str, dict[str, str]],
) -> Listed:
    """One keyword's pages (the keyword and the key headers)."""
    term, headers = query

    def get(page: int) -> RawPayload:
        url = page_url(term, page, options)
        return fetch(session, source, url, options, headers=headers)

    return paginate(get, _read, Numbered(1), options.max_pages)


def _read(raw: RawPayload, _page: int) -> Page:
    """A page's `SearchResultItems`; `UserArea.NumberOfPages` (number or digit string) says
    how many pages there are."""
    doc = decode_json(raw)
    result = doc.get("SearchResult") if isinstance(doc, dict) else None
    items = result.get("SearchResultItems") if isinstance(result, dict) else None
    require_shape(isinstance(items, list), "a SearchResult with SearchResultItems", raw)
    area = result.get("UserArea") if isinstance(result, dict) else None
    value = str(area.get("NumberOfPages", "1")) if isinstance(area, dict) else "1"
    return Page(list(items or []), total=int(value) if value.isdigit() else 1)
