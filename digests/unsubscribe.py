"""Unsubscribe links: an opaque token in the URL; the legacy signed tokens of older emails.

Today's links carry a random token the operational store resolves (opstore/tokens.py). Emails
sent before it carry `<base64 of id:email>.<HMAC-SHA256>`: `verify_token` checks those, and
callers accept them only when a real (non-placeholder) secret signed them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from urllib.parse import quote

Secret = str | bytes


def make_token(secret: Secret, sub_id: int, email: str) -> str:
    """`<payload>.<signature>`, both base64url without padding: safe in a URL."""
    if isinstance(sub_id, bool) or not isinstance(sub_id, int) or sub_id < 0:
        raise ValueError(f"subscription id must be a non-negative integer, not {sub_id!r}")
    payload = f"{sub_id}:{email}".encode()
    return f"{_encode(payload)}.{_encode(_sign(secret, payload))}"


def verify_token(secret: Secret, token: str) -> tuple[int, str] | None:
    """The (subscription id, email) a valid token carries; None when forged or malformed."""
    body, dot, signature = token.partition(".")
    if not dot:
        return None
    payload, given = _decode(body), _decode(signature)
    if payload is None or given is None:
        return None
    if not hmac.compare_digest(_sign(secret, payload), given):
        return None
    return _parse(payload)


def unsubscribe_url(base_url: str, token: str) -> str:
    """The one-click unsubscribe link: `<base_url>?token=<token>`, the token URL-quoted."""
    joiner = "&" if "?" in base_url else "?"
    return f"{base_url}{joiner}token={quote(token, safe='')}"


def _sign(secret: Secret, payload: bytes) -> bytes:
    key = secret.encode() if isinstance(secret, str) else secret
    if not key:
        raise ValueError("the unsubscribe secret must not be empty")
    return hmac.new(key, payload, hashlib.sha256).digest()


def _encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _decode(text: str) -> bytes | None:
    """Decode base64url, accepting only the canonical form `_encode` writes."""
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    return data if _encode(data) == text else None


def _parse(payload: bytes) -> tuple[int, str] | None:
    try:
        sub_id, _, email = payload.decode().partition(":")
    except UnicodeDecodeError:
        return None
    if not (sub_id.isascii() and sub_id.isdigit()) or not email:
        return None
    return int(sub_id), email
