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


@pytest.mark.parametrize(
    ("description", "scope"),
    [
        ("This is a fully remote role open to candidates based in the US only.", "US"),
        ("This role is fully remote within EMEA.", "EMEA"),
        ("This position is remote (Canada only).", "CA"),
        ("This role is 100% remote; you must be located in the UK or Ireland.", "GB, IE"),
        ("We are a remote-first company with offices in London.", None),
        ("This role is fully remote. You will visit our London office twice a year.", None),
        ("This role is fully remote, reporting to our VP in Boston.", None),
        ("Our team in Germany is remote and friendly; this role is fully remote.", None),
    ],
)
def test_scope_from_the_description_remote_sentence(description: str, scope: str | None) -> None:
    got = parse_workplace(location="Remote", description=description)
    assert (got.value, got.remote_scope) == ("remote", scope)


def test_description_remote_value_gets_description_scope() -> None:
    got = parse_workplace(description="This is a remote position open to US residents.")
    assert (got.value, got.remote_scope) == ("remote", "US")


def test_location_scope_beats_description_scope() -> None:
    text = "This is a fully remote role open to candidates based in the US only."
    assert parse_workplace(location="Remote - EMEA", description=text).remote_scope == "EMEA"


@pytest.mark.parametrize(
    ("location", "scope"),
    [
        ("Anywhere in the US (Remote)", "US"),
        ("Remote - Anywhere in EMEA", "EMEA"),
        ("Remote - Worldwide", "Global"),
        ("Remote (Anywhere)", "Global"),
    ],
)
def test_named_place_beats_anywhere(location: str, scope: str) -> None:
    assert parse_workplace(location=location).remote_scope == scope


@pytest.mark.parametrize(
    ("title", "location", "scope"),
    [
        ("Clinical Project Manager (Remote, Worldwide)", "Poland", "Global"),
        ("Senior CRA - Remote", "Remote - Canada", "CA"),
        ("Clinical Trial Manager - US", "Remote", "US"),
    ],
)
def test_scope_comes_from_the_field_that_says_remote(title: str, location: str, scope: str) -> None:
    assert parse_workplace(title=title, location=location).remote_scope == scope


def test_a_preferred_place_is_not_a_limit() -> None:
    text = "This role can be fully remote, but candidates based in New York City are preferred."
    got = parse_workplace(location="Remote", description=text)
    assert got.value == "remote" and got.remote_scope is None


@pytest.mark.parametrize(
    ("description", "value"),
    [
        (
            "This role is hybrid, 3 days a week in our Boston office; "
            "remote work is not available.",
            "hybrid",
        ),
        ("This role is not remote. You will work 3 days a week in our Boston office.", "hybrid"),
        ("This role is not remote or hybrid; it is fully on-site.", "onsite"),
        ("This role is not hybrid or remote: it is 100% on-site.", "onsite"),
    ],
)
def test_not_remote_does_not_rule_out_hybrid(description: str, value: str) -> None:
    assert parse_workplace(location="Boston, MA", description=description).value == value


ADVERSARIAL_SHORT = [
    "Remote - Boston, MA, United States | ",
    "home ",
    "remote hybrid on-site ",
    " ",
    "emea anywhere us ",
]


@pytest.mark.parametrize("unit", ADVERSARIAL_SHORT)
def test_megabyte_title_location_and_description_are_fast(unit: str) -> None:
    import time

    text = (unit * (1_000_000 // len(unit) + 1))[:1_000_000]
    parse_workplace(location="Boston, MA")  # load the gazetteer outside the timing
    start = time.perf_counter()
    parse_workplace(text, text, text)
    assert time.perf_counter() - start < 0.5


@pytest.mark.parametrize("location", ["Anywhere", "Anywhere in the World", "Distributed"])
def test_anywhere_locations_are_remote(location: str) -> None:
    assert parse_workplace("", location, "").value == "remote"


def test_distributed_in_a_title_is_not_remote() -> None:
    assert parse_workplace("Distributed Systems Engineer", "Boston, MA", "").value == "unknown"


@pytest.mark.parametrize(
    ("description", "value"),
    [
        ("This is a full-time remote position.", "remote"),
        ("The job is 100% remote.", "remote"),
        ("Great team and benefits.\n#LI-Remote", "remote"),
        ("Great team and benefits.\n#LI-Onsite", "onsite"),
        ("You can work from home or from our office hub, within commuting distance.", "hybrid"),
        ("The role is currently remote, but may move to hybrid later.", "remote"),
    ],
)
def test_description_statements(description: str, value: str) -> None:
    assert parse_workplace("", "", description).value == value


@pytest.mark.parametrize(
    ("description", "want"),
    [
        ("What we offer:\n- 100% remote\n- Unlimited PTO", "remote"),
        ("- Fully remote (EU time zones)\n- Equity", "remote"),
        ("- 100% remote\nThis role is hybrid: 3 days a week in our Berlin office.", "hybrid"),
        ("- a fully remote team across 10 countries", "unknown"),
    ],
)
def test_a_line_that_only_says_remote(description: str, want: str) -> None:
    assert parse_workplace("Engineer", "Boston", description).value == want
