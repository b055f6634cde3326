"""The short summary printed after a run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from warehouse.snapshot import snapshot_path

console = Console(width=max(120, Console().width))
# The query `make run` suggests (the README's first query is the same): open relevant postings.
TRY_QUERY = (
    "select level, count(*) as postings, median(salary_usd_annual_max) as median_max_usd"
    " from current_postings group by 1 order by 2 desc"
)


def print_ingest_summary(summary: dict[str, Any]) -> None:
    """Postings per source, new vs seen, and failures."""
    table = Table(
        "source", "status", "postings", "relevant", "new", "seen", "parse errors", title="Ingest"
    )
    for s in summary["sources"]:
        status = {
            "ok": "ok",
            "skipped": f"skipped: {escape(str(s['error']))}",
            "rate_limited": f"rate-limited: {escape(str(s['error']))}",
        }.get(s["status"], f"FAILED: {escape(str(s['error']))}")
        table.add_row(
            s["source"],
            status,
            str(s["postings"]),
            str(s["relevant"]),
            str(s["new_postings"]),
            str(s["postings"] - s["new_postings"]),
            str(s["parse_errors"]),
        )
    console.print(table)
    if summary["failed"]:
        console.print(
            f"[bold red]{len(summary['failed'])} source(s) failed:[/] "
            + ", ".join(summary["failed"])
        )
    if summary.get("rate_limited"):
        console.print(
            f"[bold yellow]{len(summary['rate_limited'])} source(s) rate-limited,"
            " deferred to the next run:[/] " + ", ".join(summary["rate_limited"])
        )


def print_digest_summary(summary: dict[str, Any]) -> None:
    """Digests composed and sent for one cadence."""
    console.print(
        f"{summary['cadence']} digests: {summary['sent']} sent of {summary['composed']} new "
        f"(+{summary['retried']} retried) for {summary['subscriptions']} subscriptions "
        f"via {summary['transport']}"
    )
    extras = {"resolved": "earlier sends resolved", "no_news": "no-news mails",
              "cancelled": "cancelled (unsubscribed)"}  # fmt: skip
    notes = [f"{summary[k]} {label}" for k, label in extras.items() if summary.get(k)]
    if notes:
        console.print("  " + ", ".join(notes))
    if summary.get("stopped"):
        console.print(
            f"  [bold red]stopped:[/] {escape(summary['stopped'])}"
            " (digests not accepted are kept for the next run)",
            soft_wrap=True,
        )
    for failure in summary["failed"]:
        console.print(f"  [red]failed[/] {escape(failure)}")


def print_run_summary(result: dict[str, Any], db: Path) -> None:
    """Everything a user needs after `jobalerts run`."""
    print_ingest_summary(result["ingest"])
    for cadence in ("daily", "weekly"):
        if cadence in result:
            print_digest_summary(result[cadence])
    console.print(f"\nWarehouse: {db}")
    console.print(f"Snapshot:  {snapshot_path(db)} (what readers open, read-only)")
    outbox = {result[c]["transport"] for c in ("daily", "weekly") if c in result}
    console.print(f"Digests:   {', '.join(sorted(outbox))}")
    console.print(f'Try:       .venv/bin/jobalerts sql "{TRY_QUERY}"', soft_wrap=True)
