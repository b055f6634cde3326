"""The Muse public jobs API payload (`results[]`) → Postings. No salary fields: text only."""

from __future__ import annotations

from typing import Any

from core.models import Basis, BoardParse, Posting, RawPayload, SourceRef, Workplace
from parsers.boards.common import (
    NOTHING,
    Skip,
    board_or_text_workplace,
    dict_of,
    list_of,
    map_listing,
    merge_locations,
    place_locations,
    posting_country,
    require_str,
    text_of,
    text_salary,
)
from parsers.dates import parse_date
from parsers.text import html_to_text
from parsers.title import parse_title

REMOTE_NAMES = frozenset({"flexible / remote", "remote", "flexible/remote"})


def parse_payload(raw: RawPayload, source: SourceRef, skip: Skip = NOTHING) -> BoardParse:
    """Map one results page to Postings; never raises on bad data."""
    return map_listing(raw, source, "results", lambda item: _posting(item, raw, source), skip)


def _posting(item: dict[str, Any], raw: RawPayload, source: SourceRef) -> Posting:
    """One Muse job: 'Flexible / Remote' among its locations makes it remote (board)."""
    if item.get("id") is None:
        raise ValueError("missing 'id'")
    title = require_str(item, "name")
    names = [text_of(dict_of(p).get("name")) for p in list_of(item.get("locations"))]
    remote = any(n.lower() in REMOTE_NAMES for n in names)
    places = [n for n in names if n and n.lower() not in REMOTE_NAMES]
    location = "; ".join(places)
    description = html_to_text(text_of(item.get("contents")))
    workplace, basis = _workplace(remote, title, location, description)
    locations = merge_locations(place_locations(p) for p in places)
    salary, salary_basis = text_salary(description, country=posting_country(locations), title=title)
    info = parse_title(title)
    return Posting(
        source=source.name,
        source_id=str(item["id"]),
        url=text_of(dict_of(item.get("refs")).get("landing_page")),
        title=title,
        company=text_of(dict_of(item.get("company")).get("name")) or source.company,
        location_text="; ".join(n for n in names if n),
        locations=locations,
        workplace=workplace,
        workplace_basis=basis,
        salary=salary,
        salary_basis=salary_basis,
        relevant=info.relevant,
        family=info.family,
        level=info.level,
        posted_at=parse_date(item.get("publication_date")),
        fetched_at=raw.fetched_at,
        description=description,
        department=", ".join(
            text_of(dict_of(c).get("name")) for c in list_of(item.get("categories"))
        )
        or None,
        employment_type=text_of(item.get("type")) or None,
    )


def _workplace(
    remote: bool, title: str, location: str, description: str
) -> tuple[Workplace, Basis]:
    """Remote (board) when listed as 'Flexible / Remote'; otherwise what the text says."""
    if remote:
        return Workplace("remote"), "board"
    return board_or_text_workplace(None, title, location, description)
