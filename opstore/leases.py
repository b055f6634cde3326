"""Leases: a named lock held in the store (one digest run per cadence at a time).

A lease row names its owner (`host:pid:random`) and expires unless renewed. A waiter takes it
over when it expired, or at once when its owner was a process on this machine that is gone (a
killed run frees its lease for the next one without waiting for the expiry).
"""

from __future__ import annotations

import os
import secrets
import socket
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from core.errors import JobAlertsError
from opstore.db import OpsStore
from opstore.schema import aware, leases

LEASE_SECONDS = 300.0
POLL_SECONDS = 0.2


class LeaseBusyError(JobAlertsError):
    """Another live process holds the lease."""


def owner_name() -> str:
    """`host:pid:random`: who holds a lease."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def _owner_is_gone(owner: str) -> bool:
    """True when the owner was a process on this machine that no longer runs."""
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def try_acquire(con: sa.Connection, name: str, owner: str, now: datetime, ttl: float) -> bool:
    """Take the lease if free, expired, ours, or its owner is gone; False if someone holds it."""
    row = con.execute(sa.select(leases).where(leases.c.name == name)).first()
    expires = now + timedelta(seconds=ttl)
    if row is None:
        con.execute(sa.insert(leases).values(name=name, owner=owner, acquired_at=now,
                                             expires_at=expires))  # fmt: skip
        return True
    free = row.owner == owner or (aware(row.expires_at) or now) <= now
    if not (free or _owner_is_gone(row.owner)):
        return False
    con.execute(
        sa.update(leases)
        .where(leases.c.name == name)
        .values(owner=owner, acquired_at=now, expires_at=expires)
    )
    return True


@dataclass
class Lease:
    """A held lease: renew it during long work; released when the block ends."""

    store: OpsStore
    name: str
    owner: str
    ttl: float = LEASE_SECONDS
    renewed: float = field(default_factory=time.monotonic)

    def renew(self) -> None:
        """Push the expiry out again, at most every quarter of the lease's life."""
        if time.monotonic() - self.renewed < self.ttl / 4:
            return
        now = datetime.now(UTC)
        with self.store.transaction() as con:
            con.execute(
                sa.update(leases)
                .where(leases.c.name == self.name, leases.c.owner == self.owner)
                .values(expires_at=now + timedelta(seconds=self.ttl))
            )
        self.renewed = time.monotonic()

    def release(self) -> None:
        with self.store.transaction() as con:
            con.execute(
                sa.delete(leases).where(leases.c.name == self.name, leases.c.owner == self.owner)
            )

    def __enter__(self) -> Lease:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def acquire(store: OpsStore, name: str, wait_seconds: float, ttl: float = LEASE_SECONDS) -> Lease:
    """Take the lease `name`, waiting up to `wait_seconds`; use it as a context manager to
    release it. LeaseBusyError when another live process keeps it."""
    owner = owner_name()
    deadline = time.monotonic() + wait_seconds
    while True:
        with store.transaction() as con:
            if try_acquire(con, name, owner, datetime.now(UTC), ttl):
                return Lease(store, name, owner, ttl)
        if time.monotonic() >= deadline:
            raise LeaseBusyError(f"lease {name!r} is held by another process")
        time.sleep(POLL_SECONDS)
