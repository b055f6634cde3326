"""Issue 12 item 5: a posting is new by its posted date when the board gives one, else by when
we first saw it; a digest's matches and its market summary count the same postings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.benchmarks import load_benchmarks
from opstore.subscriptions import save_subscription
from subscriptions.input import subscription_from
from tests.helpers import match, ops_of
from warehouse.market import market_summary

NOW = datetime.now(UTC).replace(microsecond=0)
YESTERDAY_MIDNIGHT = datetime.combine((NOW - timedelta(days=1)).date(), datetime.min.time(), UTC)

# source_id -> (posted_at, first_seen)
POSTINGS = {
    "posted-yesterday": (NOW - timedelta(hours=20), NOW - timedelta(hours=2)),
    "posted-at-the-start-of-yesterday": (YESTERDAY_MIDNIGHT, NOW - timedelta(hours=2)),
    "posted-3-days-ago": (NOW - timedelta(days=3), NOW - timedelta(hours=2)),
    "posted-3-weeks-ago": (NOW - timedelta(days=21), NOW - timedelta(hours=2)),
    "no-date-seen-today": (None, NOW - timedelta(hours=2)),
    "no-date-seen-3-days-ago": (None, NOW - timedelta(days=3)),
    "dated-next-week": (NOW + timedelta(days=7), NOW - timedelta(hours=2)),
}
NEW_TODAY = {"posted-yesterday", "posted-at-the-start-of-yesterday", "no-date-seen-today",
             "dated-next-week"}  # fmt: skip
NEW_THIS_WEEK = NEW_TODAY | {"posted-3-days-ago", "no-date-seen-3-days-ago"}


@pytest.fixture
def dated(db):
    for source_id, (posted_at, first_seen) in POSTINGS.items():
        db.execute(
            "INSERT INTO postings (source, source_id, url, title, company, country, relevant,"
            " family, level, workplace, workplace_basis, salary_basis, posted_at, first_seen,"
            " last_seen)"
            " VALUES ('test', ?, ?, 'Clinical Trial Manager', 'Northwind Bio', 'US', true,"
            " 'clinical_trial_management', 'manager', 'remote', 'board', 'board', ?, ?, ?)",
            [source_id, f"https://jobs.example/{source_id}", posted_at, first_seen, NOW],
        )
    return db


@pytest.mark.parametrize(("cadence", "expected"), [("daily", NEW_TODAY), ("weekly", NEW_THIS_WEEK)])
def test_new_by_posted_date_else_first_seen(dated, cadence: str, expected: set[str]) -> None:
    sub = subscription_from({"email": "r@example.org", "cadence": cadence})
    sub_id = save_subscription(ops_of(dated), sub, NOW)
    assert {p.source_id for p in match(dated, cadence)[sub_id]} == expected


@pytest.mark.parametrize(("days", "expected"), [(1, NEW_TODAY), (7, NEW_THIS_WEEK)])
def test_the_market_summary_counts_the_same_postings(dated, days: int, expected: set) -> None:
    summary = market_summary(dated, days, NOW, load_benchmarks())
    assert summary.total_new == len(expected)
    assert summary.total_listed == len(POSTINGS) - (days == 1)
