"""Recruitee careers-site API: one GET returns every published offer with its content."""

from __future__ import annotations

from urllib.parse import quote

import requests

from core.models import SourceRef
from sources.options import FetchOptions
from sources.paging import Pages
from sources.session import fetch, listed

KIND = "recruitee"
# Every run lists the whole board: a posting it no longer lists has closed.
LISTS_WHOLE_BOARD = True


def offers_url(source: SourceRef, options: FetchOptions) -> str:
    """``https://{company}.recruitee.com/api/offers/`` (the base may be overridden)."""
    default = f"https://{quote(source.board, safe='')}.recruitee.com"
    return f"{options.base('recruitee', default)}/api/offers/"


def pages(session: requests.Session, source: SourceRef, options: FetchOptions) -> Pages:
    """The one offers payload; an empty list (a generic subdomain) is kept as it is."""
    raw = fetch(session, source, offers_url(source, options), options)
    yield raw
    listed(raw, "offers", "an object with an 'offers' list")
    return False
