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
from sources.session import Payloads, collect_payloads, decode_json, fetch, require_shape

API = "https://api.adzuna.com/v1/api/jobs"
PER_PAGE = 50
DEFAULT_COUNTRIES = ("us", "gb")
DEFAULT_SEARCH = ("clinical trial manager", "clinical operations", "clinical project manager")
SKIPPED = "Adzuna needs JOBALERTS_ADZUNA_APP_ID and JOBALERTS_ADZUNA_APP_KEY; skipped"


def _listed(source: SourceRef, key: str, default: tuple[str, ...]) -> list[str]:
    value = source.params.get(key)
    found = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    return [str(v).strip() for v in found if str(v).strip()] or list(default)


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


def fetch_board(
    session: requests.Session, source: SourceRef, options: FetchOptions
) -> list[RawPayload]:
    """Every country x keyword, pages from 1 until a short or empty page."""
    app_id, app_key = options.credential("adzuna_app_id"), options.credential("adzuna_app_key")
    if not app_id or not app_key:
        raise SourceSkippedError(SKIPPED)
    keys = (app_id, app_key)

    def fill(payloads: Payloads) -> None:
        for country in _listed(source, "countries", DEFAULT_COUNTRIES):
            for term in _listed(source, "search", DEFAULT_SEARCH):
                _search(session, source, options, (country, term, keys), payloads)

    return collect_payloads(fill)


def _search(
    session: requests.Session,
    source: SourceRef,
    options: FetchOptions,
    query: tuple[str, str, tuple[str, str]],
    payloads: list[RawPayload],
) -> None:
    """The pages of one country's keyword search, appended to ``payloads``."""
    country, term, keys = query
    for page in range(1, options.max_pages + 1):
        url = page_url(country, term, page, keys, options)
        raw = fetch(session, source, url, options)
        payloads.append(raw)
        doc = decode_json(raw, payloads)
        ok = isinstance(doc, dict) and isinstance(doc.get("results"), list)
        require_shape(ok, "an object with a 'results' list", raw, payloads)
        if len(doc["results"]) < PER_PAGE:
            return
