"""Build digest emails and send them: over SMTP, or as .eml files in an outbox folder."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import smtplib
import ssl
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Literal, Protocol

from digests.render import RenderedDigest, is_web_url

log = logging.getLogger(__name__)

Security = Literal["none", "starttls", "ssl"]
SECURITIES: tuple[str, ...] = ("none", "starttls", "ssl")
MESSAGE_ID = re.compile(r"^<[^<>\s@]+@[^<>\s@]+>$")
UNSAFE_FILE_CHARS = re.compile(r"[^A-Za-z0-9._@-]+")
LINE_END = re.compile(rb"\r?\n")
# Headers are written with RFC 5322's hard limit, not the soft 78: otherwise the long
# List-Unsubscribe URL is folded into RFC 2047 encoded words, which clients cannot use.
# Non-ASCII values (a subject with "Zürich") are still encoded; bodies are quoted-printable.
HEADER_POLICY = policy.default.clone(max_line_length=998)


class HeaderInjectionError(ValueError):
    """A header value holds CR, LF or NUL: someone tried to add headers of their own."""


@dataclass(frozen=True)
class SendResult:
    """What happened to one message: sent, or failed for now or for good."""

    message_id: str
    recipient: str
    ok: bool
    permanent: bool = False
    error: str | None = None
    already_delivered: bool = False


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
            headers = BytesHeaderParser(policy=policy.compat32).parsebytes(message)
            data = message
        else:
            headers = message
            data = message.as_bytes()
        data = LINE_END.sub(b"\n", data)
        sender = parseaddr(str(headers.get("Sender") or headers.get("From") or ""))[1]
        recipient = parseaddr(str(headers.get("To") or ""))[1]
        return cls(str(headers.get("Message-ID") or "").strip(), sender, recipient, data)


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
    """Anything that can deliver a batch of messages."""

    def send(self, messages: Sequence[Message], log: DeliveryLog | None = None) -> list[SendResult]:
        """Deliver each message; one result per message, in order, never an exception."""
        ...


# ---------------------------------------------------------------- building


def build_message(
    rendered: RenderedDigest,
    sender: str,
    recipient: str,
    message_id: str,
    unsubscribe_url: str,
    unsubscribe_mailto: str | None = None,
    *,
    date: datetime | None = None,
) -> EmailMessage:
    """A multipart/alternative message (text, then HTML) with RFC 8058 one-click unsubscribe."""
    for name, value in (
        ("From", sender),
        ("To", recipient),
        ("Subject", rendered.subject),
        ("Message-ID", message_id),
        ("List-Unsubscribe", unsubscribe_url),
        ("List-Unsubscribe", unsubscribe_mailto or ""),
    ):
        check_header(name, value)
    msg = EmailMessage(policy=policy.default)
    msg["From"] = mailbox(sender, "From")
    msg["To"] = mailbox(recipient, "To")
    msg["Subject"] = rendered.subject
    msg["Date"] = format_datetime(date or datetime.now(UTC))
    msg["Message-ID"] = normalise_message_id(message_id)
    msg["List-Unsubscribe"] = list_unsubscribe(unsubscribe_url, unsubscribe_mailto)
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(rendered.text, cte="quoted-printable")
    msg.add_alternative(rendered.html, subtype="html", cte="quoted-printable")
    msg.set_boundary(_boundary(message_id, rendered))
    msg.policy = HEADER_POLICY
    return msg


def _boundary(message_id: str, rendered: RenderedDigest) -> str:
    """A boundary derived from the content, so the same message is the same bytes."""
    seed = "\0".join((message_id, rendered.subject, rendered.text, rendered.html))
    return f"==_alt_{hashlib.sha256(seed.encode()).hexdigest()[:32]}"


def check_header(name: str, value: str) -> None:
    """Raise HeaderInjectionError when a header value holds CR, LF or NUL."""
    if any(ch in value for ch in "\r\n\0"):
        raise HeaderInjectionError(f"{name} header must not contain CR, LF or NUL: {value!r}")


def mailbox(value: str, name: str) -> str:
    """One valid `Name <local@domain>` or `local@domain`, normalised; else ValueError."""
    header = policy.default.header_factory(name, value)
    addresses: tuple[Address, ...] = getattr(header, "addresses", ())
    if header.defects or len(addresses) != 1:
        raise ValueError(f"{name} must be exactly one valid email address: {value!r}")
    address = addresses[0]
    if not address.username or "." not in address.domain.strip("."):
        raise ValueError(f"{name} is not a valid email address: {value!r}")
    return str(address)


def normalise_message_id(message_id: str) -> str:
    """`<id@domain>`: adds the angle brackets when missing; ValueError when malformed."""
    value = message_id.strip()
    if not value.startswith("<"):
        value = f"<{value}>"
    if not MESSAGE_ID.match(value):
        raise ValueError(f"Message-ID must look like <id@domain>: {message_id!r}")
    return value


def list_unsubscribe(url: str, mailto: str | None) -> str:
    """`<https://…>, <mailto:…>`: the web link first, as RFC 8058 needs an https URI."""
    if not is_web_url(url):
        raise ValueError(f"List-Unsubscribe URL must be http(s): {url!r}")
    links = [f"<{url}>"]
    if mailto:
        target = mailto if mailto.lower().startswith("mailto:") else f"mailto:{mailto}"
        if any(ch.isspace() or ch in "<>" for ch in target):
            raise ValueError(f"List-Unsubscribe mailto is malformed: {mailto!r}")
        links.append(f"<{target}>")
    return ", ".join(links)


def _run(
    messages: Sequence[Message],
    log: DeliveryLog | None,
    deliver: Callable[[Outgoing], SendResult],
) -> list[SendResult]:
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


# ---------------------------------------------------------------- outbox


def outbox_file_name(message_id: str) -> str:
    """A safe, stable file name for a message id; distinct ids never share a name."""
    readable = UNSAFE_FILE_CHARS.sub("_", message_id.strip("<> ")).strip("._")[:80]
    digest = hashlib.sha256(message_id.encode()).hexdigest()[:12]
    return f"{readable or 'message'}-{digest}.eml"


@dataclass(frozen=True)
class OutboxMailer:
    """Writes each message to `<folder>/<name from Message-ID>.eml`, atomically.

    The name comes from the Message-ID, so a message can only ever be one file: a resend after
    a crash finds the same bytes already there and leaves them (`already_delivered`).
    """

    folder: Path

    def send(self, messages: Sequence[Message], log: DeliveryLog | None = None) -> list[SendResult]:
        """Write every message; an I/O failure is a temporary failure."""
        return _run(messages, log, self._write)

    def path_for(self, message_id: str) -> Path:
        """Where the message with this Message-ID is (or will be) written."""
        return Path(self.folder) / outbox_file_name(message_id)

    def _write(self, out: Outgoing) -> SendResult:
        if not out.message_id:
            return SendResult("", out.recipient, False, True, "message has no Message-ID")
        target = self.path_for(out.message_id)
        try:
            if target.is_file() and target.read_bytes() == out.data:
                return SendResult(out.message_id, out.recipient, True, already_delivered=True)
            target.parent.mkdir(parents=True, exist_ok=True)
            _atomic_write(target, out.data)
        except OSError as exc:
            error = f"outbox write failed: {exc}"
            return SendResult(out.message_id, out.recipient, False, False, error)
        return SendResult(out.message_id, out.recipient, True)


def _atomic_write(target: Path, data: bytes) -> None:
    """Write to a temporary file beside the target, then rename it into place."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------- SMTP

