"""RSS 2.0 / RSS 1.0 / Atom job feeds (Teamtailor's `tt:` fields, `remoteStatus`) → Postings.

Parsed with the standard library's ElementTree; bodies declaring a DTD or entities are refused
(no entity expansion can happen). Elements are matched by local name, whatever the namespace.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

from core.models import Basis, BoardParse, Location, Posting, RawPayload, SourceRef, Workplace
from parsers.boards.common import (
    NOTHING,
    Skip,
    board_or_text_workplace,
    map_items,
    merge_locations,
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

REMOTE_STATUS: dict[str, str] = {"fully": "remote", "hybrid": "hybrid", "none": "onsite"}
_REFUSED = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_PLACE_FIELDS = ("name", "city", "country", "address", "zip")


def parse_payload(raw: RawPayload, source: SourceRef, skip: Skip = NOTHING) -> BoardParse:
    """Map a feed's items or entries to Postings; never raises on bad data."""
    if _REFUSED.search(raw.body) or b"\x00" in raw.body:
        return payload_error(source, "feed declares a DTD or entities (or is not UTF-8): refused")
    try:
        root = ET.fromstring(raw.body)  # noqa: S314 - DTDs and entities were refused above
    except ET.ParseError as error:
        return payload_error(source, f"body is not XML: {error}")
    kind = _local(root.tag)
    if kind in ("rss", "RDF"):
        entries = [_rss_item(e) for e in root.iter() if _local(e.tag) == "item"]
    elif kind == "feed":
        entries = [_atom_entry(e) for e in root if _local(e.tag) == "entry"]
    else:
        return payload_error(source, f"expected an RSS or Atom feed, got <{kind}>")
    return map_items(source, entries, lambda entry: _posting(entry, raw, source), skip)


def _local(tag: object) -> str:
    """An element's name without its namespace."""
    return str(tag).rsplit("}", 1)[-1]


def _child_text(element: ET.Element, name: str) -> str:
    """The stripped text of the first child with this local name."""
    for child in element:
        if _local(child.tag) == name:
            return "".join(child.itertext()).strip()
    return ""


def _rss_item(item: ET.Element) -> dict[str, Any]:
    """An RSS <item> as a plain dict (Teamtailor extras included)."""
    link = _child_text(item, "link")
    return {
        "id": _child_text(item, "guid") or link or None,
        "title": _child_text(item, "title"),
        "link": link,
        "date": _child_text(item, "pubDate") or _child_text(item, "date"),
        "html": _child_text(item, "encoded") or _child_text(item, "description"),
        "remoteStatus": _child_text(item, "remoteStatus"),
        "department": _child_text(item, "department"),
        "places": _tt_places(item),
        "region": _child_text(item, "region"),
    }


def _atom_entry(entry: ET.Element) -> dict[str, Any]:
    """An Atom <entry> as a plain dict."""
    link = _atom_link(entry)
    return {
        "id": _child_text(entry, "id") or link or None,
        "title": _child_text(entry, "title"),
        "link": link,
        "date": _child_text(entry, "published") or _child_text(entry, "updated"),
        "html": _child_text(entry, "content") or _child_text(entry, "summary"),
        "remoteStatus": _child_text(entry, "remoteStatus"),
        "department": "",
        "places": [],
    }


def _atom_link(entry: ET.Element) -> str:
    """The alternate (or first) link's href."""
    links = [c for c in entry if _local(c.tag) == "link"]
    for link in links:
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return str(link.get("href")).strip()
    return str(links[0].get("href") or "").strip() if links else ""


def _tt_places(item: ET.Element) -> list[dict[str, str]]:
    """Teamtailor `tt:locations`: `tt:location` children, or the fields directly inside."""
    places: list[dict[str, str]] = []
    for block in (c for c in item if _local(c.tag) == "locations"):
        nested = [c for c in block if _local(c.tag) == "location"]
        for place in nested or [block]:
            fields = {name: _child_text(place, name) for name in _PLACE_FIELDS}
            if any(fields.values()):
                places.append(fields)
    return places


def _posting(entry: dict[str, Any], raw: RawPayload, source: SourceRef) -> Posting:
    """One feed entry as a Posting."""
    entry_id = require_str(entry, "id")
    title = html_to_text(require_str(entry, "title"))
    places = [_place_text(p) for p in entry["places"]]
    location = "; ".join(t for t in places if t) or entry.get("region", "")
    description = html_to_text(entry["html"])
    workplace, workplace_basis = _workplace(entry["remoteStatus"], title, location, description)
    locations = merge_locations(_locations(p) for p in entry["places"]) or place_locations(
        entry.get("region", "")
    )
    salary, salary_basis = text_salary(description, country=posting_country(locations), title=title)
    info = parse_title(title)
    return Posting(
        source=source.name,
        source_id=entry_id,
        url=entry["link"],
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
        posted_at=feed_date(entry["date"]),
        fetched_at=raw.fetched_at,
        description=description,
        department=entry["department"] or None,
    )


def _place_text(place: dict[str, str]) -> str:
    """'City, Country' (else the location's name)."""
    parts = [p for p in (place.get("city"), place.get("country")) if p]
    return ", ".join(parts) or place.get("name", "")


def _locations(place: dict[str, str]) -> list[Location]:
    """The gazetteer's reading of a Teamtailor location, else its name."""
    text = _place_text(place)
    found = place_locations(text, fallback=place.get("name", ""))
    return found or ([Location(city=place.get("city") or None, text=text)] if text else [])


def _workplace(status: str, title: str, location: str, description: str) -> tuple[Workplace, Basis]:
    """Teamtailor `remoteStatus` (fully / hybrid / none) wins over the text."""
    value = REMOTE_STATUS.get(text_of(status).lower())
    return board_or_text_workplace(value, title, location, description)


def feed_date(value: str) -> datetime | None:
    """RFC 822 (`pubDate`) or ISO 8601 (Atom, Dublin Core) as an aware UTC datetime."""
    if not value:
        return None
    try:
        return parse_date(parsedate_to_datetime(value))
    except (TypeError, ValueError, IndexError):
        return parse_date(value)
