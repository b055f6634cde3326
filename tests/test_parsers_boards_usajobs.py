"""USAJOBS mapper on recorded pages: money strings, rate codes and words, telework flags."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.models import BoardParse, RawPayload, SourceRef
from parsers.boards import usajobs

DATA = Path(__file__).parent / "data" / "recordings" / "usajobs"
SOURCE = SourceRef("usajobs-clinical", "usajobs", "usajobs", "USAJOBS")
FETCHED = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)


def parse(body: bytes) -> BoardParse:
    raw = RawPayload(
        SOURCE.name,
        "usajobs",
        "https://data.usajobs.gov/api/search?Page=1",
        FETCHED,
        200,
        "application/json",
        body,
    )
    return usajobs.parse_payload(raw, SOURCE)


@pytest.fixture(scope="module")
def page1() -> BoardParse:
    return parse((DATA / "page1.json").read_bytes())


def test_money_strings_with_dollar_and_commas_and_a_code(page1: BoardParse) -> None:
    posting = page1.postings[0]
    assert posting.source_id == "812345601" and posting.salary_basis == "board"
    assert posting.salary is not None
    assert (posting.salary.min, posting.salary.max) == (117962.0, 153354.0)
    assert (posting.salary.currency, posting.salary.period) == ("USD", "year")


def test_rate_interval_in_words(page1: BoardParse) -> None:
    salary = page1.postings[1].salary
    assert salary is not None and salary.period == "hour" and salary.min == 45.5


def test_biweekly_pay_is_annualised() -> None:
    [posting] = parse((DATA / "page2.json").read_bytes()).postings
    assert posting.salary is not None and posting.salary.period == "year"
    assert posting.salary.min == pytest.approx(4536.80 * 26)
    assert "4,536.80" in posting.salary.text


@pytest.mark.parametrize(
    ("value", "period"),
    [
        ("PA", "year"),
        ("ph", "hour"),
        ("PD", "day"),
        ("PW", "week"),
        ("PM", "month"),
        ("BW", "biweekly"),
        ("Bi-weekly", "biweekly"),
        ("WC", None),
        ("Without Compensation", None),
        ("Per Year", "Per Year"),
        ("", None),
    ],
)
def test_rate_codes_and_words(value: str, period: str | None) -> None:
    assert usajobs.rate_period(value) == period


def test_flags_give_the_workplace_with_basis_board(page1: BoardParse) -> None:
    telework, neither = page1.postings
    assert (telework.workplace.value, telework.workplace_basis) == ("hybrid", "board")
    assert (neither.workplace.value, neither.workplace_basis) == ("onsite", "board")
    [remote] = parse((DATA / "page2.json").read_bytes()).postings
    assert remote.workplace.value == "remote" and remote.workplace.remote_scope == "US"


def test_locations_fields_and_dates(page1: BoardParse) -> None:
    nih, va = page1.postings
    assert [(loc.city, loc.region, loc.country) for loc in nih.locations] == [
        ("Bethesda", "MD", "US")
    ]
    assert va.locations[0].hub == "Boston"
    assert nih.company == "National Institutes of Health"
    assert nih.department == "Department of Health and Human Services"
    assert nih.posted_at == datetime(2026, 11, 18, tzinfo=UTC)
    assert "Oversees study monitoring." in nih.description
    assert nih.relevant and nih.level == "manager"


def test_without_compensation_is_no_salary() -> None:
    body = (
        b'{"SearchResult": {"SearchResultItems": [{"MatchedObjectId": "1", '
        b'"MatchedObjectDescriptor": {"PositionTitle": "Clinical Research Volunteer", '
        b'"PositionRemuneration": [{"MinimumRange": "0", "MaximumRange": "0", '
        b'"RateIntervalCode": "WC"}]}}]}}'
    )
    [posting] = parse(body).postings
    assert posting.salary is None and posting.salary_basis == "none"
    assert posting.workplace_basis == "none"


def test_one_bad_item_is_one_error() -> None:
    body = (
        b'{"SearchResult": {"SearchResultItems": [{"MatchedObjectId": "1", '
        b'"MatchedObjectDescriptor": {"PositionTitle": "CRA"}}, {"MatchedObjectId": "2"}]}}'
    )
    result = parse(body)
    assert len(result.postings) == 1 and [e.item_id for e in result.errors] == ["2"]


@pytest.mark.parametrize("body", [b"{", b"[]", b'{"SearchResult": {}}'])
def test_malformed_payload_is_one_error(body: bytes) -> None:
    assert len(parse(body).errors) == 1
