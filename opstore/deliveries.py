"""Deliveries: what was sent to whom, so nothing is sent twice.

A digest's life: `pending` (recorded with its postings and its exact bytes before anything is
sent) → `sending` (recorded just before the transport gets it: its outcome is unknown until the
next step is recorded) → `sent` (the server accepted it, or the outbox file is in place) |
`retry` (temporary failure, or the server refused the whole batch: sent again, same bytes, next
run) | `failed` (permanent: a 5xx for this address, or too many attempts) | `cancelled`
(unsubscribed before it went out). Each step is its own short transaction, so after a crash at
most one message (the one `sending`) is in doubt. The next run resends every `pending`,
`sending` and `retry` row, from the stored bytes, with the same Message-ID.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from opstore.db import insert, reads, writes
from opstore.schema import aware, deliveries, delivery_items, subscriptions, tokens
from opstore.tokens import IssuedToken

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
    tokens: list[IssuedToken] = field(default_factory=list)


@dataclass(frozen=True)
class Unsent:
    """A recorded digest not yet accepted: its id, recipient, bytes and last status."""

    message_id: str
    recipient: str
    message: bytes
    status: str


@dataclass(frozen=True)
class Attempt:
    """The outcome of one send attempt, as the transport reported it."""

    message_id: str
    ok: bool
    permanent: bool
    error: str | None


@writes
def record_pending_many(
    con: sa.Connection, digests: list[PendingDigest], now: datetime
) -> set[str]:
    """Record digests as pending, with their postings and link tokens, in the caller's
    transaction; the Message-IDs that were new. A digest whose subscription stopped since
    it was composed (unsubscribed meanwhile) is not recorded, so never sent."""
    known = _known_ids(con, [d.message_id for d in digests])
    active = _active_ids(con, sorted({d.subscription_id for d in digests}))
    new = list(
        {
            d.message_id: d
            for d in digests
            if d.message_id not in known and d.subscription_id in active
        }.values()
    )
    fresh = {d.message_id for d in new}
    if new:
        con.execute(
            sa.insert(deliveries),
            [
                {"message_id": d.message_id, "subscription_id": d.subscription_id,
                 "cadence": d.cadence, "recipient": d.recipient, "subject": d.subject,
                 "status": "pending", "message": d.message, "posting_count": len(d.posting_keys),
                 "created_at": now, "period": d.period}
                for d in new
            ],
        )  # fmt: skip
    items = [
        {"message_id": d.message_id, "subscription_id": d.subscription_id, "source": k[0],
         "source_id": k[1]}
        for d in new
        for k in d.posting_keys
    ]  # fmt: skip
    if items:
        con.execute(insert(con, delivery_items).on_conflict_do_nothing(), items)
    issued = [
        {"token_hash": t.token_hash, "purpose": t.purpose, "subscription_id": d.subscription_id,
         "created_at": now, "expires_at": t.expires_at}
        for d in new
        for t in d.tokens
    ]  # fmt: skip
    if issued:
        con.execute(sa.insert(tokens), issued)
    return fresh


def _known_ids(con: sa.Connection, message_ids: list[str]) -> set[str]:
    """The Message-IDs among these that are already recorded."""
    known: set[str] = set()
    column = deliveries.c.message_id
    for start in range(0, len(message_ids), 500):
        chunk = message_ids[start : start + 500]
        known.update(con.execute(sa.select(column).where(column.in_(chunk))).scalars())
    return known


def _active_ids(con: sa.Connection, sub_ids: list[int]) -> set[int]:
    """The subscriptions among these that are active."""
    active: set[int] = set()
    s = subscriptions.c
    for start in range(0, len(sub_ids), 500):
        chunk = sub_ids[start : start + 500]
        rows = con.execute(sa.select(s.id).where(s.id.in_(chunk), s.active)).scalars()
        active.update(int(i) for i in rows)
    return active


@writes
def mark_sending_many(con: sa.Connection, message_ids: list[str], now: datetime) -> None:
    """Record that these waiting messages were (or are about to be) handed to the transport."""
    if message_ids:
        d = deliveries.c
        con.execute(
            sa.update(deliveries)
            .where(d.message_id.in_(message_ids), d.status.in_(WAITING))
            .values(status="sending", last_attempt_at=now)
        )


@writes
def record_attempts(
    con: sa.Connection,
    attempts: list[Attempt],
    *,
    transport: str,
    upcoming: list[str],
    now: datetime,
) -> None:
    """In the caller's transaction: these outcomes, and the messages in doubt marked `sending`.

    Accepted messages are recorded in one statement per 500, the others one by one."""
    mark_sent_many(con, [a.message_id for a in attempts if a.ok], transport=transport, now=now)
    for attempt in attempts:
        if attempt.ok:
            continue
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


@writes
def mark_sent_many(
    con: sa.Connection, message_ids: list[str], *, transport: str, now: datetime
) -> None:
    """Record that these messages were accepted: what `mark_result(ok=True)` does to each (a
    message already `sent` stays as it is)."""
    d = deliveries.c
    for start in range(0, len(message_ids), 500):
        con.execute(
            sa.update(deliveries)
            .where(d.message_id.in_(message_ids[start : start + 500]), d.status != "sent")
            .values(
                status="sent", error=None, sent_at=now, transport=transport,
                attempts=d.attempts + 1, last_attempt_at=now,
            )
        )  # fmt: skip


@writes
def mark_result(
    con: sa.Connection,
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
    not come back every run forever. A message already `sent` stays as it is.
    """
    d = deliveries.c
    attempts = con.execute(
        sa.select(d.attempts).where(d.message_id == message_id, d.status != "sent")
    ).scalar()
    if attempts is None:
        return
    tries = int(attempts) + 1
    values: dict[str, object] = {"transport": transport, "attempts": tries, "last_attempt_at": now}
    if ok:
        values.update(status="sent", error=None, sent_at=now)
    elif permanent:
        values.update(status="failed", error=error)
    elif tries >= MAX_ATTEMPTS:
        values.update(status="failed", error=f"{error or ''} (gave up after {tries} attempts)")
    else:
        values.update(status="retry", error=error)
    con.execute(sa.update(deliveries).where(d.message_id == message_id).values(**values))


