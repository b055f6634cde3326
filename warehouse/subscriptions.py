"""Subscriptions: who gets which digest."""

from __future__ import annotations

from datetime import datetime

import duckdb

from core.models import Subscription

SELECT_COLUMNS = (
    "id, email, cadence, keywords, levels, workplaces, locations, min_salary_usd, include_no_salary"
)


def _from_row(row: tuple) -> Subscription:
    return Subscription(
        id=row[0],
        email=row[1],
        cadence=row[2],
        keywords=tuple(row[3]),
        levels=tuple(row[4]),
        workplaces=tuple(row[5]),
        locations=tuple(row[6]),
        min_salary_usd=row[7],
        include_no_salary=row[8],
    )


def save_subscription(con: duckdb.DuckDBPyConnection, sub: Subscription, now: datetime) -> int:
    """Create the subscription, or update the filters of the same email and cadence."""
    row = con.execute(
        "INSERT INTO subscriptions (email, cadence, keywords, levels, workplaces, locations,"
        " min_salary_usd, include_no_salary, active, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, TRUE, ?)"
        " ON CONFLICT (email, cadence) DO UPDATE SET keywords = excluded.keywords,"
        " levels = excluded.levels, workplaces = excluded.workplaces,"
        " locations = excluded.locations, min_salary_usd = excluded.min_salary_usd,"
        " include_no_salary = excluded.include_no_salary, active = TRUE"
        " RETURNING id",
        [
            sub.email,
            sub.cadence,
            list(sub.keywords),
            list(sub.levels),
            list(sub.workplaces),
            list(sub.locations),
            sub.min_salary_usd,
            sub.include_no_salary,
            now,
        ],
    ).fetchone()
    assert row is not None
    return int(row[0])


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


def active_subscriptions(con: duckdb.DuckDBPyConnection, cadence: str) -> list[Subscription]:
    """Active subscriptions of one cadence."""
    rows = con.execute(
        f"SELECT {SELECT_COLUMNS} FROM subscriptions WHERE active AND cadence = ? ORDER BY id",  # noqa: S608
        [cadence],
    ).fetchall()
    return [_from_row(r) for r in rows]


def subscription_overview(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Every subscription with its delivery counts and last failure, for the CLI."""
    return con.execute(
        "SELECT s.id, s.email, s.cadence, s.active, s.levels, s.workplaces, s.keywords,"
        " s.locations, s.min_salary_usd,"
        " count(d.message_id) FILTER (WHERE d.status = 'sent') AS sent,"
        " max(d.sent_at) AS last_sent,"
        " arg_max(d.error, d.created_at) FILTER (WHERE d.status IN ('failed', 'retry')) AS error"
        " FROM subscriptions s LEFT JOIN deliveries d ON d.subscription_id = s.id"
        " GROUP BY ALL ORDER BY s.id"
    ).fetchall()
