"""Greenhouse Job Board API: the whole board, with content and pay ranges."""

from __future__ import annotations

from urllib.parse import quote

import requests

from core.models import RawPayload, SourceRef
from sources.options import FetchOptions
from sources.session import decode_json, fetch, require_shape

# Every run lists the whole board: a posting it no longer lists has closed.
LISTS_WHOLE_BOARD = True
API = "https://boards-api.greenhouse.io/v1/boards"


def board_url(token: str, options: FetchOptions) -> str:
    """The list URL of one Greenhouse board, with descriptions and pay ranges."""
    base = options.base("greenhouse", API)
    return f"{base}/{quote(token, safe='')}/jobs?content=true&pay_transparency=true"


def fetch_board(
    session: requests.Session, source: SourceRef, options: FetchOptions
) -> list[RawPayload]:
    """Fetch one Greenhouse board."""
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
