"""The main job: ingest, then the daily and weekly digests, as one flow run."""

from __future__ import annotations

from prefect import flow

from core.models import CADENCES
from flows.digest import digest
from flows.ingest import ingest
from pipeline.run_summary import MainRunSummary


@flow(name="run")
def run(
    sources_file: str | None = None,
    replay_dir: str | None = None,
    db_path: str | None = None,
    outbox_dir: str | None = None,
    cadences: tuple[str, ...] = CADENCES,
) -> MainRunSummary:
    """Ingest every source, then send each cadence's digests."""
    ingested = ingest(sources_file, replay_dir, db_path)
    digests = tuple(digest(cadence, db_path, outbox_dir) for cadence in cadences)
    return MainRunSummary(ingested, digests)
