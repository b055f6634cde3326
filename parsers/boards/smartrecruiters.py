"""SmartRecruiters Posting API payloads → Postings: a detail is one Posting, a list page ids."""

from __future__ import annotations

from typing import Any

from core.models import BoardParse, Level, Location, Posting, RawPayload, SourceRef
from parsers.boards.common import (
    NOTHING,
    Skip,
    board_or_text_workplace,
    dict_of,
    join_text,
    json_or_problem,
    listed_page,
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

PUBLIC = "https://jobs.smartrecruiters.com"
SECTIONS = ("companyDescription", "jobDescription", "qualifications", "additionalInformation")
# The board's experience level, used only when the title names no rung.
EXPERIENCE_LEVELS: dict[str, Level] = {
    "internship": "assistant",
    "entry_level": "assistant",
    "associate": "assistant",
    "director": "director",
    "executive": "vp",
}


def parse_payload(raw: RawPayload, source: SourceRef, skip: Skip = NOTHING) -> BoardParse:
    """Map a SmartRecruiters list page or posting detail; never raises on bad data."""
    doc, problem = json_or_problem(raw.body)
    if problem:
        return payload_error(source, problem)
    if isinstance(doc, dict) and isinstance(doc.get("content"), list):
        return listed_page(doc["content"], source, "id")
    if isinstance(doc, dict) and doc.get("id") is not None and "name" in doc:
        return map_items(source, [doc], lambda item: _posting(item, raw, source), skip)
    return payload_error(source, "expected a SmartRecruiters 'content' list or a posting")


def _posting(item: dict[str, Any], raw: RawPayload, source: SourceRef) -> Posting:
    """One posting detail as a Posting."""
    posting_id = str(item["id"])
    title = require_str(item, "name")
    place = dict_of(item.get("location"))
    location = _location_text(place)
    description = _description(item)
    workplace, workplace_basis = board_or_text_workplace(_flag(place), title, location, description)
    locations = _locations(place, location)
    salary, salary_basis = text_salary(description, country=posting_country(locations), title=title)
    info = parse_title(title)
    return Posting(
        source=source.name,
        source_id=posting_id,
        url=_url(item, source, posting_id),
        title=title,
        company=text_of(dict_of(item.get("company")).get("name")) or source.company,
        location_text=location,
        locations=locations,
        workplace=workplace,
        workplace_basis=workplace_basis,
        salary=salary,
        salary_basis=salary_basis,
        relevant=info.relevant,
        family=info.family,
        level=info.level or _experience_level(item),
        posted_at=parse_date(item.get("releasedDate")),
        fetched_at=raw.fetched_at,
        description=description,
        department=_label(item, "department") or _label(item, "function"),
        employment_type=_label(item, "typeOfEmployment"),
        requisition_id=text_of(item.get("refNumber")) or None,
    )


def _flag(place: dict[str, Any]) -> str | None:
    """'hybrid', 'remote', or 'onsite' when both flags are stated false (the API's way of saying
    on-site); None when the flags are absent and the text decides."""
    if place.get("hybrid") is True:
        return "hybrid"
    if place.get("remote") is True:
        return "remote"
    if place.get("remote") is False and place.get("hybrid") is False:
        return "onsite"
    return None


def _location_text(place: dict[str, Any]) -> str:
    """`fullLocation`, else city, region and country joined."""
    full = text_of(place.get("fullLocation"))
    parts = [text_of(place.get(k)) for k in ("city", "region", "country")]
    return full or ", ".join(p for p in parts if p)


def _locations(place: dict[str, Any], text: str) -> list[Location]:
    """Places in the location text, the board's country (any case) filling the gaps."""
    country = text_of(place.get("country")).upper() or None
    found = place_locations(text, country)
    if found or not (country or text_of(place.get("city"))):
        return found
    city = text_of(place.get("city")) or None
    return [Location(city=city, region=text_of(place.get("region")) or None, country=country)]


def _description(item: dict[str, Any]) -> str:
    """Each `jobAd` section's title and text, in the board's order."""
    sections = dict_of(dict_of(item.get("jobAd")).get("sections"))
    parts = []
    for key in SECTIONS:
        section = dict_of(sections.get(key))
        body = html_to_text(text_of(section.get("text")))
        parts.append(join_text(text_of(section.get("title")), body) if body else "")
    return join_text(*parts)


def _url(item: dict[str, Any], source: SourceRef, posting_id: str) -> str:
    """`postingUrl`, else the public page on jobs.smartrecruiters.com."""
    company = text_of(dict_of(item.get("company")).get("identifier")) or source.board
    return text_of(item.get("postingUrl")) or f"{PUBLIC}/{company}/{posting_id}"


def _label(item: dict[str, Any], key: str) -> str | None:
    """The `label` of a {id, label} field."""
    return text_of(dict_of(item.get(key)).get("label")) or None


def _experience_level(item: dict[str, Any]) -> Level | None:
    """The ladder rung of `experienceLevel`, when it maps to one."""
    return EXPERIENCE_LEVELS.get(text_of(dict_of(item.get("experienceLevel")).get("id")))
