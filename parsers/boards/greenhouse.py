"""Greenhouse Job Board API payloads → Postings: the board list (`/v1/boards/{token}/jobs`) or
one job's detail (`/jobs/{id}?pay_transparency=true`), the same job object alone.

A detail is fetched after the list for a relevant job the list gave no pay, so its Posting,
upserted later, replaces the list's: its `pay_input_ranges` (basis 'board') win over pay
stated in the text."""

from __future__ import annotations

import re
from typing import Any

from core.models import Basis, BoardParse, Posting, RawPayload, Salary, SourceRef, Workplace
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
from parsers.dates import parse_date
from parsers.salary import make_salary
from parsers.text import html_to_text
from parsers.title import parse_title

HOURLY_BELOW_USD = 500.0
_TITLE_PERIODS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("hour", re.compile(r"\bhour(ly)?\b|/\s*hr\b", re.I)),
    ("week", re.compile(r"\bweek(ly)?\b", re.I)),
    ("month", re.compile(r"\bmonth(ly)?\b", re.I)),
    ("year", re.compile(r"\b(year(ly)?|annual(ly)?|per annum|salary)\b", re.I)),
)
_BLURB_PERIODS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("hour", re.compile(r"\b(paid hourly|hourly (rate|pay|wage)|per hour|an hour)\b", re.I)),
    ("month", re.compile(r"\b(per month|monthly (salary|pay|rate))\b", re.I)),
    ("year", re.compile(r"\b(per year|per annum|annual (base )?(salary|pay))\b", re.I)),
)
_META_WORKPLACE = re.compile(r"workplace|remote|location type|work arrangement", re.I)
_META_PAY = re.compile(r"salary|pay|compensation", re.I)
_META_EMPLOYMENT = re.compile(r"employment|job type", re.I)


def parse_payload(raw: RawPayload, source: SourceRef, skip: Skip = NOTHING) -> BoardParse:
    """Map a Greenhouse board list or job detail to Postings; never raises on bad data."""
    doc, problem = json_or_problem(raw.body)
    if problem:
        return payload_error(source, problem)
    jobs = _jobs_of(doc)
    if jobs is None:
        return payload_error(source, "expected an object with a 'jobs' list, or one job")
    return map_items(source, jobs, lambda job: _posting(job, raw, source), skip)


def _jobs_of(doc: object) -> list[Any] | None:
    """The list's jobs, or the detail as the only job; None for another shape."""
    if not isinstance(doc, dict):
        return None
    if isinstance(doc.get("jobs"), list):
        jobs: list[Any] = doc["jobs"]
        return jobs
    return [doc] if doc.get("id") is not None and "jobs" not in doc else None


def _posting(job: dict[str, Any], raw: RawPayload, source: SourceRef) -> Posting:
    """One Greenhouse job as a Posting."""
    if job.get("id") is None:
        raise ValueError("missing 'id'")
    title = require_str(job, "title")
    location = _location_name(job)
    description = html_to_text(text_of(job.get("content")))
    locations = place_locations(location, fallback=_office_location(job))
    salary, salary_basis = _salary(job, description, posting_country(locations), title)
    workplace, workplace_basis = _workplace(job, title, location, description)
    info = parse_title(title)
    return Posting(
        source=source.name,
        source_id=str(job["id"]),
        url=text_of(job.get("absolute_url")),
        title=title,
        company=text_of(job.get("company_name")) or source.company,
        location_text=location,
        locations=locations,
        workplace=workplace,
        workplace_basis=workplace_basis,
        salary=salary,
        salary_basis=salary_basis,
        relevant=info.relevant,
        family=info.family,
        level=info.level,
        posted_at=parse_date(job.get("first_published")) or parse_date(job.get("updated_at")),
        fetched_at=raw.fetched_at,
        description=description,
        department=_department(job),
        employment_type=_metadata_text(job, _META_EMPLOYMENT) or None,
        requisition_id=text_of(job.get("requisition_id")) or None,
    )


