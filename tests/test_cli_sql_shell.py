"""`jobalerts sql` without a query: an interactive prompt at a terminal (driven here through
a real pseudo-terminal), the statements of standard input otherwise; wide rows vertical."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def env_for(db: Path) -> dict[str, str]:
    return {**os.environ, "JOBALERTS_DB_PATH": str(db), "COLUMNS": "120", "LINES": "40"}


def piped(db: Path, text: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cli.main", "sql", *args], cwd=REPO,
                          input=text, env=env_for(db), capture_output=True, text=True,
                          timeout=120, check=False)  # fmt: skip


def test_statements_from_stdin_run_like_sqlite3(warehouse) -> None:
    result = piped(warehouse, "select 1 as one;\nselect 'a;b' as two\n  -- a comment\n;\n",
                   "--format", "csv")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["one", "1", "two", "a;b"]


def test_a_failing_statement_from_stdin_says_so_and_exits_1(warehouse) -> None:
    result = piped(warehouse, "select nope;\nselect 2 as two;\n", "--format", "csv")
    assert result.returncode == 1
    assert result.stderr.startswith("error: ") and result.stdout.splitlines() == ["two", "2"]


class Terminal:
    """A `jobalerts sql` prompt on a real pseudo-terminal."""

    def __init__(self, db: Path) -> None:
        self.master, slave = pty.openpty()
        os.set_blocking(self.master, False)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "sql"], cwd=REPO, env=env_for(db),
            stdin=slave, stdout=slave, stderr=slave, start_new_session=True,
        )  # fmt: skip
        os.close(slave)
        self.seen = ""

    def expect(self, text: str, within: float = 60.0) -> str:
        deadline = time.monotonic() + within
        while text not in self.seen:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"{text!r} never came; screen:\n{self.seen[-3000:]}"
            ready, _, _ = select.select([self.master], [], [], remaining)
            if ready:
                try:
                    self.seen += os.read(self.master, 65536).decode(errors="replace")
                except OSError:
                    break
        before, _, after = self.seen.partition(text)
        self.seen = after
        return before

    def send(self, line: str) -> None:
        os.write(self.master, (line + "\n").encode())

    def close(self) -> int:
        try:
            return self.process.wait(timeout=30)
        finally:
            os.close(self.master)


def test_the_interactive_prompt(warehouse) -> None:
    term = Terminal(warehouse)
    try:
        term.expect("sql> ")
        term.send("select 40 + 2")
        term.expect("...> ")
        term.send("  as answer;")
        shown = term.expect("sql> ")
        assert "answer" in shown and "42" in shown and "(1 row," in shown
        term.send(".tables")
        listing = term.expect("sql> ")
        assert "postings" in listing and "current_postings" in listing and "view" in listing
        term.send("\\d runs")
        columns = term.expect("sql> ")
        assert "status" in columns and "started_at" in columns
        term.send("SET memory_limit = '100GB';")
        assert "error:" in term.expect("sql> ")  # the guard holds in the prompt too
        term.send("select count(*) from range(100000000000000);")
        time.sleep(1.0)
        term.process.send_signal(signal.SIGINT)  # Ctrl-C: the statement stops
        stopped = term.expect("sql> ")
        assert "interrupted" in stopped or "cancelled" in stopped
        term.send("select 'still here' as alive;")
        assert "still here" in term.expect("sql> ")
        term.send(".quit")
        assert term.close() == 0
    finally:
        if term.process.poll() is None:
            term.process.kill()
    history = (warehouse.parent / ".jobalerts_sql_history").read_text()
    assert "as answer;" in history and ".tables" in history


def test_wide_rows_switch_to_a_vertical_layout(warehouse) -> None:
    columns = ", ".join(f"'value {i}' as column_{i}" for i in range(41))
    result = piped(warehouse, f"select {columns};\n")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "-[ row 1 ]" in lines[0]
    assert "column_40 | value 40" in lines
    assert "…" not in result.stdout
    narrow = piped(warehouse, "select 1 as a, 2 as b;\n")
    assert "┃ a ┃ b ┃" in narrow.stdout  # a narrow result stays a table
