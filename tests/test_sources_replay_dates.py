"""A constructed recording keeps its postings' ages when replayed (manifest `dates_as_of`)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from core.errors import ConfigError
from sources.boards import lever
from sources.options import FetchOptions
from sources.registry import load_sources
from sources.replay import shift_dates, use_replay
from sources.session import build_session
from tests.conftest import SAMPLE
from tests.helpers import fetch_board

AS_OF = date(2026, 11, 25)


def test_iso_dates_and_epoch_milliseconds_move_by_whole_days() -> None:
    body = (
        b'{"updated_at": "2026-11-18T14:02:10-05:00", "first_published": "2026-11-03",'
        b' "createdAt": 1793628300417, "id": 7712448002, "salary": "2026-2027 budget",'
        b' "old": "1999-01-01T00:00:00Z", "bad": "2026-02-31"}'
    )
    shifted = json.loads(shift_dates(body, AS_OF, AS_OF + timedelta(days=11)))
    assert shifted["updated_at"] == "2026-11-29T14:02:10-05:00"
    assert shifted["first_published"] == "2026-11-14"
    assert shifted["createdAt"] == 1793628300417 + 11 * 86_400_000
    # Not dates, or too far from the recording to be its postings' dates: unchanged.
    assert shifted["id"] == 7712448002
    assert (shifted["salary"], shifted["old"], shifted["bad"]) == (
        "2026-2027 budget",
        "1999-01-01T00:00:00Z",
        "2026-02-31",
    )


def test_same_day_is_byte_for_byte() -> None:
    body = b'{"createdAt": 1793628300417}'
    assert shift_dates(body, AS_OF, AS_OF) is body


def test_replayed_sample_postings_keep_their_ages() -> None:
    """A Lever posting created 23 days before the recording is 23 days old today."""
    source = next(s for s in load_sources(SAMPLE / "sources.yaml") if s.name == "lever-trialpath")
    session = use_replay(build_session(user_agent="test", retries=0), SAMPLE)
    body = json.loads(fetch_board(lever, session, source, FetchOptions())[0].body)
    recorded = json.loads((SAMPLE / "lever" / "trialpath.json").read_bytes())
    today = datetime.now(UTC).date()
    for served, original in zip(body, recorded, strict=True):
        created = datetime.fromtimestamp(original["createdAt"] / 1000, UTC).date()
        moved = datetime.fromtimestamp(served["createdAt"] / 1000, UTC).date()
        assert (today - moved) == (AS_OF - created)


def test_a_bad_dates_as_of_is_a_config_error(tmp_path) -> None:
    (tmp_path / "a.json").write_text("[]")
    (tmp_path / "responses.yaml").write_text(
        "- url: https://api.lever.co/v0/postings/x?mode=json&skip=0&limit=100\n"
        "  file: a.json\n  dates_as_of: soon\n"
    )
    session = use_replay(build_session(user_agent="test", retries=0), tmp_path)
    with pytest.raises(ConfigError, match="dates_as_of"):
        session.get("https://api.lever.co/v0/postings/x?mode=json&skip=0&limit=100")
