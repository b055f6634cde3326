"""Matching subscriptions to postings, and the market summary, in SQL."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from types import TracebackType
from typing import Any

import duckdb

from core.benchmarks import Benchmarks, PostedPay, compare_to_benchmark, load_benchmarks
from core.models import MAX_DIGEST_ITEMS, WINDOW_DAYS, Audience, MatchedPosting, Matches
from warehouse.market import market_summary, new_at_sql, top_skills

__all__ = ["WINDOW_DAYS", "market_summary", "match_subscriptions", "top_skills"]
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

# A batch of the run's subscriptions (a temp table brought in from the operational store),
# each with the time its window starts (`since`).
AUDIENCE_TABLE = "digest_audience"
DELIVERED_TABLE = "digest_delivered"
SUBS_SQL = """
WITH subs AS (
    SELECT s.id, s.levels, s.workplaces, s.families, s.countries,
        s.min_salary_usd, s.include_no_salary,
        list_transform(s.keywords, lambda k: 'k:' || lower(k)) AS keyword_terms,
        list_transform(s.locations, lambda k: 'l:' || lower(k)) AS location_terms,
        list_transform(s.companies, lambda k: 'c:' || lower(k)) AS company_terms,
        list_transform(s.exclude_companies, lambda k: 'c:' || lower(k)) AS excluded_terms,
        s.since
    FROM digest_audience s
)"""
AUDIENCE_COLUMNS = (
    "id BIGINT, levels VARCHAR[], workplaces VARCHAR[], families VARCHAR[],"
    " countries VARCHAR[], min_salary_usd DOUBLE, include_no_salary BOOLEAN,"
    " keywords VARCHAR[], locations VARCHAR[], companies VARCHAR[],"
    " exclude_companies VARCHAR[], since TIMESTAMPTZ"
)
# When a posting became new: its posted day when the board gives one, else first seen.
NEW_AT = new_at_sql("p")
# Postings new enough for at least one of those subscriptions (SQL of constants only).
FRESH_WHERE = f"p.relevant AND p.closed_at IS NULL AND {NEW_AT} >= (SELECT min(since) FROM subs)"  # noqa: S608

# The fresh postings with a pay to compare to the guide (compare_to_benchmark decides).
PAID_SQL = """{subs}
SELECT p.source, p.source_id, p.family, p.level, p.title, p.country, p.salary_currency,
    p.salary_annual_min, p.salary_annual_max, p.salary_usd_annual_min, p.salary_usd_annual_max
FROM postings p
WHERE {fresh}
  AND (p.salary_usd_annual_min IS NOT NULL OR p.salary_usd_annual_max IS NOT NULL)
"""
COMPARED_TABLE = "digest_compared_postings"

# The whole run as `subs` for FRESH_WHERE: one row, the earliest start of any of its windows.
RUN_SQL = "WITH subs AS (SELECT CAST(? AS TIMESTAMPTZ) AS since)"
# A candidate posting `p` is new to subscription `s`: it became new (NEW_AT, computed once per
# candidate) inside the subscription's window.
NEW_TO_SUB = "p.new_at >= s.since"

# Once per run: the fresh postings with what matching needs of them, each one's countries,
# whether its pay is above the guide's median it compares to, and its own rank as
# digests/compose.py orders postings (pay compared, newest; then first seen, source, id).
CANDIDATES_TABLE = "digest_candidates"
CANDIDATES_SQL = """CREATE OR REPLACE TEMP TABLE {candidates} AS
{subs}
SELECT {fields},
    list_distinct(list_filter(
        list_prepend(p.country, list_transform(coalesce(p.locations, []),
            lambda x: x.country)),
        lambda c: c IS NOT NULL)) AS countries_all,
    {new_at} AS new_at,
    coalesce(c.above_median, false) AS above_median,
    row_number() OVER (ORDER BY c.source IS NOT NULL DESC,
        coalesce(p.posted_at, p.first_seen) DESC NULLS LAST,
        p.first_seen DESC, p.source, p.source_id) AS posting_rank
