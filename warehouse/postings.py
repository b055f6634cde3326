"""Parsed postings: idempotent upsert keyed on (source, source_id), first/last seen, closing,
reposts, and a history row for every change of title or salary."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb

from core.fingerprint import SEPARATOR, Listed, Place, job_key_of, resolve_places, with_place
from core.models import Posting
from warehouse.db import transaction

COLUMNS = (
    "source", "source_id", "url", "title", "company", "location_text", "locations",
    "city", "region", "country", "hub", "workplace", "workplace_basis", "remote_scope",
    "salary_min", "salary_max", "salary_currency", "salary_period", "salary_annual_min",
    "salary_annual_max", "salary_usd_annual_min", "salary_usd_annual_max", "salary_text",
    "salary_basis", "relevant", "family", "level", "department", "employment_type",
    "posted_at", "description", "fingerprint", "raw_id", "first_seen", "last_seen", "closed_at",
    "requisition_id", "item_hash",
)  # fmt: skip
KEEP_ON_UPDATE = frozenset({"source", "source_id", "first_seen"})
KEEP_ON_REPARSE = KEEP_ON_UPDATE | {"last_seen", "closed_at"}
TRACKED = ("title", "salary_min", "salary_max", "salary_currency", "salary_period")


@dataclass(frozen=True)
class UpsertResult:
    """How many postings were new and how many were seen before; the new ones by source."""

    seen: int
    new_by_source: dict[str, int] = field(default_factory=dict)

    @property
    def new(self) -> int:
        return sum(self.new_by_source.values())


@dataclass(frozen=True)
class PostingsOf:
    """The postings parsed from one stored payload, and the digests of their items (by
    source_id)."""

    postings: list[Posting]
    raw_id: int | None
    digests: Mapping[str, str] | None = None


def posting_row(
    posting: Posting, raw_id: int | None, now: datetime, digest: str | None = None
) -> tuple[Any, ...]:
    """One postings row, in COLUMNS order; `digest` is that of the item it was parsed from."""
    s = posting.salary
    first = posting.locations[0] if posting.locations else None
    hub = next((loc.hub for loc in posting.locations if loc.hub), None)
    locations = [
        {"city": x.city, "region": x.region, "country": x.country, "hub": x.hub}
        for x in posting.locations
    ]
    return (
        posting.source, posting.source_id, posting.url, posting.title, posting.company,
        posting.location_text, locations,
        first.city if first else None, first.region if first else None,
        first.country if first else None, hub,
        posting.workplace.value, posting.workplace_basis, posting.workplace.remote_scope,
        s.min if s else None, s.max if s else None, s.currency if s else None,
        s.period if s else None, s.annual_min if s else None, s.annual_max if s else None,
        s.usd_annual_min if s else None, s.usd_annual_max if s else None,
        s.text if s else None, posting.salary_basis,
        posting.relevant, posting.family, posting.level, posting.department,
        posting.employment_type, posting.posted_at, posting.description,
        posting.fingerprint, raw_id, now, now, None, posting.requisition_id, digest,
    )  # fmt: skip


# Locations are staged as JSON text and read back as the table's type: DuckDB's appender
# takes nested Python values (a list of dicts) more slowly than all the rest of a row.
LOCATIONS = COLUMNS.index("locations")
LOCATIONS_JSON = (
    '[{"city": "VARCHAR", "region": "VARCHAR", "country": "VARCHAR", "hub": "VARCHAR"}]'
)


def _create_stage(con: duckdb.DuckDBPyConnection) -> None:
    columns = ", ".join("CAST(locations AS VARCHAR) AS locations" if c == "locations" else c
                        for c in COLUMNS)  # fmt: skip
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE staged_postings AS SELECT {columns} FROM postings LIMIT 0"  # noqa: S608
    )


def _append_stage(con: duckdb.DuckDBPyConnection, rows: list[tuple[Any, ...]]) -> None:
    appender = con.appender("staged_postings")
    appender.append_rows(
        [(*row[:LOCATIONS], json.dumps(row[LOCATIONS]), *row[LOCATIONS + 1 :]) for row in rows]
    )
    appender.flush()


def _staged(column: str) -> str:
    """A staged column (of alias s) as the postings table holds it."""
    if column == "locations":
        return f"from_json(s.locations, '{LOCATIONS_JSON}') AS locations"
    return f"s.{column} AS {column}"


def _record_history(con: duckdb.DuckDBPyConnection, now: datetime, cause: str) -> None:
    """A history row for each tracked field a staged posting changes (one statement)."""
    changes = " UNION ALL ".join(
        f"SELECT s.source, s.source_id, '{field}' AS field,"  # noqa: S608 (TRACKED names)
        f" CAST(p.{field} AS VARCHAR) AS old_value, CAST(s.{field} AS VARCHAR) AS new_value"
        " FROM staged_postings s JOIN postings p USING (source, source_id)"
        f" WHERE s.{field} IS DISTINCT FROM p.{field}"
        for field in TRACKED
    )
    con.execute(
        "INSERT INTO posting_history SELECT source, source_id, $now, field, old_value,"  # noqa: S608
        f" new_value, $cause FROM ({changes})",
        {"now": now, "cause": cause},
    )


def _listed(row: tuple[Any, ...]) -> Listed:
    """A stored posting as dedupe sees it: its own fingerprint (its job at its first place,
    whatever it was re-pointed to) and its places."""
    source, source_id, city, country, locations, stored = row
    places = tuple(Place(p["city"], p["region"], p["country"]) for p in locations or [])
    own = with_place(job_key_of(stored), city, country)
    return Listed((source, source_id), own, places)


def _resolve_broad_places(con: duckdb.DuckDBPyConnection) -> None:
    """Re-point the fingerprints of every job (company and title) the staged postings touch
    and that has a listing without a city: a country- or region-only listing joins the only
    city listing within it, if there is just one."""
    rows = _broad_jobs_touched(con)
    current = {(r[0], r[1]): r[5] for r in rows}
    resolved = resolve_places([_listed(r) for r in rows])
    changed = [(key, fp) for key, fp in resolved.items() if current[key] != fp]
    if changed:
        con.execute(
            "UPDATE postings SET fingerprint = r.fp FROM (SELECT unnest(?) AS source,"
            " unnest(?) AS source_id, unnest(?) AS fp) r"
            " WHERE postings.source = r.source AND postings.source_id = r.source_id",
            [[k[0] for k, _ in changed], [k[1] for k, _ in changed], [f for _, f in changed]],
        )


# Up to this many jobs, their listings are found by fingerprint prefix (a few times faster than
# splitting every stored fingerprint, which larger batches do instead).
FEW_JOBS = 16


def _broad_jobs_touched(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    """The stored listings of each job the staged postings touch that has a listing with a
    country but no city (the only jobs whose places may resolve); found in SQL, so a batch of
    jobs with none fetches nothing."""
    staged = con.execute(
        "SELECT DISTINCT fingerprint FROM staged_postings WHERE fingerprint IS NOT NULL"
    ).fetchall()
    keys = sorted({job_key_of(row[0]) for row in staged})
    if not keys:
        return []
    if len(keys) <= FEW_JOBS:
        match = " OR ".join(f"prefix(fingerprint, ${i + 2})" for i in range(len(keys)))
        params: list[Any] = [SEPARATOR, *(key + SEPARATOR for key in keys)]
    else:
        match = "split_part(fingerprint, $1, 1) IN (SELECT unnest($2::VARCHAR[]))"
        params = [SEPARATOR, keys]
    return con.execute(
        "WITH touched AS (SELECT source, source_id, city, country, locations, fingerprint"  # noqa: S608
        f" FROM postings WHERE {match})"
        " SELECT * FROM touched WHERE split_part(fingerprint, $1, 1) IN (SELECT"
        " split_part(fingerprint, $1, 1) FROM touched WHERE city IS NULL AND country IS NOT NULL)",
        params,
    ).fetchall()


Sighting = tuple[str, str, datetime, bool]


def _merge_stage(
    con: duckdb.DuckDBPyConnection,
    keep: frozenset[str],
    now: datetime,
    cause: str,
    sightings: list[Sighting] | None = None,
) -> UpsertResult:
    """The one merge of ingest and reparse (call inside a transaction): record the staged
    rows' changes, replace all but the `keep` columns of stored ones, insert new ones (from
    their `sightings` for a re-parse), re-point broad places, drop the stage."""
    counts = _staged_counts(con)
    staged, seen = sum(n for n, _ in counts.values()), sum(m for _, m in counts.values())
    if seen:
        _record_history(con, now, cause)
        _replace_staged(con, keep)
    if staged > seen:
        _insert_new(con, sightings)
    _resolve_broad_places(con)
    con.execute("DROP TABLE staged_postings")
    new_by_source = {source: n - m for source, (n, m) in counts.items() if n > m}
    return UpsertResult(seen=seen, new_by_source=new_by_source)


def _insert_new(con: duckdb.DuckDBPyConnection, sightings: list[Sighting] | None) -> None:
    """Insert the staged postings the table lacks (seen from their sightings when given)."""
    if sightings is not None:
        _insert_found(con, sightings)
        return
    columns, values = ", ".join(COLUMNS), ", ".join(_staged(c) for c in COLUMNS)
    con.execute(
        f"INSERT INTO postings ({columns}) SELECT {values} FROM staged_postings s"  # noqa: S608
        " WHERE NOT EXISTS (SELECT 1 FROM postings p"
        " WHERE p.source = s.source AND p.source_id = s.source_id)"
    )


def _staged_counts(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, int]]:
    """By source: how many postings are staged, and how many of them are stored already."""
    rows = con.execute(
        "SELECT s.source, count(*), count(p.source_id) FROM staged_postings s"
        " LEFT JOIN postings p USING (source, source_id) GROUP BY s.source"
    ).fetchall()
    return {str(r[0]): (int(r[1]), int(r[2])) for r in rows}


def _merge(
    con: duckdb.DuckDBPyConnection,
    rows: list[tuple[Any, ...]],
    keep: frozenset[str],
    now: datetime,
    cause: str,
) -> UpsertResult:
    """Stage rows, record changes, then insert or update all but the `keep` columns."""
    _create_stage(con)
    _append_stage(con, rows)
    return _merge_stage(con, keep, now, cause)


def merge_postings(
    con: duckdb.DuckDBPyConnection, parses: list[PostingsOf], now: datetime
) -> UpsertResult:
    """Insert new postings and refresh known ones, keeping first_seen; reopen closed ones.
    Call inside a transaction (ingest's, with the payloads' parse errors and parsed marks).
    A posting in several of `parses` is taken from the last."""
    rows = {
        (p.source, p.source_id): posting_row(
            p, part.raw_id, now, (part.digests or {}).get(p.source_id)
        )
        for part in parses
        for p in part.postings
    }  # DuckDB upserts are first-row-wins inside a batch: the last one is kept here
    if not rows:
        return UpsertResult(seen=0)
    return _merge(con, list(rows.values()), KEEP_ON_UPDATE, now, "ingest")


def upsert_postings(
    con: duckdb.DuckDBPyConnection, postings: list[Posting], raw_id: int | None, now: datetime
) -> UpsertResult:
    """`merge_postings` of one payload's postings, in a transaction of its own."""
    with transaction(con):
        return merge_postings(con, [PostingsOf(postings, raw_id)], now)