# Failures after which the connection is gone and must be reopened.
_CONNECTION_ERRORS = (smtplib.SMTPServerDisconnected, OSError)


@dataclass
class SmtpMailer:
    """Sends a batch over one SMTP connection, reconnecting at most once."""

    host: str
    port: int = 587
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    security: Security = "starttls"
    timeout: float = 30.0

    def __post_init__(self) -> None:
        if self.security not in SECURITIES:
            raise ValueError(f"SMTP security must be one of {', '.join(SECURITIES)}")

    def send(self, messages: Sequence[Message], log: DeliveryLog | None = None) -> list[SendResult]:
        """Send each message in order on one connection (reopened at most once after a drop);
        failures become results, never exceptions."""
        session = _Session(self)
        try:
            return _run(messages, log, session.deliver)
        finally:
            session.close()

    def _open(self) -> tuple[smtplib.SMTP | None, str]:
        """A ready connection, or None and why (the password never appears)."""
        try:
            conn = self._connect()
        except (smtplib.SMTPException, OSError) as exc:
            log.warning("SMTP %s:%s unavailable: %s", self.host, self.port, _describe(exc))
            return None, _describe(exc)
        log.info("SMTP connected to %s:%s (%s)", self.host, self.port, self.security)
        return conn, ""

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        conn: smtplib.SMTP
        if self.security == "ssl":
            conn = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.security == "starttls":
                conn.starttls(context=context)
            if self.username:
                conn.login(self.username, self.password or "")
        except BaseException:
            _close(conn, quit_first=False)
            raise
        return conn


