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
from dataclasses import dataclass, field, replace
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
# This many identical 5xx replies in a row with nothing accepted in between mean the server
# refuses everyone (relay denied, quota reached): the batch stops and waits for the next run.
SAME_REFUSAL_LIMIT = 3


class _SessionRefused(Exception):
    """The session failed before any message: at connect, EHLO, STARTTLS or AUTH."""

    def __init__(self, step: str, detail: str) -> None:
        super().__init__(step, detail)
        self.step = step
        self.detail = detail

    def describe(self, address: str) -> str:
        if self.step == "connect":
            return f"cannot connect to SMTP server {address}: {self.detail}"
        return f"SMTP server {address} refused {self.step}: {self.detail}"


@dataclass
class SmtpMailer:
    """Sends a batch over one SMTP connection, reconnecting at most once.

    TLS certificates are always verified: against the system's CAs, or against `ca_file` (a PEM
    bundle) for a relay whose certificate a private CA signed.
    """

    host: str
    port: int = 587
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    security: Security = "starttls"
    timeout: float = 30.0
    ca_file: Path | None = None

    def __post_init__(self) -> None:
        if self.security not in SECURITIES:
            raise ValueError(f"SMTP security must be one of {', '.join(SECURITIES)}")

    @property
    def address(self) -> str:
        """`host:port`, as errors name the server."""
        return f"{self.host}:{self.port}"

    def send(self, messages: Sequence[Message], log: DeliveryLog | None = None) -> list[SendResult]:
        """Send each message in order on one connection; failures become results.

        A refusal of the session (connect, EHLO, STARTTLS, AUTH, a 5xx to MAIL FROM), a second
        dropped connection, or the same 5xx to RCPT/DATA for several messages in a row with none
        accepted stops the batch: every message not accepted fails for now (`server_wide`, sent
        again next run). A 5xx to RCPT for one address, or to DATA while other messages get
        through, fails that message for good.
        """
        batch = _Batch(self.address, log, [None] * len(messages))
        session = _Session(self)
        try:
            for index, message in enumerate(messages):
                batch.deliver(index, Outgoing.of(message), session)
            batch.finish()
        except BaseException as error:
            # Stopped (SIGTERM, Ctrl-C): hang up at once; a QUIT would wait for the server's
            # reply to the message in flight, up to the timeout.
            session.close(quit_first=isinstance(error, Exception))
            raise
        session.close()
        return batch.results()

    def open(self) -> smtplib.SMTP:
        """A connection ready for MAIL FROM, or _SessionRefused naming the step that failed."""
        context = self._tls_context() if self.security != "none" else None
        conn: smtplib.SMTP
        try:
            if self.security == "ssl":
                conn = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
            else:
                conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        except (smtplib.SMTPException, OSError) as exc:
            raise _SessionRefused("connect", _describe(exc)) from None
        step = "EHLO"
        try:
            conn.ehlo_or_helo_if_needed()
            if self.security == "starttls":
                step = "STARTTLS"
                conn.starttls(context=context)
                step = "EHLO"
                conn.ehlo_or_helo_if_needed()
            if self.username:
                step = "AUTH"
                conn.login(self.username, self.password or "")
        except (smtplib.SMTPException, OSError) as exc:
            _close(conn, quit_first=False)
            raise _SessionRefused(step, _describe(exc)) from None
        except BaseException:
            _close(conn, quit_first=False)
            raise
        return conn

    def _tls_context(self) -> ssl.SSLContext:
        """A verifying context: system CAs, or only those of `ca_file`."""
        try:
            return ssl.create_default_context(cafile=str(self.ca_file) if self.ca_file else None)
        except OSError as exc:
            raise _SessionRefused("connect", f"CA file {self.ca_file}: {_describe(exc)}") from None


@dataclass(frozen=True)
class _Reply:
    """The server's answer to one message, before the batch judges a 5xx to RCPT or DATA."""

    result: SendResult
    refused_at: str = ""  # "RCPT" or "DATA" when the answer there was a 5xx
    reply: str = ""  # that answer without the address, to compare across messages
    stop: bool = False  # the session failed: nothing more goes out this run


@dataclass
class _Session:
    """One batch's connection: opened on first use, reopened at most once after a drop."""

    mailer: SmtpMailer
    conn: smtplib.SMTP | None = None
    connects: int = 0
    dropped: str = ""

    def deliver(self, out: Outgoing) -> _Reply:
        if self.conn is None:
            refusal = self._connect()
            if refusal:
                return _Reply(_failure(out, False, refusal, server_wide=True), stop=True)
        assert self.conn is not None
        reply, alive = _deliver(self.conn, out, self.mailer.address)
        if not alive:
            _close(self.conn, quit_first=False)
            self.conn = None
            self.dropped = reply.result.error or ""
        return reply

    def _connect(self) -> str:
        """Open the connection: "" when open, else why not (the password never appears)."""
        address = self.mailer.address
        if self.connects >= 2:
            return f"SMTP server {address} dropped the connection twice: {self.dropped}"
        self.connects += 1
        try:
            self.conn = self.mailer.open()
        except _SessionRefused as refusal:
            return refusal.describe(address)
        log.info("SMTP connected to %s (%s)", address, self.mailer.security)
        return ""

    def close(self, quit_first: bool = True) -> None:
        if self.conn is not None:
            _close(self.conn, quit_first=quit_first)
            self.conn = None


