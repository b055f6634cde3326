"""Subscription commands: subscribe, unsubscribe, subscriptions."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Connection

from cli.app import DbOption, app, db_path, fail, friendly_errors
from cli.output import print_rows
from core.models import CADENCES, Subscription
from core.settings import get_settings
from core.validation import email_key
from opstore.db import OpsStore
from opstore.subscriptions import (
    active_subscriptions,
    deactivate,
    deactivate_id,
    save_subscription,
    save_subscriptions,
    subscription_overview,
)
from opstore.tokens import resolve_token
from pipeline.stores import ops_store
from subscriptions.input import load_subscriptions, subscription_from


def store_for(db: Path) -> OpsStore:
    """The operational store of the warehouse at `db` (JOBALERTS_OPS_URL, else beside it)."""
    return ops_store(get_settings(), db)


def subscribe_file(path: Path, db: Path) -> int:
    """Save every subscription of a YAML file; return how many."""
    subs = load_subscriptions(path)
    now = datetime.now(UTC)
    with store_for(db).transaction() as con:
        save_subscriptions(con, subs, now)
    return len(subs)


ListOption = list[str] | None


@app.command()
@friendly_errors
def subscribe(
    email: Annotated[str | None, typer.Argument(help="Address to send digests to.")] = None,
    cadence: Annotated[str, typer.Option(help="daily or weekly.")] = "daily",
    keyword: Annotated[ListOption, typer.Option(help="Word or phrase in the title.")] = None,
    level: Annotated[
        ListOption, typer.Option(help="assistant|manager|senior|director|vp (repeatable).")
    ] = None,
    family: Annotated[
        ListOption, typer.Option(help="Role family, e.g. clinical_trial_management.")
    ] = None,
    workplace: Annotated[ListOption, typer.Option(help="remote|hybrid|onsite.")] = None,
    location: Annotated[ListOption, typer.Option(help="Hub, city or region.")] = None,
    country: Annotated[ListOption, typer.Option(help="ISO country code, e.g. US, GB.")] = None,
    company: Annotated[ListOption, typer.Option(help="Only these companies.")] = None,
    exclude_company: Annotated[ListOption, typer.Option(help="Never these companies.")] = None,
    min_salary: Annotated[
        str | None,
        typer.Option(help="Minimum annual salary (in --currency): 120000, 120,000 or 120k."),
    ] = None,
    currency: Annotated[str, typer.Option(help="Currency of --min-salary.")] = "USD",
    salary_required: Annotated[
        bool,
        typer.Option(
            "--salary-required/--salary-optional",
            help="Only postings that state a salary (default: postings without one too).",
        ),
    ] = False,
    no_salary: Annotated[
        bool | None, typer.Option("--no-salary/--no-no-salary", hidden=True)
    ] = None,
    no_news: Annotated[
        bool, typer.Option("--no-news", help="Email even when nothing new matched.")
    ] = False,
    from_file: Annotated[
        Path | None, typer.Option("--from", help="YAML file of subscriptions.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Subscribe an address (or every entry of a YAML file) to digests, with filters."""
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
            "families": family,
            "workplaces": workplace,
            "locations": location,
            "countries": country,
            "companies": company,
            "exclude_companies": exclude_company,
            "min_salary": min_salary,
            "currency": currency,
            "include_no_salary": (not salary_required) if no_salary is None else no_salary,
            "no_news": no_news,
        }
    )
    with store_for(db_path(db)).transaction() as con:
        before = _current(con, sub)
        sub_id = save_subscription(con, sub, datetime.now(UTC))
    if before is not None:
        typer.echo(f"updated {sub.email} ({sub.cadence}) #{sub_id}: {_changes(before, sub)}")
        return
    extra = ""
    if sub.min_salary_currency and sub.min_salary_usd is not None:
        extra = (
            f"; minimum {sub.min_salary_amount:,.0f} {sub.min_salary_currency}"
            f" = ${sub.min_salary_usd:,.0f} a year"
        )
    typer.echo(f"subscribed {sub.email} ({sub.cadence}) as #{sub_id}{extra}")


def _current(con: Connection, sub: Subscription) -> Subscription | None:
    """The active subscription of this address and cadence, if there is one."""
    key = email_key(sub.email)
    found = [s for s in active_subscriptions(con, sub.cadence) if email_key(s.email) == key]
    return found[0] if found else None


FILTER_FIELDS = ("keywords", "levels", "families", "workplaces", "locations", "countries",
                 "companies", "exclude_companies", "min_salary_usd", "min_salary_amount",
                 "min_salary_currency", "include_no_salary", "no_news")  # fmt: skip


def _changes(before: Subscription, after: Subscription) -> str:
    """What a re-subscription changed, field by field ("nothing changed" when the same)."""
    changed = [
        f"{name} {_shown(getattr(before, name))} -> {_shown(getattr(after, name))}"
        for name in FILTER_FIELDS
        if getattr(before, name) != getattr(after, name)
    ]
    return "; ".join(changed) if changed else "nothing changed"


def _shown(value: object) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(value) + "]"
    if isinstance(value, float):
        return f"{value:,.0f}"
    return "none" if value is None else str(value)


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
    """Stop digests to an address, or to the subscription an email's link token names."""
    if cadence is not None and cadence not in CADENCES:
        fail(f"unknown cadence {cadence!r}: choose {' or '.join(CADENCES)}")
    with store_for(db_path(db)).transaction() as con:
        if token:
            count = _unsubscribe_token(con, token)
        elif email:
            count = deactivate(con, email, cadence)
        else:
            fail("give an EMAIL or --token")
            return
    if not count and email:
        which = f" {cadence}" if cadence else ""
        fail(f"no active{which} subscription for {email}")
    typer.echo(f"unsubscribed {count} subscription(s)")


@app.command()
@friendly_errors
def subscriptions(
    fmt: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
    db: DbOption = None,
) -> None:
    """List subscriptions: filters, emails sent, waiting for a retry, failed, last error."""
    with store_for(db_path(db)).reader() as con:
        rows = subscription_overview(con)
    columns = [
        "id",
        "email",
        "cadence",
        "active",
        "filters",
        "sent",
        "last_sent",
        "waiting",
        "failed",
        "error",
    ]
    print_rows(columns, rows, fmt)


def _unsubscribe_token(con: Connection, token: str) -> int:
    """Stop the subscription an unsubscribe token names: a stored token, or an old email's
    signed one when a real secret signed it; fails (without echoing it) when invalid."""
    from digests.unsubscribe import verify_token

    sub_id = resolve_token(con, token, "unsubscribe", datetime.now(UTC))
    if sub_id is not None:
        return deactivate_id(con, sub_id)
    legacy = get_settings().legacy_token_secret
    verified = verify_token(legacy, token) if legacy else None
    if verified is None:
        fail("invalid, expired or tampered unsubscribe token")
        return 0
    return deactivate_id(con, verified[0], verified[1])
