"""Source commands: list the configured boards with their last run; check one board."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from cli.app import DbOption, app, db_path, fail, friendly_errors
from cli.output import print_rows
from core.models import SourceRef
from core.settings import get_settings

sources_app = typer.Typer(help="The configured job boards.", invoke_without_command=True)
app.add_typer(sources_app, name="sources")
FileOption = Annotated[Path | None, typer.Option("--file", help="Sources file.")]


def _configured(file: Path | None) -> list[SourceRef]:
    from sources.registry import load_sources

    return load_sources(file or get_settings().sources_file)


def _last_runs(db: Path) -> dict[str, tuple[Any, ...]]:
    from warehouse.runs import last_source_runs
    from warehouse.snapshot import snapshot_reader

    if not db.exists():
        return {}
    with snapshot_reader(db, get_settings().read_wait_seconds) as con:
        return last_source_runs(con)


@sources_app.callback()
@friendly_errors
def list_sources(ctx: typer.Context, file: FileOption = None, db: DbOption = None) -> None:
    """List the configured sources with their last run, status and counts."""
    ctx.obj = file  # `sources --file F check NAME` checks a board of F
    if ctx.invoked_subcommand:
        return
    path = file or get_settings().sources_file
    runs = _last_runs(db_path(db))
    rows = []
    configured = _configured(file)
    for s in configured:
        last = runs.get(s.name, (None, "never run", None, None, None))
        rows.append((s.name, s.kind, s.board, s.company, s.enabled, *last))
    others = sorted(set(runs) - {s.name for s in configured})
    for name in others:  # boards the warehouse ran that this file does not list
        rows.append((name, "", "", "", "not in file", *runs[name]))
    columns = ["name", "kind", "board", "company", "enabled", "last_run", "status", "postings",
               "new", "error"]  # fmt: skip
    typer.echo(
        f"boards of {path}" + (f" and {len(others)} more the warehouse ran" if others else "")
    )
    print_rows(columns, rows, "table")


def _as_ingest_stores(source: SourceRef, payloads: list[Any]) -> list[Any]:
    """The postings ingest would store: parsed the same way, one per id (a later payload,
    such as a detail page, refines an earlier one)."""
    from pipeline.ingest import parse_safely

    by_id = {p.source_id: p for raw in payloads for p in parse_safely(source, raw).postings}
    return list(by_id.values())


@sources_app.command("check")
@friendly_errors
def check(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Source name from the sources file.")],
    file: FileOption = None,
    replay: Annotated[Path | None, typer.Option(help="Folder of recorded responses.")] = None,
) -> None:
    """Fetch one board now and show what would be ingested (nothing is stored)."""
    file = file or ctx.obj
    from pipeline.ingest import fetch_options, fetch_source, make_session

    source = next((s for s in _configured(file) if s.name == name), None)
    if source is None:
        fail(f"no source named {name!r} in the sources file")
        return
    settings = get_settings().model_copy(update={"replay_dir": replay} if replay else {})
    with make_session(settings) as session:
        fetched = fetch_source(session, source, fetch_options(settings))
    postings = _as_ingest_stores(source, fetched.payloads)
    rows = [(p.title, p.level, p.workplace.value, p.location_text,
             f"{p.salary.min:,.0f}-{p.salary.max:,.0f} {p.salary.currency}/{p.salary.period}"
             if p.salary else "", p.relevant)
            for p in sorted(postings, key=lambda p: (not p.relevant, p.title))]  # fmt: skip
    print_rows(["title", "level", "workplace", "location", "salary", "relevant"], rows, "table")
    relevant = sum(1 for p in postings if p.relevant)
    typer.echo(f"{len(fetched.payloads)} payloads, {len(postings)} postings, {relevant} relevant")
