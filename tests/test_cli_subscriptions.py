"""The `subscribe`, `subscriptions` and `unsubscribe` commands."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from cli.main import app
from core.models import Subscription
from opstore.subscriptions import (
    active_subscriptions,
    save_subscriptions,
)
from subscriptions.input import subscription_from
from tests.helpers import NOW, ops_of, ops_rows

runner = CliRunner()


def test_subscribe_with_every_option_and_list(warehouse) -> None:
    result = runner.invoke(
        app,
        [
            "subscribe",
            "lead@example.org",
            "--cadence",
            "weekly",
            "--keyword",
            "clinical operations",
            "--level",
            "director",
            "--family",
            "clinical_operations",
            "--workplace",
            "remote",
            "--location",
            "Boston",
            "--country",
            "US",
            "--company",
            "Northwind",
            "--exclude-company",
            "Acme",
            "--min-salary",
            "150000",
            "--currency",
            "EUR",
            "--no-no-salary",
            "--no-news",
        ],
    )
    assert result.exit_code == 0, result.stderr
    assert "150,000 EUR = $173,250 a year" in result.stdout
    listed = runner.invoke(app, ["subscriptions", "--format", "json"])
    assert listed.exit_code == 0, listed.stderr
    assert "countries: US" in listed.stdout and "min $173250 (EUR 150000)" in listed.stdout
    [sub] = active_subscriptions(ops_of(warehouse), "weekly")
    assert sub.no_news and not sub.include_no_salary and sub.exclude_companies == ("Acme",)


def test_subscribe_from_a_file_and_unsubscribe(warehouse, tmp_path: Path) -> None:
    path = tmp_path / "subs.yaml"
    path.write_text(
        "subscriptions:\n"
        "  - {email: a@example.org, cadence: daily, countries: [US]}\n"
        "  - {email: a@example.org, cadence: weekly, min_salary: 90000, currency: GBP}\n"
    )
    assert runner.invoke(app, ["subscribe", "--from", str(path)]).stdout.strip() == (
        "saved 2 subscriptions"
    )
    out = runner.invoke(app, ["unsubscribe", "a@example.org", "--cadence", "weekly"])
    assert out.stdout.strip() == "unsubscribed 1 subscription(s)"
    bad = runner.invoke(
        app, ["subscribe", "a@example.org", "--currency", "XYZ", "--min-salary", "1"]
    )
    assert bad.exit_code == 1 and "unknown currency XYZ" in bad.stderr


def test_subscribing_twice_with_different_case_keeps_one_subscription(warehouse) -> None:
    for address in ("X@Y.org", "x@y.org", " x@Y.ORG "):
        result = runner.invoke(app, ["subscribe", address])
        assert result.exit_code == 0, result.stderr
    ops = ops_of(warehouse)
    assert ops_rows(ops, "SELECT id, email, active FROM subscriptions") == [(1, "x@y.org", True)]
    ids = save_subscriptions(
        ops,
        [subscription_from({"email": "B@Example.org"}), Subscription(email="b@example.ORG")],
        NOW,
    )
    assert ids[0] == ids[1]
    assert [s.email for s in active_subscriptions(ops, "daily")] == ["x@y.org", "b@example.org"]
    out = runner.invoke(app, ["unsubscribe", "X@y.org"])
    assert out.stdout.strip() == "unsubscribed 1 subscription(s)"
