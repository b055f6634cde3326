"""Helpers shared by the flows: settings with per-run overrides, the run id, reports."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from uuid import uuid4

from prefect import get_run_logger
from prefect.artifacts import create_markdown_artifact
from prefect.client.schemas.objects import FlowRun, State
from prefect.exceptions import MissingContextError
from prefect.logging.loggers import flow_run_logger
from prefect.runtime import flow_run
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from core.settings import Settings, get_settings
from pipeline.alerting import check_alerts
from pipeline.run_record import record_unfinished_run


def run_settings(
    db_path: str | None = None,
    sources_file: str | None = None,
    replay_dir: str | None = None,
    outbox_dir: str | None = None,
) -> Settings:
    """The process settings, with whatever a flow's parameters override."""
    overrides = {
        "db_path": db_path,
        "sources_file": sources_file,
        "replay_dir": replay_dir,
        "outbox_dir": outbox_dir,
    }
    changes = {k: Path(v) for k, v in overrides.items() if v}
    return get_settings().model_copy(update=changes)


def current_run_id() -> str:
    """The Prefect flow run id, or a fresh one outside a flow run."""
    return str(flow_run.get_id() or uuid4())


def publish_report(key: str, markdown: str, description: str) -> None:
    """Attach a Markdown report to the flow run (shown in the UI); a failure only warns."""
    try:
        create_markdown_artifact(markdown=markdown, key=key, description=description)
    except Exception as error:
        _run_logger().warning("could not publish the %s artifact: %s", key, error)


def _run_logger() -> Any:
    """The run's logger, or the module's when a task's function is called on its own."""
    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger(__name__)


def check_operator_alerts(settings: Settings, logger: Any = None) -> None:
    """Open/resolve operator alerts and email what changed; a failure here only logs."""
    logger = logger or _run_logger()
    try:
        check = check_alerts(settings)
    except Exception as error:
        logger.error("operator alert check failed: %s", error)
        return
    for key in check.opened:
        logger.warning("operator alert opened: %s", key)
    for key in check.resolved:
        logger.info("operator alert resolved: %s", key)
    if check.error:
        logger.error("operator alert email not sent: %s", check.error)


def record_end_from_hook(flow_name: str, run: FlowRun, state: State, settings: Settings) -> None:
    """For the failure hooks: a run that raised or crashed before recording its end is
    recorded as `error` or `crashed` (with the reason), then the operator alerts checked."""
    logger = flow_run_logger(run)
    reason = state.message or state.name or ""
    try:
        changed = record_unfinished_run(
            settings.db_path, str(run.id), flow_name, state.is_crashed(), reason
        )
    except Exception as error:
        logger.error("could not record the end of run %s: %s", run.id, error)
        return
    if changed:
        check_operator_alerts(settings, logger)


class StoppableTaskRunner(ThreadPoolTaskRunner[Any]):
    """Prefect's thread pool, except that a stopped flow (SIGTERM, Ctrl-C: a BaseException
    that is no Exception) does not wait for tasks still blocked on the network: their work
    was never committed, and the process must leave within seconds."""

    def __exit__(self, exc_type: Any, exc_value: Any, traceback: Any) -> None:
        if exc_value is None or isinstance(exc_value, Exception) or self._executor is None:
            super().__exit__(exc_type, exc_value, traceback)
            return
        for event in self._cancel_events.values():
            event.set()
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._executor = None
        TaskRunner.__exit__(self, exc_type, exc_value, traceback)
