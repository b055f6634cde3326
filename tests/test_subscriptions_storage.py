"""Subscriptions in the operational store: saving again, and warehouses of older versions
carried over."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import duckdb

from opstore.subscriptions import (
    active_subscriptions,
    get_subscription,
    save_subscription,
    save_subscriptions,
)
from pipeline.stores import carry_over
from subscriptions.input import subscription_from
from tests.helpers import NOW, ops_of, ops_rows, warehouse_at


def test_saving_again_updates_and_many_at_once(db) -> None:
    first = subscription_from({"email": "a@example.org", "levels": ["senior"], "no_news": True})
    ops = ops_of(db)
    sub_id = save_subscription(ops, first, NOW)
    changed = subscription_from({"email": "a@example.org", "countries": ["DE"]})
    ids = save_subscriptions(ops, [changed, subscription_from({"email": "b@example.org"})], NOW)
    assert ids[0] == sub_id and len(set(ids)) == 2
    stored, active = get_subscription(ops, sub_id, "A@example.org") or (None, False)
    assert active and stored is not None
    assert stored.levels == () and stored.countries == ("DE",) and stored.no_news is False
    assert get_subscription(ops, sub_id, "someone@else.org") is None


def test_a_warehouse_from_before_the_new_filters_still_works(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    con = warehouse_at_004(path)
    con.execute(
        "INSERT INTO subscriptions (email, cadence, keywords, levels, workplaces, locations,"
        " min_salary_usd, include_no_salary, created_at, families, countries, companies,"
        " exclude_companies, no_news)"
        " VALUES ('old@example.org', 'daily', [], [], [], [], NULL, TRUE, now(),"
        " NULL, NULL, NULL, NULL, NULL)"
    )
    con.close()
    carry_over(path, ops_of(path))
    [sub] = active_subscriptions(ops_of(path), "daily")
    assert sub.families == () and sub.no_news is False


def warehouse_at_004(path: Path) -> duckdb.DuckDBPyConnection:
    """A warehouse as migrations 001-004 left it, before addresses were lower-cased."""
    return warehouse_at(path, 4, NOW)


def add_old_subscription(
    con, sub_id: int, email: str, active: bool, days_ago: int, cadence: str = "daily"
) -> None:
    at = NOW - timedelta(days=days_ago)
    con.execute(
        "INSERT INTO subscriptions (id, email, cadence, keywords, levels, workplaces, locations,"
        " include_no_salary, active, created_at, updated_at)"
        " VALUES (?, ?, ?, [], [], [], [], TRUE, ?, ?, ?)",
        [sub_id, email, cadence, active, at, at],
    )


def test_an_old_warehouse_with_case_duplicates_is_made_consistent(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    con = warehouse_at_004(path)
    add_old_subscription(con, 1, "x@y.org", True, days_ago=9)  # older: stops
    add_old_subscription(con, 2, "X@Y.org", True, days_ago=2)  # newest active: kept
    add_old_subscription(con, 3, "x@Y.org", False, days_ago=1)  # already stopped
    add_old_subscription(con, 4, "Solo@Example.org", True, days_ago=5)  # no clash
    add_old_subscription(con, 5, "X@Y.org", True, days_ago=3, cadence="weekly")  # other cadence
    for message_id, sub_id in (("m1", 1), ("m2", 2)):
        con.execute(
            "INSERT INTO deliveries (message_id, subscription_id, cadence, recipient, status,"
            " posting_count, created_at) VALUES (?, ?, 'daily', 'x@y.org', 'sent', 1, ?)",
            [message_id, sub_id, NOW],
        )
        con.execute("INSERT INTO delivery_items VALUES (?, ?, 'test', 'p1')", [message_id, sub_id])
    con.close()

    carry_over(path, ops_of(path))  # applies 005-011, then carries the rows over
    upgraded = ops_of(path)
    rows = ops_rows(upgraded, "SELECT id, email, active FROM subscriptions ORDER BY id")
    assert rows == [
        (1, "X@Y.org", False),
        (2, "x@y.org", True),
        (3, "x@Y.org", False),
        (4, "solo@example.org", True),
        (5, "x@y.org", True),
    ]
    assert (
        ops_rows(
            upgraded,
            "SELECT count(*) FROM subscriptions WHERE active GROUP BY lower(email), cadence"
            " HAVING count(*) > 1",
        )
        == []
    )
    history = ops_rows(
        upgraded,
        "SELECT d.message_id, d.subscription_id, i.subscription_id FROM deliveries d"
        " JOIN delivery_items i USING (message_id) JOIN subscriptions s ON s.id = d.subscription_id"
        " ORDER BY 1",
    )
    assert history == [("m1", 1, 1), ("m2", 2, 2)]
    sub_id = save_subscription(upgraded, subscription_from({"email": "X@y.ORG"}), NOW)
    assert sub_id == 2
    assert [s.id for s in active_subscriptions(upgraded, "daily")] == [2, 4]
