"""RemoteOK API: one JSON array whose first element is the legal notice (kept in the payload)."""

from __future__ import annotations

import requests

from core.models import SourceRef
from sources.options import FetchOptions
from sources.paging import Pages
from sources.session import decode_json, fetch, require_shape

KIND = "remoteok"
API = "https://remoteok.com/api"


def pages(session: requests.Session, source: SourceRef, options: FetchOptions) -> Pages:
    """The whole feed, fetched once (RemoteOK asks for few requests)."""
    raw = fetch(session, source, options.base("remoteok", API), options)
    yield raw
    doc = decode_json(raw)
    require_shape(isinstance(doc, list), "a JSON array (legal notice, then jobs)", raw)
    return False
