"""Records that operator alerts are judged on and kept as (plain data, no logic)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class RunRecord:
    """A flow run as the warehouse recorded it; `stopped` is why a digest batch stopped,
    `error` what ended a run that could not record its end itself."""

    run_id: str
    flow: str
    started_at: datetime
    status: str
    stopped: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class SourceRecord:
    """One source's outcome in one ingest run."""

    source: str
    started_at: datetime
    status: str
    error: str | None = None


@dataclass(frozen=True)
class Problem:
    """Something the operator must hear about, under a stable key (`source:gh-acme`)."""

    key: str
    summary: str
    detail: str = ""


@dataclass(frozen=True)
class AlertEpisode:
    """One episode of a problem: opened, maybe resolved, and what the operator was told."""

    key: str
    summary: str
    detail: str | None
    opened_at: datetime
    resolved_at: datetime | None = None
    open_notified_at: datetime | None = None
    resolve_notified_at: datetime | None = None
