"""Remotive mapper on a recorded envelope (keys with digits), free-text salary."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.models import BoardParse, RawPayload, SourceRef
from parsers.boards import remotive

BODY = (
    Path(__file__).parent / "data" / "recordings" / "remotive" / "search-clinical.json"
).read_bytes()
SOURCE = SourceRef("remotive-clinops", "remotive", "remotive", "Remotive")
FETCHED = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)


def parse(body: bytes) -> BoardParse:
    raw = RawPayload(
        SOURCE.name,
        "remotive",
        "https://remotive.com/api/remote-jobs?search=clinical",
        FETCHED,
        200,
        "application/json",
        body,
    )
    return remotive.parse_payload(raw, SOURCE)


@pytest.fixture(scope="module")
def result() -> BoardParse:
    return parse(BODY)


def test_every_job_is_mapped_and_the_envelope_ignored(result: BoardParse) -> None:
    assert [p.source_id for p in result.postings] == ["2034561", "2034562", "2034563"]
    assert result.errors == []


def test_remote_from_the_board_with_scope_from_the_required_location(result: BoardParse) -> None:
    us, world, europe = result.postings
    assert all(
        p.workplace.value == "remote" and p.workplace_basis == "board" for p in result.postings
    )
    assert (us.workplace.remote_scope, world.workplace.remote_scope) == ("US", "Global")
    assert europe.workplace.remote_scope == "Europe"


def test_salary_text_is_parsed_with_basis_text(result: BoardParse) -> None:
    first, second, third = result.postings
    assert first.salary_basis == "text" and first.salary is not None
    assert (first.salary.min, first.salary.max, first.salary.currency) == (110000, 130000, "USD")
    assert second.salary is None and second.salary_basis == "none"
    assert third.salary is not None and third.salary.currency == "EUR"


def test_fields_and_relevance(result: BoardParse) -> None:
    first = result.postings[0]
    assert first.company == "Evergreen Trials" and first.employment_type == "full_time"
    assert first.posted_at == datetime(2026, 11, 20, 9, 14, 2, tzinfo=UTC)
    assert first.description == "Run our Phase II programs."
    assert first.relevant and not result.postings[2].relevant


def test_one_bad_job_is_one_error() -> None:
    result = parse(b'{"jobs": [{"id": 1, "title": "CRA"}, {"title": "no id"}, 7]}')
    assert len(result.postings) == 1 and len(result.errors) == 2


@pytest.mark.parametrize("body", [b"{", b"[]", b'{"0-legal-notice": "x"}'])
def test_malformed_payload_is_one_error(body: bytes) -> None:
    assert len(parse(body).errors) == 1
