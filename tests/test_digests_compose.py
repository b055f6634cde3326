"""Composing a digest: order, comparisons, subject wording and market lines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from core.benchmarks import Benchmarks, load_benchmarks
from core.models import MarketPay, MarketSummary, MatchedPosting, Matches, PayStat, Subscription
from digests.compose import (
    Digest,
    compose_digest,
    money,
    salary_as_posted,
    salary_usd_annual,
    weekly_section,
)
from digests.render import render_digest

NOW = datetime(2026, 11, 10, 7, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def bm() -> Benchmarks:
    return load_benchmarks()


def posting(n: int, **fields: Any) -> MatchedPosting:
    base = MatchedPosting(
        source="greenhouse:acme",
        source_id=str(n),
        url=f"https://boards.example/jobs/{n}",
        title=f"Clinical Operations Manager {n}",
        company="Acme Bio",
        location_text="Boston, MA",
        city="Boston",
        country="US",
        hub="Boston",
        workplace="onsite",
        family="clinical_operations",
        posted_at=NOW - timedelta(days=n),
    )
    return replace(base, **fields)


def usd_year(low: float, high: float) -> dict[str, Any]:
    return {
        "salary_min": low,
        "salary_max": high,
        "salary_currency": "USD",
        "salary_period": "year",
        "salary_usd_annual_min": low,
        "salary_usd_annual_max": high,
    }


def market(**fields: Any) -> MarketSummary:
    return MarketSummary(window_days=1, total_new=0, **fields)


def compose(
    bm: Benchmarks, postings: Sequence[MatchedPosting], cadence: str = "daily", **sub: Any
) -> Digest:
    subscription = Subscription(email="reader@example.org", cadence=cadence, **sub)  # type: ignore[arg-type]
    return compose_digest(subscription, postings, market(), bm, cadence, NOW)


def test_items_carry_their_comparison(bm: Benchmarks) -> None:
    digest = compose(bm, [posting(1, level="senior", **usd_year(150_000, 164_000))])
    item = digest.items[0]
    assert item.comparison is not None
    assert item.phrase == "+12% vs the guide's Senior Clinical Operations Manager median, US, $140k"
    assert item.salary_posted == "$150k–$164k a year"
    assert item.salary_usd is None  # already shown as posted
    assert item.level_label == "Senior"
    assert item.workplace == "On-site"


def test_items_outside_the_us_carry_region_and_level(bm: Benchmarks) -> None:
    munich = posting(
        1, level="senior", location_text="Munich, Germany", city="Munich", country="DE", hub=None
    )
    berlin = replace(munich, source_id="2", level=None)
    digest = compose(
        bm,
        [
            replace(munich, **usd_year(100_000, 120_000)),
            replace(berlin, **usd_year(100_000, 120_000)),
        ],
    )
    phrases = [item.phrase for item in digest.items]
    region = "the guide's range for Clinical Operations Managers in Western Europe"
    assert phrases == [f"within {region}, €70k–€120k ($75k–$130k)"] * 2
    assert digest.subject == "2 new Clinical Operations roles"


def test_no_salary_no_comparison(bm: Benchmarks) -> None:
    item = compose(bm, [posting(1)]).items[0]
    assert (item.comparison, item.phrase, item.salary_posted, item.salary_usd) == (
        None,
        None,
        None,
        None,
    )


def test_order_level_match_then_salary_then_recency(bm: Benchmarks) -> None:
    postings = [
        posting(1, title="newest, other level, no pay", level="director"),
        posting(2, title="other level, pay", level="director", **usd_year(150_000, 170_000)),
        posting(3, title="match, no pay", level="senior"),
        posting(4, title="match, pay, older", level="senior", **usd_year(140_000, 150_000)),
        posting(5, title="no level, pay, oldest", **usd_year(100_000, 120_000)),
        posting(2, title="match, pay, newer", level="senior", **usd_year(140_000, 150_000)),
    ]
    digest = compose(bm, postings, levels=("senior",))
    assert [i.posting.title for i in digest.items] == [
        "match, pay, newer",
        "match, pay, older",
        "match, no pay",
        "other level, pay",
        "no level, pay, oldest",
        "newest, other level, no pay",
    ]


def test_order_handles_missing_and_naive_dates(bm: Benchmarks) -> None:
    postings = [
        posting(1, title="no date", posted_at=None),
        posting(2, title="naive", posted_at=datetime(2026, 11, 9, 12)),
        posting(3, title="first seen only", posted_at=None, first_seen=NOW),
    ]
    titles = [i.posting.title for i in compose(bm, postings).items]
    assert titles == ["first seen only", "naive", "no date"]


@pytest.mark.parametrize(
    ("specs", "subject"),
    [
        (
            [("remote", 150_000), ("remote", 160_000), ("remote", None), ("onsite", 90_000)]
            + [("hybrid", None)] * 3,
            "7 new Clinical Operations roles, 3 remote, 2 above the guide's median",
        ),
        (
            [("remote", 150_000)],
            "1 new Clinical Operations role, 1 remote, 1 above the guide's median",
        ),
        ([("onsite", 90_000), ("hybrid", None)], "2 new Clinical Operations roles"),
    ],
)
def test_subject_wording(bm: Benchmarks, specs: list, subject: str) -> None:
    postings = []
    for n, (workplace, pay) in enumerate(specs):
        extra = usd_year(pay, pay) if pay else {}
        postings.append(posting(n, workplace=workplace, level="manager", **extra))
    assert compose(bm, postings).subject == subject


def test_matches_give_the_subject_and_more_their_counts_over_every_match(bm: Benchmarks) -> None:
    best = (
        posting(2, workplace="remote", level="manager", **usd_year(150_000, 150_000)),
        posting(1, level="manager"),
    )
    matches = Matches(best, total=40, remote=8, above_median=10)
    digest = compose(bm, matches)
    assert [i.posting.source_id for i in digest.items] == ["2", "1"]
    assert digest.more == 38
    subject = "40 new Clinical Operations roles, 8 remote, 10 above the guide's median"
    assert digest.subject == subject


def test_subject_when_nothing_new(bm: Benchmarks) -> None:
    assert compose(bm, []).subject == "No new Clinical Operations roles today: your market summary"
    weekly = compose(bm, [], cadence="weekly")
    assert weekly.subject == "No new Clinical Operations roles this week: your market summary"


def test_unknown_cadence_rejected(bm: Benchmarks) -> None:
    with pytest.raises(ValueError, match="cadence"):
        compose(bm, [], cadence="hourly")


def test_market_lines_give_counts_and_never_pool_countries(bm: Benchmarks) -> None:
    summary = MarketSummary(
        window_days=7,
        total_new=12,
        total_listed=30,
        remote_share=0.4166,
        salary_transparency=0.58,
        pay=(
            PayStat("senior", "US", "USD", 14, 151_000),
            PayStat("manager", "US", "USD", 4, 118_400),
            PayStat("vp", "US", "USD", 1, None),
            PayStat("manager", "DE", "EUR", 3, 85_000),
            PayStat("manager", "GB", "GBP", 2, None),
            PayStat("senior", "CA", "CAD", 1, None),
        ),
    )
    sub = Subscription(email="reader@example.org")
    digest = compose_digest(sub, [], summary, bm, "daily", NOW)
    assert digest.market_lines == (
        "12 new roles posted this week.",
        "18 more first listed this week but posted earlier.",
        "Remote: 42% of new roles.",
        "Pay stated: 58% of new roles.",
        "Manager, the US: median posted $118k (n = 4),"
        " +8% vs the guide's Clinical Operations Manager median, US, $110k.",
        "Senior, the US: median posted $151k (n = 14),"
        " +8% vs the guide's Senior Clinical Operations Manager median, US, $140k.",
        "VP, the US: too few to say (n = 1).",
        "Manager, Germany: median posted €85k (n = 3).",
        "Elsewhere: too few to say for 3 more postings (fewer than 3 of a level in a country).",
    )
    assert digest.weekly is None


def test_market_lines_singular_and_unknown_shares(bm: Benchmarks) -> None:
    summary = MarketSummary(window_days=1, total_new=1, total_listed=1)
    digest = compose_digest(Subscription(email="r@example.org"), [], summary, bm, "daily", NOW)
    assert digest.market_lines == ("1 new role posted in the last day.",)


def test_weekly_chart_of_posted_pay_against_the_guide_per_level_with_n(bm: Benchmarks) -> None:
    summary = MarketSummary(
        window_days=7,
        total_new=20,
        pay_90=(
            PayStat("senior", "US", "USD", 14, 151_000),
            PayStat("director", "US", "USD", 2, None),
            PayStat("national", "US", "USD", 3, 120_000),
            PayStat("manager", "DE", "EUR", 5, 85_000),
        ),
    )
    weekly = weekly_section(summary, bm)
    rows = [(r.label, r.count, r.posted, r.guide, r.delta) for r in weekly.pay]
    assert rows == [
        ("Senior", 14, "$151k", "$140k", "+8%"),
        ("Director", 2, None, "$180k", None),
        ("Level not stated", 3, "$120k", "$110,680", "+8%"),
    ]
    percents = [(r.posted_percent, r.guide_percent) for r in weekly.pay]
    assert percents == [(84, 78), (0, 100), (67, 61)]


def test_weekly_section(bm: Benchmarks) -> None:
    summary = MarketSummary(
        window_days=7,
        total_new=9,
        by_level={"manager": 5, "senior": 2, "unknown": 2},
        by_hub={"San Diego": 1, "Boston": 4, "Raleigh-Durham": 1},
        top_companies=[("Acme", 4), ("Beta", 2), ("C", 1), ("D", 1), ("E", 1), ("F", 1)],
    )
    sub = Subscription(email="reader@example.org", cadence="weekly")
    weekly = compose_digest(sub, [], summary, bm, "weekly", NOW).weekly
    assert weekly is not None
    bars = [(b.label, b.count, b.percent) for b in weekly.by_level]
    assert bars == [
        ("Assistant/entry", 0, 0),
        ("Manager", 5, 100),
        ("Senior", 2, 40),
        ("Director", 0, 0),
        ("VP", 0, 0),
        ("Level not stated", 2, 40),
    ]
    assert weekly.by_hub == (("Boston", 4), ("Raleigh-Durham", 1), ("San Diego", 1))
    assert len(weekly.top_companies) == 5


def test_digest_cites_the_guide(bm: Benchmarks) -> None:
    digest = compose(bm, [])
    assert "Complete Clinical Operations Manager Career Guide" in digest.citation
    assert digest.recipient == "reader@example.org"
    assert digest.generated_at == NOW


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        (120_000, "USD", "$120k"),
        (72_500, "EUR", "€72.5k"),
        (110_680, "USD", "$110,680"),
        (55, "USD", "$55"),
        (55.5, "USD", "$55.50"),
        (9_500, "CHF", "CHF 9,500"),
        (90_000, "CAD", "CA$90k"),
        (100, None, "100"),
    ],
)
def test_money(amount: float, currency: str | None, text: str) -> None:
    assert money(amount, currency) == text


def test_salary_texts() -> None:
    hourly = posting(
        1,
        salary_min=55,
        salary_max=65,
        salary_currency="USD",
        salary_period="hour",
        salary_usd_annual_min=114_400,
        salary_usd_annual_max=135_200,
    )
    assert salary_as_posted(hourly) == "$55–$65 an hour"
    assert salary_usd_annual(hourly) == "$114k–$135k a year: hourly × 2,080"
    euro = posting(
        2,
        salary_min=70_000,
        salary_max=70_000,
        salary_currency="EUR",
        salary_period="year",
        salary_usd_annual_min=76_000,
        salary_usd_annual_max=76_000,
    )
    assert salary_as_posted(euro) == "€70k a year"
    assert salary_usd_annual(euro) == "$76k a year in USD"

    monthly = posting(
        3,
        salary_min=5_000,
        salary_max=6_000,
        salary_currency="EUR",
        salary_period="month",
        salary_usd_annual_min=65_000,
        salary_usd_annual_max=78_000,
    )
    assert salary_as_posted(monthly) == "€5,000–€6,000 a month"
    assert salary_usd_annual(monthly) == "€60k–€72k a year: monthly × 12; $65k–$78k in USD"


def test_hourly_us_pay_is_compared_annualised(bm: Benchmarks) -> None:
    hourly = posting(
        1,
        level="manager",
        salary_min=55,
        salary_max=65,
        salary_currency="USD",
        salary_period="hour",
        salary_usd_annual_min=114_400,
        salary_usd_annual_max=135_200,
    )
    item = compose(bm, [hourly]).items[0]
    assert item.salary_usd == "$114k–$135k a year: hourly × 2,080"
    assert item.phrase == "+13% vs the guide's Clinical Operations Manager median, US, $110k"


def test_monthly_pay_in_a_guide_region_is_placed_in_the_local_range(bm: Benchmarks) -> None:
    munich = posting(
        1,
        level="manager",
        country="DE",
        hub=None,
        salary_min=5_000,
        salary_max=6_000,
        salary_currency="EUR",
        salary_period="month",
        salary_usd_annual_min=65_000,
        salary_usd_annual_max=78_000,
    )
    item = compose(bm, [munich]).items[0]
    # €66k a year (monthly × 12) is below €70k-€120k, compared in euros, not in USD.
    assert item.comparison is not None and item.comparison.position == "below"
    assert item.phrase is not None and "€70k–€120k ($75k–$130k)" in item.phrase


def test_entry_roles_say_so_instead_of_assistant(bm: Benchmarks) -> None:
    cra = posting(
        1,
        title="Clinical Research Associate II",
        family="clinical_research_associate",
        level="assistant",
        **usd_year(95_000, 120_000),
    )
    junior_manager = posting(
        2, title="Associate Clinical Trial Manager", level="assistant", **usd_year(80_000, 90_000)
    )
    cra_item, manager_item = compose(bm, [cra, junior_manager]).items
    assert cra_item.level_label == "Entry role"
    assert cra_item.phrase == (
        "no comparison (the guide gives no figure for entry roles such as CRA/CTA)"
    )
    assert manager_item.level_label == "Assistant"
    assert manager_item.phrase == (
        "+6% vs the guide's Assistant Clinical Operations Manager median, US, $80k"
    )


def test_each_posting_gets_the_market_reference_with_its_count(bm: Benchmarks) -> None:
    key = ("clinical_trial_management", "senior", "US", "USD")
    values = tuple(sorted([120_000.0 + 2_000 * i for i in range(41)]))
    hub_values = (140_000.0, 150_000.0, 170_000.0)
    market_pay = MarketPay(
        90, {key: values, ("clinical_trial_management", "senior", "hub:Boston", "USD"): hub_values}
    )
    few = MarketPay(90, {key: values[:2]})
    ctm = posting(
        1,
        title="Senior Clinical Trial Manager",
        family="clinical_trial_management",
        level="senior",
        **usd_year(150_000, 164_000),
    )
    sub = Subscription(email="reader@example.org")
    market_summary = MarketSummary(window_days=1, total_new=1, market_pay=market_pay)
    item = compose_digest(sub, [ctm], market_summary, bm, "daily", NOW).items[0]
    assert item.market == (
        "46th percentile of 41 senior clinical trial management postings in the US;"
        " 67th of 3 in Boston (90 days)"
    )
    sparse = MarketSummary(window_days=1, total_new=1, market_pay=few)
    item = compose_digest(sub, [ctm], sparse, bm, "daily", NOW).items[0]
    assert item.market == (
        "too few to say (2 senior clinical trial management postings in the US, 90 days)"
    )


def test_dates_say_posted_or_first_seen(bm: Benchmarks) -> None:
    items = compose(bm, [posting(1), posting(2, posted_at=None, first_seen=NOW)]).items
    dated = {i.posting.source_id: i.dated for i in items}
    assert dated == {"1": "Posted", "2": "First seen"}


def test_a_role_posted_long_before_we_listed_it_says_so(bm: Benchmarks) -> None:
    old = posting(1, posted_at=NOW - timedelta(days=21), first_seen=NOW - timedelta(hours=2))
    fresh = posting(2, posted_at=NOW - timedelta(hours=20), first_seen=NOW - timedelta(hours=2))
    items = {i.posting.source_id: i for i in compose(bm, [old, fresh]).items}
    assert items["1"].listed_later == NOW - timedelta(hours=2)
    assert items["2"].listed_later is None
    text = render_digest(compose(bm, [old]), "https://x.example/u").text
    assert "Posted: 20 Oct 2026 (first listed by us 10 Nov 2026)" in text
