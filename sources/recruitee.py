"""Recruitee careers-site API: one GET returns every published offer with its content."""

from __future__ import annotations

from urllib.parse import quote

import requests

from core.models import RawPayload, SourceRef
from sources.options import FetchOptions
from sources.session import decode_json, fetch, require_shape

# Every run lists the whole board: a posting it no longer lists has closed.
LISTS_WHOLE_BOARD = True


def offers_url(source: SourceRef, options: FetchOptions) -> str:
    """``https://{company}.recruitee.com/api/offers/`` (the base may be overridden)."""
    default = f"https://{quote(source.board, safe='')}.recruitee.com"
    return f"{options.base('recruitee', default)}/api/offers/"


def fetch_board(
    session: requests.Session, source: SourceRef, options: FetchOptions
) -> list[RawPayload]:
    """The one offers payload; an empty list (a generic subdomain) is returned as it is."""
    raw = fetch(
        session,
        source,
        offers_url(source, options),
        options,
    )
    payloads = [raw]
    doc = decode_json(raw, payloads)
    ok = isinstance(doc, dict) and isinstance(doc.get("offers"), list)
    require_shape(ok, "an object with an 'offers' list", raw, payloads)
    return payloads
