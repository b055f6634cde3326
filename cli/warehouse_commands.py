"""Warehouse commands: sql, stats, export, reparse."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import duckdb
import typer

from cli.app import SAMPLE_DIR, DbOption, app, db_path, fail, friendly_errors
from cli.output import FORMATS, print_rows
from core.settings import get_settings
from warehouse.db import writer
from warehouse.snapshot import publish, read_info, snapshot_reader


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
    """Query the warehouse read-only: no writes, no access to other files.

    Several statements (in a file, say) print one result each; csv and json take one.
    """
    if fmt not in FORMATS:
        fail(f"unknown format {fmt!r}: choose {', '.join(FORMATS)}")
    if query and file:
        fail("give a QUERY or --file, not both")
    text = file.read_text() if file else query
    if not text or not text.strip():
        fail("give a QUERY or --file")
        return
    with snapshot_reader(db_path(db), get_settings().read_wait_seconds) as con:
        results = _run_statements(con, text)
        age = read_info(con).describe()
    if fmt != "table" and len(results) > 1:
        fail(f"{fmt} output takes one query; this text has {len(results)} that return rows")
    for number, (columns, rows) in enumerate(results):
        if number:
            typer.echo("")
        print_rows(columns, rows, fmt)
    typer.echo(age, err=True)


def _run_statements(
    con: duckdb.DuckDBPyConnection, text: str
) -> list[tuple[list[str], list[tuple[object, ...]]]]:
    """Each statement's columns and rows, in order; statements that return nothing are left out."""
    results: list[tuple[list[str], list[tuple[object, ...]]]] = []
    for statement in con.extract_statements(text):
        cursor = con.execute(statement)
        columns = [d[0] for d in cursor.description or []]
        if columns:
            results.append((columns, cursor.fetchall()))
    return results


@app.command()
@friendly_errors
def stats(db: DbOption = None) -> None:
    """The state of the warehouse: postings by source, level, workplace, salary, runs, failures."""
    from warehouse.stats import warehouse_stats

    with snapshot_reader(db_path(db), get_settings().read_wait_seconds) as con:
        sections = warehouse_stats(con)
        typer.echo(read_info(con).describe())
    for section in sections:
        typer.echo(f"\n{section.title}")
        if section.rows:
            print_rows(section.columns, section.rows, "table")
        else:
            typer.echo("  (none)")


@app.command()
@friendly_errors
def export(
    output: Annotated[Path, typer.Argument(help="File to write.")],
    view: Annotated[str | None, typer.Option(help="A view or table to export.")] = None,
    query: Annotated[str | None, typer.Option(help="One SELECT to export.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="parquet or csv.")] = "parquet",
    db: DbOption = None,
) -> None:
    """Export a view, a table or one SELECT to Parquet or CSV (the warehouse stays read-only)."""
    from warehouse.export import export as export_query
    from warehouse.export import export_view

    if bool(view) == bool(query):
        fail("give exactly one of --view or --query")
    wait = get_settings().read_wait_seconds
    with snapshot_reader(db_path(db), wait, allow_files=True) as con:
        if view:
            count = export_view(con, view, fmt, output)
        else:
            count = export_query(con, str(query), fmt, output)
    typer.echo(f"wrote {count} rows to {output}")


@app.command()
@friendly_errors
def reparse(db: DbOption = None) -> None:
    """Rebuild parsed postings from stored raw payloads with the current parsers (no network)."""
    from pipeline.reparse import reparse_all
    from sources.registry import load_sources

    sources = {}
    for path in (SAMPLE_DIR / "sources.yaml", get_settings().sources_file):  # config wins
        if path.exists():
            sources.update({s.name: s for s in load_sources(path)})
    with writer(db_path(db)) as con:
        result = reparse_all(con, sources)
        publish(con, db_path(db), "cli", "reparse")
    typer.echo(
        f"re-parsed {result.payloads} payloads: {result.postings} postings re-derived "
        f"({result.new_postings} new), {result.parse_errors} parse errors, "
        f"{result.changed_fields} title/salary changes"
    )
    for line in result.changes() or ["no change in coverage"]:
        typer.echo(f"  {line}")
