"""Ashby public job-board API: the whole board in one response."""

from __future__ import annotations

from urllib.parse import quote

import requests

from core.models import RawPayload, SourceRef
from sources.options import FetchOptions
from sources.session import fetch_listing

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
    return [fetch_listing(session, source, board_url(source.board, options), options, "jobs")]
