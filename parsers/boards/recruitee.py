"""Recruitee careers-site API (`/api/offers/`) payload → Postings, one per published offer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.models import Basis, BoardParse, Location, Posting, RawPayload, Salary, SourceRef
from parsers.boards.common import (
    NOTHING,
    Skip,
    board_or_text_workplace,
    dict_of,
    join_text,
    map_listing,
    number,
    place_locations,
    posting_country,
    text_of,
    text_salary,
    unique_texts,
)
from parsers.dates import parse_date
from parsers.salary import make_salary
from parsers.text import html_to_text
from parsers.title import parse_title


def parse_payload(raw: RawPayload, source: SourceRef, skip: Skip = NOTHING) -> BoardParse:
    """Map a Recruitee offers list (possibly empty) to Postings; never raises on bad data."""
    return map_listing(raw, source, "offers", lambda offer: _posting(offer, raw, source), skip)


def _posting(offer: dict[str, Any], raw: RawPayload, source: SourceRef) -> Posting | None:
    """One offer as a Posting; None for an offer that is not published."""
    if offer.get("id") is None:
        raise ValueError("missing 'id'")
    if text_of(offer.get("status")) not in ("", "published"):
        return None
    title = text_of(offer.get("title"))
    if not title:
        raise ValueError("missing or empty 'title'")
    location = _location_text(offer)
    description = join_text(
        html_to_text(text_of(offer.get("description"))),
        html_to_text(text_of(offer.get("requirements"))),
    )
    shown = "; ".join(unique_texts([location, text_of(offer.get("location"))]))
    workplace, workplace_basis = board_or_text_workplace(_flag(offer), title, shown, description)
    locations = _locations(offer, location)
    salary, salary_basis = _salary(offer, description, posting_country(locations), title)
    info = parse_title(title)
    return Posting(
        source=source.name,
        source_id=str(offer["id"]),
        url=text_of(offer.get("careers_url")),
        title=title,
        company=text_of(offer.get("company_name")) or source.company,
        location_text=location,
        locations=locations,
        workplace=workplace,
        workplace_basis=workplace_basis,
        salary=salary,
        salary_basis=salary_basis,
        relevant=info.relevant,
        family=info.family,
        level=info.level,
        posted_at=published(offer),
        fetched_at=raw.fetched_at,
        description=description,
        department=text_of(offer.get("department")) or None,
        employment_type=text_of(offer.get("employment_type_code")) or None,
    )


def _flag(offer: dict[str, Any]) -> str | None:
    """The board's booleans: hybrid (or remote and on-site together), remote, on-site."""
    remote, hybrid, onsite = (offer.get(k) is True for k in ("remote", "hybrid", "on_site"))
    if hybrid or (remote and onsite):
        return "hybrid"
    if remote:
        return "remote"
    return "onsite" if onsite else None


def _location_text(offer: dict[str, Any]) -> str:
    """City and country when set (the `location` text is often just 'Remote job')."""
    parts = [text_of(offer.get(k)) for k in ("city", "state_name", "country")]
    return ", ".join(p for p in parts if p) or text_of(offer.get("location"))


def _locations(offer: dict[str, Any], text: str) -> list[Location]:
    """Places in the location text, `country_code` filling a missing country."""
    code = text_of(offer.get("country_code")).upper() or None
    found = place_locations(text, code)
    if found or not code:
        return found
    return [Location(city=text_of(offer.get("city")) or None, country=code, text=text)]


def _salary(
    offer: dict[str, Any], description: str, country: str | None = None, title: str = ""
) -> tuple[Salary | None, Basis]:
    """The structured `salary` (basis 'board') when set, else pay stated in the text."""
    pay = dict_of(offer.get("salary"))
    low, high = number(pay.get("min")), number(pay.get("max"))
    currency, period = text_of(pay.get("currency")), text_of(pay.get("period"))
    note = f"{pay.get('min')}-{pay.get('max')} {currency} per {period}"
    salary = make_salary(low, high, currency, period, note)
    if salary is not None:
        return salary, "board"
    return text_salary(description, country=country, title=title)


def published(offer: dict[str, Any]) -> datetime | None:
    """`published_at` (else `created_at`); accepts '2026-11-20 09:15:00 UTC' as well as ISO."""
    for key in ("published_at", "created_at"):
        value = text_of(offer.get(key))
        if value.endswith(" UTC"):
            value = value[: -len(" UTC")] + "+00:00"
        moment = parse_date(value)
        if moment is not None:
            return moment
    return None
