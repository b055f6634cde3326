"""Self-service subscriptions: double opt-in, pause and resume, erasure, and notice limits.

A subscription's `status` says where it stands: `pending` (signed up on the web, not yet
confirmed), `active`, `paused` or `unsubscribed`; digests go only to `active` ones (the `active`
flag that matching reads is kept equal to `status = 'active'` by a CHECK constraint).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal

import sqlalchemy as sa

from core.models import Subscription
from core.validation import email_key
from opstore.schema import notices, subscriptions, tokens
from opstore.subscriptions import FILTER_COLUMNS, filter_values, subscription_of
from opstore.tokens import new_token, resolve_token

Status = Literal["pending", "active", "paused", "unsubscribed"]
NOTICE_WINDOW = timedelta(days=1)


@dataclass(frozen=True)
class Found:
    """A subscription and where it stands."""

    subscription: Subscription
    status: Status


@dataclass(frozen=True)
class SignupTicket:
    """What to email after a sign-up: a confirmation link, or a manage link when the address
    already gets this cadence (`existing`); `notify` is False once the address had its few
    emails today (the sign-up is stored all the same)."""

    subscription: Subscription
    token: str
    existing: bool
    notify: bool


def find(con: sa.Connection, sub_id: int) -> Found | None:
    """A subscription by id, with its status."""
    row = con.execute(sa.select(subscriptions).where(subscriptions.c.id == sub_id)).first()
    return None if row is None else Found(subscription_of(row), row.status)


def start_signups(
    con: sa.Connection, subs: Sequence[Subscription], now: datetime, notice_limit: int
) -> list[SignupTicket]:
    """Record web sign-ups, a burst at a time in a few statements: each is pending with a
    confirmation token, unless that address and cadence is already active or paused, which is
    left alone and gets a manage token instead. One ticket per sign-up, in order."""
    keys: list[tuple[str, str]] = [(email_key(sub.email), str(sub.cadence)) for sub in subs]
    emails = sorted({email for email, _ in keys})
    s = subscriptions.c
    known = {
        (row.email, row.cadence): row
        for row in con.execute(sa.select(subscriptions).where(s.email.in_(emails)))
    }
    latest = dict(zip(keys, subs, strict=True))  # the same address and cadence twice: last wins
    ids = _store_pending(con, latest, known, now)
    allowed = _notices_allowed(con, emails, keys, now, notice_limit)
    tickets, rows = [], []
    for key, notify in zip(keys, allowed, strict=True):
        row = known.get(key)
        existing = row is not None and row.status in ("active", "paused")
        sub_id = int(row.id) if existing and row is not None else ids[key]
        token, issued = new_token("manage" if existing else "confirm", now)
        rows.append(
            {"token_hash": issued.token_hash, "purpose": issued.purpose,
             "subscription_id": sub_id, "created_at": now, "expires_at": issued.expires_at}
        )  # fmt: skip
        shown = subscription_of(row) if existing and row is not None else latest[key]
        tickets.append(SignupTicket(replace(shown, id=sub_id), token, existing, notify))
    con.execute(sa.insert(tokens), rows)
    return tickets


def _store_pending(
    con: sa.Connection,
    latest: dict[tuple[str, str], Subscription],
    known: dict[tuple[str, str], Any],
    now: datetime,
) -> dict[tuple[str, str], int]:
    """Insert the new sign-ups and refresh the pending or stopped ones; their ids."""
    s = subscriptions.c
    fresh, again = [], []
    for (email, cadence), sub in latest.items():
        row = known.get((email, cadence))
        values = {**filter_values(sub), "status": "pending", "active": False, "updated_at": now}
        if row is None:
            fresh.append({"email": email, "cadence": cadence, "created_at": now, **values})
        elif row.status not in ("active", "paused"):
            again.append({"b_id": row.id, **values})
    ids = {k: int(r.id) for k, r in known.items()}
    if again:
        names = [name for name in again[0] if name != "b_id"]
        con.execute(
            sa.update(subscriptions)
            .where(s.id == sa.bindparam("b_id"))
            .values({name: sa.bindparam(name) for name in names}),
            again,
        )
    if fresh:
        returned = con.execute(
            sa.insert(subscriptions).returning(s.id, s.email, s.cadence), fresh
        ).all()
        ids.update({(r.email, r.cadence): int(r.id) for r in returned})
    return ids


def _notices_allowed(
    con: sa.Connection,
    emails: list[str],
    keys: list[tuple[str, str]],
    now: datetime,
    limit: int,
) -> list[bool]:
    """Whether each sign-up may send its email (fewer than `limit` to that address in the last
    day, this burst included); the ones allowed are recorded."""
    n = notices.c
    sent: dict[str, int] = dict(
        con.execute(
            sa.select(n.email, sa.func.count())
            .where(n.email.in_(emails), n.sent_at > now - NOTICE_WINDOW)
            .group_by(n.email)
        ).all()
    )
    allowed = []
    for email, _ in keys:
        ok = sent.get(email, 0) < limit
        sent[email] = sent.get(email, 0) + ok
        allowed.append(ok)
    records = [
        {"email": email, "sent_at": now} for (email, _), ok in zip(keys, allowed, strict=True) if ok
    ]
    if records:
        con.execute(sa.insert(notices), records)
    return allowed


def confirm(con: sa.Connection, token: str, now: datetime) -> int | None:
    """Activate the pending subscription a confirmation token names; the token is used up."""
    sub_id = resolve_token(con, token, "confirm", now)
    if sub_id is None:
        return None
    s = subscriptions.c
    con.execute(
        sa.update(subscriptions)
        .where(s.id == sub_id, s.status == "pending")
        .values(status="active", active=True, updated_at=now)
    )
    con.execute(
        sa.delete(tokens).where(tokens.c.subscription_id == sub_id, tokens.c.purpose == "confirm")
    )
    return sub_id


def save_filters(con: sa.Connection, sub_id: int, sub: Subscription, now: datetime) -> bool:
    """Replace cadence and filters of one subscription; False when the cadence is taken by
    another subscription of the same address (merge them by hand: pause one first)."""
    s = subscriptions.c
    current = con.execute(sa.select(s.email).where(s.id == sub_id)).scalar()
    clash = con.execute(
        sa.select(s.id).where(s.email == current, s.cadence == sub.cadence, s.id != sub_id)
    ).first()
    if current is None or clash is not None:
        return False
    values = {c: v for c, v in filter_values(sub).items() if c in FILTER_COLUMNS}
    con.execute(
        sa.update(subscriptions)
        .where(s.id == sub_id)
        .values(cadence=sub.cadence, updated_at=now, **values)
    )
    return True


def set_status(con: sa.Connection, sub_id: int, status: Status, now: datetime) -> None:
    """Move a confirmed subscription to `active`, `paused` or `unsubscribed`."""
    s = subscriptions.c
    con.execute(
        sa.update(subscriptions)
        .where(s.id == sub_id, s.status != "pending")
        .values(status=status, active=status == "active", updated_at=now)
    )


def erase_address(con: sa.Connection, email: str) -> int:
    """Delete every subscription of an address, its tokens, deliveries and their items
    (foreign keys cascade), and its notice records; how many subscriptions went."""
    key = email_key(email)
    con.execute(sa.delete(notices).where(notices.c.email == key))
    return int(con.execute(sa.delete(subscriptions).where(subscriptions.c.email == key)).rowcount)


def resolve(con: sa.Connection, token: str, purpose: str, now: datetime) -> Found | None:
    """The subscription behind a live token of this purpose, with its status."""
    sub_id = resolve_token(con, token, purpose, now)
    return None if sub_id is None else find(con, sub_id)
