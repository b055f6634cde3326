"""Deliveries: what was sent to whom, so nothing is sent twice.

A digest's life: `pending` (recorded with its postings and its exact bytes before anything is
sent) → `sent` (the server accepted it, or the outbox file is in place) | `retry` (temporary
failure, or the server refused the whole batch: sent again, same bytes, next run) | `failed`
(permanent: a 5xx for this address, or too many attempts) | `cancelled` (unsubscribed before it
went out). `sending` marks a message handed to the transport whose outcome is unknown: the one
a run that died was sending (from the send journal, pipeline/journal.py), or, when the caller
holds the writer, the message going out now.
The next run resends every `pending`, `sending` and `retry` row, from the stored bytes, with
the same Message-ID.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

from warehouse.db import transaction

MAX_ATTEMPTS = 8
WAITING = ("pending", "sending", "retry")


@dataclass(frozen=True)
class PendingDigest:
    """One digest to record before it is sent."""

    message_id: str
    subscription_id: int
    cadence: str
    recipient: str
    subject: str
    message: bytes
    posting_keys: list[tuple[str, str]]
    period: str | None = None


@dataclass(frozen=True)
class Unsent:
    """A recorded digest not yet accepted: its id, recipient, bytes and last status."""

    message_id: str
    recipient: str
    message: bytes
    status: str


def record_pending(
    con: duckdb.DuckDBPyConnection,
    *,
    message_id: str,
    subscription_id: int,
    cadence: str,
    recipient: str,
    subject: str,
    message: bytes,
    posting_keys: list[tuple[str, str]],
    now: datetime,
) -> bool:
    """Record one digest as pending with its postings; False if that Message-ID is known."""
    digest = PendingDigest(
        message_id, subscription_id, cadence, recipient, subject, message, posting_keys
    )
    return bool(record_pending_many(con, [digest], now))


def record_pending_many(
    con: duckdb.DuckDBPyConnection, digests: list[PendingDigest], now: datetime
) -> set[str]:
    """Record digests as pending in one transaction; the Message-IDs that were new."""
    if not digests:
        return set()
    with transaction(con):
        inserted = con.execute(
            "INSERT INTO deliveries (message_id, subscription_id, cadence, recipient, subject,"
            " status, message, posting_count, created_at, period)"
            " SELECT unnest(?), unnest(?), unnest(?), unnest(?), unnest(?), 'pending',"
            " unnest(?), unnest(?), ?, unnest(?)"
            " ON CONFLICT DO NOTHING RETURNING message_id",
            [
                [d.message_id for d in digests],
                [d.subscription_id for d in digests],
                [d.cadence for d in digests],
                [d.recipient for d in digests],
                [d.subject for d in digests],
                [d.message for d in digests],
                [len(d.posting_keys) for d in digests],
                now,
                [d.period for d in digests],
            ],
        ).fetchall()
        fresh = {str(r[0]) for r in inserted}
        items = [(d, key) for d in digests if d.message_id in fresh for key in d.posting_keys]
        if items:
            con.execute(
                "INSERT INTO delivery_items"
                " SELECT unnest(?), unnest(?), unnest(?), unnest(?) ON CONFLICT DO NOTHING",
                [
                    [d.message_id for d, _ in items],
                    [d.subscription_id for d, _ in items],
                    [k[0] for _, k in items],
                    [k[1] for _, k in items],
                ],
            )
    return fresh


def mark_sending_many(
    con: duckdb.DuckDBPyConnection, message_ids: list[str], now: datetime
) -> None:
    """Record that these waiting messages were (or are about to be) handed to the transport."""
    if message_ids:
        con.execute(
            "UPDATE deliveries SET status = 'sending', last_attempt_at = ?"
            " WHERE message_id IN (SELECT unnest(?)) AND status IN ('pending', 'sending', 'retry')",
            [now, message_ids],
        )


@dataclass(frozen=True)
class Attempt:
    """The outcome of one send attempt, as the transport reported it."""

    message_id: str
    ok: bool
    permanent: bool
    error: str | None


def record_attempts(
    con: duckdb.DuckDBPyConnection,
    attempts: list[Attempt],
    *,
    transport: str,
    upcoming: list[str],
    now: datetime,
) -> None:
    """In one transaction: these outcomes, and the messages in doubt marked `sending`."""
    with transaction(con):
        for attempt in attempts:
            mark_result(
                con,
                attempt.message_id,
                ok=attempt.ok,
                permanent=attempt.permanent,
                error=attempt.error,
                transport=transport,
                now=now,
            )
        mark_sending_many(con, upcoming, now)


def mark_result(
    con: duckdb.DuckDBPyConnection,
    message_id: str,
    *,
    ok: bool,
    permanent: bool,
    error: str | None,
    transport: str,
    now: datetime,
) -> None:
    """Record the outcome of one send attempt.

    A temporary failure becomes `failed` after MAX_ATTEMPTS attempts, so a dead address does
    not come back every run forever. A message already `sent` stays as it is, so recording the
    same journal twice (a crash between its commit and emptying it) changes nothing for it.
    """
    con.execute(
        "UPDATE deliveries SET"
        " status = CASE WHEN ? THEN 'sent' WHEN ? OR attempts + 1 >= ? THEN 'failed'"
        "   ELSE 'retry' END,"
        " error = CASE WHEN ? THEN NULL WHEN NOT ? AND attempts + 1 >= ?"
        "   THEN ? || ' (gave up after ' || (attempts + 1) || ' attempts)' ELSE ? END,"
        " transport = ?, attempts = attempts + 1, last_attempt_at = ?,"
        " sent_at = CASE WHEN ? THEN ? ELSE sent_at END"
        " WHERE message_id = ? AND status <> 'sent'",
        [
            ok,
            permanent,
            MAX_ATTEMPTS,
            ok,
            permanent,
            MAX_ATTEMPTS,
            error or "",
            error,
            transport,
            now,
            ok,
            now,
            message_id,
        ],
    )


def mark_resolved(
    con: duckdb.DuckDBPyConnection, message_id: str, transport: str, now: datetime
) -> None:
    """A waiting message found already delivered (its outbox file holds the same bytes)."""
    con.execute(
        "UPDATE deliveries SET status = 'sent', error = NULL, transport = ?,"
        " sent_at = coalesce(sent_at, ?) WHERE message_id = ?",
        [transport, now, message_id],
    )


def cancel_inactive(con: duckdb.DuckDBPyConnection) -> int:
    """Waiting digests of subscriptions that stopped: cancelled, never sent; how many."""
    rows = con.execute(
        "UPDATE deliveries SET status = 'cancelled' WHERE status IN ('pending', 'sending', 'retry')"
        " AND subscription_id IN (SELECT id FROM subscriptions WHERE NOT active)"
        " RETURNING 1"
    ).fetchall()
    return len(rows)


def last_recorded(con: duckdb.DuckDBPyConnection, cadence: str) -> dict[int, datetime]:
    """When each subscription of a cadence last had a digest recorded (sent or not)."""
    rows = con.execute(
        "SELECT subscription_id, max(created_at) FROM deliveries WHERE cadence = ?"
        " AND status <> 'cancelled' GROUP BY 1",
        [cadence],
    ).fetchall()
    return {int(r[0]): r[1] for r in rows}


def unsent(con: duckdb.DuckDBPyConnection, cadence: str) -> list[Unsent]:
    """Digests recorded but not yet accepted by a server, oldest first."""
    rows = con.execute(
        "SELECT message_id, recipient, message, status FROM deliveries"
        " WHERE cadence = ? AND status IN ('pending', 'sending', 'retry')"
        " ORDER BY created_at, message_id",
        [cadence],
    ).fetchall()
    return [Unsent(r[0], r[1], bytes(r[2]), r[3]) for r in rows]
