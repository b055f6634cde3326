"""Subscriptions: who gets which digest, and the overview the CLI prints."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from core.models import Audience, Subscription
from core.validation import email_key
from opstore.db import insert, reads, writes
from opstore.schema import LIST_COLUMNS, aware, deliveries, delivery_items, subscriptions

COLUMNS = (
    "id",
    "email",
    "cadence",
    "keywords",
    "levels",
    "workplaces",
    "locations",
    "min_salary_usd",
    "include_no_salary",
    "families",
    "countries",
    "companies",
    "exclude_companies",
    "min_salary_amount",
    "min_salary_currency",
    "no_news",
)
# Columns a re-subscription replaces (everything but the key and the creation time).
FILTER_COLUMNS = [c for c in COLUMNS if c not in ("id", "email", "cadence")]
WAITING = ("pending", "sending", "retry")


def subscription_of(row: Any) -> Subscription:
    """A stored row as a Subscription."""
    mapping = row._mapping
    values = {c: mapping[c] for c in COLUMNS}
    for key in LIST_COLUMNS:
        values[key] = tuple(values[key] or ())
    values["no_news"] = bool(values["no_news"])
    values["include_no_salary"] = bool(values["include_no_salary"])
    return Subscription(**values)


def filter_values(sub: Subscription) -> dict[str, Any]:
    """The columns a subscription's filters are stored in."""
    return {
        c: list(getattr(sub, c)) if c in LIST_COLUMNS else getattr(sub, c) for c in FILTER_COLUMNS
    }


@writes
def save_subscription(con: sa.Connection, sub: Subscription, now: datetime) -> int:
    """Create the subscription, or update the filters of the same email and cadence.

    The address is stored lower-cased (`email_key`): case never makes a second subscription.
    """
    row = {"email": email_key(sub.email), "cadence": sub.cadence, **filter_values(sub)}
    statement = insert(con, subscriptions).values(
        **row, active=True, status="active", created_at=now, updated_at=now
    )
    changes = {c: statement.excluded[c] for c in FILTER_COLUMNS}
    statement = statement.on_conflict_do_update(
        index_elements=["email", "cadence"],
        set_={
            **changes,
            "active": True,
            "status": "active",
            "updated_at": statement.excluded.updated_at,
        },
    ).returning(subscriptions.c.id)
    return int(con.execute(statement).scalar_one())


@writes
def save_subscriptions(con: sa.Connection, subs: list[Subscription], now: datetime) -> list[int]:
    """Save many subscriptions in the caller's transaction; their ids, in order.

    The same email (in any case) and cadence twice in one batch: the later entry wins.
    """
    latest = {(email_key(s.email), s.cadence): s for s in subs}
    ids = {key: save_subscription(con, sub, now) for key, sub in latest.items()}
    return [ids[(email_key(s.email), s.cadence)] for s in subs]


@writes
def deactivate(con: sa.Connection, email: str, cadence: str | None = None) -> int:
    """Stop sending to an address (one cadence or all); return how many were active."""
    s = subscriptions.c
    condition = sa.and_(s.email == email_key(email), s.active)
    if cadence is not None:
        condition = sa.and_(condition, s.cadence == cadence)
    result = con.execute(
        sa.update(subscriptions).where(condition).values(active=False, status="unsubscribed")
    )
    return int(result.rowcount)


@writes
def deactivate_id(con: sa.Connection, sub_id: int, email: str | None = None) -> int:
    """Stop one subscription (named by a verified token); 1 if it was active, else 0."""
    s = subscriptions.c
    condition = sa.and_(s.id == sub_id, s.active)
    if email is not None:
        condition = sa.and_(condition, s.email == email_key(email))
    result = con.execute(
        sa.update(subscriptions).where(condition).values(active=False, status="unsubscribed")
    )
    return int(result.rowcount)


@writes
def activate_id(con: sa.Connection, sub_id: int, now: datetime) -> int:
    """Start (or resume) one subscription, e.g. once its address is confirmed; 1 if it was
    stopped, else 0."""
    s = subscriptions.c
    result = con.execute(
        sa.update(subscriptions)
        .where(s.id == sub_id, sa.not_(s.active))
        .values(active=True, updated_at=now)
    )
    return int(result.rowcount)


@reads
def get_subscription(
    con: sa.Connection, sub_id: int, email: str | None = None
) -> tuple[Subscription, bool] | None:
    """The subscription and whether it is active, or None (also when `email` differs)."""
    s = subscriptions.c
    condition = s.id == sub_id
    if email is not None:
        condition = sa.and_(condition, s.email == email_key(email))
    row = con.execute(sa.select(subscriptions).where(condition)).first()
    if row is None:
        return None
    return subscription_of(row), bool(row.active)


@reads
def active_subscriptions(con: sa.Connection, cadence: str) -> list[Subscription]:
    """Active subscriptions of one cadence."""
    s = subscriptions.c
    rows = con.execute(
        sa.select(subscriptions).where(s.active, s.cadence == cadence).order_by(s.id)
    )
    return [subscription_of(r) for r in rows]


