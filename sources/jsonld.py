"""Career pages carrying schema.org JobPosting JSON-LD, fetched as HTML where robots.txt allows."""

from __future__ import annotations

from dataclasses import replace

import requests

from core.errors import LayoutChangedError, SourceError
from core.models import RawPayload, SourceRef
from sources.options import FetchOptions
from sources.robots import ensure_allowed
from sources.session import Payloads, collect_payloads, fetch

ACCEPT_HTML = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"


def page_urls(source: SourceRef) -> list[str]:
    """`params.urls` (a list or one string), else the source's `url`."""
    value = source.params.get("urls")
    urls = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    found = [str(u).strip() for u in urls if str(u).strip()]
    return found or ([source.url] if source.url else [])


def looks_like_html(raw: RawPayload) -> bool:
    """True when the body is markup rather than JSON or plain text."""
    return raw.body[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def fetch_board(
    session: requests.Session, source: SourceRef, options: FetchOptions
) -> list[RawPayload]:
    """Fetch each page robots.txt allows; a disallowed page stops the source unfetched.
    A failure keeps the pages fetched before it."""
    urls = page_urls(source)
    if not urls:
        raise SourceError(f"source {source.name!r} of kind jsonld needs a url or params.urls")
    return collect_payloads(lambda payloads: _fetch_pages(session, source, options, urls, payloads))


def _fetch_pages(
    session: requests.Session,
    source: SourceRef,
    options: FetchOptions,
    urls: list[str],
    payloads: Payloads,
) -> None:
    for url in urls:
        ensure_allowed(session, source, url, options)
        raw = fetch(
            session,
            source,
            url,
            replace(options, cross_host_redirects=True),
            headers={"Accept": ACCEPT_HTML},
        )
        payloads.append(raw)
        if not looks_like_html(raw):
            what = raw.content_type or "none"
            raise LayoutChangedError(
                f"layout changed: expected an HTML page (content-type {what})",
                url=url,
                status=raw.status,
            )
