"""The outbox transport: each message an .eml file named after its Message-ID, atomically."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from digests.delivery import (
    DeliveryLog,
    Message,
    Outgoing,
    SendResult,
    deliver_concurrently,
    deliver_each,
)

UNSAFE_FILE_CHARS = re.compile(r"[^A-Za-z0-9._@-]+")
# Files a digest run writes (each fsynced) at once: the file system commits their syncs
# together. One, the default, writes strictly in order.
WRITERS = 8


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
    writers: int = 1
    idempotent = True  # a resend of the same bytes is found, never written twice

    def send(self, messages: Iterable[Message], log: DeliveryLog | None = None) -> list[SendResult]:
        """Write every message, up to `writers` at once; an I/O failure is a temporary
        failure."""
        if self.writers <= 1:
            return deliver_each(messages, log, self._write)
        return deliver_concurrently(messages, log, self._write, self.writers)

    def path_for(self, message_id: str) -> Path:
        """Where the message with this Message-ID is (or will be) written."""
        return Path(self.folder) / outbox_file_name(message_id)

    def _write(self, out: Outgoing) -> SendResult:
        if not out.message_id:
            error = "message has no Message-ID"
            return SendResult("", out.recipient, ok=False, permanent=True, error=error)
        target = self.path_for(out.message_id)
        try:
            if target.is_file() and target.read_bytes() == out.data:
                return SendResult(out.message_id, out.recipient, ok=True, already_delivered=True)
            target.parent.mkdir(parents=True, exist_ok=True)
            _atomic_write(target, out.data)
        except OSError as exc:
            error = f"outbox write failed: {exc}"
            return SendResult(out.message_id, out.recipient, ok=False, error=error)
        return SendResult(out.message_id, out.recipient, ok=True)


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
