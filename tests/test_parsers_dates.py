"""Dates: ISO strings, epoch seconds / milliseconds, Workday relative phrases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parsers.dates import parse_date

NOW = datetime(2025, 10, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "want"),
    [
        ("2025-09-08T06:05:47.867+00:00", datetime(2025, 9, 8, 6, 5, 47, 867000, tzinfo=UTC)),
        ("2025-09-08T06:05:47Z", datetime(2025, 9, 8, 6, 5, 47, tzinfo=UTC)),
        ("2025-09-08T08:05:47+02:00", datetime(2025, 9, 8, 6, 5, 47, tzinfo=UTC)),
        ("2025-09-08", datetime(2025, 9, 8, tzinfo=UTC)),
        (1757311547, datetime(2025, 9, 8, 6, 5, 47, tzinfo=UTC)),
        (1757311547867, datetime(2025, 9, 8, 6, 5, 47, 867000, tzinfo=UTC)),
        ("1757311547867", datetime(2025, 9, 8, 6, 5, 47, 867000, tzinfo=UTC)),
        ("Posted Today", NOW),
        ("Posted Yesterday", NOW - timedelta(days=1)),
        ("Posted 3 Days Ago", NOW - timedelta(days=3)),
        ("Posted 30+ Days Ago", NOW - timedelta(days=30)),
    ],
)
def test_values(value: object, want: datetime) -> None:
    got = parse_date(value, now=NOW)
    assert got == want and got is not None and got.tzinfo is not None


def test_aware_conversion_and_bad_values() -> None:
    naive = parse_date(datetime(2025, 1, 1, 8))
    assert naive == datetime(2025, 1, 1, 8, tzinfo=UTC)
    other = parse_date(datetime(2025, 1, 1, 8, tzinfo=timezone(timedelta(hours=2))))
    assert other == datetime(2025, 1, 1, 6, tzinfo=UTC)
    bad_values: list[object] = [None, "", "garbage", True, [], 10**30]
    for bad in bad_values:
        assert parse_date(bad) is None


@given(st.one_of(st.text(max_size=60), st.integers(), st.floats(allow_nan=True)))
def test_never_raises(value: object) -> None:
    got = parse_date(value, now=NOW)
    assert got is None or got.tzinfo is not None