FROM postings p
LEFT JOIN {compared} c ON c.source = p.source AND c.source_id = p.source_id
WHERE {fresh}
"""

# The text filters' terms (keywords, places, companies) of a batch's subscriptions.
TERMS_SQL = """terms AS (
    SELECT DISTINCT unnest(keyword_terms) AS term FROM subs
    UNION SELECT DISTINCT unnest(location_terms) FROM subs
    UNION SELECT DISTINCT unnest(company_terms) FROM subs
    UNION SELECT DISTINCT unnest(excluded_terms) FROM subs
)"""
# Text work is done once per distinct term and candidate over the whole run: each batch
# evaluates only the terms no earlier batch had (`digest_terms`), into `digest_hits`.
TERMS_TABLE = "digest_terms"
HITS_TABLE = "digest_hits"
NEW_TERMS_SQL = """INSERT INTO {terms_table}
{subs}, {terms}
SELECT term FROM terms t
WHERE term IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM {terms_table} seen WHERE seen.term = t.term)
RETURNING term
"""
HITS_SQL = """INSERT INTO {hits}
SELECT t.term, p.source, p.source_id
FROM {candidates} p JOIN (SELECT unnest(?::VARCHAR[]) AS term) t ON CASE substr(t.term, 1, 2)
    WHEN 'k:' THEN regexp_matches(lower(p.title),
        '\\b' || regexp_escape(substr(t.term, 3)) || '\\b')
    WHEN 'l:' THEN substr(t.term, 3) = lower(coalesce(p.hub, ''))
        OR upper(substr(t.term, 3)) = coalesce(p.country, '')
        OR (substr(t.term, 3) = 'remote' AND p.workplace = 'remote')
        OR (length(t.term) > 4
            AND contains(lower(coalesce(p.location_text, '')), substr(t.term, 3)))
    ELSE contains(lower(coalesce(p.company, '')), substr(t.term, 3))
