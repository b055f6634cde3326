"""Digest steps: match in SQL, compose, render, record as pending, send, record the outcome."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import duckdb

from core.benchmarks import Benchmarks
from core.models import MarketSummary, MatchedPosting, Subscription
from core.settings import Settings
from digests.compose import compose_digest
from digests.mailer import Mailer, OutboxMailer, SmtpMailer, build_message
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
    failed: list[str] = field(default_factory=list)


def make_mailer(settings: Settings) -> tuple[Mailer, str]:
    """SMTP when JOBALERTS_SMTP_HOST is set, otherwise .eml files in the outbox."""
    if settings.smtp_enabled:
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


def message_id_for(sub_id: int, cadence: str, postings: list[MatchedPosting]) -> str:
    """A Message-ID that is the same whenever the same postings go to the same subscription."""
    keys = sorted(f"{p.source}/{p.source_id}" for p in postings)
    digest = hashlib.sha256(f"{sub_id}|{cadence}|{'|'.join(keys)}".encode()).hexdigest()
    return f"<{digest[:32]}@{MESSAGE_DOMAIN}>"


def unsubscribe_url(settings: Settings, sub: Subscription) -> str:
    """The one-click unsubscribe link, with an HMAC-signed token."""
    secret = settings.unsubscribe_secret.get_secret_value()
    token = make_token(secret, int(sub.id or 0), sub.email)
    return f"{settings.unsubscribe_base_url}?token={token}"


@dataclass(frozen=True)
class DigestContext:
    """Everything composing a digest needs besides the subscription."""

    cadence: str
    settings: Settings
    benchmarks: Benchmarks
    now: datetime
    market: MarketSummary


def _build(
    sub: Subscription, postings: list[MatchedPosting], context: DigestContext
) -> EmailMessage:
    digest = compose_digest(
        sub, postings, context.market, context.benchmarks, context.cadence, context.now
    )
    link = unsubscribe_url(context.settings, sub)
    rendered = render_digest(digest, link)
    return build_message(
        rendered,
        sender=context.settings.mail_from,
        recipient=sub.email,
        message_id=message_id_for(int(sub.id or 0), context.cadence, postings),
        unsubscribe_url=link,
    )


def _record_all(
    con: duckdb.DuckDBPyConnection,
    built: list[tuple[Subscription, list[MatchedPosting], EmailMessage]],
    cadence: str,
    now: datetime,
) -> list[EmailMessage]:
    """Record every new digest as pending before any is sent."""
    fresh: list[EmailMessage] = []
    for sub, postings, message in built:
        if deliveries.record_pending(
            con,
            message_id=str(message["Message-ID"]),
            subscription_id=int(sub.id or 0),
            cadence=cadence,
            recipient=sub.email,
            subject=str(message["Subject"]),
            message=message.as_bytes(),
            posting_keys=[(p.source, p.source_id) for p in postings],
            now=now,
        ):
            fresh.append(message)
    return fresh


def _earlier_unsent(con: duckdb.DuckDBPyConnection, cadence: str) -> list[EmailMessage]:
    parser = BytesParser(policy=policy.default)
    messages = [parser.parsebytes(body) for _, _, body in deliveries.unsent(con, cadence)]
    return [m for m in messages if isinstance(m, EmailMessage)]


def send_digests(
    con: duckdb.DuckDBPyConnection,
    cadence: str,
    settings: Settings,
    benchmarks: Benchmarks,
    mailer: Mailer,
    transport: str,
    now: datetime | None = None,
) -> DigestOutcome:
    """Send each subscription of a cadence its new matches, once; retry earlier unsent ones."""
    now = now or datetime.now(UTC)
    outcome = DigestOutcome(cadence=cadence, transport=transport)
    retry = _earlier_unsent(con, cadence)
    context = DigestContext(
        cadence, settings, benchmarks, now, market_summary(con, WINDOW_DAYS[cadence], now)
    )
    subs = {s.id: s for s in active_subscriptions(con, cadence)}
    outcome.subscriptions = len(subs)
    matches = match_subscriptions(con, cadence)
    built = [(subs[i], p, _build(subs[i], p, context)) for i, p in matches.items() if i in subs]
    outcome.composed = len(built)
    fresh = _record_all(con, built, cadence, now)
    outcome.retried = len(retry)
    for result in mailer.send(retry + fresh):
        deliveries.mark_result(
            con,
            result.message_id,
            ok=result.ok,
            permanent=result.permanent,
            error=result.error,
            transport=transport,
            now=datetime.now(UTC),
        )
        if result.ok:
            outcome.sent += 1
        else:
            outcome.failed.append(f"{result.recipient}: {result.error}")
    return outcome
