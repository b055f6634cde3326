"""What every transport shares: a message as it is delivered, its result, the delivery log."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import KW_ONLY, dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.utils import parseaddr
from typing import Protocol

LINE_END = re.compile(rb"\r?\n")


@dataclass(frozen=True)
class SendResult:
    """What happened to one message: sent, or failed for now or for good."""

    message_id: str
    recipient: str
    _: KW_ONLY  # flags by name: no bare positional booleans
    ok: bool
    permanent: bool = False
    error: str | None = None
    already_delivered: bool = False
    server_wide: bool = False  # the server refused the session or everyone, not this message


@dataclass(frozen=True)
class Outgoing:
    """One message exactly as it will be delivered: envelope and bytes (LF line ends)."""

    message_id: str
    sender: str
    recipient: str
    data: bytes

    @classmethod
    def of(cls, message: EmailMessage | Outgoing | bytes) -> Outgoing:
        """The outgoing form of a built message, of stored bytes, or itself."""
        if isinstance(message, Outgoing):
            return message
        if isinstance(message, bytes):
            data = _lf(message)
            end = data.find(b"\n\n")  # only the header block is parsed, not the body
            headers = BytesHeaderParser(policy=policy.compat32).parsebytes(
                data if end < 0 else data[: end + 1]
            )
        else:
            headers = message
            data = _lf(message.as_bytes())
        sender = parseaddr(str(headers.get("Sender") or headers.get("From") or ""))[1]
        recipient = parseaddr(str(headers.get("To") or ""))[1]
        return cls(str(headers.get("Message-ID") or "").strip(), sender, recipient, data)


def _lf(data: bytes) -> bytes:
    """LF line ends (a scan, not a copy, when there is no CR)."""
    return LINE_END.sub(b"\n", data) if b"\r" in data else data


class DeliveryLog(Protocol):
    """Told about each message as it goes, so a crash mid-batch loses no bookkeeping."""

    def before(self, message_id: str) -> None:
        """The message is about to be handed to the transport."""
        ...

    def after(self, result: SendResult) -> None:
        """The transport's verdict on the message."""
        ...


Message = EmailMessage | Outgoing | bytes


class Mailer(Protocol):
    """Anything that can deliver a batch of messages.

    `messages` may be a stream (a digest run composes each batch as the transport takes
    them): a mailer takes one message at a time. A mailer whose `idempotent` attribute is true
    finds a message it already delivered and does not deliver it again (the outbox).
    """

    def send(self, messages: Iterable[Message], log: DeliveryLog | None = None) -> list[SendResult]:
        """Deliver each message; one result per message, in order, never an exception."""
        ...


def deliver_each(
    messages: Iterable[Message],
    log: DeliveryLog | None,
    deliver: Callable[[Outgoing], SendResult],
) -> list[SendResult]:
    """Hand each message to `deliver`, telling `log` before and after each one."""
    results = []
    for message in messages:
        out = Outgoing.of(message)
        if log is not None:
            log.before(out.message_id)
        result = deliver(out)
        if log is not None:
            log.after(result)
        results.append(result)
    return results


def deliver_concurrently(
    messages: Iterable[Message],
    log: DeliveryLog | None,
    deliver: Callable[[Outgoing], SendResult],
    workers: int,
) -> list[SendResult]:
    """`deliver_each` with up to `workers` deliveries in flight, for a transport whose
    deliveries are independent (files: their syncs overlap). `log` hears `before` as each
    starts and `after` as each ends, both in order; results come in order."""
    results: list[SendResult] = []
    in_flight: deque[Future[SendResult]] = deque()

    def settle() -> None:
        result = in_flight.popleft().result()
        if log is not None:
            log.after(result)
        results.append(result)

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="deliver") as pool:
        for message in messages:
            out = Outgoing.of(message)
            if log is not None:
                log.before(out.message_id)
            in_flight.append(pool.submit(deliver, out))
            if len(in_flight) >= workers:
                settle()
        while in_flight:
            settle()
    return results
