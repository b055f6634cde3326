"""Arbeitnow job-board API payload (`data[]`, mostly Germany) → Postings."""

from __future__ import annotations

from typing import Any

from core.models import BoardParse, Posting, RawPayload, SourceRef
from parsers.boards.common import (
    NOTHING,
    Skip,
    board_or_text_workplace,
    json_or_problem,
    list_of,
    map_items,
    payload_error,
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
    """Map one page to Postings; never raises on bad data."""
    doc, problem = json_or_problem(raw.body)
    if problem:
        return payload_error(source, problem)
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), list):
        return payload_error(source, "expected an object with a 'data' list")
    items = [{**i, "id": i.get("slug")} if isinstance(i, dict) else i for i in doc["data"]]
    return map_items(source, items, lambda item: _posting(item, raw, source), skip)


def _posting(item: dict[str, Any], raw: RawPayload, source: SourceRef) -> Posting:
    """One Arbeitnow job: `remote` true is remote (board); otherwise the text decides."""
    slug = require_str(item, "slug")
    title = require_str(item, "title")
    where = text_of(item.get("location"))
    description = html_to_text(text_of(item.get("description")))
    flag = item.get("remote") if item.get("remote") is True else None
    workplace, workplace_basis = board_or_text_workplace(flag, title, where, description)
    locations = place_locations(where)
    salary, salary_basis = text_salary(description, country=posting_country(locations), title=title)
    info = parse_title(title)
    kinds = [text_of(t) for t in list_of(item.get("job_types")) if text_of(t)]
    return Posting(
        source=source.name,
        source_id=slug,
        url=text_of(item.get("url")),
        title=title,
        company=text_of(item.get("company_name")) or source.company,
        location_text=where,
        locations=locations,
        workplace=workplace,
        workplace_basis=workplace_basis,
        salary=salary,
        salary_basis=salary_basis,
        relevant=info.relevant,
        family=info.family,
        level=info.level,
        posted_at=parse_date(item.get("created_at")),
        fetched_at=raw.fetched_at,
        description=description,
        employment_type=", ".join(kinds) or None,
    )
