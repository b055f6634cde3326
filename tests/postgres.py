"""A throwaway Postgres server for tests: initdb in a temporary folder, a free loopback port.

Postgres refuses to run as root, so as root (CI) every server command runs as the `postgres`
user (`runuser`), in a folder that user owns.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from tests.smtp_server import free_port


@dataclass(frozen=True)
class PostgresServer:
    """Where the server binaries are."""

    bin_dir: Path

    @classmethod
    def find(cls) -> PostgresServer | None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        return cls(Path(found[-1]).parent) if found else None

    def _run(self, *args: str) -> None:
        """Run a server command; output to nowhere (a started server keeps its pipes open)."""
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(
            command,
            check=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=120,
        )

    @contextmanager
    def running(self) -> Iterator[str]:
        """Start a server; yield `postgresql+psycopg://app@127.0.0.1:PORT/postgres`; stop it."""
        folder = Path(tempfile.mkdtemp(prefix="jobalerts-pg-"))
        data = folder / "data"
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres", "postgres")
        port = free_port()
        try:
            self._run("initdb", "-D", str(data), "-A", "trust", "-U", "app")
            options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
            log = str(folder / "server.log")
            self._run("pg_ctl", "-D", str(data), "-o", options, "-l", log, "-w", "start")
            try:
                yield f"postgresql+psycopg://app@127.0.0.1:{port}/postgres"
            finally:
                self._run("pg_ctl", "-D", str(data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def fresh_database(base_url: str) -> Iterator[str]:
    """A new, empty database on the server for one test; its URL. Dropped afterwards."""
    name = f"t_{secrets.token_hex(6)}"
    admin = sa.create_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as con:
            con.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield base_url.rsplit("/", 1)[0] + f"/{name}"
        with admin.connect() as con:
            con.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
