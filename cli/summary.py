"""The short summary printed after a run."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from core.runs import SourceStatus
from pipeline.run_summary import IngestSummary, MainRunSummary
from pipeline.sending import DigestOutcome
from warehouse.runs import SourceOutcome
from warehouse.snapshot import snapshot_path

console = Console(width=max(120, Console().width))
# The query `make run` suggests (the README's first query is the same): open relevant postings.
TRY_QUERY = (
    "select level, count(*) as postings, median(salary_usd_annual_max) as median_max_usd"
    " from current_postings group by 1 order by 2 desc"
)


def _source_status(outcome: SourceOutcome) -> str:
    """A source's status as the table shows it, with the reason when it is not ok."""
    reason = escape(str(outcome.error))
    return {
        SourceStatus.OK: "ok",
        SourceStatus.SKIPPED: f"skipped: {reason}",
        SourceStatus.RATE_LIMITED: f"rate-limited: {reason}",
    }.get(SourceStatus(outcome.status), f"FAILED: {reason}")


def print_ingest_summary(summary: IngestSummary) -> None:
    """Postings per source, new vs seen, and failures."""
    table = Table(
        "source", "status", "postings", "relevant", "new", "seen", "parse errors", title="Ingest"
    )
    for s in summary.sources:
        table.add_row(
            escape(s.source),
            _source_status(s),
            str(s.postings),
            str(s.relevant),
            str(s.new_postings),
            str(s.postings - s.new_postings),
            str(s.parse_errors),
        )
    console.print(table)
    if failed := summary.failed:
        console.print(f"[bold red]{len(failed)} source(s) failed:[/] " + _names(failed))
    if limited := summary.rate_limited:
        console.print(
            f"[bold yellow]{len(limited)} source(s) rate-limited,"
            " deferred to the next run:[/] " + _names(limited)
        )


def _names(sources: list[str]) -> str:
    """Source names joined, shown as they are (never read as markup)."""
    return ", ".join(escape(name) for name in sources)


def print_digest_summary(outcome: DigestOutcome) -> None:
    """Digests composed and sent for one cadence."""
    console.print(
        f"{outcome.cadence} digests: {outcome.sent} sent of {outcome.composed} new "
        f"(+{outcome.retried} retried) for {outcome.subscriptions} subscriptions "
        f"via {escape(outcome.transport)}"
    )
    extras = {"earlier sends resolved": outcome.resolved, "no-news mails": outcome.no_news,
              "cancelled (unsubscribed)": outcome.cancelled}  # fmt: skip
    notes = [f"{count} {label}" for label, count in extras.items() if count]
    if notes:
        console.print("  " + ", ".join(notes))
    if outcome.stopped:
        console.print(
            f"  [bold red]stopped:[/] {escape(outcome.stopped)}"
            " (digests not accepted are kept for the next run)",
            soft_wrap=True,
        )
    for failure in outcome.failed:
        console.print(f"  [red]failed[/] {escape(failure)}")


def print_run_summary(result: MainRunSummary, db: Path) -> None:
    """Everything a user needs after `jobalerts run`."""
    print_ingest_summary(result.ingest)
    for outcome in result.digests:
        print_digest_summary(outcome)
    console.print(f"\nWarehouse: {db}")
    console.print(f"Snapshot:  {snapshot_path(db)} (what readers open, read-only)")
    transports = sorted({outcome.transport for outcome in result.digests})
    console.print(f"Digests:   {escape(', '.join(transports))}")
    console.print(f'Try:       .venv/bin/jobalerts sql "{TRY_QUERY}"', soft_wrap=True)
