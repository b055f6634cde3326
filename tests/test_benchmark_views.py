"""The market's own benchmarks and the guide comparison in SQL, on constructed postings: the
`market_benchmarks` view, the digests' 90-day market pay, `postings_vs_benchmark` on every
path (US, a guide region, elsewhere; mapped and entry roles; hourly and monthly pay)."""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb
import pytest

from core.benchmarks import PostedPay, compare_to_benchmark, load_benchmarks
from core.models import Location, Posting, Salary, Workplace
from warehouse.benchmarks import store_benchmarks
from warehouse.db import connect_writer
from warehouse.market import market_pay, market_summary
from warehouse.postings import upsert_postings

NOW = datetime.now(UTC)
CTM, OPS, CRA = "clinical_trial_management", "clinical_operations", "clinical_research_associate"


def salary(low: float, high: float, currency: str = "USD", period: str = "year", fx: float = 1.0):
    factor = {"hour": 2080, "month": 12, "year": 1}[period]
    annual = (low * factor, high * factor)
    return Salary(low, high, currency, period, *annual, annual[0] * fx, annual[1] * fx, "")  # type: ignore[arg-type]


def posting(
    n: int,
    title: str,
    family: str | None,
    level: str | None,
    country: str | None,
    pay: Salary | None,
    city: str = "",
    hub: str | None = None,
    source: str = "board",
    posted: datetime | None = None,
) -> Posting:
    return Posting(
        source=source,
        source_id=str(n),
        url=f"https://jobs.example/{n}",
        title=title,
        company=f"Company {n}",
        locations=[Location(city=city or f"City {n}", country=country, hub=hub)],
        workplace=Workplace("onsite"),
        salary=pay,
        salary_basis="board" if pay else "none",
        relevant=True,
        family=family,
        level=level,  # type: ignore[arg-type]
        posted_at=posted,
    )


SENIOR_CTM = "Senior Clinical Trial Manager"
RECENT: list[Posting] = [
    posting(1, SENIOR_CTM, CTM, "senior", "US", salary(140_000, 150_000), "Boston", "Boston"),
    posting(2, SENIOR_CTM, CTM, "senior", "US", salary(150_000, 160_000), "Cambridge", "Boston"),
    posting(3, SENIOR_CTM, CTM, "senior", "US", salary(160_000, 170_000), "Waltham", "Boston"),
    posting(4, SENIOR_CTM, CTM, "senior", "US", salary(170_000, 180_000), "Austin"),
    # The same job as posting 1 on another board: counted once.
    posting(1, SENIOR_CTM, CTM, "senior", "US", salary(140_000, 150_000), "Boston", "Boston",
            source="other-board"),
    posting(5, "Clinical Operations Manager", OPS, "manager", "DE",
            salary(5_000, 6_000, "EUR", "month", fx=1.08), "Munich"),
    posting(6, "Clinical Operations Manager", OPS, "manager", "DE",
            salary(80_000, 90_000, "EUR", fx=1.08), "Berlin"),
    posting(7, "Clinical Operations Manager", OPS, "manager", "GB",
            salary(60_000, 70_000, "GBP", fx=1.27), "London"),
    posting(8, "Clinical Research Associate", CRA, "assistant", "US",
            salary(40, 50, period="hour"), "Durham"),
    posting(9, "Clinical Operations Manager", OPS, "manager", "IN",
            salary(3_000_000, 3_500_000, "INR", fx=0.012), "Pune"),
    posting(10, "Clinical Operations Manager", OPS, "manager", None, salary(100_000, 120_000)),
    posting(11, "Director, Clinical Operations", OPS, "director", "CH",
            salary(180_000, 200_000, "CHF", fx=1.13), "Basel"),
    posting(12, "Associate Clinical Trial Manager", CTM, "assistant", "US",
            salary(85_000, 95_000), "Boston", "Boston"),
    posting(13, "Clinical Trial Associate", CTM, "assistant", "US", salary(60_000, 70_000)),
]  # fmt: skip
OLD = [posting(20, SENIOR_CTM, CTM, "senior", "US", salary(90_000, 95_000), "Denver")]


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect_writer(tmp_path_factory.mktemp("bench") / "w.duckdb")
    con.execute("SET TimeZone = 'UTC'")
    store_benchmarks(con, load_benchmarks())
    upsert_postings(con, OLD, None, NOW - timedelta(days=100))  # last seen 100 days ago
    upsert_postings(con, RECENT, None, NOW - timedelta(hours=1))
    yield con
    con.close()


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# ---------------------------------------------------------------- market_benchmarks


def test_market_benchmarks_by_family_level_country_with_n(wh: duckdb.DuckDBPyConnection) -> None:
    got = {
        (r["scope"], r["family"], r["level"], r["country"], r["hub"], r["currency"]): (
            r["postings"],
            r["pay_p25"],
            r["pay_median"],
            r["pay_p75"],
        )
        for r in rows(wh, "SELECT * FROM market_benchmarks")
    }
    # Four senior CTMs in the US (the duplicate counted once, the 100-day-old one left out).
    assert got[("country", CTM, "senior", "US", None, "USD")] == (4, 152_500, 160_000, 167_500)
    # Boston has three of them: a hub row.
    assert got[("hub", CTM, "senior", "US", "Boston", "USD")] == (3, 150_000, 155_000, 160_000)
    # Two in Germany: counted, but too few for a median; Britain's pounds are not pooled in.
    assert got[("country", OPS, "manager", "DE", None, "EUR")] == (2, None, None, None)
    assert got[("country", OPS, "manager", "GB", None, "GBP")] == (1, None, None, None)
    # Hourly pay annualised (x 2,080) in its group.
    assert got[("country", CRA, "assistant", "US", None, "USD")][0] == 1
    # No hub row under three postings, no row without a country.
    assert not any(k[0] == "hub" and k[4] != "Boston" for k in got)
    assert not any(k[3] is None for k in got)
    assert all(r["window_days"] == 90 for r in rows(wh, "SELECT * FROM market_benchmarks"))


