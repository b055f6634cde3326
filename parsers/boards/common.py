"""Helpers shared by the board mappers: JSON decoding, per-item isolation, fallbacks."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any

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
from parsers.location import parse_locations
from parsers.salary import parse_salary
from parsers.workplace import from_board_flag, parse_workplace

ItemMapper = Callable[[dict[str, Any]], Posting | None]
# Digests of items whose posting is stored unchanged: such an item is not mapped again.
Skip = frozenset[str]
NOTHING: Skip = frozenset()
_DECODER = json.JSONDecoder()
_SPACE = " \t\n\r"


def item_digest(item: object) -> str:
    """A short hash of one item's own source content (canonical JSON: key order ignored)."""
    text = json.dumps(item, sort_keys=True, separators=(",", ":"), default=str)
    return digest_of(text)


def digest_of(text: str) -> str:
    """A short hash of an item's source text."""
    data = text.encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def json_or_problem(body: bytes) -> tuple[Any, str | None]:
    """The decoded JSON document, or None and a message saying why it is unreadable."""
    try:
        return json.loads(body), None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return None, f"body is not JSON: {error}"


def payload_error(source: SourceRef, message: str) -> BoardParse:
    """A parse result holding only one payload-level error."""
    return BoardParse(errors=[ParseError(source=source.name, item_id=None, message=message)])


def map_listing(
    raw: RawPayload,
    source: SourceRef,
    key: str | None,
    mapper: ItemMapper,
    skip: Skip = NOTHING,
) -> BoardParse:
    """Decode a payload whose items are the list under `key` (the whole array when None) and
    map each but those in `skip`; an unreadable body or another shape is one payload-level
    error. Each item's digest is the hash of its own text in the body (no re-encoding)."""
    split = _split_listing(raw.body, key)
    if split is not None:
        return map_items(source, split[0], mapper, skip, split[1])
    doc, problem = json_or_problem(raw.body)
    if problem:
        return payload_error(source, problem)
    items = doc if key is None else (doc.get(key) if isinstance(doc, dict) else None)
    if not isinstance(items, list):
        what = "a JSON array" if key is None else f"an object with a {key!r} list"
        return payload_error(source, f"expected {what}")
    return map_items(source, items, mapper, skip)


def _split_listing(body: bytes, key: str | None) -> tuple[list[Any], list[str]] | None:
    """The items of the list under `key` (the document itself when None) and the digest of
    each one's text, in one pass of the decoder; None for anything else (the caller decodes
    the usual way and says what is wrong)."""
    try:
        text = body.decode("utf-8")
        start = _skip_space(text, 0)
        if key is None:
            return _array_items(text, start)
        return _member_items(text, start, key)
    except (UnicodeDecodeError, ValueError, IndexError):
        return None


def _skip_space(text: str, index: int) -> int:
    while text[index] in _SPACE:
        index += 1
    return index


def _member_items(text: str, index: int, key: str) -> tuple[list[Any], list[str]] | None:
    """Walk a top-level object to the array under `key` (other members decoded and dropped)."""
    if text[index] != "{":
        return None
    found: tuple[list[Any], list[str]] | None = None
    index = _skip_space(text, index + 1)
    while text[index] != "}":
        name, index = _DECODER.raw_decode(text, index)
        index = _skip_space(text, index)
        if text[index] != ":":
            return None
        index = _skip_space(text, index + 1)
        if name == key and text[index] == "[":
            found, index = _array_spans(text, index)
        else:
            found = None if name == key else found
            _, index = _DECODER.raw_decode(text, index)
        index = _skip_space(text, index)
        if text[index] == ",":
            index = _skip_space(text, index + 1)
    return found if not text[index + 1 :].strip(_SPACE) else None  # trailing data: refused


def _array_items(text: str, index: int) -> tuple[list[Any], list[str]] | None:
    if text[index] != "[":
        return None
    found, index = _array_spans(text, index)
    return found if not text[index:].strip(_SPACE) else None


def _array_spans(text: str, index: int) -> tuple[tuple[list[Any], list[str]], int]:
    """Decode an array element by element: (elements, digests of their texts), end index."""
    items: list[Any] = []
    digests: list[str] = []
    index = _skip_space(text, index + 1)
    while text[index] != "]":
        item, end = _DECODER.raw_decode(text, index)
        items.append(item)
        digests.append(digest_of(text[index:end]))
        index = _skip_space(text, end)
        if text[index] == ",":
            index = _skip_space(text, index + 1)
        elif text[index] != "]":
            raise ValueError("expected , or ]")
    return (items, digests), index + 1


def listed_page(items: list[Any], source: SourceRef, key: str) -> BoardParse:
    """A list page mapped to no postings: each item's `key` counts as seen (listed_ids)."""
    result = BoardParse()
    for item in items:
        value = item.get(key) if isinstance(item, dict) else None
        if value is None or str(value).strip() == "":
            result.errors.append(ParseError(source.name, None, f"list item has no {key}"))
        else:
            result.listed_ids.append(str(value).strip())
    return result


