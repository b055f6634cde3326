"""A real SMTP server on 127.0.0.1 for tests (aiosmtpd), collecting what it accepts."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class CollectingHandler:
    """Accepts every message, with failures on demand.

    `reject`: addresses answered 550 at RCPT. `defer`: addresses answered 451 at RCPT.
    `accept_limit`: after that many messages every DATA is answered 421 and the connection
    dropped (a server that fails mid-batch). `delay`: seconds each DATA takes (a slow server;
    `receiving` is set when the first DATA arrives). `raw` keeps the bytes as received; `peers`
    the client address of each accepted message (one per connection); `secure` whether each
    accepted message came over TLS.
    """

    reject: set[str] = field(default_factory=set)
    defer: set[str] = field(default_factory=set)
    accept_limit: int | None = None
    delay: float = 0.0
    messages: list[EmailMessage] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)
    peers: list[Any] = field(default_factory=list)
    secure: list[bool] = field(default_factory=list)
    dropped: int = 0
    receiving: threading.Event = field(default_factory=threading.Event)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.reject:
            return "550 5.1.1 mailbox unavailable"
        if address in self.defer:
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.receiving.set()
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.accept_limit is not None and len(self.messages) >= self.accept_limit:
            self.dropped += 1
            server.transport.close()
            return "421 4.3.2 shutting down"
        message = BytesParser(policy=policy.default).parsebytes(envelope.content)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        self.raw.append(bytes(envelope.original_content))
        self.peers.append(session.peer)
        self.secure.append(server.transport.get_extra_info("ssl_object") is not None)
        return "250 Message accepted"


def body(message: EmailMessage, kind: str) -> str:
    """The text of a message's `plain` or `html` part."""
    part = message.get_body((kind,))
    assert part is not None, f"no {kind} part"
    return str(part.get_content())


@contextmanager
def smtp_server(handler: Any, **options: Any) -> Iterator[int]:
    """Run the handler on a free port of 127.0.0.1; yield the port.

    `options` go to aiosmtpd's Controller: `ssl_context` (implicit TLS), `tls_context` and
    `require_starttls`, `authenticator`, `auth_required`, `auth_require_tls`.
    """
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()
