"""Subscriptions: validation, currency conversion, the file format, and each filter in SQL."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from cli.main import app
from core.benchmarks import load_benchmarks
from core.errors import SubscriptionError
from core.models import MarketSummary, Subscription
from core.settings import get_settings
from core.validation import FAMILIES, validate_subscription
from digests.compose import compose_digest
from opstore.subscriptions import (
    active_subscriptions,
    get_subscription,
    save_subscription,
    save_subscriptions,
)
from parsers import title as title_parser
from pipeline.stores import carry_over
from subscriptions.input import load_subscriptions, subscription_from
from tests.helpers import match, ops_of, ops_rows
from warehouse.db import connect_writer, migration_files
from warehouse.matching import top_skills

NOW = datetime.now(UTC)
runner = CliRunner()


# ---------------------------------------------------------------- validation


def test_families_match_the_title_parser() -> None:
    assert set(FAMILIES) == {name for name, _ in title_parser._FAMILIES}


def test_a_full_subscription_is_normalised() -> None:
    sub = subscription_from(
        {
            "email": " reader@example.org ",
            "cadence": "weekly",
            "keywords": ["  clinical   trial manager "],
            "levels": ["Senior", "VP"],
            "families": ["clinical trial management"],
            "workplaces": ["Remote", "on-site"],
            "locations": ["Boston"],
            "countries": ["us", "gb"],
            "companies": ["Northwind"],
            "exclude_companies": ["Acme CRO"],
            "min_salary": "95,000",
            "currency": "eur",
            "include_no_salary": False,
            "no_news": True,
        }
    )
    assert sub.email == "reader@example.org"
    assert sub.keywords == ("clinical trial manager",)
    assert sub.levels == ("senior", "vp")
    assert sub.families == ("clinical_trial_management",)
    assert sub.workplaces == ("remote", "onsite")
    assert sub.countries == ("US", "GB")
    assert sub.min_salary_currency == "EUR" and sub.min_salary_amount == 95_000
    assert sub.min_salary_usd == pytest.approx(95_000 * 1.155)
    assert sub.include_no_salary is False and sub.no_news is True


def test_usd_minimum_keeps_no_original_currency() -> None:
    sub = subscription_from({"email": "a@b.org", "min_salary": 120000})
    assert sub.min_salary_usd == 120_000 and sub.min_salary_currency is None
    same = subscription_from({"email": "a@b.org", "min_salary_usd": 120000})
    assert same.min_salary_usd == 120_000


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"email": "not-an-email"}, "invalid email"),
        ({"email": "a@b.org", "levels": ["intern"]}, "unknown level intern"),
        ({"email": "a@b.org", "families": ["nursing"]}, "unknown family nursing"),
        ({"email": "a@b.org", "workplaces": ["moon"]}, "unknown workplace moon"),
        ({"email": "a@b.org", "countries": ["USA"]}, "unknown country USA"),
        ({"email": "a@b.org", "min_salary": -5}, "cannot be negative"),
        ({"email": "a@b.org", "min_salary": "lots"}, "must be a number"),
        ({"email": "a@b.org", "min_salary": 5, "currency": "XYZ"}, "unknown currency XYZ"),
        ({"email": "a@b.org", "min_salary": 5, "currency": "euro"}, "invalid currency"),
        ({"email": "a@b.org", "min_salary_usd": 5, "currency": "EUR"}, "is in USD"),
        ({"email": "a@b.org", "min_salary": 1e9}, "not a plausible"),
        ({"email": "a@b.org", "cadence": "hourly"}, "unknown cadence"),
        ({"email": "a@b.org", "companies": ["X"], "exclude_companies": ["x"]}, "both"),
        ({"email": "a@b.org", "colour": "blue"}, "unknown field(s) colour"),
        ({"email": "a@b.org", "no_news": "yes"}, "true or false"),
    ],
)
def test_invalid_entries_say_what_to_fix(entry: dict, message: str) -> None:
    with pytest.raises(SubscriptionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        subscription_from(entry)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"min_salary": "nan"}, "min_salary must be a number, not 'nan'"),
        ({"min_salary": float("inf")}, "min_salary must be a number, not inf"),
        ({"min_salary_usd": "-inf"}, "min_salary_usd must be a number, not '-inf'"),
        ({"countries": ["ZZ"]}, "unknown country ZZ: use ISO 3166-1 alpha-2 codes"),
        ({"countries": ["us", "uk"]}, "unknown country UK: use ISO 3166-1 alpha-2 codes"),
    ],
)
def test_non_numbers_and_unknown_countries_are_refused(entry: dict, message: str) -> None:
    with pytest.raises(SubscriptionError, match=re.escape(message)):
        subscription_from({"email": "a@b.org", **entry})


@pytest.mark.parametrize("amount", [float("nan"), float("inf"), float("-inf")])
def test_validation_itself_refuses_a_salary_that_is_not_a_number(amount: float) -> None:
    with pytest.raises(SubscriptionError, match="minimum salary must be a number"):
        validate_subscription(Subscription(email="a@b.org", min_salary_usd=amount))
    with pytest.raises(SubscriptionError, match="unknown country ZZ"):
        validate_subscription(Subscription(email="a@b.org", countries=("GB", "ZZ")))


@pytest.mark.parametrize(
    "field", ["keywords", "locations", "companies", "exclude_companies", "countries"]
)
@pytest.mark.parametrize("bad", ["x\r\nBcc: victim@evil.example", "x\nX-Evil: 1", "x\0y"])
def test_line_breaks_are_rejected_in_every_field(field: str, bad: str) -> None:
    with pytest.raises(SubscriptionError, match="control characters"):
        subscription_from({"email": "a@b.org", field: [bad]})
    with pytest.raises(SubscriptionError, match="line breaks"):
        validate_subscription(Subscription(email="a@b.org" + bad))


def test_a_file_names_the_bad_entry(tmp_path: Path) -> None:
    path = tmp_path / "subs.yaml"
    path.write_text(
        "subscriptions:\n  - email: ok@example.org\n  - email: bad@example.org\n    levels: [x]\n"
    )
    with pytest.raises(SubscriptionError, match=r"subscription #2: unknown level x"):
        load_subscriptions(path)
    path.write_text("subscriptions: [")
    with pytest.raises(SubscriptionError, match="invalid YAML"):
        load_subscriptions(path)


# ---------------------------------------------------------------- storage


def test_saving_again_updates_and_many_at_once(db) -> None:
    first = subscription_from({"email": "a@example.org", "levels": ["senior"], "no_news": True})
    ops = ops_of(db)
    sub_id = save_subscription(ops, first, NOW)
    changed = subscription_from({"email": "a@example.org", "countries": ["DE"]})
    ids = save_subscriptions(ops, [changed, subscription_from({"email": "b@example.org"})], NOW)
    assert ids[0] == sub_id and len(set(ids)) == 2
    stored, active = get_subscription(ops, sub_id, "A@example.org") or (None, False)
    assert active and stored is not None
    assert stored.levels == () and stored.countries == ("DE",) and stored.no_news is False
    assert get_subscription(ops, sub_id, "someone@else.org") is None


def test_a_warehouse_from_before_the_new_filters_still_works(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    con = warehouse_at_004(path)
    con.execute(
        "INSERT INTO subscriptions (email, cadence, keywords, levels, workplaces, locations,"
        " min_salary_usd, include_no_salary, created_at, families, countries, companies,"
        " exclude_companies, no_news)"
        " VALUES ('old@example.org', 'daily', [], [], [], [], NULL, TRUE, now(),"
        " NULL, NULL, NULL, NULL, NULL)"
    )
    con.close()
    carry_over(path, ops_of(path))
    [sub] = active_subscriptions(ops_of(path), "daily")
    assert sub.families == () and sub.no_news is False


# ---------------------------------------------------------------- matching, filter by filter


def add_posting(db, source_id: str, **values) -> None:
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


@pytest.fixture
def market(db):
    add_posting(db, "ctm-boston")
    add_posting(
        db,
        "cra-remote",
        title="Clinical Research Associate II",
        company="Acme CRO",
        location_text="Remote - US",
        city=None,
        hub=None,
        workplace="remote",
        family="clinical_research_associate",
        level="assistant",
        salary_usd_annual_min=None,
        salary_usd_annual_max=None,
    )
    add_posting(
        db,
        "dir-london",
        title="Director, Clinical Operations",
        company="Meridian Clinical",
        location_text="London, United Kingdom",
        city="London",
        country="GB",
        hub=None,
        workplace="onsite",
        family="clinical_operations",
        level="director",
        salary_usd_annual_min=160_000.0,
        salary_usd_annual_max=190_000.0,
        locations=[{"city": "London", "region": None, "country": "GB", "hub": None}],
    )
    add_posting(db, "closed", closed_at=NOW)
    add_posting(db, "irrelevant", relevant=False)
    add_posting(db, "old", first_seen=NOW - timedelta(days=3))
    return db


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, {"ctm-boston", "cra-remote", "dir-london"}),
        ({"keywords": ["clinical research associate"]}, {"cra-remote"}),
        ({"keywords": ["CRA", "trial manager"]}, {"ctm-boston"}),
        ({"levels": ["director", "vp"]}, {"dir-london"}),
        ({"families": ["clinical research associate"]}, {"cra-remote"}),
        ({"workplaces": ["remote"]}, {"cra-remote"}),
        ({"workplaces": ["hybrid", "onsite"]}, {"ctm-boston", "dir-london"}),
        ({"locations": ["Boston"]}, {"ctm-boston"}),
        ({"locations": ["london"]}, {"dir-london"}),
        ({"locations": ["remote"]}, {"cra-remote"}),
        ({"countries": ["GB"]}, {"dir-london"}),
        ({"countries": ["US"]}, {"ctm-boston", "cra-remote"}),
        ({"companies": ["northwind"]}, {"ctm-boston"}),
        ({"exclude_companies": ["Acme"]}, {"ctm-boston", "dir-london"}),
        ({"min_salary": 155000}, {"cra-remote", "dir-london"}),
        ({"min_salary": 155000, "include_no_salary": False}, {"dir-london"}),
        ({"min_salary": 140000, "currency": "GBP"}, {"dir-london", "cra-remote"}),
        ({"levels": ["manager"], "workplaces": ["remote"]}, set()),
    ],
)
def test_each_filter_in_the_one_query(market, filters: dict, expected: set[str]) -> None:
    sub_id = save_subscription(
        ops_of(market), subscription_from({"email": "r@example.org", **filters}), NOW
    )
    matches = match(market, "daily")
    assert {p.source_id for p in matches.get(sub_id, [])} == expected


def test_many_subscriptions_are_matched_together(market) -> None:
    ops = ops_of(market)
    a = save_subscription(ops, subscription_from({"email": "a@example.org"}), NOW)
    b = save_subscription(
        ops, subscription_from({"email": "b@example.org", "countries": ["GB"]}), NOW
    )
    c = save_subscription(
        ops, subscription_from({"email": "c@example.org", "cadence": "weekly"}), NOW
    )
    daily = match(market, "daily")
    assert set(daily) == {a, b} and len(daily[a]) == 3 and len(daily[b]) == 1
    assert {p.source_id for p in match(market, "weekly")[c]} >= {"old"}


FORTY = 40


def add_forty(db, now: datetime) -> list[str]:
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


def test_a_broad_alert_gets_its_best_25_and_counts_over_all_40(db) -> None:
    now = datetime.now(UTC)
    order = add_forty(db, now)
    sub_id = save_subscription(ops_of(db), subscription_from({"email": "all@example.org"}), now)
    matches = match(db, "daily")[sub_id]
    assert (matches.total, matches.remote, matches.above_median, len(matches)) == (40, 8, 10, 25)
    sub = next(s for s in active_subscriptions(ops_of(db), "daily") if s.id == sub_id)
    digest = compose_digest(sub, matches, MarketSummary(1, 40), load_benchmarks(), "daily", now)
    assert [i.posting.source_id for i in digest.items] == order[:25]
    assert order[:4] == ["p01", "p03", "p02", "p05"] and order[9:11] == ["p13", "p14"]
    assert digest.more == 15
    # Over the 25 shown it would be 5 remote and 9 above the median: the subject counts all 40.
    subject = "40 new Clinical Operations roles, 8 remote, 10 above the guide's median"
    assert digest.subject == subject


def test_the_best_25_are_those_composing_every_match_would_show(db) -> None:
    now = datetime.now(UTC)
    add_forty(db, now)
    sub_id = save_subscription(
        ops_of(db), subscription_from({"email": "m@example.org", "levels": ["manager"]}), now
    )
    sub = next(s for s in active_subscriptions(ops_of(db), "daily") if s.id == sub_id)
    every = list(match(db, "daily", limit=FORTY)[sub_id])
    best = match(db, "daily")[sub_id]
    bm, market = load_benchmarks(), MarketSummary(1, 40)
    whole = compose_digest(sub, every, market, bm, "daily", now)
    assert len(every) == 40 and [p.source_id for p in best] == [
        i.posting.source_id for i in whole.items
    ]
    assert compose_digest(sub, best, market, bm, "daily", now) == whole


def test_top_skills_counts_the_guides_tools(db) -> None:
    add_posting(db, "1", description="Experience with CTMS, EDC and ICH-GCP. Veeva Vault.")
    add_posting(db, "2", description="ctms and risk-based monitoring; PMP a plus")
    add_posting(db, "3", description="SoCRA or ACRP certification", relevant=False)
    skills = dict(top_skills(db, NOW - timedelta(days=1)))
    assert skills["CTMS"] == 2
    assert skills["EDC"] == skills["GCP / ICH"] == skills["Veeva"] == skills["PMP"] == 1
    assert skills["RBQM"] == 1 and "CCRP / ACRP / SoCRA" not in skills


# ---------------------------------------------------------------- the command


@pytest.fixture
def warehouse(settings_env) -> Path:
    path = get_settings().db_path
    connect_writer(path).close()
    return path


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


# ---------------------------------------------------------------- upgrading old warehouses


def warehouse_at_004(path: Path) -> duckdb.DuckDBPyConnection:
    """A warehouse as migrations 001-004 left it, before addresses were lower-cased."""
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied_at TIMESTAMPTZ NOT NULL)"
    )
    for version, file in migration_files():
        if version <= 4:
            con.execute(file.read_text())
            con.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", [version, file.name, NOW])
    return con


def add_old_subscription(
    con, sub_id: int, email: str, active: bool, days_ago: int, cadence: str = "daily"
) -> None:
    at = NOW - timedelta(days=days_ago)
    con.execute(
        "INSERT INTO subscriptions (id, email, cadence, keywords, levels, workplaces, locations,"
        " include_no_salary, active, created_at, updated_at)"
        " VALUES (?, ?, ?, [], [], [], [], TRUE, ?, ?, ?)",
        [sub_id, email, cadence, active, at, at],
    )


def test_an_old_warehouse_with_case_duplicates_is_made_consistent(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    con = warehouse_at_004(path)
    add_old_subscription(con, 1, "x@y.org", True, days_ago=9)  # older: stops
    add_old_subscription(con, 2, "X@Y.org", True, days_ago=2)  # newest active: kept
    add_old_subscription(con, 3, "x@Y.org", False, days_ago=1)  # already stopped
    add_old_subscription(con, 4, "Solo@Example.org", True, days_ago=5)  # no clash
    add_old_subscription(con, 5, "X@Y.org", True, days_ago=3, cadence="weekly")  # other cadence
    for message_id, sub_id in (("m1", 1), ("m2", 2)):
        con.execute(
            "INSERT INTO deliveries (message_id, subscription_id, cadence, recipient, status,"
            " posting_count, created_at) VALUES (?, ?, 'daily', 'x@y.org', 'sent', 1, ?)",
            [message_id, sub_id, NOW],
        )
        con.execute("INSERT INTO delivery_items VALUES (?, ?, 'test', 'p1')", [message_id, sub_id])
    con.close()

    carry_over(path, ops_of(path))  # applies 005-011, then carries the rows over
    upgraded = ops_of(path)
    rows = ops_rows(upgraded, "SELECT id, email, active FROM subscriptions ORDER BY id")
    assert rows == [
        (1, "X@Y.org", False),
        (2, "x@y.org", True),
        (3, "x@Y.org", False),
        (4, "solo@example.org", True),
        (5, "x@y.org", True),
    ]
    assert (
        ops_rows(
            upgraded,
            "SELECT count(*) FROM subscriptions WHERE active GROUP BY lower(email), cadence"
            " HAVING count(*) > 1",
        )
        == []
    )
    history = ops_rows(
        upgraded,
        "SELECT d.message_id, d.subscription_id, i.subscription_id FROM deliveries d"
        " JOIN delivery_items i USING (message_id) JOIN subscriptions s ON s.id = d.subscription_id"
        " ORDER BY 1",
    )
    assert history == [("m1", 1, 1), ("m2", 2, 2)]
    sub_id = save_subscription(upgraded, subscription_from({"email": "X@y.ORG"}), NOW)
    assert sub_id == 2
    assert [s.id for s in active_subscriptions(upgraded, "daily")] == [2, 4]


# ---------------------------------------------------------------- one list of skills


def test_the_digest_and_the_skills_demand_view_use_one_list(db) -> None:
    add_posting(db, "1", description="ICH E6 (R3) and GCP; Medidata Rave; budget owner")
    add_posting(db, "2", description="Vendor oversight across oncology studies, CTMS")
    add_posting(db, "3", description="Oncology; risk-based monitoring; DCT experience")
    add_posting(db, "4", description="Nothing the guide names")
    digest = dict(top_skills(db, NOW - timedelta(days=1), limit=100))
    view = dict(
        db.execute("SELECT skill, postings FROM skills_demand WHERE postings > 0").fetchall()
    )
    assert digest == view
    assert {"Budget management", "Vendor / CRO oversight", "Oncology", "Medidata"} <= set(digest)
    db.execute("INSERT INTO skills VALUES ('Rare disease', 'therapeutic area', '(?i)rare disease')")
    add_posting(db, "5", description="Rare disease programmes")
    assert dict(top_skills(db, NOW - timedelta(days=1), limit=100))["Rare disease"] == 1
