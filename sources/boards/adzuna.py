"""Adzuna search API (free key): per country and keyword, pages until a short page.

The key travels in the query string; the session masks it (with every other configured
credential) in each URL it stores or reports (sources/redaction.py).
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

import requests

from core.errors import SourceSkippedError
from core.models import RawPayload, SourceRef
from sources.options import FetchOptions
from sources.paging import Listed, Numbered, Page, Pages, paginate
from sources.params import param_list
from sources.session import fetch, listed

KIND = "adzuna"
API = "https://api.adzuna.com/v1/api/jobs"
PER_PAGE = 50
DEFAULT_COUNTRIES = ("us", "gb")
DEFAULT_SEARCH = ("clinical trial manager", "clinical operations", "clinical project manager")
SKIPPED = "Adzuna needs JOBALERTS_ADZUNA_APP_ID and JOBALERTS_ADZUNA_APP_KEY; skipped"


def page_url(country: str, term: str, page: int, keys: tuple[str, str], opts: FetchOptions) -> str:
    """One page of a keyword search in one country."""
    query = urlencode(
        {
            "app_id": keys[0],
            "app_key": keys[1],
            "what": term,
            "results_per_page": PER_PAGE,
            "content-type": "application/json",
        }
    )
    base = opts.base("adzuna", API)
    return f"{base}/{quote(country.lower(), safe='')}/search/{page}?{query}"


def pages(session: requests.Session, source: SourceRef, options: FetchOptions) -> Pages:
    """Every country x keyword, pages from 1 until a short or empty page."""
    app_id, app_key = options.credential("adzuna_app_id"), options.credential("adzuna_app_key")
    if not app_id or not app_key:
        raise SourceSkippedError(SKIPPED)
    for country in param_list(source, "countries", DEFAULT_COUNTRIES):
        for term in param_list(source, "search", DEFAULT_SEARCH):
            yield from _search(session, source, options, (country, term, (app_id, app_key)))
    return False


def _search(
    session: requests.Session,
    source: SourceRef,
    options: FetchOptions,
    query: tuple[str, str, tuple[str, str]],
) -> Listed:
    """The pages of one country's keyword search."""
    country, term, keys = query

    def get(page: int) -> RawPayload:
        return fetch(session, source, page_url(country, term, page, keys, options), options)

    return paginate(get, _read, Numbered(1), options.max_pages)


def _read(raw: RawPayload, _page: int) -> Page:
    """A page of results; a short one is the last."""
    results = listed(raw, "results")
    return Page(results, more=len(results) >= PER_PAGE)
