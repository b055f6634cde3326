"""The interactive `jobalerts sql` prompt, and statements read from standard input.

At a terminal: history (readline, in a file beside the warehouse), statements over several
lines until `;`, `.tables` (tables and views with their columns), `\\d NAME` (one relation's
columns), `\\x` (vertical display on/off/auto), `.timer on|off`, `.help`, `.quit`. Each
statement opens the warehouse read-only under the query guard and closes it again, so a prompt
left open never keeps a flow from writing.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import typer

from cli.output import print_rows

HELP = """\
Statements end with ';' and may span lines. Commands:
  .tables          tables and views, with their columns
  \\d NAME          the columns of one table or view
  \\x [on|off|auto] vertical display (auto: when a row is too wide)
  .timer on|off    print how long each statement took
  .help            this text
  .quit  \\q        leave (Ctrl-D too)"""

RELATIONS_SQL = """
SELECT table_name, CASE table_type WHEN 'VIEW' THEN 'view' ELSE 'table' END,
    string_agg(column_name, ', ' ORDER BY ordinal_position)
FROM information_schema.columns JOIN information_schema.tables USING (table_schema, table_name)
WHERE table_schema = 'main' GROUP BY ALL ORDER BY 2, 1
"""
COLUMNS_SQL = """
SELECT column_name, data_type, is_nullable FROM information_schema.columns
WHERE table_schema = 'main' AND table_name = ? ORDER BY ordinal_position
"""

Runner = Callable[[str], list[tuple[list[str], list[tuple[object, ...]]]]]


@dataclass
class ShellState:
    """What the prompt's commands switch."""

    vertical: bool | None = None  # None: automatic
    timer: bool = True
    running: bool = True


def statements(lines: Iterator[str]) -> Iterator[str]:
    """Complete statements (ending with `;`) and dot/backslash commands, from lines."""
    buffer: list[str] = []
    for line in lines:
        stripped = line.strip()
        if not buffer and stripped.startswith((".", "\\")):
            yield stripped
            continue
        if stripped:
            buffer.append(line.rstrip("\n"))
        text = "\n".join(buffer)
        if buffer and _complete(text):
            yield text
            buffer = []
    if "\n".join(buffer).strip():
        yield "\n".join(buffer)


def _complete(text: str) -> bool:
    """True when the text ends with `;` outside strings and comments."""
    tokens = [pos for pos, kind in duckdb.tokenize(text) if kind != duckdb.token_type.comment]
    return bool(tokens) and text[tokens[-1]] == ";"


def run_command(command: str, state: ShellState, run: Runner) -> None:
    """A dot or backslash command."""
    name, _, argument = command.partition(" ")
    argument = argument.strip().rstrip(";")
    if name in (".quit", ".exit", "\\q"):
        state.running = False
    elif name in (".tables", "\\dt"):
        for _columns, rows in run(RELATIONS_SQL):
            print_rows(["name", "kind", "columns"], rows, "table", vertical=False)
    elif name == "\\d" and argument:
        _describe(argument, run)
    elif name == "\\d":
        run_command(".tables", state, run)
    elif name == "\\x":
        state.vertical = {"on": True, "off": False, "auto": None}.get(
            argument, None if state.vertical else True
        )
        mode = {True: "on", False: "off", None: "auto"}[state.vertical]
        typer.echo(f"vertical display is {mode}")
    elif name == ".timer":
        state.timer = argument != "off"
    elif name == ".help":
        typer.echo(HELP)
    else:
        typer.echo(f"error: unknown command {name!r}; .help lists them", err=True)


def _describe(name: str, run: Runner) -> None:
    escaped = name.replace("'", "''")
    results = run(COLUMNS_SQL.replace("?", f"'{escaped}'"))
    rows = results[0][1] if results else []
    if not rows:
        typer.echo(f"error: no table or view named {name!r}", err=True)
        return
    print_rows(["column", "type", "nullable"], rows, "table", vertical=False)


def run_statement(text: str, state: ShellState, run: Runner, fmt: str = "table") -> bool:
    """Run one statement and print its rows; False (and one line on stderr) when it failed."""
    started = time.monotonic()
    try:
        results = run(text)
    except (duckdb.Error, ValueError, OSError) as error:
        typer.echo(f"error: {str(error).splitlines()[0] if str(error) else error}", err=True)
        return False
    except Exception as error:  # the query guard's timeout and other clear errors
        typer.echo(f"error: {error}", err=True)
        return False
    for columns, rows in results:
        print_rows(columns, rows, fmt, vertical=state.vertical)
        if state.timer and fmt == "table":
            noun = "row" if len(rows) == 1 else "rows"
            typer.echo(f"({len(rows)} {noun}, {time.monotonic() - started:.3f} s)")
    return True


def run_stdin(run: Runner, fmt: str) -> int:
    """Run the statements read from standard input, as sqlite3 and psql do; the exit code is
    1 when one failed."""
    state = ShellState(timer=False)
    failed = False
    for text in statements(iter(sys.stdin)):
        if text.startswith((".", "\\")):
            run_command(text, state, run)
        else:
            failed |= not run_statement(text, state, run, fmt)
        if not state.running:
            break
    return 1 if failed else 0


def interactive(run: Runner, history: Path) -> None:
    """The prompt: read, run, print, until .quit or end of input."""
    readline = _readline(history)
    state = ShellState()
    typer.echo("jobalerts sql: read-only; end statements with ';'. .help for commands.")
    while state.running:
        try:
            text = _read_statement()
        except KeyboardInterrupt:
            typer.echo("")
            continue
        if text is None:
            typer.echo("")
            break
        try:
            if text.startswith((".", "\\")):
                run_command(text, state, run)
            else:
                run_statement(text, state, run)
        except KeyboardInterrupt:  # Ctrl-C stops the statement, not the prompt
            typer.echo("\ncancelled", err=True)
    if readline is not None:
        _save_history(readline, history)


def _read_statement() -> str | None:
    """Lines until a complete statement or a command; None at end of input."""
    lines: list[str] = []
    while True:
        try:
            line = input("sql> " if not lines else "...> ")
        except EOFError:
            return "\n".join(lines) if lines else None
        if not lines and line.strip().startswith((".", "\\")):
            return line.strip()
        if line.strip() or lines:
            lines.append(line)
        if lines and _complete("\n".join(lines)):
            return "\n".join(lines)


def _readline(history: Path) -> object | None:
    try:
        import readline
    except ImportError:  # pragma: no cover (every platform we run on has it)
        return None
    readline.set_history_length(1000)
    if history.exists():
        readline.read_history_file(str(history))
    return readline


def _save_history(readline: object, history: Path) -> None:
    history.parent.mkdir(parents=True, exist_ok=True)
    readline.write_history_file(str(history))  # type: ignore[attr-defined]
    history.chmod(0o600)