def _location_name(job: dict[str, Any]) -> str:
    """The free-text `location.name`."""
    location = job.get("location")
    return text_of(location.get("name")) if isinstance(location, dict) else ""


def _office_location(job: dict[str, Any]) -> str:
    """The first office's location string, used when `location.name` names no place."""
    offices = job.get("offices")
    if isinstance(offices, list):
        for office in offices:
            if isinstance(office, dict) and text_of(office.get("location")):
                return text_of(office.get("location"))
    return ""


def _department(job: dict[str, Any]) -> str | None:
    """The first department's name."""
    departments = job.get("departments")
    if isinstance(departments, list) and departments and isinstance(departments[0], dict):
        return text_of(departments[0].get("name")) or None
    return None


def _metadata_text(job: dict[str, Any], name: re.Pattern[str]) -> str:
    """Text of the custom metadata fields whose name matches ``name``."""
    metadata = job.get("metadata")
    if not isinstance(metadata, list):
        return ""
    values: list[str] = []
    for field in metadata:
        if isinstance(field, dict) and name.search(text_of(field.get("name"))):
            value = field.get("value")
            items = value if isinstance(value, list) else [value]
            values.extend(text_of(v) for v in items if text_of(v))
    return ", ".join(values)


def _workplace(
    job: dict[str, Any], title: str, location: str, description: str
) -> tuple[Workplace, Basis]:
    """A workplace custom field when the employer set one, else parsed from the text."""
    flag = _metadata_text(job, _META_WORKPLACE) or None
    return board_or_text_workplace(flag, title, location, description)


def _salary(
    job: dict[str, Any], description: str, country: str | None = None, title: str = ""
) -> tuple[Salary | None, Basis]:
    """`pay_input_ranges` (basis 'board'), else pay stated in metadata or description."""
    salary = _pay_ranges(job.get("pay_input_ranges"))
    if salary is not None:
        return salary, "board"
    return text_salary(_metadata_text(job, _META_PAY), description, country=country, title=title)


def _pay_ranges(ranges: object) -> Salary | None:
    """The envelope of the pay zones sharing the first usable zone's currency and period."""
    zones = [z for z in (_zone(r) for r in ranges or []) if z] if isinstance(ranges, list) else []
    if not zones:
        return None
    _, _, currency, period, _ = zones[0]
    same = [z for z in zones if z[2] == currency and z[3] == period]
    low = min(z[0] for z in same)
    high = max(z[1] for z in same)
    text = "; ".join(z[4] for z in same if z[4])
    return make_salary(low, high, currency, period, text)


def _zone(zone: object) -> tuple[float, float, str, str, str] | None:
    """(min, max, currency, period, label) of one pay range in units; None if unusable."""
    if not isinstance(zone, dict):
        return None
    bounds = [v for v in (_dollars(zone.get(k)) for k in ("min_cents", "max_cents")) if v]
    if not bounds:
        return None
    low, high = bounds[0], bounds[-1]
    currency = text_of(zone.get("currency_type")).upper() or "USD"
    title = text_of(zone.get("title"))
    for period in _periods(title, html_to_text(text_of(zone.get("blurb"))), high):
        if make_salary(low, high, currency, period) is not None:
            return low, high, currency, period, title
    return None


def _dollars(cents: object) -> float | None:
    """A cents amount as currency units."""
    if isinstance(cents, bool) or not isinstance(cents, int | float | str):
        return None
    try:
        value = float(cents) / 100
    except ValueError:
        return None
    return value if value > 0 else None


def _periods(title: str, blurb: str, high: float) -> list[str]:
    """Candidate pay periods: a period word in the title or blurb first, then magnitude."""
    stated = [p for p, rx in _TITLE_PERIODS if rx.search(title)]
    stated += [p for p, rx in _BLURB_PERIODS if rx.search(blurb)]
    by_size = "hour" if high < HOURLY_BELOW_USD else "year"
    return [*stated[:1], by_size]
