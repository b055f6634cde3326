"""Commands that run the flows: run, ingest, digest."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.app import SAMPLE_DIR, DbOption, app, db_path, fail, friendly_errors
from cli.app import as_str as _str
from cli.stopping import stoppable
from cli.subscription_commands import subscribe_file as _subscribe_file
from core.models import CADENCES


@app.command()
@friendly_errors
def run(
    offline: Annotated[bool, typer.Option(help="Replay the bundled sample, no network.")] = False,
    sources: Annotated[Path | None, typer.Option(help="Sources file.")] = None,
    replay: Annotated[Path | None, typer.Option(help="Folder of recorded responses.")] = None,
    db: DbOption = None,
    outbox: Annotated[Path | None, typer.Option(help="Outbox folder.")] = None,
) -> None:
    """The main job: ingest every source, then send the daily and weekly digests."""
    from cli.summary import print_run_summary
    from flows.main import run as run_flow
    from pipeline.run_summary import exit_code

    if offline:
        sources = sources or SAMPLE_DIR / "sources.yaml"
        replay = replay or SAMPLE_DIR
        _subscribe_file(SAMPLE_DIR / "subscriptions.yaml", db_path(db))
    with stoppable("run"):
        result = run_flow(
            sources_file=_str(sources),
            replay_dir=_str(replay),
            db_path=_str(db),
            outbox_dir=_str(outbox),
        )
    print_run_summary(result, db_path(db))
    _exit_with(exit_code(result.statuses))


@app.command()
@friendly_errors
def ingest(
    sources: Annotated[Path | None, typer.Option(help="Sources file.")] = None,
    replay: Annotated[Path | None, typer.Option(help="Folder of recorded responses.")] = None,
    db: DbOption = None,
) -> None:
    """Fetch every enabled source, store raw payloads, parse and upsert postings."""
    from cli.summary import print_ingest_summary
    from flows.ingest import ingest as ingest_flow
    from pipeline.run_summary import exit_code

    with stoppable("ingest"):
        summary = ingest_flow(sources_file=_str(sources), replay_dir=_str(replay), db_path=_str(db))
    print_ingest_summary(summary)
    _exit_with(exit_code([summary.status]))


@app.command()
@friendly_errors
def digest(
    cadence: Annotated[str, typer.Option(help="daily or weekly.")] = "daily",
    db: DbOption = None,
    outbox: Annotated[Path | None, typer.Option(help="Outbox folder.")] = None,
) -> None:
    """Send the digests of one cadence (SMTP when configured, else the outbox)."""
    if cadence not in CADENCES:  # before Prefect starts
        fail(f"unknown cadence {cadence!r}: choose {' or '.join(CADENCES)}")
    from cli.summary import print_digest_summary
    from flows.digest import digest as digest_flow
    from pipeline.run_summary import digest_status, exit_code

    with stoppable("digest"):
        summary = digest_flow(cadence=cadence, db_path=_str(db), outbox_dir=_str(outbox))
    print_digest_summary(summary)
    _exit_with(exit_code([digest_status(summary)]))


def _exit_with(code: int) -> None:
    """Leave with this exit code unless it is 0 (the command then returns normally)."""
    if code:
        raise typer.Exit(code=code)
