"""Self-service subscriptions: double opt-in, pause and resume, erasure, and notice limits.

A subscription's `status` says where it stands: `pending` (signed up on the web, not yet
confirmed), `active`, `paused` or `unsubscribed`; digests go only to `active` ones (the `active`
flag that matching reads is kept equal to `status = 'active'` by a CHECK constraint).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import sqlalchemy as sa

from core.models import Subscription
from core.validation import email_key
from opstore.schema import notices, subscriptions, tokens
from opstore.subscriptions import FILTER_COLUMNS, filter_values, subscription_of
from opstore.tokens import issue_token, resolve_token

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
    already gets this cadence (`existing`)."""

    subscription_id: int
    token: str
    existing: bool


def find(con: sa.Connection, sub_id: int) -> Found | None:
    """A subscription by id, with its status."""
    row = con.execute(sa.select(subscriptions).where(subscriptions.c.id == sub_id)).first()
    return None if row is None else Found(subscription_of(row), row.status)


def start_signup(con: sa.Connection, sub: Subscription, now: datetime) -> SignupTicket:
    """Record a web sign-up as pending with a confirmation token, or, when that address and
    cadence is already active or paused, leave it alone and issue a manage token instead."""
    s = subscriptions.c
    email = email_key(sub.email)
    row = con.execute(
        sa.select(s.id, s.status).where(s.email == email, s.cadence == sub.cadence)
    ).first()
    if row is not None and row.status in ("active", "paused"):
        return SignupTicket(int(row.id), issue_token(con, "manage", int(row.id), now), True)
    values = {**filter_values(sub), "status": "pending", "active": False, "updated_at": now}
    if row is None:
        sub_id = con.execute(
            sa.insert(subscriptions)
            .values(email=email, cadence=sub.cadence, created_at=now, **values)
            .returning(s.id)
        ).scalar_one()
    else:
        sub_id = row.id
        con.execute(sa.update(subscriptions).where(s.id == sub_id).values(**values))
    return SignupTicket(int(sub_id), issue_token(con, "confirm", int(sub_id), now), False)


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


def notices_allowed(con: sa.Connection, email: str, limit: int, now: datetime) -> bool:
    """Record a notice to `email` when fewer than `limit` went in the last day; else False."""
    n = notices.c
    key = email_key(email)
    sent = con.execute(
        sa.select(sa.func.count()).where(n.email == key, n.sent_at > now - NOTICE_WINDOW)
    ).scalar_one()
    if sent >= limit:
        return False
    con.execute(sa.insert(notices).values(email=key, sent_at=now))
    return True


def resolve(con: sa.Connection, token: str, purpose: str, now: datetime) -> Found | None:
    """The subscription behind a live token of this purpose, with its status."""
    sub_id = resolve_token(con, token, purpose, now)
    return None if sub_id is None else find(con, sub_id)
