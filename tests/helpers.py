"""Helpers tests share: reading the operational store, adding postings to a warehouse."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

from opstore.db import OpsStore

NOW = datetime.now(UTC)


def ops_rows(store: OpsStore, sql: str, params: dict[str, Any] | None = None) -> list[tuple]:
    """Every row of a query on the operational store, as tuples."""
    with store.reader() as con:
        return [tuple(r) for r in con.execute(sa.text(sql), params or {})]


def ops_of(warehouse: Any) -> OpsStore:
    """The operational store beside a warehouse (a path or an open DuckDB connection)."""
    from opstore.db import open_store, sqlite_url
    from warehouse.files import database_path

    path = warehouse if isinstance(warehouse, Path) else database_path(warehouse)
    assert path is not None
    return open_store(sqlite_url(path.with_name("ops.sqlite3")))


def match(db: Any, cadence: str, limit: int | None = None) -> dict[int, Any]:
    """Match every active subscription of a cadence (from the store beside `db`) in DuckDB."""
    from core.models import MAX_DIGEST_ITEMS, WINDOW_DAYS
    from opstore.subscriptions import audience
    from warehouse.matching import match_subscriptions

    who = audience(ops_of(db), cadence, WINDOW_DAYS[cadence])
    return match_subscriptions(db, who, limit=limit or MAX_DIGEST_ITEMS)


def subscription_rows(db: Any, *names: str) -> list[tuple]:
    """These columns of every subscription in the store beside `db`, typed, by id."""
    from opstore.schema import subscriptions

    columns = [subscriptions.c[name] for name in names]
    with ops_of(db).reader() as con:
        query = sa.select(*columns).order_by(subscriptions.c.id)
        return [tuple(r) for r in con.execute(query)]


class Payloads(list[Any]):
    """A connector's payloads, in order; `capped` as the drain reported it."""

    capped: bool = False


def fetch_board(board: Any, session: Any, source: Any, options: Any) -> Payloads:
    """Drain a board module's `pages` as the pipeline does: its payloads (with `capped`), or
    the SourceError that stopped it, carrying the payloads fetched before it."""
    from pipeline.fetching import drain

    fetched = drain(source, board.pages(session, source, options))
    if fetched.error is not None:
        raise fetched.error
    payloads = Payloads(fetched.payloads)
    payloads.capped = fetched.capped
    return payloads


def add_posting(db: Any, source_id: str, **values: Any) -> None:
    """Insert one relevant manager posting (a CTM in Boston), with these columns changed."""
    row = {
        "source": "test",
        "source_id": source_id,
        "url": f"https://jobs.example/{source_id}",
        "title": "Clinical Trial Manager",
        "company": "Northwind Bio",
        "location_text": "Boston, MA",
        "city": "Boston",
        "country": "US",
        "hub": "Boston",
        "workplace": "hybrid",
        "workplace_basis": "board",
        "salary_basis": "board",
        "relevant": True,
        "family": "clinical_trial_management",
        "level": "manager",
        "salary_usd_annual_min": 120_000.0,
        "salary_usd_annual_max": 150_000.0,
        "first_seen": NOW - timedelta(hours=2),
        "last_seen": NOW,
        "description": "",
    }
    row.update(values)
    columns = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    db.execute(f"INSERT INTO postings ({columns}) VALUES ({marks})", list(row.values()))


FORTY = 40


def add_forty(db: Any, now: datetime) -> list[str]:
    """40 matching manager postings, one a minute apart; their ids in the digest's order.

    Every 4th (from the newest) states no pay; of the others every 4th pays above the manager
    median (the rest below); every 5th is remote. #6 has only a first-seen time; #3 has #2's
    posting time but was first seen later; #14 has #13's posting time and first-seen time.
    """
    specs = []
    for i in range(FORTY):
        posted: datetime | None = now - timedelta(minutes=i)
        first_seen = now - timedelta(hours=2)
        if i == 3:
            posted, first_seen = now - timedelta(minutes=2), now - timedelta(hours=1)
        if i == 6:
            posted, first_seen = None, now - timedelta(minutes=6)
        if i == 14:
            posted = now - timedelta(minutes=13)
        paid = i % 4 != 0
        low, high = (150_000.0, 170_000.0) if i % 4 == 1 else (60_000.0, 80_000.0)
        add_posting(
            db,
            f"p{i:02d}",
            posted_at=posted,
            first_seen=first_seen,
            workplace="remote" if i % 5 == 0 else "hybrid",
            salary_usd_annual_min=low if paid else None,
            salary_usd_annual_max=high if paid else None,
        )
        specs.append((not paid, -(posted or first_seen).timestamp(), -first_seen.timestamp(), i))
    return [f"p{i:02d}" for *_, i in sorted(specs)]


