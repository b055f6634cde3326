"""The served deployments are the ones prefect.yaml declares, with their schedules."""

from __future__ import annotations

import yaml

from flows.serve import PREFECT_YAML, build_deployments


def test_every_deployment_of_prefect_yaml_is_served_with_its_cron_and_time_zone() -> None:
    declared = yaml.safe_load(PREFECT_YAML.read_text())["deployments"]
    served = {d.name: d for d in build_deployments()}
    assert set(served) == {"ingest-every-4h", "daily-digest", "weekly-digest"}
    for spec in declared:
        deployment = served[spec["name"]]
        schedules = [(s.schedule.cron, s.schedule.timezone) for s in deployment.schedules]
        assert schedules == [(s["cron"], s["timezone"]) for s in spec["schedules"]]
        assert deployment.parameters == (spec.get("parameters") or {})
    assert served["weekly-digest"].schedules[0].schedule.cron.endswith("* * 1")  # Mondays
