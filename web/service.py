"""The subscriber desk: the web pages' actions carried out on the stores and the mailer.

Writes go to the operational store (many small transactions from many processes, never
blocked by a flow); the live count reads the warehouse's read snapshot; emails go through the
same mailer as the digests (SMTP, or the outbox).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import sqlalchemy as sa

from core.errors import JobAlertsError
from core.models import Audience, Subscription
from digests.mailer import Mailer
from digests.notices import Notice, confirmation_email, manage_link_email
from digests.unsubscribe import unsubscribe_url as token_link
from digests.unsubscribe import verify_token
from opstore import signups
from opstore.db import OpsStore
from opstore.tokens import issue_token
from warehouse.matching import match_subscriptions
from warehouse.snapshot import snapshot_reader
from web import describe
from web.background import GroupCommit, NoticeSender
from web.desk import Account, Purpose

logger = logging.getLogger(__name__)
# "Current" postings for the live count: open ones first seen within this many days.
COUNT_WINDOW = timedelta(days=3650)
NOTICES_PER_ADDRESS_PER_DAY = 3
CONFIRM_HOURS = 48


@dataclass(frozen=True)
class DeskConfig:
    """Where links point and who mail comes from."""

    site_url: str
    mail_from: str
    db_path: Path
    notices_per_day: int = NOTICES_PER_ADDRESS_PER_DAY
    # The real secret that signed the unsubscribe links of emails sent by older versions
    # (None: refuse them; the shipped placeholder never counts).
    legacy_secret: str | None = None


class SubscriberDesk:
    """`web.desk.Desk` on the operational store, the read snapshot and a mailer."""

    def __init__(
        self,
        store: OpsStore,
        mailer: Mailer,
        config: DeskConfig,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.mailer = mailer
        self.config = config
        self.clock = clock
        self.writer: GroupCommit[Subscription, signups.SignupTicket] = GroupCommit(
            store, self.write_signups
        )
        self.sender: NoticeSender[signups.SignupTicket] = NoticeSender(self.send_notices)

    def link(self, page: str, token: str) -> str:
        """An absolute link to one of the site's pages carrying a token."""
        return token_link(f"{self.config.site_url.rstrip('/')}/{page}", token)

    def count_matches(self, sub: Subscription) -> int | None:
        """Open relevant postings these filters match in the read snapshot; None without one."""
        probe = replace(sub, id=0)
        audience = Audience([(probe, self.clock() - COUNT_WINDOW)], [])
        try:
            with snapshot_reader(self.config.db_path, wait_seconds=0.5) as con:
                matches = match_subscriptions(con, audience, limit=1)
        except (FileNotFoundError, JobAlertsError) as error:
            logger.warning("live count unavailable: %s", error)
            return None
        found = matches.get(0)
        return found.total if found is not None else 0

    def submit_signup(self, sub: Subscription) -> Future[None]:
        """Record the sign-up in the next group commit; done once it is stored. The email
        (confirmation, or a manage link for an address already subscribed) goes out after,
        at most a few a day per address, whatever anyone submits."""
        stored: Future[None] = Future()

        def committed(outcome: Future[signups.SignupTicket]) -> None:
            try:
                ticket = outcome.result()
            except Exception as error:
                stored.set_exception(error)
                return
            if ticket.notify:
                self.sender.put(ticket)
            else:
                logger.info("sign-up email withheld: daily limit for this address reached")
            stored.set_result(None)

        self.writer.submit(sub).add_done_callback(committed)
        return stored

    def write_signups(
        self, con: sa.Connection, subs: list[Subscription]
    ) -> list[signups.SignupTicket]:
        """A burst of sign-ups, stored together (the group commit's writer)."""
        return signups.start_signups(con, subs, self.clock(), self.config.notices_per_day)

    def request_signup(self, sub: Subscription) -> None:
        """`submit_signup`, waiting until the sign-up is stored."""
        self.submit_signup(sub).result()

    def notice_for(self, ticket: signups.SignupTicket) -> EmailMessage:
        """The confirmation email, or the manage-link email for an existing subscription."""
        page = "manage" if ticket.existing else "confirm"
        summary = describe.summary(ticket.subscription)
        notice = Notice(ticket.subscription.email, self.link(page, ticket.token), (summary,))
        if ticket.existing:
            return manage_link_email(self.config.mail_from, notice)
        return confirmation_email(self.config.mail_from, notice, hours=CONFIRM_HOURS)

    def send_notices(self, batch: Sequence[signups.SignupTicket]) -> None:
        """Build and send a batch of sign-up emails; failures are logged (never the link)."""
        for result in self.mailer.send([self.notice_for(ticket) for ticket in batch]):
            if not result.ok:
                logger.warning("sign-up email not delivered: %s", result.error)

    def close(self) -> None:
        """Store what is queued, send what is waiting, stop the threads."""
        self.writer.close()
        self.sender.close()

    def resolve(self, con: sa.Connection, token: str, purpose: Purpose) -> signups.Found | None:
        """The subscription behind a token of this purpose; an older email's signed
        unsubscribe token counts only with the real secret that signed it."""
        found = signups.resolve(con, token, purpose, self.clock())
        if found is not None or purpose != "unsubscribe" or not self.config.legacy_secret:
            return found
        signed = verify_token(self.config.legacy_secret, token)
        if signed is None:
            return None
        old = signups.find(con, signed[0])
        return old if old is not None and old.subscription.email == signed[1] else None

    def account(self, token: str, purpose: Purpose) -> Account | None:
        """The subscription a live token of this purpose points at."""
        with self.store.reader() as con:
            found = self.resolve(con, token, purpose)
        return None if found is None else Account(found.subscription, found.status)

    def confirm(self, token: str) -> Account | None:
        """Activate; the account comes back with a fresh manage token to link to."""
        now = self.clock()
        with self.store.transaction() as con:
            sub_id = signups.confirm(con, token, now)
            if sub_id is None:
                return None
            manage = issue_token(con, "manage", sub_id, now)
            found = signups.find(con, sub_id)
        if found is None:
            return None
        return Account(found.subscription, found.status, manage)

    def _by_manage_token(
        self, token: str, change: Callable[[sa.Connection, int, datetime], object]
    ) -> Account | None:
        """Apply `change` to the subscription behind a manage token, in one transaction."""
        now = self.clock()
        with self.store.transaction() as con:
            found = self.resolve(con, token, "manage")
            if found is None or found.subscription.id is None:
                return None
            change(con, int(found.subscription.id), now)
            again = signups.find(con, int(found.subscription.id))
        return None if again is None else Account(again.subscription, again.status)

    def save(self, token: str, sub: Subscription) -> Account | None:
        """New cadence and filters for the subscription behind a manage token."""
        return self._by_manage_token(
            token, lambda con, sub_id, now: signups.save_filters(con, sub_id, sub, now)
        )

    def set_paused(self, token: str, paused: bool) -> Account | None:
        """Pause or resume."""
        status: signups.Status = "paused" if paused else "active"
        return self._by_manage_token(
            token, lambda con, sub_id, now: signups.set_status(con, sub_id, status, now)
        )

    def unsubscribe(self, token: str, purpose: Purpose) -> tuple[Account, bool] | None:
        """Stop the subscription (idempotent): the account as it now stands, and whether this
        call stopped it."""
        now = self.clock()
        with self.store.transaction() as con:
            found = self.resolve(con, token, purpose)
            if found is None or found.subscription.id is None:
                return None
            sub_id = int(found.subscription.id)
            stops = found.status in ("active", "paused")
            if stops:
                signups.set_status(con, sub_id, "unsubscribed", now)
            again = signups.find(con, sub_id)
        return None if again is None else (Account(again.subscription, again.status), stops)

    def delete(self, token: str) -> str | None:
        """Erase the address behind a manage token: subscriptions, tokens, delivery history."""
        with self.store.transaction() as con:
            found = self.resolve(con, token, "manage")
            if found is None:
                return None
            signups.erase_address(con, found.subscription.email)
        return found.subscription.email