def known_items(con: duckdb.DuckDBPyConnection, source: str) -> dict[str, tuple[str, bool]]:
    """The item digests a source's stored postings were parsed from: digest -> (source_id,
    relevant). An item with one of these digests holds nothing new."""
    rows = con.execute(
        "SELECT item_hash, source_id, relevant FROM postings"
        " WHERE source = ? AND item_hash IS NOT NULL",
        [source],
    ).fetchall()
    return {digest: (str(r[1]), bool(r[2])) for r in rows for digest in str(r[0]).split()}


def refresh_unchanged(
    con: duckdb.DuckDBPyConnection, unchanged: list[tuple[str, str, int]], now: datetime
) -> None:
    """Postings (source, source_id, raw_id) whose item a newer payload holds unchanged: seen
    now (reopened if closed) and pointed at that payload, so that an unchanged re-fetch of it
    lists them. One bulk update; `mark_seen` then passes over them."""
    if unchanged:
        sources, source_ids, raw_ids = (list(column) for column in zip(*unchanged, strict=True))
        _seen_now(con, sources, source_ids, now, raw_ids)


def start_reparse(con: duckdb.DuckDBPyConnection) -> None:
    """An empty stage for the postings a re-parse derives."""
    _create_stage(con)


def stage_reparsed(
    con: duckdb.DuckDBPyConnection,
    postings: list[Posting],
    raw_id: int,
    seen_at: datetime,
    digests: Mapping[str, str] | None = None,
) -> None:
    """Stage postings re-derived from one payload (each key staged once per re-parse), with
    the digests of their items (by source_id): the hashes are refreshed with the fields."""
    found = digests or {}
    if postings:
        _append_stage(
            con, [posting_row(p, raw_id, seen_at, found.get(p.source_id)) for p in postings]
        )


