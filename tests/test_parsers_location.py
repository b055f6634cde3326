"""Location parsing: cities, regions, ISO countries and hubs."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parsers.location import country_code, parse_locations

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
