"""How a run and each source in it end: one definition of each status (stored as text)."""

from __future__ import annotations

from enum import StrEnum


class RunStatus(StrEnum):
    """A flow run's status in `runs.status`."""

    RUNNING = "running"
    OK = "ok"
    PARTIAL = "partial"  # some sources or deliveries failed, the rest went through
    FAILED = "failed"  # the run raised, or the mail server stopped the batch
    CANCELLED = "cancelled"  # stopped by a signal (SIGTERM, Ctrl-C)
    ABORTED = "aborted"  # its process was gone when the next run started
    ERROR = "error"  # recorded by a flow's failure hook: it could not record its end
    CRASHED = "crashed"  # likewise, for a run Prefect saw crash


class SourceStatus(StrEnum):
    """One source's outcome in one ingest run, in `source_runs.status`."""

    OK = "ok"
    SKIPPED = "skipped"
    RATE_LIMITED = "rate_limited"
    FAILED = "failed"
