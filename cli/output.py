"""Printing query results as a table, CSV or JSON; rows too wide for the terminal are shown
one field per line (vertical), as psql's expanded display does."""

from __future__ import annotations

import csv
import json
import shutil
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.table import Table

FORMATS = ("table", "csv", "json")
MIN_CELL = 8  # a column narrower than this (or its values) is unreadable
MAX_CELL = 40


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def shown(value: Any) -> str:
    """A value as a person reads it: thousands separated, at most two decimals, timestamps to
    the second."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10000 else str(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def terminal_width() -> int:
    """The terminal's width in columns (120 when output is not a terminal)."""
    if sys.stdout.isatty():
        return shutil.get_terminal_size((120, 24)).columns
    return 120


def too_wide(columns: Sequence[str], rows: Sequence[Sequence[Any]], width: int) -> bool:
    """True when the columns cannot each get a readable width on one line."""
    needed = 1
    for index, name in enumerate(columns):
        longest = max([len(shown(row[index])) for row in rows[:50]] + [len(name)])
        needed += max(MIN_CELL, min(longest, MAX_CELL)) + 3
    return needed > width


def print_vertical(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """One `name | value` line per field, a header line per row."""
    label = max((len(c) for c in columns), default=0)
    for number, row in enumerate(rows, start=1):
        sys.stdout.write(f"-[ row {number} ]" + "-" * max(0, label - 6) + "\n")
        for name, value in zip(columns, row, strict=True):
            text = shown(value).replace("\n", " ")
            sys.stdout.write(f"{name.ljust(label)} | {text}\n")
    if not rows:
        sys.stdout.write("(no rows)\n")


def print_rows(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    fmt: str,
    vertical: bool | None = None,
) -> None:
    """Write rows to stdout in the chosen format. A table switches to the vertical layout
    when it is too wide for the terminal (or when `vertical` says so)."""
    if fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows([[_cell(v) for v in row] for row in rows])
    elif fmt == "json":
        records = [dict(zip(columns, row, strict=True)) for row in rows]
        sys.stdout.write(json.dumps(records, default=str, indent=2) + "\n")
    else:
        width = terminal_width()
        if vertical or (vertical is None and too_wide(columns, rows, width)):
            print_vertical(columns, rows)
            return
        table = Table(show_lines=False)
        for name in columns:
            table.add_column(name, overflow="fold")  # wrap a long value, never cut it
        for row in rows:
            table.add_row(*[shown(v) for v in row])
        Console(width=width).print(table)
