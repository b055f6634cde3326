"""Composing a digest: order, comparisons, subject wording and market lines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from core.benchmarks import Benchmarks, load_benchmarks
from core.models import MarketSummary, MatchedPosting, Matches, Subscription
from digests.compose import (
    Digest,
    compose_digest,
    money,
    salary_as_posted,
    salary_usd_annual,
)

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
    assert item.phrase == "+12% vs Senior median $140k"
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
    assert phrases == [
        "within the guide's Western Europe range $75k–$130k; -21% vs US Senior median $140k",
        "within the guide's Western Europe range $75k–$130k",
    ]
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


def test_market_lines(bm: Benchmarks) -> None:
    summary = MarketSummary(
        window_days=7,
        total_new=12,
        remote_share=0.4166,
        salary_transparency=0.58,
        median_usd_by_level={"manager": 118_400, "senior": 151_000, "vp": 0},
    )
    sub = Subscription(email="reader@example.org")
    digest = compose_digest(sub, [], summary, bm, "daily", NOW)
    assert digest.market_lines == (
        "12 new roles in the last 7 days.",
        "Remote: 42% of new roles.",
        "Pay stated: 58% of new roles.",
        "Manager: median posted $118k vs the guide's $110k (+8%).",
        "Senior: median posted $151k vs the guide's $140k (+8%).",
    )
    assert digest.weekly is None


def test_market_lines_singular_and_unknown_shares(bm: Benchmarks) -> None:
    summary = MarketSummary(window_days=1, total_new=1)
    digest = compose_digest(Subscription(email="r@example.org"), [], summary, bm, "daily", NOW)
    assert digest.market_lines == ("1 new role in the last 1 day.",)


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
        ("Assistant", 0, 0),
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
    assert salary_usd_annual(hourly) == "$114k–$135k a year in USD"
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
