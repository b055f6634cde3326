"""Rebuild parsed postings from stored raw payloads, with no network."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

from core.models import SourceRef
from pipeline.ingest import board_parser
from sources.registry import known_kinds
from warehouse import postings as postings_store
from warehouse import raw as raw_store


@dataclass(frozen=True)
class ReparseResult:
    """What a re-parse did."""

    payloads: int
    postings: int
    parse_errors: int
    salary_before: int
    salary_after: int


def _salary_count(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT count(salary_usd_annual_min) FROM postings").fetchone()
    return int(row[0]) if row else 0


def reparse_all(
    con: duckdb.DuckDBPyConnection, companies: dict[str, str], now: datetime | None = None
) -> ReparseResult:
    """Parse the newest payload of every (source, url) again and upsert the postings."""
    now = now or datetime.now(UTC)
    before = _salary_count(con)
    payloads = postings = errors = 0
    kinds = set(known_kinds())
    for raw_id, raw in list(raw_store.latest_payloads(con)):
        if raw.kind not in kinds:
            continue
        parser = board_parser(raw.kind)
        source = SourceRef(
            name=raw.source, kind=raw.kind, board="", company=companies.get(raw.source, raw.source)
        )
        parsed = parser(raw, source)
        postings_store.refresh_postings(con, parsed.postings, raw_id)
        payloads += 1
        postings += len(parsed.postings)
        errors += len(parsed.errors)
    return ReparseResult(payloads, postings, errors, before, _salary_count(con))
