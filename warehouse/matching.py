"""Matching subscriptions to postings, and the market summary, in SQL."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

import duckdb

from core.models import MarketSummary, MatchedPosting

WINDOW_DAYS = {"daily": 1, "weekly": 7}
MATCHED_FIELDS = (
    "source",
    "source_id",
    "url",
    "title",
    "company",
    "location_text",
    "city",
    "country",
    "hub",
    "workplace",
    "remote_scope",
    "level",
    "family",
    "salary_min",
    "salary_max",
    "salary_currency",
    "salary_period",
    "salary_usd_annual_min",
    "salary_usd_annual_max",
    "posted_at",
    "first_seen",
)

MATCH_SQL = """
WITH last_sent AS (
    SELECT subscription_id, max(created_at) AS at FROM deliveries GROUP BY 1
), subs AS (
    SELECT s.*, coalesce(l.at, s.created_at) - to_days(CAST(? AS INTEGER)) AS since
    FROM subscriptions s LEFT JOIN last_sent l ON l.subscription_id = s.id
    WHERE s.active AND s.cadence = ?
)
SELECT s.id, {fields}
FROM subs s
JOIN postings p ON p.relevant AND p.closed_at IS NULL AND p.first_seen >= s.since
WHERE (len(s.levels) = 0 OR list_contains(s.levels, p.level))
  AND (len(s.workplaces) = 0 OR list_contains(s.workplaces, p.workplace))
  AND (len(s.keywords) = 0 OR list_bool_or(list_transform(s.keywords, lambda k:
        regexp_matches(lower(p.title), '\\b' || regexp_escape(lower(k)) || '\\b'))))
  AND (len(s.locations) = 0 OR list_bool_or(list_transform(s.locations, lambda loc:
        lower(loc) = lower(coalesce(p.hub, ''))
        OR upper(loc) = coalesce(p.country, '')
        OR (lower(loc) = 'remote' AND p.workplace = 'remote')
        OR (length(loc) > 2 AND contains(lower(coalesce(p.location_text, '')), lower(loc))))))
  AND (p.salary_usd_annual_max IS NOT NULL OR s.include_no_salary)
  AND (s.min_salary_usd IS NULL OR p.salary_usd_annual_max IS NULL
       OR p.salary_usd_annual_max >= s.min_salary_usd)
  AND NOT EXISTS (
        SELECT 1 FROM delivery_items d
        WHERE d.subscription_id = s.id AND d.source = p.source AND d.source_id = p.source_id)
ORDER BY s.id, p.first_seen DESC, p.source, p.source_id
"""


def match_subscriptions(
    con: duckdb.DuckDBPyConnection, cadence: str
) -> dict[int, list[MatchedPosting]]:
    """New postings for every active subscription of a cadence, not yet sent to it."""
    sql = MATCH_SQL.format(fields=", ".join(f"p.{f}" for f in MATCHED_FIELDS))
    cursor = con.cursor()
    cursor.execute(sql, [WINDOW_DAYS[cadence], cadence])
    matches: dict[int, list[MatchedPosting]] = defaultdict(list)
    while batch := cursor.fetchmany(10_000):
        for row in batch:
            matches[int(row[0])].append(
                MatchedPosting(**dict(zip(MATCHED_FIELDS, row[1:], strict=True)))
            )
    return dict(matches)


def market_summary(
    con: duckdb.DuckDBPyConnection, window_days: int, now: datetime
) -> MarketSummary:
    """The relevant postings first seen in the window: counts, pay, remote share."""
    since = now - timedelta(days=window_days)
    base = "FROM postings WHERE relevant AND first_seen >= ?"
    total_row = con.execute(
        "SELECT count(*), avg(CASE WHEN workplace = 'remote' THEN 1.0 ELSE 0.0 END),"
        f" avg(CASE WHEN salary_usd_annual_min IS NOT NULL THEN 1.0 ELSE 0.0 END) {base}",
        [since],
    ).fetchone()
    assert total_row is not None
    by_level = con.execute(
        f"SELECT coalesce(level, 'unspecified'), count(*) {base} GROUP BY 1 ORDER BY 2 DESC",
        [since],
    ).fetchall()
    by_hub = con.execute(
        f"SELECT hub, count(*) {base} AND hub IS NOT NULL GROUP BY 1 ORDER BY 2 DESC", [since]
    ).fetchall()
    medians = con.execute(
        "SELECT level, median((salary_usd_annual_min + salary_usd_annual_max) / 2)"
        f" {base} AND level IS NOT NULL AND salary_usd_annual_min IS NOT NULL GROUP BY 1",
        [since],
    ).fetchall()
    companies = con.execute(
        f"SELECT company, count(*) {base} GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5", [since]
    ).fetchall()
    return MarketSummary(
        window_days=window_days,
        total_new=int(total_row[0]),
        by_level={str(k): int(v) for k, v in by_level},
        by_hub={str(k): int(v) for k, v in by_hub},
        remote_share=float(total_row[1]) if total_row[1] is not None else None,
        salary_transparency=float(total_row[2]) if total_row[2] is not None else None,
        median_usd_by_level={str(k): float(v) for k, v in medians},
        top_companies=[(str(k), int(v)) for k, v in companies],
    )
