"""Composing digests: one email per subscription with its Message-ID, link token and bytes."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from core.benchmarks import Benchmarks
from core.models import MarketSummary, MatchedPosting, Subscription
from core.settings import Settings
from digests.compose import compose_digest
from digests.mailer import check_header, mailbox, message_bytes, normalise_message_id
from digests.render import is_web_url, render_digest
from digests.unsubscribe import unsubscribe_url
from opstore.deliveries import PendingDigest
from opstore.tokens import new_token

MESSAGE_DOMAIN = "clinops-job-alerts"


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


def checked_link_base(base_url: str) -> str:
    """The unsubscribe base URL if it is an http(s) URL; else ValueError naming it (checked
    before a token is added, so no error ever shows a token)."""
    if not is_web_url(base_url):
        raise ValueError(
            f"JOBALERTS_UNSUBSCRIBE_BASE_URL must be an http(s) URL without spaces: {base_url!r}"
        )
    return base_url


def check_settings(settings: Settings) -> None:
    """Fail before anything is recorded or sent when the settings cannot make a digest: the
    link bases, and the sender as a header and a mailbox."""
    checked_link_base(settings.unsubscribe_base_url)
    checked_link_base(f"{settings.public_site_url}manage")
    check_header("From", settings.mail_from)
    mailbox(settings.mail_from, "From")


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
) -> PendingDigest:
    """Compose, render and build one subscriber's email, ready to record and send.

    The email's postings (the best MAX_ITEMS) are the ones recorded as delivered; other
    matches stay eligible for the next digest while they are inside its window.
    """
    digest = compose_digest(
        sub, postings, context.market, context.benchmarks, context.cadence, context.now
    )
    base = checked_link_base(context.settings.unsubscribe_base_url)
    token, issued = new_token("unsubscribe", context.now)
    link = unsubscribe_url(base, token)
    manage_token, manage_issued = new_token("manage", context.now)
    manage = unsubscribe_url(
        checked_link_base(f"{context.settings.public_site_url}manage"), manage_token
    )
    rendered = render_digest(digest, link, manage)
    shown = [item.posting for item in digest.items]
    period = None if shown else period_of(context.cadence, context.now)
    message_id = message_id_for(int(sub.id or 0), context.cadence, shown, period)
    data = message_bytes(
        rendered,
        sender=context.settings.mail_from,
        recipient=sub.email,
        message_id=message_id,
        unsubscribe_url=link,
        date=context.now,
    )
    return PendingDigest(
        message_id=normalise_message_id(message_id),
        subscription_id=int(sub.id or 0),
        cadence=context.cadence,
        recipient=sub.email,
        subject=rendered.subject,
        message=data,
        posting_keys=[(p.source, p.source_id) for p in shown],
        period=period,
        tokens=[issued, manage_issued],
    )


def compose_all(
    subs: dict[int, Subscription],
    matches: Mapping[int, Sequence[MatchedPosting]],
    context: DigestContext,
    last_recorded: Mapping[int, datetime] | None = None,
) -> list[PendingDigest]:
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
