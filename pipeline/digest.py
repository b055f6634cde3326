"""A digest run: match in SQL, compose, record as pending, send, record each outcome.

Delivery is "exactly once in practice":

- Subscriptions go through in batches (by id): each batch is matched, composed and recorded
  before its messages are handed to the transport, all batches in one stream. Every digest is
  recorded (`pending`, with its postings, its link token and its exact bytes) in the
  operational store before it is sent, so its postings are never matched again for that
  subscription; a run stopped between batches leaves the rest to the next run.
- Each message is recorded `sending` before the transport may have it and `sent` or `failed`
  once the transport answers, each step its own committed transaction (pipeline/sending.py):
  after a crash at most one message is in doubt. A transport that finds what it already
  delivered (the outbox) needs no `sending` mark: its outcomes are committed in groups. The
  warehouse is only read (the read snapshot: postings, the market summary), never held.
- The next run resends every `pending`, `sending` and `retry` message from the stored bytes,
  with the same deterministic Message-ID. The outbox names files after the Message-ID and
  skips a file already there with the same bytes, so there it is exactly once. Over SMTP the
  message in doubt is sent again with the same Message-ID, which receiving systems use to
  collapse duplicates; SMTP itself offers no way to ask whether a message arrived.
- One run per cadence at a time: a lease in the store (`digest-<cadence>`) keeps a second run
  from sending what the first is sending; a run that died frees it.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from core.benchmarks import Benchmarks
from core.errors import JobAlertsError
from core.models import WINDOW_DAYS, Audience
from core.settings import Settings
from digests.mailer import Mailer, Outgoing
from opstore import deliveries, leases
from opstore.db import OpsStore
from opstore.subscriptions import audience, earliest_window
from opstore.tokens import forget_expired
from pipeline.composing import (
    MESSAGE_DOMAIN,
    DigestContext,
    build_digest,
    check_settings,
    compose_all,
    message_id_for,
    period_of,
)
from pipeline.sending import DigestOutcome, SendBatch, send_batch
from pipeline.stores import ops_store
from pipeline.transport import make_mailer, settings_with_smtp
from warehouse.files import database_path
from warehouse.matching import Matcher, market_summary
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
# Subscriptions matched, composed and recorded together: peak memory follows this, not the
# audience (about 40 MB per 500 at 25 postings a digest).
BATCH_SIZE = 500

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
    batch_size: int = BATCH_SIZE,
) -> DigestOutcome:
    """Send each subscription of a cadence its new matches, once; resend earlier unsent ones.

    `warehouse`: a path (opened read-only while matching) or an open connection. `ops`: the
    operational store, by default the one `settings` names for that warehouse. Subscriptions
    are matched, composed, recorded and handed to the transport `batch_size` at a time, in one
    stream (one SMTP session for the run), so memory follows the batch, not the audience.
    """
    outcome = DigestOutcome(cadence=cadence, transport=transport)
    now = now or datetime.now(UTC)
    check_settings(settings)
    if ops is None:
        db = warehouse if isinstance(warehouse, Path) else database_path(warehouse)
        ops = ops_store(settings, db)
    with _send_lock(ops, cadence) as lease:
        earlier = _tidy(ops, outcome, now)
        with _postings(warehouse) as con:
            market = market_summary(con, WINDOW_DAYS[cadence], now)
            context = DigestContext(cadence, settings, benchmarks, now, market)
            run = _Run(ops, con, context, outcome, max(1, batch_size))
            with closing(run.messages(earlier)) as messages:
                return send_batch(SendBatch(messages, len(earlier)), ops, mailer, outcome, lease)


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


def _tidy(ops: OpsStore, outcome: DigestOutcome, now: datetime) -> list[str]:
    """Cancel what stopped subscriptions still wait for, forget expired tokens; the
    Message-IDs of the cadence's digests recorded earlier and not sent yet, oldest first."""
    with ops.transaction() as con:
        outcome.cancelled = deliveries.cancel_inactive(con)
        forget_expired(con, now)
    with ops.reader() as con:
        return deliveries.unsent_ids(con, outcome.cadence)


@dataclass
class _Run:
    """One run's stream of messages: earlier unsent ones, then each batch's new digests."""

    ops: OpsStore
    postings: duckdb.DuckDBPyConnection
    context: DigestContext
    outcome: DigestOutcome
    batch_size: int

    def messages(self, earlier: list[str]) -> Generator[Outgoing]:
        """Every message to hand to the transport, a batch at a time."""
        for start in range(0, len(earlier), self.batch_size):
            with self.ops.reader() as con:
                chunk = deliveries.unsent_messages(con, earlier[start : start + self.batch_size])
            yield from (Outgoing.of(u.message) for u in chunk)
        cadence = self.context.cadence
        with self.ops.reader() as con:
            oldest = earliest_window(con, cadence, WINDOW_DAYS[cadence])
        if oldest is None:
            return
        with Matcher(self.postings, oldest, self.context.benchmarks) as matcher:
            after = 0
            while batch := self._next_batch(after):
                who, last = batch
                after = max(int(sub.id or 0) for sub, _ in who.subscriptions)
                yield from self._fresh(matcher, who, last)

    def _next_batch(self, after: int) -> tuple[Audience, dict[int, datetime]] | None:
        """The next subscriptions by id, with when each last had a digest recorded."""
        cadence = self.context.cadence
        with self.ops.reader() as con:
            who = audience(con, cadence, WINDOW_DAYS[cadence], after=after, limit=self.batch_size)
            if not who.subscriptions:
                return None
            ids = [int(sub.id or 0) for sub, _ in who.subscriptions]
            return who, deliveries.last_recorded(con, cadence, ids)

    def _fresh(self, matcher: Matcher, who: Audience, last: dict[int, datetime]) -> list[Outgoing]:
        """Match, compose and record one batch as pending; the messages new to the store."""
        matches = matcher.match(who)
        subs = {int(sub.id or 0): sub for sub, _ in who.subscriptions}
        built = compose_all(subs, matches, self.context, last)
        self.outcome.subscriptions += len(subs)
        self.outcome.composed += len(built)
        self.outcome.no_news += sum(1 for d in built if not d.posting_keys)
        with self.ops.transaction() as con:
            fresh = deliveries.record_pending_many(con, built, self.context.now)
        return [Outgoing.of(d.message) for d in built if d.message_id in fresh]
