"""SmartRecruiters public Posting API: list pages by offset, then details of new relevant ones."""

from __future__ import annotations

from urllib.parse import quote

import requests

from core.models import RawPayload, SourceRef
from sources.details import details, new_and_relevant, titles_by
from sources.options import FetchOptions
from sources.paging import Offset, Page, Pages, paginate
from sources.session import fetch, json_object

KIND = "smartrecruiters"
# Every run lists the whole board: a posting it no longer lists has closed.
LISTS_WHOLE_BOARD = True
API = "https://api.smartrecruiters.com"
PAGE_LIMIT = 100


def postings_url(source: SourceRef, options: FetchOptions) -> str:
    """``{api}/v1/companies/{company}/postings`` (the company identifier is case-sensitive)."""
    base = options.base("smartrecruiters", API)
    return f"{base}/v1/companies/{quote(source.board, safe='')}/postings"


def pages(session: requests.Session, source: SourceRef, options: FetchOptions) -> Pages:
    """Every list page of one company (offsets advance by the `limit` the server echoes, up
    to `totalFound`), then the detail of each new relevant posting; capped when max_pages
    came before the end of the list."""
    url = postings_url(source, options)

    def get(offset: int) -> RawPayload:
        return fetch(session, source, f"{url}?limit={PAGE_LIMIT}&offset={offset}", options)

    listing = yield from paginate(get, _read, Offset(PAGE_LIMIT), options.max_pages)
    wanted = new_and_relevant(listing.found, options.known_ids)
    yield from details(session, source, options, (f"{url}/{quote(i, safe='')}" for i in wanted))
    return listing.capped


def _read(raw: RawPayload, _offset: int) -> Page:
    """A page of `content`, with the step the server used and its `totalFound`."""
    doc = json_object(raw, "content")
    items = doc["content"]
    total = _int(doc.get("totalFound"), -1)
    step = _step(doc.get("limit"), len(items))
    found = titles_by(items, "id", "name")
    return Page(items, found=found, step=step, total=total if total >= 0 else None)


def _step(echoed: object, count: int) -> int:
    """The page size the server used: its echoed `limit`, else the items it sent."""
    size = _int(echoed, 0)
    return size if size > 0 else max(count, 1)


def _int(value: object, default: int) -> int:
    """An integer field, or ``default`` when absent or not an integer."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return default
