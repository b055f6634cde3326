"""The `jobalerts` command: thin wrappers over the flows and the warehouse."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import duckdb
import typer

from cli.output import FORMATS, print_rows
from cli.subscription_file import load_subscriptions, subscription_from
from core.errors import JobAlertsError
from core.settings import REPO_ROOT, get_settings
from warehouse.db import connect_reader, writer
from warehouse.subscriptions import (
    deactivate,
    deactivate_id,
    save_subscription,
    subscription_overview,
)

app = typer.Typer(help="ClinOps Job Alerts: clinical-operations job alerts.", no_args_is_help=True)
SAMPLE_DIR = REPO_ROOT / "sample"
F = TypeVar("F", bound=Callable[..., Any])

DbOption = Annotated[Path | None, typer.Option("--db", help="Warehouse file.")]


def fail(message: str) -> None:
    """Print a one-line error and exit non-zero."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=1)


def friendly_errors(fn: F) -> F:
    """Turn expected failures into one clear line and exit code 1."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (JobAlertsError, duckdb.Error, FileNotFoundError, ValueError) as error:
            fail(str(error).splitlines()[0] if str(error) else error.__class__.__name__)

    return wrapper  # type: ignore[return-value]


def db_path(db: Path | None) -> Path:
    """The warehouse path: the option, else the settings."""
    return db or get_settings().db_path


@app.command()
@friendly_errors
def run(
    offline: Annotated[bool, typer.Option(help="Replay the bundled sample, no network.")] = False,
    sources: Annotated[Path | None, typer.Option(help="Sources file.")] = None,
    replay: Annotated[Path | None, typer.Option(help="Folder of recorded responses.")] = None,
    db: DbOption = None,
    outbox: Annotated[Path | None, typer.Option(help="Outbox folder.")] = None,
) -> None:
    """The main job: ingest every source, then send the daily and weekly digests."""
    from cli.summary import print_run_summary
    from flows.main import run as run_flow

    if offline:
        sources = sources or SAMPLE_DIR / "sources.yaml"
        replay = replay or SAMPLE_DIR
        _subscribe_file(SAMPLE_DIR / "subscriptions.yaml", db_path(db))
    result = run_flow(
        sources_file=_str(sources),
        replay_dir=_str(replay),
        db_path=_str(db),
        outbox_dir=_str(outbox),
    )
    print_run_summary(result, db_path(db))


def _str(path: Path | None) -> str | None:
    return str(path) if path else None


@app.command()
@friendly_errors
def ingest(
    sources: Annotated[Path | None, typer.Option(help="Sources file.")] = None,
    replay: Annotated[Path | None, typer.Option(help="Folder of recorded responses.")] = None,
    db: DbOption = None,
) -> None:
    """Fetch every enabled source, store raw payloads, parse and upsert postings."""
    from cli.summary import print_ingest_summary
    from flows.ingest import ingest as ingest_flow

    summary = ingest_flow(sources_file=_str(sources), replay_dir=_str(replay), db_path=_str(db))
    print_ingest_summary(summary)
    if summary["failed"]:
        raise typer.Exit(code=2)


@app.command()
@friendly_errors
def digest(
    cadence: Annotated[str, typer.Option(help="daily or weekly.")] = "daily",
    db: DbOption = None,
    outbox: Annotated[Path | None, typer.Option(help="Outbox folder.")] = None,
) -> None:
    """Send the digests of one cadence (SMTP when configured, else the outbox)."""
    from cli.summary import print_digest_summary
    from flows.digest import digest as digest_flow

    summary = digest_flow(cadence=cadence, db_path=_str(db), outbox_dir=_str(outbox))
    print_digest_summary(summary)
    if summary["failed"]:
        raise typer.Exit(code=2)


def _subscribe_file(path: Path, db: Path) -> int:
    subs = load_subscriptions(path)
    now = datetime.now(UTC)
    with writer(db) as con:
        for sub in subs:
            save_subscription(con, sub, now)
    return len(subs)


@app.command()
@friendly_errors
def subscribe(
    email: Annotated[str | None, typer.Argument(help="Address to send digests to.")] = None,
    cadence: Annotated[str, typer.Option(help="daily or weekly.")] = "daily",
    keyword: Annotated[list[str] | None, typer.Option(help="Keyword (repeatable).")] = None,
    level: Annotated[
        list[str] | None, typer.Option(help="assistant|manager|senior|director|vp.")
    ] = None,
    workplace: Annotated[list[str] | None, typer.Option(help="remote|hybrid|onsite.")] = None,
    location: Annotated[list[str] | None, typer.Option(help="City, hub or country code.")] = None,
    min_salary: Annotated[float | None, typer.Option(help="Minimum annual salary in USD.")] = None,
    no_salary: Annotated[bool, typer.Option(help="Include postings without salary.")] = True,
    from_file: Annotated[
        Path | None, typer.Option("--from", help="YAML file of subscriptions.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Subscribe an address (or every entry of a YAML file) to digests."""
    if from_file:
        typer.echo(f"saved {_subscribe_file(from_file, db_path(db))} subscriptions")
        return
    if not email:
        fail("give an EMAIL or --from FILE")
    sub = subscription_from(
        {
            "email": email,
            "cadence": cadence,
            "keywords": keyword,
            "levels": level,
            "workplaces": workplace,
            "locations": location,
            "min_salary_usd": min_salary,
            "include_no_salary": no_salary,
        }
    )
    with writer(db_path(db)) as con:
        sub_id = save_subscription(con, sub, datetime.now(UTC))
    typer.echo(f"subscribed {sub.email} ({sub.cadence}) as #{sub_id}")