def test_digest_market_pay_agrees_with_the_view(wh: duckdb.DuckDBPyConnection) -> None:
    market = market_pay(wh, NOW)
    view = rows(wh, "SELECT * FROM market_benchmarks")
    for r in view:
        place = r["country"] if r["scope"] == "country" else f"hub:{r['hub']}"
        values = market.groups[(r["family"], r["level"] or "", place, r["currency"])]
        assert len(values) == r["postings"]
        if r["pay_median"] is not None:
            assert statistics.median(values) == pytest.approx(r["pay_median"])
    assert market.groups[(CRA, "assistant", "US", "USD")] == (93_600.0,)
    assert market.groups[(OPS, "manager", "DE", "EUR")] == (66_000.0, 85_000.0)


def test_weekly_chart_pay_is_the_90_day_market_per_guide_level(
    wh: duckdb.DuckDBPyConnection,
) -> None:
    """Senior CTMs (one counted once, the 100-day-old one left out) against the Senior median;
    the Associate CTM against the Assistant one; entry roles and other countries' pay apart."""
    pay = {(s.figure, s.country, s.currency): s for s in market_summary(wh, 7, NOW).pay_90}
    senior = pay[("senior", "US", "USD")]
    assert (senior.count, senior.median) == (4, 160_000)
    assert pay[("assistant", "US", "USD")].count == 1  # posting 12, not the CRA nor posting 13
    assert pay[("manager", "DE", "EUR")].median is None  # two: too few to say
    assert ("manager", "US", "USD") not in pay


# ---------------------------------------------------------------- postings_vs_benchmark


def test_postings_vs_benchmark_on_every_path(wh: duckdb.DuckDBPyConnection) -> None:
    got = {
        r["source_id"]: (r["benchmark_basis"], r["benchmark_usd"], r["region_position"],
                         r["no_comparison_reason"])
        for r in rows(wh, "SELECT * FROM postings_vs_benchmark WHERE source = 'board'")
    }  # fmt: skip
    assert got["1"] == ("level", 140_000, None, None)
    # Monthly euros, annualised (x 12) and placed in the guide's euro range: €66k is below.
    assert got["5"] == ("region", None, "below", None)
    assert got["6"] == ("region", None, "within", None)
    # Pounds are not the range's currency: placed in USD ($82.5k within $75k-$130k).
    assert got["7"] == ("region", None, "within", None)
    assert got["8"] == ("none", None, None, "entry")  # a CRA, hourly
    assert got["9"] == ("none", None, None, "country")  # India: not a guide region
    assert got["10"] == ("none", None, None, "no_country")
    assert got["11"] == ("none", None, None, "level")  # a director in Western Europe
    assert got["12"] == ("level", 80_000, None, None)  # an associate manager: Assistant rung
    assert got["13"] == ("none", None, None, "entry")  # a trial associate: entry role
    words = dict(
        wh.execute("SELECT source_id, no_comparison FROM postings_vs_benchmark").fetchall()
    )
    assert words["8"] == "the guide gives no figure for entry roles such as CRA/CTA"
    columns = {r["column_name"] for r in rows(wh, "DESCRIBE postings_vs_benchmark")}
    assert {"family", "url", "city"} <= columns


def test_postings_vs_benchmark_agrees_with_the_digest_comparison(
    wh: duckdb.DuckDBPyConnection,
) -> None:
    bm = load_benchmarks()
    for row in rows(wh, "SELECT * FROM postings_vs_benchmark"):
        posted = PostedPay(
            row["family"], row["level"], row["title"], row["country"], row["salary_currency"],
            row["salary_annual_mid"], None, row["salary_usd_annual_min"],
            row["salary_usd_annual_max"],
        )  # fmt: skip
        c = compare_to_benchmark(bm, posted)
        assert c is not None
        assert (row["benchmark_basis"], row["no_comparison_reason"]) == (c.basis, c.reason)
        assert (row["region"], row["region_position"]) == (c.region, c.position)
        assert row["benchmark_usd"] == c.reference_usd


# ---------------------------------------------------------------- new means new


def test_market_summary_counts_roles_new_by_posted_date(tmp_path) -> None:
    con = connect_writer(tmp_path / "w.duckdb")
    store_benchmarks(con, load_benchmarks())
    now = datetime(2026, 11, 22, 7, tzinfo=UTC)
    fresh = [
        # Posted three weeks ago, first seen today: not new.
        posting(1, SENIOR_CTM, CTM, "senior", "US", None, posted=now - timedelta(days=21)),
        # Posted yesterday (a date without a time): new today.
        posting(2, SENIOR_CTM, CTM, "senior", "US", None, posted=now.replace(day=21, hour=0)),
        # No posted date: new by first seen.
        posting(3, SENIOR_CTM, CTM, "senior", "US", None),
        # A board date after we first saw it (a refresh): first seen decides.
        posting(4, SENIOR_CTM, CTM, "senior", "US", None, posted=now + timedelta(days=5)),
    ]  # fmt: skip
    upsert_postings(con, fresh, None, now - timedelta(hours=2))
    summary = market_summary(con, 1, now)
    assert (summary.total_new, summary.total_listed) == (3, 4)
    con.close()