END
"""

# One query per batch of subscriptions. The pair join only compares small lists: each
# candidate carries the batch's terms it hits. Each subscription's matches are ranked as
# digests/compose.py orders them: level match, then the posting's own rank. Only the best
# `?` of each come back, with the subscription's counts over all its matches; the pairs carry
# keys only, the shown rows get their fields at the end.
MATCH_SQL = """{subs}, {terms}, hits AS (
    SELECT h.source, h.source_id, list(h.term) AS terms
    FROM {hits} h WHERE h.term IN (SELECT term FROM terms)
    GROUP BY ALL
), candidates AS (
    SELECT p.*, h.terms
    FROM {candidates} p
    LEFT JOIN hits h ON h.source = p.source AND h.source_id = p.source_id
), pairs AS (
    SELECT s.id, p.source, p.source_id, p.posting_rank,
        p.workplace = 'remote' AS remote, p.above_median,
        coalesce(p.level <> '' AND list_contains(s.levels, p.level), false) AS level_match
    FROM subs s
    JOIN candidates p ON {new}
    WHERE (len(s.levels) = 0 OR list_contains(s.levels, p.level))
      AND (len(s.workplaces) = 0 OR list_contains(s.workplaces, p.workplace))
      AND (len(s.families) = 0 OR list_contains(s.families, p.family))
      AND (len(s.countries) = 0 OR list_has_any(s.countries, p.countries_all))
      AND (p.salary_usd_annual_max IS NOT NULL OR s.include_no_salary)
      AND (s.min_salary_usd IS NULL OR p.salary_usd_annual_max IS NULL
           OR p.salary_usd_annual_max >= s.min_salary_usd)
      AND (len(s.keyword_terms) = 0 OR list_has_any(s.keyword_terms, p.terms))
      AND (len(s.location_terms) = 0 OR list_has_any(s.location_terms, p.terms))
      AND (len(s.company_terms) = 0 OR list_has_any(s.company_terms, p.terms))
      AND (len(s.excluded_terms) = 0 OR p.terms IS NULL
           OR NOT list_has_any(s.excluded_terms, p.terms))
      AND NOT EXISTS (
            SELECT 1 FROM {delivered} d
            WHERE d.subscription_id = s.id AND d.source = p.source AND d.source_id = p.source_id)
), ranked AS (
    SELECT id, source, source_id,
        count(*) OVER per_sub AS total,
        count(CASE WHEN remote THEN 1 END) OVER per_sub AS remote,
        count(CASE WHEN above_median THEN 1 END) OVER per_sub AS above_median,
        row_number() OVER (PARTITION BY id ORDER BY level_match DESC, posting_rank) AS rank
    FROM pairs
    WINDOW per_sub AS (PARTITION BY id)
    QUALIFY rank <= ?
)
SELECT r.id, {fields}, r.total, r.remote, r.above_median
FROM ranked r JOIN {candidates} p ON p.source = r.source AND p.source_id = r.source_id
ORDER BY r.id, r.rank
"""
RUN_TABLES = (CANDIDATES_TABLE, COMPARED_TABLE, TERMS_TABLE, HITS_TABLE)
BATCH_TABLES = (AUDIENCE_TABLE, DELIVERED_TABLE)


def match_subscriptions(
    con: duckdb.DuckDBPyConnection,
    audience: Audience,
    benchmarks: Benchmarks | None = None,
    limit: int = MAX_DIGEST_ITEMS,
) -> dict[int, Matches]:
    """New postings for every subscription of the audience, not yet sent to it: the best
    `limit` of each (as its digest orders them) and counts over all of them.

    The audience comes in as temporary tables, so this works on a read-only connection.
    """
    if not audience.subscriptions:
        return {}
    earliest = min(since for _, since in audience.subscriptions)
    with Matcher(con, earliest, benchmarks, limit) as matcher:
        return matcher.match(audience)


class Matcher:
    """Matches one run's audience batch by batch, on one read connection.

    What does not depend on the subscriptions is done once, for the earliest window of the run
    (the fresh postings, their ranks and pay comparisons); each text term is evaluated once per
    run. Each batch brings its subscriptions and their delivered postings in as temporary
    tables, so memory follows the batch, not the audience.
    """

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        earliest: datetime,
        benchmarks: Benchmarks | None = None,
        limit: int = MAX_DIGEST_ITEMS,
    ) -> None:
        self.con = con
        self.earliest = earliest
        self.benchmarks = benchmarks or load_benchmarks()
        self.limit = limit
        self.cursor: duckdb.DuckDBPyConnection | None = None

    def __enter__(self) -> Matcher:
        self.cursor = self.con.cursor()
        try:
            self._prepare_run(self.earliest)
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Drop the run's temporary tables and close the cursor."""
        if self.cursor is None:
            return
        try:
            for table in (*RUN_TABLES, *BATCH_TABLES):
                self.cursor.execute(f"DROP TABLE IF EXISTS {table}")
        finally:
            self.cursor.close()
            self.cursor = None

    def match(self, audience: Audience) -> dict[int, Matches]:
        """The best `limit` new postings of each subscription of the batch, with counts."""
        if not audience.subscriptions:
            return {}
        cursor = self._cursor()
        earliest = min(since for _, since in audience.subscriptions)
        if earliest < self.earliest:  # a window older than the run's (re-activated meanwhile)
            self._prepare_run(earliest)
        _upload_audience(cursor, audience)
        self._add_new_terms(cursor)
        sql = MATCH_SQL.format(
            subs=SUBS_SQL,
            terms=TERMS_SQL,
            hits=HITS_TABLE,
            candidates=CANDIDATES_TABLE,
            new=NEW_TO_SUB,
            delivered=DELIVERED_TABLE,
            fields=", ".join(f"p.{f}" for f in MATCHED_FIELDS),
        )
        cursor.execute(sql, [self.limit])
        return _read_matches(cursor)

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        if self.cursor is None:
            raise RuntimeError("a Matcher is used inside its `with` block")
        return self.cursor

    def _prepare_run(self, earliest: datetime) -> None:
        """The run's fresh postings (for windows from `earliest`), with no terms evaluated."""
        cursor = self._cursor()
        self.earliest = earliest
        _upload_comparisons(cursor, self.benchmarks, earliest)
        cursor.execute(
            CANDIDATES_SQL.format(
                candidates=CANDIDATES_TABLE,
                subs=RUN_SQL,
                fields=", ".join(f"p.{f}" for f in MATCHED_FIELDS),
                compared=COMPARED_TABLE,
                fresh=FRESH_WHERE,
                new_at=NEW_AT,
            ),
            [earliest],
        )
        cursor.execute(f"CREATE OR REPLACE TEMP TABLE {TERMS_TABLE} (term VARCHAR)")
        cursor.execute(
            f"CREATE OR REPLACE TEMP TABLE {HITS_TABLE}"
            " (term VARCHAR, source VARCHAR, source_id VARCHAR)"
        )

    def _add_new_terms(self, cursor: duckdb.DuckDBPyConnection) -> None:
        """Evaluate the batch's terms that no earlier batch had against every candidate."""
        sql = NEW_TERMS_SQL.format(terms_table=TERMS_TABLE, subs=SUBS_SQL, terms=TERMS_SQL)
        new = [str(row[0]) for row in cursor.execute(sql).fetchall()]
        if new:
            cursor.execute(HITS_SQL.format(hits=HITS_TABLE, candidates=CANDIDATES_TABLE), [new])


