"""Himalayas search API (remote jobs): keyword searches, 1-based pages, stop on an empty page."""

from __future__ import annotations

from urllib.parse import urlencode

import requests

from core.models import RawPayload, SourceRef
from sources.options import FetchOptions
from sources.paging import Listed, Numbered, Page, Pages, paginate
from sources.params import param_list
from sources.session import fetch, listed

KIND = "himalayas"
API = "https://himalayas.app/jobs/api/search"
DEFAULT_SEARCH = (
    "clinical operations",
    "clinical trial manager",
    "clinical project manager",
    "clinical research associate",
)


def search_terms(source: SourceRef) -> list[str]:
    """The configured keywords (a string or a list), else the defaults."""
    return param_list(source, "search", DEFAULT_SEARCH)


def page_url(term: str, page: int, options: FetchOptions) -> str:
    """One page of newest-first search results for a keyword."""
    query = urlencode({"q": term, "page": page, "sort": "recent"})
    return f"{options.base('himalayas', API)}?{query}"


def pages(session: requests.Session, source: SourceRef, options: FetchOptions) -> Pages:
    """Every keyword's pages until an empty page, or a page of postings already known."""
    for term in search_terms(source):
        yield from _search(session, source, options, term)
    return False


def _search(
    session: requests.Session, source: SourceRef, options: FetchOptions, term: str
) -> Listed:
    """One keyword's pages, newest first."""

    def get(page: int) -> RawPayload:
        return fetch(session, source, page_url(term, page, options), options)

    def read(raw: RawPayload, _page: int) -> Page:
        jobs = listed(raw, "jobs")
        return Page(jobs, more=not _all_known(jobs, options))

    return paginate(get, read, Numbered(1), options.max_pages)


def _all_known(jobs: list[object], options: FetchOptions) -> bool:
    """True when every job on the page is already in the warehouse."""
    ids = {str(j.get("guid")) for j in jobs if isinstance(j, dict) and j.get("guid")}
    return bool(ids) and bool(options.known_ids) and ids <= options.known_ids
