"""What a run did, as dataclasses, and the rules that turn it into a status and an exit code.

The JSON stored in `runs.summary` (and shown in the reports) is `as_dict()` of these.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from core.runs import RunStatus, SourceStatus
from pipeline.sending import DigestOutcome
from warehouse.runs import SourceOutcome

EXIT_OK = 0
EXIT_PARTIAL = 2  # something failed, the rest went through (a user error is 1)
_NOT_OK = (RunStatus.PARTIAL, RunStatus.FAILED)


@dataclass(frozen=True)
class IngestSummary:
    """One ingest run: each enabled source's outcome, by source name."""

    sources: tuple[SourceOutcome, ...]

    @classmethod
    def of(cls, outcomes: Iterable[SourceOutcome]) -> IngestSummary:
        """The summary of these outcomes, sorted by source."""
        return cls(tuple(sorted(outcomes, key=lambda o: o.source)))

    def named(self, status: SourceStatus) -> list[str]:
        """The sources that ended with this status."""
        return [o.source for o in self.sources if o.status == status]

    @property
    def failed(self) -> list[str]:
        return self.named(SourceStatus.FAILED)

    @property
    def skipped(self) -> list[str]:
        return self.named(SourceStatus.SKIPPED)

    @property
    def rate_limited(self) -> list[str]:
        return self.named(SourceStatus.RATE_LIMITED)

    @property
    def postings(self) -> int:
        return sum(o.postings for o in self.sources)

    @property
    def new_postings(self) -> int:
        return sum(o.new_postings for o in self.sources)

    @property
    def status(self) -> RunStatus:
        """`partial` when a source failed (skipped and rate-limited ones wait their turn)."""
        return RunStatus.PARTIAL if self.failed else RunStatus.OK

    def as_dict(self) -> dict[str, Any]:
        """The JSON form stored with the run."""
        return {
            "sources": [asdict(o) for o in self.sources],
            "failed": self.failed,
            "skipped": self.skipped,
            "rate_limited": self.rate_limited,
            "postings": self.postings,
            "new_postings": self.new_postings,
        }


def digest_status(outcome: DigestOutcome) -> RunStatus:
    """`failed` when the server stopped the batch, `partial` when some deliveries failed."""
    if outcome.stopped:
        return RunStatus.FAILED
    return RunStatus.PARTIAL if outcome.failed else RunStatus.OK


@dataclass(frozen=True)
class MainRunSummary:
    """The main job: an ingest, then the digests of each cadence asked for."""

    ingest: IngestSummary
    digests: tuple[DigestOutcome, ...]

    @property
    def statuses(self) -> list[RunStatus]:
        return [self.ingest.status, *(digest_status(d) for d in self.digests)]


def exit_code(statuses: Sequence[RunStatus]) -> int:
    """0 when every run went through, 2 when one was partial or failed."""
    return EXIT_PARTIAL if any(s in _NOT_OK for s in statuses) else EXIT_OK
