"""Digest runs end to end: 10,000 subscriptions over 100,000 postings, then 100,000 subscriptions.

Run: ``python -m bench.digests [--postings 100000] [--subscriptions 10000] [--large 100000]``.

Builds a temporary warehouse (postings generated inside DuckDB with ``INSERT ... SELECT FROM
range()``, published as the read snapshot) and operational store (SQLite; the subscriptions
generated the same way, then bulk-inserted), then runs `send_digests` exactly as
`jobalerts digest` does, to an outbox folder: match, compose, record and deliver, batch by
batch. Every step prints its time and peak RSS (`bench/steps.py`); the run's time is split by
phase (matching, composing, recording pending, delivering with its bookkeeping).

The bars (issue 13): 10,000 subscriptions x 100,000 postings end to end in under 90 s with a
peak RSS under 1 GB; 100,000 subscriptions complete with a peak RSS under 1.5 GB
(`--large 0` skips that run).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pipeline.digest as digest_module
from bench.steps import StepFigures, step
from core.benchmarks import load_benchmarks
from core.settings import Settings
from digests.mailer import OutboxMailer
from digests.outbox import WRITERS
from opstore import deliveries
from opstore.db import OpsStore, open_store, sqlite_url
from opstore.schema import subscriptions
from pipeline.digest import DigestOutcome, send_digests
from warehouse.db import connect_writer
from warehouse.matching import Matcher
from warehouse.snapshot import publish

BAR_SECONDS = 90.0
BAR_MB = 1024.0
LARGE_BAR_MB = 1536.0
INSERT_CHUNK = 10_000

POSTINGS_SQL = """
INSERT INTO postings (source, source_id, url, title, company, location_text, locations,
    city, region, country, hub, workplace, workplace_basis, salary_min, salary_max,
    salary_currency, salary_period, salary_annual_min, salary_annual_max,
    salary_usd_annual_min, salary_usd_annual_max, salary_basis, relevant, family, level,
    posted_at, description, first_seen, last_seen, closed_at)
SELECT
    'bench:' || (i % 40), i::VARCHAR,
    'https://jobs.example/' || i,
    ['Clinical Research Associate', 'Senior Clinical Trial Manager',
     'Clinical Operations Manager', 'Director, Clinical Operations',
     'Clinical Trial Assistant', 'Clinical Project Manager',
     'VP Clinical Operations', 'Study Start-Up Lead'][i % 8 + 1] || ' ' || (i % 97),
    'Company ' || (i % 300),
    place[1] || ', ' || place[3],
    [{'city': place[1], 'region': place[2], 'country': place[3], 'hub': place[4]}],
    place[1], place[2], place[3], place[4],
    ['remote', 'hybrid', 'onsite', 'unknown'][i % 4 + 1], 'board',
    CASE WHEN paid THEN pay END, CASE WHEN paid THEN pay * 1.25 END,
    CASE WHEN paid THEN 'USD' END, CASE WHEN paid THEN 'year' END,
    CASE WHEN paid THEN pay END, CASE WHEN paid THEN pay * 1.25 END,
    CASE WHEN paid THEN pay END, CASE WHEN paid THEN pay * 1.25 END,
    CASE WHEN paid THEN 'board' ELSE 'none' END,
    i % 10 <> 0,
    ['clinical_research_associate', 'clinical_trial_management', 'clinical_operations',
     'clinical_operations', 'clinical_trial_assistant', 'clinical_project_management',
     'clinical_operations', 'study_management'][i % 8 + 1],
    ['assistant', 'senior', 'manager', 'director', 'assistant', 'manager', 'vp',
     'senior'][i % 8 + 1],
    seen, ['Experience with CTMS and EDC.', 'GCP and ICH E6 knowledge; Veeva Vault.',
           'Medidata Rave; risk-based monitoring.', 'PMP preferred.',
           'ACRP or SoCRA certification.'][i % 5 + 1],
    seen, seen, CASE WHEN i % 20 = 0 THEN seen + INTERVAL 2 DAY END
