"""schema.org JobPosting JSON-LD in an HTML page → Postings.

Every `<script type="application/ld+json">` is read; lists and `@graph` are walked and nodes
whose `@type` is or contains JobPosting are kept. A script with bad JSON is one ParseError.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from bs4 import BeautifulSoup

from core.models import (
    Basis,
    BoardParse,
    Location,
    ParseError,
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
    dict_of,
    map_items,
    merge_locations,
    place_locations,
    posting_country,
    text_salary,
    unique_texts,
)
from parsers.dates import parse_date
from parsers.location import country_code
from parsers.salary import make_salary
from parsers.text import html_to_text
from parsers.title import parse_title

MAX_DEPTH = 6
_LD_TYPE = re.compile(r"^\s*application/ld\+json\b", re.IGNORECASE)
_WRAPPERS = re.compile(r"^\s*(?:<!--|//\s*<!\[CDATA\[|<!\[CDATA\[)|(?:-->|//\s*\]\]>|\]\]>)\s*$")


def parse_payload(raw: RawPayload, source: SourceRef, skip: Skip = NOTHING) -> BoardParse:
    """Map every JobPosting node of a page; never raises on bad data."""
    try:
        page = raw.body.decode("utf-8", errors="replace")
        scripts = [
            s.get_text()
            for s in BeautifulSoup(page, "html.parser").find_all("script")
            if _LD_TYPE.match(str(s.get("type") or ""))
        ]
    except Exception as error:  # bs4 on hostile markup: one payload error
        return BoardParse(errors=[ParseError(source.name, None, f"unreadable page: {error}")])
    nodes: list[object] = []
    errors: list[ParseError] = []
    for index, script in enumerate(scripts, start=1):
        try:
            doc = json.loads(_WRAPPERS.sub("", script.strip()))
        except json.JSONDecodeError as error:
            errors.append(ParseError(source.name, f"ld+json #{index}", f"bad JSON: {error}"))
            continue
        nodes.extend(job_postings(doc))
    result = map_items(source, nodes, lambda node: _posting(node, raw, source), skip)
    result.errors[:0] = errors
    result.postings = _unique(result.postings)
    return result


def job_postings(doc: object, depth: int = 0) -> Iterator[dict[str, Any]]:
    """JobPosting nodes in a JSON-LD document: lists and @graph walked."""
    if depth > MAX_DEPTH:
        return
    if isinstance(doc, list):
        for entry in doc:
            yield from job_postings(entry, depth + 1)
    elif isinstance(doc, dict):
        if _is_job_posting(doc.get("@type")):
            yield doc
        if "@graph" in doc:
            yield from job_postings(doc["@graph"], depth + 1)


def _is_job_posting(kind: object) -> bool:
    kinds = kind if isinstance(kind, list) else [kind]
    return any(isinstance(k, str) and k.rsplit("/", 1)[-1] == "JobPosting" for k in kinds)


def _unique(postings: list[Posting]) -> list[Posting]:
    """One posting per source_id (pages often repeat a node)."""
    seen: dict[str, Posting] = {}
    for posting in postings:
        seen.setdefault(posting.source_id, posting)
    return list(seen.values())


def _posting(node: dict[str, Any], raw: RawPayload, source: SourceRef) -> Posting | None:
    """One JobPosting node as a Posting; None when `validThrough` passed before the fetch."""
    title = html.unescape(_text(node.get("title")))
    if not title:
        raise ValueError("missing or empty 'title'")
    if _expired(node.get("validThrough"), raw.fetched_at):
        return None
    url = _text(node.get("url")) or raw.url
    places = _places(node.get("jobLocation"))
    location = "; ".join(unique_texts(text for text, _ in places))
    description = html_to_text(_text(node.get("description")))
    workplace, workplace_basis = _workplace(node, title, location, description)
    locations = merge_locations(_locations(text, place) for text, place in places)
    salary, salary_basis = _salary(node, description, posting_country(locations), title)
    info = parse_title(title)
    return Posting(
        source=source.name,
        source_id=_identifier(node.get("identifier")) or _hash_id(url, title),
        url=url,
        title=title,
        company=_name_of(node.get("hiringOrganization")) or source.company,
        location_text=location,
        locations=locations,
        workplace=workplace,
        workplace_basis=workplace_basis,
        salary=salary,
        salary_basis=salary_basis,
        relevant=info.relevant,
        family=info.family,
        level=info.level,
        posted_at=parse_date(node.get("datePosted")),
        fetched_at=raw.fetched_at,
        description=description,
        employment_type=", ".join(_texts(node.get("employmentType"))) or None,
    )


def _text(value: object) -> str:
    """A string or number field as stripped text."""
    if isinstance(value, bool):
        return ""
    return str(value).strip() if isinstance(value, str | int | float) else ""


def _texts(value: object) -> list[str]:
    """A string-or-list field as non-empty strings."""
    values = value if isinstance(value, list) else [value]
    return [t for t in (_text(v) for v in values) if t]


def _expired(valid_through: object, fetched_at: datetime) -> bool:
    moment = parse_date(valid_through)
    return moment is not None and moment < fetched_at


def _identifier(value: object) -> str:
    """`identifier` as PropertyValue {value}, or a plain string or number."""
    if isinstance(value, list):
        value = value[0] if value else None
    return _text(dict_of(value).get("value")) if isinstance(value, dict) else _text(value)


def _hash_id(url: str, title: str) -> str:
    return hashlib.sha256(f"{url}|{title}".encode()).hexdigest()[:24]


def _name_of(value: object) -> str:
    return _text(dict_of(value).get("name")) if isinstance(value, dict) else _text(value)


def _places(value: object) -> list[tuple[str, Location]]:
    """Each `jobLocation` Place (one or a list) as its text and a structured Location."""
    found: list[tuple[str, Location]] = []
    for place in value if isinstance(value, list) else [value]:
        address = dict_of(place).get("address") if isinstance(place, dict) else place
        if isinstance(address, str) and address.strip():
            found.append((address.strip(), Location(text=address.strip())))
        elif isinstance(address, dict):
            found.append(_address(address))
    return found


def _address(address: dict[str, Any]) -> tuple[str, Location]:
    """A PostalAddress as 'City, Region, Country' and a Location."""
    country = _name_of(address.get("addressCountry"))
    city, region = _text(address.get("addressLocality")), _text(address.get("addressRegion"))
    text = ", ".join(p for p in (city, region, country) if p)
    code = country_code(country) if country else None
    return text, Location(city=city or None, region=region or None, country=code, text=text)


def _locations(text: str, place: Location) -> list[Location]:
    """The gazetteer's reading of a place (hubs included), else the structured address."""
    return place_locations(text, place.country) or ([place] if text else [])