@dataclass
class _Batch:
    """The batch's results, in order; holds 5xx replies to RCPT/DATA until it can judge them:
    one address's problem when other messages get through, else the server's."""

    address: str
    log: DeliveryLog | None
    slots: list[SendResult | None]
    waiting: list[tuple[int, _Reply]] = field(default_factory=list)
    accepted: int = 0
    stopped: str = ""

    def deliver(self, index: int, out: Outgoing, session: _Session) -> None:
        if self.stopped:
            failure = _failure(out, False, f"not sent: {self.stopped}", server_wide=True)
            self._settle(index, failure)
            return
        if self.log is not None:
            self.log.before(out.message_id)
        reply = session.deliver(out)
        if reply.stop:
            self._stop(reply.result.error or "")
            self._settle(index, reply.result)
        elif reply.refused_at:
            self.waiting.append((index, reply))
            self._stop_if_everyone_is_refused()
        else:
            if reply.result.ok:
                self.accepted += 1
                self._judge_waiting(server_refuses=False)
            self._settle(index, reply.result)

    def finish(self) -> None:
        """Judge the refusals still waiting at the end of the batch."""
        answers = {reply.reply for _, reply in self.waiting}
        self._judge_waiting(server_refuses=len(self.waiting) >= 2 and len(answers) == 1)

    def results(self) -> list[SendResult]:
        assert all(r is not None for r in self.slots)
        return [r for r in self.slots if r is not None]

    def _stop_if_everyone_is_refused(self) -> None:
        recent = self.waiting[-SAME_REFUSAL_LIMIT:]
        if len(recent) == SAME_REFUSAL_LIMIT and len({r.reply for _, r in recent}) == 1:
            self._judge_waiting(server_refuses=True)

    def _judge_waiting(self, *, server_refuses: bool) -> None:
        """Settle the waiting refusals: for now when the server refuses everyone, else for good
        (a 5xx to DATA only once some message got through)."""
        waiting, self.waiting = self.waiting, []
        for index, reply in waiting:
            if server_refuses:
                error = (
                    f"SMTP server {self.address} refused {len(waiting)} messages in a row"
                    f" at {reply.refused_at}: {reply.reply}"
                )
                result = replace(reply.result, error=error, server_wide=self.accepted == 0)
                self._stop(error)
            elif reply.refused_at == "RCPT" or self.accepted:
                result = replace(reply.result, permanent=True)
            else:
                result = reply.result
            self._settle(index, result)

    def _stop(self, reason: str) -> None:
        if not self.stopped:
            self.stopped = reason
            log.warning("SMTP batch stopped, the rest waits for the next run: %s", reason)

    def _settle(self, index: int, result: SendResult) -> None:
        self.slots[index] = result
        if self.log is not None:
            self.log.after(result)


def _deliver(conn: smtplib.SMTP, out: Outgoing, address: str) -> tuple[_Reply, bool]:
    """Send one message; the server's answer, and whether the connection is still usable."""
    if not out.message_id or not out.recipient or not out.sender:
        lacking = "message lacks a Message-ID, a sender or a recipient"
        return _Reply(_failure(out, True, lacking)), True
    options = [] if (out.sender + out.recipient).isascii() else ["SMTPUTF8"]
    data = LINE_END.sub(b"\r\n", out.data)
    try:
        conn.sendmail(out.sender, [out.recipient], data, mail_options=options)
    except smtplib.SMTPSenderRefused as exc:
        return _sender_refused(out, exc, address), exc.smtp_code != 421
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()))
        return _refused(out, "RCPT", code, text, _describe(exc)), True
    except smtplib.SMTPDataError as exc:
        reply = _refused(out, "DATA", exc.smtp_code, exc.smtp_error, _describe(exc))
        return reply, exc.smtp_code != 421
    except smtplib.SMTPResponseException as exc:
        return _Reply(_failure(out, False, _describe(exc))), exc.smtp_code != 421
    except (*_CONNECTION_ERRORS, smtplib.SMTPException) as exc:
        return _Reply(_failure(out, False, _describe(exc))), False
    return _Reply(SendResult(out.message_id, out.recipient, True)), True


def _sender_refused(out: Outgoing, exc: smtplib.SMTPSenderRefused, address: str) -> _Reply:
    """A 5xx to MAIL FROM is about us, not the recipient: stop (552, too big, is the message's)."""
    if exc.smtp_code == 552:
        return _refused(out, "DATA", exc.smtp_code, exc.smtp_error, _describe(exc))
    if 500 <= exc.smtp_code < 600:
        error = f"SMTP server {address} refused MAIL FROM: {_describe(exc)}"
        return _Reply(_failure(out, False, error, server_wide=True), stop=True)
    return _Reply(_failure(out, False, _describe(exc)))


def _refused(out: Outgoing, step: str, code: int, text: bytes | str, error: str) -> _Reply:
    """A refusal at RCPT or DATA: a 5xx waits for the batch's verdict, a 4xx is for now."""
    if 500 <= code < 600:
        return _Reply(_failure(out, False, error), refused_at=step, reply=f"{code} {_text(text)}")
    return _Reply(_failure(out, False, error))


def _failure(
    out: Outgoing, permanent: bool, error: str, *, server_wide: bool = False
) -> SendResult:
    return SendResult(out.message_id, out.recipient, False, permanent, error, False, server_wide)


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}".strip()
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{rcpt}: {code} {_text(reply)}" for rcpt, (code, reply) in exc.recipients.items()
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
