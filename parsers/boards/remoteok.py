"""RemoteOK API payload (array: legal notice first, then jobs; remote-only) → Postings.

`salary_min`/`salary_max` are annual USD figures on RemoteOK; 0 means not stated.
"""

from __future__ import annotations

from typing import Any

from core.models import Basis, BoardParse, Posting, RawPayload, Salary, SourceRef
from parsers.boards.common import (
    NOTHING,
    Skip,
    board_or_text_workplace,
    json_or_problem,
    map_items,
    payload_error,
    place_locations,
    posting_country,
    require_str,
    text_of,
    text_salary,
)
from parsers.boards.jsonld import amount
from parsers.dates import parse_date
from parsers.salary import make_salary
from parsers.text import html_to_text
from parsers.title import parse_title


def parse_payload(raw: RawPayload, source: SourceRef, skip: Skip = NOTHING) -> BoardParse:
    """Map the feed's jobs, skipping the legal notice; never raises on bad data."""
    doc, problem = json_or_problem(raw.body)
    if problem:
        return payload_error(source, problem)
    if not isinstance(doc, list):
        return payload_error(source, "expected a JSON array")
    jobs = [item for item in doc if not is_notice(item)]
    return map_items(source, jobs, lambda item: _posting(item, raw, source), skip)


def is_notice(item: object) -> bool:
    """The legal/metadata element: it carries `legal` and no `position`."""
    return isinstance(item, dict) and "legal" in item and "position" not in item


def _posting(item: dict[str, Any], raw: RawPayload, source: SourceRef) -> Posting:
    """One RemoteOK job as a Posting."""
    if item.get("id") is None:
        raise ValueError("missing 'id'")
    title = require_str(item, "position")
    where = text_of(item.get("location"))
    description = html_to_text(text_of(item.get("description")))
    workplace, basis = board_or_text_workplace(True, title, f"Remote - {where or 'Worldwide'}", "")
    locations = place_locations(where)
    salary, salary_basis = _salary(item, description, posting_country(locations), title)
    info = parse_title(title)
    return Posting(
        source=source.name,
        source_id=str(item["id"]),
        url=text_of(item.get("url")) or text_of(item.get("apply_url")),
        title=title,
        company=text_of(item.get("company")) or source.company,
        location_text=where,
        locations=locations,
        workplace=workplace,
        workplace_basis=basis,
        salary=salary,
        salary_basis=salary_basis,
        relevant=info.relevant,
        family=info.family,
        level=info.level,
        posted_at=parse_date(item.get("epoch")) or parse_date(item.get("date")),
        fetched_at=raw.fetched_at,
        description=description,
    )


def _salary(
    item: dict[str, Any], description: str, country: str | None = None, title: str = ""
) -> tuple[Salary | None, Basis]:
    """salary_min/max (0 = absent) as annual USD; else pay stated in the description."""
    low, high = amount(item.get("salary_min")), amount(item.get("salary_max"))
    shown = " - ".join(f"${v:,.0f}" for v in (low, high) if v is not None)
    salary = make_salary(low, high, "USD", "year", f"{shown} per year" if shown else "")
    if salary is not None:
        return salary, "board"
    return text_salary(description, country=country, title=title)
