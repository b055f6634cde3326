"""The ingest flow stores fetches in batches: each fetch as it completes, with the others done
by then, at most BATCH_LIMIT together; every fetch exactly once."""

from __future__ import annotations

import pytest
from prefect import flow, task
from prefect.futures import wait
from prefect.task_runners import ThreadPoolTaskRunner

import flows.ingest as ingest_flow

pytestmark = pytest.mark.usefixtures("prefect_api")


@task
def echo(n: int) -> int:
    return n


@flow(task_runner=ThreadPoolTaskRunner(max_workers=3))  # type: ignore[arg-type]
def batches_of(count: int, settle: bool) -> list[list[int]]:
    futures = [echo.submit(n) for n in range(count)]
    if settle:
        wait(futures)
    return [[f.result() for f in batch] for batch in ingest_flow._completed_batches(futures)]


def test_fetches_done_by_then_are_stored_together_up_to_the_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ingest_flow, "BATCH_LIMIT", 2)
    batches = batches_of(5, settle=True)
    assert [len(batch) for batch in batches] == [2, 2, 1]
    assert sorted(n for batch in batches for n in batch) == list(range(5))


def test_every_fetch_is_stored_once_as_they_complete() -> None:
    batches = batches_of(12, settle=False)
    assert sorted(n for batch in batches for n in batch) == list(range(12))
