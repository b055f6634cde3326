"""Remotive remote-jobs API: one request per keyword (the API has no paging)."""

from __future__ import annotations

from urllib.parse import urlencode

import requests

from core.models import SourceRef
from sources.options import FetchOptions
from sources.paging import Pages
from sources.params import param_list
from sources.session import fetch, listed

KIND = "remotive"
API = "https://remotive.com/api/remote-jobs"
DEFAULT_SEARCH = ("clinical",)


def search_terms(source: SourceRef) -> list[str]:
    """The configured keywords (a string or a list), else the defaults."""
    return param_list(source, "search", DEFAULT_SEARCH)


def search_url(term: str, options: FetchOptions) -> str:
    """The search URL for one keyword."""
    return f"{options.base('remotive', API)}?{urlencode({'search': term})}"


def pages(session: requests.Session, source: SourceRef, options: FetchOptions) -> Pages:
    """One search per keyword; each answer must be the envelope with a `jobs` list."""
    for term in search_terms(source):
        raw = fetch(session, source, search_url(term, options), options)
        yield raw
        listed(raw, "jobs")
    return False
