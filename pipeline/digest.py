"""Digest steps: match in SQL, compose, render, record as pending, send, record the outcome.

Delivery is "exactly once in practice":

- Every digest is recorded (`pending`, with its postings and its exact bytes) before anything
  is sent, so its postings are never matched again for that subscription.
- Each message is marked `sending` just before it is handed to the transport and `sent`,
  `retry` or `failed` right after, one message at a time: a crash mid-batch leaves at most one
  message whose fate is unknown (`sending`); the others are either recorded as sent or still
  `pending` (never handed over).
- The next run resends every `pending`, `sending` and `retry` message from the stored bytes,
  with the same deterministic Message-ID. The outbox names files after the Message-ID and
  skips a file already there with the same bytes, so there it is exactly once. Over SMTP the
  one in-doubt message is sent again with the same Message-ID, which receiving systems use
  to collapse duplicates; SMTP itself offers no way to ask whether a message arrived.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import duckdb
from pydantic import SecretStr

from core.benchmarks import Benchmarks
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


@dataclass
class _Bookkeeper:
    """Records each message's progress in the warehouse as the transport handles it."""

    con: duckdb.DuckDBPyConnection
    transport: str
    outcome: DigestOutcome

    def before(self, message_id: str) -> None:
        deliveries.mark_sending(self.con, message_id, datetime.now(UTC))

    def after(self, result: SendResult) -> None:
        deliveries.mark_result(
            self.con,
            result.message_id,
            ok=result.ok,
            permanent=result.permanent,
            error=result.error,
            transport=self.transport,
            now=datetime.now(UTC),
        )
        if result.already_delivered:
            self.outcome.resolved += 1
        elif result.ok:
            self.outcome.sent += 1
        else:
            self.outcome.failed.append(f"{result.recipient}: {result.error}")


def send_digests(
    con: duckdb.DuckDBPyConnection,
    cadence: str,
    settings: Settings,
    benchmarks: Benchmarks,
    mailer: Mailer,
    transport: str,
    now: datetime | None = None,
) -> DigestOutcome:
    """Send each subscription of a cadence its new matches, once; resend earlier unsent ones."""
    now = now or datetime.now(UTC)
    outcome = DigestOutcome(cadence=cadence, transport=transport)
    outcome.cancelled = deliveries.cancel_inactive(con)
    earlier = [Outgoing.of(u.message) for u in deliveries.unsent(con, cadence)]
    context = DigestContext(
        cadence, settings, benchmarks, now, market_summary(con, WINDOW_DAYS[cadence], now)
    )
    subs = {int(s.id or 0): s for s in active_subscriptions(con, cadence)}
    outcome.subscriptions = len(subs)
    last = deliveries.last_recorded(con, cadence)
    built = compose_all(subs, match_subscriptions(con, cadence), context, last)
    outcome.composed = len(built)
    outcome.no_news = sum(1 for d in built if not d.posting_keys)
    fresh_ids = deliveries.record_pending_many(con, built, now)
    fresh = [Outgoing.of(d.message) for d in built if d.message_id in fresh_ids]
    outcome.retried = len(earlier)
    mailer.send(earlier + fresh, log=_Bookkeeper(con, transport, outcome))
    return outcome
