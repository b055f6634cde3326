"""The sign-up and preference forms: every field's error lands beside that field."""

from __future__ import annotations

import pytest
from starlette.datastructures import FormData, UploadFile

from core.models import Subscription
from web import describe
from web.forms import read_form, values_of


def form(**fields: str | list[str]) -> FormData:
    items: list[tuple[str, str | UploadFile]] = []
    for name, value in fields.items():
        for one in value if isinstance(value, list) else [value]:
            items.append((name, one))
    return FormData(items)


def test_a_complete_form_gives_a_validated_subscription() -> None:
    result = read_form(
        form(
            email=" Lead@Example.ORG ",
            cadence="weekly",
            levels=["senior", "director"],
            families=["clinical_trial_management"],
            workplaces=["remote"],
            locations="Boston, San Diego",
            countries="us, ca",
            keywords="oncology; rare disease",
            companies="",
            exclude_companies="Acme CRO",
            min_salary="120k",
            currency="USD",
            include_no_salary="1",
        )
    )
    assert result.errors == {}
    sub = result.subscription
    assert sub is not None
    assert sub.email == "lead@example.org"
    assert sub.cadence == "weekly"
    assert sub.levels == ("senior", "director")
    assert sub.locations == ("Boston", "San Diego")
    assert sub.countries == ("US", "CA")
    assert sub.keywords == ("oncology", "rare disease")
    assert sub.exclude_companies == ("Acme CRO",)
    assert sub.min_salary_usd == 120_000
    assert sub.include_no_salary is True
    assert sub.no_news is False


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("email", "not-an-address", "email"),
        ("email", "a@b.org\r\nBcc: x@y.org", "line break"),
        ("cadence", "hourly", "cadence"),
        ("levels", ["chief"], "level"),
        ("families", ["astronaut"], "family"),
        ("workplaces", ["moon"], "workplace"),
        ("countries", "Atlantis", "country"),
        ("min_salary", "lots", "number"),
        ("min_salary", "-5", "negative"),
        ("keywords", "x" * 150, "characters"),
    ],
)
def test_each_bad_field_gets_its_own_message(
    field: str, value: str | list[str], words: str
) -> None:
    fields: dict[str, str | list[str]] = {"email": "ok@example.org", "cadence": "daily"}
    fields[field] = value
    result = read_form(form(**fields))
    assert result.subscription is None
    assert set(result.errors) == {field}
    assert words in result.errors[field].lower()


def test_several_bad_fields_are_all_reported_at_once() -> None:
    result = read_form(form(email="nope", cadence="hourly", countries="ZZ"))
    assert set(result.errors) == {"email", "cadence", "countries"}


def test_a_salary_in_another_currency_keeps_what_was_typed() -> None:
    result = read_form(form(email="eu@example.org", min_salary="90 000", currency="EUR"))
    sub = result.subscription
    assert sub is not None
    assert sub.min_salary_amount == 90_000
    assert sub.min_salary_currency == "EUR"
    assert sub.min_salary_usd is not None and sub.min_salary_usd != 90_000


def test_the_preference_form_keeps_the_address_it_belongs_to() -> None:
    result = read_form(
        form(email="attacker@example.org", cadence="daily"), email="owner@example.org"
    )
    assert result.subscription is not None
    assert result.subscription.email == "owner@example.org"


@pytest.mark.parametrize(
    ("text", "amount"), [("120k", 120_000.0), ("120,000", 120_000.0), ("$95k", 95_000.0)]
)
def test_amounts_people_type(text: str, amount: float) -> None:
    result = read_form(form(email="pay@example.org", min_salary=text))
    assert result.subscription is not None and result.subscription.min_salary_usd == amount


def test_a_company_both_included_and_excluded_is_a_form_error() -> None:
    result = read_form(form(email="co@example.org", companies="Acme", exclude_companies="acme"))
    assert result.subscription is None
    assert set(result.errors) == {"form"} and "both included and excluded" in result.errors["form"]


def test_a_stored_subscription_fills_the_form_and_round_trips() -> None:
    sub = Subscription(
        email="rt@example.org",
        cadence="weekly",
        levels=("manager",),
        locations=("Boston",),
        min_salary_usd=100_000,
        include_no_salary=False,
    )
    values = values_of(sub)
    again = read_form(
        form(
            cadence=values["cadence"],
            levels=values["levels"],
            locations=", ".join(values["locations"]),
            min_salary=values["min_salary"],
            currency=values["currency"],
        ),
        email=sub.email,
    )
    assert again.subscription == sub


def test_the_summary_says_how_often_to_whom_and_what() -> None:
    sub = Subscription(
        email="who@example.org",
        cadence="weekly",
        levels=("senior",),
        families=("clinical_trial_management",),
        workplaces=("remote",),
        countries=("US",),
        min_salary_usd=130_000,
    )
    text = describe.summary(sub)
    assert "weekly" in text and "every Monday" in text
    assert "who@example.org" in text
    assert "remote Senior Manager Clinical Trial Manager roles in US" in text
    assert "$130,000" in text
