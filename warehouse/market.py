"""The market in SQL: what is new in a digest's window, and the 90-day posted pay each posting
is placed in (the `market_benchmarks` view's figures, in the digest's hands)."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

import duckdb

from core.benchmarks import Benchmarks, load_benchmarks
from core.models import MIN_MEDIAN_COUNT, MarketPay, MarketSummary, PayStat

MARKET_DAYS = 90


def new_at_sql(alias: str = "p") -> str:
    """SQL for the moment a posting became new: the end of its posted day (UTC) when the board
    gives a date no later than a day after we first saw it, else when we first saw it.

    A window starting at `since` holds the posting when this is `>= since`: a posting dated
    3 Nov is new in any window that starts on or before 3 Nov, whatever the hour.
    """
    p = f"{alias}." if alias else ""
    posted_day = f"CAST(timezone('UTC', {p}posted_at) AS DATE)"
    end_of_day = (
        f"timezone('UTC', CAST({posted_day} AS TIMESTAMP))"
        " + INTERVAL 1 DAY - INTERVAL 1 MICROSECOND"
    )
    return (
        f"(CASE WHEN {p}posted_at IS NULL OR {p}posted_at > {p}first_seen + INTERVAL 1 DAY"
        f" THEN {p}first_seen ELSE {end_of_day} END)"
    )


# Relevant postings listed in the `?` days before `?` with a pay in a stated currency, one per
# listing (cross-board duplicates share a fingerprint), midpoint of the annual pay as posted.
# The migration 007 view `market_benchmarks` aggregates the same rows with now().
MARKET_PAY_SQL = """
WITH listed AS (
    SELECT family, coalesce(level, '') AS level, upper(country) AS country, hub,
        upper(salary_currency) AS currency,
        (coalesce(salary_annual_min, salary_annual_max)
            + coalesce(salary_annual_max, salary_annual_min)) / 2 AS pay
    FROM postings
    WHERE relevant AND family IS NOT NULL AND country IS NOT NULL
      AND salary_currency IS NOT NULL
      AND coalesce(salary_annual_min, salary_annual_max) > 0
      AND last_seen >= CAST(? AS TIMESTAMPTZ) - to_days(CAST(? AS INTEGER))
    QUALIFY row_number() OVER (
        PARTITION BY coalesce(fingerprint, source || '/' || source_id), coalesce(level, '')
        ORDER BY last_seen DESC, source, source_id) = 1
)
SELECT family, level, country, currency, list_sort(list(pay)) FROM listed GROUP BY ALL
UNION ALL
SELECT family, level, 'hub:' || hub, currency, list_sort(list(pay))
FROM listed WHERE hub IS NOT NULL GROUP BY ALL
"""


def market_pay(con: duckdb.DuckDBPyConnection, now: datetime, days: int = MARKET_DAYS) -> MarketPay:
    """Posted annual pay per (family, level, country or hub, currency) over the last `days`."""
    rows = con.execute(MARKET_PAY_SQL, [now, days]).fetchall()
    groups = {
        (str(f), str(lv), str(place), str(cur)): tuple(float(v) for v in values)
        for f, lv, place, cur, values in rows
    }
    return MarketPay(window_days=days, groups=groups)


# The relevant postings new in the window (see new_at_sql).
_NEW = f"FROM postings p WHERE p.relevant AND {new_at_sql('p')} >= ?"
# A posting's annual pay as posted: the middle of its range (one end stands for both).
_PAY_MID = (
    "(coalesce(p.salary_annual_min, p.salary_annual_max)"
    " + coalesce(p.salary_annual_max, p.salary_annual_min)) / 2"
)


def market_summary(
    con: duckdb.DuckDBPyConnection,
    window_days: int,
    now: datetime,
    benchmarks: Benchmarks | None = None,
) -> MarketSummary:
    """The relevant postings new in the window: counts, pay by guide figure and country,
    remote share, companies and skills; with the 90-day market pay."""
    since = now - timedelta(days=window_days)
    bm = benchmarks or load_benchmarks()
    total_row = con.execute(
        "SELECT count(*), avg(CASE WHEN workplace = 'remote' THEN 1.0 ELSE 0.0 END),"
        f" avg(CASE WHEN salary_usd_annual_min IS NOT NULL THEN 1.0 ELSE 0.0 END) {_NEW}",
        [since],
    ).fetchone()
    listed = con.execute(
        "SELECT count(*) FROM postings WHERE relevant AND first_seen >= ?", [since]
    ).fetchone()
    assert total_row is not None and listed is not None
    by_level = con.execute(
        f"SELECT coalesce(level, 'unspecified'), count(*) {_NEW} GROUP BY 1 ORDER BY 2 DESC",
        [since],
    ).fetchall()
    by_hub = con.execute(
        f"SELECT hub, count(*) {_NEW} AND hub IS NOT NULL GROUP BY 1 ORDER BY 2 DESC", [since]
    ).fetchall()
    companies = con.execute(
        f"SELECT company, count(*) {_NEW} AND company IS NOT NULL"
        " GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5",
        [since],
    ).fetchall()
    return MarketSummary(
        window_days=window_days,
        total_new=int(total_row[0]),
        by_level={str(k): int(v) for k, v in by_level},
        by_hub={str(k): int(v) for k, v in by_hub},
        remote_share=float(total_row[1]) if total_row[1] is not None else None,
        salary_transparency=float(total_row[2]) if total_row[2] is not None else None,
        pay=pay_stats(con, since, bm),
        pay_90=market_pay_stats(con, now, bm),
        top_companies=[(str(k), int(v)) for k, v in companies],
        top_skills=top_skills(con, since),
        market_pay=market_pay(con, now),
        total_listed=int(listed[0]),
    )


def pay_stats(
    con: duckdb.DuckDBPyConnection, since: datetime, benchmarks: Benchmarks
) -> tuple[PayStat, ...]:
    """Median annual pay of the new postings per guide figure, country and posted currency,
    for the roles the mapping compares with a guide figure; no median under MIN_MEDIAN_COUNT."""
    rows = con.execute(
        "SELECT family, level, title, upper(country), upper(salary_currency),"
        f" list({_PAY_MID}) {_NEW} AND p.country IS NOT NULL AND p.salary_currency IS NOT NULL"
        f" AND {_PAY_MID} > 0 GROUP BY ALL",
        [since],
    ).fetchall()
    return _grouped(rows, benchmarks)


# The relevant postings listed in the `?` days before `?`, once per listing, with their role
# and annual pay: the rows of market_benchmarks, for the guide's figures.
LISTED_PAY_SQL = """
WITH listed AS (
    SELECT family, level, title, upper(country) AS country, upper(salary_currency) AS currency,
        (coalesce(salary_annual_min, salary_annual_max)
            + coalesce(salary_annual_max, salary_annual_min)) / 2 AS pay
    FROM postings
    WHERE relevant AND country IS NOT NULL AND salary_currency IS NOT NULL
      AND coalesce(salary_annual_min, salary_annual_max) > 0
      AND last_seen >= CAST(? AS TIMESTAMPTZ) - to_days(CAST(? AS INTEGER))
    QUALIFY row_number() OVER (
        PARTITION BY coalesce(fingerprint, source || '/' || source_id), coalesce(level, '')
        ORDER BY last_seen DESC, source, source_id) = 1
)
SELECT family, level, title, country, currency, list(pay) FROM listed GROUP BY ALL
"""


def market_pay_stats(
    con: duckdb.DuckDBPyConnection, now: datetime, benchmarks: Benchmarks, days: int = MARKET_DAYS
) -> tuple[PayStat, ...]:
    """Median annual pay per guide figure, country and currency of the postings listed in the
    last `days` (the weekly chart's posted pay)."""
    return _grouped(con.execute(LISTED_PAY_SQL, [now, days]).fetchall(), benchmarks)


def _grouped(rows: list[tuple[Any, ...]], benchmarks: Benchmarks) -> tuple[PayStat, ...]:
    """Rows of (family, level, title, country, currency, [annual pay midpoints]), one per
    distinct role and place: the mapping is applied once per row."""
    groups: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    for family, level, title, country, currency, pays in rows:
        figure = benchmarks.mapping.rule(family, level, title).figure
        if figure != "none":
            groups[(figure, country, currency)].extend(float(v) for v in pays)
    return tuple(
        PayStat(figure, country, currency, len(values), _median(values))
        for (figure, country, currency), values in sorted(groups.items())
    )


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if len(values) >= MIN_MEDIAN_COUNT else None


def top_skills(
    con: duckdb.DuckDBPyConnection, since: datetime, limit: int = 6
) -> list[tuple[str, int]]:
    """The guide's skills most often named in descriptions of relevant postings new since
    `since`.

    The skills and their patterns come from the `skills` table, the one list the
    `skills_demand` view also counts, so the digest and the view always agree.
    """
    rows = con.execute(
        "SELECT s.skill, count(*) FROM skills s"  # noqa: S608 (fixed SQL)
        f" JOIN postings p ON p.relevant AND {new_at_sql('p')} >= ?"
        "  AND regexp_matches(coalesce(p.description, ''), s.pattern)"
        " GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ?",
        [since, limit],
    ).fetchall()
    return [(str(k), int(v)) for k, v in rows]