def _upload_audience(cursor: duckdb.DuckDBPyConnection, audience: Audience) -> None:
    """The batch's subscriptions and their already-delivered postings, as temporary tables."""
    cursor.execute(f"CREATE OR REPLACE TEMP TABLE {AUDIENCE_TABLE} ({AUDIENCE_COLUMNS})")
    rows = [
        (int(s.id or 0), list(s.levels), list(s.workplaces), list(s.families),
         list(s.countries), s.min_salary_usd, s.include_no_salary, list(s.keywords),
         list(s.locations), list(s.companies), list(s.exclude_companies), since)
        for s, since in audience.subscriptions
    ]  # fmt: skip
    _append(cursor, AUDIENCE_TABLE, rows)
    cursor.execute(
        f"CREATE OR REPLACE TEMP TABLE {DELIVERED_TABLE}"
        " (subscription_id BIGINT, source VARCHAR, source_id VARCHAR)"
    )
    _append(cursor, DELIVERED_TABLE, audience.delivered)


def _append(cursor: duckdb.DuckDBPyConnection, table: str, rows: list[Any]) -> None:
    if rows:
        appender = cursor.appender(table)
        appender.append_rows(rows)
        appender.flush()


def _read_matches(cursor: duckdb.DuckDBPyConnection) -> dict[int, Matches]:
    """Rows of (subscription id, fields..., total, remote, above median), best first."""
    shown: dict[int, list[MatchedPosting]] = defaultdict(list)
    counts: dict[int, tuple[Any, ...]] = {}
    width = len(MATCHED_FIELDS)
    while batch := cursor.fetchmany(10_000):
        for row in batch:
            sub_id = int(row[0])
            fields = dict(zip(MATCHED_FIELDS, row[1 : width + 1], strict=True))
            shown[sub_id].append(MatchedPosting(**fields))
            counts[sub_id] = row[width + 1 :]
    return {
        sub_id: Matches(tuple(postings), *(int(n) for n in counts[sub_id]))
        for sub_id, postings in shown.items()
    }


def _upload_comparisons(
    cursor: duckdb.DuckDBPyConnection, benchmarks: Benchmarks, earliest: datetime
) -> None:
    """A temp table of the fresh postings whose pay compares to the guide, computed once per
    posting, with whether it is above the median it was compared to."""
    paid_sql = PAID_SQL.format(subs=RUN_SQL, fresh=FRESH_WHERE)
    rows = []
    for source, source_id, *fields in cursor.execute(paid_sql, [earliest]).fetchall():
        comparison = compare_to_benchmark(benchmarks, PostedPay(*fields))
        if comparison is not None:
            rows.append((source, source_id, comparison.above_median))
    cursor.execute(
        f"CREATE OR REPLACE TEMP TABLE {COMPARED_TABLE}"
        " (source VARCHAR, source_id VARCHAR, above_median BOOLEAN)"
    )
    _append(cursor, COMPARED_TABLE, rows)
