"""Helpers tests share: reading the operational store."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from opstore.db import OpsStore


def ops_rows(store: OpsStore, sql: str, params: dict[str, Any] | None = None) -> list[tuple]:
    """Every row of a query on the operational store, as tuples."""
    with store.reader() as con:
        return [tuple(r) for r in con.execute(sa.text(sql), params or {})]


def ops_of(warehouse: Any) -> OpsStore:
    """The operational store beside a warehouse (a path or an open DuckDB connection)."""
    from pathlib import Path

    from opstore.db import open_store, sqlite_url
    from warehouse.files import database_path

    path = warehouse if isinstance(warehouse, Path) else database_path(warehouse)
    assert path is not None
    return open_store(sqlite_url(path.with_name("ops.sqlite3")))


def match(db: Any, cadence: str, limit: int | None = None) -> dict[int, Any]:
    """Match every active subscription of a cadence (from the store beside `db`) in DuckDB."""
    from core.models import MAX_DIGEST_ITEMS, WINDOW_DAYS
    from opstore.subscriptions import audience
    from warehouse.matching import match_subscriptions

    who = audience(ops_of(db), cadence, WINDOW_DAYS[cadence])
    return match_subscriptions(db, who, limit=limit or MAX_DIGEST_ITEMS)


def subscription_rows(db: Any, *names: str) -> list[tuple]:
    """These columns of every subscription in the store beside `db`, typed, by id."""
    from opstore.schema import subscriptions

    columns = [subscriptions.c[name] for name in names]
    with ops_of(db).reader() as con:
        query = sa.select(*columns).order_by(subscriptions.c.id)
        return [tuple(r) for r in con.execute(query)]


class Payloads(list[Any]):
    """A connector's payloads, in order; `capped` as the drain reported it."""

    capped: bool = False


def fetch_board(board: Any, session: Any, source: Any, options: Any) -> Payloads:
    """Drain a board module's `pages` as the pipeline does: its payloads (with `capped`), or
    the SourceError that stopped it, carrying the payloads fetched before it."""
    from pipeline.fetching import drain

    fetched = drain(source, board.pages(session, source, options))
    if fetched.error is not None:
        raise fetched.error
    payloads = Payloads(fetched.payloads)
    payloads.capped = fetched.capped
    return payloads