@writes
def cancel_inactive(con: sa.Connection) -> int:
    """Waiting digests of subscriptions that stopped: cancelled, never sent; how many."""
    d, s = deliveries.c, subscriptions.c
    stopped = sa.select(s.id).where(sa.not_(s.active))
    result = con.execute(
        sa.update(deliveries)
        .where(d.status.in_(WAITING), d.subscription_id.in_(stopped))
        .values(status="cancelled")
    )
    return int(result.rowcount)


@reads
def last_recorded(
    con: sa.Connection, cadence: str, sub_ids: list[int] | None = None
) -> dict[int, datetime]:
    """When each subscription of a cadence (or only of `sub_ids`) last had a digest recorded
    (sent or not)."""
    d = deliveries.c
    query = sa.select(d.subscription_id, sa.func.max(d.created_at)).where(
        d.cadence == cadence, d.status != "cancelled"
    )
    if sub_ids is not None:
        query = query.where(d.subscription_id.in_(sub_ids))
    rows = con.execute(query.group_by(d.subscription_id))
    return {int(r[0]): at for r in rows if (at := aware(r[1])) is not None}


@reads
def unsent(con: sa.Connection, cadence: str) -> list[Unsent]:
    """Digests recorded but not yet accepted by a server, oldest first."""
    return unsent_messages(con, unsent_ids(con, cadence))


@reads
def unsent_ids(con: sa.Connection, cadence: str) -> list[str]:
    """The Message-IDs of the digests recorded but not yet accepted, oldest first (read the
    bytes a chunk at a time with `unsent_messages`)."""
    d = deliveries.c
    rows = con.execute(
        sa.select(d.message_id)
        .where(d.cadence == cadence, d.status.in_(WAITING))
        .order_by(d.created_at, d.message_id)
    )
    return [str(r[0]) for r in rows]


@reads
def unsent_messages(con: sa.Connection, message_ids: list[str]) -> list[Unsent]:
    """These digests, in this order, as far as they still wait to be sent."""
    d = deliveries.c
    found: dict[str, Unsent] = {}
    for start in range(0, len(message_ids), 500):
        rows = con.execute(
            sa.select(d.message_id, d.recipient, d.message, d.status).where(
                d.message_id.in_(message_ids[start : start + 500]), d.status.in_(WAITING)
            )
        )
        found.update((r[0], Unsent(r[0], r[1], bytes(r[2]), r[3])) for r in rows)
    return [found[i] for i in message_ids if i in found]
