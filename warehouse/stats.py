"""The state of the warehouse in a few queries, for `jobalerts stats`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb

QUERIES: dict[str, str] = {
    "Postings by source": """
        SELECT source, count(*) AS postings, count(*) FILTER (WHERE relevant) AS relevant,
            count(*) FILTER (WHERE relevant AND closed_at IS NULL) AS open_relevant,
            round(100.0 * count(salary_usd_annual_min) FILTER (WHERE relevant)
                / nullif(count(*) FILTER (WHERE relevant), 0), 1) AS salary_pct
        FROM postings GROUP BY 1 ORDER BY 2 DESC""",
    "Open relevant postings by level": """
        SELECT coalesce(level, 'unspecified') AS level, count(*) AS postings,
            median((salary_usd_annual_min + salary_usd_annual_max) / 2) AS median_usd
        FROM current_postings GROUP BY 1 ORDER BY 2 DESC""",
    "Open relevant postings by workplace": """
        SELECT workplace, count(*) AS postings,
            count(*) FILTER (WHERE workplace_basis = 'board') AS stated_by_board
        FROM current_postings GROUP BY 1 ORDER BY 2 DESC""",
    "Salary coverage": """
        SELECT salary_basis AS basis, count(*) AS postings FROM current_postings
        GROUP BY 1 ORDER BY 2 DESC""",
    "Last runs (the latest 3 of each flow)": """
        SELECT flow, status, started_at, finished_at FROM runs
        QUALIFY row_number() OVER (PARTITION BY flow ORDER BY started_at DESC) <= 3
        ORDER BY flow, started_at DESC""",
    "Sources failing in their last run": """
        SELECT source, status, http_status, error, finished_at FROM source_health
        WHERE status <> 'ok' ORDER BY source""",
}

COVERAGE_SQL = """
SELECT
    count(*) AS postings,
    count(*) FILTER (WHERE relevant) AS relevant,
    count(salary_usd_annual_min) AS salary,
    count(level) FILTER (WHERE relevant) AS level,
    count(*) FILTER (WHERE workplace <> 'unknown') AS workplace,
    count(country) AS country,
    count(city) AS city,
    (SELECT count(*) FROM parse_errors) AS errors
FROM postings
"""


@dataclass(frozen=True)
class Section:
    """One titled table of the stats."""

    title: str
    columns: list[str]
    rows: list[tuple[Any, ...]]


def warehouse_stats(con: duckdb.DuckDBPyConnection) -> list[Section]:
    """Every section, in order."""
    sections = []
    for title, sql in QUERIES.items():
        cursor = con.execute(sql)
        columns = [d[0] for d in cursor.description or []]
        sections.append(Section(title, columns, cursor.fetchall()))
    return sections


def coverage(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """How many postings carry each parsed field, and how many parse errors are stored."""
    cursor = con.execute(COVERAGE_SQL)
    row = cursor.fetchone()
    names = [d[0] for d in cursor.description or []]
    return dict(zip(names, (int(v) for v in row or ()), strict=True))


def history_count(con: duckdb.DuckDBPyConnection, cause: str) -> int:
    """How many title/salary changes of this cause (`ingest`, `reparse`) are recorded."""
    row = con.execute("SELECT count(*) FROM posting_history WHERE cause = ?", [cause]).fetchone()
    return int(row[0]) if row else 0
