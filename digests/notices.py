"""Transactional emails of the sign-up: the confirmation link, and "manage your alerts".

Both are multipart/alternative like the digests, carry no List-Unsubscribe (they are answers
to a request, not a list), and are marked `Auto-Submitted: auto-generated`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from digests.mailer import check_header, mailbox
from digests.render import is_web_url, render_template

CONFIRM_SUBJECT = "Confirm your clinical-operations job alerts"
MANAGE_SUBJECT = "Manage your clinical-operations job alerts"


@dataclass(frozen=True)
class Notice:
    """What a notice says: to whom, the link, and the alerts it is about (in words)."""

    recipient: str
    link: str
    summaries: tuple[str, ...]


def confirmation_email(sender: str, notice: Notice, *, hours: int = 48) -> EmailMessage:
    """The double opt-in email: one link that starts the alerts, valid for `hours`."""
    context = {"notice": notice, "hours": hours}
    return _message(sender, notice, CONFIRM_SUBJECT, "confirm", context)


def manage_link_email(sender: str, notice: Notice) -> EmailMessage:
    """Sent instead of a confirmation when the address already gets alerts."""
    return _message(sender, notice, MANAGE_SUBJECT, "manage_link", {"notice": notice})


def _message(
    sender: str, notice: Notice, subject: str, template: str, context: dict[str, object]
) -> EmailMessage:
    if not is_web_url(notice.link):
        raise ValueError("a notice's link must be an http(s) URL without spaces")
    for name, value in (("From", sender), ("To", notice.recipient), ("Subject", subject)):
        check_header(name, value)
    msg = EmailMessage(policy=policy.default)
    msg["From"] = mailbox(sender, "From")
    msg["To"] = mailbox(notice.recipient, "To")
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg["Message-ID"] = f"<notice.{secrets.token_hex(16)}@{_domain(sender)}>"
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(render_template(f"{template}.txt", context), cte="quoted-printable")
    msg.add_alternative(
        render_template(f"{template}.html", context), subtype="html", cte="quoted-printable"
    )
    return msg


def _domain(sender: str) -> str:
    address = parseaddr(sender)[1]
    return address.rpartition("@")[2] or "clinops-job-alerts.invalid"
