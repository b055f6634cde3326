"""SmartRecruiters public Posting API: list pages by offset, then details of new relevant ones."""

from __future__ import annotations

from urllib.parse import quote

import requests

from core.errors import BoardGoneError
from core.models import RawPayload, SourceRef
from parsers.title import parse_title
from sources.options import FetchOptions
from sources.session import Payloads, collect_payloads, decode_json, fetch, require_shape

# Every run lists the whole board: a posting it no longer lists has closed.
LISTS_WHOLE_BOARD = True
API = "https://api.smartrecruiters.com"
PAGE_LIMIT = 100


def fetch_board(session: requests.Session, source: SourceRef, options: FetchOptions) -> Payloads:
    """Every list page of one company, then the detail of each new relevant posting."""
    return collect_payloads(lambda payloads: _fetch_all(session, source, options, payloads))


def postings_url(source: SourceRef, options: FetchOptions) -> str:
    """``{api}/v1/companies/{company}/postings`` (the company identifier is case-sensitive)."""
    base = options.base("smartrecruiters", API)
    return f"{base}/v1/companies/{quote(source.board, safe='')}/postings"


def _fetch_all(
    session: requests.Session,
    source: SourceRef,
    options: FetchOptions,
    payloads: Payloads,
) -> None:
    url = postings_url(source, options)
    for posting_id, title in _list(session, source, options, url, payloads).items():
        if posting_id in options.known_ids or not parse_title(title).relevant:
            continue
        try:
            payloads.append(_get(session, source, options, f"{url}/{quote(posting_id, safe='')}"))
        except BoardGoneError:
            continue  # withdrawn between the list and the detail request


def _list(
    session: requests.Session,
    source: SourceRef,
    options: FetchOptions,
    url: str,
    payloads: Payloads,
) -> dict[str, str]:
    """id → title of every listed posting; pages advance by the `limit` the server echoes.
    `capped` when max_pages came before the end of the list."""
    found: dict[str, str] = {}
    offset = 0
    for _ in range(options.max_pages):
        raw = _get(session, source, options, f"{url}?limit={PAGE_LIMIT}&offset={offset}")
        payloads.append(raw)
        doc = decode_json(raw, payloads)
        ok = isinstance(doc, dict) and isinstance(doc.get("content"), list)
        require_shape(ok, "an object with a 'content' list", raw, payloads)
        items = doc["content"]
        for item in items:
            if isinstance(item, dict) and item.get("id") is not None:
                found.setdefault(str(item["id"]), str(item.get("name") or ""))
        offset += _step(doc.get("limit"), len(items))
        total = _int(doc.get("totalFound"), -1)
        if not items or 0 <= total <= offset:
            return found
    payloads.capped = True
    return found


def _step(echoed: object, count: int) -> int:
    """The page size the server used: its echoed `limit`, else the items it sent."""
    size = _int(echoed, 0)
    return size if size > 0 else max(count, 1)


def _int(value: object, default: int) -> int:
    """An integer field, or ``default`` when absent or not an integer."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return default


def _get(
    session: requests.Session, source: SourceRef, options: FetchOptions, url: str
) -> RawPayload:
    return fetch(session, source, url, options)
