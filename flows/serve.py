"""Serve every deployment of prefect.yaml in one process, so the cron schedules fire.

Needs a real Prefect server (`make serve` starts one): the temporary API has no scheduler.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from prefect import Flow, serve
from prefect.schedules import Cron

from flows.digest import digest
from flows.ingest import ingest

PREFECT_YAML = Path(__file__).resolve().parents[1] / "prefect.yaml"
FLOWS: dict[str, Flow[Any, Any]] = {
    "flows/ingest.py:ingest": ingest,
    "flows/digest.py:digest": digest,
}


def deployment_specs(path: Path = PREFECT_YAML) -> list[dict[str, Any]]:
    """The deployments declared in prefect.yaml."""
    doc = yaml.safe_load(path.read_text())
    return list(doc.get("deployments", []))


def build_deployments(path: Path = PREFECT_YAML) -> list[Any]:
    """One runner deployment per prefect.yaml entry, with its cron schedules and time zones."""
    deployments = []
    for spec in deployment_specs(path):
        flow = FLOWS[spec["entrypoint"]]
        schedules = [Cron(s["cron"], timezone=s.get("timezone")) for s in spec.get("schedules", [])]
        deployments.append(
            flow.to_deployment(
                name=spec["name"],
                schedules=schedules,
                parameters=spec.get("parameters") or {},
                description=spec.get("description"),
                concurrency_limit=spec.get("concurrency_limit"),
            )
        )
    return deployments


def main() -> None:
    """Serve all deployments, one flow run at a time (DuckDB has one writer)."""
    serve(*build_deployments(), limit=1)


if __name__ == "__main__":
    main()
