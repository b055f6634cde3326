"""The send journal: a small append-only file that says which digest went out, crash or not.

One file per cadence beside the warehouse (`<warehouse>.digest-<cadence>.journal`), written only
under that cadence's send lock. One ASCII line per event, flushed and fsynced before the run
goes on:

    sending <Message-ID>                                  before the transport gets the message
    sent <Message-ID>                                     the server accepted it
    failed <Message-ID> permanent|temporary <reason>      it was refused or could not go out

It holds Message-IDs, outcome codes and the server's reason (with the recipient's address taken
out), never an address or a message. A last line without its newline (torn by a crash while it
was written) is ignored, as is any line that does not parse: either way a message loses at most
its outcome and is sent again, never skipped.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from warehouse.deliveries import Attempt

log = logging.getLogger(__name__)

MESSAGE_ID = re.compile(r"<[^<>\s]+>")
REASON_CHARS = 500
_FAILED = {"permanent": True, "temporary": False}


@dataclass(frozen=True)
class JournalEntries:
    """What a journal says: outcomes in order, and the messages handed over with none."""

    outcomes: list[Attempt] = field(default_factory=list)
    in_doubt: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.outcomes or self.in_doubt)


def journal_path(db_path: Path, cadence: str) -> Path:
    """`<warehouse>.digest-<cadence>.journal`, beside the cadence's lock file."""
    return db_path.with_name(f"{db_path.name}.digest-{cadence}.journal")


class SendJournal:
    """Appends events durably; reads them back; empties itself once they are recorded."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def sending(self, message_id: str) -> None:
        """Before the message may reach the transport."""
        self._append(f"sending {_checked(message_id)}")

    def outcome(self, attempt: Attempt) -> None:
        """The transport's verdict on a message."""
        message_id = _checked(attempt.message_id)
        if attempt.ok:
            self._append(f"sent {message_id}")
        else:
            kind = "permanent" if attempt.permanent else "temporary"
            reason = " ".join((attempt.error or "").split())
            self._append(f"failed {message_id} {kind} {reason}".rstrip())

    def read(self) -> JournalEntries:
        """The complete, well-formed lines, as outcomes and messages in doubt."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return JournalEntries()
        *lines, torn = data.split(b"\n")
        if torn:
            log.warning("send journal %s: ignoring a torn last line", self.path)
        return _parse(lines, self.path)

    def clear(self) -> None:
        """Empty the journal (once its events are committed to the warehouse)."""
        fd = self._open()
        os.ftruncate(fd, 0)
        os.fsync(fd)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> SendJournal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _append(self, line: str) -> None:
        data = (line + "\n").encode("ascii", "replace")
        fd = self._open()
        if os.write(fd, data) != len(data):
            raise OSError(f"send journal {self.path}: short write")
        os.fsync(fd)

    def _open(self) -> int:
        if self._fd is None:
            existed = self.path.exists()
            self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            if not existed:
                _fsync_dir(self.path.parent)
        return self._fd


def redacted_reason(error: str | None, recipient: str) -> str | None:
    """A failure's reason on one line, without the recipient's address, at most 500 chars."""
    if error is None:
        return None
    text = " ".join(error.split())
    if recipient:
        text = re.sub(re.escape(recipient), "<recipient>", text, flags=re.IGNORECASE)
    return text[:REASON_CHARS]


def _parse(lines: list[bytes], path: Path) -> JournalEntries:
    outcomes: list[Attempt] = []
    open_ids: dict[str, None] = {}  # handed over, no outcome yet (a dict keeps the order)
    for raw in lines:
        parsed = _parse_line(raw.decode("ascii", "replace"))
        if parsed is None:
            log.warning("send journal %s: ignoring a malformed line", path)
        elif isinstance(parsed, str):
            open_ids[parsed] = None
        else:
            open_ids.pop(parsed.message_id, None)
            outcomes.append(parsed)
    return JournalEntries(outcomes, list(open_ids))


def _parse_line(line: str) -> str | Attempt | None:
    """A message id for `sending`, an Attempt for an outcome, None when malformed."""
    verb, _, rest = line.partition(" ")
    message_id, _, detail = rest.partition(" ")
    if not MESSAGE_ID.fullmatch(message_id):
        return None
    if verb == "sending" and not detail:
        return message_id
    if verb == "sent" and not detail:
        return Attempt(message_id, True, False, None)
    kind, _, reason = detail.partition(" ")
    if verb == "failed" and kind in _FAILED:
        return Attempt(message_id, False, _FAILED[kind], reason or None)
    return None


def _checked(message_id: str) -> str:
    if not MESSAGE_ID.fullmatch(message_id):
        raise ValueError(f"not a Message-ID the send journal can hold: {message_id!r}")
    return message_id


def _fsync_dir(folder: Path) -> None:
    """Make a new file's name durable too."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
