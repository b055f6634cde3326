"""Redirects as `fetch` follows them: on the same host, never downgraded, never looping; to
another host only for public pages that carry no key (and then only the Accept header goes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from core.errors import SourceError
from sources.politeness import host_of
from sources.redaction import redact

REDIRECT_STATUSES = (301, 302, 303, 307, 308)
MAX_REDIRECTS = 5


@dataclass
class Request:
    """One logical request: where, how, and what it carries."""

    method: str
    url: str
    headers: dict[str, str]
    json_body: dict[str, Any] | None = None
    history: list[str] = field(default_factory=list)


def redirect_target(request: Request, response: requests.Response) -> str | None:
    """Where a redirect points (resolved), or None when the answer is not a redirect."""
    location = response.headers.get("Location")
    if response.status_code not in REDIRECT_STATUSES or not location:
        return None
    return urljoin(request.url, location)


def follow(request: Request, target: str, status: int, cross_host: bool) -> None:
    """Move the request to the target; refuse a downgrade, a loop, another scheme, or another
    host unless `cross_host` (then only when nothing secret travels, and only Accept follows)."""
    here, there = urlsplit(request.url), urlsplit(target)
    where = f"{there.scheme}://{there.netloc}" if there.netloc else target
    if there.scheme not in ("http", "https"):
        raise SourceError(f"redirected to a {there.scheme or 'relative'} URL: refused", url=where)
    if host_of(target) != host_of(request.url):
        keyed = redact(target) != target or redact(request.url) != request.url
        if not cross_host or keyed:
            raise SourceError(f"redirected to another host ({where}): refused", url=request.url)
        request.headers = {k: v for k, v in request.headers.items() if k.lower() == "accept"}
    if here.scheme == "https" and there.scheme != "https":
        raise SourceError("redirected from https to http: refused", url=request.url)
    request.history.append(request.url)
    if target in request.history or len(request.history) > MAX_REDIRECTS:
        raise SourceError(f"redirect loop or more than {MAX_REDIRECTS} redirects", url=target)
    if status == 303 or (status in (301, 302) and request.method == "POST"):
        request.method, request.json_body = "GET", None
    request.url = target
