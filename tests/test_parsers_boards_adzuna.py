"""Adzuna mapper on a recorded page: predicted salaries ignored, currency by country."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.models import BoardParse, RawPayload, SourceRef
from parsers.boards import adzuna

BODY = (Path(__file__).parent / "data" / "recordings" / "adzuna" / "us-p1.json").read_bytes()
SOURCE = SourceRef("adzuna-clinops", "adzuna", "adzuna", "Adzuna")
FETCHED = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
URL = "https://api.adzuna.com/v1/api/jobs/{}/search/1?app_id=REDACTED&app_key=REDACTED"


def parse(body: bytes, country: str = "us") -> BoardParse:
    raw = RawPayload(
        SOURCE.name, "adzuna", URL.format(country), FETCHED, 200, "application/json", body
    )
    return adzuna.parse_payload(raw, SOURCE)


@pytest.fixture(scope="module")
def result() -> BoardParse:
    return parse(BODY)


def test_posted_salary_is_the_boards_and_predicted_is_dropped(result: BoardParse) -> None:
    posted, predicted, posted_bool = result.postings
    assert posted.salary_basis == "board" and posted.salary is not None
    assert (posted.salary.min, posted.salary.currency, posted.salary.period) == (
        125000,
        "USD",
        "year",
    )
    assert predicted.salary is None and predicted.salary_basis == "none"
    assert posted_bool.salary is not None and posted_bool.salary_basis == "board"


def test_currency_follows_the_country_in_the_url() -> None:
    posted = parse(BODY, "gb").postings[0]
    assert posted.salary is not None and posted.salary.currency == "GBP"


def test_titles_lose_highlighting_and_places_come_from_area(result: BoardParse) -> None:
    first = result.postings[0]
    assert first.title == "Clinical Trial Manager" and first.relevant
    assert [(loc.city, loc.region, loc.country) for loc in first.locations] == [
        ("Boston", "MA", "US")
    ]
    assert first.company == "Quartz Therapeutics"
    assert first.posted_at == datetime(2026, 11, 21, 8, 15, 30, tzinfo=UTC)


def test_workplace_comes_from_text(result: BoardParse) -> None:
    unknown, _, remote = result.postings
    assert unknown.workplace_basis == "none"
    assert remote.workplace.value == "remote" and remote.workplace_basis == "text"


@pytest.mark.parametrize(
    ("flag", "predicted"),
    [("0", False), (0, False), (False, False), ("1", True), (True, True), (None, True)],
)
def test_predicted_flag_forms(flag: object, predicted: bool) -> None:
    assert adzuna.is_predicted(flag) is predicted


def test_one_bad_ad_is_one_error() -> None:
    result = parse(b'{"results": [{"id": "1", "title": "CRA"}, {"title": "no id"}]}')
    assert len(result.postings) == 1 and len(result.errors) == 1


@pytest.mark.parametrize("body", [b"{", b"[]", b'{"count": 0}'])
def test_malformed_payload_is_one_error(body: bytes) -> None:
    assert len(parse(body).errors) == 1
