"""Digest steps: match in SQL, compose, render, record as pending, send, record the outcome.

Delivery is "exactly once in practice":

- Every digest is recorded (`pending`, with its postings and its exact bytes) before anything
  is sent, so its postings are never matched again for that subscription.
- Messages are marked `sending` before they may be handed to the transport and `sent`,
  `retry` or `failed` after. Given a warehouse path (the flows), the writer is opened only for
  those records, a chunk of RECORD_EVERY messages (or RECORD_SECONDS) at a time, never during
  SMTP, so readers get in while a batch goes out; a crash mid-batch leaves at most one chunk
  whose fate is unknown (`sending`). Given an open connection, each message is recorded on its
  own: at most one in doubt.
- The next run resends every `pending`, `sending` and `retry` message from the stored bytes,
  with the same deterministic Message-ID. The outbox names files after the Message-ID and
  skips a file already there with the same bytes, so there it is exactly once. Over SMTP the
  in-doubt messages are sent again with the same Message-ID, which receiving systems use to
  collapse duplicates; SMTP itself offers no way to ask whether a message arrived.
- One run per cadence at a time: a lock file beside the warehouse keeps a second run from
  sending what the first is sending.
"""

from __future__ import annotations

import fcntl
import hashlib
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import duckdb
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

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
from warehouse import deliveries
from warehouse.db import writer
from warehouse.matching import WINDOW_DAYS, market_summary, match_subscriptions
from warehouse.subscriptions import active_subscriptions

MESSAGE_DOMAIN = "clinops-job-alerts"


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
            ca_file=SmtpTlsSettings().smtp_ca_file,
        )
        return mailer, f"smtp://{settings.smtp_host}:{settings.smtp_port}"
    return OutboxMailer(settings.outbox_dir), str(settings.outbox_dir)


class SmtpTlsSettings(BaseSettings):
    """JOBALERTS_SMTP_CA_FILE (environment or `.env`): a PEM file of the CA(s) that signed the
    SMTP relay's certificate, for a relay with a private CA; unset, the system's CAs. The
    certificate is verified either way. (Read like Settings; belongs there eventually.)"""

    model_config = SettingsConfigDict(env_prefix="JOBALERTS_", env_file=".env", extra="ignore")

    smtp_ca_file: Path | None = None


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
    sub_id: int, cadence: str, postings: list[MatchedPosting], period: str | None = None
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
    sub: Subscription, postings: list[MatchedPosting], context: DigestContext
) -> deliveries.PendingDigest:
    """Compose, render and build one subscriber's email, ready to record and send."""
    digest = compose_digest(
        sub, postings, context.market, context.benchmarks, context.cadence, context.now
    )
    link = unsubscribe_url(context.settings, sub)
    rendered = render_digest(digest, link)
    period = None if postings else period_of(context.cadence, context.now)
    message_id = message_id_for(int(sub.id or 0), context.cadence, postings, period)
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
        posting_keys=[(p.source, p.source_id) for p in postings],
        period=period,
    )


def compose_all(
    subs: dict[int, Subscription],
    matches: dict[int, list[MatchedPosting]],
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

# With a warehouse path, outcomes are recorded (and the next messages marked `sending`) in one
# short writer session every RECORD_EVERY messages or RECORD_SECONDS, whichever comes first.
RECORD_EVERY = 20
RECORD_SECONDS = 2.0
SEND_LOCK_WAIT_SECONDS = 30.0

Store = Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]]


@dataclass
class _Bookkeeper:
    """Records each message's progress in the warehouse as the transport handles it.

    Before a message not yet marked goes out, one short session records the outcomes so far and
    marks that message and the next `every - 1` ones `sending`; with `every` 1 each outcome is
    recorded as soon as it is known. The final `flush` records the rest.
    """

    store: Store
    transport: str
    outcome: DigestOutcome
    order: list[str]
    every: int = 1
    marked: set[str] = field(default_factory=set)
    attempts: list[deliveries.Attempt] = field(default_factory=list)
    recorded_at: float = field(default_factory=time.monotonic)
    position: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.position = {message_id: n for n, message_id in enumerate(self.order)}

    def before(self, message_id: str) -> None:
        overdue = bool(self.attempts) and time.monotonic() - self.recorded_at >= RECORD_SECONDS
        if message_id not in self.marked or overdue:
            self.flush(start=message_id)

    def after(self, result: SendResult) -> None:
        self.attempts.append(
            deliveries.Attempt(result.message_id, result.ok, result.permanent, result.error)
        )
        if result.already_delivered:
            self.outcome.resolved += 1
        elif result.ok:
            self.outcome.sent += 1
        else:
            self.outcome.failed.append(f"{result.recipient}: {result.error}")
        if self.every == 1:
            self.flush()

    def flush(self, start: str | None = None) -> None:
        """Record the outcomes so far, and mark the chunk from `start` on `sending`."""
        upcoming = self._chunk_from(start) if start is not None else []
        if not self.attempts and not upcoming:
            return
        now = datetime.now(UTC)
        with self.store() as con:
            deliveries.record_attempts(
                con, self.attempts, transport=self.transport, upcoming=upcoming, now=now
            )
        self.marked.update(upcoming)
        self.attempts = []
        self.recorded_at = time.monotonic()

    def _chunk_from(self, start: str) -> list[str]:
        first = self.position.get(start)
        chunk = [start] if first is None else self.order[first : first + self.every]
        return [m for m in chunk if m not in self.marked]


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
        with _send_lock(warehouse, cadence):
            store: Store = partial(writer, warehouse)
            batch = _prepare(store, outcome, settings, benchmarks, now)
            return _send(batch, store, RECORD_EVERY, mailer, outcome)
    store = _held(warehouse)
    return _send(_prepare(store, outcome, settings, benchmarks, now), store, 1, mailer, outcome)


def _held(con: duckdb.DuckDBPyConnection) -> Store:
    """A store that hands out a connection the caller already holds (and keeps it open)."""
    return lambda: nullcontext(con)


def _send(
    batch: _Batch, store: Store, every: int, mailer: Mailer, outcome: DigestOutcome
) -> DigestOutcome:
    """Hand the batch to the transport, recording as it goes (every `every` messages)."""
    outcome.retried = batch.retried
    order = [m.message_id for m in batch.messages]
    keeper = _Bookkeeper(store, outcome.transport, outcome, order, every)
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
) -> _Batch:
    """Read what to send, compose it without the writer, then record it pending in one go."""
    cadence = outcome.cadence
    with store() as con:
        outcome.cancelled = deliveries.cancel_inactive(con)
        earlier = [Outgoing.of(u.message) for u in deliveries.unsent(con, cadence)]
        market = market_summary(con, WINDOW_DAYS[cadence], now)
        subs = {int(s.id or 0): s for s in active_subscriptions(con, cadence)}
        last = deliveries.last_recorded(con, cadence)
        matches = match_subscriptions(con, cadence)
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
