"""The Muse mapper on recorded pages: Flexible / Remote, locations, company."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.models import BoardParse, RawPayload, SourceRef
from parsers.boards import themuse

DATA = Path(__file__).parent / "data" / "recordings" / "themuse"
SOURCE = SourceRef("themuse-health", "themuse", "themuse", "The Muse")
FETCHED = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)


def parse(body: bytes) -> BoardParse:
    raw = RawPayload(
        SOURCE.name,
        "themuse",
        "https://www.themuse.com/api/public/jobs?page=0",
        FETCHED,
        200,
        "application/json",
        body,
    )
    return themuse.parse_payload(raw, SOURCE)


def test_flexible_remote_is_remote_from_the_board() -> None:
    result = parse((DATA / "page0.json").read_bytes())
    remote, nurse = result.postings
    assert remote.workplace.value == "remote" and remote.workplace_basis == "board"
    assert remote.locations == [] and remote.location_text == "Flexible / Remote"
    assert remote.company == "Maple Research" and remote.relevant
    assert remote.url == "https://www.themuse.com/jobs/mapleresearch/9100001"
    assert remote.posted_at == datetime(2026, 11, 20, 12, tzinfo=UTC)
    assert nurse.workplace_basis == "none" and not nurse.relevant
    assert nurse.locations[0].city == "Boston" and nurse.locations[0].hub == "Boston"


def test_a_place_beside_flexible_remote_is_kept() -> None:
    [posting] = parse((DATA / "page1.json").read_bytes()).postings
    assert posting.workplace.value == "remote"
    assert [(loc.city, loc.country) for loc in posting.locations] == [("Cambridge", "US")]
    assert posting.level == "senior" and posting.salary is None and posting.salary_basis == "none"


def test_one_bad_job_is_one_error() -> None:
    result = parse(b'{"results": [{"id": 1, "name": "CRA"}, {"name": "no id"}]}')
    assert len(result.postings) == 1 and len(result.errors) == 1


@pytest.mark.parametrize("body", [b"{", b"[]", b'{"page": 0}'])
def test_malformed_payload_is_one_error(body: bytes) -> None:
    assert len(parse(body).errors) == 1
