"""robots.txt for crawled pages (not APIs), cached per session and host; header-scoped sessions.

A 404 (or any other 4xx) robots.txt allows everything; 429/5xx and network errors propagate as
TransientSourceError (try again later) rather than crawling blind.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser
from weakref import WeakKeyDictionary

import requests

from core.errors import SourceError, TransientSourceError
from core.models import SourceRef
from sources.options import FetchOptions
from sources.session import fetch

MAX_ROBOTS_BYTES = 512_000
_CACHE: WeakKeyDictionary[requests.Session, dict[str, RobotFileParser]] = WeakKeyDictionary()
_LOCK = threading.Lock()


def robots_url(url: str) -> str:
    """{scheme}://{host}/robots.txt of a page."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/robots.txt"


def _load(
    session: requests.Session, source: SourceRef, url: str, options: FetchOptions
) -> RobotFileParser:
    """Fetch and parse one robots.txt; a 4xx answer means no rules."""
    rules = RobotFileParser(url)
    try:
        raw = fetch(
            session,
            source,
            url,
            replace(options, max_bytes=min(options.max_bytes, MAX_ROBOTS_BYTES)),
            record=False,  # rules, not a payload of the board
        )
    except TransientSourceError:
        raise
    except SourceError as error:
        if error.status is not None and 400 <= error.status < 500:
            rules.parse([])  # no rules: everything allowed
            return rules
        raise
    rules.parse(raw.body.decode("utf-8", errors="replace").splitlines())
    return rules


def rules_for(
    session: requests.Session, source: SourceRef, url: str, options: FetchOptions
) -> RobotFileParser:
    """The cached rules of the page's host, fetched on first use."""
    key = robots_url(url)
    with _LOCK:
        cached = _CACHE.setdefault(session, {}).get(key)
    if cached is not None:
        return cached
    rules = _load(session, source, key, options)
    with _LOCK:
        _CACHE[session][key] = rules
    return rules


def ensure_allowed(
    session: requests.Session, source: SourceRef, url: str, options: FetchOptions
) -> None:
    """Raise SourceError when robots.txt disallows our User-Agent from fetching ``url``."""
    agent = str(session.headers.get("User-Agent", "*"))
    if not rules_for(session, source, url, options).can_fetch(agent, url):
        raise SourceError(f"robots.txt disallows {url} for {agent}", url=url)