@reads
def audience(
    con: sa.Connection,
    cadence: str,
    window_days: int,
    *,
    after: int = 0,
    limit: int | None = None,
) -> Audience:
    """Active subscriptions of a cadence with `since` (last digest recorded, else sign-up,
    minus the window) and their delivered postings recorded since then.

    `after` and `limit` read one batch: the next `limit` subscriptions by id after `after`.
    """
    s = subscriptions.c
    query = (
        sa.select(subscriptions, _last_digest().label("at"))
        .where(s.active, s.cadence == cadence, s.id > after)
        .order_by(s.id)
    )
    rows = con.execute(query if limit is None else query.limit(limit)).all()
    window = timedelta(days=window_days)
    subs = [(subscription_of(row), (aware(row.at) or row.created_at) - window) for row in rows]
    if not subs:
        return Audience([], [])
    return Audience(subs, _delivered_since(con, subs, batch=limit is not None))


def _last_digest() -> Any:
    """When the subscription in the outer query last had a digest recorded (any status)."""
    d = deliveries.c
    return (
        sa.select(sa.func.max(d.created_at))
        .where(d.subscription_id == subscriptions.c.id)
        .scalar_subquery()
    )


def _delivered_since(
    con: sa.Connection, subs: list[tuple[Subscription, datetime]], *, batch: bool
) -> list[tuple[int, str, str]]:
    """The (subscription id, source, source id) pairs delivered to these subscriptions inside
    their windows; `batch`: only these subscriptions are read (else every active one of the
    cadence, in one query)."""
    s, d, i = subscriptions.c, deliveries.c, delivery_items.c
    earliest = min(since for _, since in subs)
    since_of = {int(sub.id or 0): since for sub, since in subs}
    query = (
        sa.select(i.subscription_id, i.source, i.source_id, d.created_at)
        .join(deliveries, d.message_id == i.message_id)
        .where(d.created_at >= earliest)
    )
    if batch:
        query = query.where(i.subscription_id.in_(list(since_of)))
    else:
        cadence = subs[0][0].cadence
        query = query.join(subscriptions, s.id == i.subscription_id).where(
            s.active, s.cadence == cadence
        )
    return [
        (int(p.subscription_id), p.source, p.source_id)
        for p in con.execute(query)
        if p.subscription_id in since_of and p.created_at >= since_of[p.subscription_id]
    ]


@reads
def earliest_window(con: sa.Connection, cadence: str, window_days: int) -> datetime | None:
    """The earliest `since` of the cadence's active subscriptions (None without any): the
    oldest posting a digest run of that cadence can still send."""
    s = subscriptions.c
    first = con.execute(
        sa.select(sa.func.min(sa.func.coalesce(_last_digest(), s.created_at))).where(
            s.active, s.cadence == cadence
        )
    ).scalar()
    start = aware(first)
    return None if start is None else start - timedelta(days=window_days)


@reads
def subscription_overview(con: sa.Connection) -> list[tuple[Any, ...]]:
    """Every subscription with its delivery counts and last failure, for the CLI.

    Columns: id, email, cadence, active, filters (one readable line), sent, last_sent,
    waiting (pending, sending or retry), failed, error (the latest failure's message).
    """
    d = deliveries.c
    counts = {
        int(r.subscription_id): r
        for r in con.execute(
            sa.select(
                d.subscription_id,
                sa.func.count().filter(d.status == "sent").label("sent"),
                sa.func.max(d.sent_at).label("last_sent"),
                sa.func.count().filter(d.status.in_(WAITING)).label("waiting"),
                sa.func.count().filter(d.status == "failed").label("failed"),
            ).group_by(d.subscription_id)
        )
    }
    errors = _latest_errors(con)
    rows = []
    for row in con.execute(sa.select(subscriptions).order_by(subscriptions.c.id)):
        sub, count = subscription_of(row), counts.get(int(row.id))
        last_sent = aware(count.last_sent) if count else None
        rows.append(
            (
                row.id,
                row.email,
                row.cadence,
                bool(row.active),
                describe_filters(sub),
                count.sent if count else 0,
                last_sent,
                count.waiting if count else 0,
                count.failed if count else 0,
                errors.get(int(row.id)),
            )
        )
    return rows


def _latest_errors(con: sa.Connection) -> dict[int, str | None]:
    """Each subscription's latest failed or retried delivery's error."""
    d = deliveries.c
    rows = con.execute(
        sa.select(d.subscription_id, d.error)
        .where(d.status.in_(("failed", "retry")))
        .order_by(d.subscription_id, d.created_at)
    )
    return {int(r.subscription_id): r.error for r in rows}


def describe_filters(sub: Subscription) -> str:
    """The filters on one line: `keywords: a, b; levels: senior; min $120000 (EUR 95000)`."""
    parts = [
        f"{label}: {', '.join(values)}"
        for label, values in (
            ("keywords", sub.keywords),
            ("levels", sub.levels),
            ("families", sub.families),
            ("workplace", sub.workplaces),
            ("locations", sub.locations),
            ("countries", sub.countries),
            ("companies", sub.companies),
            ("not", sub.exclude_companies),
        )
        if values
    ]
    if sub.min_salary_usd is not None:
        text = f"min ${_whole(sub.min_salary_usd)}"
        if sub.min_salary_currency and sub.min_salary_amount is not None:
            text += f" ({sub.min_salary_currency} {_whole(sub.min_salary_amount)})"
        parts.append(text)
    if not sub.include_no_salary:
        parts.append("salary stated only")
    if sub.no_news:
        parts.append("no-news mails")
    return "; ".join(parts)


def _whole(value: float) -> int:
    """Rounded half away from zero, as SQL's round() does."""
    return int(value + 0.5) if value >= 0 else -int(-value + 0.5)
