"""The operational tables older versions kept in the warehouse, read once for the upgrade.

Migration 011 moves `subscriptions`, `deliveries` and `delivery_items` into the schema
`legacy_ops` (nothing is dropped before it is carried over); the upgrade (pipeline/stores.py)
copies them into the operational store, then `drop_legacy` removes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb

SCHEMA = "legacy_ops"
TABLES = ("subscriptions", "deliveries", "delivery_items")


@dataclass(frozen=True)
class LegacyRows:
    """Each legacy table's rows as dicts (column name to value), oldest first."""

    subscriptions: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    delivery_items: list[dict[str, Any]] = field(default_factory=list)


def has_legacy(con: duckdb.DuckDBPyConnection) -> bool:
    """True while the moved-aside tables are still in the warehouse."""
    row = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ?", [SCHEMA]
    ).fetchone()
    return bool(row and row[0])


def legacy_rows(con: duckdb.DuckDBPyConnection) -> LegacyRows:
    """Every row of the moved-aside tables."""
    order = {
        "subscriptions": "id",
        "deliveries": "created_at, message_id",
        "delivery_items": "message_id",
    }
    found = {}
    for table in TABLES:
        cursor = con.execute(f"SELECT * FROM {SCHEMA}.{table} ORDER BY {order[table]}")  # noqa: S608
        names = [d[0] for d in cursor.description or ()]
        found[table] = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return LegacyRows(**found)


def drop_legacy(con: duckdb.DuckDBPyConnection) -> None:
    """Remove the moved-aside tables (once the operational store holds their rows)."""
    con.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
