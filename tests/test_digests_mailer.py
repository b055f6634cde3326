"""Mail: message building, header-injection guards, the outbox, real SMTP, unsubscribe tokens."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult

from digests.mailer import (
    HeaderInjectionError,
    OutboxMailer,
    SmtpMailer,
    build_message,
    message_bytes,
    outbox_file_name,
)
from digests.render import RenderedDigest
from digests.unsubscribe import make_token, unsubscribe_url, verify_token
from tests.smtp_server import free_port
from tests.smtp_server import smtp_server as serving

# Test servers that demand AUTH over plain TCP are deliberate; aiosmtpd warns about them.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

SENDER = "ClinOps Job Alerts <alerts@clinops.example>"
UNSUB = "https://alerts.example/unsubscribe?token=t0k"
WHEN = datetime(2026, 11, 10, 7, 0, tzinfo=UTC)
RENDERED = RenderedDigest(
    subject="3 new Clinical Operations roles, 1 remote",
    html="<html><body><p>Hello &amp; welcome</p></body></html>",
    text="Hello & welcome\n",
)


def message(recipient: str = "reader@example.org", n: int = 1, **kw: Any) -> EmailMessage:
    return build_message(
        RENDERED, SENDER, recipient, f"<digest-{n}@clinops.example>", UNSUB, date=WHEN, **kw
    )


def parse(data: bytes) -> EmailMessage:
    parsed = BytesParser(policy=policy.default).parsebytes(data)
    assert isinstance(parsed, EmailMessage)
    return parsed


def assert_digest_email(msg: EmailMessage) -> None:
    assert msg.get_content_type() == "multipart/alternative"
    parts = [p.get_content_type() for p in msg.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    plain = msg.get_body(preferencelist=("plain",))
    rich = msg.get_body(preferencelist=("html",))
    assert plain is not None and rich is not None
    assert plain.get_content().replace("\r\n", "\n") == RENDERED.text
    assert "Hello &amp; welcome" in rich.get_content()
    assert msg["List-Unsubscribe"].startswith(f"<{UNSUB}>")
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


# ---------------------------------------------------------------- building


def test_build_message_headers_and_parts() -> None:
    msg = parse(message(unsubscribe_mailto="unsubscribe@clinops.example").as_bytes())
    assert_digest_email(msg)
    assert msg["From"] == SENDER
    assert msg["To"] == "reader@example.org"
    assert msg["Subject"] == RENDERED.subject
    assert msg["Message-ID"] == "<digest-1@clinops.example>"
    assert msg["Date"].datetime == WHEN
    assert msg["List-Unsubscribe"] == f"<{UNSUB}>, <mailto:unsubscribe@clinops.example>"


def test_message_id_gets_angle_brackets() -> None:
    msg = build_message(RENDERED, SENDER, "r@example.org", "abc@clinops.example", UNSUB)
    assert msg["Message-ID"] == "<abc@clinops.example>"
    assert msg["Date"]


def test_non_ascii_subject_and_names() -> None:
    rendered = RenderedDigest("Zürich roles – 2 new", "<p>é</p>", "é\n")
    msg = build_message(rendered, "Zoë <z@example.org>", "r@example.org", "<a@b.example>", UNSUB)
    back = parse(msg.as_bytes())
    assert back["Subject"] == "Zürich roles – 2 new"
    assert back["From"].addresses[0].display_name == "Zoë"


def same_message(a: EmailMessage, b: EmailMessage) -> None:
    """Two parsed messages say the same: every header, every part's headers and content."""
    assert list(a.items()) == list(b.items())
    parts_a, parts_b = list(a.iter_parts()), list(b.iter_parts())
    assert len(parts_a) == len(parts_b) == 2
    for one, other in zip(parts_a, parts_b, strict=True):
        assert list(one.items()) == list(other.items())
        assert one.get_content() == other.get_content()


LONG_LINE = "Senior Clinical Trial Manager – Zürich, Basel & remote (EU) " * 6


