"""The append-only store of fetched payloads."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from core.models import RawPayload
from warehouse.compression import compress, decompress
from warehouse.db import transaction


def store_raw(con: duckdb.DuckDBPyConnection, raw: RawPayload) -> tuple[int, bool]:
    """`store_raws` of one payload."""
    return store_raws(con, [raw])[0]


Copy = tuple[str, str, str]  # (source, url, content hash): the same bytes from the same URL


def store_raws(con: duckdb.DuckDBPyConnection, raws: list[RawPayload]) -> list[tuple[int, bool]]:
    """Store each payload unless the same bytes from its URL are stored (one lookup for all,
    the new ones committed together: call outside a transaction); return (id, still applied)
    for each.

    Stored bytes are still applied when they were the last parsed from their URL; bytes that
    come back after others (A, then B, then A again) must be applied again.
    """
    found = _stored_copies(con, raws)
    missing = {_copy_of(raw): raw for raw in raws if _copy_of(raw) not in found}
    if missing:
        with transaction(con):  # committed together, before any is parsed
            found.update(_insert(con, list(missing.values())))
    return [found[_copy_of(raw)] for raw in raws]


def _copy_of(raw: RawPayload) -> Copy:
    return (raw.source, raw.url, raw.content_hash)


def _stored_copies(
    con: duckdb.DuckDBPyConnection, raws: list[RawPayload]
) -> dict[Copy, tuple[int, bool]]:
    """(id, still applied) of the stored rows holding these bytes from these URLs."""
    rows = con.execute(
        "WITH wanted AS (SELECT unnest($sources::VARCHAR[]) AS source,"
        " unnest($urls::VARCHAR[]) AS url, unnest($hashes::VARCHAR[]) AS content_hash)"
        " SELECT r.source, r.url, r.content_hash, r.id, r.parsed_at IS NOT NULL AND"
        " r.parsed_at = (SELECT max(parsed_at) FROM raw_payloads m"
        " WHERE m.source = r.source AND m.url = r.url)"
        " FROM raw_payloads r SEMI JOIN wanted USING (source, url, content_hash)",
        {
            "sources": [raw.source for raw in raws],
            "urls": [raw.url for raw in raws],
            "hashes": [raw.content_hash for raw in raws],
        },
    ).fetchall()
    return {(r[0], r[1], r[2]): (int(r[3]), bool(r[4])) for r in rows}


def _insert(con: duckdb.DuckDBPyConnection, raws: list[RawPayload]) -> dict[Copy, tuple[int, bool]]:
    """Insert payloads not stored yet, their bodies compressed: (id, not applied) of each. A
    row per statement: DuckDB takes bodies as parameters far faster than as lists."""
    inserted = {}
    for raw in raws:
        body, encoding = compress(raw.body)
        row = con.execute(
            "INSERT INTO raw_payloads (source, kind, url, fetched_at, status, content_type,"
            " content_hash, body, body_encoding, final_url)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            [raw.source, raw.kind, raw.url, raw.fetched_at, raw.status, raw.content_type,
             raw.content_hash, body, encoding, raw.final_url or None],
        ).fetchone()  # fmt: skip
        assert row is not None
        inserted[_copy_of(raw)] = (int(row[0]), False)
    return inserted


def still_applied(con: duckdb.DuckDBPyConnection, raws: list[RawPayload]) -> list[bool]:
    """For each payload: are these exact bytes still the last applied from their URL (see
    store_raws)? One lookup for all."""
    found = _stored_copies(con, raws)
    return [found.get(_copy_of(raw), (0, False))[1] for raw in raws]


def mark_parsed(con: duckdb.DuckDBPyConnection, raw_ids: list[int], now: datetime) -> None:
    """Record that payloads' postings are stored: an unchanged re-fetch can skip them."""
    con.execute(
        "UPDATE raw_payloads SET parsed_at = ? WHERE id IN (SELECT unnest(?::BIGINT[]))",
        [now, raw_ids],
    )


@dataclass(frozen=True)
class StoredPayload:
    """A stored payload, its id, and whether it is the newest of its (source, url)."""

    id: int
    newest: bool
    raw: RawPayload


HEADS_NEWEST_FIRST = """
SELECT id, source, kind, url, fetched_at, status, content_type,
    row_number() OVER (PARTITION BY source, url ORDER BY fetched_at DESC, id DESC) = 1
FROM raw_payloads
WHERE kind IN (SELECT unnest(?::VARCHAR[]))
ORDER BY fetched_at DESC, id DESC
"""


def payloads_newest_first(
    con: duckdb.DuckDBPyConnection, kinds: Iterable[str], chunk: int = 16
) -> Iterator[list[StoredPayload]]:
    """Every stored payload of these kinds, newest first, `chunk` bodies in memory at a time."""
    heads = con.execute(HEADS_NEWEST_FIRST, [sorted(kinds)]).fetchall()
    for start in range(0, len(heads), chunk):
        part = heads[start : start + chunk]
        bodies = {
            raw_id: decompress(bytes(body), encoding)
            for raw_id, body, encoding in con.execute(
                "SELECT id, body, body_encoding FROM raw_payloads"
                " WHERE id IN (SELECT unnest(?::BIGINT[]))",
                [[head[0] for head in part]],
            ).fetchall()
        }
        yield [_stored(head, bodies[head[0]]) for head in part]


def _stored(head: tuple[Any, ...], body: bytes) -> StoredPayload:
    raw_id, source, kind, url, fetched_at, status, content_type, newest = head
    raw = RawPayload(source, kind, url, fetched_at, status, content_type or "", body)
    return StoredPayload(int(raw_id), bool(newest), raw)


def replace_parse_errors(
    con: duckdb.DuckDBPyConnection,
    raw_ids: list[int],
    errors: list[tuple[int, str, str | None, str]],
    recorded_at: datetime,
) -> None:
    """The parse errors of these payloads become `errors` (raw_id, source, item_id, message)."""
    con.execute("DELETE FROM parse_errors WHERE raw_id IN (SELECT unnest(?::BIGINT[]))", [raw_ids])
    if not errors:
        return
    columns = [list(column) for column in zip(*errors, strict=True)]
    con.execute(
        "INSERT INTO parse_errors (raw_id, source, item_id, message, recorded_at)"
        " SELECT unnest(?::BIGINT[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]),"
        " unnest(?::VARCHAR[]), ?",
        [*columns, recorded_at],
    )


def mark_all_parsed(con: duckdb.DuckDBPyConnection, raw_ids: list[int], now: datetime) -> None:
    """Payloads whose postings are now stored (a payload parsed before keeps its time)."""
    con.execute(
        "UPDATE raw_payloads SET parsed_at = ? WHERE parsed_at IS NULL"
        " AND id IN (SELECT unnest(?::BIGINT[]))",
        [now, raw_ids],
    )
