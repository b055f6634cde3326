"""Subscription input: validation, currency conversion and the file format."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.errors import SubscriptionError
from core.models import Subscription
from core.validation import FAMILIES, validate_subscription
from parsers import title as title_parser
from subscriptions.input import load_subscriptions, subscription_from


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
