"""Himalayas mapper on recorded search pages: timestamps, restrictions, salary, duplicates."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.models import BoardParse, Posting, RawPayload, SourceRef
from parsers.boards import himalayas

DATA = Path(__file__).parent / "data" / "recordings" / "himalayas"
SOURCE = SourceRef("himalayas-clinops", "himalayas", "himalayas", "Himalayas")
FETCHED = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)


def parse(body: bytes) -> BoardParse:
    raw = RawPayload(
        SOURCE.name,
        "himalayas",
        "https://himalayas.app/jobs/api/search?q=x&page=1",
        FETCHED,
        200,
        "application/json",
        body,
    )
    return himalayas.parse_payload(raw, SOURCE)


@pytest.fixture(scope="module")
def page1() -> BoardParse:
    return parse((DATA / "search-p1.json").read_bytes())


def by_company(result: BoardParse, company: str) -> Posting:
    [posting] = [p for p in result.postings if p.company == company]
    return posting


def test_duplicates_by_guid_are_mapped_once_and_a_bad_job_is_one_error(page1: BoardParse) -> None:
    assert [p.company for p in page1.postings] == ["Acme Bio", "Bluefin Trials", "Corvid Health"]
    assert len(page1.errors) == 1 and "guid" in page1.errors[0].message


def test_seconds_and_milliseconds_give_the_same_kind_of_date(page1: BoardParse) -> None:
    seconds = by_company(page1, "Acme Bio").posted_at
    millis = by_company(page1, "Bluefin Trials").posted_at
    assert seconds == datetime(2026, 7, 25, 7, 22, 8, tzinfo=UTC)
    assert millis == datetime(2026, 7, 24, 7, 22, 8, tzinfo=UTC)


def test_string_restrictions_become_countries_and_scope(page1: BoardParse) -> None:
    posting = by_company(page1, "Acme Bio")
    assert posting.workplace.value == "remote" and posting.workplace_basis == "board"
    assert posting.workplace.remote_scope == "US"
    assert [loc.country for loc in posting.locations] == ["US"]
    assert (
        posting.source_id.startswith("https://himalayas.app/") and posting.url == posting.source_id
    )


def test_object_restrictions_use_alpha2(page1: BoardParse) -> None:
    posting = by_company(page1, "Bluefin Trials")
    assert posting.workplace.remote_scope == "GB, DE"
    assert posting.location_text == "United Kingdom; Germany"


def test_empty_restrictions_mean_worldwide(page1: BoardParse) -> None:
    posting = by_company(page1, "Corvid Health")
    assert posting.workplace.remote_scope == "Global" and posting.locations == []
    assert posting.location_text == "Worldwide"


def test_salary_is_annual_from_the_board(page1: BoardParse) -> None:
    salary = by_company(page1, "Bluefin Trials").salary
    assert salary is not None and by_company(page1, "Bluefin Trials").salary_basis == "board"
    assert (salary.min, salary.max, salary.currency, salary.period) == (55000, 65000, "GBP", "year")


def test_salary_period_is_honoured_when_present(page1: BoardParse) -> None:
    salary = by_company(page1, "Corvid Health").salary
    assert salary is not None and salary.period == "hour" and salary.annual_min == 45 * 2080


def test_without_figures_the_description_is_read() -> None:
    result = parse((DATA / "search-p2.json").read_bytes())
    [posting] = result.postings
    assert posting.salary_basis == "text" and posting.salary is not None
    assert posting.salary.min == 180000
    assert posting.relevant and posting.level == "director"
    assert posting.workplace.remote_scope == "CA, US"


def test_titles_set_relevance_and_level(page1: BoardParse) -> None:
    posting = by_company(page1, "Bluefin Trials")
    assert posting.relevant and posting.level == "senior"


def test_empty_page_maps_to_nothing() -> None:
    result = parse((DATA / "search-p3.json").read_bytes())
    assert result.postings == [] and result.errors == []


@pytest.mark.parametrize("body", [b'{"jobs": [', b"[]", b'{"jobs": {}}', b"\xff\xfe"])
def test_malformed_payload_is_one_error(body: bytes) -> None:
    result = parse(body)
    assert result.postings == [] and len(result.errors) == 1


def test_an_unusable_salary_is_not_guessed() -> None:
    job = {
        "guid": "https://himalayas.app/j/1",
        "title": "Clinical Trial Manager",
        "minSalary": 100000,
        "maxSalary": 120000,
        "currency": None,
        "description": "",
    }
    [posting] = parse(json.dumps({"jobs": [job]}).encode()).postings
    assert posting.salary is None and posting.salary_basis == "none"
