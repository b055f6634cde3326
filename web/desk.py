"""What the web pages ask of the stores: the subscriber desk's contract.

The pages never touch a database themselves. `SubscriberDesk` (web/service.py) implements this
contract on the operational store, the mailer and the read snapshot; tests use the real one.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from typing import Literal, Protocol

from core.models import Subscription

Status = Literal["pending", "active", "paused", "unsubscribed"]
Purpose = Literal["confirm", "manage", "unsubscribe"]


@dataclass(frozen=True)
class Account:
    """A subscription as its owner sees it: filters, status, and a manage token to link to."""

    subscription: Subscription
    status: Status
    manage_token: str | None = None


class Desk(Protocol):
    """Every action a subscriber can take, each authorised by an opaque, purpose-bound token."""

    def count_matches(self, sub: Subscription) -> int | None:
        """How many current postings match these filters (None when no data is published)."""

    def submit_signup(self, sub: Subscription) -> Future[None]:
        """Start a double opt-in, or mail a manage link to an address already subscribed;
        the future is done once the sign-up is stored (the email follows)."""

    def account(self, token: str, purpose: Purpose) -> Account | None:
        """The subscription a live token of this purpose points at, or None."""

    def confirm(self, token: str) -> Account | None:
        """Activate the subscription a confirmation token points at."""

    def save(self, token: str, sub: Subscription) -> Account | None:
        """Replace cadence and filters of the subscription a manage token points at."""

    def set_paused(self, token: str, paused: bool) -> Account | None:
        """Pause or resume the digests of a subscription (manage token)."""

    def unsubscribe(self, token: str, purpose: Purpose) -> tuple[Account, bool] | None:
        """Stop the subscription (an unsubscribe or manage token); idempotent: the account and
        whether this call stopped it (False: it was already stopped)."""

    def delete(self, token: str) -> str | None:
        """Erase the address and its delivery history (manage token); the erased address."""

    def close(self) -> None:
        """Finish queued work (stores, emails) before the server stops."""
