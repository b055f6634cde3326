"""Remotive remote-jobs API: one request per keyword (the API has no paging)."""

from __future__ import annotations

from urllib.parse import urlencode

import requests

from core.models import RawPayload, SourceRef
from sources.options import FetchOptions
from sources.session import Payloads, collect_payloads, decode_json, fetch, require_shape

API = "https://remotive.com/api/remote-jobs"
DEFAULT_SEARCH = ("clinical",)


def search_terms(source: SourceRef) -> list[str]:
    """The configured keywords (a string or a list), else the defaults."""
    value = source.params.get("search")
    terms = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    return [str(t) for t in terms if str(t).strip()] or list(DEFAULT_SEARCH)


def search_url(term: str, options: FetchOptions) -> str:
    """The search URL for one keyword."""
    return f"{options.base('remotive', API)}?{urlencode({'search': term})}"


def fetch_board(
    session: requests.Session, source: SourceRef, options: FetchOptions
) -> list[RawPayload]:
    """One search per keyword; each answer must be the envelope with a `jobs` list. Answers
    fetched before a failure travel with the error."""
    return collect_payloads(lambda payloads: _searches(session, source, options, payloads))


def _searches(
    session: requests.Session, source: SourceRef, options: FetchOptions, payloads: Payloads
) -> None:
    """Each keyword's answer, appended to `payloads`."""
    for term in search_terms(source):
        raw = fetch(
            session,
            source,
            search_url(term, options),
            options,
        )
        payloads.append(raw)
        doc = decode_json(raw, payloads)
        ok = isinstance(doc, dict) and isinstance(doc.get("jobs"), list)
        require_shape(ok, "an object with a 'jobs' list", raw, payloads)
