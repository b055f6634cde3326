"""USAJOBS search API payload (`SearchResult.SearchResultItems[]`) → Postings.

Pay comes from `PositionRemuneration` (money strings, USD) with `RateIntervalCode` as a code
(PA, PH, PD, BW, PM, PW, WC) or words ("Per Year"); workplace from RemoteIndicator and
TeleworkEligible.
"""

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
    dict_of,
    join_text,
    json_or_problem,
    list_of,
    map_items,
    merge_locations,
    payload_error,
    place_locations,
    posting_country,
    text_of,
    text_salary,
)
from parsers.boards.jsonld import amount
from parsers.dates import parse_date
from parsers.location import country_code
from parsers.salary import make_salary
from parsers.text import html_to_text
from parsers.title import parse_title

RATE_CODES: dict[str, str | None] = {
    "PA": "year",
    "PH": "hour",
    "PD": "day",
    "PW": "week",
    "PM": "month",
    "BW": "biweekly",
    "WC": None,
}
BIWEEKS_PER_YEAR = 26


def parse_payload(raw: RawPayload, source: SourceRef, skip: Skip = NOTHING) -> BoardParse:
    """Map one result page to Postings; never raises on bad data."""
    doc, problem = json_or_problem(raw.body)
    if problem:
        return payload_error(source, problem)
    items = dict_of(dict_of(doc).get("SearchResult")).get("SearchResultItems")
    if not isinstance(items, list):
        return payload_error(source, "expected SearchResult.SearchResultItems")
    keyed = [{**i, "id": i.get("MatchedObjectId")} if isinstance(i, dict) else i for i in items]
    return map_items(source, keyed, lambda item: _posting(item, raw, source), skip)


def _posting(item: dict[str, Any], raw: RawPayload, source: SourceRef) -> Posting:
    """One USAJOBS announcement as a Posting."""
    job_id = text_of(str(item.get("MatchedObjectId") or ""))
    desc = dict_of(item.get("MatchedObjectDescriptor"))
    title = text_of(desc.get("PositionTitle"))
    if not job_id or not title:
        raise ValueError("missing MatchedObjectId or PositionTitle")
    details = dict_of(dict_of(desc.get("UserArea")).get("Details"))
    description = _description(desc, details)
    locations = merge_locations(_place(p) for p in list_of(desc.get("PositionLocation")))
    salary, salary_basis = _salary(
        list_of(desc.get("PositionRemuneration")), description, posting_country(locations)
    )
    workplace, workplace_basis = _workplace(details)
    info = parse_title(title)
    schedule = [text_of(dict_of(s).get("Name")) for s in list_of(desc.get("PositionSchedule"))]
    return Posting(
        source=source.name,
        source_id=job_id,
        url=text_of(desc.get("PositionURI")),
        title=title,
        company=text_of(desc.get("OrganizationName")) or source.company,
        location_text=text_of(desc.get("PositionLocationDisplay")),
        locations=locations,
        workplace=workplace,
        workplace_basis=workplace_basis,
        salary=salary,
        salary_basis=salary_basis,
        relevant=info.relevant,
        family=info.family,
        level=info.level,
        posted_at=parse_date(desc.get("PublicationStartDate")),
        fetched_at=raw.fetched_at,
        description=description,
        department=text_of(desc.get("DepartmentName")) or None,
        employment_type=", ".join(s for s in schedule if s) or None,
    )


def _description(desc: dict[str, Any], details: dict[str, Any]) -> str:
    """Summary, major duties and qualifications."""
    duties = details.get("MajorDuties")
    duty_text = "\n".join(text_of(d) for d in duties) if isinstance(duties, list) else ""
    return join_text(
        html_to_text(text_of(details.get("JobSummary"))),
        html_to_text(duty_text or text_of(duties)),
        html_to_text(text_of(desc.get("QualificationSummary"))),
    )


def _place(value: object) -> list[Location]:
    """One PositionLocation: the gazetteer's reading, else its structured fields."""
    place = dict_of(value)
    country_field = text_of(place.get("CountryCode"))
    country = country_code(country_field) if country_field else None
    city = text_of(place.get("CityName")).split(",")[0].strip()
    region = text_of(place.get("CountrySubDivisionCode"))
    name = text_of(place.get("LocationName")) or ", ".join(p for p in (city, region) if p)
    found = place_locations(name, country)
    if found or not (city or country):
        return found
    return [Location(city=city or None, region=region or None, country=country, text=name)]


def rate_period(value: object) -> str | None:
    """'PA' / 'Per Year' → 'year'; 'BW' / 'Bi-weekly' → 'biweekly'; WC or unknown → None."""
    text = text_of(value)
    if text.upper() in RATE_CODES:
        return RATE_CODES[text.upper()]
    words = re.sub(r"[^a-z]", "", text.lower())
    if words.startswith("bi") or "biweek" in words:
        return "biweekly"
    if not words or "without" in words:
        return None
    return text


def _salary(
    ranges: list[Any], description: str, country: str | None = None, title: str = ""
) -> tuple[Salary | None, Basis]:
    """The first usable PositionRemuneration (basis board); bi-weekly pay is annualised."""
    for entry in map(dict_of, ranges):
        low, high = amount(entry.get("MinimumRange")), amount(entry.get("MaximumRange"))
        period = rate_period(entry.get("RateIntervalCode"))
        shown = " - ".join(
            text_of(str(entry.get(k) or "")) for k in ("MinimumRange", "MaximumRange")
        )
        note = join_text(shown, text_of(entry.get("Description"))).replace("\n\n", " ")
        if period == "biweekly":
            low, high, period = _times(low), _times(high), "year"
        salary = make_salary(low, high, "USD", period or "", note) if period else None
        if salary is not None:
            return salary, "board"
    return text_salary(description, country=country, title=title)


def _times(value: float | None) -> float | None:
    return value * BIWEEKS_PER_YEAR if value is not None else None


def _flag(value: object) -> bool | None:
    """A boolean that may arrive as true/false or as a string."""
    if isinstance(value, bool):
        return value
    text = text_of(value).lower()
    return True if text in ("true", "yes", "1") else False if text in ("false", "no", "0") else None


def _workplace(details: dict[str, Any]) -> tuple[Workplace, Basis]:
    """RemoteIndicator → remote; TeleworkEligible → hybrid; both false → onsite (board)."""
    remote, telework = _flag(details.get("RemoteIndicator")), _flag(details.get("TeleworkEligible"))
    if remote:
        return Workplace("remote", "US"), "board"
    if telework:
        return Workplace("hybrid"), "board"
    if remote is False and telework is False:
        return Workplace("onsite"), "board"
    return Workplace(), "none"
