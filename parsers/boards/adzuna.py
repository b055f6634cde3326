"""Adzuna search API payload (`results[]`) → Postings.

`salary_min`/`salary_max` are annual figures in the country's currency and count as the board's
salary only when `salary_is_predicted` is "0"/false; predicted figures are never stored.
"""

from __future__ import annotations

import re
from typing import Any

from core.models import Basis, BoardParse, Posting, RawPayload, Salary, SourceRef
from parsers.boards.common import (
    NOTHING,
    Skip,
    board_or_text_workplace,
    dict_of,
    json_or_problem,
    list_of,
    map_items,
    payload_error,
    place_locations,
    posting_country,
    text_of,
    text_salary,
)
from parsers.boards.jsonld import amount
from parsers.dates import parse_date
from parsers.salary import make_salary
from parsers.text import html_to_text
from parsers.title import parse_title

CURRENCIES: dict[str, str] = {
    "us": "USD", "gb": "GBP", "ca": "CAD", "au": "AUD", "nz": "NZD", "in": "INR",
    "sg": "SGD", "za": "ZAR", "br": "BRL", "mx": "MXN", "pl": "PLN", "ch": "CHF",
    "de": "EUR", "fr": "EUR", "nl": "EUR", "it": "EUR", "es": "EUR", "at": "EUR", "be": "EUR",
}  # fmt: skip
AREA_COUNTRIES = {"UK": "GB"}
_COUNTRY_IN_URL = re.compile(r"/jobs/([a-z]{2})/search/", re.IGNORECASE)


def parse_payload(raw: RawPayload, source: SourceRef, skip: Skip = NOTHING) -> BoardParse:
    """Map one result page to Postings; never raises on bad data."""
    doc, problem = json_or_problem(raw.body)
    if problem:
        return payload_error(source, problem)
    if not isinstance(doc, dict) or not isinstance(doc.get("results"), list):
        return payload_error(source, "expected an object with a 'results' list")
    found = _COUNTRY_IN_URL.search(raw.url)
    country = found.group(1).lower() if found else ""
    return map_items(
        source, doc["results"], lambda item: _posting(item, raw, source, country), skip
    )


def _posting(item: dict[str, Any], raw: RawPayload, source: SourceRef, country: str) -> Posting:
    """One Adzuna ad as a Posting."""
    if item.get("id") is None:
        raise ValueError("missing 'id'")
    title = html_to_text(text_of(item.get("title")))
    if not title:
        raise ValueError("missing or empty 'title'")
    place = dict_of(item.get("location"))
    where = text_of(place.get("display_name"))
    description = html_to_text(text_of(item.get("description")))
    workplace, workplace_basis = board_or_text_workplace(None, title, where, description)
    locations = place_locations(
        _area_text(place), _area_country(place) or country.upper() or None, fallback=where
    )
    salary, salary_basis = _salary(
        item, CURRENCIES.get(country, ""), description, posting_country(locations), title
    )
    info = parse_title(title)
    return Posting(
        source=source.name,
        source_id=str(item["id"]),
        url=text_of(item.get("redirect_url")),
        title=title,
        company=text_of(dict_of(item.get("company")).get("display_name")) or source.company,
        location_text=where,
        locations=locations,
        workplace=workplace,
        workplace_basis=workplace_basis,
        salary=salary,
        salary_basis=salary_basis,
        relevant=info.relevant,
        family=info.family,
        level=info.level,
        posted_at=parse_date(item.get("created")),
        fetched_at=raw.fetched_at,
        description=description,
        department=text_of(dict_of(item.get("category")).get("label")) or None,
        employment_type=text_of(item.get("contract_time")) or None,
    )


def _area_country(place: dict[str, Any]) -> str | None:
    """`location.area[0]` ("US", "UK") as an alpha-2 code."""
    area = list_of(place.get("area"))
    first = text_of(area[0]).upper() if area else ""
    return AREA_COUNTRIES.get(first, first) if len(first) == 2 else None


def _area_text(place: dict[str, Any]) -> str:
    """'Boston, Massachusetts' from `area` [country, state, county, city]; else display_name."""
    area = [text_of(a) for a in list_of(place.get("area"))]
    if len(area) >= 3:
        return f"{area[-1]}, {area[1]}"
    return area[1] if len(area) == 2 else text_of(place.get("display_name"))


def is_predicted(value: object) -> bool:
    """`salary_is_predicted`: "1"/1/true is an Adzuna estimate; missing counts as predicted."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() not in ("0", "false")


def _salary(
    item: dict[str, Any],
    currency: str,
    description: str,
    country: str | None = None,
    title: str = "",
) -> tuple[Salary | None, Basis]:
    """Posted (not predicted) annual figures; else pay stated in the text."""
    if not is_predicted(item.get("salary_is_predicted")) and currency:
        low, high = amount(item.get("salary_min")), amount(item.get("salary_max"))
        shown = " - ".join(f"{v:,.0f}" for v in (low, high) if v is not None)
        salary = make_salary(low, high, currency, "year", f"{currency} {shown} per year")
        if salary is not None:
            return salary, "board"
    return text_salary(description, country=country, title=title)