FROM (
    SELECT i,
        [['Boston', 'MA', 'US', 'Boston'], ['Cambridge', 'MA', 'US', 'Boston'],
         ['San Diego', 'CA', 'US', 'San Diego'], ['Durham', 'NC', 'US', 'Raleigh-Durham'],
         ['New York', 'NY', 'US', NULL], ['London', 'England', 'GB', NULL],
         ['Munich', 'Bavaria', 'DE', NULL], ['Toronto', 'ON', 'CA', NULL],
         ['South San Francisco', 'CA', 'US', 'San Francisco'], ['Chicago', 'IL', 'US', NULL]
        ][i % 10 + 1] AS place,
        i % 10 < 7 AS paid,
        60000 + (i * 7919 % 180) * 1000 AS pay,
        ?::TIMESTAMPTZ - to_seconds(CAST(i * 86400 / ? AS BIGINT)) AS seen
    FROM range(?) t(i)
)
"""

SUBSCRIPTIONS_SQL = """
SELECT
    'reader' || i || '@bench.example', 'daily',
    CASE WHEN i % 2 = 0 THEN [['clinical research associate', 'trial manager',
        'clinical operations', 'project manager', 'assistant'][i % 5 + 1]] ELSE [] END,
    CASE WHEN i % 3 = 0 AND i % 2 = 1
         THEN [['assistant', 'manager', 'senior', 'director', 'vp'][i % 5 + 1]]
         ELSE [] END,
    CASE WHEN i % 4 = 0 THEN ['remote'] WHEN i % 4 = 1 THEN ['hybrid', 'onsite'] ELSE [] END,
    CASE WHEN i % 7 = 0 THEN [['Boston', 'San Diego', 'Raleigh-Durham', 'London'][i % 4 + 1]]
         ELSE [] END,
    CASE WHEN i % 5 = 0 THEN 90000 + (i % 6) * 10000 END,
    i % 6 <> 0,
    CASE WHEN i % 9 = 0 THEN ['clinical_operations', 'study_management'] ELSE [] END,
    CASE WHEN i % 11 = 0 THEN ['US'] ELSE [] END,
    [], CASE WHEN i % 13 = 0 THEN ['Company 1'] ELSE [] END,
    TRUE, TRUE, ?, ?
