"""RemoteOK mapper on a recorded feed: legal notice skipped, zero salary is absent."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.models import BoardParse, RawPayload, SourceRef
from parsers.boards import remoteok

BODY = (Path(__file__).parent / "data" / "recordings" / "remoteok" / "api.json").read_bytes()
SOURCE = SourceRef("remoteok-all", "remoteok", "remoteok", "Remote OK")
FETCHED = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)


def parse(body: bytes) -> BoardParse:
    raw = RawPayload(
        SOURCE.name, "remoteok", "https://remoteok.com/api", FETCHED, 200, "application/json", body
    )
    return remoteok.parse_payload(raw, SOURCE)


@pytest.fixture(scope="module")
def result() -> BoardParse:
    return parse(BODY)


def test_the_legal_notice_is_not_a_posting(result: BoardParse) -> None:
    assert [p.source_id for p in result.postings] == ["1100201", "1100202"]
    assert result.errors == []


def test_position_is_the_title_and_epoch_is_seconds(result: BoardParse) -> None:
    first = result.postings[0]
    assert first.title == "Clinical Trial Manager" and first.company == "Hollow Pharma"
    assert first.posted_at == datetime(2026, 7, 25, 7, 22, 8, tzinfo=UTC)
    assert first.url.startswith("https://remoteok.com/remote-jobs/")


def test_salary_fields_are_annual_usd_from_the_board(result: BoardParse) -> None:
    first = result.postings[0]
    assert first.salary_basis == "board" and first.salary is not None
    assert (first.salary.min, first.salary.max, first.salary.period) == (120000, 150000, "year")


def test_zero_salary_means_absent_and_the_text_is_read(result: BoardParse) -> None:
    second = result.postings[1]
    assert second.salary_basis == "text" and second.salary is not None
    assert second.salary.period == "hour"


def test_remote_with_scope_from_location(result: BoardParse) -> None:
    first, second = result.postings
    assert first.workplace.value == "remote" and first.workplace_basis == "board"
    assert (first.workplace.remote_scope, second.workplace.remote_scope) == ("US", "Global")


def test_one_bad_job_is_one_error() -> None:
    result = parse(b'[{"legal": "x"}, {"id": 1, "position": "CRA"}, {"id": 2}]')
    assert len(result.postings) == 1 and len(result.errors) == 1


@pytest.mark.parametrize("body", [b"[", b'{"jobs": []}'])
def test_malformed_payload_is_one_error(body: bytes) -> None:
    assert len(parse(body).errors) == 1
