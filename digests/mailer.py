"""Digest email in one import: building a message, and the transports that deliver it.

The jobs live in their own modules: `digests/message.py` builds, `digests/delivery.py` holds
what every transport shares, `digests/outbox.py` and `digests/smtp.py` deliver.
"""

from __future__ import annotations

from digests.delivery import DeliveryLog, Mailer, Message, Outgoing, SendResult
from digests.message import (
    HeaderInjectionError,
    build_message,
    check_header,
    list_unsubscribe,
    mailbox,
    message_bytes,
    normalise_message_id,
)
from digests.outbox import OutboxMailer, outbox_file_name
from digests.smtp import SECURITIES, Security, SmtpMailer

__all__ = [
    "SECURITIES",
    "DeliveryLog",
    "HeaderInjectionError",
    "Mailer",
    "Message",
    "OutboxMailer",
    "Outgoing",
    "Security",
    "SendResult",
    "SmtpMailer",
    "build_message",
    "check_header",
    "list_unsubscribe",
    "mailbox",
    "message_bytes",
    "normalise_message_id",
    "outbox_file_name",
]
