"""The guard around analysts' queries (`jobalerts sql`, `export --query`): read-only, no file
but the export's own, bounded memory and threads, a statement timeout; settings locked so a
query cannot lift them (SET, RESET, PRAGMA of a setting are refused)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from core.errors import JobAlertsError

_MEMORY = re.compile(r"\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)", re.IGNORECASE)


class QueryTimeoutError(JobAlertsError):
    """A query ran past the statement timeout and was stopped."""


@dataclass(frozen=True)
class QueryLimits:
    """What one analyst's query may use."""

    timeout_seconds: float = 60.0
    memory_limit: str = "1GB"
    threads: int = 2

    def __post_init__(self) -> None:
        if not _MEMORY.fullmatch(self.memory_limit.strip()):
            raise ValueError(f"memory limit {self.memory_limit!r}: write it like 1GB or 512MB")
        if self.threads < 1 or self.timeout_seconds <= 0:
            raise ValueError("query limits need threads >= 1 and a timeout above 0 seconds")


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def lock_down(
    con: duckdb.DuckDBPyConnection, limits: QueryLimits, writable: Sequence[Path] = ()
) -> None:
    """No file access but `writable` (an export's output), the limits, then the settings
    locked. Values are checked or quoted: SET takes no bound parameters."""
    if writable:
        paths = ", ".join(_quoted(str(p.resolve())) for p in writable)
        con.execute(f"SET allowed_paths = [{paths}]")
    con.execute("SET enable_external_access = false")
    con.execute(f"SET memory_limit = {_quoted(limits.memory_limit.strip())}")
    con.execute(f"SET threads = {int(limits.threads)}")
    con.execute("SET lock_configuration = true")


@contextmanager
def deadline(con: duckdb.DuckDBPyConnection, seconds: float) -> Iterator[None]:
    """Interrupt whatever the connection runs once `seconds` have passed."""
    fired = threading.Event()

    def stop() -> None:
        fired.set()
        con.interrupt()

    timer = threading.Timer(seconds, stop)
    timer.daemon = True
    timer.start()
    try:
        yield
    except duckdb.InterruptException as error:
        if not fired.is_set():
            raise
        raise QueryTimeoutError(
            f"query stopped after {seconds:g} s (the statement timeout;"
            " JOBALERTS_SQL_TIMEOUT_SECONDS sets it)"
        ) from error
    finally:
        timer.cancel()


def without_final_semicolon(query: str) -> str:
    """One statement's text without its closing `;` (comments after it are dropped), so it
    can be wrapped: `COPY (<query>\\n) TO ...` also ends a trailing `--` comment."""
    tokens = [(pos, kind) for pos, kind in duckdb.tokenize(query)
              if kind != duckdb.token_type.comment]  # fmt: skip
    if tokens and query[tokens[-1][0]] == ";":
        return query[: tokens[-1][0]]
    return query
