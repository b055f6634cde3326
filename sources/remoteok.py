"""RemoteOK API: one JSON array whose first element is the legal notice (kept in the payload)."""

from __future__ import annotations

import requests

from core.models import RawPayload, SourceRef
from sources.options import FetchOptions
from sources.session import decode_json, fetch, require_shape

API = "https://remoteok.com/api"


def fetch_board(
    session: requests.Session, source: SourceRef, options: FetchOptions
) -> list[RawPayload]:
    """Fetch the whole feed once (RemoteOK asks for few requests)."""
    raw = fetch(
        session,
        source,
        options.base("remoteok", API),
        options,
    )
    doc = decode_json(raw, [raw])
    require_shape(isinstance(doc, list), "a JSON array (legal notice, then jobs)", raw, [raw])
    return [raw]