@dataclass
class _Session:
    """One batch's connection: opened on first use, reopened at most once."""

    mailer: SmtpMailer
    conn: smtplib.SMTP | None = None
    connects: int = 0
    error: str = ""

    def deliver(self, out: Outgoing) -> SendResult:
        if self.conn is None and self.connects < 2:
            self.connects += 1
            self.conn, self.error = self.mailer._open()
        if self.conn is None:
            return _failure(out, False, f"cannot connect: {self.error}")
        result, alive = _deliver(self.conn, out)
        if not alive:
            _close(self.conn, quit_first=False)
            self.conn = None
        return result

    def close(self) -> None:
        if self.conn is not None:
            _close(self.conn, quit_first=True)
            self.conn = None


def _deliver(conn: smtplib.SMTP, out: Outgoing) -> tuple[SendResult, bool]:
    """Send one message; the result, and whether the connection is still usable."""
    msg = out
    message_id, recipient = out.message_id, out.recipient
    if not message_id or not recipient or not out.sender:
        return _failure(out, True, "message lacks a Message-ID, a sender or a recipient"), True
    options = [] if (out.sender + recipient).isascii() else ["SMTPUTF8"]
    data = LINE_END.sub(b"\r\n", out.data)
    try:
        refused = conn.sendmail(out.sender, [recipient], data, mail_options=options)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        return _failure(msg, _permanent(codes), _describe(exc)), True
    except smtplib.SMTPResponseException as exc:
        alive = exc.smtp_code != 421
        return _failure(msg, _permanent([exc.smtp_code]), _describe(exc)), alive
    except _CONNECTION_ERRORS as exc:
        return _failure(msg, False, _describe(exc)), False
    except smtplib.SMTPException as exc:
        return _failure(msg, False, _describe(exc)), False
    if refused:
        codes = [code for code, _ in refused.values()]
        return _failure(msg, _permanent(codes), f"recipients refused: {refused}"), True
    return SendResult(message_id, recipient, True), True


def _permanent(codes: list[int]) -> bool:
    """5xx replies are permanent; 4xx (and anything else) may succeed later."""
    return bool(codes) and all(500 <= code < 600 for code in codes)


def _failure(out: Outgoing, permanent: bool, error: str) -> SendResult:
    return SendResult(out.message_id, out.recipient, False, permanent, error)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        reply = exc.smtp_error
        text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
        return f"{exc.smtp_code} {text}".strip()
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{rcpt}: {code} {reply.decode(errors='replace')}"
            for rcpt, (code, reply) in exc.recipients.items()
        )
    return f"{type(exc).__name__}: {exc}"


def _close(conn: smtplib.SMTP, *, quit_first: bool) -> None:
    """Close a connection, politely when it still works, and never raise."""
    try:
        if quit_first:
            conn.quit()
        else:
            conn.close()
    except (smtplib.SMTPException, OSError):
        conn.close()
