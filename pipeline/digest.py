"""A digest run: match in SQL, compose, record as pending, send, record each outcome.

Delivery is "exactly once in practice":

- Every digest is recorded (`pending`, with its postings, its link token and its exact bytes)
  in the operational store before anything is sent, so its postings are never matched again
  for that subscription.
- Each message is recorded `sending` before the transport may have it and `sent` or `failed`
  once the transport answers, each step its own committed transaction (pipeline/sending.py):
  after a crash at most one message is in doubt. The warehouse is only read (postings, the
  market summary), never held while SMTP talks.
- The next run resends every `pending`, `sending` and `retry` message from the stored bytes,
  with the same deterministic Message-ID. The outbox names files after the Message-ID and
  skips a file already there with the same bytes, so there it is exactly once. Over SMTP the
  message in doubt is sent again with the same Message-ID, which receiving systems use to
  collapse duplicates; SMTP itself offers no way to ask whether a message arrived.
- One run per cadence at a time: a lease in the store (`digest-<cadence>`) keeps a second run
  from sending what the first is sending; a run that died frees it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from core.benchmarks import Benchmarks
from core.errors import JobAlertsError
from core.models import WINDOW_DAYS
from core.settings import Settings
from digests.mailer import Mailer, Outgoing
from opstore import deliveries, leases
from opstore.db import OpsStore
from opstore.subscriptions import audience
from opstore.tokens import forget_expired
from pipeline.composing import (
    MESSAGE_DOMAIN,
    DigestContext,
    build_digest,
    compose_all,
    message_id_for,
    period_of,
)
from pipeline.sending import DigestOutcome, SendBatch, send_batch
from pipeline.stores import ops_store
from pipeline.transport import make_mailer, settings_with_smtp
from warehouse.files import database_path
from warehouse.matching import market_summary, match_subscriptions
from warehouse.snapshot import snapshot_reader

__all__ = [
    "MESSAGE_DOMAIN",
    "DeliveryStoppedError",
    "DigestContext",
    "DigestOutcome",
    "DigestRunBusyError",
    "build_digest",
    "compose_all",
    "make_mailer",
    "message_id_for",
    "period_of",
    "send_digests",
    "settings_with_smtp",
]

SEND_LOCK_WAIT_SECONDS = 30.0

Warehouse = duckdb.DuckDBPyConnection | Path


class DigestRunBusyError(JobAlertsError):
    """Another run of the same cadence is sending right now."""


class DeliveryStoppedError(JobAlertsError):
    """The SMTP server refused the session or every message: nothing more went out."""


def send_digests(
    warehouse: Warehouse,
    cadence: str,
    settings: Settings,
    benchmarks: Benchmarks,
    mailer: Mailer,
    transport: str,
    now: datetime | None = None,
    *,
    ops: OpsStore | None = None,
) -> DigestOutcome:
    """Send each subscription of a cadence its new matches, once; resend earlier unsent ones.

    `warehouse`: a path (opened read-only while matching) or an open connection. `ops`: the
    operational store, by default the one `settings` names for that warehouse.
    """
    outcome = DigestOutcome(cadence=cadence, transport=transport)
    now = now or datetime.now(UTC)
    if ops is None:
        db = warehouse if isinstance(warehouse, Path) else database_path(warehouse)
        ops = ops_store(settings, db)
    with _send_lock(ops, cadence) as lease:
        batch = _prepare(warehouse, ops, outcome, settings, benchmarks, now)
        return send_batch(batch, ops, mailer, outcome, lease)


def _send_lock(ops: OpsStore, cadence: str) -> leases.Lease:
    """The cadence's lease, held while sending; DigestRunBusyError if another run keeps it."""
    name = f"digest-{cadence}"
    try:
        return leases.acquire(ops, name, SEND_LOCK_WAIT_SECONDS)
    except leases.LeaseBusyError:
        raise DigestRunBusyError(
            f"another {cadence} digest run is sending (lease {name!r} in the operational"
            " store); try again when it ends"
        ) from None


@contextmanager
def _postings(warehouse: Warehouse) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read connection to the postings: the caller's, or the warehouse's read snapshot (so a
    running ingest, which holds the warehouse, never makes a digest wait)."""
    if not isinstance(warehouse, Path):
        yield warehouse
        return
    with snapshot_reader(warehouse) as con:
        yield con


def _prepare(
    warehouse: Warehouse,
    ops: OpsStore,
    outcome: DigestOutcome,
    settings: Settings,
    benchmarks: Benchmarks,
    now: datetime,
) -> SendBatch:
    """Read who and what to send, match and compose, then record it pending in one go."""
    cadence = outcome.cadence
    with ops.transaction() as con:
        outcome.cancelled = deliveries.cancel_inactive(con)
        forget_expired(con, now)
    with ops.reader() as con:
        earlier = [Outgoing.of(u.message) for u in deliveries.unsent(con, cadence)]
        who = audience(con, cadence, WINDOW_DAYS[cadence])
        last = deliveries.last_recorded(con, cadence)
    with _postings(warehouse) as con:
        market = market_summary(con, WINDOW_DAYS[cadence], now)
        matches = match_subscriptions(con, who, benchmarks)
    subs = {int(sub.id or 0): sub for sub, _ in who.subscriptions}
    context = DigestContext(cadence, settings, benchmarks, now, market)
    outcome.subscriptions = len(subs)
    built = compose_all(subs, matches, context, last)
    outcome.composed = len(built)
    outcome.no_news = sum(1 for d in built if not d.posting_keys)
    with ops.transaction() as con:
        fresh_ids = deliveries.record_pending_many(con, built, now)
    fresh = [Outgoing.of(d.message) for d in built if d.message_id in fresh_ids]
    return SendBatch(earlier + fresh, len(earlier))
