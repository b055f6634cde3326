"""The ingest flow: a task per source fetches; the flow stores raw, parses and upserts."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture, as_completed

from core.benchmarks import load_benchmarks
from core.errors import SourceError, TransientSourceError
from core.models import SourceRef
from core.settings import Settings
from flows.common import StoppableTaskRunner, current_run_id, run_settings
from pipeline.ingest import FetchResult, fetch_options, fetch_source, make_session, store_or_fail
from pipeline.run_record import recorded_run
from sources.registry import load_sources
from warehouse.benchmarks import store_benchmarks
from warehouse.db import writer
from warehouse.postings import known_ids
from warehouse.runs import SourceOutcome, record_source_outcome


def _is_transient(task: Any, task_run: Any, state: Any) -> bool:
    """Retry a source only for failures that may pass: 429, 5xx, timeouts, resets."""
    return isinstance(state.result(raise_on_failure=False), TransientSourceError)


@task(task_run_name="fetch-{source.name}", cache_policy=NO_CACHE, retry_condition_fn=_is_transient)
def fetch_task(source: SourceRef, settings: Settings, known: frozenset[str]) -> FetchResult:
    """Fetch one board (network only); `known` are its postings already stored."""
    options = replace(fetch_options(settings), known_ids=known)
    with make_session(settings) as session:
        return fetch_source(session, source, options)


@task(task_run_name="store-{fetched.source.name}", cache_policy=NO_CACHE)
def store_task(fetched: FetchResult, settings: Settings, run_id: str) -> SourceOutcome:
    """Store one source's payloads, parse and upsert, holding the writer briefly."""
    with writer(settings.db_path) as con:
        outcome = store_or_fail(con, fetched)
        record_source_outcome(con, run_id, outcome)
    return outcome


def _fetched(future: PrefectFuture[FetchResult], source: SourceRef) -> FetchResult:
    """The fetch result, or an empty one carrying the error and any payloads kept."""
    result = future.result(raise_on_failure=False)
    if isinstance(result, FetchResult):
        return result
    if isinstance(result, SourceError):
        return FetchResult(source=source, payloads=result.payloads, error=result)
    return FetchResult(source=source, error=SourceError(f"unexpected error: {result!r}"))


def _summary(outcomes: list[SourceOutcome]) -> dict[str, Any]:
    return {
        "sources": [o.__dict__ for o in outcomes],
        "failed": [o.source for o in outcomes if o.status == "failed"],
        "skipped": [o.source for o in outcomes if o.status == "skipped"],
        "postings": sum(o.postings for o in outcomes),
        "new_postings": sum(o.new_postings for o in outcomes),
    }


@flow(name="ingest", task_runner=StoppableTaskRunner())  # type: ignore[arg-type]
def ingest(
    sources_file: str | None = None,
    replay_dir: str | None = None,
    db_path: str | None = None,
) -> dict[str, Any]:
    """Fetch every enabled source; one failing source never stops the others."""
    settings = run_settings(db_path=db_path, sources_file=sources_file, replay_dir=replay_dir)
    logger = get_run_logger()
    run_id = current_run_id()
    sources = [s for s in load_sources(settings.sources_file) if s.enabled]
    benchmarks = load_benchmarks(settings.benchmarks_file)
    with recorded_run(settings.db_path, run_id, "ingest") as record:
        with writer(settings.db_path) as con:
            store_benchmarks(con, benchmarks)  # the views compare with the guide from the start
            known = {s.name: known_ids(con, s.name) for s in sources}
        fetcher = fetch_task.with_options(
            retries=settings.source_retries, retry_delay_seconds=settings.source_retry_delay
        )
        futures = {fetcher.submit(s, settings, known[s.name]): s for s in sources}
        outcomes: list[SourceOutcome] = []
        for future in as_completed(list(futures)):
            outcome = store_task(_fetched(future, futures[future]), settings, run_id)
            if outcome.status == "failed":
                logger.warning("source %s failed: %s", outcome.source, outcome.error)
            outcomes.append(outcome)
        outcomes.sort(key=lambda o: o.source)
        record.summary = _summary(outcomes)
        record.status = "partial" if record.summary["failed"] else "ok"
    return record.summary
