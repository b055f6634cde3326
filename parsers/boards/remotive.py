"""Remotive remote-jobs API payload (envelope with `jobs[]`, remote-only) → Postings."""

from __future__ import annotations

from typing import Any

from core.models import BoardParse, Posting, RawPayload, SourceRef
from parsers.boards.common import (
    NOTHING,
    Skip,
    board_or_text_workplace,
    map_listing,
    place_locations,
    posting_country,
    require_str,
    text_of,
    text_salary,
)
from parsers.dates import parse_date
from parsers.text import html_to_text
from parsers.title import parse_title


def parse_payload(raw: RawPayload, source: SourceRef, skip: Skip = NOTHING) -> BoardParse:
    """Map one search answer to Postings; never raises on bad data."""
    return map_listing(raw, source, "jobs", lambda item: _posting(item, raw, source), skip)


def _posting(item: dict[str, Any], raw: RawPayload, source: SourceRef) -> Posting:
    """One Remotive job: always remote; the salary is free text."""
    if item.get("id") is None:
        raise ValueError("missing 'id'")
    title = require_str(item, "title")
    where = text_of(item.get("candidate_required_location"))
    description = html_to_text(text_of(item.get("description")))
    workplace, basis = board_or_text_workplace(True, title, f"Remote - {where or 'Worldwide'}", "")
    locations = place_locations(where)
    salary, salary_basis = text_salary(
        text_of(item.get("salary")), country=posting_country(locations)
    )
    info = parse_title(title)
    return Posting(
        source=source.name,
        source_id=str(item["id"]),
        url=text_of(item.get("url")),
        title=title,
        company=text_of(item.get("company_name")) or source.company,
        location_text=where,
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
        department=text_of(item.get("category")) or None,
        employment_type=text_of(item.get("job_type")) or None,
    )
