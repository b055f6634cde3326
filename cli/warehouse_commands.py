"""Warehouse commands: sql, reparse."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.app import SAMPLE_DIR, DbOption, app, db_path, fail, friendly_errors
from cli.output import FORMATS, print_rows
from core.settings import get_settings
from warehouse.db import connect_reader, writer


@app.command()
@friendly_errors
def sql(
    query: Annotated[str | None, typer.Argument(help="SQL to run (read-only).")] = None,
    file: Annotated[
        Path | None, typer.Option("--file", "-f", help="Read the query from a file.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
    db: DbOption = None,
) -> None:
    """Query the warehouse read-only: no writes, no access to other files."""
    if fmt not in FORMATS:
        fail(f"unknown format {fmt!r}: choose {', '.join(FORMATS)}")
    text = file.read_text() if file else query
    if not text:
        fail("give a QUERY or --file")
        return
    con = connect_reader(db_path(db))
    try:
        cursor = con.execute(text)
        columns = [d[0] for d in cursor.description or []]
        rows = cursor.fetchall() if columns else []
    finally:
        con.close()
    print_rows(columns, rows, fmt)


@app.command()
@friendly_errors
def reparse(db: DbOption = None) -> None:
    """Rebuild parsed postings from stored raw payloads with the current parsers (no network)."""
    from pipeline.reparse import reparse_all
    from sources.registry import load_sources

    companies = {}
    for path in (get_settings().sources_file, SAMPLE_DIR / "sources.yaml"):
        if path.exists():
            companies.update({s.name: s.company for s in load_sources(path)})
    with writer(db_path(db)) as con:
        result = reparse_all(con, companies)
    typer.echo(
        f"re-parsed {result.payloads} payloads into {result.after.get('postings', 0)} postings "
        f"({result.parse_errors} parse errors, {result.changed_fields} title/salary changes)"
    )
    for line in result.changes() or ["no change in coverage"]:
        typer.echo(f"  {line}")
