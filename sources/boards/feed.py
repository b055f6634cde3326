"""RSS 2.0 / Atom job feeds (Teamtailor `jobs.rss`, WordPress `/careers/feed/`, ...)."""

from __future__ import annotations

from dataclasses import replace

import requests

from core.errors import SourceError
from core.models import SourceRef
from sources.options import FetchOptions
from sources.paging import Pages
from sources.session import fetch, require_shape

ACCEPT_FEED = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8"
KIND = "feed"
_ROOTS = (b"<rss", b"<feed", b"<rdf:rdf")


def looks_like_feed(body: bytes) -> bool:
    """True when the body is an XML document whose root is rss, feed or rdf:RDF."""
    head = body[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith(b"<") and any(root in head for root in _ROOTS) and b"<html" not in head


def pages(session: requests.Session, source: SourceRef, options: FetchOptions) -> Pages:
    """The feed at `source.url` (or `params.url`), kept before its root is checked."""
    url = source.url or str(source.params.get("url") or "")
    if not url:
        raise SourceError(f"source {source.name!r} of kind feed needs a url")
    web = replace(options, cross_host_redirects=True)
    raw = fetch(session, source, url, web, headers={"Accept": ACCEPT_FEED})
    yield raw
    what = f"an RSS or Atom feed (content-type {raw.content_type or 'none'})"
    require_shape(looks_like_feed(raw.body), what, raw)
    return False
