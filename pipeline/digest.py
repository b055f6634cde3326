"""Digest steps: match in SQL, compose, render, record as pending, send, record the outcome.

Delivery is "exactly once in practice":

- Every digest is recorded (`pending`, with its postings and its exact bytes) before anything
  is sent, so its postings are never matched again for that subscription.
- Given a warehouse path (the flows), each message is written to the cadence's send journal
  (pipeline/journal.py) as `sending` before the transport may have it and as `sent` or `failed`
  once the transport answers, each line fsynced before the run goes on. The writer is opened
  only to copy the journal into the warehouse, every RECORD_EVERY messages (or RECORD_SECONDS),
  never during SMTP, so readers get in while a batch goes out. A run first records what a run
  that died left in the journal: its outcomes are final (a `sent` message is never sent
  again), and the one message handed over without an outcome is the one in doubt (`sending`).
  Given an open connection, each step is recorded in the warehouse at once: at most one in doubt
  too.
- The next run resends every `pending`, `sending` and `retry` message from the stored bytes,
  with the same deterministic Message-ID. The outbox names files after the Message-ID and
  skips a file already there with the same bytes, so there it is exactly once. Over SMTP the
  message in doubt is sent again with the same Message-ID, which receiving systems use to
  collapse duplicates; SMTP itself offers no way to ask whether a message arrived.
- One run per cadence at a time: a lock file beside the warehouse keeps a second run from
  sending what the first is sending (and from writing its journal).
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import duckdb
from pydantic import SecretStr

from core.benchmarks import Benchmarks
from core.errors import JobAlertsError
from core.models import MarketSummary, MatchedPosting, Subscription
from core.settings import Settings
from digests.compose import compose_digest
from digests.mailer import (
    SECURITIES,
    Mailer,
    OutboxMailer,
    Outgoing,
    SendResult,
    SmtpMailer,
    build_message,
)
from digests.render import render_digest
from digests.unsubscribe import make_token
from pipeline.journal import JournalEntries, SendJournal, journal_path, redacted_reason
from warehouse import deliveries
from warehouse.db import writer
from warehouse.matching import WINDOW_DAYS, market_summary, match_subscriptions
from warehouse.snapshot import publish, snapshot_reader, table_names
from warehouse.subscriptions import active_subscriptions

MESSAGE_DOMAIN = "clinops-job-alerts"

log = logging.getLogger(__name__)


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


class DigestRunBusyError(JobAlertsError):
    """Another run of the same cadence is sending right now."""


class DeliveryStoppedError(JobAlertsError):
    """The SMTP server refused the session or every message: nothing more went out."""


# ---------------------------------------------------------------- transport


def make_mailer(settings: Settings) -> tuple[Mailer, str]:
    """SMTP when JOBALERTS_SMTP_HOST is set, otherwise .eml files in the outbox."""
    if settings.smtp_enabled:
        if settings.smtp_security not in SECURITIES:
            raise ValueError(
                f"JOBALERTS_SMTP_SECURITY must be one of {', '.join(SECURITIES)},"
                f" not {settings.smtp_security!r}"
            )
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        mailer = SmtpMailer(
            host=str(settings.smtp_host),
            port=settings.smtp_port,
            username=settings.smtp_user,
            password=password,
            security=settings.smtp_security,  # type: ignore[arg-type]
            timeout=settings.smtp_timeout,
            ca_file=settings.smtp_ca_file,
        )
        return mailer, f"smtp://{settings.smtp_host}:{settings.smtp_port}"
    return OutboxMailer(settings.outbox_dir), str(settings.outbox_dir)


# Keys of a Prefect block's value (a `Secret` block holding JSON), in our names or in
# prefect-email's EmailServerCredentials names.
_BLOCK_KEYS = {
    "host": "smtp_host",
    "smtp_server": "smtp_host",
    "port": "smtp_port",
    "smtp_port": "smtp_port",
    "security": "smtp_security",
    "smtp_type": "smtp_security",
    "user": "smtp_user",
    "username": "smtp_user",
    "password": "smtp_password",
    "mail_from": "mail_from",
}
_BLOCK_SECURITY = {"ssl": "ssl", "starttls": "starttls", "insecure": "none", "none": "none"}


def settings_with_smtp(settings: Settings, values: Mapping[str, Any] | None) -> Settings:
    """Settings with SMTP taken from a block's values (a mapping), else unchanged.

    Accepts `host, port, security (none|starttls|ssl), user, password, mail_from` or the field
    names of prefect-email's EmailServerCredentials (`smtp_server, smtp_port, smtp_type
    (SSL|STARTTLS|INSECURE), username, password`). Unknown keys are an error.
    """
    if not values:
        return settings
    unknown = sorted(set(values) - set(_BLOCK_KEYS))
    if unknown:
        raise ValueError(f"unknown SMTP block field(s): {', '.join(unknown)}")
    update: dict[str, Any] = {}
    for key, value in values.items():
        if value is None or value == "":
            continue
        target = _BLOCK_KEYS[key]
        if target == "smtp_security":
            word = str(value).strip().lower()
            if word not in _BLOCK_SECURITY:
                raise ValueError(f"SMTP block security must be SSL, STARTTLS or none: {value!r}")
            value = _BLOCK_SECURITY[word]
        elif target == "smtp_port":
            value = int(value)
        elif target == "smtp_password":
            value = value if isinstance(value, SecretStr) else SecretStr(str(value))
        else:
            value = str(value)
        update[target] = value
    return settings.model_copy(update=update)


# ---------------------------------------------------------------- composing


def message_id_for(
    sub_id: int, cadence: str, postings: Sequence[MatchedPosting], period: str | None = None
) -> str:
    """A Message-ID that is the same whenever the same postings go to the same subscription.

    A "no news" digest has no postings: its period (day or ISO week) keeps it once per period.
    """
    keys = sorted(f"{p.source}/{p.source_id}" for p in postings)
    if not keys:
        keys = [f"no-news/{period or ''}"]
    digest = hashlib.sha256(f"{sub_id}|{cadence}|{'|'.join(keys)}".encode()).hexdigest()
    return f"<{digest[:32]}@{MESSAGE_DOMAIN}>"


def period_of(cadence: str, now: datetime) -> str:
    """`2026-11-25` for a daily digest, `2026-W48` for a weekly one."""
    now = now.astimezone(UTC) if now.tzinfo else now
    if cadence == "weekly":
        year, week, _ = now.isocalendar()
        return f"{year}-W{week:02d}"
    return now.date().isoformat()


def unsubscribe_url(settings: Settings, sub: Subscription) -> str:
    """The one-click unsubscribe link, with an HMAC-signed token."""
    secret = settings.unsubscribe_secret.get_secret_value()
    token = make_token(secret, int(sub.id or 0), sub.email)
    joiner = "&" if "?" in settings.unsubscribe_base_url else "?"
    return f"{settings.unsubscribe_base_url}{joiner}token={token}"


@dataclass(frozen=True)
class DigestContext:
    """Everything composing a digest needs besides the subscription."""

    cadence: str
    settings: Settings
    benchmarks: Benchmarks
    now: datetime
    market: MarketSummary


def build_digest(
    sub: Subscription, postings: Sequence[MatchedPosting], context: DigestContext
) -> deliveries.PendingDigest:
    """Compose, render and build one subscriber's email, ready to record and send.

    The email's postings (the best MAX_ITEMS) are the ones recorded as delivered; other
    matches stay eligible for the next digest while they are inside its window.
    """
    digest = compose_digest(
        sub, postings, context.market, context.benchmarks, context.cadence, context.now
    )
    link = unsubscribe_url(context.settings, sub)
    rendered = render_digest(digest, link)
    shown = [item.posting for item in digest.items]
    period = None if shown else period_of(context.cadence, context.now)
    message_id = message_id_for(int(sub.id or 0), context.cadence, shown, period)
    message = build_message(
        rendered,
        sender=context.settings.mail_from,
        recipient=sub.email,
        message_id=message_id,
        unsubscribe_url=link,
        date=context.now,
    )
    return deliveries.PendingDigest(
        message_id=str(message["Message-ID"]),
        subscription_id=int(sub.id or 0),
        cadence=context.cadence,
        recipient=sub.email,
        subject=rendered.subject,
        message=message.as_bytes(),
        posting_keys=[(p.source, p.source_id) for p in shown],
        period=period,
    )


def compose_all(
    subs: dict[int, Subscription],
    matches: Mapping[int, Sequence[MatchedPosting]],
    context: DigestContext,
    last_recorded: Mapping[int, datetime] | None = None,
) -> list[deliveries.PendingDigest]:
    """One digest per subscription with new matches; a "no news" one for those who asked,
    unless they already had a digest in this period (day or ISO week)."""
    period = period_of(context.cadence, context.now)
    built = []
    for sub_id, sub in subs.items():
        postings = matches.get(sub_id, [])
        last = (last_recorded or {}).get(sub_id)
        quiet = last is None or period_of(context.cadence, last.astimezone(UTC)) != period
        if postings or (sub.no_news and quiet):
            built.append(build_digest(sub, postings, context))
    return built


# ---------------------------------------------------------------- sending

# With a warehouse path, the journal's events are recorded in the warehouse in one short writer
# session every RECORD_EVERY messages or RECORD_SECONDS, whichever comes first.
RECORD_EVERY = 20
RECORD_SECONDS = 2.0
SEND_LOCK_WAIT_SECONDS = 30.0

Store = Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]]


@dataclass
class _Bookkeeper:
    """Records each message's progress as the transport handles it.

    With a journal, `sending` and each outcome go to the journal at once and to the warehouse a
    chunk at a time (`flush` records the rest); without one (the caller holds the writer), each
    step goes to the warehouse at once.
    """

    store: Store
    transport: str
    outcome: DigestOutcome
    journal: SendJournal | None = None
    unrecorded: int = 0
    recorded_at: float = field(default_factory=time.monotonic)

    def before(self, message_id: str) -> None:
        if self.journal is not None:
            self.journal.sending(message_id)
        else:
            self._record([], upcoming=[message_id])

    def after(self, result: SendResult) -> None:
        self._count(result)
        error = redacted_reason(result.error, result.recipient)
        attempt = deliveries.Attempt(result.message_id, result.ok, result.permanent, error)
        if self.journal is None:
            self._record([attempt], upcoming=[])
            return
        self.journal.outcome(attempt)
        self.unrecorded += 1
        overdue = time.monotonic() - self.recorded_at >= RECORD_SECONDS
        if self.unrecorded >= RECORD_EVERY or overdue:
            self.flush()

    def flush(self) -> None:
        """Record in the warehouse what the journal holds, then empty it."""
        if self.journal is not None:
            record_journal(self.journal, self.store, self.transport)
        self.unrecorded = 0
        self.recorded_at = time.monotonic()

    def _count(self, result: SendResult) -> None:
        if result.already_delivered:
            self.outcome.resolved += 1
        elif result.ok:
            self.outcome.sent += 1
        else:
            self.outcome.failed.append(f"{result.recipient}: {result.error}")

    def _record(self, attempts: list[deliveries.Attempt], upcoming: list[str]) -> None:
        with self.store() as con:
            deliveries.record_attempts(
                con, attempts, transport=self.transport, upcoming=upcoming, now=datetime.now(UTC)
            )


def record_journal(journal: SendJournal, store: Store, transport: str) -> JournalEntries:
    """Copy the journal's outcomes (and messages in doubt, as `sending`) into the warehouse in
    one transaction; empty the journal once that committed."""
    entries = journal.read()
    if entries:
        with store() as con:
            deliveries.record_attempts(
                con,
                entries.outcomes,
                transport=transport,
                upcoming=entries.in_doubt,
                now=datetime.now(UTC),
            )
    journal.clear()
    return entries


@dataclass(frozen=True)
class _Batch:
    """What a run sends: earlier unsent digests first, then the fresh ones."""

    messages: list[Outgoing]
    retried: int


def send_digests(
    warehouse: duckdb.DuckDBPyConnection | Path,
    cadence: str,
    settings: Settings,
    benchmarks: Benchmarks,
    mailer: Mailer,
    transport: str,
    now: datetime | None = None,
) -> DigestOutcome:
    """Send each subscription of a cadence its new matches, once; resend earlier unsent ones.

    With a warehouse path the writer is opened only to read and record, never during SMTP,
    and one run per cadence sends at a time; with a connection the caller holds the writer.
    """
    outcome = DigestOutcome(cadence=cadence, transport=transport)
    now = now or datetime.now(UTC)
    if isinstance(warehouse, Path):
        with (
            _send_lock(warehouse, cadence),
            SendJournal(journal_path(warehouse, cadence)) as journal,
        ):
            store: Store = partial(writer, warehouse)
            _recover(journal, store, outcome)
            reads = partial(_snapshot_reads, warehouse, cadence)
            batch = _prepare(store, outcome, settings, benchmarks, now, reads)
            return _send(batch, store, mailer, outcome, journal)
    store = _held(warehouse)
    return _send(_prepare(store, outcome, settings, benchmarks, now), store, mailer, outcome)


@contextmanager
def _snapshot_reads(db_path: Path, cadence: str) -> Iterator[duckdb.DuckDBPyConnection]:
    """The read snapshot, which matching reads while the writer stays free for the flows.
    While deliveries live in the warehouse it is published now, under this cadence's send
    lock, so it holds every delivery of the cadence; otherwise the last one is read as it is."""
    with snapshot_reader(db_path) as snapshot:
        holds_deliveries = "deliveries" in table_names(snapshot)
    if holds_deliveries:
        with writer(db_path) as con:
            publish(con, db_path, "digest", f"digest-{cadence}: reads")
    with snapshot_reader(db_path) as snapshot:
        yield snapshot


def _held(con: duckdb.DuckDBPyConnection) -> Store:
    """A store that hands out a connection the caller already holds (and keeps it open)."""
    return lambda: nullcontext(con)


def _recover(journal: SendJournal, store: Store, outcome: DigestOutcome) -> None:
    """Record what a run that died left in the journal; its `sent` count as resolved."""
    entries = record_journal(journal, store, outcome.transport)
    if entries:
        log.warning(
            "%s digests: recorded %d outcome(s) a stopped run left in %s; %d in doubt",
            outcome.cadence,
            len(entries.outcomes),
            journal.path,
            len(entries.in_doubt),
        )
    outcome.resolved += sum(1 for attempt in entries.outcomes if attempt.ok)


def _send(
    batch: _Batch,
    store: Store,
    mailer: Mailer,
    outcome: DigestOutcome,
    journal: SendJournal | None = None,
) -> DigestOutcome:
    """Hand the batch to the transport, recording as it goes (through the journal, if any)."""
    outcome.retried = batch.retried
    keeper = _Bookkeeper(store, outcome.transport, outcome, journal)
    results = mailer.send(batch.messages, log=keeper)
    keeper.flush()
    outcome.stopped = next((r.error for r in results if r.server_wide and r.error), None)
    return outcome


def _prepare(
    store: Store,
    outcome: DigestOutcome,
    settings: Settings,
    benchmarks: Benchmarks,
    now: datetime,
    reads: Store | None = None,
) -> _Batch:
    """Read what to send (from `reads`, the read snapshot, if given), compose it without the
    writer, then record it pending in one go."""
    cadence = outcome.cadence
    with store() as con:
        outcome.cancelled = deliveries.cancel_inactive(con)
        earlier = [Outgoing.of(u.message) for u in deliveries.unsent(con, cadence)]
    with (reads or store)() as con:
        market = market_summary(con, WINDOW_DAYS[cadence], now)
        subs = {int(s.id or 0): s for s in active_subscriptions(con, cadence)}
        last = deliveries.last_recorded(con, cadence)
        matches = match_subscriptions(con, cadence, benchmarks)
    context = DigestContext(cadence, settings, benchmarks, now, market)
    outcome.subscriptions = len(subs)
    built = compose_all(subs, matches, context, last)
    outcome.composed = len(built)
    outcome.no_news = sum(1 for d in built if not d.posting_keys)
    with store() as con:
        fresh_ids = deliveries.record_pending_many(con, built, now)
    fresh = [Outgoing.of(d.message) for d in built if d.message_id in fresh_ids]
    return _Batch(earlier + fresh, len(earlier))


@contextmanager
def _send_lock(db_path: Path, cadence: str) -> Iterator[None]:
    """Hold `<warehouse>.digest-<cadence>.lock` while sending; the OS frees it if we die."""
    lock_path = db_path.with_name(f"{db_path.name}.digest-{cadence}.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + SEND_LOCK_WAIT_SECONDS
    with lock_path.open("a") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise DigestRunBusyError(
                        f"another {cadence} digest run is sending ({lock_path});"
                        " try again when it ends"
                    ) from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
