"""Reading subscriptions from a YAML file or command options, with currency conversion."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import yaml

from core.errors import SubscriptionError
from core.models import Subscription
from core.validation import validate_currency, validate_subscription
from parsers.currency import FX_AS_OF, to_usd

LIST_KEYS = (
    "keywords",
    "levels",
    "families",
    "workplaces",
    "locations",
    "countries",
    "companies",
    "exclude_companies",
)
KNOWN_KEYS = {
    "email",
    "cadence",
    *LIST_KEYS,
    "min_salary",
    "min_salary_usd",
    "currency",
    "include_no_salary",
    "no_news",
}


def _as_tuple(entry: dict[str, Any], key: str) -> tuple[str, ...]:
    value = entry.get(key) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        raise SubscriptionError(f"{key} must be a list of strings")
    return tuple(str(v) for v in value)


def _number(value: Any, label: str) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise SubscriptionError(f"{label} must be a number, not {value!r}")
    number = _amount(str(value))
    if not math.isfinite(number):
        raise SubscriptionError(
            f"{label} must be a number, not {value!r} (write 120000, 120,000 or 120k)"
        )
    return number


_SUFFIXES = {"": 1.0, "k": 1e3, "m": 1e6}


def _amount(text: str) -> float:
    """120000, 120,000, 120_000, 90 000, $120k, 1.2m as a number; NaN when it is none of these."""
    cleaned = "".join(text.split()).replace(",", "").replace("_", "").lstrip("$€£").lower()
    suffix = cleaned[-1:] if cleaned[-1:] in ("k", "m") else ""
    try:
        return float(cleaned[: len(cleaned) - len(suffix)]) * _SUFFIXES[suffix]
    except ValueError:
        return math.nan


def _flag(entry: dict[str, Any], key: str, default: bool) -> bool:
    value = entry.get(key, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise SubscriptionError(f"{key} must be true or false, not {value!r}")
    return value


def min_salary_in_usd(amount: float | None, currency: str | None) -> tuple[float | None, float]:
    """The annual minimum in USD and the amount as given; SubscriptionError for unknown FX."""
    if amount is None:
        return None, 0.0
    if amount < 0:
        raise SubscriptionError("minimum salary cannot be negative")
    code = validate_currency(currency) or "USD"
    usd = to_usd(amount, code)
    if usd is None:
        raise SubscriptionError(
            f"unknown currency {code}: no exchange rate (rates as of {FX_AS_OF.isoformat()})"
        )
    return round(usd, 2), amount


def subscription_from(entry: dict[str, Any]) -> Subscription:
    """One validated subscription from a mapping (a file entry or the command's options).

    `min_salary` with `currency` (default USD) is converted to USD with the project's dated
    rates; `min_salary_usd` is taken as USD directly. Unknown keys are an error.
    """
    unknown = sorted(set(entry) - KNOWN_KEYS)
    if unknown:
        raise SubscriptionError(f"unknown field(s) {', '.join(unknown)}")
    if entry.get("min_salary") is not None and entry.get("min_salary_usd") is not None:
        raise SubscriptionError("give min_salary (with currency) or min_salary_usd, not both")
    currency = validate_currency(entry.get("currency"))
    amount = _number(entry.get("min_salary"), "min_salary")
    if amount is None:
        amount = _number(entry.get("min_salary_usd"), "min_salary_usd")
        if amount is not None and currency not in (None, "USD"):
            raise SubscriptionError("min_salary_usd is in USD: use min_salary with a currency")
    usd, original = min_salary_in_usd(amount, currency)
    return validate_subscription(
        Subscription(
            email=str(entry.get("email") or ""),
            cadence=entry.get("cadence") or "daily",
            keywords=_as_tuple(entry, "keywords"),
            levels=_as_tuple(entry, "levels"),
            families=_as_tuple(entry, "families"),
            workplaces=_as_tuple(entry, "workplaces"),
            locations=_as_tuple(entry, "locations"),
            countries=_as_tuple(entry, "countries"),
            companies=_as_tuple(entry, "companies"),
            exclude_companies=_as_tuple(entry, "exclude_companies"),
            min_salary_usd=usd,
            min_salary_amount=original if usd is not None else None,
            min_salary_currency=currency,
            include_no_salary=_flag(entry, "include_no_salary", True),
            no_news=_flag(entry, "no_news", False),
        )
    )


def load_subscriptions(path: Path) -> list[Subscription]:
    """Every subscription in the file; the first invalid one raises with its position."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise SubscriptionError(f"{path}: invalid YAML ({error})") from error
    entries = doc.get("subscriptions") if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        raise SubscriptionError(f"{path}: expected a top-level 'subscriptions' list")
    subs = []
    for index, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise SubscriptionError(f"{path}: subscription #{index} must be a mapping")
        try:
            subs.append(subscription_from(entry))
        except SubscriptionError as error:
            raise SubscriptionError(f"{path}: subscription #{index}: {error}") from error
    return subs
