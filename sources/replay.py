"""Replay mode: serve recorded responses to the real connectors, with no network."""

from __future__ import annotations

import gzip
import io
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
import yaml
from requests.adapters import BaseAdapter
from urllib3.response import HTTPResponse

from core.errors import ConfigError


class NotRecordedError(requests.RequestException):
    """Replay has no recorded response for a request."""


class ReplayAdapter(BaseAdapter):
    """A transport adapter that answers from a manifest of recorded responses."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder
        self.recordings = _load_manifest(folder / "responses.yaml")

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        """Answer a request with its recording, or fail as a network error would."""
        key = ((request.method or "GET").upper(), request.url or "")
        entry = self.recordings.get(key)
        if entry is None:
            raise NotRecordedError(f"replay: no recorded response for {key[0]} {key[1]}")
        body = _read_body(self.folder / entry["file"])
        if entry.get("dates_as_of"):
            body = shift_dates(body, _as_date(entry["dates_as_of"]), datetime.now(UTC).date())
        raw = HTTPResponse(
            body=io.BytesIO(body),
            status=int(entry.get("status", 200)),
            headers={"Content-Type": entry.get("content_type", "application/json")},
            preload_content=False,
        )
        response = requests.Response()
        response.status_code = raw.status
        response.headers.update(raw.headers)
        response.raw = raw
        response.url = key[1]
        response.request = request
        return response

    def close(self) -> None:
        """Nothing to release."""


def _read_body(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


# An ISO 8601 date, optionally with a time and offset; a 13-digit epoch-milliseconds number.
_ISO_DATE = re.compile(rb"(?<![\d-])(\d{4}-\d{2}-\d{2})(?=[T\"'\s<,]|$)")
_EPOCH_MS = re.compile(rb"(?<!\d)(1\d{12})(?!\d)")
_SHIFT_SPAN = timedelta(days=3 * 365)


def _as_date(value: Any) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise ConfigError(f"replay: dates_as_of must be a date (YYYY-MM-DD): {value!r}") from exc


def shift_dates(body: bytes, as_of: date, today: date) -> bytes:
    """A recording dated `as_of` as if made `today`: every ISO date and epoch-milliseconds
    timestamp within three years of `as_of` moves forward by the same whole days, so the
    postings keep their ages (a constructed sample does not go stale)."""
    days = timedelta(days=(today - as_of).days)
    if not days:
        return body
    low = datetime.combine(as_of, datetime.min.time(), UTC) - _SHIFT_SPAN
    high = low + 2 * _SHIFT_SPAN

    def iso(match: re.Match[bytes]) -> bytes:
        try:
            day = date.fromisoformat(match.group(1).decode())
        except ValueError:
            return match.group(0)
        if not low.date() <= day <= high.date():
            return match.group(0)
        return (day + days).isoformat().encode()

    def epoch(match: re.Match[bytes]) -> bytes:
        stamp = datetime.fromtimestamp(int(match.group(1)) / 1000, UTC)
        if not low <= stamp <= high:
            return match.group(0)
        return str(int(match.group(1)) + int(days.total_seconds()) * 1000).encode()

    return _EPOCH_MS.sub(epoch, _ISO_DATE.sub(iso, body))


def _load_manifest(path: Path) -> dict[tuple[str, str], dict[str, Any]]:
    if not path.exists():
        raise ConfigError(f"replay manifest {path} not found")
    entries = yaml.safe_load(path.read_text()) or []
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: expected a list of recorded responses")
    table: dict[tuple[str, str], dict[str, Any]] = {}
    for entry in entries:
        if not isinstance(entry, dict) or "url" not in entry or "file" not in entry:
            raise ConfigError(f"{path}: each entry needs url and file: {entry!r}")
        table[(str(entry.get("method", "GET")).upper(), str(entry["url"]))] = entry
    return table


def use_replay(session: requests.Session, folder: Path) -> requests.Session:
    """Route every request of the session to recordings in `folder`."""
    adapter = ReplayAdapter(folder)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session
