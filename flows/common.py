"""Helpers shared by the flows: settings with per-run overrides, the run id."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import uuid4

from prefect.runtime import flow_run
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from core.settings import Settings, get_settings


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