FROM range(?) t(i)
"""


SUBSCRIPTION_COLUMNS = (
    "email", "cadence", "keywords", "levels", "workplaces", "locations", "min_salary_usd",
    "include_no_salary", "families", "countries", "companies", "exclude_companies", "no_news",
    "active", "created_at", "updated_at",
)  # fmt: skip


def build_stores(path: Path, postings: int, count: int, now: datetime) -> OpsStore:
    """The warehouse's postings (published as the read snapshot) and the operational
    store's subscriptions, bulk-inserted."""
    con = connect_writer(path)
    try:
        days = 60
        con.execute(POSTINGS_SQL, [now, max(1, postings // days), postings])
        publish(con, path, "bench", "postings")
        cursor = con.execute(SUBSCRIPTIONS_SQL, [now, now, count])
        store = open_store(sqlite_url(path.with_name("ops.sqlite3")))
        while rows := cursor.fetchmany(INSERT_CHUNK):
            with store.transaction() as ops:
                ops.execute(
                    subscriptions.insert(),
                    [dict(zip(SUBSCRIPTION_COLUMNS, r, strict=True)) for r in rows],
                )
    finally:
        con.close()
    return store


class Phases:
    """Wall time spent in each phase of a run, by wrapping the functions that do them."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    def timed(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - started

        return wrapper

    @contextmanager
    def watching(self) -> Iterator[Phases]:
        """Time matching, composing and recording pending inside the digest run."""
        saved = (Matcher.match, digest_module.compose_all, deliveries.record_pending_many)
        Matcher.match = self.timed("match", Matcher.match)  # type: ignore[method-assign]
        digest_module.compose_all = self.timed("compose", digest_module.compose_all)
        deliveries.record_pending_many = self.timed("record", deliveries.record_pending_many)
        try:
            yield self
        finally:
            Matcher.match, digest_module.compose_all, deliveries.record_pending_many = saved  # type: ignore[method-assign]


def run(
    postings: int, count: int, *, phases: bool, batch_size: int = digest_module.BATCH_SIZE
) -> tuple[StepFigures, DigestOutcome, dict[str, float]]:
    """Build the stores, then one daily digest run to an outbox; its step figures."""
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="bench-digests-") as folder:
        path = Path(folder) / "bench.duckdb"
        with step(f"build: {postings:,} postings, {count:,} subscriptions"):
            store = build_stores(path, postings, count, now)
        mailer = OutboxMailer(Path(folder) / "outbox", writers=WRITERS)
        watch = Phases()
        cpu = time.process_time()
        try:
            name = f"digest run: {count:,} subscriptions x {postings:,} postings"
            with step(name) as run_step, watch.watching() if phases else _nothing():
                outcome = send_digests(
                    path, "daily", Settings(db_path=path), load_benchmarks(), mailer,
                    "outbox", now, ops=store, batch_size=batch_size,
                )  # fmt: skip
        finally:
            store.dispose()
    return run_step, outcome, {**watch.seconds, "cpu": time.process_time() - cpu}


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def report(
    figures: StepFigures, outcome: DigestOutcome, phases: dict[str, float], bar_mb: float
) -> bool:
    """Print what the run did and its verdict; True when it met its bars."""
    print(f"  {outcome.subscriptions:,} subscriptions, {outcome.composed:,} digests composed,"
          f" {outcome.sent:,} delivered to the outbox, {len(outcome.failed)} failed")  # fmt: skip
    phases = dict(phases)
    cpu = phases.pop("cpu", 0.0)
    if phases:
        deliver = figures.seconds - sum(phases.values())
        parts = [f"{name} {seconds:.1f} s" for name, seconds in phases.items()]
        print(f"  phases: {', '.join(parts)}, delivering + bookkeeping + the rest {deliver:.1f} s")
    print(f"  CPU time of this process (all its threads): {cpu:.1f} s; the machine's load"
          f" average: {os.getloadavg()[0]:.1f}")  # fmt: skip
    ok = outcome.sent == outcome.composed and not outcome.failed and figures.peak_mb < bar_mb
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postings", type=int, default=100_000)
    parser.add_argument("--subscriptions", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=100_000, help="0 skips the large run.")
    parser.add_argument("--batch-size", type=int, default=digest_module.BATCH_SIZE)
    args = parser.parse_args(argv)
    figures, outcome, phases = run(
        args.postings, args.subscriptions, phases=True, batch_size=args.batch_size
    )
    ok = report(figures, outcome, phases, BAR_MB) and figures.seconds < BAR_SECONDS
    print(f"end to end: {args.subscriptions:,} x {args.postings:,} in {figures.seconds:.1f} s,"
          f" peak RSS {figures.peak_mb:,.0f} MB (bars: < {BAR_SECONDS:.0f} s,"
          f" < {BAR_MB:,.0f} MB): {'OK' if ok else 'NOT MET'}")  # fmt: skip
    if args.large:
        big, big_outcome, big_phases = run(
            args.postings, args.large, phases=False, batch_size=args.batch_size
        )
        big_ok = report(big, big_outcome, big_phases, LARGE_BAR_MB)
        print(f"large run: {args.large:,} subscriptions completed in {big.seconds:.1f} s,"
              f" peak RSS {big.peak_mb:,.0f} MB (bar: < {LARGE_BAR_MB:,.0f} MB):"
              f" {'OK' if big_ok else 'NOT MET'}")  # fmt: skip
        ok = ok and big_ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
