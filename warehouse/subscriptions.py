"""Subscriptions: who gets which digest."""

from __future__ import annotations

from datetime import datetime

import duckdb

from core.models import Subscription
from core.validation import email_key

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
SELECT_COLUMNS = ", ".join(COLUMNS)
LIST_COLUMNS = {
    "keywords",
    "levels",
    "workplaces",
    "locations",
    "families",
    "countries",
    "companies",
    "exclude_companies",
}
# Columns a re-subscription replaces (everything but the key and the creation time).
FILTER_COLUMNS = [c for c in COLUMNS if c not in ("id", "email", "cadence")]


def _from_row(row: tuple) -> Subscription:
    values = dict(zip(COLUMNS, row, strict=True))
    for key in LIST_COLUMNS:
        values[key] = tuple(values[key] or ())
    values["no_news"] = bool(values["no_news"])
    return Subscription(**values)


def _values(sub: Subscription) -> list:
    values = []
    for column in FILTER_COLUMNS:
        value = getattr(sub, column)
        values.append(list(value) if column in LIST_COLUMNS else value)
    return values


def save_subscription(con: duckdb.DuckDBPyConnection, sub: Subscription, now: datetime) -> int:
    """Create the subscription, or update the filters of the same email and cadence.

    The address is stored lower-cased (`email_key`): case never makes a second subscription.
    """
    names = ", ".join(FILTER_COLUMNS)
    marks = ", ".join("?" for _ in FILTER_COLUMNS)
    updates = ", ".join(f"{c} = excluded.{c}" for c in FILTER_COLUMNS)
    row = con.execute(
        f"INSERT INTO subscriptions (email, cadence, {names}, active, created_at, updated_at)"  # noqa: S608
        f" VALUES (?, ?, {marks}, TRUE, ?, ?)"
        f" ON CONFLICT (email, cadence) DO UPDATE SET {updates}, active = TRUE,"
        " updated_at = excluded.updated_at"
        " RETURNING id",
        [email_key(sub.email), sub.cadence, *_values(sub), now, now],
    ).fetchone()
    assert row is not None
    return int(row[0])


def save_subscriptions(
    con: duckdb.DuckDBPyConnection, subs: list[Subscription], now: datetime
) -> list[int]:
    """Save many subscriptions in one statement (all or none); their ids, in order.

    The same email (in any case) and cadence twice in one batch: the later entry wins.
    """
    if not subs:
        return []
    latest = {(email_key(s.email), s.cadence): s for s in subs}
    keys = list(latest)
    batch = list(latest.values())
    names = ", ".join(FILTER_COLUMNS)
    marks = ", ".join("unnest(?)" for _ in FILTER_COLUMNS)
    updates = ", ".join(f"{c} = excluded.{c}" for c in FILTER_COLUMNS)
    columns = [list(col) for col in zip(*(_values(s) for s in batch), strict=True)]
    rows = con.execute(
        f"INSERT INTO subscriptions (email, cadence, {names}, active, created_at, updated_at)"
        f" SELECT unnest(?), unnest(?), {marks}, TRUE, ?, ?"
        f" ON CONFLICT (email, cadence) DO UPDATE SET {updates}, active = TRUE,"
        " updated_at = excluded.updated_at"
        " RETURNING id, email, cadence",
        [[email for email, _ in keys], [cadence for _, cadence in keys], *columns, now, now],
    ).fetchall()
    ids = {(str(r[1]), str(r[2])): int(r[0]) for r in rows}
    return [ids[(email_key(s.email), s.cadence)] for s in subs]


def deactivate(con: duckdb.DuckDBPyConnection, email: str, cadence: str | None = None) -> int:
    """Stop sending to an address (one cadence or all); return how many were active."""
    rows = con.execute(
        "UPDATE subscriptions SET active = FALSE WHERE lower(email) = lower(?) AND active"
        " AND (? IS NULL OR cadence = ?) RETURNING id",
        [email, cadence, cadence],
    ).fetchall()
    return len(rows)


