"""Matching in the one SQL query: filter by filter, many subscriptions together, the best 25."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.benchmarks import load_benchmarks
from core.models import MarketSummary
from digests.compose import compose_digest
from opstore.subscriptions import (
    active_subscriptions,
    save_subscription,
)
from subscriptions.input import subscription_from
from tests.helpers import FORTY, NOW, add_forty, add_posting, match, ops_of


@pytest.fixture
def market(db):
    add_posting(db, "ctm-boston")
    add_posting(
        db,
        "cra-remote",
        title="Clinical Research Associate II",
        company="Acme CRO",
        location_text="Remote - US",
        city=None,
        hub=None,
        workplace="remote",
        family="clinical_research_associate",
        level="assistant",
        salary_usd_annual_min=None,
        salary_usd_annual_max=None,
    )
    add_posting(
        db,
        "dir-london",
        title="Director, Clinical Operations",
        company="Meridian Clinical",
        location_text="London, United Kingdom",
        city="London",
        country="GB",
        hub=None,
        workplace="onsite",
        family="clinical_operations",
        level="director",
        salary_usd_annual_min=160_000.0,
        salary_usd_annual_max=190_000.0,
        locations=[{"city": "London", "region": None, "country": "GB", "hub": None}],
    )
    add_posting(db, "closed", closed_at=NOW)
    add_posting(db, "irrelevant", relevant=False)
    add_posting(db, "old", first_seen=NOW - timedelta(days=3))
    return db


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, {"ctm-boston", "cra-remote", "dir-london"}),
        ({"keywords": ["clinical research associate"]}, {"cra-remote"}),
        ({"keywords": ["CRA", "trial manager"]}, {"ctm-boston"}),
        ({"levels": ["director", "vp"]}, {"dir-london"}),
        ({"families": ["clinical research associate"]}, {"cra-remote"}),
        ({"workplaces": ["remote"]}, {"cra-remote"}),
        ({"workplaces": ["hybrid", "onsite"]}, {"ctm-boston", "dir-london"}),
        ({"locations": ["Boston"]}, {"ctm-boston"}),
        ({"locations": ["london"]}, {"dir-london"}),
        ({"locations": ["remote"]}, {"cra-remote"}),
        ({"countries": ["GB"]}, {"dir-london"}),
        ({"countries": ["US"]}, {"ctm-boston", "cra-remote"}),
        ({"companies": ["northwind"]}, {"ctm-boston"}),
        ({"exclude_companies": ["Acme"]}, {"ctm-boston", "dir-london"}),
        ({"min_salary": 155000}, {"cra-remote", "dir-london"}),
        ({"min_salary": 155000, "include_no_salary": False}, {"dir-london"}),
        ({"min_salary": 140000, "currency": "GBP"}, {"dir-london", "cra-remote"}),
        ({"levels": ["manager"], "workplaces": ["remote"]}, set()),
    ],
)
def test_each_filter_in_the_one_query(market, filters: dict, expected: set[str]) -> None:
    sub_id = save_subscription(
        ops_of(market), subscription_from({"email": "r@example.org", **filters}), NOW
    )
    matches = match(market, "daily")
    assert {p.source_id for p in matches.get(sub_id, [])} == expected


def test_many_subscriptions_are_matched_together(market) -> None:
    ops = ops_of(market)
    a = save_subscription(ops, subscription_from({"email": "a@example.org"}), NOW)
    b = save_subscription(
        ops, subscription_from({"email": "b@example.org", "countries": ["GB"]}), NOW
    )
    c = save_subscription(
        ops, subscription_from({"email": "c@example.org", "cadence": "weekly"}), NOW
    )
    daily = match(market, "daily")
    assert set(daily) == {a, b} and len(daily[a]) == 3 and len(daily[b]) == 1
    assert {p.source_id for p in match(market, "weekly")[c]} >= {"old"}


def test_a_broad_alert_gets_its_best_25_and_counts_over_all_40(db) -> None:
    now = datetime.now(UTC)
    order = add_forty(db, now)
    sub_id = save_subscription(ops_of(db), subscription_from({"email": "all@example.org"}), now)
    matches = match(db, "daily")[sub_id]
    assert (matches.total, matches.remote, matches.above_median, len(matches)) == (40, 8, 10, 25)
    sub = next(s for s in active_subscriptions(ops_of(db), "daily") if s.id == sub_id)
    digest = compose_digest(sub, matches, MarketSummary(1, 40), load_benchmarks(), "daily", now)
    assert [i.posting.source_id for i in digest.items] == order[:25]
    assert order[:4] == ["p01", "p03", "p02", "p05"] and order[9:11] == ["p13", "p14"]
    assert digest.more == 15
    # Over the 25 shown it would be 5 remote and 9 above the median: the subject counts all 40.
    subject = "40 new Clinical Operations roles, 8 remote, 10 above the guide's median"
    assert digest.subject == subject


def test_the_best_25_are_those_composing_every_match_would_show(db) -> None:
    now = datetime.now(UTC)
    add_forty(db, now)
    sub_id = save_subscription(
        ops_of(db), subscription_from({"email": "m@example.org", "levels": ["manager"]}), now
    )
    sub = next(s for s in active_subscriptions(ops_of(db), "daily") if s.id == sub_id)
    every = list(match(db, "daily", limit=FORTY)[sub_id])
    best = match(db, "daily")[sub_id]
    bm, market = load_benchmarks(), MarketSummary(1, 40)
    whole = compose_digest(sub, every, market, bm, "daily", now)
    assert len(every) == 40 and [p.source_id for p in best] == [
        i.posting.source_id for i in whole.items
    ]
    assert compose_digest(sub, best, market, bm, "daily", now) == whole
