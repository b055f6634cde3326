"""Ashby public posting API (`/posting-api/job-board/{board}`) payload → Postings."""

from __future__ import annotations

import re
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
    board_or_text_workplace,
    map_listing,
    merge_locations,
    place_locations,
    posting_country,
    require_str,
    text_of,
    text_salary,
    unique_texts,
)
from parsers.dates import parse_date
from parsers.location import parse_locations
from parsers.salary import make_salary
from parsers.text import html_to_text
from parsers.title import parse_title
from parsers.workplace import parse_workplace

_INTERVAL = re.compile(r"^\s*(\d+)\s+([A-Za-z]+)\s*$")


def parse_payload(raw: RawPayload, source: SourceRef, skip: Skip = NOTHING) -> BoardParse:
    """Map an Ashby board response to Postings, dropping unlisted jobs; never raises."""
    return map_listing(raw, source, "jobs", lambda job: _posting(job, raw, source), skip)


def _posting(job: dict[str, Any], raw: RawPayload, source: SourceRef) -> Posting | None:
    """One Ashby job as a Posting; None for a job with `isListed: false`."""
    if job.get("isListed") is False:
        return None
    job_id = require_str(job, "id")
    title = require_str(job, "title")
    places = _places(job)
    location = "; ".join(unique_texts(text for text, _ in places))
    description = text_of(job.get("descriptionPlain")) or html_to_text(
        text_of(job.get("descriptionHtml"))
    )
    locations = _locations(places)
    salary, salary_basis = _salary(
        job.get("compensation"), description, posting_country(locations), title
    )
    workplace, workplace_basis = _workplace(job, title, location, description)
    info = parse_title(title)
    return Posting(
        source=source.name,
        source_id=job_id,
        url=text_of(job.get("jobUrl")),
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
        posted_at=parse_date(job.get("publishedAt")),
        fetched_at=raw.fetched_at,
        description=description,
        department=text_of(job.get("department")) or text_of(job.get("team")) or None,
        employment_type=text_of(job.get("employmentType")) or None,
    )


def _places(job: dict[str, Any]) -> list[tuple[str, str]]:
    """(location text, postal-address text) for the primary and each secondary location."""
    places = [(text_of(job.get("location")), _address_text(job.get("address")))]
    secondary = job.get("secondaryLocations")
    for extra in secondary if isinstance(secondary, list) else []:
        if isinstance(extra, dict):
            places.append((text_of(extra.get("location")), _address_text(extra.get("address"))))
    return [(text, address) for text, address in places if text or address]


def _address_text(address: object) -> str:
    """'Locality, Region, Country' from an `address.postalAddress`."""
    postal = address.get("postalAddress") if isinstance(address, dict) else None
    if not isinstance(postal, dict):
        return ""
    keys = ("addressLocality", "addressRegion", "addressCountry")
    return ", ".join(text_of(postal.get(k)) for k in keys if text_of(postal.get(k)))


def _locations(places: list[tuple[str, str]]) -> list[Location]:
    """Locations from each place's text; its postal address fills a missing country."""
    return merge_locations(
        place_locations(text, _country(address), fallback=address) for text, address in places
    )


def _country(address: str) -> str | None:
    """The ISO country code of a postal-address text, when it names one."""
    found = parse_locations(address) if address else []
    return found[0].country if found else None


def _workplace(
    job: dict[str, Any], title: str, location: str, description: str
) -> tuple[Workplace, Basis]:
    """`workplaceType`, else `isRemote: true`, else the text ('isRemote: false' says nothing)."""
    if job.get("workplaceType"):
        return board_or_text_workplace(job.get("workplaceType"), title, location, description)
    if job.get("isRemote") is True:
        stated = parse_workplace(title, location)
        if stated.value == "hybrid":
            return stated, "text"
        return board_or_text_workplace(True, title, location, description)
    return board_or_text_workplace(None, title, location, description)


def _salary(
    compensation: object, description: str, country: str | None = None, title: str = ""
) -> tuple[Salary | None, Basis]:
    """The Salary component (summary first, else the tiers), else pay stated in the text."""
    comp = compensation if isinstance(compensation, dict) else {}
    salary = _component_salary(comp.get("summaryComponents")) or _tier_salary(
        comp.get("compensationTiers")
    )
    if salary is not None:
        return salary, "board"
    summary = text_of(comp.get("scrapeableCompensationSalarySummary"))
    return text_salary(summary, description, country=country, title=title)


def _salary_components(components: object) -> list[dict[str, Any]]:
    """The `compensationType == "Salary"` components of a list."""
    if not isinstance(components, list):
        return []
    return [c for c in components if isinstance(c, dict) and c.get("compensationType") == "Salary"]


def _component_salary(components: object) -> Salary | None:
    """A Salary from the first usable Salary component."""
    for component in _salary_components(components):
        salary = _from_component(component)
        if salary is not None:
            return salary
    return None


def _tier_salary(tiers: object) -> Salary | None:
    """The envelope of the tiers' Salary components sharing the first one's currency and period."""
    found = [
        s
        for tier in (tiers if isinstance(tiers, list) else [])
        if isinstance(tier, dict)
        for s in [_component_salary(tier.get("components"))]
        if s is not None
    ]
    if not found:
        return None
    same = [s for s in found if (s.currency, s.period) == (found[0].currency, found[0].period)]
    low, high = min(s.min for s in same), max(s.max for s in same)
    return make_salary(low, high, found[0].currency, found[0].period, found[0].text)


def _from_component(component: dict[str, Any]) -> Salary | None:
    """A Salary from one component; a multi-unit interval ("2 WEEK") is scaled to one unit."""
    low, high = component.get("minValue"), component.get("maxValue")
    interval = text_of(component.get("interval"))
    match = _INTERVAL.match(interval)
    count = int(match.group(1)) if match else 1
    if count < 1 or not all(v is None or isinstance(v, int | float) for v in (low, high)):
        return None
    low = low / count if isinstance(low, int | float) else None
    high = high / count if isinstance(high, int | float) else None
    period = match.group(2) if match else interval
    text = text_of(component.get("summary"))
    return make_salary(low, high, text_of(component.get("currencyCode")), period, text)
