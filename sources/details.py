"""Single-posting (detail) requests after a listing: which postings, and fetching them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import requests

from core.errors import BoardGoneError
from core.models import RawPayload, SourceRef
from parsers.title import parse_title
from sources.options import FetchOptions
from sources.session import fetch


def titles_by(items: Iterable[Any], key: str, title: str) -> list[tuple[str, str]]:
    """(id, title) of the listed items that are objects with a non-empty `key`."""
    return [
        (str(item[key]), str(item.get(title) or ""))
        for item in items
        if isinstance(item, dict) and item.get(key) not in (None, "")
    ]


def new_and_relevant(listed: Iterable[tuple[str, str]], known: frozenset[str]) -> list[str]:
    """Ids (in listing order, each once: its first title counts) of postings not stored yet
    whose title is relevant."""
    titles: dict[str, str] = {}
    for key, title in listed:
        titles.setdefault(key, title)
    return [key for key, title in titles.items() if key not in known and _relevant(title)]


def _relevant(title: str) -> bool:
    return parse_title(title).relevant


def details(
    session: requests.Session, source: SourceRef, options: FetchOptions, urls: Iterable[str]
) -> Iterator[RawPayload]:
    """Each detail as it arrives; one withdrawn between the list and its request (404) is
    skipped, any other failure stops the source (the pages before it are kept)."""
    for url in urls:
        try:
            raw = fetch(session, source, url, options)
        except BoardGoneError:
            continue  # withdrawn between the list and the detail request
        yield raw
