"""The main job: ingest, then the daily and weekly digests, as one flow run."""

from __future__ import annotations

from typing import Any

from prefect import flow

from flows.digest import digest
from flows.ingest import ingest


@flow(name="run")
def run(
    sources_file: str | None = None,
    replay_dir: str | None = None,
    db_path: str | None = None,
    outbox_dir: str | None = None,
    cadences: tuple[str, ...] = ("daily", "weekly"),
) -> dict[str, Any]:
    """Ingest every source, then send each cadence's digests."""
    result: dict[str, Any] = {"ingest": ingest(sources_file, replay_dir, db_path)}
    for cadence in cadences:
        result[cadence] = digest(cadence, db_path, outbox_dir)
    return result
