"""Sending a batch: each message's progress recorded in the operational store as it goes.

`sending` is committed (fsynced) before the transport may have a message and its outcome right
after the transport answers, each in its own short transaction: a crash leaves at most one
message in doubt, and the store's other users (the web app, the CLI) never wait for SMTP.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from digests.mailer import Mailer, Outgoing, SendResult
from opstore import deliveries
from opstore.db import OpsStore
from opstore.leases import Lease

logger = logging.getLogger(__name__)

REASON_CHARS = 500


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
    """What a run sends: earlier unsent digests first, then the fresh ones."""

    messages: list[Outgoing]
    retried: int


@dataclass
class Bookkeeper:
    """Records each message's progress in the store as the transport handles it."""

    store: OpsStore
    transport: str
    outcome: DigestOutcome
    lease: Lease | None = None

    def before(self, message_id: str) -> None:
        with self.store.transaction() as con:
            deliveries.mark_sending_many(con, [message_id], datetime.now(UTC))

    def after(self, result: SendResult) -> None:
        self._count(result)
        error = redacted_reason(result.error, result.recipient)
        attempt = deliveries.Attempt(result.message_id, result.ok, result.permanent, error)
        with self.store.transaction() as con:
            deliveries.record_attempts(
                con, [attempt], transport=self.transport, upcoming=[], now=datetime.now(UTC)
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
    keeper = Bookkeeper(store, outcome.transport, outcome, lease)
    results = mailer.send(batch.messages, log=keeper)
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
