"""Shared fixtures: quiet offline Prefect, a temporary warehouse, settings per test."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "sample"
SHARED_ASHBY = REPO.parent / "shared" / "data" / "ashby"


LOOPBACK = ("127.", "::1", "localhost")
BLOCKED: list[str] = []


@pytest.fixture(scope="session", autouse=True)
def _loopback_only_resolver() -> Iterator[None]:
    """Every test stays on this machine: looking up any other host is refused and recorded."""
    real = socket.getaddrinfo

    def loopback_only(host: object, *args: object, **kwargs: object) -> object:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if not name.startswith(LOOPBACK):
            BLOCKED.append(name)
            raise OSError(f"test tried to reach {name!r}: tests must not use the internet")
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket, "getaddrinfo", loopback_only)
        yield


@pytest.fixture(autouse=True)
def _no_internet() -> Iterator[None]:
    """Fail a test that tried to reach the internet, even if the code under test swallowed it."""
    before = len(BLOCKED)
    yield
    assert BLOCKED[before:] == [], f"tried to reach the internet: {BLOCKED[before:]}"


@pytest.fixture(scope="session", autouse=True)
def _quiet_prefect(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Point Prefect at a throwaway home before anything imports it."""
    home = tmp_path_factory.mktemp("prefect-home")
    os.environ["PREFECT_HOME"] = str(home)
    import flows  # noqa: F401  (sets the remaining quiet defaults)


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[None]:
    """One temporary Prefect API for every test that runs a real flow."""
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        temporary_settings,
    )
    from prefect.testing.utilities import prefect_test_harness

    with (
        prefect_test_harness(server_startup_timeout=120),
        temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}),
    ):
        # CLI processes the tests start inherit it: their flows report to this API instead of
        # each starting a temporary server of its own (6-11 s each).
        before = os.environ.get("PREFECT_API_URL")
        os.environ["PREFECT_API_URL"] = str(PREFECT_API_URL.value())
        try:
            yield
        finally:
            if before is None:
                os.environ.pop("PREFECT_API_URL", None)
            else:
                os.environ["PREFECT_API_URL"] = before


@pytest.fixture
def settings_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Settings pointing at a temporary warehouse and outbox; returns the folder."""
    from core.settings import get_settings

    monkeypatch.setenv("JOBALERTS_DB_PATH", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("JOBALERTS_OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.setenv("JOBALERTS_SOURCE_RETRY_DELAY", "0")
    monkeypatch.delenv("JOBALERTS_SMTP_HOST", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


@pytest.fixture
def warehouse(settings_env: Path) -> Path:
    """The settings' warehouse, created and migrated (for commands run in this process)."""
    from core.settings import get_settings
    from warehouse.db import connect_writer

    path = get_settings().db_path
    connect_writer(path).close()
    return path


@pytest.fixture
def db(tmp_path: Path):
    """A migrated warehouse on a real file."""
    from warehouse.db import connect_writer

    con = connect_writer(tmp_path / "w.duckdb")
    yield con
    con.close()


@pytest.fixture
def ops(tmp_path: Path):
    """The operational store beside the `db` fixture's warehouse (SQLite, WAL)."""
    from opstore.db import open_store, sqlite_url

    store = open_store(sqlite_url(tmp_path / "ops.sqlite3"))
    yield store
    store.dispose()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A real Postgres on 127.0.0.1 for the session (Debian's `postgresql`); its base URL.

    Skips with the reason when the server binaries are not installed.
    """
    from tests.postgres import PostgresServer

    server = PostgresServer.find()
    if server is None:
        pytest.skip("Postgres is not installed (no /usr/lib/postgresql/*/bin/initdb)")
    with server.running() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
def any_store(request: pytest.FixtureRequest, tmp_path: Path):
    """An empty operational store: SQLite always, and Postgres when it is installed."""
    from opstore.db import open_store, sqlite_url

    if request.param == "sqlite":
        store = open_store(sqlite_url(tmp_path / "ops.sqlite3"))
        yield store
        store.dispose()
        return
    from tests.postgres import fresh_database

    base = request.getfixturevalue("postgres_server")
    with fresh_database(base) as url:
        store = open_store(url)
        yield store
        store.dispose()


@pytest.fixture
def sample_copy(tmp_path: Path) -> Path:
    """A private copy of sample/ that a test may add recordings to."""
    target = tmp_path / "sample"
    shutil.copytree(SAMPLE, target)
    return target