@app.command()
@friendly_errors
def unsubscribe(
    email: Annotated[str | None, typer.Argument(help="Address to stop.")] = None,
    cadence: Annotated[str | None, typer.Option(help="Only this cadence.")] = None,
    token: Annotated[
        str | None, typer.Option(help="Token from an email's unsubscribe link.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Stop digests to an address, or to the subscription a signed token names."""
    from digests.unsubscribe import verify_token

    with writer(db_path(db)) as con:
        if token:
            verified = verify_token(get_settings().unsubscribe_secret.get_secret_value(), token)
            if verified is None:
                fail("invalid or tampered unsubscribe token")
                return
            count = deactivate_id(con, verified[0], verified[1])
        elif email:
            count = deactivate(con, email, cadence)
        else:
            fail("give an EMAIL or --token")
            return
    typer.echo(f"unsubscribed {count} subscription(s)")


@app.command()
@friendly_errors
def subscriptions(
    fmt: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
    db: DbOption = None,
) -> None:
    """List subscriptions with their deliveries and last failure."""
    con = connect_reader(db_path(db))
    try:
        rows = subscription_overview(con)
    finally:
        con.close()
    columns = [
        "id",
        "email",
        "cadence",
        "active",
        "levels",
        "workplaces",
        "keywords",
        "locations",
        "min_salary_usd",
        "sent",
        "last_sent",
        "error",
    ]
    print_rows(columns, rows, fmt)


@app.command()
@friendly_errors
def sql(
    query: Annotated[str | None, typer.Argument(help="SQL to run (read-only).")] = None,
    file: Annotated[
        Path | None, typer.Option("--file", "-f", help="Read the query from a file.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
    db: DbOption = None,
) -> None:
    """Query the warehouse read-only: no writes, no access to other files."""
    if fmt not in FORMATS:
        fail(f"unknown format {fmt!r}: choose {', '.join(FORMATS)}")
    text = file.read_text() if file else query
    if not text:
        fail("give a QUERY or --file")
        return
    con = connect_reader(db_path(db))
    try:
        cursor = con.execute(text)
        columns = [d[0] for d in cursor.description or []]
        rows = cursor.fetchall() if columns else []
    finally:
        con.close()
    print_rows(columns, rows, fmt)


@app.command()
@friendly_errors
def reparse(db: DbOption = None) -> None:
    """Rebuild parsed postings from stored raw payloads with the current parsers (no network)."""
    from pipeline.reparse import reparse_all
    from sources.registry import load_sources

    companies = {}
    for path in (get_settings().sources_file, SAMPLE_DIR / "sources.yaml"):
        if path.exists():
            companies.update({s.name: s.company for s in load_sources(path)})
    with writer(db_path(db)) as con:
        result = reparse_all(con, companies)
    gained = result.salary_after - result.salary_before
    typer.echo(
        f"re-parsed {result.payloads} payloads into {result.postings} postings "
        f"({result.parse_errors} parse errors); salary known on {result.salary_after} postings "
        f"({gained:+d})"
    )


@app.command("sources")
@friendly_errors
def list_sources(
    file: Annotated[Path | None, typer.Option("--file", help="Sources file.")] = None,
) -> None:
    """List the configured sources."""
    from sources.registry import load_sources

    rows = [
        (s.name, s.kind, s.board, s.company, s.region, s.enabled)
        for s in load_sources(file or get_settings().sources_file)
    ]
    print_rows(["name", "kind", "board", "company", "region", "enabled"], rows, "table")


def main() -> None:
    """Entry point for `python -m cli.main`."""
    app()


if __name__ == "__main__":
    main()
