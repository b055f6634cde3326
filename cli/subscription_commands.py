"""Subscription commands: subscribe, unsubscribe, subscriptions."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from cli.app import DbOption, app, db_path, fail, friendly_errors
from cli.output import print_rows
from cli.subscription_file import load_subscriptions, subscription_from
from core.settings import get_settings
from warehouse.db import connect_reader, writer
from warehouse.subscriptions import (
    deactivate,
    deactivate_id,
    save_subscription,
    subscription_overview,
)


def subscribe_file(path: Path, db: Path) -> int:
    """Save every subscription of a YAML file; return how many."""
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
        typer.echo(f"saved {subscribe_file(from_file, db_path(db))} subscriptions")
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