def merge_reparsed(
    con: duckdb.DuckDBPyConnection, sightings: list[Sighting], now: datetime
) -> UpsertResult:
    """Apply the staged re-parse (call inside a transaction): parsed fields replaced, lifecycle
    and any other column kept. `sightings` is (source, source_id, first fetched, listed now) per
    staged posting: a posting new to the table starts at its first sighting and is closed at its
    last one unless the newest payload of a URL still lists it."""
    return _merge_stage(con, KEEP_ON_REPARSE, now, "reparse", sightings)


# A posting written earlier in the same fetch (a list, then its detail page) keeps the digests
# of every item applied to it, so that an unchanged re-fetch skips them all.
ITEM_HASH = (
    "CASE WHEN p.last_seen = s.last_seen AND p.item_hash IS NOT NULL AND s.item_hash IS NOT NULL"
    " THEN p.item_hash || ' ' || s.item_hash ELSE s.item_hash END AS item_hash"
)


def _replace_staged(con: duckdb.DuckDBPyConnection, keep: frozenset[str]) -> None:
    """Stored postings take their staged fields but `keep`; a closed posting seen again is
    reopened as a repost unless `closed_at` is kept. Call inside a transaction. Rows are
    deleted and inserted again: DuckDB 2.0 takes about 4 ms a row to UPDATE checkpointed rows
    with a list column (locations), 20 s for 5,000 postings; this takes well under a second."""
    replaced = [_staged(c) for c in COLUMNS if c not in keep | {"item_hash"}]
    replaced.append(ITEM_HASH if "last_seen" not in keep else "s.item_hash AS item_hash")
    if "closed_at" not in keep:
        replaced.append("p.reposts + CASE WHEN p.closed_at IS NULL THEN 0 ELSE 1 END AS reposts")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE replaced_rows AS"  # noqa: S608
        f" SELECT p.* REPLACE ({', '.join(replaced)})"
        " FROM postings p JOIN staged_postings s USING (source, source_id)"
    )
    con.execute(
        "DELETE FROM postings USING staged_postings s"
        " WHERE postings.source = s.source AND postings.source_id = s.source_id"
    )
    con.execute("INSERT INTO postings BY NAME SELECT * FROM replaced_rows")
    con.execute("DROP TABLE replaced_rows")


