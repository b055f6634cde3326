"""Digest throughput: 10,000 subscriptions over 100,000 postings, matched in one SQL query.

Run: ``python -m bench.digests [--postings 100000] [--subscriptions 10000]``.

Builds a temporary warehouse (postings generated inside DuckDB with ``INSERT ... SELECT FROM
range()``) and operational store (SQLite; the subscriptions generated the same way, then
saved), then times, as `jobalerts digest` runs them:

1. matching: reading the audience from the operational store, bringing it into DuckDB, and
   the one SQL query for every active daily subscription (it returns the best 25 postings of
   each, with counts over all its matches);
2. composing: compose + render (HTML and text) + build the MIME message bytes, per digest;
3. recording: every digest as pending, with its postings and link token, in one transaction;
4. sending: to an in-memory mailer (no SMTP), with the bookkeeping a real run does: `sending`
   before and `sent` after each message, each committed (fsynced) in the operational store.

The bar: all 10,000 digests composed in under 60 seconds.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from core.benchmarks import load_benchmarks
from core.models import MAX_DIGEST_ITEMS, WINDOW_DAYS
from core.settings import Settings
from digests.mailer import DeliveryLog, Message, Outgoing, SendResult
from opstore import deliveries
from opstore.db import OpsStore, open_store, sqlite_url
from opstore.schema import subscriptions
from opstore.subscriptions import audience
from pipeline.composing import DigestContext, compose_all
from pipeline.sending import DigestOutcome, SendBatch, send_batch
from warehouse.db import connect_writer
from warehouse.matching import market_summary, match_subscriptions

BAR_SECONDS = 60.0

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


@dataclass
class MemoryMailer:
    """Accepts every message in memory: measures our side of sending, not a server's."""

    accepted: list[Outgoing] = field(default_factory=list)

    def send(self, messages: Sequence[Message], log: DeliveryLog | None = None) -> list[SendResult]:
        results = []
        for message in messages:
            out = Outgoing.of(message)
            if log is not None:
                log.before(out.message_id)
            self.accepted.append(out)
            result = SendResult(out.message_id, out.recipient, ok=True)
            if log is not None:
                log.after(result)
            results.append(result)
        return results


SUBSCRIPTION_COLUMNS = (
    "email", "cadence", "keywords", "levels", "workplaces", "locations", "min_salary_usd",
    "include_no_salary", "families", "countries", "companies", "exclude_companies", "no_news",
    "active", "created_at", "updated_at",
)  # fmt: skip


def build_stores(path: Path, postings: int, count: int, now: datetime) -> OpsStore:
    """The warehouse's postings and the operational store's subscriptions."""
    con = connect_writer(path)
    try:
        days = 60
        con.execute(POSTINGS_SQL, [now, max(1, postings // days), postings])
        rows = con.execute(SUBSCRIPTIONS_SQL, [now, now, count]).fetchall()
    finally:
        con.close()
    store = open_store(sqlite_url(path.with_name("ops.sqlite3")))
    with store.transaction() as ops:
        ops.execute(
            subscriptions.insert(), [dict(zip(SUBSCRIPTION_COLUMNS, r, strict=True)) for r in rows]
        )
    return store


def run(postings: int, subscriptions: int, send: bool) -> dict[str, float]:
    now = datetime.now(UTC)
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-digests-") as folder:
        path = Path(folder) / "bench.duckdb"
        start = time.perf_counter()
        store = build_stores(path, postings, subscriptions, now)
        figures["load_s"] = time.perf_counter() - start
        con = connect_writer(path)
        try:
            figures.update(_time_digests(con, store, now, send))
        finally:
            con.close()
            store.dispose()
    return figures


def _time_digests(
    con: duckdb.DuckDBPyConnection, store: OpsStore, now: datetime, send: bool
) -> dict[str, float]:
    cadence = "daily"
    settings, benchmarks = Settings(), load_benchmarks()
    start = time.perf_counter()
    market = market_summary(con, WINDOW_DAYS[cadence], now)
    figures = {"market_s": time.perf_counter() - start}

    start = time.perf_counter()
    with store.reader() as ops:
        who = audience(ops, cadence, WINDOW_DAYS[cadence])
    subs = {int(s.id or 0): s for s, _ in who.subscriptions}
    matches = match_subscriptions(con, who, benchmarks)
    figures["match_s"] = time.perf_counter() - start
    figures["with_matches"] = len(matches)
    figures["matched_pairs"] = sum(m.total for m in matches.values())
    figures["shown_pairs"] = sum(len(m) for m in matches.values())

    start = time.perf_counter()
    built = compose_all(subs, matches, DigestContext(cadence, settings, benchmarks, now, market))
    figures["compose_s"] = time.perf_counter() - start
    figures["digests"] = len(built)
    figures["bytes"] = sum(len(d.message) for d in built)

    if send:
        start = time.perf_counter()
        with store.transaction() as ops:
            fresh = deliveries.record_pending_many(ops, built, now)
        figures["record_s"] = time.perf_counter() - start
        start = time.perf_counter()
        outcome = DigestOutcome(cadence, "memory")
        outgoing = [Outgoing.of(d.message) for d in built if d.message_id in fresh]
        send_batch(SendBatch(outgoing, 0), store, MemoryMailer(), outcome)
        figures["send_s"] = time.perf_counter() - start
        figures["sent"] = outcome.sent
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postings", type=int, default=100_000)
    parser.add_argument("--subscriptions", type=int, default=10_000)
    parser.add_argument("--no-send", action="store_true", help="Stop after composing.")
    args = parser.parse_args(argv)
    f = run(args.postings, args.subscriptions, send=not args.no_send)
    n = int(f["digests"])
    print(f"warehouse: {args.postings:,} postings, {args.subscriptions:,} subscriptions "
          f"(generated in {f['load_s']:.1f} s)")  # fmt: skip
    print(f"market summary: {f['market_s']:.2f} s")
    pairs, subs = int(f["matched_pairs"]), int(f["with_matches"])
    print(f"matching (one SQL query): {f['match_s']:.2f} s, {pairs:,} "
          f"(subscription, posting) pairs for {subs:,} subscriptions, "
          f"{int(f['shown_pairs']):,} returned (the best {MAX_DIGEST_ITEMS} of each)")  # fmt: skip
    rate, size = n / f["compose_s"], f["bytes"] / n / 1024
    print(f"composing + rendering + MIME: {n:,} digests in {f['compose_s']:.1f} s "
          f"= {rate:,.0f} digests/s ({size:.0f} KiB each)")  # fmt: skip
    if "send_s" in f:
        print(f"recording pending: {f['record_s']:.1f} s; sending to an in-memory mailer, each "
              f"step committed in the operational store: {int(f['sent']):,} in "
              f"{f['send_s']:.1f} s")  # fmt: skip
    total = f["match_s"] + f["compose_s"]
    verdict = "OK" if n >= args.subscriptions and total < BAR_SECONDS else "TOO SLOW"
    print(f"matching + composing: {total:.1f} s for {n:,} digests "
          f"(bar: {args.subscriptions:,} in < {BAR_SECONDS:.0f} s): {verdict}")  # fmt: skip
    return 0 if verdict == "OK" else 1


if __name__ == "__main__":
    sys.exit(main())
