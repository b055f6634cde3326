"""Himalayas search API (remote jobs): keyword searches, 1-based pages, stop on an empty page."""

from __future__ import annotations

from urllib.parse import urlencode

import requests

from core.models import RawPayload, SourceRef
from sources.options import FetchOptions
from sources.session import Payloads, collect_payloads, decode_json, fetch, require_shape

API = "https://himalayas.app/jobs/api/search"
DEFAULT_SEARCH = (
    "clinical operations",
    "clinical trial manager",
    "clinical project manager",
    "clinical research associate",
)


def search_terms(source: SourceRef) -> list[str]:
    """The configured keywords (a string or a list), else the defaults."""
    value = source.params.get("search")
    terms = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    return [str(t) for t in terms if str(t).strip()] or list(DEFAULT_SEARCH)


def page_url(term: str, page: int, options: FetchOptions) -> str:
    """One page of newest-first search results for a keyword."""
    query = urlencode({"q": term, "page": page, "sort": "recent"})
    return f"{options.base('himalayas', API)}?{query}"


def fetch_board(
    session: requests.Session, source: SourceRef, options: FetchOptions
) -> list[RawPayload]:
    """Every keyword's pages until an empty page, or a page of postings already known; pages
    fetched before a failure travel with the error."""

    def fill(payloads: Payloads) -> None:
        for term in search_terms(source):
            _search(session, term, source, options, payloads)

    return collect_payloads(fill)


def _search(
    session: requests.Session,
    term: str,
    source: SourceRef,
    options: FetchOptions,
    payloads: Payloads,
) -> None:
    """One keyword's pages, appended to `payloads`."""
    for page in range(1, options.max_pages + 1):
        raw = fetch(
            session,
            source,
            page_url(term, page, options),
            options,
        )
        payloads.append(raw)
        jobs = _jobs(raw, payloads)
        if not jobs or _all_known(jobs, options):
            return


def _jobs(raw: RawPayload, payloads: list[RawPayload]) -> list[object]:
    """The page's `jobs` list, or LayoutChangedError."""
    doc = decode_json(raw, payloads)
    ok = isinstance(doc, dict) and isinstance(doc.get("jobs"), list)
    require_shape(ok, "an object with a 'jobs' list", raw, payloads)
    jobs: list[object] = doc["jobs"]
    return jobs


def _all_known(jobs: list[object], options: FetchOptions) -> bool:
    """True when every job on the page is already in the warehouse."""
    ids = {str(j.get("guid")) for j in jobs if isinstance(j, dict) and j.get("guid")}
    return bool(ids) and bool(options.known_ids) and ids <= options.known_ids
