"""Greenhouse Job Board API: the whole board, with content and pay ranges.

EU boards may be served by the global host or by boards-api.eu.greenhouse.io (public sources
disagree): the configured region is tried first, the other one on a 404.
"""

from __future__ import annotations

from urllib.parse import quote

import requests

from core.models import RawPayload, SourceRef
from sources.options import FetchOptions
from sources.session import fetch_listing, other_region_on_404

# Every run lists the whole board: a posting it no longer lists has closed.
LISTS_WHOLE_BOARD = True
HOSTS = {
    "global": "https://boards-api.greenhouse.io/v1/boards",
    "eu": "https://boards-api.eu.greenhouse.io/v1/boards",
}
API = HOSTS["global"]


def board_url(token: str, options: FetchOptions, region: str = "global") -> str:
    """The list URL of one Greenhouse board, with descriptions and pay ranges."""
    key = "greenhouse" if region == "global" else f"greenhouse-{region}"
    base = options.base(key, HOSTS[region])
    return f"{base}/{quote(token, safe='')}/jobs?content=true&pay_transparency=true"


def fetch_board(
    session: requests.Session, source: SourceRef, options: FetchOptions
) -> list[RawPayload]:
    """Fetch one Greenhouse board from its region's host, or the other one."""
    region = source.region if source.region in HOSTS else "global"

    def attempt(name: str) -> RawPayload:
        return fetch_listing(
            session, source, board_url(source.board, options, name), options, "jobs"
        )

    return [other_region_on_404(region, tuple(HOSTS), attempt)]
