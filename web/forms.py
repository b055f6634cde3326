"""The sign-up and preference forms: form fields in, a validated Subscription or field errors out.

Validation rules live in the subscription library; this module only maps form fields onto the
library's entry keys and says which field an error belongs to, so the page can show it there.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from core.errors import SubscriptionError
from core.models import Subscription
from subscriptions.input import subscription_from

# An address that always passes, to check one field at a time.
PROBE_EMAIL = "probe@example.org"
LIST_FIELDS = (
    "levels",
    "families",
    "workplaces",
    "locations",
    "countries",
    "keywords",
    "companies",
    "exclude_companies",
)
CHECKBOX_FIELDS = ("levels", "families", "workplaces")
MAX_FIELD_CHARS = 2_000


@dataclass
class FormResult:
    """What the form said: the values to show again, the subscription when valid, and errors."""

    values: dict[str, Any]
    subscription: Subscription | None = None
    errors: dict[str, str] = field(default_factory=dict)


def _list(form: Mapping[str, Any], name: str) -> list[str]:
    """A checkbox group's values, or a comma-separated text field split into items."""
    getlist = getattr(form, "getlist", None)
    raw: Sequence[str] = getlist(name) if getlist else [form.get(name) or ""]
    if name in CHECKBOX_FIELDS:
        return [str(v)[:MAX_FIELD_CHARS] for v in raw if str(v).strip()]
    text = ",".join(str(v)[:MAX_FIELD_CHARS] for v in raw)
    return [part.strip() for part in re.split(r"[,;\n]", text) if part.strip()]


def form_values(form: Mapping[str, Any]) -> dict[str, Any]:
    """The form's fields as the page shows them again (lists split, text trimmed)."""
    values: dict[str, Any] = {name: _list(form, name) for name in LIST_FIELDS}
    for name in ("email", "cadence", "min_salary", "currency"):
        values[name] = str(form.get(name) or "").strip()[:MAX_FIELD_CHARS]
    values["include_no_salary"] = bool(form.get("include_no_salary"))
    values["no_news"] = bool(form.get("no_news"))
    return values


def _entry(values: Mapping[str, Any], email: str) -> dict[str, Any]:
    """The subscription library's entry for these values."""
    entry: dict[str, Any] = {name: values[name] for name in LIST_FIELDS}
    entry.update(
        email=email,
        cadence=values["cadence"] or "daily",
        currency=values["currency"] or None,
        min_salary=values["min_salary"] or None,
        include_no_salary=values["include_no_salary"],
        no_news=values["no_news"],
    )
    return entry


def _field_error(entry: Mapping[str, Any], name: str) -> str | None:
    """The library's complaint about one field alone, or None when that field is fine."""
    probe: dict[str, Any] = {"email": PROBE_EMAIL}
    if name == "min_salary":
        probe.update(min_salary=entry["min_salary"], currency=entry["currency"])
    elif name != "email":
        probe[name] = entry[name]
    else:
        probe["email"] = entry["email"]
    try:
        subscription_from(probe)
    except SubscriptionError as error:
        return str(error)
    return None


def read_form(form: Mapping[str, Any], *, email: str | None = None) -> FormResult:
    """Validate a sign-up (`email` from the form) or preferences form (`email` given)."""
    values = form_values(form)
    result = FormResult(values=values)
    entry = _entry(values, email if email is not None else values["email"])
    try:  # the common case: all fine, one validation
        result.subscription = subscription_from(entry)
        return result
    except SubscriptionError as error:
        whole = str(error)
    names = ("email", "cadence", *LIST_FIELDS, "min_salary")
    for name in names if email is None else names[1:]:
        message = _field_error(entry, name)
        if message:
            result.errors[name] = message
    if not result.errors:  # each field fine alone, not together (a company both in and out)
        result.errors["form"] = whole
    return result


def values_of(sub: Subscription) -> dict[str, Any]:
    """A stored subscription as form values, to fill the preference form."""
    values: dict[str, Any] = {name: list(getattr(sub, name)) for name in LIST_FIELDS}
    amount = sub.min_salary_amount if sub.min_salary_currency else sub.min_salary_usd
    values.update(
        email=sub.email,
        cadence=sub.cadence,
        min_salary="" if amount is None else f"{amount:.0f}",
        currency=sub.min_salary_currency or "USD",
        include_no_salary=sub.include_no_salary,
        no_news=sub.no_news,
    )
    return values
