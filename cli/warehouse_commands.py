"""Warehouse commands: sql, stats, export, reparse."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import duckdb
import typer

from cli.app import SAMPLE_DIR, DbOption, app, db_path, fail, friendly_errors
from cli.output import FORMATS, print_rows
from core.settings import get_settings
from warehouse.db import writer
from warehouse.guard import QueryLimits, deadline, lock_down
from warehouse.snapshot import (
    connect_snapshot,
    ensure_snapshot,
    publish,
    read_info,
    snapshot_reader,
)


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

    Several statements (in a file, say) print one result each; csv and json take one. With
    no QUERY: an interactive prompt at a terminal (.help lists its commands), otherwise the
    statements read from standard input (`echo 'select 1;' | jobalerts sql`).
    """
    if fmt not in FORMATS:
        fail(f"unknown format {fmt!r}: choose {', '.join(FORMATS)}")
    if query and file:
        fail("give a QUERY or --file, not both")
    if not query and not file:
        _prompt_or_stdin(db_path(db), fmt)
        return
    text = file.read_text() if file else query
    if not text or not text.strip():
        fail("give a QUERY or --file")
        return
    results = _guarded_run(db_path(db), text)
    if fmt != "table" and len(results) > 1:
        fail(f"{fmt} output takes one query; this text has {len(results)} that return rows")
    for number, (columns, rows) in enumerate(results):
        if number:
            typer.echo("")
        print_rows(columns, rows, fmt)
    typer.echo(snapshot_age(db_path(db)), err=True)


def _guarded_run(path: Path, text: str) -> list[tuple[list[str], list[tuple[object, ...]]]]:
    """Open the warehouse under the guard, run the text's statements, close it again."""
    con = guarded_reader(path)
    try:
        return _run_statements(con, text)
    finally:
        con.close()


def _prompt_or_stdin(path: Path, fmt: str) -> None:
    from cli.sql_shell import interactive, run_stdin

    if not path.exists():
        fail(f"no warehouse at {path}: run `jobalerts ingest` or `make run` first")

    def run(text: str) -> list[tuple[list[str], list[tuple[object, ...]]]]:
        return _guarded_run(path, text)

    if sys.stdin.isatty():
        interactive(run, path.parent / ".jobalerts_sql_history")
    else:
        raise typer.Exit(code=run_stdin(run, fmt))


def _run_statements(
    con: duckdb.DuckDBPyConnection, text: str
) -> list[tuple[list[str], list[tuple[object, ...]]]]:
    """Each statement's columns and rows, in order; statements that return nothing are left out."""
    results: list[tuple[list[str], list[tuple[object, ...]]]] = []
    settings = get_settings()
    for statement in con.extract_statements(text):
        with deadline(con, settings.sql_timeout_seconds):
            cursor = con.execute(statement)
            columns = [d[0] for d in cursor.description or []]
            if columns:
                rows = cursor.fetchmany(settings.sql_max_rows + 1)
                if len(rows) > settings.sql_max_rows:
                    rows = rows[: settings.sql_max_rows]
                    typer.echo(
                        f"note: showing the first {settings.sql_max_rows} rows"
                        " (JOBALERTS_SQL_MAX_ROWS); `jobalerts export` writes them all",
                        err=True,
                    )
                results.append((columns, rows))
    return results


def query_limits() -> QueryLimits:
    """The limits of one analyst's query, from the settings."""
    settings = get_settings()
    return QueryLimits(
        settings.sql_timeout_seconds, settings.sql_memory_limit, settings.sql_threads
    )


def guarded_reader(path: Path, writable: Path | None = None) -> duckdb.DuckDBPyConnection:
    """The warehouse's read snapshot, read-only under the query guard; `writable` is an
    export's output."""
    limits = query_limits()
    snapshot = ensure_snapshot(path, get_settings().read_wait_seconds)
    con = connect_snapshot(snapshot, allow_files=bool(writable))
    try:
        lock_down(con, limits, [writable] if writable else [])
    except BaseException:
        con.close()
        raise
    return con


def snapshot_age(path: Path) -> str:
    """How old the read snapshot is, in words (printed after every `sql`)."""
    con = connect_snapshot(ensure_snapshot(path, get_settings().read_wait_seconds))
    try:
        return read_info(con).describe()
    finally:
        con.close()


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
    fmt: Annotated[
        str | None, typer.Option("--format", help="parquet or csv (default: from the extension).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Export a view, a table or one SELECT to Parquet or CSV (the warehouse stays read-only)."""
    from warehouse.export import export as export_query
    from warehouse.export import export_view

    if bool(view) == bool(query):
        fail("give exactly one of --view or --query")
    fmt = export_format(output, fmt)
    con = guarded_reader(db_path(db), writable=output)
    try:
        with deadline(con, get_settings().sql_timeout_seconds):
            if view:
                count = export_view(con, view, fmt, output)
            else:
                count = export_query(con, str(query), fmt, output)
    finally:
        con.close()
    typer.echo(f"wrote {count} rows to {output}")


EXTENSIONS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv"}


def export_format(output: Path, fmt: str | None) -> str:
    """The format of an export: --format, or the file's extension; a mismatch is refused."""
    implied = EXTENSIONS.get(output.suffix.lower())
    if fmt is None and implied is None:
        raise ValueError(
            f"cannot tell the format of {output.name!r}: name it .parquet or .csv, or give --format"
        )
    if fmt is not None and implied is not None and fmt != implied:
        raise ValueError(f"--format {fmt} does not match {output.name!r} (a {implied} name)")
    return fmt or str(implied)


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
