"""Ashby public job-board API: the whole board in one response."""

from __future__ import annotations

from urllib.parse import quote

import requests

from core.models import RawPayload, SourceRef
from sources.options import FetchOptions
from sources.session import decode_json, fetch, require_shape

# Every run lists the whole board: a posting it no longer lists has closed.
LISTS_WHOLE_BOARD = True
API = "https://api.ashbyhq.com/posting-api/job-board"


def board_url(board: str, options: FetchOptions) -> str:
    """The list URL of one Ashby board, with compensation."""
    return f"{options.base('ashby', API)}/{quote(board, safe='')}?includeCompensation=true"


def fetch_board(
    session: requests.Session, source: SourceRef, options: FetchOptions
) -> list[RawPayload]:
    """Fetch one Ashby board."""
    raw = fetch(
        session,
        source,
        board_url(source.board, options),
        timeout=options.timeout,
        max_bytes=options.max_bytes,
    )
    doc = decode_json(raw, [raw])
    require_shape(
        isinstance(doc, dict) and isinstance(doc.get("jobs"), list),
        "an object with a 'jobs' list",
        raw,
        [raw],
    )
    return [raw]
