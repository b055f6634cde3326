"""Workday CXS payloads → Postings: a detail is one Posting, a list page only names its ids.

The source_id is the `externalPath` the list uses ("/job/Maidenhead/CRA-I_R1514135"); a detail
payload's path is read from its request URL (``.../wday/cxs/{tenant}/{site}{externalPath}``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from core.models import BoardParse, Location, Posting, RawPayload, SourceRef
from parsers.boards.common import (
    NOTHING,
    Skip,
    board_or_text_workplace,
    dict_of,
    json_or_problem,
    list_of,
    listed_page,
    map_items,
    merge_locations,
    payload_error,
    place_locations,
    posting_country,
    require_str,
    text_of,
    text_salary,
    unique_texts,
)
from parsers.dates import parse_date
from parsers.text import html_to_text
from parsers.title import parse_title


def parse_payload(raw: RawPayload, source: SourceRef, skip: Skip = NOTHING) -> BoardParse:
    """Map a Workday list page or job detail; never raises on bad data."""
    doc, problem = json_or_problem(raw.body)
    if problem:
        return payload_error(source, problem)
    if isinstance(doc, dict) and isinstance(doc.get("jobPostings"), list):
        return listed_page(doc["jobPostings"], source, "externalPath")
    if isinstance(doc, dict) and isinstance(doc.get("jobPostingInfo"), dict):
        return map_items(
            source, [doc["jobPostingInfo"]], lambda info: _posting(info, raw, source), skip
        )
    return payload_error(source, "expected a Workday 'jobPostings' list or a 'jobPostingInfo'")


def _posting(info: dict[str, Any], raw: RawPayload, source: SourceRef) -> Posting:
    """One `jobPostingInfo` as a Posting."""
    path = external_path(raw.url, info, source)
    title = require_str(info, "title")
    primary = text_of(info.get("location"))
    others = [text_of(p) for p in list_of(info.get("additionalLocations"))]
    places = unique_texts([primary, *others])
    description = html_to_text(text_of(info.get("jobDescription")))
    location = "; ".join(places)
    workplace, workplace_basis = board_or_text_workplace(
        text_of(info.get("remoteType")) or None, title, location, description
    )
    locations = _locations(primary, [p for p in places if p != primary], _country(info))
    salary, salary_basis = text_salary(description, country=posting_country(locations), title=title)
    info_title = parse_title(title)
    return Posting(
        source=source.name,
        source_id=path,
        url=text_of(info.get("externalUrl")) or public_url(source, path),
        title=title,
        company=source.company,
        location_text=location,
        locations=locations,
        workplace=workplace,
        workplace_basis=workplace_basis,
        salary=salary,
        salary_basis=salary_basis,
        relevant=info_title.relevant,
        family=info_title.family,
        level=info_title.level,
        posted_at=parse_date(info.get("startDate"))
        or parse_date(info.get("postedOn"), now=raw.fetched_at),
        fetched_at=raw.fetched_at,
        description=description,
        employment_type=text_of(info.get("timeType")) or None,
        requisition_id=text_of(info.get("jobReqId")) or None,
    )


def external_path(url: str, info: dict[str, Any], source: SourceRef) -> str:
    """The externalPath of a detail: from its request URL, else from `externalUrl`."""
    site = str(source.params.get("site") or "")
    marker = f"/wday/cxs/{source.board}/{site}/"
    path = urlsplit(url).path
    if site and marker in path:
        return "/" + path.split(marker, 1)[1]
    public = urlsplit(text_of(info.get("externalUrl"))).path
    if site and f"/{site}/" in public:
        return "/" + public.split(f"/{site}/", 1)[1]
    raise ValueError("cannot tell the externalPath of this detail")


def public_url(source: SourceRef, path: str) -> str:
    """The job's public page: ``{origin}/{site}{path}`` (myworkdaysite adds /recruiting)."""
    origin = source.url.rstrip("/")
    site = str(source.params.get("site") or "")
    if "myworkdaysite.com" in origin:
        return f"{origin}/recruiting/{source.board}/{site}{path}"
    return f"{origin}/{site}{path}"


def _country(info: dict[str, Any]) -> str | None:
    """ISO alpha-2 of the requisition's country, when stated."""
    country = dict_of(dict_of(info.get("jobRequisitionLocation")).get("country"))
    code = text_of(country.get("alpha2Code")).upper()
    return code if len(code) == 2 else None


def _locations(primary: str, others: list[str], country: str | None) -> list[Location]:
    """The primary place (its country from the requisition) and the additional ones."""
    first = place_locations(primary, country)
    if not first and country:
        first = [Location(country=country, text=primary)]
    return merge_locations([first, *(place_locations(p) for p in others)])
