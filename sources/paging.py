"""The one pager: a listing's pages fetched in turn, each yielded as it arrives.

A connector says how to fetch the page at a cursor (`get`), how to read the page fetched
at a cursor (`read`: decode, check the shape, return a `Page`), and how cursors advance (a
strategy: page numbers, offsets, or the cursor/next link a page names). `paginate` yields
every raw page BEFORE reading it, so a page that fails to decode is still kept, and returns
a `Listing`: what the reads found (e.g. ids and titles for detail requests; only that is
kept, not the decoded pages) and whether `max_pages` (or a server repeating a page) cut the
listing short.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from core.models import RawPayload

# What a connector's `pages` is: a generator of raw payloads (as they arrive) whose return
# value is True when its whole-board listing was cut short (capped). A search never is.
Pages = Generator[RawPayload, None, bool]
C = TypeVar("C")


@dataclass(frozen=True)
class Page:
    """What a board read from one page: its items, what to keep of them (`found`, small:
    ids and titles), and its hints for the next page.

    `more` is False when the page says it is the last (a short page, the last of a page
    count, a page of postings already known); `link` is the next cursor the page names
    (a token, a page number); `step` how far an offset moves (the server's echoed limit);
    `total` how many items (offsets) or pages (page numbers) the listing holds, when known.
    """

    items: list[Any]
    found: list[Any] = field(default_factory=list)
    more: bool = True
    link: Any = None
    step: int | None = None
    total: int | None = None


@dataclass
class Listing:
    """What the reads of a listing's pages found, in order; `capped` when it ended before
    its end."""

    found: list[Any] = field(default_factory=list)
    capped: bool = False


# One listing's pages (the pager's generator): returns the Listing once it ends.
Listed = Generator[RawPayload, None, Listing]


class Strategy(Protocol[C]):
    """How cursors advance: the first one, and the one after a page (None: no more pages)."""

    def first(self) -> C: ...

    def after(self, cursor: C, page: Page) -> C | None: ...


@dataclass
class Numbered:
    """Pages numbered from `start`; `Page.total` is the number of pages when the board says."""

    start: int = 1

    def first(self) -> int:
        return self.start

    def after(self, cursor: int, page: Page) -> int | None:
        following = cursor + 1
        if page.total is not None and following - self.start >= page.total:
            return None
        return following


@dataclass
class Offset:
    """Offsets moving by the server's echoed step (else `size`) until the known total."""

    size: int
    total: int | None = None  # the last total a page gave (later pages may not repeat it)

    def first(self) -> int:
        return 0

    def after(self, cursor: int, page: Page) -> int | None:
        self.total = page.total if page.total is not None else self.total
        following = cursor + (page.step or self.size)
        return None if self.total is not None and following >= self.total else following


@dataclass
class Linked:
    """The cursor each page names (a token or a next page), until none or one seen before;
    `start` is the first (never None: None means no next page)."""

    start: Any
    seen: set[Any] = field(default_factory=set)

    def first(self) -> Any:
        self.seen.add(self.start)
        return self.start

    def after(self, cursor: Any, page: Page) -> Any:
        link = page.link
        if link is None or link in self.seen:
            return None
        self.seen.add(link)
        return link


def paginate(
    get: Callable[[C], RawPayload],
    read: Callable[[RawPayload, C], Page],
    strategy: Strategy[C],
    max_pages: int,
) -> Listed:
    """Yield each page as it arrives, up to `max_pages`; stop after an empty page, a page
    that says it is the last, or a page repeating the previous one (a server ignoring the
    cursor: the listing is incomplete). Returns what the reads found and whether it was capped."""
    listing = Listing()
    cursor = strategy.first()
    previous: list[Any] | None = None
    for _ in range(max_pages):
        raw = get(cursor)
        yield raw
        page = read(raw, cursor)
        if page.items and page.items == previous:
            listing.capped = True
            return listing
        listing.found += page.found
        previous = page.items
        following = strategy.after(cursor, page) if page.items and page.more else None
        if following is None:
            return listing
        cursor = following
    listing.capped = True
    return listing
