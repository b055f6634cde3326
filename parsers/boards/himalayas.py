"""Himalayas search API payload (`jobs[]`, remote-only) → Postings."""

from __future__ import annotations

from typing import Any

from core.models import (
    Basis,
    BoardParse,
    Location,
    Posting,
    RawPayload,
    Salary,
    SourceRef,
    Workplace,
)
from parsers.boards.common import (
    NOTHING,
    Skip,
    json_or_problem,
    list_of,
    map_items,
    number,
    payload_error,
    posting_country,
    require_str,
    text_of,
    text_salary,
)
from parsers.dates import parse_date
from parsers.location import country_code
from parsers.salary import make_salary
from parsers.text import html_to_text
from parsers.title import parse_title


def parse_payload(raw: RawPayload, source: SourceRef, skip: Skip = NOTHING) -> BoardParse:
    """Map one search page to Postings, once per `guid`; never raises on bad data."""
    doc, problem = json_or_problem(raw.body)
    if problem:
        return payload_error(source, problem)
    if not isinstance(doc, dict) or not isinstance(doc.get("jobs"), list):
        return payload_error(source, "expected an object with a 'jobs' list")
    seen: set[str] = set()
    items: list[object] = []
    for item in doc["jobs"]:
        guid = text_of(item.get("guid")) if isinstance(item, dict) else ""
        if guid and guid in seen:
            continue
        seen.add(guid)
        items.append(item)
    return map_items(source, items, lambda item: _posting(item, raw, source), skip)


def _posting(item: dict[str, Any], raw: RawPayload, source: SourceRef) -> Posting:
    """One Himalayas job as a Posting."""
    guid = require_str(item, "guid")
    title = require_str(item, "title")
    places = restrictions(item.get("locationRestrictions"))
    description = html_to_text(text_of(item.get("description"))) or text_of(item.get("excerpt"))
    locations = [Location(country=code, text=name) for name, code in places if code]
    salary, salary_basis = _salary(item, description, posting_country(locations), title)
    info = parse_title(title)
    return Posting(
        source=source.name,
        source_id=guid,
        url=guid if guid.startswith("http") else text_of(item.get("applicationLink")),
        title=title,
        company=text_of(item.get("companyName")) or source.company,
        location_text="; ".join(name for name, _ in places) or "Worldwide",
        locations=locations,
        workplace=Workplace("remote", remote_scope(places)),
        workplace_basis="board",
        salary=salary,
        salary_basis=salary_basis,
        relevant=info.relevant,
        family=info.family,
        level=info.level,
        posted_at=parse_date(item.get("pubDate")),
        fetched_at=raw.fetched_at,
        description=description,
        department=", ".join(text_of(c) for c in list_of(item.get("categories"))) or None,
        employment_type=text_of(item.get("employmentType")) or None,
    )


def restrictions(value: object) -> list[tuple[str, str | None]]:
    """Eligible places as (name, alpha-2): names ("United States") or {alpha2, name} objects."""
    found: list[tuple[str, str | None]] = []
    for entry in list_of(value):
        if isinstance(entry, dict):
            name = text_of(entry.get("name")) or text_of(entry.get("slug"))
            code = text_of(entry.get("alpha2")).upper() or country_code(name)
        else:
            name = text_of(entry)
            code = country_code(name)
        if (name or code) and (name, code) not in found:
            found.append((name or code or "", code))
    return found


def remote_scope(places: list[tuple[str, str | None]]) -> str:
    """Country codes (or region names) where the job may be done; 'Global' when unrestricted."""
    return ", ".join(code or name for name, code in places) or "Global"


def _salary(
    item: dict[str, Any], description: str, country: str | None = None, title: str = ""
) -> tuple[Salary | None, Basis]:
    """minSalary/maxSalary + currency, annual unless `salaryPeriod` says otherwise."""
    low, high = (
        number(item.get("minSalary"), positive=True),
        number(item.get("maxSalary"), positive=True),
    )
    period = text_of(item.get("salaryPeriod")) or "year"
    currency = text_of(item.get("currency"))
    shown = " - ".join(f"{v:,.0f}" for v in (low, high) if v is not None)
    salary = make_salary(low, high, currency, period, f"{currency} {shown} per {period}".strip())
    if salary is not None:
        return salary, "board"
    return text_salary(description, country=country, title=title)