@pytest.mark.parametrize(
    ("subject", "sender", "text", "html"),
    [
        (RENDERED.subject, SENDER, RENDERED.text, RENDERED.html),
        ("2 new roles", "alerts@clinops.example", f"{LONG_LINE}\n\tend \n", f"<p>{LONG_LINE}</p>"),
        ("a = b =?utf-8?q?x?= c", SENDER, "x = y\nno newline at the end", "=3D"),
        ("Zürich roles – 2 new", "Zoë <z@example.org>", "é\n", "<p>é</p>"),
        ("x" * 990, SENDER, ".\nFrom the start\n", "<p>.</p>\n"),
    ],
    ids=["ascii", "long-lines", "encoded-word-lookalike", "non-ascii-headers", "long-subject"],
)
def test_message_bytes_say_what_build_message_says(
    subject: str, sender: str, text: str, html: str
) -> None:
    """The fast writer a digest run uses and the email package agree, header by header and
    part by part, once parsed (the encoding may wrap lines differently)."""
    rendered = RenderedDigest(subject, html, text)
    args = (rendered, sender, "reader@example.org", "<d-1@clinops.example>", UNSUB)
    fast = parse(message_bytes(*args, "unsubscribe@clinops.example", date=WHEN))
    same_message(
        fast, parse(build_message(*args, "unsubscribe@clinops.example", date=WHEN).as_bytes())
    )
    assert fast["Subject"].strip() == subject or "=?" in subject  # decoded by the parser
    assert fast["From"].addresses[0].addr_spec in sender
    plain = fast.get_body(preferencelist=("plain",))
    assert plain is not None and plain.get_content().rstrip("\n") == text.rstrip("\n")


@pytest.mark.parametrize(
    "address",
    ["a@b.org", "first.last+tag@sub.example.co.uk", "o'neil@x.org", "a..b@x.org", "a@x",
     '"quoted"@x.org', "Zoë <z@example.org>", "<r@example.org>"],
)  # fmt: skip
def test_the_plain_address_shortcut_agrees_with_mailbox(address: str) -> None:
    from digests.message import PLAIN_ADDRESS, mailbox

    try:
        expected = mailbox(address, "To")
    except ValueError:
        assert not PLAIN_ADDRESS.fullmatch(address)
        return
    assert not PLAIN_ADDRESS.fullmatch(address) or expected == address


def test_message_bytes_run_the_same_checks() -> None:
    with pytest.raises(HeaderInjectionError):
        message_bytes(RENDERED, SENDER, "r@example.org\r\nBcc: x@evil.example", "<a@b.c>", UNSUB)
    with pytest.raises(ValueError, match="Message-ID"):
        message_bytes(RENDERED, SENDER, "r@example.org", "<not an id>", UNSUB)
    with pytest.raises(ValueError, match="List-Unsubscribe URL"):
        message_bytes(RENDERED, SENDER, "r@example.org", "<a@b.example>", "javascript:x")


@pytest.mark.parametrize(
    "field",
    ["sender", "recipient", "subject", "message_id", "unsubscribe_url", "unsubscribe_mailto"],
)
@pytest.mark.parametrize("bad", ["\r\nBcc: victim@example.org", "\nX-Evil: 1", "\0"])
def test_header_injection_rejected(field: str, bad: str) -> None:
    args: dict[str, Any] = {
        "rendered": RENDERED,
        "sender": SENDER,
        "recipient": "reader@example.org",
        "message_id": "<digest-1@clinops.example>",
        "unsubscribe_url": UNSUB,
        "unsubscribe_mailto": "unsubscribe@clinops.example",
    }
    if field == "subject":
        args["rendered"] = RenderedDigest(RENDERED.subject + bad, RENDERED.html, RENDERED.text)
    else:
        args[field] = args[field] + bad
    with pytest.raises(HeaderInjectionError, match="CR, LF or NUL"):
        build_message(**args)


@pytest.mark.parametrize(
    "recipient",
    ["not-an-address", "a@b.org, c@d.org", "Eve <eve@x.org> <a@b.org>", "", "<>", "a@localhost"],
)
def test_bad_addresses_rejected(recipient: str) -> None:
    with pytest.raises(ValueError, match="To"):
        message(recipient)


