"""The ingest flow: a task per source fetches; the flow stores raw, parses and upserts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any, TypeVar

from prefect import Flow, flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import FlowRun, State
from prefect.futures import PrefectConcurrentFuture, PrefectFuture, as_completed

from core.benchmarks import load_benchmarks
from core.errors import HostDownError, RateLimitedError, SourceError, TransientSourceError
from core.models import SourceRef
from core.runs import SourceStatus
from core.settings import Settings
from flows.common import (
    StoppableTaskRunner,
    check_operator_alerts,
    current_run_id,
    publish_report,
    record_end_from_hook,
    run_settings,
)
from pipeline.ingest import (
    FetchResult,
    fetch_options,
    fetch_source,
    make_session,
    store_or_fail_many,
)
from pipeline.report import ingest_report
from pipeline.run_record import prepare_run, recorded_run
from pipeline.run_summary import IngestSummary
from sources.politeness import for_run
from sources.redaction import redact
from sources.registry import load_sources
from warehouse.db import writer
from warehouse.runs import SourceOutcome, record_source_outcome
from warehouse.snapshot import publish_if_due


def _worth_retrying(error: object) -> bool:
    """Failures that may pass: 5xx, timeouts, resets. Not a host that is down or
    rate-limiting: it is skipped for the rest of the run."""
    no_retry = (RateLimitedError, HostDownError)
    return isinstance(error, TransientSourceError) and not isinstance(error, no_retry)


def _is_transient(task: Any, task_run: Any, state: Any) -> bool:
    """Retry a source only for failures worth retrying."""
    return _worth_retrying(state.result(raise_on_failure=False))


@task(task_run_name="fetch-{source.name}", cache_policy=NO_CACHE, retry_condition_fn=_is_transient)
def fetch_task(
    source: SourceRef, settings: Settings, known: frozenset[str], run_id: str = ""
) -> FetchResult:
    """Fetch one board (network only); `known` are its postings already stored. Boards of a
    run share what it learnt about hosts (down, rate-limiting). Only a failure worth retrying
    fails the task; others come back in the result (recorded, without a traceback in the log)."""
    options = replace(fetch_options(settings), known_ids=known)
    with make_session(settings, for_run(run_id) if run_id else None) as session:
        try:
            return fetch_source(session, source, options)
        except SourceError as error:
            if _worth_retrying(error):
                raise  # the task retries it
            return FetchResult(source=source, payloads=error.payloads, error=error)


@task(task_run_name="store-{label}", cache_policy=NO_CACHE)
def store_task(
    batch: list[FetchResult], settings: Settings, run_id: str, label: str
) -> list[SourceOutcome]:
    """Store the fetches of a few sources, parse and upsert, holding the writer briefly."""
    with writer(settings.db_path) as con:
        outcomes = store_or_fail_many(con, batch)
        for outcome in outcomes:
            record_source_outcome(con, run_id, outcome)
        publish_if_due(con, settings.db_path, run_id, f"ingest: stored {label}")
    return outcomes


R = TypeVar("R")
# At most this many fetches are stored together (their payloads are in memory meanwhile).
BATCH_LIMIT = 25


def _completed_batches(futures: list[PrefectFuture[R]]) -> Iterator[list[PrefectFuture[R]]]:
    """The fetches as they complete, each with the others done by then (up to BATCH_LIMIT):
    one store task and one hold of the writer stores them all."""
    taken: set[int] = set()
    for future in as_completed(futures):
        if id(future) in taken:
            continue
        done = [f for f in futures if id(f) not in taken and f is not future and _done(f)]
        batch = [future, *done][:BATCH_LIMIT]
        taken.update(id(f) for f in batch)
        yield batch


def _done(future: PrefectFuture[R]) -> bool:
    """True when a fetch has ended (the thread-pool futures the flow's task runner makes)."""
    return isinstance(future, PrefectConcurrentFuture) and future.wrapped_future.done()


def _fetched(future: PrefectFuture[FetchResult], source: SourceRef) -> FetchResult:
    """The fetch result, or an empty one carrying the error and any payloads kept."""
    result = future.result(raise_on_failure=False)
    if isinstance(result, FetchResult):
        return result
    if isinstance(result, SourceError):
        return FetchResult(source=source, payloads=result.payloads, error=result)
    return FetchResult(source=source, error=SourceError(redact(f"unexpected error: {result!r}")))


def _ended_badly(flow: Flow[Any, Any], flow_run: FlowRun, state: State) -> None:
    """Failure hook: record the run's end and check the operator alerts."""
    settings = run_settings(db_path=(flow_run.parameters or {}).get("db_path"))
    record_end_from_hook("ingest", flow_run, state, settings)


@flow(
    name="ingest",
    task_runner=StoppableTaskRunner(),  # type: ignore[arg-type]
    on_failure=[_ended_badly],
    on_crashed=[_ended_badly],
)
def ingest(
    sources_file: str | None = None,
    replay_dir: str | None = None,
    db_path: str | None = None,
) -> IngestSummary:
    """Fetch every enabled source; one failing source never stops the others."""
    settings = run_settings(db_path=db_path, sources_file=sources_file, replay_dir=replay_dir)
    run_id = current_run_id()
    sources = [s for s in load_sources(settings.sources_file) if s.enabled]
    benchmarks = load_benchmarks(settings.benchmarks_file)
    with recorded_run(settings.db_path, run_id, "ingest") as run:
        known = prepare_run(settings.db_path, benchmarks, sources)
        check_operator_alerts(settings)  # a run of this flow that died before ending shows now
        summary = IngestSummary.of(_fetch_and_store(sources, known, settings, run_id))
        run.end(summary.status, summary.as_dict())
    report = ingest_report(summary.as_dict())
    publish_report("ingest-report", report, "Sources, counts and failures")
    check_operator_alerts(settings)
    return summary


def _fetch_and_store(
    sources: list[SourceRef], known: dict[str, frozenset[str]], settings: Settings, run_id: str
) -> list[SourceOutcome]:
    """A fetch task per source; each result stored as soon as it comes, with the other
    results done by then (one store task for them all)."""
    logger = get_run_logger()
    fetcher = fetch_task.with_options(
        retries=settings.source_retries, retry_delay_seconds=settings.source_retry_delay
    )
    futures = {fetcher.submit(s, settings, known[s.name], run_id): s for s in sources}
    outcomes: list[SourceOutcome] = []
    for batch in _completed_batches(list(futures)):
        fetched = [_fetched(future, futures[future]) for future in batch]
        label = fetched[0].source.name + (f" +{len(fetched) - 1}" if len(fetched) > 1 else "")
        stored = store_task(fetched, settings, run_id, label)
        for outcome in stored:
            if outcome.status == SourceStatus.FAILED:
                logger.warning("source %s failed: %s", outcome.source, outcome.error)
        outcomes += stored
    return outcomes
