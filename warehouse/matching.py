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

# One query for every active subscription of a cadence. Filters that need text work (keywords,
# places, companies) are evaluated once per distinct term and posting in `hits`, not once per
# (subscription, posting) pair; the pair join then only compares small lists.
MATCH_SQL = """
WITH last_sent AS (
    SELECT subscription_id, max(created_at) AS at FROM deliveries GROUP BY 1
), subs AS (
    SELECT s.id, s.levels, s.workplaces, s.families, s.countries,
        s.min_salary_usd, s.include_no_salary,
        list_transform(s.keywords, lambda k: 'k:' || lower(k)) AS keyword_terms,
        list_transform(s.locations, lambda k: 'l:' || lower(k)) AS location_terms,
        list_transform(s.companies, lambda k: 'c:' || lower(k)) AS company_terms,
        list_transform(coalesce(s.exclude_companies, []), lambda k: 'c:' || lower(k))
            AS excluded_terms,
        coalesce(l.at, s.created_at) - to_days(CAST(? AS INTEGER)) AS since
    FROM subscriptions s LEFT JOIN last_sent l ON l.subscription_id = s.id
    WHERE s.active AND s.cadence = ?
), fresh AS (
    SELECT p.*,
        list_distinct(list_filter(
            list_prepend(p.country, list_transform(coalesce(p.locations, []),
                lambda x: x.country)),
            lambda c: c IS NOT NULL)) AS countries_all
    FROM postings p
    WHERE p.relevant AND p.closed_at IS NULL
      AND p.first_seen >= (SELECT min(since) FROM subs)
), terms AS (
    SELECT DISTINCT unnest(keyword_terms) AS term FROM subs
    UNION SELECT DISTINCT unnest(location_terms) FROM subs
    UNION SELECT DISTINCT unnest(company_terms) FROM subs
    UNION SELECT DISTINCT unnest(excluded_terms) FROM subs
), hits AS (
    SELECT p.source, p.source_id, list(t.term) AS terms
    FROM fresh p JOIN terms t ON CASE substr(t.term, 1, 2)
        WHEN 'k:' THEN regexp_matches(lower(p.title),
            '\\b' || regexp_escape(substr(t.term, 3)) || '\\b')
        WHEN 'l:' THEN substr(t.term, 3) = lower(coalesce(p.hub, ''))
            OR upper(substr(t.term, 3)) = coalesce(p.country, '')
            OR (substr(t.term, 3) = 'remote' AND p.workplace = 'remote')
            OR (length(t.term) > 4
                AND contains(lower(coalesce(p.location_text, '')), substr(t.term, 3)))
        ELSE contains(lower(coalesce(p.company, '')), substr(t.term, 3))
    END
    GROUP BY ALL
)
SELECT s.id, {fields}
FROM subs s
JOIN fresh p ON p.first_seen >= s.since
LEFT JOIN hits h ON h.source = p.source AND h.source_id = p.source_id
WHERE (len(s.levels) = 0 OR list_contains(s.levels, p.level))
  AND (len(s.workplaces) = 0 OR list_contains(s.workplaces, p.workplace))
  AND (len(s.families) = 0 OR list_contains(s.families, p.family))
  AND (len(s.countries) = 0 OR list_has_any(s.countries, p.countries_all))
  AND (p.salary_usd_annual_max IS NOT NULL OR s.include_no_salary)
  AND (s.min_salary_usd IS NULL OR p.salary_usd_annual_max IS NULL
       OR p.salary_usd_annual_max >= s.min_salary_usd)
  AND (len(s.keyword_terms) = 0 OR list_has_any(s.keyword_terms, h.terms))
  AND (len(s.location_terms) = 0 OR list_has_any(s.location_terms, h.terms))
  AND (len(s.company_terms) = 0 OR list_has_any(s.company_terms, h.terms))
  AND (len(s.excluded_terms) = 0 OR h.terms IS NULL
       OR NOT list_has_any(s.excluded_terms, h.terms))
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
    try:
        cursor.execute(sql, [WINDOW_DAYS[cadence], cadence])
        matches: dict[int, list[MatchedPosting]] = defaultdict(list)
        while batch := cursor.fetchmany(10_000):
            for row in batch:
                matches[int(row[0])].append(
                    MatchedPosting(**dict(zip(MATCHED_FIELDS, row[1:], strict=True)))
                )
    finally:
        cursor.close()
    return dict(matches)


def market_summary(
    con: duckdb.DuckDBPyConnection, window_days: int, now: datetime
) -> MarketSummary:
    """The relevant postings first seen in the window: counts, pay, remote share, skills."""
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
        f"SELECT company, count(*) {base} AND company IS NOT NULL"
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
        median_usd_by_level={str(k): float(v) for k, v in medians},
        top_companies=[(str(k), int(v)) for k, v in companies],
        top_skills=top_skills(con, since),
    )


def top_skills(
    con: duckdb.DuckDBPyConnection, since: datetime, limit: int = 6
) -> list[tuple[str, int]]:
    """The guide's skills most often named in descriptions of relevant postings since `since`.

    The skills and their patterns come from the `skills` table, the one list the
    `skills_demand` view also counts, so the digest and the view always agree.
    """
    rows = con.execute(
        "SELECT s.skill, count(*) FROM skills s"
        " JOIN postings p ON p.relevant AND p.first_seen >= ?"
        "  AND regexp_matches(coalesce(p.description, ''), s.pattern)"
        " GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ?",
        [since, limit],
    ).fetchall()
    return [(str(k), int(v)) for k, v in rows]
