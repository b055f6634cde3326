"""Sending a batch: each message's progress recorded in the operational store as it goes.

`sending` is committed (fsynced) before the transport may have a message and its outcome right
after the transport answers, each in its own short transaction: a crash leaves at most one
message in doubt, and the store's other users (the web app, the CLI) never wait for SMTP.

A transport that is `idempotent` (the outbox: a message it already delivered is found, not
delivered again) leaves nothing in doubt, so no `sending` is recorded and the outcomes are
committed GROUP_SIZE at a time: after a crash the uncommitted ones are still `pending`, and
the next run finds them delivered (`resolved`) instead of delivering them twice.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from digests.mailer import Mailer, Outgoing, SendResult
from opstore import deliveries
from opstore.db import OpsStore
from opstore.leases import Lease

logger = logging.getLogger(__name__)

REASON_CHARS = 500
GROUP_SIZE = 200


@dataclass
class DigestOutcome:
    """What one digest run did."""

    cadence: str
    transport: str
    subscriptions: int = 0
    composed: int = 0
    sent: int = 0
    retried: int = 0
    resolved: int = 0
    no_news: int = 0
    cancelled: int = 0
    failed: list[str] = field(default_factory=list)
    stopped: str | None = None  # why the server refused the batch (kept for the next run)


@dataclass(frozen=True)
class SendBatch:
    """What a run sends: earlier unsent digests first, then the fresh ones (a list, or a stream
    that composes them as the transport takes them)."""

    messages: Iterable[Outgoing]
    retried: int


@dataclass
class Bookkeeper:
    """Records each message's progress in the store as the transport handles it."""

    store: OpsStore
    transport: str
    outcome: DigestOutcome
    lease: Lease | None = None
    grouped: bool = False  # the transport is idempotent: outcomes committed in groups
    waiting: list[deliveries.Attempt] = field(default_factory=list)

    def before(self, message_id: str) -> None:
        if self.grouped:
            return
        with self.store.transaction() as con:
            deliveries.mark_sending_many(con, [message_id], datetime.now(UTC))

    def after(self, result: SendResult) -> None:
        self._count(result)
        error = redacted_reason(result.error, result.recipient)
        self.waiting.append(
            deliveries.Attempt(result.message_id, result.ok, result.permanent, error)
        )
        if not self.grouped or len(self.waiting) >= GROUP_SIZE:
            self.flush()

    def flush(self) -> None:
        """Commit the outcomes not committed yet."""
        attempts, self.waiting = self.waiting, []
        if attempts:
            with self.store.transaction() as con:
                deliveries.record_attempts(
                    con, attempts, transport=self.transport, upcoming=[], now=datetime.now(UTC)
                )
        if self.lease is not None:
            self.lease.renew()

    def _count(self, result: SendResult) -> None:
        if result.already_delivered:
            self.outcome.resolved += 1
        elif result.ok:
            self.outcome.sent += 1
        else:
            self.outcome.failed.append(f"{result.recipient}: {result.error}")


def send_batch(
    batch: SendBatch,
    store: OpsStore,
    mailer: Mailer,
    outcome: DigestOutcome,
    lease: Lease | None = None,
) -> DigestOutcome:
    """Hand the batch to the transport, recording each step as it goes."""
    outcome.retried = batch.retried
    grouped = bool(getattr(mailer, "idempotent", False))
    keeper = Bookkeeper(store, outcome.transport, outcome, lease, grouped)
    try:
        results = mailer.send(batch.messages, log=keeper)
    except Exception:
        keeper.flush()  # the run failed but lives on: keep what it knows
        raise
    keeper.flush()  # a stop or a kill leaves the rest `pending`: found delivered next run
    outcome.stopped = next((r.error for r in results if r.server_wide and r.error), None)
    return outcome


def redacted_reason(error: str | None, recipient: str) -> str | None:
    """A failure's reason on one line, without the recipient's address, at most 500 chars."""
    if error is None:
        return None
    text = " ".join(error.split())
    if recipient:
        text = re.sub(re.escape(recipient), "<recipient>", text, flags=re.IGNORECASE)
    return text[:REASON_CHARS]
