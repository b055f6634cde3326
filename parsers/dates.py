"""Dates from board payloads: ISO strings, epoch seconds or milliseconds, Workday phrases."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

EPOCH_MS_THRESHOLD = 10**12
_RELATIVE = re.compile(
    r"posted\s+(?:(?P<today>today)|(?P<yesterday>yesterday)"
    r"|(?P<n>\d{1,4})\+?\s+(?P<unit>day|week|month|hour|minute)s?\s+ago)",
    re.IGNORECASE,
)
_UNIT_DAYS = {"minute": 1 / 1440, "hour": 1 / 24, "day": 1, "week": 7, "month": 30}


def _from_number(value: float) -> datetime | None:
    """Epoch seconds, or milliseconds when above 10^12."""
    seconds = value / 1000 if abs(value) > EPOCH_MS_THRESHOLD else value
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _aware(moment: datetime) -> datetime:
    """The same instant in UTC; naive values are taken as UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _from_text(value: str, now: datetime | None) -> datetime | None:
    """ISO 8601 text, a digit string (epoch), or a Workday 'Posted N Days Ago'."""
    text = value.strip()
    if not text:
        return None
    if re.fullmatch(r"-?\d{1,16}(?:\.\d+)?", text):
        return _from_number(float(text))
    rel = _RELATIVE.search(text)
    if rel:
        return _relative(rel, now)
    iso = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    try:
        return _aware(datetime.fromisoformat(iso))
    except ValueError:
        return None


def _relative(rel: re.Match[str], now: datetime | None) -> datetime:
    """Resolve a 'Posted ... Ago' match against ``now`` (default: the current time)."""
    base = _aware(now) if now is not None else datetime.now(tz=UTC)
    if rel.group("today"):
        return base
    if rel.group("yesterday"):
        return base - timedelta(days=1)
    days = int(rel.group("n")) * _UNIT_DAYS[rel.group("unit").lower()]
    return base - timedelta(days=days)


def parse_date(value: object, now: datetime | None = None) -> datetime | None:
    """A timezone-aware UTC datetime from any board date value; None when unreadable."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        return _aware(value)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, int | float):
        return _from_number(float(value))
    if isinstance(value, str):
        return _from_text(value[:200], now)
    return None
