"""Career pages carrying schema.org JobPosting JSON-LD, fetched as HTML where robots.txt allows."""

from __future__ import annotations

from dataclasses import replace

import requests

from core.errors import SourceError
from core.models import RawPayload, SourceRef
from sources.options import FetchOptions
from sources.paging import Pages
from sources.params import param_list
from sources.robots import ensure_allowed
from sources.session import fetch, require_shape

KIND = "jsonld"
ACCEPT_HTML = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"


def page_urls(source: SourceRef) -> list[str]:
    """`params.urls` (a list or one string), else the source's `url`."""
    return param_list(source, "urls") or ([source.url] if source.url else [])


def looks_like_html(raw: RawPayload) -> bool:
    """True when the body is markup rather than JSON or plain text."""
    return raw.body[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def pages(session: requests.Session, source: SourceRef, options: FetchOptions) -> Pages:
    """Each page robots.txt allows, kept before it is checked to be HTML; a disallowed page
    stops the source unfetched."""
    urls = page_urls(source)
    if not urls:
        raise SourceError(f"source {source.name!r} of kind jsonld needs a url or params.urls")
    web = replace(options, cross_host_redirects=True)
    for url in urls:
        ensure_allowed(session, source, url, options)
        raw = fetch(session, source, url, web, headers={"Accept": ACCEPT_HTML})
        yield raw
        what = f"an HTML page (content-type {raw.content_type or 'none'})"
        require_shape(looks_like_html(raw), what, raw)
    return False