def invoke(*args: str) -> Any:
    """Run a `jobalerts` command in this process (Typer's CliRunner); its Result."""
    from typer.testing import CliRunner

    from cli.main import app

    return CliRunner().invoke(app, list(args))


def add_broken_boards(sample: Path) -> Path:
    """A sources file with the sample boards plus a closed, a broken and an overloaded board."""
    (sample / "broken.json").write_text('{"jobs": [{"id": ')
    (sample / "empty.json").write_text("")
    responses = yaml.safe_load((sample / "responses.yaml").read_text())
    base = "https://boards-api.greenhouse.io/v1/boards/{}/jobs?content=true&pay_transparency=true"
    responses += [
        {"url": base.format("closedco"), "file": "empty.json", "status": 404},
        {"url": base.format("brokenco"), "file": "broken.json", "status": 200},
        {"url": base.format("busyco"), "file": "empty.json", "status": 503},
    ]
    (sample / "responses.yaml").write_text(yaml.safe_dump(responses))
    doc = yaml.safe_load((sample / "sources.yaml").read_text())
    for token in ("closedco", "brokenco", "busyco"):
        doc["sources"].append(
            {"name": f"gh-{token}", "kind": "greenhouse", "board": token, "company": token}
        )
    doc["sources"].append(
        {
            "name": "gh-disabled",
            "kind": "greenhouse",
            "board": "nothing",
            "company": "x",
            "enabled": False,
        }
    )
    path = sample / "sources.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def subscribe_sample(db: Path) -> int:
    """Save the sample's subscriptions in the store beside `db`; how many."""
    from opstore.subscriptions import save_subscription
    from subscriptions.input import load_subscriptions
    from tests.conftest import SAMPLE

    subs = load_subscriptions(SAMPLE / "subscriptions.yaml")
    for sub in subs:
        save_subscription(ops_of(db), sub, datetime.now(UTC))
    return len(subs)


def warehouse_at(path: Path, last: int, applied_at: datetime) -> Any:
    """A warehouse as an older version left it: migrations 001 to `last` applied as that code
    applied them; the open DuckDB connection."""
    import duckdb

    from warehouse.db import migration_files

    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied_at TIMESTAMPTZ NOT NULL)"
    )
    for version, file in migration_files():
        if version <= last:
            con.execute(file.read_text())
            con.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, ?)", [version, file.name, applied_at]
            )
    return con


HOLD_WRITER = (
    "import sys, time; from pathlib import Path; from warehouse.db import connect_writer;"
    "con = connect_writer(Path(sys.argv[1])); print('holding', flush=True);"
    "time.sleep(float(sys.argv[2])); con.close()"
)
REPO = Path(__file__).resolve().parents[1]


def hold_writer(db: Path, seconds: float) -> subprocess.Popen[str]:
    """Another process holding the warehouse's writer for `seconds` (returns once it does)."""
    process = subprocess.Popen([sys.executable, "-c", HOLD_WRITER, str(db), str(seconds)],
                               cwd=REPO, stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert process.stdout is not None and process.stdout.readline().strip() == "holding"
    return process


BOUND = re.compile(r"serving the site on (http://127\.0\.0\.1:\d+)")


def bound_address(process: subprocess.Popen[str]) -> tuple[str, str]:
    """The address the server logged once it was listening, and what it printed until then."""
    assert process.stderr is not None
    seen = ""
    for line in process.stderr:
        seen += line
        if found := BOUND.search(line):
            return found.group(1), seen
    raise AssertionError(f"the server stopped before listening: {seen}")