def item_id_of(item: object, key: str = "id") -> str | None:
    """The item's id as a string, when it has one."""
    if isinstance(item, dict) and item.get(key) is not None:
        return str(item[key])
    return None


def map_items(
    source: SourceRef,
    items: Iterable[object],
    mapper: ItemMapper,
    skip: Skip = NOTHING,
    digests: Sequence[str] | None = None,
) -> BoardParse:
    """Map each item but those whose digest is in `skip` (listed in `unchanged`); a failing
    item becomes a ParseError and the others are kept. `digests`, one per item, when the
    caller hashed the items' source text; otherwise their canonical JSON is hashed."""
    result = BoardParse()
    items = list(items)
    hashes = list(digests) if digests is not None else [item_digest(item) for item in items]
    for item, digest in zip(items, hashes, strict=True):
        if digest in skip:
            result.unchanged.append(digest)
            continue
        item_id = item_id_of(item)
        if not isinstance(item, dict):
            message = f"item is {type(item).__name__}, not an object"
            result.errors.append(ParseError(source.name, item_id, message))
            continue
        try:
            posting = mapper(item)
        except Exception as error:  # one unreadable item must not lose the board
            message = f"{type(error).__name__}: {error}"
            result.errors.append(ParseError(source.name, item_id, message))
            continue
        if posting is not None:
            result.postings.append(posting)
            result.digests[posting.source_id] = digest
    return result


def text_of(value: object) -> str:
    """A stripped string for a free-text field; '' for null or non-strings."""
    return value.strip() if isinstance(value, str) else ""


def dict_of(value: object) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty dict."""
    return value if isinstance(value, dict) else {}


def list_of(value: object) -> list[Any]:
    """``value`` when it is a JSON array, else an empty list."""
    return value if isinstance(value, list) else []


def join_text(*parts: str) -> str:
    """Non-empty parts joined by blank lines."""
    return "\n\n".join(p.strip() for p in parts if p and p.strip())


def number(value: object, positive: bool = False) -> float | None:
    """A numeric field (a number or a numeric string such as '120,000') as a float; None
    otherwise, and for zero or less when ``positive``."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        result = float(str(value).replace(",", ""))
    except ValueError:
        return None
    return None if positive and result <= 0 else result


def require_str(item: dict[str, Any], key: str) -> str:
    """A non-empty string field; raises ValueError naming the field otherwise."""
    value = item.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"missing or empty {key!r}")
    return value.strip()


def posting_country(locations: list[Location]) -> str | None:
    """The one country all of a posting's places are in; None when none or several."""
    countries = {place.country for place in locations if place.country}
    return countries.pop() if len(countries) == 1 else None


def text_salary(
    *texts: str, country: str | None = None, title: str = ""
) -> tuple[Salary | None, Basis]:
    """Salary from the first text that states one, with basis 'text'; else (None, 'none').

    ``country`` (the posting's) says what a bare "$" means and which of several currencies;
    ``title`` picks the band a text labels for it among several."""
    for text in texts:
        salary = parse_salary(text, country_hint=country, title=title) if text else None
        if salary is not None:
            return salary, "text"
    return None, "none"


def board_or_text_workplace(
    flag: object, title: str, location: str, description: str
) -> tuple[Workplace, Basis]:
    """The board's workplace flag when it states one (basis 'board'), else the text's; the
    text is read only when it can add something (a remote role's scope)."""
    value = from_board_flag(flag) if isinstance(flag, str | bool) else None
    if value in ("hybrid", "onsite"):
        return Workplace(value=value), "board"
    from_text = parse_workplace(title, location, description)
    if value == "remote":
        return Workplace(value=value, remote_scope=from_text.remote_scope), "board"
    return from_text, ("text" if from_text.value != "unknown" else "none")


def place_locations(text: str, country: str | None = None, fallback: str = "") -> list[Location]:
    """Locations in ``text`` (else in ``fallback``), missing countries filled from ``country``."""
    found = parse_locations(text) if text else []
    if not found and fallback:
        found = parse_locations(fallback)
    if not country:
        return found
    return [replace(p, country=country) if p.country is None else p for p in found]


def merge_locations(groups: Iterable[list[Location]]) -> list[Location]:
    """The locations of several places, deduplicated in first-seen order."""
    merged: list[Location] = []
    for group in groups:
        merged.extend(place for place in group if place not in merged)
    return merged


def unique_texts(texts: Iterable[str]) -> list[str]:
    """Non-empty strings in first-seen order without repeats."""
    seen: list[str] = []
    for text in texts:
        if text and text not in seen:
            seen.append(text)
    return seen
