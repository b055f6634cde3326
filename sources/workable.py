"""Workable public API: v3 job search paged by `nextPage` token, then v2 details."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import requests

from core.errors import BoardGoneError
from core.models import RawPayload, SourceRef
from parsers.title import parse_title
from sources.options import FetchOptions
from sources.session import Payloads, collect_payloads, decode_json, fetch, require_shape

# Every run lists the whole board: a posting it no longer lists has closed.
LISTS_WHOLE_BOARD = True
API = "https://apply.workable.com"


def fetch_board(session: requests.Session, source: SourceRef, options: FetchOptions) -> Payloads:
    """Every search page of one account, then the detail of each new relevant job.

    Workable rate-limits hard: the session retries a 429, honouring Retry-After.
    """
    return collect_payloads(lambda payloads: _fetch_all(session, source, options, payloads))


def account_url(source: SourceRef, options: FetchOptions, version: str) -> str:
    """``{api}/api/{version}/accounts/{account}``."""
    base = options.base("workable", API)
    return f"{base}/api/{version}/accounts/{quote(source.board, safe='')}"


def search_body(token: str | None) -> dict[str, Any]:
    """The JSON body of one search request; `token` asks for the next page."""
    body: dict[str, Any] = {
        "query": "",
        "location": [],
        "department": [],
        "worktype": [],
        "remote": [],
    }
    if token:
        body["token"] = token
    return body


def _fetch_all(
    session: requests.Session,
    source: SourceRef,
    options: FetchOptions,
    payloads: Payloads,
) -> None:
    detail = f"{account_url(source, options, 'v2')}/jobs"
    for shortcode, title in _search(session, source, options, payloads).items():
        if shortcode in options.known_ids or not parse_title(title).relevant:
            continue
        url = f"{detail}/{quote(shortcode, safe='')}"
        try:
            payloads.append(fetch(session, source, url, options))
        except BoardGoneError:
            continue  # withdrawn between the list and the detail request


def _search(
    session: requests.Session,
    source: SourceRef,
    options: FetchOptions,
    payloads: Payloads,
) -> dict[str, str]:
    """shortcode → title of every job the search lists, following `nextPage`; `capped` when
    max_pages came before the last page."""
    url = f"{account_url(source, options, 'v3')}/jobs"
    found: dict[str, str] = {}
    token: str | None = None
    seen_tokens: set[str] = set()
    for _ in range(options.max_pages):
        raw = fetch(
            session,
            source,
            url,
            options,
            method="POST",
            json_body=search_body(token),
        )
        payloads.append(raw)
        results, token = _page(raw, payloads)
        for item in results:
            found.setdefault(str(item["shortcode"]), str(item.get("title") or ""))
        if not results or not token or token in seen_tokens:
            return found
        seen_tokens.add(token)
    payloads.capped = True
    return found


def _page(raw: RawPayload, payloads: list[RawPayload]) -> tuple[list[dict[str, Any]], str | None]:
    """The page's results that carry a shortcode, and its `nextPage` token."""
    doc = decode_json(raw, payloads)
    ok = isinstance(doc, dict) and isinstance(doc.get("results"), list)
    require_shape(ok, "an object with a 'results' list", raw, payloads)
    results = [r for r in doc["results"] if isinstance(r, dict) and r.get("shortcode")]
    token = doc.get("nextPage")
    return results, (token if isinstance(token, str) and token else None)
