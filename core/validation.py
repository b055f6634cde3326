"""Validation of user input, with errors that say what to fix."""

from __future__ import annotations

from email.headerregistry import Address
from email.utils import parseaddr

from core.errors import SubscriptionError
from core.models import CADENCES, LEVELS, WORKPLACES, Subscription

FORBIDDEN_IN_HEADERS = ("\r", "\n", "\0")


def validate_email(email: str) -> str:
    """Return the address trimmed, or raise SubscriptionError."""
    value = email.strip()
    if any(ch in value for ch in FORBIDDEN_IN_HEADERS):
        raise SubscriptionError(f"invalid email {email!r}: line breaks are not allowed")
    name, address = parseaddr(value)
    if name or address != value or "@" not in value:
        raise SubscriptionError(f"invalid email {email!r}: expected a bare address like a@b.org")
    try:
        parsed = Address(addr_spec=value)
    except (ValueError, IndexError) as error:
        raise SubscriptionError(f"invalid email {email!r}: {error}") from error
    if not parsed.domain or "." not in parsed.domain or not parsed.username:
        raise SubscriptionError(f"invalid email {email!r}: the domain needs a dot")
    return value


def _check_choices(
    label: str, values: tuple[str, ...], allowed: tuple[str, ...]
) -> tuple[str, ...]:
    normalised = tuple(v.strip().lower() for v in values if v.strip())
    unknown = [v for v in normalised if v not in allowed]
    if unknown:
        raise SubscriptionError(
            f"unknown {label} {', '.join(unknown)}: choose from {', '.join(allowed)}"
        )
    return normalised


def validate_subscription(sub: Subscription) -> Subscription:
    """Check every field of a subscription; return it normalised."""
    if sub.cadence not in CADENCES:
        raise SubscriptionError(f"unknown cadence {sub.cadence!r}: choose daily or weekly")
    if sub.min_salary_usd is not None and sub.min_salary_usd < 0:
        raise SubscriptionError("minimum salary cannot be negative")
    return Subscription(
        email=validate_email(sub.email),
        cadence=sub.cadence,
        keywords=tuple(k.strip() for k in sub.keywords if k.strip()),
        levels=_check_choices("level", sub.levels, LEVELS),
        workplaces=_check_choices("workplace", sub.workplaces, WORKPLACES),
        locations=tuple(x.strip() for x in sub.locations if x.strip()),
        min_salary_usd=sub.min_salary_usd,
        include_no_salary=sub.include_no_salary,
        id=sub.id,
    )
