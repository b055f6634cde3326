"""Operator alerts, the edges: judge the warehouse's runs, keep the episodes, tell the operator.

Called by every flow run as it starts and as it ends. One email per change (a problem starts,
a problem ends), never one per run; an email that could not be sent goes with the next check.
"""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

from core.alerts import AlertEpisode
from core.settings import Settings
from digests.mailer import Mailer, OutboxMailer
from pipeline.alerts import FAILS_IN_A_ROW, alert_message, decide, failing_sources, run_problems
from pipeline.digest import make_mailer
from warehouse import alerts as store
from warehouse.db import writer

log = logging.getLogger(__name__)


@dataclass
class AlertCheck:
    """What one check did."""

    opened: list[str] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)
    notified: int = 0
    error: str | None = None


def check_alerts(settings: Settings, now: datetime | None = None) -> AlertCheck:
    """Open and resolve episodes from the warehouse's runs; email the operator what changed.

    One check at a time (a lock file beside the warehouse): two flows ending together must not
    both send the same pending email.
    """
    now = now or datetime.now(UTC)
    with _check_lock(settings.db_path):
        return _check(settings, now)


@contextmanager
def _check_lock(db_path: Path) -> Iterator[None]:
    """Hold `<warehouse>.alerts.lock`; the OS frees it if the process dies."""
    lock_path = db_path.with_name(f"{db_path.name}.alerts.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # the other check ends within its SMTP timeout
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _check(settings: Settings, now: datetime) -> AlertCheck:
    with writer(settings.db_path) as con:
        firing = failing_sources(store.source_history(con, FAILS_IN_A_ROW))
        firing += run_problems(store.recent_runs(con))
        decision = decide(firing, store.open_alerts(con))
        store.open_episodes(con, [(p.key, p.summary, p.detail) for p in decision.opened], now)
        store.resolve_episodes(con, decision.resolved, now)
        pending = store.unnotified(con)
    check = AlertCheck([p.key for p in decision.opened], decision.resolved)
    if pending and settings.operator_email:
        check.error = _notify(settings, pending, now)
        if check.error is None:
            check.notified = len(pending)
    return check


def _notify(settings: Settings, pending: list[AlertEpisode], now: datetime) -> str | None:
    """Send one email about `pending` and record it; the error when it did not go."""
    mailer, _ = make_mailer(settings)
    message = alert_message(pending, settings.mail_from, str(settings.operator_email), now)
    [result] = mailer.send([message])
    if not result.ok:
        kept = _keep_in_outbox(settings, message, mailer)
        log.error("operator alert not sent (%s); retried at the next check%s", result.error, kept)
        return result.error or "not sent"
    with writer(settings.db_path) as con:
        store.mark_notified(con, pending, now)
    return None


def _keep_in_outbox(settings: Settings, message: EmailMessage, mailer: Mailer) -> str:
    """When the mail server refused the alert, a copy in the outbox (the server may be the
    problem the alert is about); a note for the log."""
    if isinstance(mailer, OutboxMailer):
        return ""
    outbox = OutboxMailer(settings.outbox_dir)
    [copy] = outbox.send([message])
    return f"; a copy is in {outbox.path_for(copy.message_id)}" if copy.ok else ""
