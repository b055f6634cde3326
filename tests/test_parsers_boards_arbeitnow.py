"""Arbeitnow mapper on recorded pages: slug ids, remote flag, epoch seconds, text salary."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.models import BoardParse, RawPayload, SourceRef
from parsers.boards import arbeitnow

DATA = Path(__file__).parent / "data" / "recordings" / "arbeitnow"
SOURCE = SourceRef("arbeitnow-all", "arbeitnow", "arbeitnow", "Arbeitnow")
FETCHED = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)


def parse(body: bytes) -> BoardParse:
    raw = RawPayload(
        SOURCE.name,
        "arbeitnow",
        "https://www.arbeitnow.com/api/job-board-api?page=1",
        FETCHED,
        200,
        "application/json",
        body,
    )
    return arbeitnow.parse_payload(raw, SOURCE)


@pytest.fixture(scope="module")
def page1() -> BoardParse:
    return parse((DATA / "page1.json").read_bytes())


def test_slugs_are_ids_and_epoch_seconds_are_dates(page1: BoardParse) -> None:
    first = page1.postings[0]
    assert first.source_id == "clinical-project-manager-berlin-123"
    assert first.posted_at == datetime(2026, 7, 25, 7, 22, 8, tzinfo=UTC)
    assert first.company == "Jura Clinical" and first.employment_type == "full time"
    assert first.locations[0].city == "Berlin" and first.locations[0].country == "DE"


def test_remote_true_is_the_boards_word(page1: BoardParse) -> None:
    onsite_unknown, remote = page1.postings
    assert remote.workplace.value == "remote" and remote.workplace_basis == "board"
    assert onsite_unknown.workplace_basis == "none"


def test_remote_false_leaves_the_text_to_decide_and_salary_is_text() -> None:
    [posting] = parse((DATA / "page2.json").read_bytes()).postings
    assert posting.workplace.value == "hybrid" and posting.workplace_basis == "text"
    assert posting.salary_basis == "text" and posting.salary is not None
    assert posting.salary.currency == "EUR" and posting.salary.min == 55000


def test_one_bad_job_is_one_error_keyed_by_slug() -> None:
    result = parse(b'{"data": [{"slug": "a", "title": "CRA"}, {"slug": "b"}]}')
    assert len(result.postings) == 1
    assert [e.item_id for e in result.errors] == ["b"]


@pytest.mark.parametrize("body", [b"{", b"[]", b'{"links": {}}'])
def test_malformed_payload_is_one_error(body: bytes) -> None:
    assert len(parse(body).errors) == 1
