"""Workplace: location/title cues, description cues, board flags."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parsers.workplace import from_board_flag, parse_workplace


@pytest.mark.parametrize(
    ("title", "location", "value", "scope"),
    [
        ("", "Remote - US", "remote", "US"),
        ("", "United States - Remote", "remote", "US"),
        ("Home-based CRA", "", "remote", None),
        ("Clinical Research Associate (Field-based)", "", "remote", None),
        ("", "Hybrid - Cambridge, MA", "hybrid", None),
        ("", "GBR-Remote", "remote", "GB"),
        ("", "Remote (United States | Canada)", "remote", "US, CA"),
        ("", "Remote - EMEA", "remote", "EMEA"),
        ("", "Boston, MA (On-site)", "onsite", None),
        ("Clinical Trial Manager - Remote", "", "remote", None),
    ],
)
def test_short_cues(title: str, location: str, value: str, scope: str | None) -> None:
    got = parse_workplace(title=title, location=location)
    assert (got.value, got.remote_scope) == (value, scope)


@pytest.mark.parametrize(
    ("description", "value"),
    [
        ("This role is fully remote.", "remote"),
        ("This is a remote position open to US residents.", "remote"),
        ("You will work 3 days a week in our Boston office.", "hybrid"),
        ("We have a remote-first culture and love async work.", "unknown"),
        ("This role is not remote.", "onsite"),
        ("Our weekly schedule is 4 days in-office and 1 day working remotely.", "hybrid"),
        ("Nothing about where the work happens.", "unknown"),
    ],
)
def test_description_cues(description: str, value: str) -> None:
    assert parse_workplace(location="Boston, MA", description=description).value == value


def test_location_beats_description() -> None:
    got = parse_workplace(location="Remote - US", description="3 days a week in our office")
    assert got.value == "remote"


@pytest.mark.parametrize(
    ("flag", "want"),
    [
        ("onsite", "onsite"),
        ("on-site", "onsite"),
        ("remote", "remote"),
        ("hybrid", "hybrid"),
        ("unspecified", None),
        ("OnSite", "onsite"),
        ("Onsite", "onsite"),
        ("Remote", "remote"),
        ("Hybrid", "hybrid"),
        (True, "remote"),
        (False, None),
        (None, None),
        ("", None),
    ],
)
def test_board_flags(flag: str | bool | None, want: str | None) -> None:
    assert from_board_flag(flag) == want


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=100), st.text(max_size=100), st.text(max_size=500))
def test_never_raises(title: str, location: str, description: str) -> None:
    got = parse_workplace(title, location, description)
    assert got == parse_workplace(title, location, description)
    assert got.value in ("remote", "hybrid", "onsite", "unknown")


def test_megabyte_description_is_fast() -> None:
    import time

    text = "remote hybrid on-site " * 50_000
    start = time.perf_counter()
    parse_workplace("", "", text)
    assert time.perf_counter() - start < 2.0
