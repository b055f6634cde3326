"""Reading the send journal files older versions left beside the warehouse (upgrade only).

Before the operational store, each cadence had `<warehouse>.digest-<cadence>.journal`, one
ASCII line per event, fsynced:

    sending <Message-ID>                                  before the transport got the message
    sent <Message-ID>                                     the server accepted it
    failed <Message-ID> permanent|temporary <reason>      it was refused or could not go out

The upgrade (pipeline/stores.py) records what such a file still holds. A last line without its
newline (torn by a crash) is ignored, as is any line that does not parse: a message loses at
most its outcome and is sent again, never skipped.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from opstore.deliveries import Attempt

logger = logging.getLogger(__name__)

MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_FAILED = {"permanent": True, "temporary": False}


@dataclass(frozen=True)
class JournalEntries:
    """What a journal says: outcomes in order, and the messages handed over with none."""

    outcomes: list[Attempt] = field(default_factory=list)
    in_doubt: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.outcomes or self.in_doubt)


def journal_path(db_path: Path, cadence: str) -> Path:
    """`<warehouse>.digest-<cadence>.journal`."""
    return db_path.with_name(f"{db_path.name}.digest-{cadence}.journal")


def read_journal(path: Path) -> JournalEntries:
    """The complete, well-formed lines, as outcomes and messages in doubt."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return JournalEntries()
    *lines, torn = data.split(b"\n")
    if torn:
        logger.warning("send journal %s: ignoring a torn last line", path)
    return _parse(lines, path)


def _parse(lines: list[bytes], path: Path) -> JournalEntries:
    outcomes: list[Attempt] = []
    open_ids: dict[str, None] = {}  # handed over, no outcome yet (a dict keeps the order)
    for raw in lines:
        parsed = _parse_line(raw.decode("ascii", "replace"))
        if parsed is None:
            logger.warning("send journal %s: ignoring a malformed line", path)
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
