"""Lever Postings API (`/v0/postings/{site}?mode=json`, global and EU) payload → Postings."""

from __future__ import annotations

from typing import Any

from core.models import Basis, BoardParse, Posting, RawPayload, Salary, SourceRef
from parsers.boards.common import (
    NOTHING,
    Skip,
    board_or_text_workplace,
    dict_of,
    join_text,
    list_of,
    map_listing,
    merge_locations,
    number,
    place_locations,
    posting_country,
    require_str,
    text_of,
    text_salary,
    unique_texts,
)
from parsers.dates import parse_date
from parsers.salary import make_salary
from parsers.text import html_to_text
from parsers.title import parse_title

INTERVALS: dict[str, str] = {
    "per-year-salary": "year",
    "per-month-salary": "month",
    "per-week-salary": "week",
    "per-day-wage": "day",
    "per-hour-wage": "hour",
}


def parse_payload(raw: RawPayload, source: SourceRef, skip: Skip = NOTHING) -> BoardParse:
    """Map one page of a Lever board (a JSON array) to Postings; never raises on bad data."""
    return map_listing(raw, source, None, lambda item: _posting(item, raw, source), skip)


def _posting(item: dict[str, Any], raw: RawPayload, source: SourceRef) -> Posting:
    """One Lever posting as a Posting."""
    posting_id = require_str(item, "id")
    title = require_str(item, "text")
    categories = dict_of(item.get("categories"))
    places = _places(categories)
    location = "; ".join(places)
    description = _description(item)
    country = text_of(item.get("country")).upper() or None
    locations = merge_locations(place_locations(p, country) for p in places)
    salary, salary_basis = _salary(item, description, posting_country(locations) or country, title)
    workplace, workplace_basis = board_or_text_workplace(
        item.get("workplaceType"), title, location, description
    )
    info = parse_title(title)
    return Posting(
        source=source.name,
        source_id=posting_id,
        url=text_of(item.get("hostedUrl")),
        title=title,
        company=source.company,
        location_text=location,
        locations=locations,
        workplace=workplace,
        workplace_basis=workplace_basis,
        salary=salary,
        salary_basis=salary_basis,
        relevant=info.relevant,
        family=info.family,
        level=info.level,
        posted_at=parse_date(item.get("createdAt")),
        fetched_at=raw.fetched_at,
        description=description,
        department=text_of(categories.get("department")) or text_of(categories.get("team")) or None,
        employment_type=text_of(categories.get("commitment")) or None,
    )


def _places(categories: dict[str, Any]) -> list[str]:
    """`allLocations`, else the single `location`."""
    every = categories.get("allLocations")
    texts = [text_of(t) for t in every] if isinstance(every, list) else []
    return unique_texts(texts or [text_of(categories.get("location"))])


def _description(item: dict[str, Any]) -> str:
    """descriptionPlain, each list with its heading, the salary note and additionalPlain."""
    sections = [
        join_text(text_of(part.get("text")), html_to_text(text_of(part.get("content"))))
        for part in map(dict_of, list_of(item.get("lists")))
    ]
    plain = text_of(item.get("descriptionPlain")) or html_to_text(text_of(item.get("description")))
    return join_text(
        plain,
        *sections,
        text_of(item.get("salaryDescriptionPlain")),
        text_of(item.get("additionalPlain")),
    )


def _salary(
    item: dict[str, Any], description: str, country: str | None = None, title: str = ""
) -> tuple[Salary | None, Basis]:
    """`salaryRange` (basis 'board'), else pay stated in the salary note or the text."""
    salary = _salary_range(item.get("salaryRange"), text_of(item.get("salaryDescriptionPlain")))
    if salary is not None:
        return salary, "board"
    return text_salary(
        text_of(item.get("salaryDescriptionPlain")), description, country=country, title=title
    )


def _salary_range(value: object, note: str) -> Salary | None:
    """A Salary from Lever's structured `salaryRange`; None when absent or unusable."""
    if not isinstance(value, dict):
        return None
    interval = text_of(value.get("interval"))
    period = INTERVALS.get(interval.lower(), interval)
    low, high = number(value.get("min")), number(value.get("max"))
    return make_salary(low, high, text_of(value.get("currency")), period, note)