@pytest.mark.parametrize("message_id", ["<no-domain>", "<a b@c.example>", "<<x@y.example>>"])
def test_bad_message_ids_rejected(message_id: str) -> None:
    with pytest.raises(ValueError, match="Message-ID"):
        build_message(RENDERED, SENDER, "r@example.org", message_id, UNSUB)


def test_unsubscribe_url_must_be_web() -> None:
    with pytest.raises(ValueError, match="List-Unsubscribe"):
        build_message(RENDERED, SENDER, "r@example.org", "<a@b.example>", "javascript:x")


# ---------------------------------------------------------------- outbox


def test_outbox_writes_valid_eml_files(tmp_path: Path) -> None:
    outbox = OutboxMailer(tmp_path / "outbox")
    results = outbox.send([message("a@example.org", 1), message("b@example.org", 2)])
    assert [(r.ok, r.recipient) for r in results] == [
        (True, "a@example.org"),
        (True, "b@example.org"),
    ]
    files = sorted((tmp_path / "outbox").iterdir())
    assert len(files) == 2
    assert all(f.suffix == ".eml" for f in files)
    for file in files:
        assert_digest_email(parse(file.read_bytes()))


def test_outbox_is_idempotent(tmp_path: Path) -> None:
    outbox = OutboxMailer(tmp_path)
    outbox.send([message(n=1)])
    first = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    outbox.send([message(n=1), message(n=1)])
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == first


def test_outbox_file_names_are_safe_and_distinct() -> None:
    name = outbox_file_name("<../../etc/passwd@evil.example>")
    assert "/" not in name and not name.startswith(".")
    assert name.endswith(".eml")
    assert outbox_file_name("<a/b@x.example>") != outbox_file_name("<a_b@x.example>")


