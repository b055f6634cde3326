"""Building a digest email: multipart/alternative, safe headers, RFC 8058 one-click unsubscribe."""

from __future__ import annotations

import binascii
import hashlib
import re
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from functools import lru_cache

from digests.render import RenderedDigest, is_web_url

TOKEN_VALUE = re.compile(r"token=[^&\s'\"<>]*", re.IGNORECASE)
MESSAGE_ID = re.compile(r"^<[^<>\s@]+@[^<>\s@]+>$")
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
PLAIN_ADDRESS = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# Headers are written with RFC 5322's hard limit, not the soft 78: otherwise the long
# List-Unsubscribe URL is folded into RFC 2047 encoded words, which clients cannot use.
# Non-ASCII values (a subject with "Zürich") are still encoded; bodies are quoted-printable.
HEADER_POLICY = policy.default.clone(max_line_length=998)


class HeaderInjectionError(ValueError):
    """A header value holds CR, LF or NUL: someone tried to add headers of their own."""


def _check_inputs(
    rendered: RenderedDigest,
    sender: str,
    recipient: str,
    message_id: str,
    unsubscribe_url: str,
    unsubscribe_mailto: str | None,
) -> None:
    """Refuse a header value holding CR, LF or NUL, before any header is built."""
    for name, value in (
        ("From", sender),
        ("To", recipient),
        ("Subject", rendered.subject),
        ("Message-ID", message_id),
        ("List-Unsubscribe", unsubscribe_url),
        ("List-Unsubscribe", unsubscribe_mailto or ""),
    ):
        check_header(name, value)


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
    _check_inputs(rendered, sender, recipient, message_id, unsubscribe_url, unsubscribe_mailto)
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


def message_bytes(
    rendered: RenderedDigest,
    sender: str,
    recipient: str,
    message_id: str,
    unsubscribe_url: str,
    unsubscribe_mailto: str | None = None,
    *,
    date: datetime | None = None,
) -> bytes:
    """The message `build_message` builds, as bytes, written directly: the same checks, headers
    and parts (quoted-printable by the C codec), several times faster, for the one message per
    subscriber a digest run builds. A header that needs encoding (not ASCII, or too long) goes
    through `build_message`."""
    _check_inputs(rendered, sender, recipient, message_id, unsubscribe_url, unsubscribe_mailto)
    headers = (
        ("From", _mailbox(sender, "From")),
        ("To", _mailbox(recipient, "To")),
        ("Subject", rendered.subject),
        ("Date", format_datetime(date or datetime.now(UTC))),
        ("Message-ID", normalise_message_id(message_id)),
        ("List-Unsubscribe", list_unsubscribe(unsubscribe_url, unsubscribe_mailto)),
        ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
    )
    if not all(_plain_header(name, value) for name, value in headers):
        built = build_message(
            rendered, sender, recipient, message_id, unsubscribe_url, unsubscribe_mailto, date=date
        )
        return built.as_bytes()
    boundary = _boundary(message_id, rendered)
    lines = [f"{name}: {value}" for name, value in headers]
    lines += ["MIME-Version: 1.0", f'Content-Type: multipart/alternative; boundary="{boundary}"']
    head = "\n".join(lines).encode("ascii")
    parts = [
        _qp_part("plain", rendered.text, boundary, ""),
        _qp_part("html", rendered.html, boundary, "MIME-Version: 1.0\n"),
    ]
    return head + b"\n\n" + b"".join(parts) + f"--{boundary}--\n".encode("ascii")


def _plain_header(name: str, value: str) -> bool:
    """True when the header goes out as it is: ASCII, no encoded-word look-alike, one line."""
    return value.isascii() and "=?" not in value and len(name) + len(value) + 2 <= 998


def _qp_part(subtype: str, text: str, boundary: str, extra: str) -> bytes:
    """One text part, UTF-8, quoted-printable, after its boundary line."""
    body = binascii.b2a_qp(text.encode("utf-8"), istext=True)
    if body and not body.endswith(b"\n"):
        body += b"\n"
    head = (
        f'--{boundary}\nContent-Type: text/{subtype}; charset="utf-8"\n'
        f"Content-Transfer-Encoding: quoted-printable\n{extra}\n"
    )
    return head.encode("ascii") + body + b"\n"


@lru_cache(maxsize=4096)
def _mailbox(value: str, name: str) -> str:
    """`mailbox`, remembered (the sender is the same for every message of a run); a plain
    `local@domain` of dot-atoms is already in the form `mailbox` returns."""
    if PLAIN_ADDRESS.fullmatch(value):
        return value
    return mailbox(value, name)


def _boundary(message_id: str, rendered: RenderedDigest) -> str:
    """A boundary derived from the content, so the same message is the same bytes."""
    seed = "\0".join((message_id, rendered.subject, rendered.text, rendered.html))
    return f"==_alt_{hashlib.sha256(seed.encode()).hexdigest()[:32]}"


def check_header(name: str, value: str) -> None:
    """Raise HeaderInjectionError when a header value holds CR, LF or NUL (a link's token is
    left out of the message)."""
    if any(ch in value for ch in "\r\n\0"):
        shown = without_token(value)
        raise HeaderInjectionError(f"{name} header must not contain CR, LF or NUL: {shown!r}")


def without_token(text: str) -> str:
    """Text with any `token=` value replaced: errors and logs never carry a link's token."""
    return TOKEN_VALUE.sub("token=[redacted]", text)


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
        raise ValueError(f"List-Unsubscribe URL must be http(s): {without_token(url)!r}")
    links = [f"<{url}>"]
    if mailto:
        target = mailto if mailto.lower().startswith("mailto:") else f"mailto:{mailto}"
        if any(ch.isspace() or ch in "<>" for ch in target):
            raise ValueError(f"List-Unsubscribe mailto is malformed: {mailto!r}")
        links.append(f"<{target}>")
    return ", ".join(links)
