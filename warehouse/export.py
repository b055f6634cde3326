"""Export a view or a read-only query to Parquet or CSV with DuckDB's COPY."""

from __future__ import annotations

from pathlib import Path

import duckdb

from warehouse.guard import without_final_semicolon

FORMATS = {"parquet": "(FORMAT parquet)", "csv": "(FORMAT csv, HEADER true)"}


def view_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The user views and tables that can be exported by name."""
    rows = con.execute(
        "SELECT view_name FROM duckdb_views() WHERE NOT internal AND schema_name = 'main'"
        " UNION SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY 1"
    ).fetchall()
    return [r[0] for r in rows]


def single_select(con: duckdb.DuckDBPyConnection, query: str) -> str:
    """The query, if it is exactly one SELECT statement; otherwise ValueError."""
    statements = con.extract_statements(query)
    if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
        raise ValueError("export takes exactly one SELECT statement")
    return without_final_semicolon(query)


def export(con: duckdb.DuckDBPyConnection, query: str, fmt: str, output: Path) -> int:
    """Write the rows of one SELECT to a file; return how many."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: choose {', '.join(FORMATS)}")
    select = single_select(con, query)
    target = str(output).replace("'", "''")
    # the newline ends a trailing `--` comment before the closing parenthesis
    row = con.execute(f"COPY ({select}\n) TO '{target}' {FORMATS[fmt]}").fetchone()
    return int(row[0]) if row else 0


def export_view(con: duckdb.DuckDBPyConnection, name: str, fmt: str, output: Path) -> int:
    """Export a whole view or table, named exactly."""
    if name not in view_names(con):
        raise ValueError(f"no view or table named {name!r}: try {', '.join(view_names(con))}")
    return export(con, f'SELECT * FROM "{name}"', fmt, output)  # noqa: S608 (a known name)
