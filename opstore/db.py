"""Opening the operational store: engine, pragmas, migrations, one transaction helper.

SQLite (the default, a file beside the warehouse) runs in WAL mode, so readers never wait for
the writer, with `busy_timeout` so writers queue instead of failing, foreign keys on, and every
write transaction started `BEGIN IMMEDIATE` (a writer takes the lock when it starts, never
half-way, so two writers cannot deadlock). Postgres works the same through its URL.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from functools import lru_cache, wraps
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from core.errors import JobAlertsError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
BUSY_TIMEOUT_MS = 10_000
READ_ONLY = "opstore_read_only"
# Postgres: one migrating process at a time (any constant key; this one spells "opstore").
MIGRATION_LOCK_KEY = 0x6F7073746F7265


class OpsStoreError(JobAlertsError):
    """The operational store could not be opened or migrated."""


@dataclass(frozen=True)
class OpsStore:
    """An open operational store: the engine, and its transactions.

    On SQLite, this process's writers take turns on a lock before `BEGIN IMMEDIATE`: they
    queue in order instead of polling the file lock (other processes wait on busy_timeout).
    """

    engine: sa.Engine
    write_turn: threading.RLock = field(default_factory=threading.RLock, compare=False)

    @property
    def dialect(self) -> str:
        """`sqlite` or `postgresql`."""
        return self.engine.dialect.name

    def describe(self) -> str:
        """The URL without its password, for messages."""
        return self.engine.url.render_as_string(hide_password=True)

    @contextmanager
    def transaction(self) -> Iterator[sa.Connection]:
        """A write transaction: committed when the block ends, rolled back if it raises."""
        turn = self.write_turn if self.dialect == "sqlite" else nullcontext()
        with turn, self.engine.begin() as con:
            yield con

    @contextmanager
    def reader(self) -> Iterator[sa.Connection]:
        """A read transaction (a consistent view; on SQLite it never blocks the writer)."""
        with self.engine.connect() as raw:
            con = raw.execution_options(**{READ_ONLY: True})
            with con.begin():
                yield con

    def dispose(self) -> None:
        """Close the pooled connections (tests, forks)."""
        self.engine.dispose()


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{path}"


_stores: dict[str, OpsStore] = {}
_stores_lock = threading.Lock()


def open_store(url: str) -> OpsStore:
    """The store at `url`, its schema brought up to date (once per process and URL)."""
    with _stores_lock:
        store = _stores.get(url)
        if store is None:
            store = _stores[url] = _open(url)
        return store


def _open(url: str) -> OpsStore:
    store = OpsStore(_engine(url))
    try:
        migrate(store)
    except sa.exc.OperationalError as error:
        store.dispose()
        raise OpsStoreError(
            f"cannot open the operational store {store.describe()}: {error.orig}"
        ) from error
    return store


def _engine(url: str) -> sa.Engine:
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(
            url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000}, json_deserializer=_json_loads
        )
        _sqlite_events(engine)
        return engine
    return sa.create_engine(url, pool_pre_ping=True, json_deserializer=_json_loads)


def _json_loads(text: str) -> Any:
    """json.loads, with the most common value of the filter columns (no filter) made fast."""
    return [] if text == "[]" else json.loads(text)


def _sqlite_events(engine: sa.Engine) -> None:
    """WAL, busy_timeout, foreign keys; `BEGIN IMMEDIATE` for writes, `BEGIN` for reads."""

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        for pragma in (
            "journal_mode = WAL",
            f"busy_timeout = {BUSY_TIMEOUT_MS}",
            "foreign_keys = ON",
            "synchronous = FULL",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(con: sa.Connection) -> None:
        read_only = con.get_execution_options().get(READ_ONLY, False)
        con.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def _alembic_config(con: sa.Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = con
    return config


@lru_cache(maxsize=1)
def head_revision() -> str:
    """The newest migration shipped with the code."""
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(con: sa.Connection) -> str | None:
    """The store's migration revision, None when it has none yet."""
    if not sa.inspect(con).has_table("alembic_version"):
        return None
    return con.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def migrate(store: OpsStore) -> None:
    """Apply the migrations not yet applied, in one transaction; a second process waits."""
    with store.reader() as con:
        if current_revision(con) == head_revision():
            return
    with store.transaction() as con:
        if store.dialect == "postgresql":
            con.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        if current_revision(con) != head_revision():
            command.upgrade(_alembic_config(con), "head")


def insert(con: sa.Connection, table: sa.Table) -> Any:
    """An INSERT that knows ON CONFLICT (SQLite's or Postgres's, same API)."""
    if con.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(table)


P = ParamSpec("P")
R = TypeVar("R")
Target = sa.Connection | OpsStore


def writes(fn: Callable[Concatenate[sa.Connection, P], R]) -> Callable[Concatenate[Target, P], R]:
    """Let a function that takes a connection also take the store (its own transaction)."""

    @wraps(fn)
    def wrapper(target: Target, /, *args: P.args, **kwargs: P.kwargs) -> R:
        if isinstance(target, OpsStore):
            with target.transaction() as con:
                return fn(con, *args, **kwargs)
        return fn(target, *args, **kwargs)

    return wrapper


def reads(fn: Callable[Concatenate[sa.Connection, P], R]) -> Callable[Concatenate[Target, P], R]:
    """Let a reading function that takes a connection also take the store (a read)."""

    @wraps(fn)
    def wrapper(target: Target, /, *args: P.args, **kwargs: P.kwargs) -> R:
        if isinstance(target, OpsStore):
            with target.reader() as con:
                return fn(con, *args, **kwargs)
        return fn(target, *args, **kwargs)

    return wrapper
