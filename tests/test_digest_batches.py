"""Digest runs in batches of subscriptions: the same messages as one batch, each exactly once,
and a run that dies mid-batch resumes without duplicates."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import pipeline.digest as digest_module
from core.benchmarks import load_benchmarks
from core.settings import Settings
from digests.mailer import OutboxMailer
from digests.outbox import WRITERS
from opstore.db import OpsStore, open_store, sqlite_url
from opstore.subscriptions import save_subscriptions
from pipeline.digest import DigestOutcome, send_digests
from subscriptions.input import subscription_from
from tests.helpers import add_forty, ops_rows
from warehouse.db import connect_writer

COUNT, BATCH = 48, 12
WRITTEN = 2 * BATCH + 5  # the run dies inside its third batch, before writing the next
NOW = datetime.now(UTC)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Forty manager postings of varied pay, workplace and dates."""
    con = connect_writer(tmp_path_factory.mktemp("batches") / "w.duckdb")
    add_forty(con, NOW)
    yield con
    con.close()


def subscriber(n: int) -> dict[str, Any]:
    """Filters that vary by subscriber (keyword terms change from batch to batch), each
    matching at most 20 of the 40 postings, so one digest shows them all. Everyone asked for
    no-news mail: every subscription gets exactly one message."""
    entry: dict[str, Any] = {"email": f"reader{n:03d}@example.org", "no_news": True}
    entry["keywords"] = [["trial manager"], ["clinical"], [], [f"manager{n // BATCH}"]][n % 4]
    narrower: list[dict[str, Any]] = [
        {"workplaces": ["remote"]},
        {"min_salary_usd": 140_000},
        {"keywords": ["associate"]},
        {"locations": ["london"]},
        {"exclude_companies": ["northwind"], "workplaces": ["remote"]},
        {"locations": ["boston"], "min_salary_usd": 140_000, "include_no_salary": False},
    ]
    return {**entry, **narrower[n % len(narrower)]}


def store_with_subscribers(folder: Path) -> OpsStore:
    folder.mkdir()
    store = open_store(sqlite_url(folder / "ops.sqlite3"))
    save_subscriptions(store, [subscription_from(subscriber(n)) for n in range(COUNT)], NOW)
    return store


def run(warehouse: Any, store: OpsStore, mailer: Any, batch_size: int) -> DigestOutcome:
    return send_digests(
        warehouse, "daily", Settings(), load_benchmarks(), mailer, "outbox", NOW,
        ops=store, batch_size=batch_size,
    )  # fmt: skip


def delivered(store: OpsStore) -> list[tuple[Any, ...]]:
    """Every recorded digest: subscription, Message-ID, subject, status, postings."""
    return ops_rows(
        store,
        "SELECT d.subscription_id, d.message_id, d.subject, d.status,"
        " (SELECT group_concat(source_id, ',') FROM (SELECT source_id FROM delivery_items i"
        "  WHERE i.message_id = d.message_id ORDER BY source_id))"
        " FROM deliveries d ORDER BY d.subscription_id",
    )


def test_batches_send_the_same_messages_as_one_batch(warehouse, tmp_path, monkeypatch) -> None:
    composed: list[int] = []
    compose_all = digest_module.compose_all

    def counting(subs: dict[int, Any], *args: Any) -> Any:
        composed.append(len(subs))
        return compose_all(subs, *args)

    monkeypatch.setattr(digest_module, "compose_all", counting)
    batched_store = store_with_subscribers(tmp_path / "batched")
    batched = run(
        warehouse, batched_store, OutboxMailer(tmp_path / "out-batched", writers=WRITERS), BATCH
    )
    assert composed == [BATCH] * (COUNT // BATCH)  # never more than a batch at once
    composed.clear()
    whole_store = store_with_subscribers(tmp_path / "whole")
    whole = run(
        warehouse, whole_store, OutboxMailer(tmp_path / "out-whole", writers=WRITERS), 10_000
    )
    assert composed == [COUNT]

    rows = delivered(batched_store)
    assert rows == delivered(whole_store)  # same Message-IDs, subjects and postings
    assert [r[0] for r in rows] == list(range(1, COUNT + 1))  # one message each, exactly
    assert {r[3] for r in rows} == {"sent"}
    assert batched.sent == whole.sent == batched.composed == COUNT
    assert batched.subscriptions == COUNT and batched.no_news == whole.no_news > 0
    assert len({r[4] for r in rows}) >= 4  # the filters really differ
    files = sorted(p.name for p in (tmp_path / "out-batched").iterdir())
    assert files == sorted(p.name for p in (tmp_path / "out-whole").iterdir())
    assert len(files) == COUNT


class Crash(BaseException):
    """The process dies (kill -9) at a chosen point."""


@dataclass
class DyingOutbox:
    """The outbox, in a process that dies just before it writes message number `at`."""

    inner: OutboxMailer
    at: int
    idempotent: bool

    def send(self, messages: Iterable[Any], log: Any = None) -> Any:
        def until_death() -> Iterator[Any]:
            for number, message in enumerate(messages, 1):
                if number == self.at:
                    raise Crash
                yield message

        return self.inner.send(until_death(), log)


@pytest.mark.parametrize("idempotent", [True, False], ids=["grouped-commits", "each-committed"])
def test_a_run_that_dies_mid_batch_resumes_without_duplicates(
    warehouse, tmp_path, monkeypatch, idempotent: bool
) -> None:
    """Death inside the third batch, files written eight at once: two batches and a half went
    out. The outcomes not committed yet (grouped by 10, or each in turn with `sending` marks)
    are found in the outbox by the next run (`resolved`), which then sends the rest of that
    batch and the later ones; nothing is written twice."""
    monkeypatch.setattr("pipeline.sending.GROUP_SIZE", 10)
    store = store_with_subscribers(tmp_path / "ops")
    outbox = OutboxMailer(tmp_path / "outbox", writers=WRITERS)
    with pytest.raises(Crash):
        run(warehouse, store, DyingOutbox(outbox, WRITTEN + 1, idempotent), BATCH)
    written = {p.name: p.stat().st_mtime_ns for p in outbox.folder.iterdir()}
    assert len(written) == WRITTEN
    statuses = dict(ops_rows(store, "SELECT status, count(*) FROM deliveries GROUP BY 1"))
    recorded, sent = 3 * BATCH, statuses["sent"]  # three batches were recorded before death
    in_doubt = WRITTEN - sent
    assert sum(statuses.values()) == recorded and 0 < in_doubt < 10 + WRITERS
    if idempotent:
        assert sent % 10 == 0 and "sending" not in statuses
    else:
        assert statuses["sending"] == in_doubt < WRITERS

    after = run(warehouse, store, outbox, BATCH)
    assert after.retried == recorded - sent and after.resolved == in_doubt
    assert after.sent == COUNT - WRITTEN and not after.failed
    rows = delivered(store)
    assert [r[0] for r in rows] == list(range(1, COUNT + 1)) and {r[3] for r in rows} == {"sent"}
    files = {p.name: p.stat().st_mtime_ns for p in outbox.folder.iterdir()}
    assert len(files) == COUNT and all(files[name] == t for name, t in written.items())