def test_outbox_write_failure_is_temporary(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    [result] = OutboxMailer(blocker / "outbox").send([message()])
    assert not result.ok and not result.permanent
    assert result.error and "outbox" in result.error


# ---------------------------------------------------------------- SMTP


class Recorder:
    """An aiosmtpd handler: records deliveries, refuses or drops chosen recipients."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], bytes]] = []
        self.connections = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("refuse"):
            return "550 5.1.1 No such user"
        if address.startswith("later"):
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if any(r.startswith("drop") for r in envelope.rcpt_tos):
            server.transport.close()
            return "421 closing"
        self.received.append((list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Recorder, int]]:
    handler = Recorder()
    with serving(handler) as port:
        yield handler, port


def mailer(port: int, **kw: Any) -> SmtpMailer:
    return SmtpMailer("127.0.0.1", port, security="none", timeout=5, **kw)


def test_smtp_delivers_a_batch_on_one_connection(smtp_server: tuple[Recorder, int]) -> None:
    handler, port = smtp_server
    batch = [message(f"r{n}@example.org", n) for n in range(3)]
    results = mailer(port).send(batch)
    assert [r.ok for r in results] == [True, True, True]
    assert [r.message_id for r in results] == [f"<digest-{n}@clinops.example>" for n in range(3)]
    assert handler.connections == 1
    assert [rcpts for rcpts, _ in handler.received] == [[f"r{n}@example.org"] for n in range(3)]
    for _, data in handler.received:
        assert_digest_email(parse(data))


def test_smtp_550_fails_that_message_only(smtp_server: tuple[Recorder, int]) -> None:
    handler, port = smtp_server
    batch = [
        message("a@example.org", 1),
        message("refuse@example.org", 2),
        message("b@example.org", 3),
    ]
    results = mailer(port).send(batch)
    assert [(r.ok, r.permanent) for r in results] == [(True, False), (False, True), (True, False)]
    assert results[1].recipient == "refuse@example.org"
    assert results[1].error and "550" in results[1].error
    assert [rcpts for rcpts, _ in handler.received] == [["a@example.org"], ["b@example.org"]]


def test_smtp_4xx_is_temporary(smtp_server: tuple[Recorder, int]) -> None:
    handler, port = smtp_server
    results = mailer(port).send([message("later@example.org", 1), message("b@example.org", 2)])
    assert [(r.ok, r.permanent) for r in results] == [(False, False), (True, False)]
    assert results[0].error and "451" in results[0].error
    assert handler.connections == 1


def test_smtp_disconnect_reconnects_once(smtp_server: tuple[Recorder, int]) -> None:
    handler, port = smtp_server
    batch = [
        message("a@example.org", 1),
        message("drop@example.org", 2),
        message("b@example.org", 3),
        message("c@example.org", 4),
    ]
    results = mailer(port).send(batch)
    assert [(r.ok, r.permanent) for r in results] == [
        (True, False),
        (False, False),
        (True, False),
        (True, False),
    ]
    assert handler.connections == 2
    assert [rcpts for rcpts, _ in handler.received] == [
        ["a@example.org"],
        ["b@example.org"],
        ["c@example.org"],
    ]


def test_smtp_second_disconnect_fails_the_rest(smtp_server: tuple[Recorder, int]) -> None:
    handler, port = smtp_server
    batch = [message("drop1@example.org", 1), message("drop2@example.org", 2)]
    batch.append(message("a@example.org", 3))
    results = mailer(port).send(batch)
    assert [(r.ok, r.permanent) for r in results] == [(False, False)] * 3
    assert handler.connections == 2
    assert handler.received == []


def test_smtp_connection_refused_is_temporary() -> None:
    port = free_port()  # nothing listens here
    results = mailer(port).send([message(n=1), message(n=2)])
    assert [(r.ok, r.permanent) for r in results] == [(False, False), (False, False)]
    assert all(r.error and "cannot connect" in r.error for r in results)


@pytest.fixture
def closing_server() -> Iterator[int]:
    """A TCP server that accepts and closes every connection at once."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        stop.set()
        thread.join(timeout=2)
        listener.close()


def test_smtp_server_that_closes_is_temporary(closing_server: int) -> None:
    results = mailer(closing_server).send([message(n=1), message(n=2), message(n=3)])
    assert [(r.ok, r.permanent) for r in results] == [(False, False)] * 3


def test_smtp_empty_batch_opens_nothing(smtp_server: tuple[Recorder, int]) -> None:
    handler, port = smtp_server
    assert mailer(port).send([]) == []
    assert handler.connections == 0


def test_smtp_login_never_logs_the_password(caplog: pytest.LogCaptureFixture) -> None:
    seen: list[tuple[bytes, bytes]] = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        seen.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret-pw", handled=False)

    handler = Recorder()
    with (
        serving(handler, authenticator=authenticator, auth_require_tls=False) as port,
        caplog.at_level(logging.DEBUG),
    ):
        good = mailer(port, username="robot", password="s3cret-pw")
        assert [r.ok for r in good.send([message(n=1)])] == [True]
        bad = mailer(port, username="robot", password="wrong-pw")
        [failed] = bad.send([message(n=2)])
    assert seen[0] == (b"robot", b"s3cret-pw")
    assert not failed.ok and not failed.permanent
    assert "s3cret-pw" not in repr(good)
    assert "s3cret-pw" not in caplog.text and "wrong-pw" not in caplog.text
    assert failed.error and "535" in failed.error
    assert "wrong-pw" not in failed.error


# ---------------------------------------------------------------- SMTP: the server's refusals


def allow_robot(server, session, envelope, mechanism, auth_data):
    return AuthResult(success=auth_data.password == b"s3cret-pw", handled=False)


@pytest.fixture
def auth_server() -> Iterator[tuple[Recorder, int]]:
    """A server that answers 530 at MAIL FROM until the client logs in (no TLS needed)."""
    handler = Recorder()
    with serving(
        handler, authenticator=allow_robot, auth_required=True, auth_require_tls=False
    ) as port:
        yield handler, port


def batch_of(count: int) -> list[EmailMessage]:
    return [message(f"r{n}@example.org", n) for n in range(count)]


def assert_kept_for_next_run(results: list[Any], reply: str) -> None:
    """Every message failed for now (retried next run), each saying what the server answered."""
    assert [(r.ok, r.permanent, r.server_wide) for r in results] == [(False, False, True)] * len(
        results
    )
    assert all(r.error and reply in r.error for r in results), [r.error for r in results]


def test_smtp_530_at_mail_from_stops_the_batch_for_now(
    auth_server: tuple[Recorder, int],
) -> None:
    handler, port = auth_server
    results = mailer(port).send(batch_of(4))
    assert_kept_for_next_run(results, "530")
    assert handler.connections == 1 and handler.received == []


def test_smtp_535_stops_the_batch_for_now_and_never_shows_the_password(
    auth_server: tuple[Recorder, int], caplog: pytest.LogCaptureFixture
) -> None:
    handler, port = auth_server
    with caplog.at_level(logging.DEBUG):
        bad = mailer(port, username="robot", password="wrong-pw")
        results = bad.send(batch_of(3))
    assert_kept_for_next_run(results, "535")
    assert handler.connections == 1  # no reconnecting to try the same password again
    assert "wrong-pw" not in caplog.text + repr(bad) + repr(results)
    good = mailer(port, username="robot", password="s3cret-pw").send(batch_of(3))
    assert [r.ok for r in good] == [True] * 3


class Greeting554:
    """A TCP server that answers every connection `554 no service` and hangs up."""

    def __init__(self) -> None:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen()
        self.listener.settimeout(0.2)
        self.stop = threading.Event()
        self.connections = 0
        self.thread = threading.Thread(target=self.serve, daemon=True)

    def serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            self.connections += 1
            conn.sendall(b"554 5.3.2 No SMTP service here\r\n")
            conn.close()


def test_smtp_554_at_connect_stops_the_batch_for_now() -> None:
    server = Greeting554()
    server.thread.start()
    try:
        results = mailer(int(server.listener.getsockname()[1])).send(batch_of(3))
    finally:
        server.stop.set()
        server.thread.join(timeout=2)
        server.listener.close()
    assert_kept_for_next_run(results, "554 5.3.2 No SMTP service here")
    assert server.connections == 1


class Unwelcoming(Recorder):
    """Refuses the client's EHLO and HELO with a 5xx."""

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1
        return ["550 5.7.1 Your host is not welcome"]

    async def handle_HELO(self, server, session, envelope, hostname):
        return "550 5.7.1 Your host is not welcome"


def test_smtp_5xx_to_ehlo_stops_the_batch_for_now() -> None:
    handler = Unwelcoming()
    with serving(handler) as port:
        results = mailer(port).send(batch_of(3))
    assert_kept_for_next_run(results, "550 5.7.1 Your host is not welcome")
    assert handler.connections == 1 and handler.received == []


class RelayDenied(Recorder):
    """Refuses every recipient with the same 5xx: the server will not relay for us at all."""

    def __init__(self) -> None:
        super().__init__()
        self.rcpts = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpts += 1
        return "554 5.7.1 Relay access denied"


def test_smtp_the_same_5xx_for_every_recipient_is_the_servers_fault() -> None:
    handler = RelayDenied()
    with serving(handler) as port:
        results = mailer(port).send(batch_of(6))
    assert_kept_for_next_run(results, "554 5.7.1 Relay access denied")
    assert handler.rcpts == 3  # the batch stops after three identical refusals in a row


def test_smtp_550_for_two_recipients_among_others_fails_those_two(
    smtp_server: tuple[Recorder, int],
) -> None:
    handler, port = smtp_server
    batch = [
        message("refuse1@example.org", 1),
        message("refuse2@example.org", 2),
        message("a@example.org", 3),
        message("refuse3@example.org", 4),
        message("b@example.org", 5),
    ]
    results = mailer(port).send(batch)
    assert [(r.ok, r.permanent, r.server_wide) for r in results] == [
        (False, True, False),
        (False, True, False),
        (True, False, False),
        (False, True, False),
        (True, False, False),
    ]
    assert len(handler.received) == 2


class RefusesSomeData(Recorder):
    """Answers DATA with a 5xx for recipients starting with `spam` (or for everyone)."""

    def __init__(self, everyone: bool = False) -> None:
        super().__init__()
        self.everyone = everyone

    async def handle_DATA(self, server, session, envelope):
        if self.everyone or any(r.startswith("spam") for r in envelope.rcpt_tos):
            return "554 5.6.0 Message content rejected"
        return await super().handle_DATA(server, session, envelope)


@pytest.mark.parametrize(
    ("everyone", "expected"),
    [
        (False, [(True, False), (False, True), (True, False)]),
        (True, [(False, False)] * 3),
    ],
)
def test_smtp_5xx_to_data_is_permanent_only_when_others_got_through(
    everyone: bool, expected: list[tuple[bool, bool]]
) -> None:
    handler = RefusesSomeData(everyone)
    with serving(handler) as port:
        batch = [message("a@example.org", 1), message("spam@example.org", 2)]
        results = mailer(port).send([*batch, message("b@example.org", 3)])
    assert [(r.ok, r.permanent) for r in results] == expected
    assert all("554" in (r.error or "") for r in results if not r.ok)


def test_smtp_log_hears_of_every_message_once(auth_server: tuple[Recorder, int]) -> None:
    _, port = auth_server
    seen: list[str] = []

    class Log:
        def before(self, message_id: str) -> None:
            seen.append(f"before {message_id}")

        def after(self, result: Any) -> None:
            seen.append(f"after {result.message_id}")

    mailer(port).send(batch_of(3), log=Log())
    ids = [f"<digest-{n}@clinops.example>" for n in range(3)]
    assert seen == [f"before {ids[0]}", f"after {ids[0]}", f"after {ids[1]}", f"after {ids[2]}"]


def test_smtp_rejects_unknown_security() -> None:
    with pytest.raises(ValueError, match="security"):
        SmtpMailer("127.0.0.1", 25, security="tls")  # type: ignore[arg-type]


# ---------------------------------------------------------------- unsubscribe


def test_token_round_trip() -> None:
    token = make_token("secret", 42, "Reader+jobs@example.org")
    assert verify_token("secret", token) == (42, "Reader+jobs@example.org")
    assert verify_token(b"secret", token) == (42, "Reader+jobs@example.org")


def test_token_is_url_safe() -> None:
    token = make_token("secret", 7, "a:b@example.org")
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
    assert verify_token("secret", token) == (7, "a:b@example.org")


def test_unsubscribe_url() -> None:
    url = unsubscribe_url("https://alerts.example/unsubscribe", "Abc-_123")
    assert url == "https://alerts.example/unsubscribe?token=Abc-_123"
    assert unsubscribe_url("https://x.example/u?lang=en", "a/b+c") == (
        "https://x.example/u?lang=en&token=a%2Fb%2Bc"
    )


def _flip(text: str, index: int) -> str:
    swapped = "A" if text[index] != "A" else "B"
    return text[:index] + swapped + text[index + 1 :]


def test_token_rejects_tampering() -> None:
    token = make_token("secret", 42, "reader@example.org")
    body, signature = token.split(".")
    forged_body = make_token("secret", 43, "reader@example.org").split(".")[0]
    assert verify_token("other-secret", token) is None
    assert verify_token("secret", f"{forged_body}.{signature}") is None
    assert verify_token("secret", f"{body}.{_flip(signature, 3)}") is None
    assert verify_token("secret", f"{_flip(body, 0)}.{signature}") is None
    assert verify_token("secret", token + "x") is None
    assert verify_token("secret", body + "!." + signature) is None
    for junk in ("", ".", "abc", "a.b.c", "!!!.???", token.replace(".", "")):
        assert verify_token("secret", junk) is None


def test_token_needs_a_secret_and_an_id() -> None:
    with pytest.raises(ValueError, match="secret"):
        make_token("", 1, "r@example.org")
    with pytest.raises(ValueError, match="subscription id"):
        make_token("s", -1, "r@example.org")
