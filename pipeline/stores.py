"""Opening the operational store for a warehouse, and the one-time upgrade into it.

`ops_store(settings)` is how flows, the CLI and the web command reach the store. The first
time it opens a store beside a warehouse made by an older version, it carries that
warehouse's subscriptions, deliveries and delivery items (moved aside by DuckDB migration 011)
and any send journal file left by a stopped run into the store, ids and history kept, then
drops the old tables. It is idempotent: a crash half-way repeats it, nothing is copied twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from core.models import CADENCES
from core.settings import Settings
from opstore import deliveries as ops_deliveries
from opstore.db import OpsStore, insert, open_store
from opstore.schema import LIST_COLUMNS, deliveries, delivery_items, meta, subscriptions
from pipeline.journal import journal_path, read_journal
from warehouse.db import writer
from warehouse.legacy import LegacyRows, drop_legacy, has_legacy, legacy_rows

logger = logging.getLogger(__name__)

CARRIED_KEY = "warehouse_carried_over"


@dataclass(frozen=True)
class CarriedOver:
    """How many rows and journal events the upgrade brought into the store."""

    subscriptions: int = 0
    deliveries: int = 0
    delivery_items: int = 0
    journal_events: int = 0


def ops_store(settings: Settings, db_path: Path | None = None) -> OpsStore:
    """The operational store for this warehouse, upgraded from an older layout if need be."""
    db = db_path or settings.db_path
    store = open_store(settings.ops_store_url(db))
    if not carried_over(store):
        carry_over(db, store)
    return store


def carried_over(store: OpsStore) -> bool:
    """True once the store has taken over from the warehouse (a new one's empty tables too)."""
    with store.reader() as con:
        return (
            con.execute(sa.select(meta.c.value).where(meta.c.key == CARRIED_KEY)).first()
            is not None
        )


def carry_over(db_path: Path, store: OpsStore) -> CarriedOver:
    """Copy an older warehouse's operational rows and journals into the store, then drop them."""
    if not db_path.exists():  # nothing yet: a later open (after the first ingest) looks again
        return CarriedOver()
    with writer(db_path) as con:  # applies migration 011 first, which moves the tables aside
        rows = legacy_rows(con) if has_legacy(con) else LegacyRows()
        with store.transaction() as ops:
            counts = _import(ops, rows)
            events = _import_journals(ops, db_path)
            _mark_carried_in(ops, str(db_path))
        drop_legacy(con)
    for cadence in CADENCES:
        journal_path(db_path, cadence).unlink(missing_ok=True)
    result = CarriedOver(*counts, events)
    if any((*counts, events)):
        logger.warning("carried over from %s into the operational store: %s", db_path, result)
    return result


def _import(con: sa.Connection, rows: LegacyRows) -> tuple[int, int, int]:
    """Insert what is not there yet (same keys), keeping ids; how many rows were new."""
    subs = [_subscription(r) for r in rows.subscriptions]
    counts = (
        _insert_new(con, subscriptions, subs),
        _insert_new(con, deliveries, [_delivery(r) for r in rows.deliveries]),
        _insert_new(con, delivery_items, rows.delivery_items),
    )
    if subs and con.dialect.name == "postgresql":
        con.execute(
            sa.text(
                "SELECT setval(pg_get_serial_sequence('subscriptions', 'id'),"
                " (SELECT max(id) FROM subscriptions))"
            )
        )
    return counts


def _insert_new(con: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> int:
    if not rows:
        return 0
    names = {c.name for c in table.columns}
    cleaned = [{k: v for k, v in r.items() if k in names} for r in rows]
    return int(con.execute(insert(con, table).on_conflict_do_nothing(), cleaned).rowcount)


def _subscription(row: dict[str, Any]) -> dict[str, Any]:
    values = dict(row)
    for key in LIST_COLUMNS:
        values[key] = list(values.get(key) or [])
    values["no_news"] = bool(values.get("no_news"))
    values["include_no_salary"] = bool(values.get("include_no_salary"))
    values["updated_at"] = values.get("updated_at") or values["created_at"]
    values["status"] = "active" if values.get("active", True) else "unsubscribed"
    return values


def _delivery(row: dict[str, Any]) -> dict[str, Any]:
    values = dict(row)
    values["attempts"] = int(values.get("attempts") or 0)
    if values.get("message") is not None:
        values["message"] = bytes(values["message"])
    return values


def _import_journals(con: sa.Connection, db_path: Path) -> int:
    """Record what send journal files a stopped run left (outcomes final, one in doubt)."""
    events = 0
    for cadence in CADENCES:
        entries = read_journal(journal_path(db_path, cadence))
        if entries:
            ops_deliveries.record_attempts(
                con,
                entries.outcomes,
                transport="journal",
                upcoming=entries.in_doubt,
                now=datetime.now(UTC),
            )
            events += len(entries.outcomes) + len(entries.in_doubt)
    return events


def _mark_carried_in(con: sa.Connection, value: str) -> None:
    statement = insert(con, meta).values(key=CARRIED_KEY, value=value)
    con.execute(statement.on_conflict_do_nothing())
