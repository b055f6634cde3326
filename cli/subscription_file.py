"""Reading many subscriptions from a YAML file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from core.errors import SubscriptionError
from core.models import Subscription
from core.validation import validate_subscription


def _as_tuple(entry: dict[str, Any], key: str) -> tuple[str, ...]:
    value = entry.get(key) or []
    if isinstance(value, str):
        value = [value]
    return tuple(str(v) for v in value)


def subscription_from(entry: dict[str, Any]) -> Subscription:
    """One validated subscription from a mapping of the file."""
    min_salary = entry.get("min_salary_usd")
    return validate_subscription(
        Subscription(
            email=str(entry.get("email", "")),
            cadence=entry.get("cadence", "daily"),
            keywords=_as_tuple(entry, "keywords"),
            levels=_as_tuple(entry, "levels"),
            workplaces=_as_tuple(entry, "workplaces"),
            locations=_as_tuple(entry, "locations"),
            min_salary_usd=float(min_salary) if min_salary is not None else None,
            include_no_salary=bool(entry.get("include_no_salary", True)),
        )
    )


def load_subscriptions(path: Path) -> list[Subscription]:
    """Every subscription in the file; the first invalid one raises with its position."""
    doc = yaml.safe_load(path.read_text())
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
