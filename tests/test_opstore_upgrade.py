"""Upgrading: a warehouse made by the previous code (migrations 001-006, its rows, a send journal
a stopped run left) hands its operational state to the operational store, nothing lost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from core.settings import Settings
from opstore.schema import deliveries, delivery_items, subscriptions
from opstore.subscriptions import save_subscription
from pipeline.journal import journal_path
from pipeline.stores import carried_over, carry_over, ops_store
from subscriptions.input import subscription_from
from tests.helpers import ops_of, warehouse_at
from warehouse.db import connect_reader, connect_writer

T0 = datetime(2026, 11, 2, 7, 30, tzinfo=UTC)


def warehouse_at_006(path: Path) -> None:
    """Migrations 001-006 as the previous code applied them, with subscriptions, deliveries
    in every state and their postings."""
    con = warehouse_at(path, 6, T0)
    for sub_id, email, active in ((3, "cra@example.org", True), (7, "gone@example.org", False)):
        con.execute(
            "INSERT INTO subscriptions (id, email, cadence, keywords, levels, workplaces,"
            " locations, include_no_salary, active, created_at, updated_at, families, countries,"
            " companies, exclude_companies, no_news, min_salary_usd, min_salary_amount,"
            " min_salary_currency) VALUES (?, ?, 'daily', ['clinical research'], ['manager'],"
            " ['remote'], [], TRUE, ?, ?, ?, [], ['US'], [], ['Acme'], TRUE, 108000, 100000,"
            " 'EUR')",
            [sub_id, email, active, T0, T0],
        )
    for n, status in enumerate(("sent", "pending", "pending", "retry", "failed")):
        con.execute(
            "INSERT INTO deliveries (message_id, subscription_id, cadence, recipient, subject,"
            " status, transport, message, error, attempts, posting_count, created_at, sent_at,"
            " last_attempt_at, period) VALUES (?, 3, 'daily', 'cra@example.org', 'roles', ?,"
            " 'smtp', ?, NULL, ?, 1, ?, NULL, NULL, NULL)",
            [f"<m{n}@clinops>", status, f"Subject: {n}\r\n\r\nhi".encode(), n, T0 + timedelta(n)],
        )
        con.execute(
            "INSERT INTO delivery_items VALUES (?, 3, 'ashby-acme', ?)",
            [f"<m{n}@clinops>", f"p{n}"],
        )
    con.close()
    # A run that died mid-batch: m1 accepted, m2 refused for good, m3 handed over, no answer.
    journal_path(path, "daily").write_bytes(
        b"sending <m1@clinops>\nsent <m1@clinops>\nsending <m2@clinops>\n"
        b"failed <m2@clinops> permanent <recipient>: 550 no such user\nsending <m3@clinops>\n"
    )


def store_rows(db: Path, query: sa.Select) -> list[tuple]:
    with ops_of(db).reader() as con:
        return [tuple(r) for r in con.execute(query)]


def test_a_warehouse_of_the_previous_code_upgrades_without_loss(tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    warehouse_at_006(db)
    store = ops_store(Settings(db_path=db))  # what every command and flow opens
    assert carried_over(store)
    s, d, i = subscriptions.c, deliveries.c, delivery_items.c
    assert store_rows(db, sa.select(s.id, s.email, s.active, s.keywords, s.countries,
                                    s.exclude_companies, s.min_salary_currency, s.no_news,
                                    s.created_at).order_by(s.id)) == [
        (3, "cra@example.org", True, ["clinical research"], ["US"], ["Acme"], "EUR", True, T0),
        (7, "gone@example.org", False, ["clinical research"], ["US"], ["Acme"], "EUR", True, T0),
    ]  # fmt: skip
    assert store_rows(
        db, sa.select(d.message_id, d.status, d.created_at).order_by(d.message_id)
    ) == [
        ("<m0@clinops>", "sent", T0),
        ("<m1@clinops>", "sent", T0 + timedelta(1)),  # from the journal
        ("<m2@clinops>", "failed", T0 + timedelta(2)),  # from the journal
        ("<m3@clinops>", "sending", T0 + timedelta(3)),  # the one in doubt
        ("<m4@clinops>", "failed", T0 + timedelta(4)),
    ]
    assert store_rows(db, sa.select(d.message).where(d.message_id == "<m0@clinops>")) == [
        (b"Subject: 0\r\n\r\nhi",)
    ]
    assert len(store_rows(db, sa.select(i.source_id))) == 5
    assert not journal_path(db, "daily").exists()
    con = connect_reader(db)
    left = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name IN"
        " ('subscriptions', 'deliveries', 'delivery_items')"
    ).fetchone()
    con.close()
    assert left == (0,)
    # New ids continue after the carried ones; carrying again changes nothing.
    new_id = save_subscription(store, subscription_from({"email": "new@example.org"}), T0)
    assert new_id == 8
    assert carry_over(db, store).subscriptions == 0
    assert len(store_rows(db, sa.select(s.id))) == 3


def test_a_new_install_carries_its_empty_tables_once_the_warehouse_exists(tmp_path) -> None:
    settings = Settings(db_path=tmp_path / "new.duckdb")
    store = ops_store(settings)  # the CLI before any ingest: no warehouse to look at yet
    assert not carried_over(store) and not settings.db_path.exists()
    connect_writer(settings.db_path).close()  # the first ingest (migration 011 moves nothing)
    assert ops_store(settings) is store and carried_over(store)
    con = connect_reader(settings.db_path)
    schemas = con.execute("SELECT DISTINCT schema_name FROM duckdb_tables()").fetchall()
    con.close()
    assert schemas == [("main",)]
