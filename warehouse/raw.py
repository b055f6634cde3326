"""The append-only store of fetched payloads."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from core.models import RawPayload
from warehouse.compression import compress, decompress


def store_raw(con: duckdb.DuckDBPyConnection, raw: RawPayload) -> tuple[int, bool]:
    """Store a payload unless the same bytes are stored; return (id, still applied).

    Stored bytes are still applied when they were the last parsed from their URL; bytes that
    come back after others (A, then B, then A again) must be applied again.
    """
    existing = _stored_copy(con, raw)
    if existing:
        return int(existing[0]), bool(existing[1])
    stored, encoding = compress(raw.body)
    row = con.execute(
        "INSERT INTO raw_payloads (source, kind, url, fetched_at, status, content_type,"
        " content_hash, body, body_encoding, final_url)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        [
            raw.source,
            raw.kind,
            raw.url,
            raw.fetched_at,
            raw.status,
            raw.content_type,
            raw.content_hash,
            stored,
            encoding,
            raw.final_url or None,
        ],
    ).fetchone()
    assert row is not None
    return int(row[0]), False


def is_parsed(con: duckdb.DuckDBPyConnection, raw: RawPayload) -> bool:
    """True when these exact bytes are still the last applied from their URL (see store_raw)."""
    existing = _stored_copy(con, raw)
    return bool(existing and existing[1])


def _stored_copy(con: duckdb.DuckDBPyConnection, raw: RawPayload) -> tuple[Any, ...] | None:
    """(id, still applied) of the stored row holding these bytes from this URL, if any."""
    return con.execute(
        "SELECT id, parsed_at IS NOT NULL AND parsed_at = ("
        "SELECT max(parsed_at) FROM raw_payloads WHERE source = $source AND url = $url)"
        " FROM raw_payloads WHERE source = $source AND url = $url AND content_hash = $hash",
        {"source": raw.source, "url": raw.url, "hash": raw.content_hash},
    ).fetchone()


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
