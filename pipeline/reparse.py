"""Rebuild parsed postings from stored raw payloads, with no network, and say what changed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb

from core.models import SourceRef
from pipeline.ingest import board_parser
from sources.registry import known_kinds
from warehouse import postings as postings_store
from warehouse import raw as raw_store

COVERAGE_SQL = """
SELECT
    count(*) AS postings,
    count(*) FILTER (WHERE relevant) AS relevant,
    count(salary_usd_annual_min) AS salary,
    count(level) FILTER (WHERE relevant) AS level,
    count(*) FILTER (WHERE workplace <> 'unknown') AS workplace,
    count(country) AS country,
    count(city) AS city
FROM postings
"""
LABELS = {
    "postings": "postings",
    "relevant": "relevant postings",
    "salary": "salary filled on",
    "level": "level known on",
    "workplace": "workplace known on",
    "country": "country known on",
    "city": "city known on",
}


@dataclass(frozen=True)
class ReparseResult:
    """What a re-parse did: payloads read and coverage before and after."""

    payloads: int
    parse_errors: int
    before: dict[str, int] = field(default_factory=dict)
    after: dict[str, int] = field(default_factory=dict)
    changed_fields: int = 0

    def changes(self) -> list[str]:
        """Human lines, e.g. "salary filled on 412 more postings"."""
        lines = []
        for key, label in LABELS.items():
            delta = self.after.get(key, 0) - self.before.get(key, 0)
            if delta:
                word = "more" if delta > 0 else "fewer"
                lines.append(f"{label} {abs(delta)} {word} postings".replace("postings 1 ", ""))
        return lines


def coverage(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """How many postings carry each parsed field."""
    cursor = con.execute(COVERAGE_SQL)
    row = cursor.fetchone()
    names = [d[0] for d in cursor.description or []]
    return dict(zip(names, (int(v) for v in row or ()), strict=True))


def _history_count(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT count(*) FROM posting_history WHERE cause = 'reparse'").fetchone()
    return int(row[0]) if row else 0


def reparse_all(
    con: duckdb.DuckDBPyConnection, companies: dict[str, str], now: datetime | None = None
) -> ReparseResult:
    """Parse the newest payload of every (source, url) again and refresh the postings."""
    now = now or datetime.now(UTC)
    before, history_before = coverage(con), _history_count(con)
    kinds = set(known_kinds())
    payloads = errors = 0
    for raw_id, raw in list(raw_store.latest_payloads(con)):
        if raw.kind not in kinds:
            continue
        source = SourceRef(
            name=raw.source, kind=raw.kind, board="", company=companies.get(raw.source, raw.source)
        )
        parsed = board_parser(raw.kind)(raw, source)
        postings_store.refresh_postings(con, parsed.postings, raw_id, now)
        raw_store.mark_parsed(con, raw_id, now)
        payloads += 1
        errors += len(parsed.errors)
    changed = _history_count(con) - history_before
    return ReparseResult(payloads, errors, before, coverage(con), changed)