def _insert_found(con: duckdb.DuckDBPyConnection, sightings: list[Sighting]) -> None:
    """Insert staged postings the table lacks, seen from their first to their last sighting."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE reparse_sightings"
        " (source VARCHAR, source_id VARCHAR, first_seen TIMESTAMPTZ, listed BOOLEAN)"
    )
    appender = con.appender("reparse_sightings")
    appender.append_rows(sightings)
    appender.flush()
    lifecycle = {
        "first_seen": "r.first_seen",
        "closed_at": "CASE WHEN r.listed THEN NULL ELSE s.last_seen END",
    }
    values = ", ".join(lifecycle.get(c, _staged(c)) for c in COLUMNS)
    con.execute(
        f"INSERT INTO postings ({', '.join(COLUMNS)}) SELECT {values}"  # noqa: S608
        " FROM staged_postings s JOIN reparse_sightings r USING (source, source_id)"
        " WHERE NOT EXISTS (SELECT 1 FROM postings p"
        " WHERE p.source = s.source AND p.source_id = s.source_id)"
    )
    con.execute("DROP TABLE reparse_sightings")


def mark_seen(con: duckdb.DuckDBPyConnection, listed: list[tuple[str, str]], now: datetime) -> None:
    """Postings (source, source_id) their boards still list are seen now (and open), even
    when not fetched again. One bulk update."""
    if listed:
        sources, source_ids = (list(column) for column in zip(*listed, strict=True))
        _seen_now(con, sources, source_ids, now)


def _seen_now(
    con: duckdb.DuckDBPyConnection,
    sources: list[str],
    source_ids: list[str],
    now: datetime,
    raw_ids: list[int] | None = None,
) -> None:
    """The one update behind `mark_seen` and `refresh_unchanged`: these postings seen now,
    reopened as a repost if closed, and pointed at their payloads when `raw_ids` are given."""
    pointed = "raw_id = u.raw_id, " if raw_ids is not None else ""
    con.execute(
        f"UPDATE postings SET {pointed}last_seen = $now, closed_at = NULL,"  # noqa: S608
        " reposts = reposts + CASE WHEN closed_at IS NULL THEN 0 ELSE 1 END"
        " FROM (SELECT DISTINCT unnest($sources::VARCHAR[]) AS source,"
        " unnest($ids::VARCHAR[]) AS source_id, unnest($raws::BIGINT[]) AS raw_id) u"
        " WHERE postings.source = u.source AND postings.source_id = u.source_id"
        " AND postings.last_seen < $now",
        {
            "now": now,
            "sources": sources,
            "ids": source_ids,
            "raws": raw_ids if raw_ids is not None else [None] * len(sources),
        },
    )


def known_ids(con: duckdb.DuckDBPyConnection, source: str) -> frozenset[str]:
    """The source_ids of a source already stored."""
    rows = con.execute("SELECT source_id FROM postings WHERE source = ?", [source]).fetchall()
    return frozenset(r[0] for r in rows)


def close_missing(
    con: duckdb.DuckDBPyConnection, source: str, listed_ids: list[str], now: datetime
) -> int:
    """Mark closed the open postings of a source that its board no longer lists. Usually none
    is missing: they are looked for first, and only those found are updated."""
    missing = con.execute(
        "SELECT source_id FROM postings WHERE source = ? AND closed_at IS NULL"
        " AND source_id NOT IN (SELECT unnest(?::VARCHAR[]))",
        [source, listed_ids],
    ).fetchall()
    if missing:
        con.execute(
            "UPDATE postings SET closed_at = ? WHERE source = ? AND closed_at IS NULL"
            " AND source_id IN (SELECT unnest(?::VARCHAR[]))",
            [now, source, [row[0] for row in missing]],
        )
    return len(missing)


def close_stale(con: duckdb.DuckDBPyConnection, source: str, seen_before: datetime) -> int:
    """Mark closed the open postings of a source not seen since `seen_before`."""
    rows = con.execute(
        "UPDATE postings SET closed_at = last_seen WHERE source = ? AND closed_at IS NULL"
        " AND last_seen < ? RETURNING 1",
        [source, seen_before],
    ).fetchall()
    return len(rows)


def payload_postings(con: duckdb.DuckDBPyConnection, raw_id: int) -> list[tuple[str, bool]]:
    """The postings last parsed from a payload: (source_id, relevant)."""
    rows = con.execute(
        "SELECT source_id, relevant FROM postings WHERE raw_id = ?", [raw_id]
    ).fetchall()
    return [(str(r[0]), bool(r[1])) for r in rows]
