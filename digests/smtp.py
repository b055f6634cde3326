"""The SMTP transport: a batch over one verified connection, judging refusals per message or
for the whole server."""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from digests.delivery import LINE_END, DeliveryLog, Message, Outgoing, SendResult

logger = logging.getLogger(__name__)

Security = Literal["none", "starttls", "ssl"]
SECURITIES: tuple[str, ...] = ("none", "starttls", "ssl")


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

    def send(self, messages: Iterable[Message], log: DeliveryLog | None = None) -> list[SendResult]:
        """Send each message in order on one connection; failures become results.

        A refusal of the session (connect, EHLO, STARTTLS, AUTH, a 5xx to MAIL FROM), a second
        dropped connection, or the same 5xx to RCPT/DATA for several messages in a row with none
        accepted stops the batch: every message not accepted fails for now (`server_wide`, sent
        again next run). A 5xx to RCPT for one address, or to DATA while other messages get
        through, fails that message for good.
        """
        batch = _SmtpBatch(self.address, log)
        session = _Session(self)
        try:
            for message in messages:
                batch.deliver(Outgoing.of(message), session)
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
                return _Reply(_failure(out, refusal, server_wide=True), stop=True)
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
        logger.info("SMTP connected to %s (%s)", address, self.mailer.security)
        return ""

    def close(self, quit_first: bool = True) -> None:
        if self.conn is not None:
            _close(self.conn, quit_first=quit_first)
            self.conn = None


@dataclass
class _SmtpBatch:
    """The batch's results, in order; holds 5xx replies to RCPT/DATA until it can judge them:
    one address's problem when other messages get through, else the server's."""

    address: str
    log: DeliveryLog | None
    slots: list[SendResult | None] = field(default_factory=list)
    waiting: list[tuple[int, _Reply]] = field(default_factory=list)
    accepted: int = 0
    stopped: str = ""

    def deliver(self, out: Outgoing, session: _Session) -> None:
        index = len(self.slots)
        self.slots.append(None)
        if self.stopped:
            failure = _failure(out, f"not sent: {self.stopped}", server_wide=True)
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
            logger.warning("SMTP batch stopped, the rest waits for the next run: %s", reason)

    def _settle(self, index: int, result: SendResult) -> None:
        self.slots[index] = result
        if self.log is not None:
            self.log.after(result)


def _deliver(conn: smtplib.SMTP, out: Outgoing, address: str) -> tuple[_Reply, bool]:
    """Send one message; the server's answer, and whether the connection is still usable."""
    if not out.message_id or not out.recipient or not out.sender:
        lacking = "message lacks a Message-ID, a sender or a recipient"
        return _Reply(_failure(out, lacking, permanent=True)), True
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
        return _Reply(_failure(out, _describe(exc))), exc.smtp_code != 421
    except (*_CONNECTION_ERRORS, smtplib.SMTPException) as exc:
        return _Reply(_failure(out, _describe(exc))), False
    return _Reply(SendResult(out.message_id, out.recipient, ok=True)), True


def _sender_refused(out: Outgoing, exc: smtplib.SMTPSenderRefused, address: str) -> _Reply:
    """A 5xx to MAIL FROM is about us, not the recipient: stop (552, too big, is the message's)."""
    if exc.smtp_code == 552:
        return _refused(out, "DATA", exc.smtp_code, exc.smtp_error, _describe(exc))
    if 500 <= exc.smtp_code < 600:
        error = f"SMTP server {address} refused MAIL FROM: {_describe(exc)}"
        return _Reply(_failure(out, error, server_wide=True), stop=True)
    return _Reply(_failure(out, _describe(exc)))


def _refused(out: Outgoing, step: str, code: int, text: bytes | str, error: str) -> _Reply:
    """A refusal at RCPT or DATA: a 5xx waits for the batch's verdict, a 4xx is for now."""
    if 500 <= code < 600:
        return _Reply(_failure(out, error), refused_at=step, reply=f"{code} {_text(text)}")
    return _Reply(_failure(out, error))


def _failure(
    out: Outgoing, error: str, *, permanent: bool = False, server_wide: bool = False
) -> SendResult:
    return SendResult(
        out.message_id,
        out.recipient,
        ok=False,
        permanent=permanent,
        error=error,
        server_wide=server_wide,
    )


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
