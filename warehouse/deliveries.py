"""Deliveries: what was sent to whom, so nothing is sent twice."""

from __future__ import annotations

from datetime import datetime

import duckdb


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
    """Record a digest as pending with its postings, before it is sent; False if known."""
    con.execute("BEGIN TRANSACTION")
    try:
        inserted = con.execute(
            "INSERT INTO deliveries (message_id, subscription_id, cadence, recipient, subject,"
            " status, message, posting_count, created_at)"
            " VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?)"
            " ON CONFLICT DO NOTHING RETURNING 1",
            [
                message_id,
                subscription_id,
                cadence,
                recipient,
                subject,
                message,
                len(posting_keys),
                now,
            ],
        ).fetchall()
        if inserted:
            con.execute(
                "INSERT INTO delivery_items SELECT ?, ?, unnest(?), unnest(?)"
                " ON CONFLICT DO NOTHING",
                [
                    message_id,
                    subscription_id,
                    [k[0] for k in posting_keys],
                    [k[1] for k in posting_keys],
                ],
            )
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return bool(inserted)


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
    """Record the outcome of one send attempt."""
    status = "sent" if ok else ("failed" if permanent else "retry")
    con.execute(
        "UPDATE deliveries SET status = ?, error = ?, transport = ?, attempts = attempts + 1,"
        " sent_at = CASE WHEN ? THEN ? ELSE sent_at END WHERE message_id = ?",
        [status, error, transport, ok, now, message_id],
    )


def unsent(con: duckdb.DuckDBPyConnection, cadence: str) -> list[tuple[str, str, bytes]]:
    """Digests recorded but not yet accepted by a server: (message id, recipient, bytes)."""
    rows = con.execute(
        "SELECT message_id, recipient, message FROM deliveries"
        " WHERE cadence = ? AND status IN ('pending', 'retry') ORDER BY created_at",
        [cadence],
    ).fetchall()
    return [(r[0], r[1], bytes(r[2])) for r in rows]
