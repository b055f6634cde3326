"""A real `jobalerts web` process (uvicorn) on 127.0.0.1 for tests, and reading its emails."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import requests

BOUND = re.compile(r"serving the site on (http://127\.0\.0\.1:\d+)")
LINK = re.compile(r"https?://[^\s\"'<>]+")


@dataclass
class Site:
    """A running site: its address, its process's log, and its folder."""

    base: str
    folder: Path
    process: subprocess.Popen[str]
    log: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"{self.base}/{path.lstrip('/')}"

    def session(self) -> requests.Session:
        return requests.Session()


def site_env(folder: Path, **extra: str) -> dict[str, str]:
    """The environment of a site whose stores and outbox live in `folder`."""
    env = {
        **os.environ,
        "JOBALERTS_DB_PATH": str(folder / "warehouse.duckdb"),
        "JOBALERTS_OUTBOX_DIR": str(folder / "outbox"),
        "JOBALERTS_SITE_URL": "http://127.0.0.1:1/",
    }
    env.pop("JOBALERTS_SMTP_HOST", None)
    env.update(extra)
    return env


@contextmanager
def running_site(folder: Path, *args: str, **env: str) -> Iterator[Site]:
    """`jobalerts web --port 0` in a subprocess; its links point back at itself."""
    command = [sys.executable, "-m", "cli.main", "web", "--port", "0", *args]
    environment = site_env(folder, **env)
    process = subprocess.Popen(command, env=environment, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    log: list[str] = []
    base = _wait_for_address(process, log)
    reader = threading.Thread(target=_drain, args=(process, log), daemon=True)
    reader.start()
    try:
        yield Site(base, folder, process, log)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        reader.join(timeout=5)


def _wait_for_address(process: subprocess.Popen[str], log: list[str]) -> str:
    assert process.stderr is not None
    for line in process.stderr:
        log.append(line)
        if found := BOUND.search(line):
            return found.group(1)
    raise AssertionError(f"the site stopped before listening: {''.join(log)}")


def _drain(process: subprocess.Popen[str], log: list[str]) -> None:
    assert process.stderr is not None
    for line in process.stderr:
        log.append(line)


def outbox_messages(folder: Path, expect: int = 0, settle: float = 0.0) -> list[EmailMessage]:
    """Every message in the site's outbox, oldest first. Sign-up emails go out just after the
    answer: wait (up to 20 s) until at least `expect` are there, then `settle` seconds more for
    any that should not come."""
    import time

    deadline = time.monotonic() + 20
    while len(list((folder / "outbox").glob("*.eml"))) < expect and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(settle)
    files = sorted((folder / "outbox").glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
    parser = BytesParser(policy=policy.default)
    return [parser.parsebytes(f.read_bytes()) for f in files]


def link_in(message: EmailMessage, page: str) -> str:
    """The first link to `page` (confirm, manage, unsubscribe) in a message's text part."""
    part = message.get_body(("plain",))
    assert part is not None
    for url in LINK.findall(str(part.get_content())):
        if f"/{page}?token=" in url:
            return url
    raise AssertionError(f"no /{page} link in the message")


def local(url: str, site: Site) -> str:
    """A link from an email, pointed at the running site (emails use the public address)."""
    path = url.split("/", 3)[3]
    return site.url(path)


@contextmanager
def served_in_thread(app: object) -> Iterator[str]:
    """An ASGI app served by a real uvicorn server on a free loopback port, from a thread."""
    import time

    import uvicorn

    from web.serve import bind

    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, access_log=False, log_level="warning")  # type: ignore[arg-type]
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def desk_app(db: Path, legacy_secret: str | None = None, **limits: int) -> object:
    """The site for the warehouse at `db` (its operational store), mail to `db`'s outbox."""
    from digests.mailer import OutboxMailer
    from tests.helpers import ops_of
    from web.app import create_app
    from web.routes import Limits
    from web.service import DeskConfig, SubscriberDesk

    config = DeskConfig(
        site_url="http://127.0.0.1/",
        mail_from="ClinOps Job Alerts <alerts@example.org>",
        db_path=db,
        legacy_secret=legacy_secret,
    )
    desk = SubscriberDesk(ops_of(db), OutboxMailer(db.parent / "outbox"), config)
    return create_app(desk, b"test-secret-" * 4, limits=Limits(**limits))


def seed_warehouse(folder: Path) -> Path:
    """A warehouse in `folder` holding the bundled sample's postings (ingested through the
    real connectors from the recordings), with its read snapshot published; the folder."""
    from core.settings import Settings
    from pipeline.ingest import fetch_options, fetch_source, make_session, store_and_parse
    from sources.registry import load_sources
    from tests.conftest import SAMPLE
    from warehouse.db import writer
    from warehouse.snapshot import publish

    db = folder / "warehouse.duckdb"
    settings = Settings(replay_dir=SAMPLE, db_path=db)
    with writer(db) as con, make_session(settings) as session:
        for source in load_sources(SAMPLE / "sources.yaml"):
            store_and_parse(con, fetch_source(session, source, fetch_options(settings)))
        publish(con, db, "test", "seeded")
    return folder