def _workplace(
    node: dict[str, Any], title: str, location: str, description: str
) -> tuple[Workplace, Basis]:
    """TELECOMMUTE is remote (basis board) with `applicantLocationRequirements` as scope.

    Some sites also mark hybrid jobs TELECOMMUTE: a job with a place whose text says hybrid
    stays hybrid (basis text).
    """
    from_text = board_or_text_workplace(None, title, location, description)
    if not any(t.upper() == "TELECOMMUTE" for t in _texts(node.get("jobLocationType"))):
        return from_text
    if location and from_text[0].value == "hybrid":
        return from_text
    scope = _requirements(node.get("applicantLocationRequirements"))
    return Workplace("remote", scope), "board"


def _requirements(value: object) -> str | None:
    """Country/State requirements as alpha-2 codes (names when not countries)."""
    names = [_name_of(v) for v in (value if isinstance(value, list) else [value]) if v]
    codes = unique_texts(country_code(n) or n for n in names if n)
    return ", ".join(codes) or None


def _salary(
    node: dict[str, Any], description: str, country: str | None = None, title: str = ""
) -> tuple[Salary | None, Basis]:
    """`baseSalary` with numbers and unitText (basis board); otherwise its text or none."""
    base = node.get("baseSalary")
    money = dict_of(base)
    value = money.get("value", base if not isinstance(base, dict) else None)
    quantity = dict_of(value)
    currency = _text(money.get("currency")) or _text(node.get("salaryCurrency"))
    unit = _text(quantity.get("unitText"))
    if quantity:
        low = amount(quantity.get("minValue", quantity.get("value")))
        high = amount(quantity.get("maxValue", quantity.get("value")))
    else:
        low = high = amount(value)
    shown = _display(quantity or {"value": value}, currency, unit)
    if unit and currency:
        salary = make_salary(low, high, currency, unit, shown)
        if salary is not None:
            return salary, "board"
    return text_salary(shown if shown and unit else "", description, country=country, title=title)


def _display(quantity: dict[str, Any], currency: str, unit: str) -> str:
    """The salary as a reader would see it, for `Salary.text` and text parsing."""
    figures = [_text(quantity.get(k)) for k in ("minValue", "maxValue", "value")]
    shown = " - ".join(f for f in figures if f)
    return " ".join(p for p in (currency, shown, f"per {unit.lower()}" if unit else "") if p)


def amount(value: object) -> float | None:
    """A positive money figure from a number, '120000.00', '$100,000' or 'USD 95,000'."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        number = float(value)
    else:
        digits = re.sub(r"[^\d.]", "", str(value).replace(",", ""))
        try:
            number = float(digits)
        except ValueError:
            return None
    return number if number > 0 else None
