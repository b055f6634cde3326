"""Ashby public job-board API: the whole board in one response."""

from __future__ import annotations

from urllib.parse import quote

import requests

from core.models import SourceRef
from sources.options import FetchOptions
from sources.paging import Pages
from sources.session import fetch, listed

KIND = "ashby"
# Every run lists the whole board: a posting it no longer lists has closed.
LISTS_WHOLE_BOARD = True
API = "https://api.ashbyhq.com/posting-api/job-board"


def board_url(board: str, options: FetchOptions) -> str:
    """The list URL of one Ashby board, with compensation."""
    return f"{options.base('ashby', API)}/{quote(board, safe='')}?includeCompensation=true"


def pages(session: requests.Session, source: SourceRef, options: FetchOptions) -> Pages:
    """The board's one page, shape checked once it is kept."""
    raw = fetch(session, source, board_url(source.board, options), options)
    yield raw
    listed(raw, "jobs")
    return False