def deactivate_id(con: duckdb.DuckDBPyConnection, sub_id: int, email: str) -> int:
    """Stop one subscription identified by a verified (id, email) pair."""
    rows = con.execute(
        "UPDATE subscriptions SET active = FALSE WHERE id = ? AND lower(email) = lower(?)"
        " AND active RETURNING id",
        [sub_id, email],
    ).fetchall()
    return len(rows)


def get_subscription(
    con: duckdb.DuckDBPyConnection, sub_id: int, email: str
) -> tuple[Subscription, bool] | None:
    """The subscription of a verified (id, email) pair and whether it is active, or None."""
    row = con.execute(
        f"SELECT {SELECT_COLUMNS}, active FROM subscriptions"  # noqa: S608
        " WHERE id = ? AND lower(email) = lower(?)",
        [sub_id, email],
    ).fetchone()
    if row is None:
        return None
    return _from_row(row[:-1]), bool(row[-1])


def active_subscriptions(con: duckdb.DuckDBPyConnection, cadence: str) -> list[Subscription]:
    """Active subscriptions of one cadence."""
    rows = con.execute(
        f"SELECT {SELECT_COLUMNS} FROM subscriptions WHERE active AND cadence = ? ORDER BY id",  # noqa: S608
        [cadence],
    ).fetchall()
    return [_from_row(r) for r in rows]


def subscription_overview(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Every subscription with its delivery counts and last failure, for the CLI.

    Columns: id, email, cadence, active, filters (one readable line), sent, last_sent,
    waiting (pending, sending or retry), failed, error (the latest failure's message).
    """
    return con.execute(
        "SELECT s.id, s.email, s.cadence, s.active,"
        " concat_ws('; ',"
        "   CASE WHEN len(s.keywords) > 0"
        "        THEN 'keywords: ' || array_to_string(s.keywords, ', ') END,"
        "   CASE WHEN len(s.levels) > 0 THEN 'levels: ' || array_to_string(s.levels, ', ') END,"
        "   CASE WHEN len(s.families) > 0"
        "        THEN 'families: ' || array_to_string(s.families, ', ') END,"
        "   CASE WHEN len(s.workplaces) > 0"
        "        THEN 'workplace: ' || array_to_string(s.workplaces, ', ') END,"
        "   CASE WHEN len(s.locations) > 0"
        "        THEN 'locations: ' || array_to_string(s.locations, ', ') END,"
        "   CASE WHEN len(s.countries) > 0"
        "        THEN 'countries: ' || array_to_string(s.countries, ', ') END,"
        "   CASE WHEN len(s.companies) > 0"
        "        THEN 'companies: ' || array_to_string(s.companies, ', ') END,"
        "   CASE WHEN len(s.exclude_companies) > 0"
        "        THEN 'not: ' || array_to_string(s.exclude_companies, ', ') END,"
        "   CASE WHEN s.min_salary_usd IS NOT NULL THEN 'min $' || round(s.min_salary_usd)::BIGINT"
        "        || coalesce(' (' || s.min_salary_currency || ' '"
        "        || round(s.min_salary_amount)::BIGINT || ')', '') END,"
        "   CASE WHEN NOT s.include_no_salary THEN 'salary stated only' END,"
        "   CASE WHEN s.no_news THEN 'no-news mails' END) AS filters,"
        " count(d.message_id) FILTER (WHERE d.status = 'sent') AS sent,"
        " max(d.sent_at) AS last_sent,"
        " count(d.message_id) FILTER (WHERE d.status IN ('pending', 'sending', 'retry'))"
        "   AS waiting,"
        " count(d.message_id) FILTER (WHERE d.status = 'failed') AS failed,"
        " arg_max(d.error, d.created_at) FILTER (WHERE d.status IN ('failed', 'retry')) AS error"
        " FROM subscriptions s LEFT JOIN deliveries d ON d.subscription_id = s.id"
        " GROUP BY ALL ORDER BY s.id"
    ).fetchall()
