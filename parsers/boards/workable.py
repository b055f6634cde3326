"""Workable payloads → Postings: a v2 job detail is one Posting, a v3 search page only ids."""

from __future__ import annotations

from typing import Any

from core.models import BoardParse, Location, Posting, RawPayload, SourceRef
from parsers.boards.common import (
    NOTHING,
    Skip,
    board_or_text_workplace,
    dict_of,
    join_text,
    json_or_problem,
    list_of,
    listed_page,
    map_items,
    merge_locations,
    payload_error,
    place_locations,
    posting_country,
    require_str,
    text_of,
    text_salary,
    unique_texts,
)
from parsers.dates import parse_date
from parsers.text import html_to_text
from parsers.title import parse_title

PUBLIC = "https://apply.workable.com"
WORKPLACES = ("on_site", "hybrid", "remote")


def parse_payload(raw: RawPayload, source: SourceRef, skip: Skip = NOTHING) -> BoardParse:
    """Map a Workable search page or job detail; never raises on bad data."""
    doc, problem = json_or_problem(raw.body)
    if problem:
        return payload_error(source, problem)
    if isinstance(doc, dict) and isinstance(doc.get("results"), list):
        return listed_page(doc["results"], source, "shortcode")
    if isinstance(doc, dict) and "shortcode" in doc:
        return map_items(source, [doc], lambda item: _posting(item, raw, source), skip)
    return payload_error(source, "expected a Workable 'results' list or a job with a shortcode")


def _posting(item: dict[str, Any], raw: RawPayload, source: SourceRef) -> Posting:
    """One job detail as a Posting."""
    shortcode = require_str(item, "shortcode")
    title = require_str(item, "title")
    places = _places(item)
    location = "; ".join(unique_texts(_place_text(p) for p in places))
    description = join_text(
        *(html_to_text(text_of(item.get(k))) for k in ("description", "requirements", "benefits"))
    )
    workplace, workplace_basis = board_or_text_workplace(_flag(item), title, location, description)
    locations = merge_locations(_locations(p) for p in places)
    salary, salary_basis = text_salary(description, country=posting_country(locations), title=title)
    info = parse_title(title)
    return Posting(
        source=source.name,
        source_id=shortcode,
        url=f"{PUBLIC}/{source.board}/j/{shortcode}/",
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
        posted_at=parse_date(item.get("published")),
        fetched_at=raw.fetched_at,
        description=description,
        department=", ".join(t for t in map(text_of, list_of(item.get("department"))) if t) or None,
        employment_type=text_of(item.get("type")) or None,
    )


def _flag(item: dict[str, Any]) -> str | bool | None:
    """`workplace` (on_site / hybrid / remote), else the `remote` boolean."""
    workplace = text_of(item.get("workplace"))
    if workplace in WORKPLACES:
        return workplace
    return True if item.get("remote") is True else None


def _places(item: dict[str, Any]) -> list[dict[str, Any]]:
    """`locations[]`, else the single `location`."""
    every = [dict_of(p) for p in list_of(item.get("locations"))]
    return [p for p in every if p] or [dict_of(item.get("location"))]


def _place_text(place: dict[str, Any]) -> str:
    """'City, Region, Country' of one place."""
    parts = [text_of(place.get(k)) for k in ("city", "region", "country")]
    return ", ".join(p for p in parts if p)


def _locations(place: dict[str, Any]) -> list[Location]:
    """One place; `countryCode` fills a country the text does not name."""
    code = text_of(place.get("countryCode")).upper() or None
    text = _place_text(place)
    found = place_locations(text, code)
    if found or not code:
        return found
    return [Location(city=text_of(place.get("city")) or None, country=code, text=text)]
