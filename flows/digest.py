"""The digest flow: daily or weekly emails to every matching subscription."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any, cast

from prefect import Flow, flow, get_run_logger, task
from prefect.blocks.system import Secret
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import FlowRun, State
from prefect.logging.loggers import flow_run_logger

from core.benchmarks import load_benchmarks
from core.models import CADENCES
from core.settings import Settings
from flows.common import (
    check_operator_alerts,
    current_run_id,
    publish_report,
    record_end_from_hook,
    run_settings,
)
from pipeline.digest import (
    DeliveryStoppedError,
    DigestOutcome,
    make_mailer,
    send_digests,
    settings_with_smtp,
)
from pipeline.report import digest_report
from pipeline.run_record import prepare_run, recorded_run
from pipeline.run_summary import digest_status


def smtp_from_block(settings: Settings) -> Settings:
    """SMTP settings from the Prefect Secret block named by JOBALERTS_SMTP_BLOCK, if any.

    The block holds a JSON object: host, port, security, user, password, mail_from (or the
    field names of prefect-email's EmailServerCredentials).
    """
    if not settings.smtp_block:
        return settings
    block = cast(Secret[Any], Secret.load(settings.smtp_block))  # sync call: returns the block
    values = block.get()
    if isinstance(values, str):
        values = json.loads(values)
    if not isinstance(values, dict):
        raise ValueError(f"Secret block {settings.smtp_block!r} must hold a JSON object")
    return settings_with_smtp(settings, values)


@task(task_run_name="send-{cadence}-digests", cache_policy=NO_CACHE)
def send_task(cadence: str, settings: Settings, run_id: str) -> DigestOutcome:
    """Match, compose, record and send the digests of one cadence.

    The writer is held only for warehouse reads and records, never while SMTP talks, so
    `jobalerts sql` and the unsubscribe page get in during a long batch.
    """
    benchmarks = load_benchmarks(settings.benchmarks_file)
    mailer, transport = make_mailer(settings)
    with recorded_run(settings.db_path, run_id, f"digest-{cadence}") as run:
        prepare_run(settings.db_path, benchmarks)
        check_operator_alerts(settings)  # a run of this cadence that died before ending shows
        outcome = send_digests(settings.db_path, cadence, settings, benchmarks, mailer, transport)
        run.end(digest_status(outcome), asdict(outcome))
    return outcome


def _ended_badly(flow: Flow[Any, Any], flow_run: FlowRun, state: State) -> None:
    """Failure hook: record the run's end and check the operator alerts (not for a cadence
    refused before anything ran)."""
    params = flow_run.parameters or {}
    cadence = params.get("cadence", "daily")
    if cadence not in CADENCES:
        return
    settings = run_settings(db_path=params.get("db_path"), outbox_dir=params.get("outbox_dir"))
    try:
        settings = smtp_from_block(settings)
    except Exception as error:
        flow_run_logger(flow_run).error("SMTP block unreadable for the operator alert: %s", error)
    record_end_from_hook(f"digest-{cadence}", flow_run, state, settings)


@flow(name="digest", on_failure=[_ended_badly], on_crashed=[_ended_badly])
def digest(
    cadence: str = "daily",
    db_path: str | None = None,
    outbox_dir: str | None = None,
) -> DigestOutcome:
    """Send the daily or weekly digests.

    Fails with DeliveryStoppedError, saying what the server answered, when the SMTP server
    refused the session or every message (the digests wait for the next run).
    """
    if cadence not in CADENCES:
        raise ValueError(f"unknown cadence {cadence!r}: choose daily or weekly")
    settings = smtp_from_block(run_settings(db_path=db_path, outbox_dir=outbox_dir))
    outcome = send_task(cadence, settings, current_run_id())
    report = digest_report(asdict(outcome))
    publish_report(f"digest-{cadence}-report", report, "Digests sent and failed")
    check_operator_alerts(settings)
    if outcome.stopped:
        raise DeliveryStoppedError(
            f"{cadence} digests stopped: {outcome.stopped};"
            f" {len(outcome.failed)} kept for the next run, {outcome.sent} sent"
        )
    for failure in outcome.failed:
        get_run_logger().warning("delivery failed: %s", failure)
    return outcome
