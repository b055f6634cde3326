"""Link tokens: opaque random strings, stored only as a hash, each bound to one purpose.

A token is `secrets.token_urlsafe(32)` (256 random bits): the link carries nothing readable,
no address, no id. The store keeps its SHA-256 (enough for a random secret of that size), its
purpose (`unsubscribe`, `manage`, `confirm`), the subscription and an expiry; a token of one
purpose never works for another. Tokens are never printed nor logged.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from opstore.db import reads, writes
from opstore.schema import PURPOSES, tokens

LIFETIMES = {
    "unsubscribe": timedelta(days=365),
    "manage": timedelta(days=90),
    "confirm": timedelta(hours=48),
}
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{32,64}")


@dataclass(frozen=True)
class IssuedToken:
    """A token as stored: its hash, purpose and expiry (never the token itself)."""

    token_hash: str
    purpose: str
    expires_at: datetime


def hash_token(token: str) -> str:
    """The SHA-256 of a token, hex."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def new_token(purpose: str, now: datetime) -> tuple[str, IssuedToken]:
    """A fresh random token and what to store of it."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown token purpose {purpose!r}")
    token = secrets.token_urlsafe(32)
    return token, IssuedToken(hash_token(token), purpose, now + LIFETIMES[purpose])


@writes
def issue_token(con: sa.Connection, purpose: str, subscription_id: int, now: datetime) -> str:
    """Store a new token for one subscription and purpose; the token, for a link."""
    token, issued = new_token(purpose, now)
    con.execute(
        sa.insert(tokens).values(
            token_hash=issued.token_hash,
            purpose=purpose,
            subscription_id=subscription_id,
            created_at=now,
            expires_at=issued.expires_at,
        )
    )
    return token


@reads
def resolve_token(con: sa.Connection, token: str, purpose: str, now: datetime) -> int | None:
    """The subscription a valid, unexpired token of this purpose names; None otherwise."""
    if not TOKEN_SHAPE.fullmatch(token):
        return None
    t = tokens.c
    found = con.execute(
        sa.select(t.subscription_id).where(
            t.token_hash == hash_token(token), t.purpose == purpose, t.expires_at > now
        )
    ).scalar()
    return None if found is None else int(found)


@writes
def forget_expired(con: sa.Connection, now: datetime) -> int:
    """Delete expired tokens; how many."""
    return int(con.execute(sa.delete(tokens).where(tokens.c.expires_at <= now)).rowcount)
